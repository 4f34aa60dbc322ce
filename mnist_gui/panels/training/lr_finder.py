"""The learning-rate finder's dialog: its progress and Cancel (``widgets.job_dialog``), then the smoothed
loss against the learning rate with the suggestion marked."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from mnist_gui.widgets.job_dialog import JobDialog
from mnist_gui.widgets.number_text import readable, rounded
from mnist_gui.widgets.plot_style import decade_axes, follow_palette

SUGGESTION_COLOUR = "#e11d48"


class LRFinderDialog(JobDialog):
    """Shows an ``engine.lr_finder.LRFinderResult``; ``use_requested(lr)`` puts a rate into the builder."""

    use_requested = Signal(float)
    RUNNING = "Running a short test on a copy of the network…"

    def __init__(self, parent: QWidget | None = None):
        super().__init__("lrFinder", parent)
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
        self.text.setText(self.RUNNING)
        self.use_button = QPushButton(objectName="lrFinderUse")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._use)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.text)
        layout.addLayout(self.button_row(self.use_button))
        self.resize(720, 480)
        follow_palette(self.plot, self.palette())

    def set_running(self, running: bool, text: str = "") -> None:
        super().set_running(running, text)
        if running:
            self.use_button.setEnabled(False)

    def show_progress(self, done: int, total: int, text: str = "") -> None:
        super().show_progress(done, total,
                              f"Trying learning rates on a copy of the network: batch {done} of {total}…")

    def show_result(self, result) -> None:
        self.set_running(False)
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

    def failure_text(self, message: str) -> str:
        return f"The test could not run: {message}"

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
