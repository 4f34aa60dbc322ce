"""Replay of a run: the network kept at log-spaced steps of its training, in bounded memory.

Most of what a network learns, it learns in its first hundred steps, so snapshots are kept at steps
0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, ... (each at least ``growth`` times the previous one),
plus the last step. Their weights are kept in float16 (half the memory of float32, about three
significant digits, plenty for pictures of weights and a replayed accuracy) except the first and the
last: the initial weights exactly (a rerun from the same seed is compared with them) and the final
network exactly. When the snapshots would pass ``max_bytes``, every second one is dropped (the first
and the last are kept) and the spacing doubles its ratio, so a run of any length stays within the
budget and still covers its whole history.

The runs of a session share one budget, ``SESSION_BYTES`` (``fit_budget``): when a new run's
snapshots would pass it, the older runs are thinned (``thin``: the first, the last and those
nearest log-spaced steps between them), all to the same share, and only when even their first and
last snapshots no longer fit do the oldest lose their replay.

A rerun with one change (``rerun_changes``) starts from the same initial weights when the change
leaves the network's initialisation alone (``same_initial_weights``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .network import Network

MAX_BYTES = 32 * 2**20  # a run's snapshots in memory (and in a session file)
#: All runs' snapshots together, in memory and in a session file: three runs at MAX_BYTES, or a
#: lesson of seven 10-epoch default runs (20 MiB, 42 snapshots each) at about 28 snapshots each,
#: plenty to watch a run learn; a laptop keeps the 188 MB of MNIST's training images beside it.
SESSION_BYTES = 96 * 2**20
GROWTH = 1.2            # each kept step is at least this many times the previous one


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The network's weights after ``step`` optimiser steps (``epoch`` epochs of training, fractional).

    weights : one array per weighted layer (input side first), as ``Network.from_weights`` takes them;
    biases : likewise. float16, or float32 (exact for a float32 network, as the app trains) for the
    initial weights (step 0) and the last snapshot of a finished run.
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

    max_bytes : the memory the snapshots may take; ValueError if the exact first and last snapshots
    and one float16 snapshot between them do not fit.
    """

    def __init__(self, network: Network, max_bytes: int = MAX_BYTES, growth: float = GROWTH):
        if growth <= 1:
            raise ValueError(f"growth must be > 1, got {growth}")
        self.network, self.max_bytes, self.growth = network, max_bytes, growth
        self.snapshots: list[Snapshot] = []
        self._next = 0
        half = sum(layer.W.size + layer.b.size for layer in network.weighted_layers) * 2
        exact = 2 * half  # float32
        if 2 * exact + half > max_bytes:
            raise ValueError(f"three snapshots of this network take {(2 * exact + half) / 2**20:.1f} MiB, "
                             f"more than the {max_bytes / 2**20:.1f} MiB allowed")

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.snapshots)

    def offer(self, step: int, epoch: float) -> bool:
        """Keep the network as it is after ``step`` steps if that step is due; True if it was kept.
        The first snapshot (the initial weights) is exact, the others float16."""
        if step < self._next:
            return False
        self._keep(step, epoch, np.float32 if not self.snapshots else np.float16)
        self._next = max(step + 1, math.ceil(step * self.growth))
        return True

    def finish(self, step: int, epoch: float) -> None:
        """Keep the final network exactly (float32), replacing a snapshot of the same step."""
        if self.snapshots and self.snapshots[-1].step == step:
            self.snapshots.pop()
        self._keep(step, epoch, np.float32)

    def _keep(self, step: int, epoch: float, dtype) -> None:
        """Add a snapshot in ``dtype`` (float32 or float16, as session files keep them), thinning the
        others to make room."""
        layers = self.network.weighted_layers
        with np.errstate(over="ignore", invalid="ignore"):  # a blowing-up run: inf in float16
            snapshot = Snapshot(step, float(epoch), tuple(layer.W.astype(dtype) for layer in layers),
                                tuple(layer.b.astype(dtype) for layer in layers))
        while len(self.snapshots) > 1 and self.nbytes + snapshot.nbytes > self.max_bytes:
            self._thin()
        self.snapshots.append(snapshot)

    def _thin(self) -> None:
        """Drop every second snapshot but the first and the last; space the next ones twice as far."""
        kept = self.snapshots[::2]
        if kept[-1] is not self.snapshots[-1]:
            kept.append(self.snapshots[-1])
        if len(kept) == len(self.snapshots):  # two left: drop the later, the initial weights stay
            kept = kept[:1]
        self.snapshots = kept
        self.growth *= self.growth


