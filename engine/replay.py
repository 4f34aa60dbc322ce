"""Replay of a run: the network kept at log-spaced steps of its training, in bounded memory.

Most of what a network learns, it learns in its first hundred steps, so snapshots are kept at steps
0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, ... (each at least ``growth`` times the previous one),
plus the last step. Their weights are kept in float16 (half the memory of float32, about three
significant digits, plenty for pictures of weights and a replayed accuracy) except the last
snapshot, which is the final network exactly. When the snapshots would pass ``max_bytes``, every
second one is dropped (the first and the last are kept) and the spacing doubles its ratio, so a run
of any length stays within the budget and still covers its whole history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import Network

MAX_BYTES = 32 * 2**20  # a run's snapshots in memory (and in a session file)
GROWTH = 1.2            # each kept step is at least this many times the previous one


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The network's weights after ``step`` optimiser steps (``epoch`` epochs of training, fractional).

    weights : one array per weighted layer (input side first), as ``Network.from_weights`` takes them;
    biases : likewise. float16, or float32 for the last snapshot of a finished run.
    """

    step: int
    epoch: float
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.weights + self.biases)

    def parameters(self) -> list[np.ndarray]:
        """float64 copies in ``Network.parameters`` order (W, b of each layer in turn): a point of
        the training path as :mod:`engine.landscape` takes it."""
        return [a.astype(np.float64) for pair in zip(self.weights, self.biases) for a in pair]


class Recorder:
    """Keeps snapshots of ``network`` as it trains: ``offer`` after every step, ``finish`` at the end.

    max_bytes : the memory the snapshots may take; ValueError if one snapshot alone does not fit.
    """

    def __init__(self, network: Network, max_bytes: int = MAX_BYTES, growth: float = GROWTH):
        if growth <= 1:
            raise ValueError(f"growth must be > 1, got {growth}")
        self.network, self.max_bytes, self.growth = network, max_bytes, growth
        self.snapshots: list[Snapshot] = []
        self._next = 0
        one = sum(layer.W.size + layer.b.size for layer in network.weighted_layers) * 2
        if one * 3 > max_bytes:
            raise ValueError(f"three snapshots of this network take {one * 3 / 2**20:.1f} MiB, "
                             f"more than the {max_bytes / 2**20:.1f} MiB allowed")

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.snapshots)

    def offer(self, step: int, epoch: float) -> bool:
        """Keep the network as it is after ``step`` steps if that step is due; True if it was kept."""
        if step < self._next:
            return False
        self._keep(step, epoch, np.float16)
        self._next = max(step + 1, math.ceil(step * self.growth))
        return True

    def finish(self, step: int, epoch: float) -> None:
        """Keep the final network exactly (float32), replacing a snapshot of the same step."""
        if self.snapshots and self.snapshots[-1].step == step:
            self.snapshots.pop()
        self._keep(step, epoch, np.float32)

    def _keep(self, step: int, epoch: float, dtype) -> None:
        layers = self.network.weighted_layers
        with np.errstate(over="ignore", invalid="ignore"):  # a blowing-up run: inf in float16
            snapshot = Snapshot(step, float(epoch), tuple(layer.W.astype(dtype) for layer in layers),
                                tuple(layer.b.astype(dtype) for layer in layers))
        while self.snapshots and self.nbytes + snapshot.nbytes > self.max_bytes:
            self._thin()
        self.snapshots.append(snapshot)

    def _thin(self) -> None:
        """Drop every second snapshot but the first and the last; space the next ones twice as far."""
        kept = self.snapshots[::2]
        if kept[-1] is not self.snapshots[-1]:
            kept.append(self.snapshots[-1])
        if len(kept) == len(self.snapshots):  # two left: drop the older
            kept = kept[1:]
        self.snapshots = kept
        self.growth *= self.growth


def network_at(spec, snapshot: Snapshot, dtype=np.float32) -> Network:
    """The network of ``spec`` with the weights of ``snapshot`` (a new Network)."""
    return Network.from_weights(spec, snapshot.weights, snapshot.biases, dtype)


def nearest(snapshots: list[Snapshot], step: float) -> int:
    """The index of the snapshot whose step is nearest ``step`` (the earlier one on a tie)."""
    steps = np.array([s.step for s in snapshots], dtype=np.float64)
    return int(np.argmin(np.abs(steps - step)))
