"""The live loss and accuracy plots (pyqtgraph): one set of curves per run, created once, fed by setData."""

from __future__ import annotations

import html
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QObject,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from engine.atomic import write_bytes_atomically
from mnist_gui.glossary import tip
from mnist_gui.state.runs import RunRecord, RunsModel, short_name
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.plot_style import decade_axes, follow_palette
from mnist_gui.widgets.sizing import text_scale

LABEL_STYLE = {"font-size": "12pt"}
HOVER_RATE = 30  # hover read-outs per second at most
HOVER_POINTS = 9  # the read-out's text size before any zoom
HOVER_MIN_POINTS = 7  # ...and the smallest it is shrunk to, to fit a small plot
HOVER_GAP = 12  # pixels between the pointer and the read-out
EXPORT_SCALE = 2.0  # an exported picture has at least twice the pixels of the plots on screen...
SLIDE_WIDTH = 1920  # ...and at least the width of a full-HD slide
SCREEN_DOTS_PER_METRE = 3780  # 96 dpi
RIGHT_MARGIN = 12  # pixels between a plot's axes box and its right edge
TRAINING_LAGS = ("Training accuracy and loss are averaged over each epoch while the network is "
                 "still improving, so at epoch 1 training can look worse than validation, which "
                 "is measured at the end of the epoch.")


def _pen(colour: str, width: float = 2, style=Qt.SolidLine, alpha: int = 255):
    c = QColor(colour)
    c.setAlpha(alpha)
    return pg.mkPen(c, width=width, style=style)


class _RunCurves:
    """The plot items of one run: batch loss raw and smoothed, epoch train/validation loss and
    accuracy, and the final test accuracy. Created once; ``update_*`` only calls ``setData``.

    A run whose curves are those of an earlier run (a rerun with the same settings and seed) is
    drawn as a *repeat*: dashed lines and smaller markers over the earlier run's, so both show.
    """

    def __init__(self, run: RunRecord, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem):
        c = run.colour
        self.colour, self.repeat, self._epochs = c, False, 0
        self.raw = _curve(loss_plot, _pen(c, 1, alpha=70))
        self.smooth = _curve(loss_plot, None)
        # training: thin, dashed, pale, hollow circles; validation: thick, solid, filled squares
        self.train_loss = _curve(loss_plot, None, symbol="o", colour=c, hollow=True)
        self.val_loss = _curve(loss_plot, None, symbol="s", colour=c)
        self.train_acc = _curve(accuracy_plot, None, symbol="o", colour=c, hollow=True)
        self.val_acc = _curve(accuracy_plot, None, symbol="s", colour=c)
        self.test_acc = _curve(accuracy_plot, None, symbol="star", colour=c, size=18)
        self.items = (self.raw, self.smooth, self.train_loss, self.val_loss, self.train_acc,
                      self.val_acc, self.test_acc)
        self._apply_style()

    def set_repeat(self, repeat: bool) -> None:
        """Draw the run as a repeat of an earlier run (dashed, smaller markers) or normally."""
        if repeat != self.repeat:
            self.repeat = repeat
            self._apply_style()

    def _apply_style(self):
        c, repeat = self.colour, self.repeat
        self.smooth.setPen(_pen(c, 2, Qt.DashLine if repeat else Qt.SolidLine))
        for item in (self.train_loss, self.train_acc):
            item.setPen(_pen(c, 1.5, Qt.DotLine if repeat else Qt.DashLine, alpha=160))
        for item in (self.val_loss, self.val_acc):
            item.setPen(_pen(c, 3, Qt.DashLine if repeat else Qt.SolidLine))
        self.test_acc.setSymbolSize(18 * self._shrink())
        self._size_markers()

    def _shrink(self) -> float:
        """A repeat's markers are smaller, so the earlier run's show around them."""
        return 0.55 if self.repeat else 1.0

    def _size_markers(self):
        size = marker_size(self._epochs) * self._shrink()
        for item in (self.train_loss, self.val_loss, self.train_acc, self.val_acc):
            item.setSymbolSize(size)

    def update_batches(self, run: RunRecord):
        self.raw.setData(run.raw.x(), run.raw.y())
        self.smooth.setData(run.smooth.x(), run.smooth.y())

    def update_epochs(self, run: RunRecord):
        self.train_loss.setData(*run.epoch_series("train_loss"))
        self.val_loss.setData(*run.epoch_series("val_loss"))
        x, y = run.epoch_series("train_accuracy")
        self.train_acc.setData(x, 100 * y)
        x, y = run.epoch_series("val_accuracy")
        self.val_acc.setData(x, 100 * y)
        self._epochs = len(run.epochs)
        self._size_markers()
        if run.test_accuracy is not None:
            self.test_acc.setData([max(len(run.epochs), 0.0)], [100 * run.test_accuracy])
        else:
            self.test_acc.setData([], [])

    def set_visible(self, visible: bool):
        for item in self.items:
            item.setVisible(visible)

    def remove(self, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem):
        for item in self.items:
            (loss_plot if item in loss_plot.items else accuracy_plot).removeItem(item)


