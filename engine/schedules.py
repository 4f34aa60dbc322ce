"""Learning-rate schedules: the learning rate as a function of training progress.

A schedule maps the (fractional) epoch e, from 0 at the start to the number of epochs E at the end,
to a factor; the optimiser's learning rate is ``base_lr * factor(e)``. It is evaluated every step.
"""

from __future__ import annotations

import math

from .choices import choose


class Constant:
    """factor(e) = 1."""

    def __call__(self, epoch: float) -> float:
        return 1.0

    def __repr__(self):
        return "Constant()"


class Step:
    """factor(e) = gamma ^ floor(e / every): multiply the rate by gamma every ``every`` epochs."""

    def __init__(self, every: int = 5, gamma: float = 0.1):
        if every < 1:
            raise ValueError(f"step schedule: 'every' must be >= 1 epoch, got {every}")
        if not 0 < gamma <= 1:
            raise ValueError(f"step schedule: gamma must be in (0, 1], got {gamma}")
        self.every, self.gamma = every, gamma

    def __call__(self, epoch: float) -> float:
        return self.gamma ** math.floor(epoch / self.every)

    def __repr__(self):
        return f"Step(every={self.every}, gamma={self.gamma})"


class Cosine:
    """factor(e) = (1 + cos(pi e / E)) / 2: from 1 down to 0 along half a cosine over E epochs."""

    def __init__(self, epochs: int):
        if epochs < 1:
            raise ValueError(f"cosine schedule needs >= 1 epoch, got {epochs}")
        self.epochs = epochs

    def __call__(self, epoch: float) -> float:
        return 0.5 * (1 + math.cos(math.pi * min(epoch / self.epochs, 1.0)))

    def __repr__(self):
        return f"Cosine(epochs={self.epochs})"


SCHEDULES = ("constant", "step", "cosine")


def make_schedule(name: str, epochs: int, every: int = 5, gamma: float = 0.1):
    """The schedule called ``name`` for a run of ``epochs`` epochs."""
    choose(name, SCHEDULES, "schedule")
    if name == "constant":
        return Constant()
    if name == "step":
        return Step(every, gamma)
    return Cosine(epochs)  # "cosine"
