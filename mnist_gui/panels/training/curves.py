"""The plot items of one run on the training plots: batch loss, epoch figures, test accuracy.

Each run's items are made once and then only fed by ``setData`` (pyqtgraph's scrollingPlots way);
a run that repeats an earlier one is drawn dashed with smaller markers, so both show. The x axis
measures epochs, seconds of training or images seen (``set_axis``); on the last two the validation
curves are the run's time points (about one a second), so a run that never ends an epoch shows too.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from mnist_gui.state.runs import RunRecord, short_name


def pen(colour: str, width: float = 2, style=Qt.SolidLine, alpha: int = 255):
    c = QColor(colour)
    c.setAlpha(alpha)
    return pg.mkPen(c, width=width, style=style)


class RunCurves:
    """The plot items of one run: batch loss raw and smoothed, epoch train/validation loss and
    accuracy, and the final test accuracy. Created once; ``update_*`` only calls ``setData``.

    A run whose curves are those of an earlier run (a rerun with the same settings and seed) is
    drawn as a *repeat*: dashed lines and smaller markers over the earlier run's, so both show.
    """

    def __init__(self, run: RunRecord, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem):
        c = run.colour
        self.colour, self.repeat, self._epochs, self.axis = c, False, 0, "epochs"
        self.raw = _curve(loss_plot, pen(c, 1, alpha=70))
        self.smooth = _curve(loss_plot, None)
        # training: thin, dashed, pale, hollow circles; validation: thick, solid, filled squares
        self.train_loss = _curve(loss_plot, None, symbol="o", colour=c, hollow=True)
        self.val_loss = _curve(loss_plot, None, symbol="s", colour=c)
        self.train_acc = _curve(accuracy_plot, None, symbol="o", colour=c, hollow=True)
        self.val_acc = _curve(accuracy_plot, None, symbol="s", colour=c)
        self.test_acc = _curve(accuracy_plot, None, symbol="star", colour=c, size=18)
        self.items = (self.raw, self.smooth, self.train_loss, self.val_loss, self.train_acc,
                      self.val_acc, self.test_acc)
        self._loss_plot, self._name, self.blowup = loss_plot, short_name(run), None
        self._apply_style()

    def set_colour(self, colour: str) -> None:
        """Draw the run in ``colour`` (it changes when a hidden run is shown again and its colour
        was given to another shown run meanwhile)."""
        if colour == self.colour:
            return
        self.colour = colour
        self.raw.setPen(pen(colour, 1, alpha=70))
        for item, hollow in ((self.train_loss, True), (self.val_loss, False), (self.train_acc, True),
                             (self.val_acc, False), (self.test_acc, False)):
            item.setSymbolPen(pg.mkPen(colour, width=1.5))
            item.setSymbolBrush((0, 0, 0, 0) if hollow else colour)
        if self.blowup is not None:
            self.blowup.setPen(pen(colour, 2, Qt.DashLine))
            self.blowup.label.setColor(colour)
        self._apply_style()

    def set_repeat(self, repeat: bool) -> None:
        """Draw the run as a repeat of an earlier run (dashed, smaller markers) or normally."""
        if repeat != self.repeat:
            self.repeat = repeat
            self._apply_style()

    def _apply_style(self):
        c, repeat = self.colour, self.repeat
        self.smooth.setPen(pen(c, 2, Qt.DashLine if repeat else Qt.SolidLine))
        for item in (self.train_loss, self.train_acc):
            item.setPen(pen(c, 1.5, Qt.DotLine if repeat else Qt.DashLine, alpha=160))
        for item in (self.val_loss, self.val_acc):
            item.setPen(pen(c, 3, Qt.DashLine if repeat else Qt.SolidLine))
        self.test_acc.setSymbolSize(18 * self._shrink())
        self._size_markers()

    def _shrink(self) -> float:
        """A repeat's markers are smaller, so the earlier run's show around them."""
        return 0.55 if self.repeat else 1.0

    def _size_markers(self):
        size = marker_size(self._epochs) * self._shrink()
        for item in (self.train_loss, self.val_loss, self.train_acc, self.val_acc):
            item.setSymbolSize(size)

    def set_axis(self, run: RunRecord, axis: str) -> None:
        """Measure x in "epochs", "seconds" (of training) or "images" (seen), and redraw."""
        if axis != self.axis:
            self.axis = axis
            if self.blowup is not None:
                self.blowup.setPos(float(run.along([run.blowup[0]], axis)[0]))
            self.update_batches(run)
            self.update_epochs(run)

    def update_batches(self, run: RunRecord):
        """The batch loss (and, by time, the validation points: they come with the batches)."""
        self.raw.setData(run.along(run.raw.x(), self.axis), run.raw.y())
        self.smooth.setData(run.along(run.smooth.x(), self.axis), run.smooth.y())
        if run.blowup is not None and self.blowup is None:
            self._mark_blowup(run)
        if self.axis != "epochs":
            self._update_validation(run)

    def _mark_blowup(self, run: RunRecord):
        """A dashed line in the run's colour where its loss blew up, labelled, drawn as soon as
        it happens: the loss itself has run off the top of the plot (or is not a number)."""
        x, loss = run.blowup
        what = "not a number" if not np.isfinite(loss) else f"{loss:.3g}"
        self.blowup = pg.InfiniteLine(
            pos=float(run.along([x], self.axis)[0]), angle=90, movable=False, pen=pen(self.colour, 2, Qt.DashLine),
            label=f"{self._name} diverged", labelOpts=dict(position=0.85, color=self.colour,
                                                           anchors=[(0, 0.5), (0, 0.5)]))
        self.blowup.setToolTip(f"{run.name}: the loss blew up here (it became {what}), so the "
                               "run diverged. A smaller learning rate takes smaller, safer steps.")
        font = self._loss_plot.getAxis("bottom").style.get("tickFont")
        if font is not None:  # as large as the axis numbers, zoomed or not
            self.blowup.label.setFont(font)
        self._loss_plot.addItem(self.blowup, ignoreBounds=True)
        self.blowup.setVisible(self.smooth.isVisible())
        self.items = (*self.items, self.blowup)

    def update_epochs(self, run: RunRecord):
        """The epochs' figures (validation: the time points' on a time axis), the test star at the end."""
        x, y = run.epoch_series("train_loss")
        self.train_loss.setData(run.along(x, self.axis), y)
        x, y = run.epoch_series("train_accuracy")
        self.train_acc.setData(run.along(x, self.axis), 100 * y)
        self._update_validation(run)
        if run.test_accuracy is not None:
            self.test_acc.setData([end_position(run, self.axis)], [100 * run.test_accuracy])
        else:
            self.test_acc.setData([], [])

    def _update_validation(self, run: RunRecord):
        if self.axis == "epochs":
            loss, accuracy = run.epoch_series("val_loss"), run.epoch_series("val_accuracy")
        else:
            loss, accuracy = run.point_series("val_loss", self.axis), run.point_series("val_accuracy", self.axis)
        self.val_loss.setData(*loss)
        self.val_acc.setData(accuracy[0], 100 * accuracy[1])
        self._epochs = max(len(run.epochs), len(loss[0]))
        self._size_markers()

    def set_visible(self, visible: bool):
        for item in self.items:
            item.setVisible(visible)

    def remove(self, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem):
        for item in self.items:  # the blow-up line is in the loss plot's items
            (loss_plot if item in loss_plot.items else accuracy_plot).removeItem(item)


def end_position(run: RunRecord, axis: str) -> float:
    """Where a run ended on ``axis``: its epochs (2.5 after two and a half), seconds or images."""
    if axis == "seconds":
        return run.train_seconds
    if axis == "images":
        return float(run.images_seen)
    return max(float(len(run.epochs)), run.epochs_trained)


def marker_size(n_points: int) -> float:
    """Markers shrink on long runs: 8 px up to 20 epochs, then smaller, never under 3 px
    (a hundred large markers merge into a band)."""
    return 8.0 if n_points <= 20 else max(3.0, 160.0 / n_points)


def _curve(plot: pg.PlotItem, line, symbol=None, colour=None, size=8, hollow=False) -> pg.PlotDataItem:
    """An empty curve, fast for long series: peak downsampling and clipping to the view."""
    kwargs = {}
    if symbol is not None:
        kwargs = dict(symbol=symbol, symbolSize=size, symbolBrush=(0, 0, 0, 0) if hollow else colour,
                      symbolPen=pg.mkPen(colour, width=1.5))
    item = pg.PlotDataItem([], [], pen=line, **kwargs)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    plot.addItem(item)
    return item
