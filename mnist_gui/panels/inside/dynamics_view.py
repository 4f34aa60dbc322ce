"""Training dynamics, live: per-layer gradient norms, update ratios, dead or saturated units, histograms over time.

The numbers are measured on the training worker (``DynamicsReport``) and kept per run in the runs
model (``RunRecord.dynamics``, an engine ``StatisticsHistory``); this view plots them, a few times
a second at most, and only while it is on screen. Each curve is made once, when the view is
first shown, and then only fed with ``setData`` (a curve made on a training tick held the GUI
thread 60 to 100 ms on a busy machine); ranges are set only when they change. A replayed moment
of the run shown (the Replay slider under the runs list) is marked on the epoch plots.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.inspection import spec_layer_names
from mnist_gui.panels.inside.parts import LazyView, layer_colour
from mnist_gui.state.runs import RunRecord
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.moment_marker import MomentMarker
from mnist_gui.widgets.plot_style import decade_axes
from mnist_gui.widgets.wrapped_label import WrappedLabel

STAGGER_MS = 400  # live redraws: one part per tick, a full round of the five in two seconds
LIVE_PARTS = ("status", "gradient", "ratio", "units", "histogram")
CURVE_PLOTS = ("gradient", "ratio", "units")
POOL = 6  # curves made per plot when first shown: enough for the five-sigmoid lesson's six layers
MIN_ROWS = 8  # the histogram's time axis spans a power of two of rows, at least this many
LESSON = ("<b>Vanishing gradients</b>: on the Network and training panel choose the preset "
          "<i>Vanishing gradients: five sigmoid layers</i> and train it, then "
          "<i>The same depth with ReLU and He initialisation</i>. With sigmoids the gradient norm "
          "shrinks layer by layer towards the input (hidden 1 lowest); with ReLU and He it does not. "
          "Pick either run above to compare.")
HISTOGRAMS = (("weights", "weight values"), ("activations", "activations on 256 test images"))


def _plot(name: str, title: str, y_label: str, log_y: bool) -> pg.PlotWidget:
    plot = pg.PlotWidget(axisItems=decade_axes("left"))
    plot.setObjectName(name)
    item = plot.getPlotItem()
    item.setTitle(title)
    item.setLabel("bottom", "epochs")
    item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setLogMode(y=log_y)
    item.getAxis("left").enableAutoSIPrefix(False)
    item.getAxis("bottom").enableAutoSIPrefix(False)  # not "epochs (x0.001)" under a first epoch
    item.addLegend(offset=(-5, 5), labelTextSize="8pt")
    plot.setMinimumHeight(160)
    cache_axes(plot)
    return plot


def cache_axes(plot: pg.PlotWidget) -> None:
    """Paint each axis (its ticks, labels and grid lines) from a pixmap until it changes.

    A live update changes a curve, not the axes (``_frame`` keeps their ranges), yet every repaint
    replayed all four axes' pictures, 80 % of a repaint: 32 ms for the four plots, 7 ms cached
    (offscreen, this machine). The axis invalidates its pixmap itself when its range, ticks, font
    or pen change.
    """
    for name in ("left", "bottom", "right", "top"):
        plot.getPlotItem().getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)


class DynamicsView(LazyView):
    """``DynamicsView(runs, hub=None)``: follows the run in progress (or the one chosen) and plots
    its dynamics; given the model hub, a replayed moment of the run shown is marked.

    ``preset_requested(name)`` asks the main window to set the training panel's builder to an
    engine preset (the vanishing-gradient comparison).
    """

    preset_requested = Signal(str)

    def __init__(self, runs, hub=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dynamicsView")
        self.runs, self.hub = runs, hub
        self._run: RunRecord | None = None
        self._pool: dict[str, list[pg.PlotDataItem]] = {key: [] for key in CURVE_PLOTS}  # made once
        self._curves: dict[str, list[pg.PlotDataItem]] = {}  # those of the pool in use, one per layer
        self._names: list[str] = []  # the layers the curves are for
        self._ranges: dict[str, tuple] = {}  # per plot: the range asked for and the view range it gave
        # While a run trains, the plots are redrawn one per tick: repainting all four at once would
        # hold the GUI thread (and the GIL the training needs) for one long stretch.
        self._queue: list[str] = []
        self._more = False  # measurements arrived during the current round of redraws
        self._timer = QTimer(self, interval=STAGGER_MS)
        self._timer.timeout.connect(self._draw_next)
        self._build()
        runs.run_added.connect(self._on_run_added)
        runs.runs_added.connect(self._on_runs_added)
        runs.run_removed.connect(self._on_run_removed)
        runs.runs_removed.connect(self._on_runs_removed)
        runs.run_changed.connect(self._on_run_changed)
        runs.dynamics_added.connect(self._on_dynamics_added)
        if hub is not None:
            hub.network_changed.connect(self._on_network_changed)
        self._on_runs_added(runs.runs())

    def _build(self):
        self.run_chooser = QComboBox(objectName="dynamicsRun")
        self.run_chooser.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.run_chooser.setMinimumContentsLength(16)
        self.run_chooser.setToolTip("Whose dynamics to show: a new run is followed as it starts")
        self.run_chooser.currentIndexChanged.connect(self._on_run_chosen)
        self.status = WrappedLabel(objectName="dynamicsStatus")
        buttons = []
        for name, text, tip in (("five-sigmoid", "Set up: 5 sigmoid layers",
                                 "Fill the network builder with the five-sigmoid-layer preset"),
                                ("five-relu", "Set up: 5 ReLU layers",
                                 "Fill the network builder with the same depth in ReLU and He initialisation")):
            button = QPushButton(text, objectName=f"preset_{name}")
            button.setToolTip(tip + "; then press Start there")
            button.clicked.connect(partial(self._on_preset_clicked, name))
            buttons.append(button)
        top = QHBoxLayout()
        top.addWidget(QLabel("Run:"))
        top.addWidget(self.run_chooser)
        top.addStretch(1)
        for button in buttons:
            top.addWidget(button)
        # titles short enough for a plot a quarter of a 1280x720 screen zoomed 1.6 (a longer one
        # widened its plot past its cell, cutting the plot and its legend off); the whole in tooltips
        self.gradient_plot = _plot("gradientNormPlot", "Gradient norm ||dL/dW||", "norm", True)
        self.gradient_plot.setToolTip("The gradient norm per layer ||dL/dW||: how hard the loss pulls "
                                      "on the layer's weights")
        self.ratio_plot = _plot("updateRatioPlot", "Update ratio ||ΔW|| / ||W||", "ratio", True)
        self.ratio_plot.setToolTip("The update-to-weight ratio ||ΔW|| / ||W|| per step: how much a "
                                   "step changes the layer's weights (a rule of thumb: about 0.001)")
        self.units_plot = _plot("deadUnitsPlot", "Dead or saturated units", "share", False)
        self.units_plot.setYRange(0, 1)
        self.units_plot.setToolTip("Dead ReLU units / saturated sigmoid-tanh values: the share of a ReLU "
                                   "layer's units never active on 256 test images (a "
                                   "convolution's units are its filters: a map that stays 0 everywhere), or "
                                   "of a sigmoid or tanh layer's values in its flat zone")
        self._plots = {"gradient": self.gradient_plot, "ratio": self.ratio_plot, "units": self.units_plot}
        self.moment = MomentMarker(*(plot.getPlotItem() for plot in self._plots.values()))
        self._colour_moment()
        grid = QGridLayout()
        grid.addWidget(self.gradient_plot, 0, 0)
        grid.addWidget(self.ratio_plot, 0, 1)
        grid.addWidget(self.units_plot, 1, 0)
        grid.addLayout(self._build_histograms(), 1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)  # a line of its own: beside the buttons, zoomed, it took five
        layout.addLayout(grid, 1)
        lesson = note(LESSON)
        lesson.setObjectName("dynamicsLesson")
        layout.addWidget(lesson)

    def _on_preset_clicked(self, name: str, _checked: bool = False):
        self.preset_requested.emit(name)

    def _build_histograms(self) -> QVBoxLayout:
        self.layer_chooser = QComboBox(objectName="histogramLayer")
        self.layer_chooser.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.layer_chooser.setToolTip("The layer whose distribution is shown")
        self.kind_chooser = QComboBox(objectName="histogramKind")
        for key, text in HISTOGRAMS:
            self.kind_chooser.addItem(text, key)
        self.kind_chooser.setToolTip("Weights of the layer, or its activations on the fixed sample")
        for combo in (self.layer_chooser, self.kind_chooser):
            combo.currentIndexChanged.connect(self._draw_histogram)
        self.histogram_view = pg.PlotWidget()
        self.histogram_view.setObjectName("histogramView")
        self.histogram_view.setToolTip("One row per measurement, time going up (as TensorBoard's "
                                       "histograms): brighter where more values fall")
        item = self.histogram_view.getPlotItem()
        item.setTitle("Distribution over time")
        item.setLabel("left", "time ↑")  # "measurement (time ↑)" was cut zoomed
        item.getAxis("bottom").enableAutoSIPrefix(False)
        self.histogram_image = pg.ImageItem()
        self.histogram_image.setColorMap(pg.colormap.get("inferno"))
        self.histogram_view.addItem(self.histogram_image)
        self.histogram_view.setMinimumHeight(160)
        cache_axes(self.histogram_view)
        row = QHBoxLayout()
        row.addWidget(self.layer_chooser)
        row.addWidget(self.kind_chooser)
        row.addStretch(1)
        column = QVBoxLayout()
        column.addLayout(row)
        column.addWidget(self.histogram_view, 1)
        return column

    # --- runs -------------------------------------------------------------------------------

    def _on_run_added(self, run: RunRecord):
        self._on_runs_added([run])

    def _on_runs_added(self, runs: list[RunRecord]):
        """One entry per run, the last followed (chosen once, however many came)."""
        if not runs:
            return
        self.run_chooser.blockSignals(True)
        for run in runs:
            self.run_chooser.addItem(run.name, run.number)
        self.run_chooser.blockSignals(False)
        self.run_chooser.setCurrentIndex(self.run_chooser.count() - 1)  # follow the new run
        self._on_run_chosen()

    def _on_run_removed(self, run: RunRecord):
        self._on_runs_removed([run])

    def _on_runs_removed(self, runs: list[RunRecord]):
        self.run_chooser.blockSignals(True)
        for run in runs:
            i = self.run_chooser.findData(run.number)
            if i >= 0:
                self.run_chooser.removeItem(i)
        self.run_chooser.blockSignals(False)
        self._on_run_chosen()

    def _on_run_changed(self, run: RunRecord):
        self._on_dynamics_added(run)  # its status line changes (running, completed, ...)
        i = self.run_chooser.findData(run.number)
        if i >= 0 and self.run_chooser.itemText(i) != run.name:
            self.run_chooser.setItemText(i, run.name)

    def _on_run_chosen(self):
        number = self.run_chooser.currentData()
        self._run = next((r for r in self.runs if r.number == number), None)
        self._place_moment()
        self.mark_stale()

    def _on_dynamics_added(self, run: RunRecord):
        if run is not self._run:
            return
        if not self.isVisible():
            self._stale = True
        elif self._timer.isActive():
            self._more = True
        else:
            self._queue = list(LIVE_PARTS)
            self._timer.start()

    def _draw_next(self):
        if not self._queue and self._more:
            self._queue, self._more = list(LIVE_PARTS), False
        if not self._queue:
            self._timer.stop()
            return
        part = self._queue.pop(0)
        if part.startswith("name "):
            self._name_curves(part.removeprefix("name "))
        else:
            self._draw([part])

    def _name_soon(self):
        """A new run, not measured yet: its layers are named and its epochs framed before its first
        measurement, one plot a tick, so that measurement only feeds the curves."""
        self._queue = [f"name {key}" for key in CURVE_PLOTS]
        self._timer.start()

    def _name_curves(self, key: str):
        run = self._run
        if run is None or len(run.dynamics):  # measured already: drawn in full by the live parts
            return
        self._ensure_curves(titles(run, spec_layer_names(run.spec)))
        self._curves_of(key)
        self._frame(key, run, np.zeros(0), np.zeros((0, 1)))

    def shown_run(self) -> RunRecord | None:
        return self._run

    # --- drawing ----------------------------------------------------------------------------

    def _ensure_curves(self, names: list[str]):
        """The layers the curves are for; a network of other layers takes the curves anew from the
        pools (each plot's legend is renamed when it is next drawn: one plot per tick)."""
        if names == self._names:
            return
        for curve in (c for pool in self._pool.values() for c in pool):
            curve.setVisible(False)
        self._curves, self._names = {}, list(names)
        self.layer_chooser.blockSignals(True)
        self.layer_chooser.clear()
        self.layer_chooser.addItems(names)
        self.layer_chooser.blockSignals(False)

    def _fill_pools(self, n: int):
        """At least ``n`` curves in each plot, hidden and out of the legend until a layer takes one."""
        for key, plot in self._plots.items():
            pool = self._pool[key]
            while len(pool) < n:
                curve = plot.plot([], [], pen=pg.mkPen(layer_colour(len(pool)), width=2))
                curve.setVisible(False)
                pool.append(curve)

    def _curves_of(self, key: str) -> list[pg.PlotDataItem]:
        """The curves of plot ``key``, one per layer (the logits have no dead units), taken from its
        pool (grown if a network has more layers) and named in its legend if need be."""
        curves = self._curves.get(key)
        if curves is None:
            shown = self._names[:-1] if key == "units" else self._names
            self._fill_pools(len(shown))
            curves = self._curves[key] = self._pool[key][:len(shown)]
            _name_in_legend(self._plots[key].getPlotItem().legend, curves, shown)
            for curve in curves:
                curve.setVisible(True)
        return curves

    def curves(self, key: str = "gradient") -> list[pg.PlotDataItem]:
        """The curves of a plot ("gradient", "ratio", "units"), one per layer, input side first."""
        return list(self._curves.get(key, ()))

    def refresh(self):
        self._timer.stop()
        self._queue, self._more = [], False
        self._fill_pools(POOL)  # once, when first shown: a run's first measurement only names them
        self._draw(LIVE_PARTS)

    def _draw(self, parts):
        run = self._run
        if run is None or len(run.dynamics) == 0:
            for curve in (c for curves in self._curves.values() for c in curves):
                curve.setData([], [])
            self.histogram_image.clear()
            self.status.setText("No measurements yet: start a run on the Network and training "
                                "panel; its dynamics appear here as it trains."
                                if run is None else f"{run.name}: waiting for the first measurement…")
            if run is not None and run.status.active and not self._timer.isActive():
                self._name_soon()
            return
        history = run.dynamics
        self._ensure_curves(layer_titles(run, history.latest.layers))
        for part in parts:
            if part == "status":
                self.status.setText(status_text(run))
            elif part == "histogram":
                self._draw_histogram()
            else:
                self._draw_curves(part, run)

    def _draw_curves(self, key: str, run: RunRecord):
        history, x = run.dynamics, np.asarray(run.dynamics_x)
        if key == "gradient":
            values = history.gradient_norms
        elif key == "ratio":
            values = history.update_ratios
        else:  # a ReLU layer has a dead share, a sigmoid or tanh layer a saturated one
            values = np.where(np.isnan(history.dead_fractions), history.saturated_fractions,
                              history.dead_fractions)
        for i, curve in enumerate(self._curves_of(key)):
            y = values[:, i]
            keep = np.isfinite(y) & ((y > 0) if key != "units" else True)  # a log axis shows no 0
            curve.setData(x[keep], y[keep])
        self._frame(key, run, x, values)

    def _frame(self, key: str, run: RunRecord, x: np.ndarray, values: np.ndarray):
        """Ranges that change seldom, since redrawing an axis is most of the cost of a live update:
        the epoch axis spans a training run's planned epochs (a finished run's, what it trained),
        and a log axis whole decades, at least two (fewer would crowd it with overlapping labels)."""
        end = float(run.config.epochs) if run.status.active else float(x[-1]) if len(x) else 1.0
        x_range = (0.0, max(end, 1e-3))
        y_range = decades(values) if key != "units" else (0.0, 1.0)
        # the end decades' labels inside the axis
        self._set_range(key, self._plots[key], x_range, y_range, (0.02, 0.06 if key != "units" else None))

    def _set_range(self, key: str, plot: pg.PlotWidget, x_range, y_range, padding):
        """Set the ranges unless they are those set last and the view still shows them (a range set
        again, unchanged, still costs the view's and axes' updates)."""
        box = plot.getPlotItem().getViewBox()
        asked = (x_range, y_range, padding)
        last = self._ranges.get(key)
        if last is not None and last[0] == asked and last[1] == box.viewRange():
            return
        box.setRange(xRange=x_range, padding=padding[0], update=False)
        box.setRange(yRange=y_range, padding=padding[1])
        self._ranges[key] = (asked, box.viewRange())


    def _draw_histogram(self):
        run, layer = self._run, self.layer_chooser.currentIndex()
        if run is None or len(run.dynamics) == 0 or layer < 0:
            return
        history = run.dynamics
        weights = self.kind_chooser.currentData() == "weights"
        rows = history.weight_rows(layer) if weights else history.activation_rows(layer)
        bins = history.latest.bins
        edges = (bins.weight_edges if weights else bins.activation_edges)[layer]
        self.histogram_image.setImage(np.log1p(rows.T.astype(np.float32)), autoLevels=True)
        self.histogram_image.setRect(QRectF(float(edges[0]), 0.0, float(edges[-1] - edges[0]), float(len(rows))))
        # the time axis grows by doubling, not by a row a measurement: each change redraws the axes
        self._set_range("histogram", self.histogram_view, (float(edges[0]), float(edges[-1])),
                        (0.0, float(time_span(len(rows)))), (0.02, 0.02))
        item = self.histogram_view.getPlotItem()
        if item.getAxis("bottom").labelText != self.kind_chooser.currentText():
            item.setLabel("bottom", self.kind_chooser.currentText())

    # --- the replayed moment ----------------------------------------------------------------

    def _on_network_changed(self, _network):
        self._place_moment()

    def _place_moment(self):
        """The marker at the replayed snapshot's epoch when the run shown is the one replayed."""
        hub = self.hub
        snapshot = None if hub is None or hub.run is None or hub.run is not self._run else hub.snapshot
        if snapshot is None:
            self.moment.hide()
        else:
            self.moment.show(float(snapshot.epoch), f"step {snapshot.step:,}")

    def _colour_moment(self):
        self.moment.set_colour(self.palette().text().color(), self.palette().base().color())

    def changeEvent(self, event):
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange):
            self._colour_moment()
        super().changeEvent(event)

    def hideEvent(self, event):
        if self._timer.isActive():  # a redraw was pending: it is done when shown again
            self._timer.stop()
            self._stale = True
        super().hideEvent(event)

    def stop_timers(self):
        self._timer.stop()


