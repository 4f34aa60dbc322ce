"""Accuracy against shift, beside an experiment's results: its networks tested on moved test digits.

The lesson "MLP vs CNN on shifted digits": after the experiment's runs end, each run's network is
tested on test digits moved by 0 to n pixels (``engine.translation``, in a job on the one worker
pattern) and its accuracy is drawn against the shift, one curve per run in the run's colour.
"""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.translation import shift_samples
from mnist_gui.panels.training.curves import pen
from mnist_gui.panels.training.plots import LABEL_STYLE, legend_names
from mnist_gui.state.runs import RunRecord
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.plot_style import follow_palette
from mnist_gui.workers.shift_test import ShiftResult, shift_test_job
from mnist_gui.workers.worker import TaskRunner


class ShiftPlot(QWidget):
    """Test accuracy (%) against the shift in pixels, one curve per run, the legend naming them.

    ``test(runs, max_shift, dataset)`` starts the job on copies of the runs' networks; curves come
    in as each network is tested. ``shutdown(timeout_ms)`` stops the job and waits for it.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shiftTest")
        self.runner = TaskRunner(self, "shift-test")
        self.runner.partial.connect(self._on_partial)
        self.runner.succeeded.connect(self._on_tested)
        self.runner.failed.connect(self._on_failed)
        self.plot = pg.PlotWidget(objectName="shiftPlot")
        item = self.plot.getPlotItem()
        item.setTitle("Test digits moved", size="13pt")
        item.setLabel("bottom", "shift (pixels)", **LABEL_STYLE)
        item.setLabel("left", "test accuracy (%)", **LABEL_STYLE)
        item.showGrid(x=True, y=True, alpha=0.25)
        font = QFont()
        font.setPointSize(11)
        for side in ("left", "bottom"):
            item.getAxis(side).setTickFont(font)
        item.setMouseEnabled(False, False)
        self.legend = item.addLegend(offset=(-10, -10), labelTextSize="10pt")
        self.plot.setToolTip("Each network's test accuracy on the same test digits moved right, left, "
                             "down and up by 0 to n pixels (the four averaged). A dense layer gives "
                             "every pixel its own weights, so a moved digit meets other weights; a "
                             "convolution slides its filters with the digit.")
        self.plot.setMinimumSize(260, 200)
        self.status = note("")
        self.status.setObjectName("shiftStatus")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        self._runs: dict[int, RunRecord] = {}
        self._names: dict[int, str] = {}
        self._items: dict[int, pg.PlotDataItem] = {}
        self._max_shift, self._counts = 0, [0]
        follow_palette(self.plot, self.palette())

    def changeEvent(self, event):
        if event.type() == event.Type.PaletteChange:
            follow_palette(self.plot, self.palette())
        super().changeEvent(event)

    def test(self, runs: list[RunRecord], max_shift: int, dataset) -> bool:
        """Test the runs that have a network on about ``engine.translation.SAMPLE_IMAGES`` of the
        dataset's test digits moved by 0 to ``max_shift`` pixels. False if there is nothing to test."""
        self.clear()
        tested = [run for run in runs if run.network is not None]
        if not tested or max_shift < 1 or not len(dataset.test_labels):
            return False
        # each network on its own classes' digits (a 3-vs-7 network: 3s and 7s, as 0 and 1)
        samples = shift_samples(dataset.test_images, dataset.test_labels, [run.spec for run in tested])
        self._runs = {run.number: run for run in tested}
        self._names = dict(zip(self._runs, legend_names(tested)))
        self._max_shift, self._counts = max_shift, sorted({len(labels) for _images, labels in samples})
        self.plot.getPlotItem().setXRange(-0.2, max_shift + 0.2, padding=0)
        self.plot.getPlotItem().setYRange(0, 104, padding=0)
        tests = [(run.number, run.network.copy(), images, labels) for run, (images, labels) in zip(tested, samples)]
        self.status.setText(f"Testing {len(tested)} networks on {self._digits()} moved by 0 to "
                            f"{max_shift} pixels…")
        self.runner.start(shift_test_job(tests, max_shift))
        return True

    def clear(self) -> None:
        self.runner.cancel()
        for curve in self._items.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self._items, self._runs, self._names = {}, {}, {}
        self.status.setText("")

    def _on_partial(self, result: ShiftResult) -> None:
        run = self._runs.get(result.key)
        if run is None or result.key in self._items:
            return
        curve = pg.PlotDataItem(result.curve.shifts, 100 * result.curve.accuracy, pen=pen(run.colour, 3),
                                symbol="o", symbolSize=8, symbolBrush=run.colour, symbolPen=run.colour)
        curve.setToolTip(f"{run.name}: {run.settings_text()}")
        self.plot.addItem(curve)
        self.legend.addItem(curve, html.escape(self._names[result.key]))
        self._items[result.key] = curve

    def _on_tested(self, results: list[ShiftResult]) -> None:
        for result in results:
            self._on_partial(result)
        falls = [f"<b>{html.escape(self._names[r.key])}</b> {100 * r.curve.at(0):.1f} % → "
                 f"{100 * r.curve.at(self._max_shift):.1f} %" for r in results if r.key in self._names]
        self.status.setText(f"Test accuracy on {self._digits()}, unmoved → moved by "
                            f"{self._max_shift} pixels: {'; '.join(falls)}.")

    def _digits(self) -> str:
        """'1,000 test digits', or for networks of different classes 'each network's classes' test
        digits (400 to 1,000)'."""
        low, high = self._counts[0], self._counts[-1]
        if low == high:
            return f"{low:,} test digits"
        return f"each network's classes' test digits ({low:,} to {high:,})"

    def _on_failed(self, error) -> None:
        self.status.setText(f"The shift test failed: {html.escape(str(error) or type(error).__name__)}")

    def curve_data(self) -> dict[str, tuple]:
        """{legend name: (shifts, accuracy in %)} of the curves drawn."""
        return {self._names[key]: item.getData() for key, item in self._items.items()}

    def legend_texts(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the shift test and wait for its thread. True if it ended in time."""
        return self.runner.shutdown(timeout_ms)
