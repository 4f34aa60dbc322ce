"""Replay a laptop and a session file can afford (issue 23): the runs share one replay budget (the
newest whole, the older ones thinned, each saying so), the runs list states each run's replay and
the total, a session is saved with or without its replay (the Save dialog's check box, with the
sizes), and a run without replay greys the timeline out, saying why; old files still open."""

from dataclasses import replace

import numpy as np
import pytest

from engine.experiments import Configuration, run_configuration
from engine.files.session_file import Session, read_session
from engine.network import HiddenLayer, NetworkSpec
from engine.replay import replay_bytes
from engine.training import TrainConfig
from mnist_gui.panels.training.replay import ReplayBar
from mnist_gui.panels.training.runs_list import REPLAY_COLUMN, RunsList
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import SAVED_BEFORE, SAVED_WITHOUT, RunsModel
from mnist_gui.widgets.save_dialog import SaveWithChoiceDialog
from tests.gui import TIMEOUT, open_window
from tests.synthetic import make_dataset, make_idx_folder

SPEC = NetworkSpec(hidden=(HiddenLayer(8, "relu"),), seed=1)


@pytest.fixture(scope="module")
def data():
    return run_configuration(Configuration("small", SPEC, TrainConfig(epochs=3, batch_size=16)),
                             make_dataset(240, 60))


def test_a_new_run_thins_the_older_ones_to_the_sessions_budget_and_they_say_so(data):
    size = replay_bytes(data.snapshots)
    model = RunsModel(replay_budget=int(2.5 * size))
    old = model.add_runs([data, data])
    assert [len(r.snapshots) for r in old] == [len(data.snapshots)] * 2  # within the budget: whole
    changed = []
    model.run_changed.connect(changed.append)
    new = model.new_run("Run {n}", SPEC, data.config)
    model.finish(new, data.end, data.network, data.snapshots)
    assert model.replay_total() <= model.replay_budget
    assert new.snapshots == data.snapshots and new.replay_note == ""  # the new run keeps its replay
    for run in old:
        assert 2 < len(run.snapshots) < len(data.snapshots)
        assert run.snapshots[0] is data.snapshots[0] and run.snapshots[-1] is data.snapshots[-1]
        assert run.replay_note == (f"Thinned to {len(run.snapshots)} of its {len(data.snapshots)} "
                                   f"snapshots, to keep every run's replay within the session's "
                                   f"{model.replay_budget / 2**20:.3g} MiB.")
        assert run in changed  # the runs list hears of it


def test_the_runs_list_states_each_runs_replay_and_the_total(qtbot, data):
    model = RunsModel()
    runs = model.add_runs([data, replace(data, snapshots=())])
    runs_list = RunsList(model)
    qtbot.addWidget(runs_list)
    table = runs_list.table
    total = replay_bytes(data.snapshots)
    assert table.item(0, REPLAY_COLUMN).text() == f"{total / 2**20:.1f} MiB"
    assert table.item(1, REPLAY_COLUMN).text() == "none"
    assert table.horizontalHeaderItem(REPLAY_COLUMN).text() == f"Replay {total / 2**20:.0f}/96 MiB"
    # one line, as every header (two lines took a row's height from the table zoomed at 1280x720)
    assert not any("\n" in table.horizontalHeaderItem(c).text() for c in range(table.columnCount()))
    tip = table.item(0, REPLAY_COLUMN).toolTip()
    assert f"{len(data.snapshots)} snapshots, steps 0 to {data.snapshots[-1].step:,}" in tip
    assert f"All runs' replay: {total / 2**20:.1f} MiB of the 96.0 MiB" in tip
    model.remove(runs[0])
    assert table.horizontalHeaderItem(REPLAY_COLUMN).text() == "Replay 0/96 MiB"


def test_a_session_saved_with_or_without_its_replay_opens_as_it_was_saved(qtbot, data, tmp_path):
    model = RunsModel()
    model.add_runs([data, data])
    rest, replay = model.saved_size()
    with_replay = model.save(tmp_path / "with.npz")
    without = model.save(tmp_path / "without.npz", replay=False)
    assert with_replay.stat().st_size == pytest.approx(rest + replay, rel=0.05)
    assert without.stat().st_size == pytest.approx(rest, rel=0.05) and replay > rest
    back = RunsModel()
    runs, _ = back.take_session(read_session(with_replay))
    assert [s.step for s in runs[0].snapshots] == [s.step for s in data.snapshots]
    np.testing.assert_array_equal(runs[0].snapshots[3].weights[0], data.snapshots[3].weights[0])
    assert runs[0].replay_note == ""
    runs, _ = back.take_session(read_session(without))
    assert all(r.snapshots == () and r.replay_note == SAVED_WITHOUT and r.network is not None for r in runs)
    bar = ReplayBar(ModelHub())
    qtbot.addWidget(bar)
    bar.hub.show_run(runs[0])
    assert not bar.isHidden() and not bar.slider.isEnabled() and bar.slider.toolTip() == SAVED_WITHOUT


def test_a_version_1_session_says_its_runs_were_saved_before_replays(data):
    runs, _ = RunsModel().take_session(Session([replace(data, snapshots=(), points=())], version=1))
    assert runs[0].replay_note == SAVED_BEFORE and runs[0].network is not None


def test_the_save_dialog_offers_to_leave_the_replay_out(qtbot, tmp_path):
    dialog = SaveWithChoiceDialog(None, "Save the session", "lesson.session.npz", "Sessions (*.npz)",
                                  "Keep the replay (adds 45 MB; 1.3 MB without it)", "tip", False)
    qtbot.addWidget(dialog)
    dialog.setDirectory(str(tmp_path))
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.choice.isVisible() and not dialog.choice.isChecked()
    dialog.choice.click()
    dialog.selectFile(str(tmp_path / "lesson.session.npz"))
    dialog.accept()
    assert dialog.chosen() == (str(tmp_path / "lesson.session.npz"), True)


def test_file_save_session_offers_the_replay_with_its_size_and_saves_without_it(qtbot, settings, tmp_path,
                                                                               monkeypatch):
    window = open_window(qtbot, make_idx_folder(tmp_path / "data", n_train=300), settings)
    window.show_panel("training")
    view = window.training_view
    b = view.builder
    b.set_spec(replace(b.spec(), hidden=(HiddenLayer(8, "relu"),)), replace(b.config(), epochs=1, batch_size=32))
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT):
        view.start()
    asked = []

    def answer(parent, caption, name, name_filter, choice, tip, ticked):
        asked.append((choice, ticked))
        return str(tmp_path / "lesson.session.npz"), False  # the teacher unticks it

    monkeypatch.setattr("mnist_gui.main_window.ask_save_with_choice", answer)
    window.save_session_action.trigger()
    rest, replay = window.runs.saved_size()
    (choice, ticked), = asked
    assert choice == f"Keep the replay (adds {replay / 1e6:.1f} MB; {rest / 1e6:.1f} MB without it)"
    assert ticked  # a small file keeps its replay unless unticked
    saved = read_session(tmp_path / "lesson.session.npz")
    assert [r.snapshots for r in saved.runs] == [()] and saved.runs[0].network is not None
    assert "without replay" in window.status.currentMessage()