def replay_bytes(snapshots: Sequence[Snapshot]) -> int:
    """The memory ``snapshots`` take (as a session file keeps them too)."""
    return sum(s.nbytes for s in snapshots)


def least_bytes(snapshots: Sequence[Snapshot]) -> int:
    """The memory of the fewest snapshots ``thin`` keeps of a run: its first and its last."""
    return replay_bytes(snapshots) if len(snapshots) <= 2 else snapshots[0].nbytes + snapshots[-1].nbytes


def thin(snapshots: Sequence[Snapshot], count: int) -> tuple[Snapshot, ...]:
    """``count`` of ``snapshots`` (at least 2, all of them if there are no more): the first (the
    initial weights), the last (the final network) and, between them, the ones nearest to steps
    evenly spaced in log(1 + step), so what is kept stays log-spaced.

    Each target k of ``count`` takes the nearest snapshot after the one taken before it, leaving
    one for each target after it: the result has ``count`` distinct snapshots in order.
    """
    snapshots = tuple(snapshots)
    n = len(snapshots)
    if count >= n:
        return snapshots
    if count < 2:
        raise ValueError(f"a thinned run keeps its first and last snapshots: count must be >= 2, got {count}")
    where = np.log1p(np.array([s.step for s in snapshots], dtype=np.float64))
    targets = np.linspace(where[0], where[-1], count)
    chosen = [0]
    for k in range(1, count - 1):
        low, high = chosen[-1] + 1, n - (count - k)  # room left for the targets after this one
        chosen.append(low + int(np.argmin(np.abs(where[low:high + 1] - targets[k]))))
    chosen.append(n - 1)
    return tuple(snapshots[i] for i in chosen)


def thin_to(snapshots: Sequence[Snapshot], max_bytes: int) -> tuple[Snapshot, ...]:
    """The most of ``snapshots`` that fit ``max_bytes``, thinned (``thin``); () if even the first
    and the last do not fit."""
    snapshots = tuple(snapshots)
    if replay_bytes(snapshots) <= max_bytes:
        return snapshots
    if least_bytes(snapshots) > max_bytes:
        return ()
    count = 2 + _between(snapshots, max_bytes)
    kept = thin(snapshots, count)
    while replay_bytes(kept) > max_bytes:  # snapshots between of unequal sizes: one fewer
        count -= 1
        kept = thin(snapshots, count)
    return kept


