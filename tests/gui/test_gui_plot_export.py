"""The training plots for a classroom: the PNG export (the plots alone, at slide resolution, no
hover read-out), runs of different lengths framed one at a time, and reruns that no longer hide
each other. Runs are made up (no training), so these tests take well under a second each."""

from contextlib import nullcontext

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QSplitter

from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.panels.training.view import GripHandle, TrainingView
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel

from gui import made_up_run


@pytest.fixture
def model():
    return RunsModel()


@pytest.fixture
def plots(qtbot, model):
    plots = TrainingPlots(model)
    qtbot.addWidget(plots)
    made_up_run(model, 10)
    made_up_run(model, 100, rate=0.2)
    plots.resize(900, 400)
    plots.show()
    qtbot.waitExposed(plots)
    return plots


def x_high(plots) -> float:
    return plots.loss_plot.getPlotItem().vb.viewRange()[0][1]


# --- the export -------------------------------------------------------------------------------


def test_an_exported_png_is_the_plots_and_their_run_legend_at_the_scale(plots, tmp_path):
    area = plots.plots_rect()
    legend = plots.run_legend.geometry()
    assert legend.top() > plots.loss_plot.geometry().bottom()  # under the plots
    assert area.width() > 800 and area.bottom() == legend.bottom()
    assert area.height() < plots.height()  # the log-scale and framing row is left out
    image = QImage(str(plots.export_png(tmp_path / "plots.png", scale=2)))
    assert (image.width(), image.height()) == (2 * area.width(), 2 * area.height())
    assert image.dotsPerMeterX() == 2 * 3780  # a document shows it at its size on screen
    default = plots.export_scale()
    assert default >= 2 and area.width() * default >= 1920  # wide enough for a full-HD slide
    image = QImage(str(plots.export_png(tmp_path / "slide.png")))
    assert image.width() == round(area.width() * default) >= 1920


def test_the_exported_picture_names_each_shown_run_in_its_colour(plots, model):
    first, second = model.runs()
    assert plots.run_legend.texts() == ["Run 1", "Run 2"]
    image = plots.render_image(1)
    top = plots.run_legend.geometry().top() - plots.plots_rect().top()
    legend = {QColor(image.pixel(x, y)).name() for y in range(top, image.height())
              for x in range(image.width())}
    assert {first.colour, second.colour} <= legend  # the legend's lines, in the runs' colours
    model.set_visible(first, False)
    assert plots.run_legend.texts() == ["Run 2"]
    model.set_visible(first, True)
    plots.set_baseline(0.8)
    assert plots.run_legend.texts()[-1] == "mean-digit baseline 80.0 %"