def _name_in_legend(legend: pg.LegendItem, curves: list[pg.PlotDataItem], names: list[str]) -> None:
    """The legend lists ``curves`` as ``names``, in order: its labels renamed if it lists these
    curves already (the same number of layers), else its rows made again."""
    if [sample.item for sample, _ in legend.items] != curves:
        legend.clear()
        for curve, name in zip(curves, names):
            legend.addItem(curve, name)
        return
    for curve, name in zip(curves, names):
        label = legend.getLabel(curve)
        if label.text != name:
            label.setText(name)


def time_span(rows: int) -> int:
    """The rows the histogram's time axis spans: a power of two, at least MIN_ROWS, holding ``rows``."""
    return max(MIN_ROWS, 1 << max(rows - 1, 0).bit_length())


def layer_titles(run: RunRecord, layers) -> list[str]:
    """The layers' names, input side first; a network of some classes names them at its output
    ("output: 3, 7": unit 0 is a 3, unit 1 a 7)."""
    return titles(run, [layer.name for layer in layers])


def titles(run: RunRecord, names: list[str]) -> list[str]:
    """``names`` of ``run``'s layers as ``layer_titles`` gives them."""
    names = list(names)
    labels = run.spec.class_labels
    if labels and names:
        names[-1] = f"{names[-1]}: {', '.join(map(str, labels))}"
    return names


