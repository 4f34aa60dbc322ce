"""Evaluate's "Switch units off" tab: click hidden units to switch them off and see each class's
accuracy change at once, beside the knock-out curve (``engine.ablation``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine.ablation import KnockOut, LayerOutputs, accuracy_by_class, knock_out_curve, layer_outputs, unit_importance
from engine.classes import as_network_sees
from engine.projection import balanced_sample
from mnist_gui.widgets.plot_style import follow_palette
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.worker import TaskRunner

SAMPLE = 1000          # test images, class-balanced, the same for every measurement
QUICK_OFF = 10         # units switched off by the two quick buttons
ON_COLOUR = "#94a3b8"  # all units on
OFF_COLOUR = "#e11d48"  # with the chosen units off
RANDOM_COLOUR = "#2563eb"

INTRO = ("Click hidden units to switch them off (their output becomes 0) and watch each digit's "
         f"accuracy on {SAMPLE:,} test images. A unit's colour is its importance: how much the loss "
         "rises when it alone is off. The curve shows how fast accuracy falls as units go, the most "
         "important first or at random.")


@dataclass(frozen=True, eq=False)
class AblationResult:
    """What the job measured for one layer: the kept outputs, each unit's importance, the curve."""

    kept: LayerOutputs
    importance: np.ndarray
    curve: KnockOut


def ablation_job(network, images, labels, layer: int):
    """A job for TaskRunner: the layer's outputs on a class-balanced sample, importance, knock-out."""
    def job(worker) -> AblationResult:
        chosen = balanced_sample(labels, SAMPLE, np.random.default_rng(0))
        kept = layer_outputs(network, images[chosen], labels[chosen], layer)
        worker.check()
        importance = unit_importance(network, kept)
        worker.check()
        return AblationResult(kept, importance, knock_out_curve(network, kept, importance,
                                                                np.random.default_rng(1)))
    return job