def _between(snapshots: tuple[Snapshot, ...], max_bytes: int) -> int:
    """How many of the snapshots between the first and the last fit beside them in ``max_bytes``
    (each counted at the largest size among them)."""
    inner = max((s.nbytes for s in snapshots[1:-1]), default=0)
    if inner == 0:
        return 0
    return int(min(len(snapshots) - 2, max(0, max_bytes - least_bytes(snapshots)) // inner))


def fit_budget(runs: Sequence[Sequence[Snapshot]], max_bytes: int = SESSION_BYTES) -> list[tuple[Snapshot, ...]]:
    """The snapshots of a session's ``runs`` (oldest first, the newest last) thinned to fit
    ``max_bytes`` together, each run as it is if they already fit.

    The newest run keeps what it has (thinned only if it alone passes ``max_bytes``); the older
    ones share the rest: each is thinned to one common cap, the largest that fits (a run smaller
    than the cap keeps all its snapshots). Only if even the older runs' first and last snapshots
    do not fit in the rest do the oldest lose their replay (()), one after another.
    """
    whole = [tuple(r) for r in runs]
    if sum(map(replay_bytes, whole)) <= max_bytes or not whole:
        return whole
    newest = thin_to(whole[-1], max_bytes)
    room = max_bytes - replay_bytes(newest)
    older = whole[:-1]
    first = 0
    while first < len(older) and sum(least_bytes(r) for r in older[first:]) > room:
        first += 1
    kept = older[first:]
    low, high = 0, max(map(replay_bytes, kept), default=0)
    while low < high:  # the largest cap whose thinned runs fit the room
        cap = (low + high + 1) // 2
        if sum(_thinned_bytes(r, cap) for r in kept) <= room:
            low = cap
        else:
            high = cap - 1
    return [()] * first + [thin_to(r, max(low, least_bytes(r))) for r in kept] + [newest]


def _thinned_bytes(snapshots: tuple[Snapshot, ...], cap: int) -> int:
    """About what ``thin_to(snapshots, cap)`` keeps, at most (a run keeps at least its first and last)."""
    if replay_bytes(snapshots) <= cap:
        return replay_bytes(snapshots)
    cap = max(cap, least_bytes(snapshots))
    inner = max((s.nbytes for s in snapshots[1:-1]), default=0)
    return least_bytes(snapshots) + _between(snapshots, cap) * inner


def network_at(spec, snapshot: Snapshot, dtype=np.float32) -> Network:
    """The network of ``spec`` with the weights of ``snapshot`` (a new Network)."""
    return Network.from_weights(spec, snapshot.weights, snapshot.biases, dtype)


def nearest(snapshots: list[Snapshot], step: float) -> int:
    """The index of the snapshot whose step is nearest ``step`` (the earlier one on a tie)."""
    steps = np.array([s.step for s in snapshots], dtype=np.float64)
    return int(np.argmin(np.abs(steps - step)))


#: What a rerun's name calls each setting that differs (NetworkSpec's and TrainConfig's field names).
SETTING_WORDS = {"lr": "learning rate", "batch_size": "batch size", "optimiser": "optimiser",
                 "epochs": "epochs", "weight_decay": "L2", "momentum": "momentum", "beta1": "beta1",
                 "beta2": "beta2", "schedule": "schedule", "step_every": "step every",
                 "step_gamma": "step factor", "validation_fraction": "validation", "seed": "seed",
                 "augment": "augmentation", "augment_shift": "shift", "augment_rotation": "rotation",
                 "augment_scale": "scale", "train_size": "training images", "test_every_epoch":
                 "test every epoch", "hidden": "hidden layers", "features": "convolutions",
                 "loss": "loss", "init": "init", "init_scale": "init scale", "input_scaling": "input scaling",
                 "class_labels": "classes"}
#: The network settings the initial weights depend on (besides the layers' shapes).
INITIAL_FIELDS = ("seed", "init", "init_scale")


def rerun_changes(spec, config, new_spec, new_config) -> list[str]:
    """What a rerun changes, for its name: ``["learning rate 0.5", "batch size 32"]`` ([] for none).

    spec, config : the first run's NetworkSpec and TrainConfig; new_spec, new_config : the rerun's.
    The seed is one setting (the network's and the training's are the same field of the form).
    """
    changes = [_words(name, getattr(new_config, name)) for name in SETTING_WORDS
               if hasattr(config, name) and getattr(config, name) != getattr(new_config, name)]
    changes += [_words(name, getattr(new_spec, name)) for name in SETTING_WORDS
                if hasattr(spec, name) and name != "seed" and getattr(spec, name) != getattr(new_spec, name)]
    if spec.seed != new_spec.seed and config.seed == new_config.seed:
        changes.append(_words("seed", new_spec.seed))
    return changes


def same_initial_weights(spec, new_spec) -> bool:
    """True if a network of ``new_spec`` starts from exactly the weights a network of ``spec`` does:
    the same layers' shapes, initialiser and seed (activations, loss, dropout and the training
    settings do not change them)."""
    return spec.parameter_shapes() == new_spec.parameter_shapes() and all(
        getattr(spec, name) == getattr(new_spec, name) for name in INITIAL_FIELDS)


def _words(name: str, value) -> str:
    """``learning rate 0.5``, ``batch size full batch``, ``hidden layers 128-64 relu``."""
    if name == "batch_size" and value is None:
        return "full batch"
    if name == "hidden":
        return "hidden layers " + (" ".join(f"{h.units} {h.activation}" + (f" dropout {h.dropout:g}"
                                                                          if h.dropout else "")
                                            for h in value) or "none")
    if name == "features":
        return "convolutions " + (" ".join(f.describe() for f in value) or "none")
    if name == "validation_fraction":
        return f"validation {value:.0%}"
    if isinstance(value, bool):
        return f"{SETTING_WORDS[name]} {'on' if value else 'off'}"
    if isinstance(value, float):
        return f"{SETTING_WORDS[name]} {value:g}"
    if isinstance(value, int):
        return f"{SETTING_WORDS[name]} {value:,}"
    return f"{SETTING_WORDS[name]} {value}"
