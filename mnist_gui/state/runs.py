"""The runs of the session: each run's settings, curves, state and final network, and the model of them all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.experiments import epochs_trained, images_seen
from engine.files.atomic import write_atomically
from engine.files.session_file import MAX_NAME, MAX_NOTE, Session, SessionView, bounded
from engine.layer_statistics import NetworkStatistics, StatisticsHistory
from engine.network import Network, NetworkSpec
from engine.replay import MAX_BYTES, SESSION_BYTES, fit_budget, replay_bytes
from engine.run_comparison import find_repeats
from engine.training import EpochEnd, RunEnd, TimePoint, TrainConfig

#: Run colours, colour-blind safe: Okabe-Ito's hues (its black and its yellow, which fade into a
#: dark or a white plot, left out) then four of Paul Tol's "muted" (rose, olive, teal, purple),
#: ordered so the hues next to each other differ most. Every visible run gets one no other
#: visible run has; beyond ten visible runs, darker then lighter shades of them (``run_colour``).
RUN_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#cc6677",
               "#999933", "#44aa99", "#aa4499")
SHADES = (1.0, 0.65, 1.35)  # the palette, then darker, then lighter
#: A batch loss above this (over four times a blind guess's ln 10 = 2.3), or one that is not
#: finite, marks the run as blowing up: said and drawn while it trains, before the engine ends it.
BLOWUP_LOSS = 10.0
RECOVERED_LOSS = 2.0  # ...unless its training loss came back under this (below a blind guess)
SMOOTHING = 0.8  # weight of the past in the smoothed batch loss (an exponential moving average)
CSV_FIELDS = ("run", "series", "epoch", "value")
#: What the training plots' x axis may measure: the field of a ``TimePoint`` each reads.
X_AXES = ("epochs", "seconds", "images")
#: Text fields are cut to these many characters where they come in (a session file, a rename):
#: a name of a megabyte froze the window for 17 s as the table and the plots measured it.
#: A session of more runs than this opens with only its last ones on the plots (the others are
#: in the runs list, unticked): 1,000 overlaid curves show nothing, and making each run's curves
#: costs about 10 ms, which 1,000 runs turned into seconds of a frozen window.
SHOWN_AT_OPEN = 20
#: Why a run has no replay, or less of one (``RunRecord.replay_note``).
TOO_BIG = "No replay: three snapshots of this network would pass the {limit:.0f} MiB a run may keep."
THINNED = ("Thinned to {kept} of its {had} snapshots, to keep every run's replay within the "
           "session's {budget:.3g} MiB.")
DROPPED = "No replay: the newer runs took the session's {budget:.3g} MiB of replay."
SAVED_WITHOUT = "No replay: the session was saved without it (Keep the replay unticked)."
SAVED_BEFORE = "No replay: the session was saved by a version of mnist-gui from before replays."
_BLOCK = 256  # the smoothed loss is computed this many points at a time (beta^-256 fits a float64)


def run_colour(index: int) -> str:
    """The ``index``-th run colour: ``RUN_COLOURS`` in turn, then their shades (30 in all, then again)."""
    base = RUN_COLOURS[index % len(RUN_COLOURS)]
    factor = SHADES[(index // len(RUN_COLOURS)) % len(SHADES)]
    rgb = [int(base[i:i + 2], 16) for i in (1, 3, 5)]
    if factor < 1:
        rgb = [round(c * factor) for c in rgb]
    elif factor > 1:
        rgb = [round(c + (255 - c) * (factor - 1)) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def short_name(run: RunRecord) -> str:
    """'Run 2' of 'Run 2 · Default' (a name given by hand stays whole)."""
    return run.name.split(" · ")[0]


def network_description(run: RunRecord) -> str:
    """What a run's final network is called where it is shown (the status bar, Draw, Evaluate):
    'Run 3 · Default (10 epochs)', '(1 epoch)', a run at equal time 'batch-size · batch 1 (0.06
    epochs in 3 s)'; the name alone where it says so already (an experiment over epochs names its
    run 'epochs · 60 epochs': it read 'epochs · 60 epochs (60 epochs)')."""
    if run.timed:
        seconds = run.time_limit if run.time_limit is not None else run.train_seconds
        return f"{run.name} ({run.epochs_trained:.2g} epochs in {seconds:.3g} s)"
    n = len(run.epochs)
    done = f"{n} epoch{'s' * (n != 1)}"
    return run.name if run.name.endswith(done) else f"{run.name} ({done})"


class GrowingSeries:
    """x and y values appended one by one into arrays that double when full.

    ``x()`` and ``y()`` are views of the filled part: cheap to hand to ``setData`` many times a
    second, and never changed afterwards (appending writes past them or into new arrays).
    """

    def __init__(self, capacity: int = 1024):
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, x: float, y: float) -> None:
        if self._n == len(self._x):
            self._x = np.concatenate([self._x, np.empty_like(self._x)])
            self._y = np.concatenate([self._y, np.empty_like(self._y)])
        self._x[self._n], self._y[self._n] = x, y
        self._n += 1

    def extend(self, x: np.ndarray, y: np.ndarray) -> None:
        """Append many points at once (arrays of one length)."""
        end = self._n + len(x)
        if end > len(self._x):
            capacity = max(end, 2 * len(self._x))
            self._x = np.concatenate([self._x[:self._n], np.empty(capacity - self._n)])
            self._y = np.concatenate([self._y[:self._n], np.empty(capacity - self._n)])
        self._x[self._n:end], self._y[self._n:end] = x, y
        self._n = end

    def x(self) -> np.ndarray:
        return self._x[:self._n]

    def y(self) -> np.ndarray:
        return self._y[:self._n]


class RunState(StrEnum):
    """Where a run is in its life. The first five are a run in progress, the others an ended one."""

    STARTING = "starting"
    RUNNING = "running"
    STEPPING = "stepping"   # training to the end of the epoch, then it pauses
    PAUSED = "paused"
    STOPPING = "stopping"   # Stop was pressed; the current batch finishes
    COMPLETED = "completed"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        return self in ACTIVE


ACTIVE = frozenset({RunState.STARTING, RunState.RUNNING, RunState.STEPPING, RunState.PAUSED,
                    RunState.STOPPING})


@dataclass(eq=False)
class RunRecord:
    """A run: its settings, the batch loss (raw and smoothed), one EpochEnd per epoch, its end.

    status : a RunState (a str: ``run.status == "completed"`` reads naturally).
    network : a copy of the run's latest network (after its last epoch), None before the first
    epoch ends or when the run diverged.
    dynamics : per-layer statistics over the run (gradient norms, update ratios, histograms),
    one row per throttled measurement; ``dynamics_x`` the rows' positions in epochs.
    points : the engine's ``TimePoint``s (by training time, about one a second); time_limit : the
    seconds of training it was given (an experiment at equal time), None if none.
    snapshots : the network at log-spaced steps (``engine.replay.Snapshot``), for replay and the
    loss landscape's path; empty for a run without them. replay_note : why a run with a network
    has no replay, or that it was thinned to fit the session's budget ("" if neither).
    """

    number: int
    name: str
    spec: NetworkSpec
    config: TrainConfig
    dataset_name: str = ""
    colour: str = RUN_COLOURS[0]
    status: RunState = RunState.STARTING
    visible: bool = True
    message: str = ""
    epochs: list[EpochEnd] = field(default_factory=list)
    end: RunEnd | None = None
    network: Network | None = None
    group: str = ""  # the experiment the run belongs to ("" if none)
    raw: GrowingSeries = field(default_factory=GrowingSeries)
    smooth: GrowingSeries = field(default_factory=GrowingSeries)
    dynamics: StatisticsHistory = field(default_factory=StatisticsHistory)
    dynamics_x: list[float] = field(default_factory=list)
    blowup: tuple[float, float] | None = None  # (epochs, loss) where the loss first blew up
    points: list[TimePoint] = field(default_factory=list)
    time_limit: float | None = None
    snapshots: tuple = ()
    replay_note: str = ""
    replay_recorded: int = 0  # the snapshots it had before the session's budget thinned them (0: not thinned)
    _average: float = 0.0

    @property
    def diverging(self) -> bool:
        """The run ended diverged, or its loss blew up (above ``BLOWUP_LOSS`` or not finite) and
        its last epoch's training loss is not back under ``RECOVERED_LOSS`` (a run at chance, as
        a learning rate of 10 leaves it, diverged even if the engine trained it to the end)."""
        if self.status == RunState.DIVERGED:
            return True
        last = self.last_epoch
        return self.blowup is not None and (last is None or not last.train_loss < RECOVERED_LOSS)

    def _note_blowup(self, x: np.ndarray, losses: np.ndarray) -> None:
        wild = ~np.isfinite(losses) | (losses > BLOWUP_LOSS)
        if self.blowup is None and wild.any():
            first = int(np.argmax(wild))
            self.blowup = float(x[first]), float(losses[first])

    def add_batch_loss(self, x: float, loss: float) -> None:
        """One aggregated batch report at ``x`` epochs; updates the bias-corrected moving average.
        A loss that is not finite is not plotted, but marks where the run blew up."""
        if self.blowup is None and not (loss <= BLOWUP_LOSS):  # NaN too
            self.blowup = float(x), float(loss)
        if not np.isfinite(loss):
            return
        self._average = SMOOTHING * self._average + (1 - SMOOTHING) * loss
        self.raw.append(x, loss)
        self.smooth.append(x, self._average / (1 - SMOOTHING ** len(self.raw)))

    def add_batch_losses(self, x: np.ndarray, losses: np.ndarray) -> None:
        """Many batch reports at once: the same curves as ``add_batch_loss`` one by one, computed
        in NumPy (a session's runs are replayed so)."""
        x, losses = np.asarray(x, dtype=np.float64), np.asarray(losses, dtype=np.float64)
        self._note_blowup(x, losses)
        keep = np.isfinite(losses)
        if not keep.all():
            x, losses = x[keep], losses[keep]
        if not len(x):
            return
        averages = _moving_average(losses, SMOOTHING, self._average)
        done = len(self.raw)
        corrections = 1 - SMOOTHING ** np.arange(done + 1, done + len(x) + 1, dtype=np.float64)
        self._average = float(averages[-1])
        self.raw.extend(x, losses)
        self.smooth.extend(x, averages / corrections)

    def add_epoch(self, event: EpochEnd) -> None:
        self.epochs.append(event)

    def add_dynamics(self, step: int, x: float, statistics: NetworkStatistics) -> None:
        """One measurement of the training dynamics after ``step`` (at ``x`` epochs)."""
        thinned = len(self.dynamics) == self.dynamics.max_rows
        self.dynamics.add(step, statistics)
        if thinned:  # the history dropped every other row: keep the positions in step
            self.dynamics_x = self.dynamics_x[1::2]
        self.dynamics_x.append(float(x))

    def finish(self, end: RunEnd) -> None:
        self.end, self.status, self.message = end, RunState(end.reason), end.message

    def epoch_series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of an EpochEnd field ("train_loss", "val_accuracy", ...), None skipped."""
        pairs = [(e.epoch, getattr(e, name)) for e in self.epochs if getattr(e, name) is not None]
        if not pairs:
            return np.empty(0), np.empty(0)
        x, y = zip(*pairs)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    @property
    def has_curves(self) -> bool:
        """The run has something to plot: a batch loss or an epoch."""
        return len(self.raw) > 0 or bool(self.epochs)

    @property
    def last_epoch(self) -> EpochEnd | None:
        return self.epochs[-1] if self.epochs else None

    @property
    def test_accuracy(self) -> float | None:
        return None if self.end is None else self.end.test_accuracy

    @property
    def train_seconds(self) -> float:
        """Seconds of training: the RunEnd's, else the last TimePoint's, else the epochs'."""
        if self.end is not None:
            return self.end.train_seconds
        return self.points[-1].seconds if self.points else sum(e.seconds for e in self.epochs)

    @property
    def images_seen(self) -> int:
        return images_seen(self.points, self.end)

    @property
    def epochs_trained(self) -> float:
        """How far the run got, in epochs (0.04 for a run that never ended one)."""
        return epochs_trained(self.points, self.epochs)

    def along(self, x: np.ndarray, axis: str) -> np.ndarray:
        """Positions ``x`` in epochs as the ``axis`` ("epochs", "seconds", "images") measures them,
        read off the run's TimePoints (straight lines between two; the epochs' seconds for a run
        that has none, as one read from a session file)."""
        x = np.asarray(x, dtype=np.float64)
        if axis == "epochs":
            return x
        known_x, known = self._timeline(axis)
        if len(known_x) < 2:
            return np.zeros_like(x)
        return np.interp(x, known_x, known)  # beyond the last point: the last value

    def epochs_at(self, value: float, axis: str) -> float:
        """The position in epochs where the run was at ``value`` of ``axis`` (``along`` undone)."""
        if axis == "epochs":
            return float(value)
        known_x, known = self._timeline(axis)
        return float(np.interp(value, known, known_x)) if len(known_x) >= 2 else 0.0

    def _timeline(self, axis: str) -> tuple[np.ndarray, np.ndarray]:
        """(positions in epochs, values of ``axis``) the run is known at."""
        if self.points:
            return (np.array([p.epochs for p in self.points]),
                    np.array([float(getattr(p, axis)) for p in self.points]))
        seconds = np.cumsum([0.0, *(e.seconds for e in self.epochs)])
        per_epoch = [e.samples_per_second * e.seconds for e in self.epochs]
        values = seconds if axis == "seconds" else np.cumsum([0.0, *per_epoch])
        return np.arange(len(self.epochs) + 1, dtype=np.float64), values

    def point_series(self, name: str, axis: str) -> tuple[np.ndarray, np.ndarray]:
        """(x on ``axis``, values) of a TimePoint field ("val_accuracy", ...), None skipped."""
        pairs = [(float(getattr(p, axis)), getattr(p, name)) for p in self.points if getattr(p, name) is not None]
        if not pairs:
            return np.empty(0), np.empty(0)
        x, y = zip(*pairs)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    @property
    def timed(self) -> bool:
        """The run trains for a time, not its epochs: it was given a time limit, or (a run read
        from a file that does not say) it completed before its epochs were done."""
        if self.time_limit is not None:
            return True
        end = self.end
        return end is not None and end.reason == "completed" and end.epochs_completed < self.config.epochs

    @property
    def samples_per_second(self) -> float | None:
        """Training images a second: over its epochs, else (a run that never ended one) over its
        time points; None before either."""
        if not self.epochs:
            seconds = self.train_seconds
            return self.images_seen / seconds if self.points and seconds > 0 else None
        seen = sum(e.samples_per_second * e.seconds for e in self.epochs)
        return seen / max(self.train_seconds, 1e-9)

    @property
    def replay_bytes(self) -> int:
        """The memory its replay snapshots take."""
        return replay_bytes(self.snapshots)

    def to_data(self, replay: bool = True):
        """The run as the engine's ``RunData`` (what a session file holds), its replay snapshots
        left out unless ``replay``. Ended runs only."""
        from engine.files.session_file import RunData
        return RunData(self.name, self.spec, self.config, self.dataset_name, str(self.status),
                       self.message, self.group, self.raw.x().copy(), self.raw.y().copy(),
                       tuple(self.epochs), self.end, self.network, tuple(self.points),
                       tuple(self.snapshots) if replay else (), self.time_limit)

    @classmethod
    def from_data(cls, number: int, data, missing_replay: str = "") -> RunRecord:
        """A run read from a session file: its curves replayed, so the smoothed loss is the same;
        its texts cut to ``MAX_NAME`` and ``MAX_NOTE`` characters; ``missing_replay`` says why,
        if it has a network and no snapshots."""
        run = cls(number, bounded(data.name, MAX_NAME), data.spec, data.config,
                  bounded(data.dataset_name, MAX_NAME), run_colour(number - 1),
                  RunState(data.status), message=bounded(data.message, MAX_NOTE),
                  epochs=list(data.epochs), end=data.end, network=data.network,
                  group=bounded(data.group, MAX_NAME), points=list(data.points),
                  snapshots=tuple(data.snapshots), time_limit=data.time_limit)
        if data.network is not None and not data.snapshots:
            run.replay_note = missing_replay
        run.add_batch_losses(data.batch_x, data.batch_loss)
        return run

    def settings_text(self) -> str:
        """'784-256(relu)-128(relu)-10 · adam lr 0.002 (cosine), batches of 128, ...'."""
        return f"{self.spec.describe()} · {self.spec.loss}, init {self.spec.init} · {self.config.describe()}"

    def series_rows(self):
        """Long-format rows (run, series, epoch, value) of every curve of this run."""
        for x, y in zip(self.raw.x(), self.raw.y()):
            yield self.name, "batch_loss", float(x), float(y)
        for name in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "test_accuracy",
                     "lr", "seconds", "samples_per_second"):
            for x, y in zip(*self.epoch_series(name)):
                yield self.name, name, float(x), float(y)
        if self.test_accuracy is not None:
            yield self.name, "final_test_accuracy", float(len(self.epochs)), float(self.test_accuracy)


