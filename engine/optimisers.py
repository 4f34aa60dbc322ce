"""Optimisers: how gradients become parameter updates (SGD, momentum, Nesterov, Adam) with L2 decay.

An optimiser's ``step(parameters)`` reads each ``Parameter``'s ``grad`` and updates its ``value`` in
place. ``lr`` is a plain attribute, so a schedule can change it between steps. L2 weight decay adds
``weight_decay * w`` to the gradient of every parameter whose ``decay`` flag is set (the weights, not the
biases), i.e. minimises L + (weight_decay / 2) ||W||^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(eq=False)
class Parameter:
    """A trainable array, its gradient (same shape), a name, and whether L2 decay applies to it."""

    name: str
    value: np.ndarray
    grad: np.ndarray
    decay: bool = True


class Optimiser:
    """Shared bookkeeping: learning rate, weight decay, step count and per-parameter scratch arrays."""

    def __init__(self, lr: float, weight_decay: float = 0.0):
        if not lr > 0:
            raise ValueError(f"learning rate must be > 0, got {lr}")
        if weight_decay < 0:
            raise ValueError(f"weight decay must be >= 0, got {weight_decay}")
        self.lr = lr
        self.weight_decay = weight_decay
        self.t = 0
        self._state: dict[int, dict[str, np.ndarray]] = {}

    def _slots(self, p: Parameter, *names: str) -> list[np.ndarray]:
        """Per-parameter arrays (velocity, moments, scratch), created as zeros on first use."""
        state = self._state.setdefault(id(p), {})
        for n in names:
            if n not in state:  # (not setdefault: its default would allocate on every step)
                state[n] = np.zeros_like(p.value)
        return [state[n] for n in names]

    def _gradient(self, p: Parameter) -> np.ndarray:
        """g = dL/dw (+ weight_decay * w where decay applies); never modifies ``p.grad``."""
        if not (self.weight_decay and p.decay):
            return p.grad
        (decayed,) = self._slots(p, "decayed")  # its own array: updates below overwrite "scratch"
        np.multiply(p.value, self.weight_decay, out=decayed)
        decayed += p.grad
        return decayed

    def step(self, parameters: list[Parameter]) -> None:
        self.t += 1
        for p in parameters:
            self._update(p)

    def _update(self, p: Parameter) -> None:
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g}, weight_decay={self.weight_decay:g})"


class SGD(Optimiser):
    """Plain gradient descent:  w <- w - lr g."""

    def _update(self, p):
        (scratch,) = self._slots(p, "scratch")
        g = self._gradient(p)
        np.multiply(g, self.lr, out=scratch)
        p.value -= scratch


class Momentum(Optimiser):
    """Heavy-ball momentum:  v <- mu v + g;  w <- w - lr v."""

    def __init__(self, lr: float, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum

    def _update(self, p):
        v, scratch = self._slots(p, "velocity", "scratch")
        g = self._gradient(p)
        v *= self.momentum
        v += g
        np.multiply(v, self.lr, out=scratch)
        p.value -= scratch


class Nesterov(Momentum):
    """Nesterov momentum (look-ahead form):  v <- mu v + g;  w <- w - lr (g + mu v)."""

    def _update(self, p):
        v, scratch = self._slots(p, "velocity", "scratch")
        g = self._gradient(p)
        v *= self.momentum
        v += g
        np.multiply(v, self.momentum, out=scratch)
        scratch += g
        scratch *= self.lr
        p.value -= scratch


class Adam(Optimiser):
    """Adam (Kingma & Ba, 2015):

    m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
    w <- w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr, weight_decay)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam {name} must be in [0, 1), got {beta}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def _update(self, p):
        m, v, s = self._slots(p, "m", "v", "scratch")
        g = self._gradient(p)
        # m += (1 - b1)(g - m) and v += (1 - b2)(g^2 - v): the same averages, with no temporaries
        np.subtract(g, m, out=s)
        s *= 1 - self.beta1
        m += s
        np.multiply(g, g, out=s)
        s -= v
        s *= 1 - self.beta2
        v += s
        correction1 = 1 - self.beta1 ** self.t
        correction2 = 1 - self.beta2 ** self.t
        np.sqrt(v, out=s)
        s *= 1 / math.sqrt(correction2)  # a Python float: a NumPy float64 would upcast via a copy
        s += self.eps
        np.divide(m, s, out=s)
        s *= self.lr / correction1
        p.value -= s


OPTIMISERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam}
