"""A session run's history beside its curves: its time points and its replay snapshots, as arrays.

Both are optional in a run's JSON (files written before them lack them) and each comes with the
members it calls for (:mod:`engine.files.session_file` refuses any other):

- ``"time_points": n`` and ``run{i}.time_points``: (n, 6) float64, one row per ``TimePoint``:
  seconds, images, epochs, train_loss, val_loss, val_accuracy (NaN where the point has None);
- ``"snapshots": {"steps": [...], "epochs": [...], "exact": [...]}``: the network at those steps
  (``engine.replay``), ``exact`` true where a snapshot is float32 (the initial weights, the final network), else
  float16; ``run{i}.replay16.{layer}.W`` (k, *shape) and ``.b`` (k, n) stack the float16 ones in
  order, ``run{i}.replay32.{layer}.W`` and ``.b`` the float32 ones (members only for k > 0);
- ``"time_limit"``: the seconds of training the run was given (null: it trained its epochs).

Everything is checked before a value is read: the counts are bounded, the steps increase, the
snapshots of a run fit the replay budget (``engine.replay.MAX_BYTES``), and every row of the time
points is a point a run can have.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..network import NetworkSpec, bias_size
from ..replay import MAX_BYTES, Snapshot
from ..training import TimePoint
from .json_fields import check_keys, is_int, is_number

MAX_TIME_POINTS = 1_000_000  # about one a second: 11 days of training
MAX_SNAPSHOTS = 10_000
POINT_FIELDS = ("seconds", "images", "epochs", "train_loss", "val_loss", "val_accuracy")
SNAPSHOT_DTYPES = {False: "float16", True: "float32"}
HISTORY_KEYS = {"time_points", "snapshots", "time_limit"}


class HistoryError(ValueError):
    """A run's time points or snapshots are not as a session holds them (the message says why)."""


@dataclass(frozen=True)
class History:
    """What a run's JSON says of its history; the arrays still to be read."""

    points: int = 0
    steps: tuple[int, ...] = ()
    epochs: tuple[float, ...] = ()
    exact: tuple[bool, ...] = ()
    time_limit: float | None = None


# --- writing ----------------------------------------------------------------------------------

def history_json(points, snapshots, time_limit) -> dict:
    """The run's JSON keys for its history (``points``: TimePoints; ``snapshots``: Snapshots)."""
    return {"time_points": len(points), "time_limit": time_limit,
            "snapshots": {"steps": [s.step for s in snapshots], "epochs": [s.epoch for s in snapshots],
                          "exact": [s.weights[0].dtype == np.float32 for s in snapshots] if snapshots else []}}


def history_arrays(i: int, points, snapshots, spec: NetworkSpec | None) -> dict[str, np.ndarray]:
    """The members of run ``i``'s history. ValueError if the snapshots do not fit ``spec`` (the
    network's) or the replay budget: a file no reader would take is never written."""
    arrays = {}
    if points:
        arrays[f"run{i}.time_points"] = np.array([[_nan(getattr(p, f)) for f in POINT_FIELDS] for p in points],
                                                 dtype=np.float64)
    if not snapshots:
        return arrays
    history = parse_history(history_json(points, snapshots, None))  # steps that a reader refuses, refused
    exact = history.exact
    shapes = snapshot_shapes(i, history, spec)
    layers = [layer for layer, _ in spec.parameter_shapes()]  # type: ignore[union-attr]  # checked there
    for kept, dtype in SNAPSHOT_DTYPES.items():
        chosen = [s for s, e in zip(snapshots, exact) if e == kept]
        for j, layer in enumerate(layers):
            for kind, values in (("W", [s.weights[j] for s in chosen]), ("b", [s.biases[j] for s in chosen])):
                name = f"run{i}.replay{dtype[-2:]}.{layer}.{kind}"
                if not values:
                    continue
                stacked = np.stack(values)
                if (stacked.shape, stacked.dtype.name) != shapes[name]:
                    raise ValueError(f"a snapshot of {layer} is not {dtype} of shape {shapes[name][0][1:]}")
                arrays[name] = stacked
    return arrays


def _nan(v) -> float:
    return math.nan if v is None else float(v)


# --- reading ----------------------------------------------------------------------------------