class UnitGrid(QWidget):
    """Hidden units as squares, coloured by importance; a click switches one off or on again."""

    toggled = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ablationUnits")
        self.importance = np.zeros(0)
        self.off: set[int] = set()
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_units(self, importance: np.ndarray, off: set[int]) -> None:
        self.importance, self.off = np.asarray(importance, dtype=float), set(off)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def _layout(self) -> tuple[int, float]:
        """(columns, cell size in pixels) that fit every unit into the widget."""
        n = max(len(self.importance), 1)
        columns = max(1, int(np.ceil(np.sqrt(n * self.width() / max(self.height(), 1)))))
        rows = int(np.ceil(n / columns))
        return columns, max(4.0, min(self.width() / columns, self.height() / rows))

    def unit_at(self, x: float, y: float) -> int | None:
        columns, cell = self._layout()
        j = int(y // cell) * columns + int(x // cell)
        return j if 0 <= x < columns * cell and 0 <= j < len(self.importance) else None

    def cell_rect(self, j: int) -> QRectF:
        columns, cell = self._layout()
        return QRectF((j % columns) * cell, (j // columns) * cell, cell, cell)

    def paintEvent(self, event):
        painter = QPainter(self)
        top = float(self.importance.max()) if self.importance.size and self.importance.max() > 0 else 1.0
        background = self.palette().color(QPalette.Base)
        for j, value in enumerate(self.importance):
            rect = self.cell_rect(j).adjusted(1, 1, -1, -1)
            share = float(np.sqrt(np.clip(value / top, 0, 1)))  # a few units dominate: spread the rest
            colour = QColor.fromHsvF(0.61, 0.08 + 0.85 * share, 0.98 - 0.5 * share)  # darker: more important
            painter.fillRect(rect, background if j in self.off else colour)
            if j in self.off:
                painter.setPen(QPen(QColor(OFF_COLOUR), 2))
                painter.drawLine(rect.topLeft(), rect.bottomRight())
                painter.drawLine(rect.topRight(), rect.bottomLeft())
        painter.end()

    def mousePressEvent(self, event):
        j = self.unit_at(event.position().x(), event.position().y())
        if j is not None and event.button() == Qt.LeftButton:
            self.toggled.emit(j)

    def mouseMoveEvent(self, event):
        j = self.unit_at(event.position().x(), event.position().y())
        if j is None:
            self.setToolTip("")
        else:
            state = "off" if j in self.off else "on"
            self.setToolTip(f"unit {j + 1} ({state}): the loss rises by {self.importance[j]:.4f} "
                            "when it alone is off")


class AblationView(QWidget):
    """The tab: layer choice, the unit grid, per-class bars and the knock-out curve."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ablationView")
        self.runner = TaskRunner(self, "ablation")
        self.runner.succeeded.connect(self._on_measured)
        self.runner.failed.connect(self._on_failed)
        self._network = self._dataset = None
        self._stale = True
        self.result: AblationResult | None = None
        self.off: set[int] = set()
        self.intro = WrappedLabel(INTRO, objectName="ablationIntro")
        self.layer = QComboBox(objectName="ablationLayer")
        self.layer.setToolTip("The hidden layer whose units you switch off")
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.all_on = QPushButton("All on", objectName="ablationAllOn")
        self.all_on.setToolTip("Switch every unit of the layer back on")
        self.all_on.clicked.connect(self.switch_all_on)
        self.top_off = QPushButton(f"Off: the {QUICK_OFF} most important", objectName="ablationTop")
        self.top_off.setToolTip(f"Switch off the {QUICK_OFF} units whose loss is highest alone")
        self.top_off.clicked.connect(self._switch_off_most_important)
        self.random_off = QPushButton(f"Off: {QUICK_OFF} at random", objectName="ablationRandom")
        self.random_off.setToolTip(f"Switch off {QUICK_OFF} units chosen at random")
        self.random_off.clicked.connect(self._switch_off_at_random)
        self._rng = np.random.default_rng(2)
        self.grid = UnitGrid(self)
        self.grid.toggled.connect(self.toggle)
        self.figures = QLabel(objectName="ablationFigures")
        self.bars = pg.PlotWidget(objectName="ablationBars")
        self.bars.getPlotItem().setLabel("left", "accuracy (%)")
        self.bars.getPlotItem().setYRange(0, 104, padding=0)
        self.bars.getPlotItem().setMouseEnabled(x=False, y=False)
        self.on_bars = pg.BarGraphItem(x=[], height=[], width=0.38, brush=ON_COLOUR, name="all on")
        self.off_bars = pg.BarGraphItem(x=[], height=[], width=0.38, brush=OFF_COLOUR, name="units off")
        self.bars.addItem(self.on_bars)
        self.bars.addItem(self.off_bars)
        self.curve_plot = pg.PlotWidget(objectName="ablationCurve")
        item = self.curve_plot.getPlotItem()
        item.setLabel("bottom", "units switched off")
        item.setLabel("left", "accuracy (%)")
        item.showGrid(x=True, y=True, alpha=0.3)
        item.addLegend(offset=(10, -10))  # bottom left: the curves start high and fall to the right
        self.by_importance = self.curve_plot.plot(pen=pg.mkPen(OFF_COLOUR, width=3), symbol="o",
                                                  symbolBrush=OFF_COLOUR, name="most important first")
        self.at_random = self.curve_plot.plot(pen=pg.mkPen(RANDOM_COLOUR, width=3), symbol="t",
                                              symbolBrush=RANDOM_COLOUR, name="at random")
        self.now = pg.InfiniteLine(angle=90, pen=pg.mkPen("#64748b", width=1, style=Qt.DashLine))
        self.curve_plot.addItem(self.now, ignoreBounds=True)
        self.message = WrappedLabel(objectName="ablationMessage")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer)
        controls.addWidget(self.all_on)
        controls.addWidget(self.top_off)
        controls.addWidget(self.random_off)
        controls.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.figures)
        right.addWidget(self.bars, 1)
        right.addWidget(self.curve_plot, 1)
        self.grid_caption = WrappedLabel("Darker: more important. Crossed: off.",
                                         objectName="ablationGridCaption")
        left = QVBoxLayout()
        left.addWidget(self.grid, 1)
        left.addWidget(self.grid_caption)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)
        for plot in (self.bars, self.curve_plot):
            follow_palette(plot, self.palette())
        self._show_message("No network yet.")

    # --- in ---------------------------------------------------------------------------------

    def set_network(self, network, dataset) -> None:
        """Measure ``network`` on ``dataset``'s test images when this tab is next on screen."""
        if network is not None and dataset is not None:
            dataset = as_network_sees(dataset, network.spec)  # a 3-vs-7 network: those images
        self._network, self._dataset = network, dataset
        self.result, self.off = None, set()
        self.layer.blockSignals(True)
        self.layer.clear()
        hidden = network.spec.hidden if network is not None else ()
        for i, h in enumerate(hidden):
            self.layer.addItem(f"hidden {i + 1} ({h.units} {h.activation})", i)
        self.layer.blockSignals(False)
        if network is None or dataset is None or not len(dataset.test_labels):
            self._show_message("No network yet." if network is None else "No test images to measure on.")
            return
        if not hidden:
            self._show_message("This network has no hidden layer (softmax regression): there are "
                               "no hidden units to switch off.")
            return
        self._stale = True
        if self.isVisible():
            self._measure()

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale and self._network is not None and self.layer.count():
            self._measure()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)

    def _on_layer_changed(self, _index: int) -> None:
        self.result, self.off = None, set()
        self._stale = True
        if self.isVisible():
            self._measure()

    def _measure(self) -> None:
        self._stale = False
        layer = self.layer.currentData()
        d = self._dataset
        self._show_message("Measuring each unit's importance…")
        self.runner.start(ablation_job(self._network, d.test_images, d.test_labels, int(layer)))

    def _on_measured(self, result: AblationResult) -> None:
        self.result = result
        self.message.setText("")
        c = result.curve
        self.by_importance.setData(c.removed, 100 * c.by_importance)
        self.at_random.setData(c.removed, 100 * c.at_random)
        self._base = accuracy_by_class(self._network, result.kept)
        names = self._names()
        ticks = [[(k, name) for k, name in enumerate(names)]]
        self.bars.getPlotItem().getAxis("bottom").setTicks(ticks)
        self.on_bars.setOpts(x=np.arange(len(names)) - 0.2, height=100 * np.nan_to_num(self._base[1]))
        self.set_off(set())

    def _on_failed(self, error) -> None:
        self._show_message(f"Could not measure the units: {error}")

    def _names(self) -> list[str]:
        names = list(self._dataset.class_names)
        n = self._network.spec.classes
        return names if len(names) == n else [str(k) for k in range(n)]

    # --- switching units --------------------------------------------------------------------

    def switch_all_on(self) -> None:
        self.set_off(set())

    def toggle(self, unit: int) -> None:
        self.set_off(self.off ^ {unit})

    def set_off(self, off: set[int]) -> None:
        """Switch exactly the units ``off`` off and show what the network then gets right."""
        if self.result is None:
            return
        self.off = set(off)
        accuracy, per_class = accuracy_by_class(self._network, self.result.kept, sorted(self.off))
        self.grid.set_units(self.result.importance, self.off)
        self.off_bars.setOpts(x=np.arange(len(per_class)) + 0.2, height=100 * np.nan_to_num(per_class))
        self.now.setValue(len(self.off))
        units = len(self.result.importance)
        self.figures.setText(f"{len(self.off)} of {units} units off: accuracy {self._base[0]:.1%} "
                             f"→ <b>{accuracy:.1%}</b>. Bars: <span style='color:{ON_COLOUR}'>■</span> "
                             f"all units on, <span style='color:{OFF_COLOUR}'>■</span> with the units off")

    def _switch_off_most_important(self) -> None:
        if self.result is not None:
            self.set_off(set(np.argsort(-self.result.importance, kind="stable")[:QUICK_OFF].tolist()))

    def _switch_off_at_random(self) -> None:
        if self.result is not None:
            units = len(self.result.importance)
            self.set_off(set(self._rng.permutation(units)[:min(QUICK_OFF, units)].tolist()))

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.figures.setText("")