def _moving_average(values: np.ndarray, beta: float, start: float) -> np.ndarray:
    """a_i = beta a_(i-1) + (1 - beta) values_i from a_(-1) = start, for all i at once: within a
    block, a_i = beta^(i+1) start + (1 - beta) beta^i sum_(j<=i) beta^(-j) values_j."""
    out = np.empty(len(values))
    for first in range(0, len(values), _BLOCK):
        block = values[first:first + _BLOCK]
        steps = np.arange(len(block), dtype=np.float64)
        sums = np.cumsum(block * beta ** -steps)
        out[first:first + len(block)] = beta ** (steps + 1) * start + (1 - beta) * beta ** steps * sums
        start = out[first + len(block) - 1]
    return out


def repeats_among(runs: list[RunRecord]) -> dict[int, RunRecord]:
    """{run number: the earlier run of ``runs`` it repeats} (``engine.run_comparison``)."""
    return {run.number: runs[i] for run, i in zip(runs, find_repeats(runs)) if i is not None}


def write_csv(path, runs: list[RunRecord]) -> Path:
    """Every curve of ``runs`` as one long-format CSV: run, series, epoch, value.

    Written whole or not at all (a full disk or a kill mid-write leaves the previous file);
    OSError naming ``path`` if it cannot be written.
    """
    def write(out):
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(CSV_FIELDS)
        for run in runs:
            writer.writerows(run.series_rows())
        text.flush()
        text.detach()  # the binary file stays open for write_atomically to sync and close

    return write_atomically(path, write)


