"""What the training plots frame: round y ranges for loss and accuracy, the x extent of a run,
and a keeper that sets a plot's range only when it changes (instead of pyqtgraph's auto-range)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from mnist_gui.state.runs import RunRecord

LOSS_CAP = 5.0  # about twice the loss of a blind guess among 10 classes (ln 10 = 2.3)
ACCURACY_TOP = 104.0  # the accuracy plot's top: the 100 % tick with room above it for the markers
NICE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of 10) >= ``value``."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exponent = math.floor(math.log10(value))
    for m in NICE_STEPS:
        if m * 10.0 ** exponent >= value * (1 - 1e-12):
            return m * 10.0 ** exponent
    return 10.0 ** (exponent + 1)


def loss_range(runs: list[RunRecord], log: bool, axis: str = "epochs") -> tuple[float, float]:
    """y range of the loss plot: 0 to a round number above what matters (or whole decades in log).

    What matters is the per-epoch losses and the smoothed batch loss after the first half epoch:
    the first batches' loss (about 2.3 for 10 classes) would squash every later change flat, so
    it is left above the top of the plot. On a time ``axis`` the validation loss is the time
    points' (from the second on: the first is the untrained network's).
    """
    per_run = [np.concatenate(arrays) for arrays in (
        [a for a in (_settled(run), run.epoch_series("train_loss")[1], _validation(run, "val_loss", axis))
         if len(a)] for run in runs) if arrays]
    per_run = [d[np.isfinite(d)] for d in per_run]
    per_run = [d for d in per_run if len(d)]
    if not per_run:
        return (-2.0, 1.0) if log else (0.0, 1.0)
    # a run whose loss went far above chance (a learning rate too large) must not flatten the
    # others: it runs off the top unless every run does
    tame = [d for d in per_run if d.max() <= LOSS_CAP]
    data = np.concatenate(tame or per_run)
    if log:
        data = data[data > 0]
        if not len(data):
            return -2.0, 1.0
        low, high = math.floor(math.log10(data.min())), math.ceil(math.log10(data.max()))
        return float(low), float(max(high, low + 1))
    return 0.0, nice_ceiling(1.05 * float(data.max(initial=0.0)))


def _settled(run: RunRecord) -> np.ndarray:
    """The smoothed batch loss from half an epoch on (all of it while the run is that young)."""
    x, y = run.smooth.x(), run.smooth.y()
    later = y[x >= 0.5]
    return later if len(later) else y


def _validation(run: RunRecord, name: str, axis: str) -> np.ndarray:
    """The validation figures the plots draw on ``axis``: per epoch, or the time points' (but the first)."""
    return run.epoch_series(name)[1] if axis == "epochs" else run.point_series(name, axis)[1][1:]


def accuracy_range(runs: list[RunRecord], baseline: float | None, axis: str = "epochs") -> tuple[float, float]:
    """y range of the accuracy plot, in percent: from a multiple of 10 well below everything to
    ``ACCURACY_TOP``, so the 100 % tick shows and a curve near 100 % is not on the top edge."""
    values = [100 * a for run in runs for a in run.epoch_series("train_accuracy")[1]]
    values += [100 * a for run in runs for a in (run.epoch_series("val_accuracy") if axis == "epochs"
                                                 else run.point_series("val_accuracy", axis))[1]]
    values += [100 * run.test_accuracy for run in runs if run.test_accuracy is not None]
    if baseline is not None:
        values.append(100 * baseline)
    low = min(values, default=80.0)
    # 8 points of room below the lowest value, so the lowest curve is not on the axis
    return float(max(0, math.floor((low - 8) / 10) * 10)), ACCURACY_TOP


class RangeKeeper:
    """Sets a plot's range itself, only when it changes, instead of pyqtgraph's auto-range.

    Auto-range moves the axes on every new point, and redrawing the axes is most of the cost of a
    live update. Here the x axis spans the whole run from the start and the y axis only moves to
    round numbers. Panning or zooming by hand stops the following; the "A" button resumes it.
    """

    def __init__(self, plot: pg.PlotWidget, refit):
        self.item = plot.getPlotItem()
        self.follow = True
        self._last = None
        self._refit = refit
        self.item.vb.disableAutoRange()
        self.item.vb.sigRangeChangedManually.connect(self._manual)
        self.item.autoBtn.clicked.disconnect()
        self.item.autoBtn.clicked.connect(self.resume)

    def _manual(self, *_):
        self.follow = False

    def resume(self):
        self.reset()
        self._refit()

    def reset(self):
        """Follow again, and set the range at the next ``apply`` even if it is the same."""
        self.follow, self._last = True, None

    def apply(self, x_range, y_range):
        wanted = (tuple(x_range), tuple(y_range))
        if self.follow and wanted != self._last:
            self._last = wanted
            self.item.vb.setRange(xRange=x_range, yRange=y_range, padding=0)


def run_extent(run: RunRecord, axis: str = "epochs") -> float:
    """How far along x a run goes: its planned length while it trains (its epochs, its time
    limit, or on a time axis what it will take at its pace so far), else what it trained."""
    if axis == "epochs":
        if run.status.active:
            return float(run.config.epochs)
        last_batch = float(run.raw.x()[-1]) if len(run.raw) else 0.0
        return max(float(len(run.epochs)), last_batch)
    if not run.points:
        return float(run.along([run.config.epochs if run.status.active else len(run.epochs)], axis)[0])
    last = run.points[-1]
    done = float(getattr(last, axis))
    if not run.status.active:
        return done
    if run.time_limit is not None:  # the seconds are planned; the images at the pace so far
        return run.time_limit if axis == "seconds" else done * run.time_limit / max(last.seconds, 1e-9)
    return done * run.config.epochs / last.epochs if last.epochs > 0 else done
