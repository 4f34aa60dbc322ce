"""The learning-rate finder's result: the smoothed loss against the learning rate, the suggestion marked."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from mnist_gui.widgets.number_text import readable, rounded
from mnist_gui.widgets.plot_style import decade_axes, follow_palette
from mnist_gui.widgets.wrapped_label import WrappedLabel

SUGGESTION_COLOUR = "#e11d48"


class LRFinderDialog(QDialog):
    """Shows an ``engine.lr_finder.LRFinderResult``; ``use_requested(lr)`` puts a rate into the builder."""

    use_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lrFinderDialog")
        self.setWindowTitle("Find a learning rate")
        self._suggestion: float | None = None
        self.plot = pg.PlotWidget(axisItems=decade_axes("bottom"))
        self.plot.setObjectName("lrFinderPlot")
        item = self.plot.getPlotItem()
        item.setLogMode(x=True, y=False)
        item.setLabel("bottom", "learning rate (log scale)")
        item.setLabel("left", "loss (smoothed)")
        item.showGrid(x=True, y=True, alpha=0.3)
        self.raw = self.plot.plot(pen=pg.mkPen("#94a3b8", width=1))
        self.curve = self.plot.plot(pen=pg.mkPen("#3b82f6", width=3))
        self.marker = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen(SUGGESTION_COLOUR, width=2, style=Qt.DashLine))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker, ignoreBounds=True)
        self.text = WrappedLabel(objectName="lrFinderText")
        self.text.setText("Running a short test on a copy of the network…")
        self.use_button = QPushButton(objectName="lrFinderUse")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._use)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.resize(720, 480)
        follow_palette(self.plot, self.palette())

    def show_progress(self, done: int, total: int):
        self.text.setText(f"Trying learning rates on a copy of the network: batch {done} of {total}…")

    def show_result(self, result) -> None:
        lrs = np.asarray(result.lrs, dtype=float)
        self.raw.setData(lrs, np.asarray(result.losses, dtype=float))
        self.curve.setData(lrs, np.asarray(result.smoothed, dtype=float))
        self._frame(result)
        rate = _finite_rate(result.suggestion)  # said as a class reads it (0.00004), and used as said
        self._suggestion = None if rate is None else rounded(rate, 2)
        end = " (it stopped early: the loss blew up)" if result.stopped_early and len(lrs) else ""
        if self._suggestion is None:  # never "Use learning rate nan": the builder would refuse to start
            self.marker.setVisible(False)
            self.use_button.setText("No suggestion")
            self.use_button.setEnabled(False)
            self.text.setText(f"<b>No learning rate to suggest.</b> {result.reason} "
                              "The network itself was not changed.")
            return
        self.marker.setValue(np.log10(self._suggestion))
        self.marker.setVisible(True)
        self.use_button.setText(f"Use learning rate {readable(self._suggestion, 2)}")
        self.use_button.setEnabled(True)
        self.text.setText(
            f"The loss falls while the rate is useful, then rises as steps overshoot{end}. "
            f"Suggested: <b>{readable(self._suggestion, 2)}</b>. {result.reason} "
            "The network itself was not changed.")

    def _frame(self, result) -> None:
        """From the lowest point of either curve to 4x the best smoothed loss."""
        smoothed = np.asarray(result.smoothed, dtype=float)
        smoothed = smoothed[np.isfinite(smoothed)]
        raw = np.asarray(result.losses, dtype=float)
        raw = raw[np.isfinite(raw)]
        if smoothed.size:
            low = min(float(smoothed.min()), float(raw.min()) if raw.size else np.inf)
            self.plot.setYRange(low * 0.9, min(float(smoothed.max()), 4 * float(smoothed.min())) * 1.05)

    def show_failure(self, message: str) -> None:
        self.text.setText(f"The test could not run: {message}")

    def suggestion(self) -> float | None:
        return self._suggestion

    def _use(self):
        if _finite_rate(self._suggestion) is not None:
            self.use_requested.emit(self._suggestion)
            self.close()


def _finite_rate(value) -> float | None:
    """``value`` as a learning rate the builder takes (finite and positive), else None."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) and value > 0 else None
