"""Runs that a class can follow (issue 22): a colour of its own for every shown run, the runs
list's show / hide / clear acts on many runs at once, the model changed only when asked, the
accuracy plot's 100 % tick, and a diverging run said and drawn. Runs are made up (no training)."""

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.network import NetworkSpec
from engine.presets import PRESETS
from engine.training import RunEnd
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.state.runs import RUN_COLOURS, RunsModel, run_colour

from gui import made_up_run


@pytest.fixture
def model():
    return RunsModel()


def shown_colours(model):
    return [run.colour for run in model.runs() if run.visible]


# --- colours ----------------------------------------------------------------------------------


def test_the_palette_has_ten_colours_and_shades_beyond():
    assert len(set(RUN_COLOURS)) == 10
    assert len({run_colour(i) for i in range(30)}) == 30


def test_no_two_shown_runs_share_a_colour_even_past_ten_or_after_hiding(model):
    runs = [made_up_run(model) for _ in range(12)]
    assert len(set(shown_colours(model))) == 12
    assert [r.colour for r in runs[:10]] == list(RUN_COLOURS)  # the palette in its order first
    model.set_visible(runs[0], False)
    model.set_visible(runs[0], True)  # its colour went to nobody meanwhile: it keeps it
    assert runs[0].colour == RUN_COLOURS[0]
    model.set_visible(runs[0], False)
    late = made_up_run(model)  # the first colour free: the hidden run's
    assert late.colour == RUN_COLOURS[0]
    model.set_visible(runs[0], True)
    assert len(set(shown_colours(model))) == 13
    model.set_visible(runs[1], False)
    for run in runs[2:]:
        model.set_visible(run, False)
    for _ in range(5):
        made_up_run(model)
    model.set_visible(runs[1], True)  # its colour is taken now: it gets a free one
    assert len(set(shown_colours(model))) == len(shown_colours(model))


def test_the_runs_list_swatch_and_the_curves_follow_a_new_colour(qtbot, model):
    plots, table = TrainingPlots(model), RunsList(model)
    qtbot.addWidget(plots)
    qtbot.addWidget(table)
    first = made_up_run(model)
    model.set_visible(first, False)
    second = made_up_run(model)  # the first free colour: the hidden run's
    assert second.colour == first.colour == RUN_COLOURS[0]
    model.set_visible(first, True)  # shown again: the next free colour, in the list and the plots
    assert first.colour == RUN_COLOURS[1]
    for row, run in enumerate((first, second)):
        assert table.table.item(row, 0).data(Qt.UserRole) == run.colour
        assert plots.curves(run).val_acc.opts["pen"].color().name() == run.colour
        assert plots.curves(run).val_acc.opts["symbolBrush"] == run.colour


# --- the runs list ----------------------------------------------------------------------------


@pytest.fixture
def listed(qtbot, model):
    plots, runs_list = TrainingPlots(model), RunsList(model)
    qtbot.addWidget(plots)
    qtbot.addWidget(runs_list)
    runs_list.resize(700, 400)
    runs_list.show()
    qtbot.waitExposed(runs_list)
    runs = [made_up_run(model, group="learning rate" if i < 3 else "") for i in range(5)]
    return plots, runs_list, runs


def click_row(qtbot, runs_list, row, modifier=Qt.NoModifier):
    table = runs_list.table
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, modifier,
                     table.visualItemRect(table.item(row, 2)).center())


def test_shift_and_ctrl_select_many_runs_to_hide_show_and_remove(qtbot, model, listed):
    plots, runs_list, runs = listed
    click_row(qtbot, runs_list, 0)
    click_row(qtbot, runs_list, 2, Qt.ShiftModifier)
    click_row(qtbot, runs_list, 4, Qt.ControlModifier)
    assert runs_list.selected_runs() == [runs[0], runs[1], runs[2], runs[4]]
    runs_list.hide_action.trigger()
    assert plots.visible_runs() == [runs[3]]
    assert not plots.curves(runs[0]).val_loss.isVisible()
    assert runs_list.table.item(0, 0).checkState() == Qt.Unchecked
    runs_list.show_action.trigger()
    assert plots.visible_runs() == runs
    runs_list.remove_requested.connect(model.remove)  # the training view's wiring
    runs_list.remove_button.click()
    assert model.runs() == [runs[3]] and runs_list.table.rowCount() == 1


def test_only_this_experiment_clear_plots_and_show_all(qtbot, model, listed):
    plots, runs_list, runs = listed
    runs_list.select_run(runs[1])
    runs_list.experiment_action.trigger()
    assert plots.visible_runs() == runs[:3]  # the learning-rate experiment's runs
    assert plots.run_legend.texts() == [run.name for run in runs[:3]]
    runs_list.clear_action.trigger()
    assert plots.visible_runs() == [] and not plots.run_legend.isVisibleTo(plots)
    assert model.runs() == runs and runs_list.table.rowCount() == 5  # kept in the list
    assert not runs_list.clear_action.isEnabled() and runs_list.show_all_action.isEnabled()
    runs_list.show_all_action.trigger()
    assert plots.visible_runs() == runs
    assert len({run.colour for run in runs}) == 5
    runs_list.select_run(runs[4])  # a run of its own: only it
    runs_list.experiment_action.trigger()
    assert plots.visible_runs() == [runs[4]]


