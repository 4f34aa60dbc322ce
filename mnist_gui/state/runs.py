"""One training run as the session remembers it: its settings, its curves and how it ended (no Qt here)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.network import NetworkSpec
from engine.training import EpochEnd, RunEnd, TrainConfig

#: Run colours, one per run in turn: mid-tone hues that read on white and on near-black plots.
RUN_COLOURS = ("#3b82f6", "#f97316", "#22c55e", "#e11d48", "#a855f7", "#14b8a6", "#db2777",
               "#ca8a04", "#64748b", "#0ea5e9")
SMOOTHING = 0.8  # weight of the past in the smoothed batch loss (an exponential moving average)
CSV_FIELDS = ("run", "series", "epoch", "value")


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

    def x(self) -> np.ndarray:
        return self._x[:self._n]

    def y(self) -> np.ndarray:
        return self._y[:self._n]


@dataclass(eq=False)
class RunRecord:
    """A run: its settings, the batch loss (raw and smoothed), one EpochEnd per epoch, its end.

    status : "starting", "running", "paused", "completed", "stopped", "diverged" or "failed".
    """

    number: int
    name: str
    spec: NetworkSpec
    config: TrainConfig
    dataset_name: str = ""
    colour: str = RUN_COLOURS[0]
    status: str = "starting"
    visible: bool = True
    message: str = ""
    epochs: list[EpochEnd] = field(default_factory=list)
    end: RunEnd | None = None
    raw: GrowingSeries = field(default_factory=GrowingSeries)
    smooth: GrowingSeries = field(default_factory=GrowingSeries)
    _average: float = 0.0

    def add_batch_loss(self, x: float, loss: float) -> None:
        """One aggregated batch report at ``x`` epochs; updates the bias-corrected moving average."""
        if not np.isfinite(loss):
            return
        self._average = SMOOTHING * self._average + (1 - SMOOTHING) * loss
        self.raw.append(x, loss)
        self.smooth.append(x, self._average / (1 - SMOOTHING ** len(self.raw)))

    def add_epoch(self, event: EpochEnd) -> None:
        self.epochs.append(event)

    def finish(self, end: RunEnd) -> None:
        self.end, self.status, self.message = end, end.reason, end.message

    def epoch_series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of an EpochEnd field ("train_loss", "val_accuracy", ...), None skipped."""
        pairs = [(e.epoch, getattr(e, name)) for e in self.epochs if getattr(e, name) is not None]
        if not pairs:
            return np.empty(0), np.empty(0)
        x, y = zip(*pairs)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    @property
    def last_epoch(self) -> EpochEnd | None:
        return self.epochs[-1] if self.epochs else None

    @property
    def test_accuracy(self) -> float | None:
        return None if self.end is None else self.end.test_accuracy

    @property
    def train_seconds(self) -> float:
        return sum(e.seconds for e in self.epochs)

    @property
    def samples_per_second(self) -> float | None:
        if not self.epochs:
            return None
        seen = sum(e.samples_per_second * e.seconds for e in self.epochs)
        return seen / max(self.train_seconds, 1e-9)

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


def write_csv(path, runs: list[RunRecord]) -> Path:
    """Every curve of ``runs`` as one long-format CSV: run, series, epoch, value."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_FIELDS)
        for run in runs:
            writer.writerows(run.series_rows())
    return path
