"""A session restores what the class saw (ticked runs, results tables, the model); saving says so."""

from dataclasses import replace

import pytest

from engine.experiments import Axis, Experiment
from engine.files.session_file import read_session, save_session
from engine.network import HiddenLayer

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder


@pytest.fixture
def window(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "data", n_train=300), settings)
    window.show_panel("training")
    b = window.training_view.builder
    b.set_spec(replace(b.spec(), hidden=(HiddenLayer(8, "relu"),)),
               replace(b.config(), epochs=1, batch_size=32))
    return window


def _train(qtbot, view):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT) as blocker:
        view.start()
    return blocker.args[0]


def _experiment(qtbot, view, name="rates"):
    b = view.builder
    experiment = Experiment(name, "two rates", b.spec(), b.config(), (Axis("lr", (0.001, 0.1)),))
    with qtbot.waitSignal(view.session.experiment_finished, timeout=3 * TIMEOUT) as blocker:
        view.start_experiment(experiment)
    return blocker.args[1]


def _ticked(view) -> list[bool]:
    from PySide6.QtCore import Qt
    table = view.runs_list.table
    return [table.item(row, 0).checkState() == Qt.Checked for row in range(table.rowCount())]


def _table(view) -> list[list[str]]:
    t = view.results
    return [[t.item(row, c).text() for c in range(t.columnCount())] for row in range(t.rowCount())]


def test_save_clear_open_restores_the_ticks_the_results_table_and_the_model(qtbot, window, tmp_path):
    view = window.training_view
    alone = _train(qtbot, view)
    slow, fast = _experiment(qtbot, view)
    view.runs_list.set_visible(fast, False)  # the class looked at the slow rate and the lone run
    view.runs_list.use_network(alone)        # ...with the lone run's network in Draw and Evaluate
    ticked, table = _ticked(view), _table(view)
    assert ticked == [True, True, False] and len(table) == 2 and window.hub.run is alone
    path = window.save_session(tmp_path / "lesson.session.npz")
    message = window.status.currentMessage()
    assert message.startswith("Saved the session (3 runs, 1 results table) to lesson.session.npz in ")
    assert str(tmp_path) in message
    view.runs_list.show_all_action.trigger()   # then the plots were changed,
    _train(qtbot, view)                          # another run trained (the model now)
    assert _ticked(view) == [True] * 4 and window.hub.run is not alone

    runs = window.open_session(path)
    assert [r.name for r in runs] == [alone.name, slow.name, fast.name]
    assert _ticked(view) == ticked and [r.visible for r in runs] == ticked
    assert _table(view) == table and view.results.isVisibleTo(view)
    assert view.results.runs() == runs[1:]
    assert window.hub.run is runs[0] and window.hub.network is runs[0].network
    assert view.runs_list.selected_run() is runs[0]  # the model's row, as "Use its network" leaves it
    assert runs[0].name in window.model_status.text()
    assert [name for name, _ in window.runs.results()] == ["rates"]


def test_the_background_open_restores_the_view_too(qtbot, window, tmp_path):
    view = window.training_view
    first, second = _train(qtbot, view), _train(qtbot, view)
    view.runs_list.set_visible(second, False)
    view.runs_list.use_network(first)
    path = window.save_session(tmp_path / "two.session.npz")
    view.remove_run(first)
    with qtbot.waitSignal(window.session_reader.read, timeout=TIMEOUT):
        window.open_session_in_background(path)
    runs = view.runs()
    assert [r.visible for r in runs] == [True, False] and window.hub.run is runs[0]
    assert not view.results.isVisibleTo(view)  # no experiment, no results table


def test_a_removed_run_leaves_the_saved_results_table(qtbot, window, tmp_path):
    view = window.training_view
    slow, fast = _experiment(qtbot, view)
    view.remove_run(slow)
    assert view.results.runs() == [fast] and view.results.rowCount() == 1
    saved = read_session(window.save_session(tmp_path / "one.session.npz")).view
    assert saved.results == (("rates", (0,)),) and saved.shown == (True,)
    view.remove_run(fast)
    assert window.runs.results() == [] and not view.results.isVisibleTo(view)


def test_a_session_saved_before_views_opens_as_it_did(qtbot, window, tmp_path):
    """No view in the file: every run ticked (up to SHOWN_AT_OPEN), the last network the model."""
    view = window.training_view
    runs = [_train(qtbot, view), _train(qtbot, view)]
    view.runs_list.set_visible(runs[1], False)
    path = save_session(tmp_path / "old.session.npz", [r.to_data() for r in runs])  # no view
    opened = window.open_session(path)
    assert [r.visible for r in opened] == [True, True] and window.hub.run is opened[-1]
    assert not view.results.isVisibleTo(view)


def test_save_plots_is_off_while_nothing_is_plotted_and_every_save_says_where(qtbot, window, tmp_path):
    view = window.training_view
    button = view.runs_list.png_button
    assert not button.isEnabled() and "Nothing to save yet" in button.toolTip()
    with pytest.raises(ValueError, match="The plots show no run yet"):
        view.export_png(tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()
    run = _train(qtbot, view)
    assert button.isEnabled() and "sharp PNG image" in button.toolTip()
    view.export_png(tmp_path / "plots.png", scale=1)
    assert window.status.currentMessage() == f"Saved the plots of 1 run to plots.png in {tmp_path}"
    view.export_csv(tmp_path / "runs.csv")
    assert window.status.currentMessage() == f"Saved the curves of 1 run to runs.csv in {tmp_path}"
    view.save_model(tmp_path / "model.npz")
    assert window.status.currentMessage().startswith(f"Saved the model ({run.name}")
    assert window.status.currentMessage().endswith(f" to model.npz in {tmp_path}")
    view.runs_list.clear_action.trigger()  # "Clear plots": the run stays, the plots are empty
    assert not button.isEnabled() and "Nothing to save yet" in button.toolTip()
    view.runs_list.set_visible(run, True)
    assert button.isEnabled()
