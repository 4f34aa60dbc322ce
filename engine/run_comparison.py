"""Which runs repeat which: the same settings and seed done again, or settings that trained the same curves.

A run repeats an earlier one when both trained on the same data with the same network, training
settings and seed (training is deterministic, so the curves coincide), or else when their epoch
figures agree to a thousandth over the epochs both have (the settings that differ did not change
how the network trained). Drawn one over the other, the later run would hide the earlier, so the
app draws a repeat dashed and says "repeats Run N".

A run here is anything with ``dataset_name``, ``spec``, ``config`` (hashable, as the engine's
``NetworkSpec`` and ``TrainConfig`` are) and ``epochs`` (a list of ``EpochEnd``): the engine's
``RunData`` or the app's ``RunRecord``. ``find_repeats`` compares n runs
in about O(n) for settings (a dictionary) and one vectorised pass per run for curves, so a session
of 1,000 runs is compared in milliseconds, not the seconds that pairwise loops took.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: The epoch figures compared; runs whose figures agree to ``SAME_TO`` (relative) are one curve.
EPOCH_FIGURES = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
SAME_TO = 1e-3
ABSOLUTE = 1e-6  # ...or closer than this (figures near 0)
PREFILTER = 8    # epochs compared at once for all earlier runs, before a candidate is checked whole


def same_settings(a, b) -> bool:
    """The same data, network, training settings and seed: the same run, done again."""
    return a.dataset_name == b.dataset_name and a.spec == b.spec and a.config == b.config


def same_curves(a, b) -> bool:
    """True if both runs have an epoch and their epoch figures agree (to a thousandth) over the
    epochs both have: drawn one over the other, the later would hide the earlier."""
    n = min(len(a.epochs), len(b.epochs))
    return n > 0 and all(_same(getattr(ea, name), getattr(eb, name))
                         for ea, eb in zip(a.epochs[:n], b.epochs[:n]) for name in EPOCH_FIGURES)


def _same(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y
    return math.isclose(x, y, rel_tol=SAME_TO, abs_tol=ABSOLUTE)


def find_repeats(runs: Sequence) -> list[int | None]:
    """For each of ``runs`` (in the order they were made), the index of the first earlier run it
    repeats (``same_settings`` first, else ``same_curves``), or None."""
    first_with: dict[tuple, int] = {}
    figures = _first_epoch_figures(runs)
    found: list[int | None] = []
    for i, run in enumerate(runs):
        original: int | None = first_with.setdefault((run.dataset_name, run.spec, run.config), i)
        if original == i:
            original = _first_same_curves(runs, figures, i)
        found.append(None if original is None or original == i else original)
    return found


def repeated_run(run, runs: Sequence):
    """The first of ``runs`` before ``run`` that ``run`` repeats, or None (``run`` among ``runs``)."""
    index = next(i for i, r in enumerate(runs) if r is run)
    original = find_repeats(runs[:index + 1])[index]
    return None if original is None else runs[original]


def _first_epoch_figures(runs: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """(n, PREFILTER, 4) the figures of each run's first epochs (NaN for a None figure or no such
    epoch) and (n,) how many epochs each run has."""
    table = np.full((len(runs), PREFILTER, len(EPOCH_FIGURES)), np.nan)
    lengths = np.array([len(run.epochs) for run in runs], dtype=np.intp)
    for i, run in enumerate(runs):
        for k, epoch in enumerate(run.epochs[:PREFILTER]):
            table[i, k] = [np.nan if getattr(epoch, f) is None else getattr(epoch, f) for f in EPOCH_FIGURES]
    return table, lengths


def _first_same_curves(runs: Sequence, figures, i: int) -> int | None:
    """The first run before i with the same curves: the candidates are those whose first epochs
    agree (one vectorised comparison), each then checked whole."""
    table, lengths = figures
    if lengths[i] == 0:
        return None
    first = np.flatnonzero(_close(table[:i, 0], table[i, 0]).all(axis=1) & (lengths[:i] > 0))
    if len(first) == 0:
        return None
    shared = np.minimum(lengths[first], lengths[i])
    compared = np.arange(PREFILTER)[None, :] < shared[:, None]  # only the epochs both have
    agree = (_close(table[first], table[i]) | ~compared[:, :, None]).all(axis=(1, 2))
    for j in first[agree]:
        if same_curves(runs[j], runs[i]):
            return int(j)
    return None


def _close(earlier: np.ndarray, mine: np.ndarray) -> np.ndarray:
    """Elementwise: might the figures be the same? Twice the tolerances, since this scales by
    |mine| alone where ``math.isclose`` takes the larger of the two; None (NaN) matches only None."""
    with np.errstate(invalid="ignore"):
        near = np.abs(earlier - mine) <= 2 * ABSOLUTE + 2 * SAME_TO * np.abs(mine)
    return near | (np.isnan(earlier) & np.isnan(mine))