def status_text(run: RunRecord) -> str:
    """The run, its state and its latest gradient norms; inf and NaN named (a diverging run)."""
    history = run.dynamics
    text = (f"{run.name} · {run.status} · {len(history)} measurements · latest gradient norms "
            + ", ".join(number(v) for v in history.gradient_norms[-1]))
    overflowed = history.latest.overflowed
    if overflowed:
        text += (" · <b>overflowed</b>: inf or NaN in " + ", ".join(overflowed) + " (the plots leave "
                 "them out; the learning rate is too large)")
    return text


def number(value: float) -> str:
    """Two significant digits, or what a non-finite value is: "inf", "-inf", "NaN"."""
    if math.isnan(value):
        return "NaN"
    return f"{value:.2g}" if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def decades(values: np.ndarray, at_least: int = 2) -> tuple[float, float]:
    """(low, high) exponents of ten around the positive finite ``values``, ``at_least`` decades apart."""
    shown = values[np.isfinite(values) & (values > 0)]
    if shown.size == 0:
        return -at_least / 2, at_least / 2
    low, high = math.floor(math.log10(shown.min())), math.ceil(math.log10(shown.max()))
    missing = at_least - (high - low)
    if missing > 0:
        low -= math.ceil(missing / 2)
        high += missing // 2
    return float(low), float(high)