def marker_size(n_points: int) -> float:
    """Markers shrink on long runs: 8 px up to 20 epochs, then smaller, never under 3 px
    (a hundred large markers merge into a band)."""
    return 8.0 if n_points <= 20 else max(3.0, 160.0 / n_points)


def _curve(plot: pg.PlotItem, pen, symbol=None, colour=None, size=8, hollow=False) -> pg.PlotDataItem:
    """An empty curve, fast for long series: peak downsampling and clipping to the view."""
    kwargs = {}
    if symbol is not None:
        kwargs = dict(symbol=symbol, symbolSize=size, symbolBrush=(0, 0, 0, 0) if hollow else colour,
                      symbolPen=pg.mkPen(colour, width=1.5))
    item = pg.PlotDataItem([], [], pen=pen, **kwargs)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    plot.addItem(item)
    return item


LOSS_CAP = 5.0  # about twice the loss of a blind guess among 10 classes (ln 10 = 2.3)
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


def loss_range(runs: list[RunRecord], log: bool) -> tuple[float, float]:
    """y range of the loss plot: 0 to a round number above what matters (or whole decades in log).

    What matters is the per-epoch losses and the smoothed batch loss after the first half epoch:
    the first batches' loss (about 2.3 for 10 classes) would squash every later change flat, so
    it is left above the top of the plot.
    """
    per_run = [np.concatenate(arrays) for arrays in (
        [a for a in (_settled(run), *[run.epoch_series(n)[1] for n in ("train_loss", "val_loss")])
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


def accuracy_range(runs: list[RunRecord], baseline: float | None) -> tuple[float, float]:
    """y range of the accuracy plot, in percent: from a multiple of 10 well below everything to 100."""
    values = [100 * a for run in runs for n in ("train_accuracy", "val_accuracy")
              for a in run.epoch_series(n)[1]]
    values += [100 * run.test_accuracy for run in runs if run.test_accuracy is not None]
    if baseline is not None:
        values.append(100 * baseline)
    low = min(values, default=80.0)
    # 8 points of room below the lowest value, so the lowest curve is not on the axis
    return float(max(0, math.floor((low - 8) / 10) * 10)), 100.5


class _RangeKeeper:
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


class TrainingPlots(QWidget):
    """``lossPlot`` and ``accuracyPlot`` side by side, with a log-scale toggle, a choice of what
    the epoch axis frames (every shown run, or the selected one) and hover read-outs."""

    def __init__(self, runs: RunsModel, parent=None):
        super().__init__(parent)
        self._curves: dict[int, _RunCurves] = {}
        self._runs: dict[int, RunRecord] = {}
        self._selected: RunRecord | None = None
        self.loss_plot = self._make_plot("lossPlot", "Loss", "loss")
        self.accuracy_plot = self._make_plot("accuracyPlot", "Accuracy", "accuracy (%)")
        self.accuracy_plot.getPlotItem().setLimits(yMin=0, yMax=100.5)
        self._baseline_value: float | None = None
        self._ranges = (_RangeKeeper(self.loss_plot, self.fit),
                        _RangeKeeper(self.accuracy_plot, self.fit))
        self.baseline = pg.InfiniteLine(angle=0, movable=False, pen=_pen("#888888", 2, Qt.DotLine),
                                        label="", labelOpts=dict(position=0.02, color="#888888",
                                                                 anchors=[(0, 1), (0, 1)]))
        self.baseline.setVisible(False)
        self.accuracy_plot.addItem(self.baseline, ignoreBounds=True)
        self.log_scale = QCheckBox("Log scale", objectName="logScale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis: late, small improvements "
                                  "become visible")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.frame_selected = QCheckBox("Frame selected run", objectName="frameSelected")
        self.frame_selected.setToolTip(
            "Fit the epoch axis to the run selected in the runs table instead of the longest shown "
            "run: compare a 10-epoch run with the first 10 epochs of a 100-epoch run. Hiding the "
            "long run (untick it in the table) frames the others too.")
        self.frame_selected.toggled.connect(self._refit)
        self._legends()
        self._hover = [_Hover(self, self.loss_plot, "loss"),
                       _Hover(self, self.accuracy_plot, "accuracy")]
        self._layout()
        self.apply_palette()
        self._model = runs
        runs.run_added.connect(self._on_run_added)
        runs.runs_added.connect(self._on_runs_added)
        runs.run_changed.connect(self._on_run_changed)
        runs.batches_added.connect(self._on_batches_added)
        runs.run_removed.connect(self._on_run_removed)
        runs.runs_removed.connect(self._on_runs_removed)
        self._on_runs_added(runs.runs())

    def _make_plot(self, name: str, title: str, y_label: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(axisItems=decade_axes("left"))  # the loss may go logarithmic
        plot.setObjectName(name)
        item = plot.getPlotItem()
        item.setTitle(title, size="13pt")
        item.setLabel("bottom", "epoch", **LABEL_STYLE)
        item.setLabel("left", y_label, **LABEL_STYLE)
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setMenuEnabled(True)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        # room right of the axes box, so the box, its grid and the last epoch's label are not on
        # the very edge of the plot (nor of an exported picture)
        item.layout.setContentsMargins(1, 1, RIGHT_MARGIN, 1)
        font = QFont()
        font.setPointSize(11)
        for side in ("left", "bottom"):
            item.getAxis(side).setTickFont(font)
            item.getAxis(side).enableAutoSIPrefix(False)
        plot.setToolTip(f"{title} as the network learns. Hover to read values; drag to pan, wheel "
                        "to zoom, right-click for more (A: fit everything)")
        plot.setMinimumHeight(180)
        item.getAxis("bottom").setToolTip(tip("epoch"))
        item.getAxis("left").setToolTip(tip("loss") if y_label == "loss" else
                                        "Share of the images classified correctly. " + tip("validation"))
        return plot

    def _legends(self):
        """Under each plot, outside the curves (inside, they covered the start of the curves
        on a 1280x720 screen); ``_fit_legends`` gives them as many columns as fit."""
        grey = "#888888"
        for plot, entries in (
                (self.loss_plot, (("batches", _pen(grey, 2), None, "Every batch's loss, smoothed"),
                                  ("train", _pen(grey, 2, Qt.DashLine), "o",
                                   "Training loss, averaged over each epoch. " + TRAINING_LAGS),
                                  ("val.", _pen(grey, 3), "s",
                                   "Validation loss at the end of each epoch"))),
                (self.accuracy_plot, (("train", _pen(grey, 2, Qt.DashLine), "o",
                                       "Training accuracy. " + TRAINING_LAGS),
                                      ("val.", _pen(grey, 3), "s",
                                       "Validation accuracy at the end of each epoch"),
                                      ("test", None, "star",
                                       "Test accuracy when the run ends")))):
            item = plot.getPlotItem()
            legend = pg.LegendItem(labelTextSize="10pt", colCount=len(entries), frame=False)
            item.layout.addItem(legend, 4, 0, 1, 3)  # the whole width, under the axis label
            item.legend = legend  # where zoom finds it
            for text, pen, symbol, tooltip in entries:
                sample = pg.PlotDataItem([], [], pen=pen, symbol=symbol, symbolBrush=grey,
                                         symbolPen=grey)
                legend.addItem(sample, text)
                legend.items[-1][1].setToolTip(tooltip)
                legend.items[-1][0].setToolTip(tooltip)
            plot.legend = legend

    def _fit_legends(self):
        """As many legend columns as the plot's width holds: one row when it can."""
        for plot in (self.loss_plot, self.accuracy_plot):
            legend = plot.legend
            # entries fill the legend's grid row by row: a column is as wide as its widest entry
            # (sample, spacing, text). The legend's own width is its layout cell's, no measure.
            widths = [30 + label.item.boundingRect().width() for _, label in legend.items]
            # less the legend's margins (2 x 9) and the plot's (1 + RIGHT_MARGIN), plus the last spacing (5)
            room = plot.width() - (18 + 1 + RIGHT_MARGIN - 5)
            columns = next((c for c in range(len(widths), 0, -1)
                            if sum(max(widths[j::c]) for j in range(c)) <= room), 1)
            if columns != legend.columnCount:
                legend.setColumnCount(columns)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_legends()

    def sizeHint(self) -> QSize:
        """Modest, so the runs list below gets its rows by default (the splitter gives more)."""
        return QSize(640, 300)

    def _layout(self):
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot, 1)
        plots.addWidget(self.accuracy_plot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(plots, 1)
        self.caption = note("Training is averaged over each epoch while the network improves: "
                            "at epoch 1 it can trail validation.")
        self.caption.setObjectName("trainingCaption")
        self.caption.setToolTip(TRAINING_LAGS)
        row = QHBoxLayout()
        row.addWidget(self.log_scale)
        row.addWidget(self.frame_selected)
        row.addWidget(self.caption, 1)
        layout.addLayout(row)

    # --- colours ----------------------------------------------------------------------------

    def apply_palette(self):
        """Plot background and text from the widget palette (light or dark)."""
        for plot in (self.loss_plot, self.accuracy_plot):
            follow_palette(plot, self.palette())

    def changeEvent(self, event):
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()
        elif event.type() == event.Type.FontChange:  # zoom: the legends' text grows after this
            QTimer.singleShot(0, self, self._fit_legends)
        super().changeEvent(event)

    # --- runs -------------------------------------------------------------------------------

    def _on_run_added(self, run: RunRecord):
        self._on_runs_added([run])

    def _on_runs_added(self, runs: list[RunRecord]):
        """Take the runs in; a shown run's curves are made now, a hidden run's when first shown
        (making them is most of the cost of opening a session). Repeats and ranges: once."""
        if not runs:
            return
        self.hide_hover()
        for run in runs:
            self._runs[run.number] = run
            self._update_curves(run)
        self._mark_repeats()
        self.fit()

    def _update_curves(self, run: RunRecord):
        """Bring the run's curves up to date; made the first time the run is shown, and then kept
        until it is removed."""
        curves = self._curves.get(run.number)
        if curves is None:
            if not run.visible:
                return
            curves = self._curves[run.number] = _RunCurves(run, self.loss_plot.getPlotItem(),
                                                           self.accuracy_plot.getPlotItem())
        curves.update_batches(run)
        curves.update_epochs(run)
        curves.set_visible(run.visible)

    def _on_batches_added(self, run: RunRecord):
        curves = self._curves.get(run.number)
        if curves is not None:
            curves.update_batches(run)
        self.fit()

    def hide_hover(self) -> None:
        for hover in self._hover:
            hover.hide()

    def _on_run_changed(self, run: RunRecord):
        self.hide_hover()  # its names and values may be out of date now
        if run.number in self._runs:
            self._update_curves(run)
        self._mark_repeats()
        self.fit()

    def _on_run_removed(self, run: RunRecord):
        self._on_runs_removed([run])

    def _on_runs_removed(self, runs: list[RunRecord]):
        for run in runs:
            curves = self._curves.pop(run.number, None)
            if self._runs.get(run.number) is run:
                del self._runs[run.number]
            if run is self._selected:
                self._selected = None
            if curves is not None:
                curves.remove(self.loss_plot.getPlotItem(), self.accuracy_plot.getPlotItem())
        self._mark_repeats()
        self.fit()

    def _mark_repeats(self):
        """Draw a shown run whose curves are those of an earlier shown run as a repeat (dashed)."""
        repeats = self._model.repeats(visible_only=True)
        for number, curves in self._curves.items():
            curves.set_repeat(self._runs[number].visible and number in repeats)

    def set_selected_run(self, run: RunRecord | None) -> None:
        """The run selected in the runs table: what "Frame selected run" frames."""
        self._selected = run
        if self.frame_selected.isChecked():
            self._refit()

    def _refit(self):
        """Frame again, even after a pan or zoom by hand (the user asked for a framing)."""
        for keeper in self._ranges:
            keeper.reset()
        self.fit()

    def framed_runs(self) -> list[RunRecord]:
        """The runs the epoch axis spans: the selected run if asked and shown, else every shown run."""
        selected = self._selected
        if self.frame_selected.isChecked() and selected is not None and selected.visible \
                and selected.number in self._runs:
            return [selected]
        return self.visible_runs()

    def fit(self):
        """Frame the visible runs: x over the length of the framed runs (a running run's planned
        epochs), y over the values of every shown run."""
        runs = self.visible_runs()
        x_high = max((_extent(run) for run in self.framed_runs()), default=1.0)
        x_high = max(1.0, x_high)
        x_range = (0.0, x_high + max(0.4, 0.06 * x_high))  # room for the last marker and test star
        loss, accuracy = self._ranges
        loss.apply(x_range, loss_range(runs, self.log_scale.isChecked()))
        accuracy.apply(x_range, accuracy_range(runs, self._baseline_value))

    def curves(self, run: RunRecord) -> _RunCurves | None:
        """The run's plot items, None for a run never shown yet (its curves are made when it is)."""
        return self._curves.get(run.number)

    def visible_runs(self) -> list[RunRecord]:
        return [run for run in self._runs.values() if run.visible]

    def set_baseline(self, accuracy: float | None):
        """The mean-digit classifier's test accuracy as a horizontal line (None hides it)."""
        self._baseline_value = accuracy
        self.baseline.setVisible(accuracy is not None)
        if accuracy is not None:
            self.baseline.setValue(100 * accuracy)
            self.baseline.label.setFormat(f"mean-digit baseline {100 * accuracy:.1f} %")
        self.fit()

    def set_log_scale(self, on: bool):
        self.log_scale.setChecked(on)
        self.loss_plot.getPlotItem().setLogMode(y=on)
        self._ranges[0].resume()

    # --- export -----------------------------------------------------------------------------

    def plots_rect(self) -> QRect:
        """Where the two plots are drawn in this widget: what an exported picture shows."""
        self.layout().activate()  # a panel never shown has its plots laid out too
        return _area(self, self.loss_plot).united(_area(self, self.accuracy_plot))

    def export_scale(self) -> float:
        """Pixels per screen pixel of an exported picture: 2, or more for a 1920-pixel-wide slide."""
        return max(EXPORT_SCALE, SLIDE_WIDTH / max(1, self.plots_rect().width()))

    def render_image(self, scale: float | None = None) -> QImage:
        """The two plots alone (titles, axes, curves, legends; no checkboxes, no hover read-out, no
        "A" button), ``scale`` (default ``export_scale()``) times their size on screen.

        Drawn, not enlarged: text and lines stay sharp. The picture says it is ``scale`` times
        96 dpi, so a document shows it at the plots' size on screen.
        """
        scale = scale or self.export_scale()
        rect = self.plots_rect()
        image = QImage(round(rect.width() * scale), round(rect.height() * scale),
                       QImage.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(scale)
        image.fill(self.loss_plot.backgroundBrush().color())
        with self._export_mode():
            painter = QPainter(image)
            try:
                for plot in (self.loss_plot, self.accuracy_plot):
                    target = QRectF(_area(self, plot).translated(-rect.topLeft()))
                    plot.render(painter, target, plot.viewport().rect(), Qt.IgnoreAspectRatio)
            finally:
                painter.end()
        image.setDotsPerMeterX(round(SCREEN_DOTS_PER_METRE * scale))  # after drawing: text sizes
        image.setDotsPerMeterY(round(SCREEN_DOTS_PER_METRE * scale))  # in points follow the dpi
        return image

    @contextmanager
    def _export_mode(self):
        """Hide the hover read-outs and the plots' "A" buttons while a picture is drawn."""
        shown = [(item, item.isVisible()) for hover in self._hover for item in (hover.line, hover.label)]
        self.hide_hover()
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.getPlotItem().autoBtn.hide()
        try:
            yield
        finally:
            for item, visible in shown:
                item.setVisible(visible)
            for plot in (self.loss_plot, self.accuracy_plot):
                plot.getPlotItem().updateButtons()

    def export_png(self, path, scale: float | None = None) -> Path:
        """The plots alone as a PNG image at slide resolution (see ``render_image``), written
        whole or not at all; OSError naming ``path``."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        if not self.render_image(scale).save(buffer, "PNG"):
            raise OSError(f"cannot write {path}: the plots could not be made into a PNG image")
        buffer.close()
        return write_bytes_atomically(path, data.data())


def _area(widget: QWidget, plot: pg.PlotWidget) -> QRect:
    """Where ``plot``'s drawing (its viewport) is, in ``widget``'s coordinates."""
    viewport = plot.viewport()
    return QRect(viewport.mapTo(widget, viewport.rect().topLeft()), viewport.size())


def _extent(run: RunRecord) -> float:
    """How far along x a run goes: its planned epochs while it trains, else what it trained."""
    if run.status.active:
        return float(run.config.epochs)
    last_batch = float(run.raw.x()[-1]) if len(run.raw) else 0.0
    return max(float(len(run.epochs)), last_batch)


class _LeaveWatcher(QObject):
    """Calls ``on_leave`` when the mouse leaves the widget it watches."""

    def __init__(self, on_leave, parent):
        super().__init__(parent)
        self._on_leave = on_leave

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Leave:
            self._on_leave()
        return False


class _Hover:
    """Reads the values under the mouse: a dashed line at the pointer and, in a box beside it,
    the nearest epoch's figures of every visible run, one line per run in the run's colour."""

    def __init__(self, plots: TrainingPlots, widget: pg.PlotWidget, kind: str):
        self.plots, self.widget, self.kind = plots, widget, kind
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=_pen("#888888", 1, Qt.DashLine))
        self.label = pg.TextItem(anchor=(0, 0))
        self.label.setZValue(100)
        for item in (self.line, self.label):
            item.setVisible(False)
            widget.addItem(item, ignoreBounds=True)
        self.proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=HOVER_RATE,
                                    slot=self._moved)
        self._watcher = _LeaveWatcher(self.hide, widget)
        widget.installEventFilter(self._watcher)

    def hide(self):
        """Take the read-out away (the mouse left, the runs changed, or a picture is taken)."""
        self.line.setVisible(False)
        self.label.setVisible(False)

    def _moved(self, args):
        view = self.widget.getPlotItem().vb
        inside = view.sceneBoundingRect().contains(args[0])
        self.line.setVisible(inside)
        self.label.setVisible(inside)
        if not inside:
            return
        x = view.mapSceneToView(args[0]).x()
        palette = self.widget.palette()
        background = QColor(palette.color(QPalette.Base))
        background.setAlpha(225)
        self.label.fill = pg.mkBrush(background)
        self.label.border = pg.mkPen(palette.color(QPalette.Mid))
        self.line.setPos(x)
        area = view.sceneBoundingRect()
        pointer = args[0].x()
        # wrapped to the room on the wider side of the pointer, so the box goes beside it
        room = max(pointer - area.left(), area.right() - pointer) - HOVER_GAP
        self._fit_text(x, palette.color(QPalette.Text).name(), min(area.width(), max(room, area.width() / 2)),
                       area.height())
        self._place(view, pointer)

    def _fit_text(self, x: float, colour: str, width: float, height: float) -> None:
        """The zoomed text size if the box fits ``width`` x ``height`` pixels (the axes box); else
        smaller, down to a floor, and then one line per run (a small plot at presentation zoom)."""
        points = HOVER_POINTS * text_scale(self.widget)
        for compact in (False, True):
            while True:
                self._set_text(self.text(x, compact), points, colour, width)
                if self.label.textItem.boundingRect().height() <= height:
                    return
                if points <= HOVER_MIN_POINTS:
                    break
                points = max(HOVER_MIN_POINTS, points * 0.85)

    def _set_text(self, text: str, points: float, colour: str, width: float) -> None:
        """The read-out in ``points``-sized text, wrapped if wider than ``width`` pixels."""
        self.label.setTextWidth(-1)
        self.label.setHtml(f"<div style='color:{colour}; font-size:{points:.1f}pt'>{text}</div>")
        if self.label.textItem.boundingRect().width() > width:
            self.label.setTextWidth(width)

    def _place(self, view: pg.ViewBox, pointer: float) -> None:
        """Put the box beside the pointer at mid-height, right of it or, near the right edge, left
        of it, always inside the axes box (a narrow plot cut it off at its right edge); a box
        taller than the axes box (a tiny plot) starts at its top."""
        area = view.sceneBoundingRect()
        size = self.label.textItem.boundingRect().size()
        left = pointer + HOVER_GAP
        if left + size.width() > area.right():
            left = pointer - HOVER_GAP - size.width()
        left = max(area.left(), min(left, area.right() - size.width()))
        top = max(area.top(), min(area.center().y() - size.height() / 2, area.bottom() - size.height()))
        self.label.setAnchor((0, 0))
        self.label.setPos(view.mapSceneToView(QPointF(left, top)))

    def text(self, x: float, compact: bool = False) -> str:
        """'epoch 3' and, per visible run, its name and its figures ('train 0.123, val. 0.145')
        on the next line; ``compact``: both on one line, the name shortened ('Run 2')."""
        lines = [f"<b>epoch {max(1, round(x))}</b>" if x >= 0.5 else f"<b>epoch {x:.2f}</b>"]
        for run in self.plots.visible_runs():
            part = describe_at(run, x, self.kind)
            if part:
                name, gap = (short_name(run), " ") if compact else (run.name, "<br>&nbsp;&nbsp;")
                lines.append(f"<b style='color:{run.colour}'>{html.escape(name)}</b>{gap}{part}")
        return "<br>".join(lines)


def describe_at(run: RunRecord, x: float, kind: str) -> str:
    """The run's figures at the epoch nearest ``x`` (and the batch loss near ``x`` for loss).

    Nothing past where the run got to: a 10-epoch run says nothing at epoch 50.
    """
    parts = []
    if kind == "loss" and len(run.smooth) and x <= run.smooth.x()[-1] + 0.5:
        i = min(int(np.searchsorted(run.smooth.x(), x)), len(run.smooth) - 1)
        parts.append(f"batch {run.smooth.y()[i]:.3f}")
    if run.epochs and round(x) <= len(run.epochs):
        e = run.epochs[max(round(x), 1) - 1]
        if kind == "loss":
            parts.append(f"train {e.train_loss:.3f}")
            if e.val_loss is not None:
                parts.append(f"val. {e.val_loss:.3f}")
        else:
            parts.append(f"train {100 * e.train_accuracy:.2f}")
            if e.val_accuracy is not None:
                parts.append(f"val. {100 * e.val_accuracy:.2f}")
    if kind == "accuracy" and run.test_accuracy is not None and round(x) <= len(run.epochs):
        parts.append(f"test {100 * run.test_accuracy:.2f}")
    if kind == "accuracy" and parts:
        parts[-1] += " %"
    return " · ".join(parts)