def parse_history(d: dict) -> History:
    """The history keys of a run's JSON (any may be missing: an older file), each value checked."""
    points = d.get("time_points", 0)
    if not is_int(points) or not 0 <= points <= MAX_TIME_POINTS:
        raise HistoryError(f"time_points must be a whole number 0 to {MAX_TIME_POINTS:,}, got {points!r:.40}")
    limit = d.get("time_limit")
    if limit is not None and not (is_number(limit) and math.isfinite(limit) and limit > 0):
        raise HistoryError(f"time_limit must be a number of seconds above 0 or null, got {limit!r:.40}")
    snapshots = d.get("snapshots", {"steps": [], "epochs": [], "exact": []})
    check_keys(snapshots, {"steps", "epochs", "exact"}, "snapshots", required={"steps", "epochs", "exact"})
    steps, epochs, exact = snapshots["steps"], snapshots["epochs"], snapshots["exact"]
    if not all(isinstance(v, list) and len(v) <= MAX_SNAPSHOTS for v in (steps, epochs, exact)):
        raise HistoryError(f"snapshots must be lists of at most {MAX_SNAPSHOTS:,} entries")
    if not len(steps) == len(epochs) == len(exact):
        raise HistoryError("snapshots must give a step, an epoch and exact for each snapshot")
    if not all(is_int(s) and s >= 0 for s in steps) or any(a >= b for a, b in itertools.pairwise(steps)):
        raise HistoryError("the snapshots' steps must be whole numbers from 0 up, each above the one before")
    if not all(is_number(e) and math.isfinite(e) and e >= 0 for e in epochs):
        raise HistoryError("the snapshots' epochs must be numbers from 0 up")
    if not all(isinstance(e, bool) for e in exact):
        raise HistoryError("the snapshots' exact must be true or false")
    return History(points, tuple(steps), tuple(float(e) for e in epochs), tuple(exact),
                   None if limit is None else float(limit))


def snapshot_shapes(i: int, history: History, spec: NetworkSpec | None) -> dict[str, tuple[tuple[int, ...], str]]:
    """{member: (shape, dtype)} of run ``i``'s snapshots (``spec``: its network's)."""
    if not history.steps:
        return {}
    if spec is None:
        raise HistoryError("it has snapshots but no network")
    shapes = {}
    for exact, dtype in SNAPSHOT_DTYPES.items():
        k = sum(e == exact for e in history.exact)
        if k:
            for layer, shape in spec.parameter_shapes():
                shapes[f"run{i}.replay{dtype[-2:]}.{layer}.W"] = ((k, *shape), dtype)
                shapes[f"run{i}.replay{dtype[-2:]}.{layer}.b"] = ((k, bias_size(layer, shape)), dtype)
    total = sum(math.prod(shape) * np.dtype(dtype).itemsize for shape, dtype in shapes.values())
    if total > MAX_BYTES:
        raise HistoryError(f"its snapshots would take {total / 2**20:,.1f} MiB, more than the "
                           f"{MAX_BYTES / 2**20:.0f} MiB a run keeps")
    return shapes


def history_members(i: int, history: History, spec: NetworkSpec | None) -> dict[str, tuple[tuple[int, ...], str]]:
    """{member: (shape, dtype)} of everything run ``i``'s history calls for."""
    shapes = snapshot_shapes(i, history, spec)
    if history.points:
        shapes[f"run{i}.time_points"] = ((history.points, len(POINT_FIELDS)), "float64")
    return shapes


def history_bytes(history: History, spec: NetworkSpec | None) -> int:
    """The memory the run's history takes once read."""
    return sum(math.prod(shape) * np.dtype(dtype).itemsize
               for shape, dtype in history_members(0, history, spec).values())


Reader = Callable[[str, tuple[int, ...], str, bool], np.ndarray]


def read_history(i: int, history: History, spec: NetworkSpec | None, read: Reader
                 ) -> tuple[tuple[TimePoint, ...], tuple[Snapshot, ...]]:
    """Run ``i``'s time points and snapshots; ``read(name, shape, dtype, finite)`` reads a member
    (its shape and dtype checked)."""
    points: tuple[TimePoint, ...] = ()
    if history.points:
        rows = read(f"run{i}.time_points", (history.points, len(POINT_FIELDS)), "float64", False)
        points = _points(f"run{i}.time_points", rows)
    if not history.steps:
        return points, ()
    stacks = {name: read(name, shape, dtype, dtype == "float32")
              for name, (shape, dtype) in snapshot_shapes(i, history, spec).items()}
    layers = [layer for layer, _ in spec.parameter_shapes()]  # type: ignore[union-attr]  # checked above
    taken = {False: 0, True: 0}
    snapshots = []
    for step, epoch, exact in zip(history.steps, history.epochs, history.exact):
        stack, k = f"run{i}.replay{SNAPSHOT_DTYPES[exact][-2:]}", taken[exact]
        taken[exact] += 1
        snapshots.append(Snapshot(step, epoch, tuple(stacks[f"{stack}.{layer}.W"][k] for layer in layers),
                                  tuple(stacks[f"{stack}.{layer}.b"][k] for layer in layers)))
    return points, tuple(snapshots)


def _points(name: str, rows: np.ndarray) -> tuple[TimePoint, ...]:
    """TimePoints of the rows, refused unless each is one a run can have."""
    counts = rows[:, :3]
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise HistoryError(f"{name} holds seconds, images or epochs that are not numbers from 0 up")
    if np.any(counts[:, 1] != np.round(counts[:, 1])) or np.any(counts[:, 1] > 2**53):
        raise HistoryError(f"{name} holds a number of images that is not a whole number")
    if np.any(np.isinf(rows[:, 3:])):
        raise HistoryError(f"{name} holds an infinite loss or accuracy")
    return tuple(TimePoint(float(s), int(n), float(e), *(None if math.isnan(v) else float(v) for v in rest))
                 for s, n, e, *rest in rows.tolist())
