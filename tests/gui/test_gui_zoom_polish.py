"""Small things seen at presentation zoom on a classroom projector: the colour bar's second line,
the class counts running into each other, the hover box cut at a plot's edge, the runs table
scrolling sideways with a long run name."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from engine.presets import PRESETS
from engine.training import EpochEnd, RunEnd
from mnist_gui.panels.data.class_counts import ClassCounts
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.state.presentation import PRESENTING_ZOOM
from mnist_gui.state.runs import RunsModel
from mnist_gui.widgets.color_bar import ColorBar
from mnist_gui.widgets.zoom import apply_zoom

MNIST_TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
LONG_NAME = "A very long run name for the back of the classroom, sixty ch"  # 60 characters


def _add_finished_run(runs: RunsModel, name: str, epochs: int = 3):
    preset = PRESETS["default"]
    run = runs.new_run(name, preset.network, preset.training)
    for e in range(1, epochs + 1):
        runs.add_epoch(run, EpochEnd(e, epochs, 0.5 / e, 0.8 + 0.05 * e, 0.6 / e, 0.79 + 0.05 * e,
                                     None, None, 2.0 * e, 5000.0, 0.1))
    runs.finish(run, RunEnd("completed", "", epochs, 6.0, 5000.0, 0.3, 0.95, tuple(run.epochs)))
    return run


# --- the colour bar ------------------------------------------------------------------------


def test_colour_bar_grows_with_its_font_and_both_lines_fit(qtbot):
    holder = QWidget()
    layout = QVBoxLayout(holder)
    bar = ColorBar()
    bar.set_scale(187, "more ink in 7", "more ink in 3")
    layout.addWidget(bar)
    layout.addStretch(1)
    qtbot.addWidget(holder)
    holder.resize(400, 300)
    holder.show()
    qtbot.waitExposed(holder)
    before = bar.height()
    apply_zoom(holder, PRESENTING_ZOOM)  # a font change, as presentation mode makes it
    fm = bar.fontMetrics()
    assert bar.sizeHint().height() >= 3 * fm.height()  # the bar, a line of numbers, a line of words
    qtbot.waitUntil(lambda: bar.height() == bar.sizeHint().height())
    assert bar.height() > before
    scale, words = bar.text_rects()
    assert words.top() >= scale.bottom() and words.height() == fm.height()
    assert bar.rect().toRectF().contains(scale) and bar.rect().toRectF().contains(words)  # nothing cut
    assert bar.end_words() == ("more ink in 7", "more ink in 3")


def test_colour_bar_shortens_its_words_rather_than_overlapping_them(qtbot):
    bar = ColorBar()
    qtbot.addWidget(bar)
    bar.set_scale(0.123, "more ink in Ankle boot", "more ink in T-shirt/top")
    bar.resize(bar.minimumSizeHint())
    left, right = bar.end_words()
    fm = bar.fontMetrics()
    assert left.endswith("…") and right.endswith("…")
    assert fm.horizontalAdvance(left) + fm.horizontalAdvance(right) < bar.text_rects()[1].width()


# --- the images-per-class chart --------------------------------------------------------------


def _counts_chart(qtbot, width: int, points: float) -> ClassCounts:
    chart = ClassCounts()
    qtbot.addWidget(chart)
    font = QFont(chart.font())
    font.setPointSizeF(points)
    chart.setFont(font)
    chart.set_counts(np.array(MNIST_TRAIN_COUNTS), tuple(str(d) for d in range(10)))
    chart.resize(width, max(chart.minimumSizeHint().height(), 160))
    return chart


def _overlapping(rects) -> list:
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1:] if a.intersects(b)]


@pytest.mark.parametrize("width, points", [(480, 9 * PRESENTING_ZOOM), (300, 9 * PRESENTING_ZOOM),
                                           (240, 16.0)])
def test_class_count_labels_never_run_into_each_other(qtbot, width, points):
    chart = _counts_chart(qtbot, width, points)
    fm = chart.fontMetrics()
    assert fm.horizontalAdvance("5,958") > width / 10  # the full numbers would touch ("5,9585,131")
    labels = chart.count_labels()
    rects = [rect for rect, _ in labels]
    assert len(labels) == 10 and not _overlapping(rects)
    assert all(r.left() >= 0 and r.right() <= chart.width() and r.top() >= 0 for r in rects)
    assert all(text.endswith("k") for _, text in labels)  # '5.9k': short enough to read


def test_wide_class_chart_keeps_the_exact_counts_on_one_row(qtbot):
    chart = _counts_chart(qtbot, 900, 9)
    labels = chart.count_labels()
    assert [text for _, text in labels] == [f"{c:,}" for c in MNIST_TRAIN_COUNTS]
    assert len({rect.bottom() - chart._bar_rect(i, 1).top() for i, (rect, _) in enumerate(labels)}) == 1


def test_narrow_class_chart_alternates_two_rows(qtbot):
    chart = _counts_chart(qtbot, 300, 9 * PRESENTING_ZOOM)
    labels = chart.count_labels()
    assert len(labels) == 10  # every count still shown, on two rows
    rows = sorted({rect.top() for rect, _ in labels})
    assert len(rows) == 2 and rows[1] - rows[0] >= chart.fontMetrics().height()
    assert labels[0][0].top() != labels[1][0].top() and labels[0][0].top() == labels[2][0].top()
    assert all(rect.bottom() <= chart._bar_rect(i, 2).top() for i, (rect, _) in enumerate(labels))


# --- the training plots' hover box -----------------------------------------------------------


def test_hover_box_stays_inside_a_narrow_plot(qtbot):
    runs = RunsModel()
    _add_finished_run(runs, "Run 1")
    _add_finished_run(runs, LONG_NAME)
    plots = TrainingPlots(runs)
    qtbot.addWidget(plots)
    plots.resize(560, 520)
    plots.show()
    qtbot.waitExposed(plots)
    for hover in plots._hover:
        view = hover.widget.getPlotItem().vb
        area = view.sceneBoundingRect()
        for fraction in (0.98, 0.5, 0.02):  # near the right edge, the middle, the left edge
            pointer = QPointF(area.left() + fraction * area.width(), area.center().y())
            hover._moved((pointer,))
            box = hover.label.sceneBoundingRect()
            assert hover.label.isVisible() and LONG_NAME[:10] in hover.label.textItem.toPlainText()
            assert area.adjusted(-1, -1, 1, 1).contains(box), (hover.kind, fraction, box, area)


def test_hover_box_goes_beside_the_pointer_and_flips_near_the_right_edge(qtbot):
    runs = RunsModel()
    _add_finished_run(runs, "Run 1")
    plots = TrainingPlots(runs)
    qtbot.addWidget(plots)
    plots.resize(900, 520)
    plots.show()
    qtbot.waitExposed(plots)
    hover = plots._hover[1]
    area = hover.widget.getPlotItem().vb.sceneBoundingRect()
    left_edge, right_edge = area.left() + 4, area.right() - 4
    hover._moved((QPointF(left_edge, area.center().y()),))
    assert hover.label.sceneBoundingRect().left() > left_edge  # right of the pointer
    hover._moved((QPointF(right_edge, area.center().y()),))
    box = hover.label.sceneBoundingRect()
    assert box.right() < right_edge and area.contains(box)  # flipped to its left, all inside


# --- the runs table --------------------------------------------------------------------------


def test_long_run_name_is_cut_and_the_accuracies_stay_in_sight(qtbot):
    runs = RunsModel()
    _add_finished_run(runs, "Run 1")
    run = _add_finished_run(runs, LONG_NAME)
    assert len(run.name) == 60
    runs_list = RunsList(runs)
    qtbot.addWidget(runs_list)
    runs_list.resize(600, 300)
    runs_list.show()
    qtbot.waitExposed(runs_list)
    QApplication.processEvents()
    table = runs_list.table
    header = table.horizontalHeader()
    room = table.viewport().width()
    for column in (5, 6):  # Val. accuracy, Test accuracy
        assert not table.isColumnHidden(column)
        assert header.sectionViewportPosition(column) >= 0
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= room
        assert header.sectionSize(column) >= table.sizeHintForColumn(column)  # their whole text
    assert not table.horizontalScrollBar().isVisible()
    assert header.sectionSize(1) < table.sizeHintForColumn(1)  # the name is the one cut ('…')
    assert LONG_NAME in table.item(1, 1).toolTip()


def test_hover_box_fits_a_small_plot_at_presentation_zoom(qtbot):
    runs = RunsModel()
    for name in ("Run {n}", LONG_NAME, "Run {n}"):
        _add_finished_run(runs, name)
    plots = TrainingPlots(runs)
    qtbot.addWidget(plots)
    apply_zoom(plots, PRESENTING_ZOOM)
    legend = plots.run_legend.heightForWidth(700) + plots.layout().spacing()  # under the plots
    plots.resize(700, 300 + legend)
    plots.show()
    qtbot.waitExposed(plots)
    hover = plots._hover[1]
    area = hover.widget.getPlotItem().vb.sceneBoundingRect()
    assert area.height() < 120  # as at 1280x720 in presentation mode
    hover._moved((QPointF(area.right() - 4, area.center().y()),))
    box = hover.label.sceneBoundingRect()
    assert area.adjusted(-1, -1, 1, 1).contains(box), (box, area)
    assert "Run 3" in hover.label.textItem.toPlainText()  # every run still read out


# --- log axes ------------------------------------------------------------------------------


def test_a_log_axis_writes_numbers_only_at_powers_of_ten(qtbot):
    import math

    import pyqtgraph as pg

    from mnist_gui.widgets.plot_style import decade_axes
    plot = pg.PlotWidget(axisItems=decade_axes("left"))
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    item.setLogMode(y=True)
    plot.resize(500, 700)  # tall: room, by pyqtgraph's reckoning, to label 0.2 ... 0.9 too
    plot.show()
    qtbot.waitExposed(plot)
    axis = item.getAxis("left")
    levels = axis.tickValues(math.log10(0.15), math.log10(3.0), 700)  # 0.15 to 3, in log units
    labelled = {text for spacing, values in levels
                for text in axis.tickStrings(values, 1.0, spacing or 1.0) if text}
    minor = [v for _, values in levels for v in values if abs(v - round(v)) > 1e-6]
    assert minor  # the ticks between decades are there, unlabelled
    assert labelled and all(math.log10(float(t)) == round(math.log10(float(t))) for t in labelled), labelled
    assert axis.tickStrings([-5.0, -3.0, 0.0, 1.0, 6.0], 1.0, 1.0) == ["10⁻⁵", "0.001", "1", "10", "10⁶"]
    item.setLogMode(y=False)  # on a linear scale: numbers at every tick
    assert axis.tickStrings([0.2, 0.3], 1.0, 0.1) == ["0.2", "0.3"]