def test_nothing_is_cut_off_at_the_edges_of_an_export(plots):
    image = plots.render_image(2)
    background = image.pixel(1, 1)
    edges = [image.pixel(x, y) for x in (0, image.width() - 1) for y in range(image.height())]
    edges += [image.pixel(x, y) for y in (0, image.height() - 1) for x in range(image.width())]
    assert set(edges) == {background}  # a margin of background all round: no text or curve cut
    assert len(set(image.pixel(x, image.height() // 2) for x in range(image.width()))) > 10


def test_the_hover_read_out_is_never_in_an_export_and_comes_back_after(plots, monkeypatch):
    hover = plots._hover[1]
    hover._moved((plots.accuracy_plot.getPlotItem().vb.sceneBoundingRect().center(),))
    assert hover.label.isVisible() and "Run 2" in hover.label.textItem.toPlainText()
    with_hover = plots.render_image(2)
    assert hover.label.isVisible() and hover.line.isVisible()  # the read-out is back on screen
    plots.hide_hover()
    without_hover = plots.render_image(2)
    assert with_hover == without_hover
    # the comparison sees a read-out: drawn without hiding it, the picture differs
    hover._moved((plots.accuracy_plot.getPlotItem().vb.sceneBoundingRect().center(),))
    monkeypatch.setattr(plots.picture, "_export_mode", nullcontext)
    assert plots.render_image(2) != without_hover


def test_a_panel_never_shown_exports_both_plots_side_by_side(qtbot, model, tmp_path):
    plots = TrainingPlots(model)
    qtbot.addWidget(plots)
    made_up_run(model, 5)
    area = plots.plots_rect()
    loss, accuracy = plots.loss_plot.geometry(), plots.accuracy_plot.geometry()
    assert loss.right() < accuracy.left() and area.width() >= loss.width() + accuracy.width()
    image = QImage(str(plots.export_png(tmp_path / "plots.png", scale=3)))
    assert (image.width(), image.height()) == (3 * area.width(), 3 * area.height())


# --- runs of different lengths ----------------------------------------------------------------


def test_the_epoch_axis_frames_the_selected_run_when_asked(plots, model):
    short, long = model.runs()
    assert 100 < x_high(plots) < 110  # every shown run: the 10-epoch run is squashed
    plots.set_selected_run(short)
    assert x_high(plots) > 100  # selecting alone changes nothing
    plots.frame_selected.setChecked(True)
    assert 10 < x_high(plots) < 12
    plots.set_selected_run(long)
    assert 100 < x_high(plots) < 110
    plots.frame_selected.setChecked(False)
    plots.loss_plot.getPlotItem().vb.sigRangeChangedManually.emit(None)  # a pan by hand
    plots.loss_plot.getPlotItem().vb.setRange(xRange=(0, 50))
    plots.set_selected_run(short)
    plots.frame_selected.setChecked(True)  # asking for a framing frames, even after a pan
    assert 10 < x_high(plots) < 12


def test_hiding_the_long_run_frames_the_short_one(plots, model):
    short, long = model.runs()
    model.set_visible(long, False)
    assert 10 < x_high(plots) < 12
    model.set_visible(long, True)
    assert x_high(plots) > 100
    plots.frame_selected.setChecked(True)
    plots.set_selected_run(long)
    model.set_visible(long, False)  # a hidden selected run frames nothing: the shown runs count
    assert plots.framed_runs() == [short] and 10 < x_high(plots) < 12


def test_the_runs_table_selection_frames_the_run_in_the_panel(qtbot, datasets):
    model = RunsModel()
    short, long = made_up_run(model, 10), made_up_run(model, 100, rate=0.2)
    view = TrainingView(datasets, ModelHub(), model)
    qtbot.addWidget(view)
    view.plots.frame_selected.setChecked(True)
    view.runs_list.select_run(short)
    assert view.plots.framed_runs() == [short]
    view.runs_list.select_run(long)
    assert view.plots.framed_runs() == [long]
    view.remove_run(long)
    assert view.plots.framed_runs() == [short]
    assert "10-epoch" in view.plots.frame_selected.toolTip()


def test_the_runs_table_has_a_visible_handle_to_make_it_taller(qtbot, datasets):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    splitter = view.findChild(QSplitter, "plotsSplitter")
    handle = splitter.handle(1)
    assert isinstance(handle, GripHandle) and splitter.handleWidth() >= 8 and handle.toolTip()
    image = handle.grab().toImage()
    colours = {image.pixel(x, image.height() // 2) for x in range(image.width())}
    assert len(colours) > 1  # dots on it, not a blank gap
    table = view.runs_list.table
    before = table.height()
    plots, runs = splitter.sizes()[:2]
    splitter.setSizes([plots - 100, runs + 100, 0])
    assert table.height() >= before + 90


# --- reruns -----------------------------------------------------------------------------------


def test_a_rerun_is_drawn_dashed_over_the_run_it_repeats_and_the_table_says_why(qtbot, model):
    plots, table = TrainingPlots(model), RunsList(model)
    qtbot.addWidget(plots)
    qtbot.addWidget(table)
    first = made_up_run(model, 5)
    again = made_up_run(model, 5)                    # the same settings and seed: the same run
    other_seed = made_up_run(model, 5, rate=2.0, seed=1)
    same_curves = made_up_run(model, 5, lr=0.2)      # other settings, the same figures
    repeats = [plots.curves(run).repeat for run in model.runs()]
    assert repeats == [False, True, False, True]
    assert plots.curves(again).val_loss.opts["pen"].style() == Qt.DashLine
    assert plots.curves(first).val_loss.opts["pen"].style() == Qt.SolidLine
    assert plots.curves(again).val_loss.opts["symbolSize"] < plots.curves(first).val_loss.opts["symbolSize"]
    status = [table.table.item(row, 2) for row in range(4)]
    assert [item.text() for item in status] == ["completed", "repeats Run 1", "completed", "repeats Run 1"]
    assert "seed (0)" in status[1].toolTip() and "dashed" in status[1].toolTip()
    assert "settings that differ" in status[3].toolTip()
    model.set_visible(first, False)  # nothing hidden under it now: drawn as usual
    assert not plots.curves(again).repeat and table.table.item(1, 2).text() == "repeats Run 1"
    model.remove(first)
    assert not plots.curves(again).repeat and plots.curves(same_curves).repeat  # it repeats Run 2
    assert table.table.item(0, 2).text() == "completed"
    assert table.table.item(2, 2).text() == "repeats Run 2"
    assert not plots.curves(other_seed).repeat