def test_runs_are_grouped_by_their_experiment_and_fold(qtbot, model, listed):
    plots, runs_list, runs = listed
    assert list(runs_list.group_buttons) == ["learning rate"] and runs_list.groups.isVisible()
    button = runs_list.group_buttons["learning rate"]
    assert button.text() == "▾ learning rate (3 runs)"
    button.click()  # fold: the experiment's rows leave the table, their curves stay
    assert [runs_list.table.isRowHidden(row) for row in range(5)] == [True] * 3 + [False] * 2
    assert button.text().startswith("▸") and plots.visible_runs() == runs
    button.click()
    assert not any(runs_list.table.isRowHidden(row) for row in range(5))
    later = made_up_run(model, group="depth")
    assert list(runs_list.group_buttons) == ["learning rate", "depth"]
    runs_list.set_collapsed("depth", True)
    assert runs_list.table.isRowHidden(5) and not runs_list.group_buttons["depth"].isChecked()
    model.remove(later)
    assert list(runs_list.group_buttons) == ["learning rate"]


def test_legend_names_are_short_and_never_two_alike(model):
    from mnist_gui.panels.training.plots import legend_names
    plain = made_up_run(model)
    lr = [made_up_run(model, group="learning rate", name=f"learning rate · lr {v}") for v in (0.1, 1)]
    again = made_up_run(model, group="learning rate", name="learning rate · lr 0.1")  # run twice
    model.rename(plain, "baseline")
    twin = made_up_run(model)
    model.rename(twin, "baseline")
    assert legend_names([plain, *lr]) == ["baseline", "lr 0.1", "lr 1"]
    names = legend_names([plain, *lr, again, twin])
    assert len(set(names)) == 5 and names[2] == "lr 1"
    assert names[1] == "learning rate · lr 0.1 (#2)" and names[0] == "baseline (#1)"


def test_a_long_name_is_cut_in_the_middle_so_runs_stay_apart(listed):
    _plots, runs_list, _runs = listed
    assert runs_list.table.textElideMode() == Qt.ElideMiddle


# --- the accuracy plot ------------------------------------------------------------------------


def test_the_accuracy_axis_has_a_100_percent_tick_with_room_above(qtbot, model):
    plots = TrainingPlots(model)
    qtbot.addWidget(plots)
    plots.resize(900, 400)
    plots.show()
    qtbot.waitExposed(plots)
    made_up_run(model)
    plots.set_baseline(0.82)
    low, high = plots.accuracy_plot.getPlotItem().vb.viewRange()[1]
    assert high >= 103  # curves near 100 % are not on the top edge
    axis = plots.accuracy_plot.getPlotItem().getAxis("left")
    ticks = [v for _spacing, values in axis.tickValues(low, high, axis.height()) for v in values]
    assert 100 in ticks
    assert plots.run_legend.texts()[-1] == "mean-digit baseline 82.0 %"  # named off the curves


# --- a diverging run --------------------------------------------------------------------------


def test_a_blowing_up_loss_is_said_and_drawn_before_the_run_ends(qtbot, model):
    from mnist_gui.panels.training.experiments import ExperimentResults
    from mnist_gui.state.runs import RunState
    plots, runs_list, results = TrainingPlots(model), RunsList(model), ExperimentResults(model)
    for widget in (plots, runs_list, results):
        qtbot.addWidget(widget)
    calm = made_up_run(model)
    config = replace(PRESETS["default"].training, epochs=3, lr=10.0)
    wild = model.new_run("Run {n} · lr 10", NetworkSpec(), config, "digits")
    model.set_state(wild, RunState.RUNNING)
    for i, loss in enumerate((2.3, 4.0, 9.0)):
        model.add_batches(wild, i / 10, loss)
    assert not wild.diverging and plots.curves(wild).blowup is None
    model.add_batches(wild, 0.3, 85.0)  # blown up, still training
    assert wild.diverging and wild.status == "running"
    assert runs_list.table.item(1, 2).text() == "diverging!"
    line = plots.curves(wild).blowup
    assert line is not None and line.value() == pytest.approx(0.3) and line.isVisible()
    assert "diverged" in line.label.toPlainText()
    model.add_batches(wild, 0.4, float("nan"))  # not plotted, the mark stays where it began
    assert len(wild.raw) == 4 and wild.blowup == (0.3, 85.0)
    model.finish(wild, RunEnd("diverged", "The loss became nan.", 0, 0.4, 0.0, 0.0, None, ()))
    assert runs_list.table.item(1, 2).text() == "diverged!"
    results.show_runs([calm, wild])
    assert results.item(1, 1).text() == "diverged" and results.item(0, 1).text() == "97.00 %"
    assert not results.item(0, 0).icon().isNull()
    model.set_visible(wild, False)
    assert not line.isVisible()


def test_a_run_at_chance_after_its_loss_blew_up_diverged_and_one_that_recovered_did_not(model):
    from mnist_gui.panels.training.runs_list import status_text
    stuck, recovered = made_up_run(model), made_up_run(model)
    for run in (stuck, recovered):
        run.blowup = (0.1, 50.0)
    stuck.epochs[-1] = replace(stuck.epochs[-1], train_loss=2.31)
    assert stuck.status == "completed" and stuck.diverging and status_text(stuck) == "diverged!"
    assert not recovered.diverging and status_text(recovered) == "completed"


def test_a_non_finite_first_loss_marks_the_blow_up_too(model):
    run = made_up_run(model)
    run.add_batch_losses(np.array([3.1, 3.2]), np.array([1.0, np.inf]))
    assert run.blowup == (3.2, np.inf)
