"""Network vs baseline, per class: each digit's test accuracy for the network beside the mean-digit
baseline's, as paired bars and a table, so the class sees where learning beat pixel averaging."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.baseline import network_vs_baseline
from engine.evaluation import ClassComparison
from mnist_gui.widgets.plot_style import follow_palette
from mnist_gui.widgets.wrapped_label import WrappedLabel

NETWORK_COLOUR = "#0072b2"   # Okabe-Ito blue, as the first run's colour
BASELINE_COLOUR = "#e69f00"  # Okabe-Ito orange
BAR_WIDTH = 0.38
HEADER = ("Class", "Images", "Network", "Baseline", "Gain (points)")
WAITING = "Waiting for the network's test results and the mean-digit baseline…"


class VersusBaselineView(QWidget):
    """``VersusBaselineView(datasets, evaluation)``: the per-class comparison of the network that
    ``evaluation`` (a ``state.evaluation.TestEvaluation``) scored with the L2 baseline that
    ``datasets`` (the DatasetHub) fitted. ``comparison()`` is what it shows (or None)."""

    def __init__(self, datasets, evaluation, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("versusBaselineView")
        self.datasets, self.test_evaluation = datasets, evaluation
        self._comparison: ClassComparison | None = None
        self._names: tuple[str, ...] = ()
        self._build()
        datasets.baseline_changed.connect(self._on_baseline_changed)
        evaluation.started.connect(self._on_evaluation_started)
        evaluation.evaluated.connect(self._on_evaluated)
        self._update()

    def _build(self):
        self.summary = WrappedLabel(WAITING, objectName="versusBaselineSummary")
        # the key above the plot, not a legend inside it: bars reach the top and the bottom
        self.key = QLabel(objectName="versusBaselineKey", textFormat=Qt.RichText)
        self.key.setText(f'<span style="color: {NETWORK_COLOUR}">■</span> network (left bar) &nbsp; '
                         f'<span style="color: {BASELINE_COLOUR}">■</span> mean-digit baseline (right bar)')
        self.plot = pg.PlotWidget(objectName="versusBaselinePlot")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        item.setLabel("left", "test accuracy (%)")
        item.setLabel("bottom", "class")
        item.showGrid(y=True, alpha=0.25)
        self.network_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=NETWORK_COLOUR,
                                            pen=pg.mkPen(NETWORK_COLOUR), name="network")
        self.baseline_bars = pg.BarGraphItem(x=[], height=[], width=BAR_WIDTH, brush=BASELINE_COLOUR,
                                             pen=pg.mkPen(BASELINE_COLOUR), name="mean-digit baseline")
        for bars in (self.network_bars, self.baseline_bars):  # in the view box, not the plot's curves,
            item.getViewBox().addItem(bars)  # which zooming re-pens (setPen: curves only)
        self.table = QTableWidget(0, len(HEADER), objectName="versusBaselineTable")
        self.table.setHorizontalHeaderLabels(HEADER)
        self.table.verticalHeader().hide()
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.AdjustToContents)
        self.table.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Expanding)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.NoSelection)
        self.table.horizontalHeaderItem(1).setToolTip("Test images of the class")
        self.table.horizontalHeaderItem(4).setToolTip("Network minus baseline, in percentage points")
        row = QHBoxLayout()
        row.addWidget(self.plot, 1)
        row.addWidget(self.table)  # as wide as its columns: the plot takes the rest
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.key)
        layout.addLayout(row, 1)
        follow_palette(self.plot, self.palette())

    def comparison(self) -> ClassComparison | None:
        return self._comparison

    # --- state in ---------------------------------------------------------------------------

    def _on_baseline_changed(self, _baseline):
        self._update()

    def _on_evaluation_started(self, _network, _dataset):
        self._update()

    def _on_evaluated(self, _result):
        self._update()

    def _update(self):
        """The comparison of the current results with the baseline, or a sentence saying what is missing."""
        evaluation, baseline = self.test_evaluation.evaluation, self.datasets.baseline
        report = None if baseline is None else baseline.reports.get("l2")
        self._comparison = None
        if evaluation is None or report is None:
            self._show_message(WAITING if self.datasets.dataset is not None else
                               "Load a dataset and train a network to compare it with the mean-digit baseline.")
            return
        try:
            self._comparison = network_vs_baseline(evaluation.confusion, report)
        except ValueError as err:
            self._show_message(f"The network and the baseline cannot be compared: {err}")
            return
        names = self.datasets.dataset.class_names
        n = len(self._comparison.network)
        self._names = tuple(names) if len(names) == n else tuple(str(c) for c in range(n))
        self._show(self._comparison)

    # --- drawing ----------------------------------------------------------------------------

    def _show_message(self, text: str):
        self.summary.setText(text)
        self.network_bars.setOpts(x=[], height=[])
        self.baseline_bars.setOpts(x=[], height=[])
        self.table.setRowCount(0)

    def _show(self, comparison: ClassComparison):
        x = np.arange(len(comparison.network), dtype=float)
        self.network_bars.setOpts(x=x - BAR_WIDTH / 2, height=100 * np.nan_to_num(comparison.network))
        self.baseline_bars.setOpts(x=x + BAR_WIDTH / 2, height=100 * np.nan_to_num(comparison.baseline))
        self.plot.getAxis("bottom").setTicks([list(zip(x, self._names))])
        self.plot.setXRange(-0.6, len(x) - 0.4, padding=0)
        self.plot.setYRange(-1, 104, padding=0)  # room for the tick labels of 0 and 100
        self.summary.setText(self._sentence(comparison))
        self._fill_table(comparison)

    def _sentence(self, comparison: ClassComparison) -> str:
        best, worst = comparison.most_gained(), comparison.least_gained()

        def said(c: int) -> str:
            return (f"{self._names[c]} ({_points(comparison.gain[c])}: {comparison.network[c]:.0%} against "
                    f"{comparison.baseline[c]:.0%})")

        return (f"Learning beat pixel averaging most on {said(best)}, least on {said(worst)}. "
                "The baseline calls an image the class whose average digit it is nearest to.")

    def _fill_table(self, comparison: ClassComparison):
        self.table.setRowCount(len(comparison.network))
        for row, (c, n, net, base, gain) in enumerate(comparison.rows()):
            cells = (self._names[c], f"{n:,}", _percent(net), _percent(base),
                     f"{100 * gain:+.1f}" if np.isfinite(gain) else "–")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignVCenter | (Qt.AlignLeft if column == 0 else Qt.AlignRight))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

    def changeEvent(self, event):
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange):
            follow_palette(self.plot, self.palette())
        super().changeEvent(event)


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %" if np.isfinite(value) else "–"


def _points(gain: float) -> str:
    """+27.3 points (percentage points, signed)."""
    return f"{100 * gain:+.1f} points" if np.isfinite(gain) else "–"