class RunsModel(QObject):
    """Every run of the session, in order; the plots and the runs list subscribe to its signals.

    Only the GUI thread changes it. A run made here is announced by ``run_added``; the runs of a
    session by one ``runs_added`` (and the ones they replace by one ``runs_removed``), so the views
    take them in one pass. ``changed`` covers the status, name, visibility, epochs and
    end of a run; ``batches_added`` the (throttled) batch losses and the time points, which only the plots redraw;
    ``dynamics_added`` the (throttled) per-layer statistics of the training dynamics;
    ``results_changed`` the experiments' results tables (``results()``: one added, a run
    removed from one, a session's opened).
    """

    run_added = Signal(object)      # RunRecord
    run_changed = Signal(object)    # RunRecord
    batches_added = Signal(object)  # RunRecord
    dynamics_added = Signal(object)  # RunRecord
    run_removed = Signal(object)    # RunRecord
    runs_added = Signal(list)       # [RunRecord]: many at once (a session opened), in order
    runs_removed = Signal(list)     # [RunRecord]: many at once (the runs a session replaces)
    results_changed = Signal()

    def __init__(self, parent: QObject | None = None, replay_budget: int = SESSION_BYTES):
        super().__init__(parent)
        self._runs: list[RunRecord] = []
        self._results: list[tuple[str, list[RunRecord]]] = []
        self._next_number = 1
        self._repeats: dict[bool, tuple] = {}
        self.replay_budget = replay_budget  # bytes all runs' replay snapshots may take together

    def replay_total(self) -> int:
        """The memory every run's replay snapshots take together (at most ``replay_budget``)."""
        return sum(run.replay_bytes for run in self._runs)

    def _fit_replay(self, announced: tuple = ()) -> None:
        """Thin the runs' replays to ``replay_budget`` together (``engine.replay.fit_budget``: the
        newest whole, the older ones to one share); each run thinned says so in ``replay_note``
        and, unless it is in ``announced`` (about to be announced anyway), by ``run_changed``."""
        runs = [run for run in self._runs if run.snapshots]
        fitted = fit_budget([run.snapshots for run in runs], self.replay_budget)
        budget = self.replay_budget / 2**20
        for run, snapshots in zip(runs, fitted):
            if len(snapshots) == len(run.snapshots):
                continue
            run.replay_recorded = run.replay_recorded or len(run.snapshots)
            run.snapshots = snapshots
            run.replay_note = (THINNED.format(kept=len(snapshots), had=run.replay_recorded, budget=budget) if snapshots
                               else DROPPED.format(budget=budget))
            if run not in announced:
                self.run_changed.emit(run)

    def __iter__(self):
        return iter(list(self._runs))

    def __len__(self) -> int:
        return len(self._runs)

    def runs(self) -> list[RunRecord]:
        return list(self._runs)

    @property
    def active(self) -> RunRecord | None:
        """The run in progress, if any (at most one at a time)."""
        return next((r for r in self._runs if r.status.active), None)

    def new_run(self, name: str, spec: NetworkSpec, config: TrainConfig,
                dataset_name: str = "", time_limit: float | None = None, group: str = "") -> RunRecord:
        """Add a run in state STARTING, numbered in turn, in the first colour no shown run has
        (``time_limit``: the seconds of training it is given, None to train its epochs; ``group``:
        its experiment's name, set before ``run_added`` so that the views name it by its label)."""
        n = self._next_number
        self._next_number += 1
        run = RunRecord(n, bounded(name.format(n=n), MAX_NAME), spec, config, bounded(dataset_name, MAX_NAME),
                        run_colour(n - 1), group=bounded(group, MAX_NAME), time_limit=time_limit)
        self._give_colour(run, fresh=True)
        self._runs.append(run)
        self.run_added.emit(run)
        return run

    def set_state(self, run: RunRecord, state: RunState, message: str = "") -> None:
        run.status = RunState(state)
        if message:
            run.message = message
        self.run_changed.emit(run)

    def add_batches(self, run: RunRecord, x: float, loss: float) -> None:
        run.add_batch_loss(x, loss)
        self.batches_added.emit(run)

    def add_point(self, run: RunRecord, point: TimePoint) -> None:
        """One TimePoint of the run; announced with ``batches_added`` (only the plots draw it)."""
        run.points.append(point)
        self.batches_added.emit(run)

    def add_dynamics(self, run: RunRecord, step: int, x: float, statistics: NetworkStatistics) -> None:
        run.add_dynamics(step, x, statistics)
        self.dynamics_added.emit(run)

    def add_epoch(self, run: RunRecord, event: EpochEnd, network=None) -> None:
        run.add_epoch(event)
        if network is not None:
            run.network = network
        self.run_changed.emit(run)

    def finish(self, run: RunRecord, end: RunEnd, network=None, snapshots=()) -> None:
        run.finish(end)
        run.network = network if end.reason != "diverged" else None
        run.snapshots = tuple(snapshots) if run.network is not None else ()
        if run.network is not None and not run.snapshots:
            run.replay_note = TOO_BIG.format(limit=MAX_BYTES / 2**20)
        self._fit_replay((run,))
        self.run_changed.emit(run)

    def rename(self, run: RunRecord, name: str) -> None:
        run.name = bounded(name, MAX_NAME)
        self.run_changed.emit(run)

    def set_visible(self, run: RunRecord, visible: bool) -> None:
        if visible and not run.visible:
            self._give_colour(run)
        run.visible = visible
        self.run_changed.emit(run)

    def _give_colour(self, run: RunRecord, fresh: bool = False) -> None:
        """Keep ``run``'s colour unless another visible run has it (or it is ``fresh``, a new
        run): then the first colour no visible run has, so after "Clear plots" runs start again
        from the palette's first colours."""
        taken = {r.colour for r in self._runs if r.visible and r is not run}
        if fresh or run.colour in taken:
            run.colour = next(c for c in map(run_colour, range(len(taken) + 1)) if c not in taken)

    def replace_all(self, runs_data, view: SessionView | None = None, missing_replay: str = "") -> list[RunRecord]:
        """Forget every run and take ``runs_data`` (engine ``RunData``, e.g. a session file's),
        shown as ``view`` says (which runs are ticked, the results tables; ``add_runs``).

        Refused (RuntimeError) while a run is in progress.
        """
        if self.active is not None:
            raise RuntimeError("Stop the training run first.")
        removed, self._runs = self._runs, []
        for run in removed:
            run.network, run.snapshots = None, ()
        if removed:
            self.runs_removed.emit(removed)
        self._next_number = 1
        had_results, self._results = bool(self._results), []
        added = self.add_runs(runs_data, view, missing_replay)
        if had_results and not self._results:
            self.results_changed.emit()
        return added

    def add_runs(self, runs_data, view: SessionView | None = None, missing_replay: str = "") -> list[RunRecord]:
        """Add ended runs (engine ``RunData``) after the others, numbered in turn, with one
        ``runs_added``. ``view.shown`` says which are ticked; without it, of more than
        ``SHOWN_AT_OPEN`` only the last so many are. ``view.results`` become results tables.
        Their replays are thinned to the session's budget with the others' (``_fit_replay``);
        ``missing_replay`` says why a run with a network has none."""
        view = view or SessionView()
        added = []
        for data in runs_data:
            added.append(RunRecord.from_data(self._next_number, data, missing_replay))
            self._next_number += 1
        if view.shown is not None and len(view.shown) == len(added):
            for run, shown in zip(added, view.shown):
                run.visible = shown
        else:
            for run in added[:-SHOWN_AT_OPEN]:
                run.visible = False
        for run in added:
            if run.visible:
                self._give_colour(run)
            self._runs.append(run)
        self._fit_replay(tuple(added))
        if added:
            self.runs_added.emit(added)
        tables = [(name, [added[i] for i in runs if i < len(added)]) for name, runs in view.results]
        if any(runs for _, runs in tables):
            self._results.extend((name, runs) for name, runs in tables if runs)
            self.results_changed.emit()
        return added

    def results(self) -> list[tuple[str, list[RunRecord]]]:
        """The experiments' results tables, oldest first: (experiment name, its runs in order)."""
        return [(name, list(runs)) for name, runs in self._results]

    def add_results(self, name: str, runs: list[RunRecord]) -> None:
        """An experiment's results table: ``runs`` (of this model), in the table's order."""
        runs = [run for run in runs if run in self._runs]
        if runs:
            self._results.append((bounded(name, MAX_NAME), runs))
            self.results_changed.emit()

    def view(self, runs: list[RunRecord], model: RunRecord | None = None) -> SessionView:
        """What is shown of ``runs`` (which are ticked, the results tables, which run is the
        ``model``), by index into ``runs``, as a session file keeps it."""
        index = {id(run): i for i, run in enumerate(runs)}
        tables = tuple((name, tuple(index[id(r)] for r in table if id(r) in index))
                       for name, table in self._results)
        return SessionView(shown=tuple(run.visible for run in runs),
                           model=None if model is None else index.get(id(model)),
                           results=tuple(t for t in tables if t[1]))

    def repeats(self, visible_only: bool = False) -> dict[int, RunRecord]:
        """{run number: the earlier run it repeats}, among every run or the shown ones only.

        Kept until a run is added, removed, shown, hidden or ends an epoch (a run's settings and
        past epochs never change), so the views that ask after one change compare the runs once.
        """
        runs = [r for r in self._runs if r.visible or not visible_only]
        key = (visible_only, tuple((id(r), r.number, len(r.epochs)) for r in runs))
        cached = self._repeats.get(visible_only)
        if cached is None or cached[0] != key:
            cached = self._repeats[visible_only] = (key, repeats_among(runs))
        return cached[1]

    def save(self, path, model: RunRecord | None = None, replay: bool = True) -> Path:
        """Every ended run, with its settings, curves and network (and its replay snapshots if
        ``replay``), in one session file, and what is shown of them (``view``): which are ticked,
        the results tables, which run is the ``model`` (the one whose network the other panels
        use, if it is one of them)."""
        from engine.files.session_file import save_session
        ended = [run for run in self._runs if not run.status.active]
        if not ended:
            raise ValueError("There is no finished run to save yet: train one first.")
        return save_session(path, [run.to_data(replay) for run in ended], self.view(ended, model))

    def saved_size(self) -> tuple[int, int]:
        """About how many bytes ``save`` writes without the replay, and how many more with it."""
        from engine.files.session_file import estimated_size
        return estimated_size([run.to_data() for run in self._runs if not run.status.active])

    def open(self, path) -> list[RunRecord]:
        """Replace the runs by a session file's, shown as they were saved (``take_session``).
        The file is read and checked whole first, so a bad file (ValueError naming it) leaves
        the current runs as they are."""
        from engine.files.session_file import read_session
        if self.active is not None:
            raise ValueError("Stop the training run before opening a session.")
        return self.take_session(read_session(path))[0]

    def take_session(self, session: Session) -> tuple[list[RunRecord], RunRecord | None]:
        """Replace the runs by ``session``'s (an engine ``Session``, read by a job), shown as they
        were saved; (the runs, the run that was the model or None)."""
        runs = self.replace_all(session.runs, session.view,
                                SAVED_BEFORE if session.version < 2 else SAVED_WITHOUT)
        model = session.view.model
        return runs, runs[model] if model is not None and model < len(runs) else None

    def remove(self, run: RunRecord) -> bool:
        """Forget an ended run (its curves and its network). False for the run in progress."""
        if run.status.active or run not in self._runs:
            return False
        self._runs.remove(run)
        run.network, run.snapshots = None, ()
        self.run_removed.emit(run)
        tables = [(name, [r for r in runs if r is not run]) for name, runs in self._results]
        if any(len(a[1]) != len(b[1]) for a, b in zip(tables, self._results)):
            self._results = [(name, runs) for name, runs in tables if runs]
            self.results_changed.emit()
        return True
