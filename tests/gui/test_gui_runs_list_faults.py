"""The runs list's small faults (issue 22) and its closures (issue 19): a run at equal time says
what it did, not "0 / 1000"; whole names before optional columns; a network's name never says its
epochs twice; every experiment's results table is a choice away, also in a reopened session; an
experiment's name may hold braces; the status bar hears of Load model through the model hub."""

import ast
import inspect
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from engine.experiments import Axis, Configuration, Experiment, run_configuration
from engine.files.session_file import SessionView
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.training import TrainConfig
from mnist_gui.panels.training import runs_list as runs_list_module
from mnist_gui.panels.training.runs_list import RunsList, epochs_text
from mnist_gui.state.dataset_hub import DatasetHub
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel, network_description
from mnist_gui.state.training import TrainingSession

from gui import TIMEOUT
from synthetic import make_dataset

DATA = make_dataset(240, 60, shape=(8, 8), seed=4)
SPEC = NetworkSpec(input_size=64, hidden=(HiddenLayer(8, "relu"),), seed=1)


@pytest.fixture(scope="module")
def timed():
    """The equal-time batch-size lesson's single-image run: it never ends an epoch in its time."""
    c = Configuration("batch-size · batch 1", SPEC, TrainConfig(epochs=1000, batch_size=1), time_limit=0.05)
    return run_configuration(c, make_dataset(3000, 20, shape=(8, 8), seed=4))


@pytest.fixture(scope="module")
def two_epochs():
    return run_configuration(Configuration("Run 1 · Default", SPEC, TrainConfig(epochs=2, batch_size=32)), DATA)


def listed(qtbot, model, width=1100):
    runs_list = RunsList(model)
    qtbot.addWidget(runs_list)
    runs_list.resize(width, 300)
    runs_list.show()
    qtbot.waitExposed(runs_list)
    QApplication.processEvents()
    return runs_list


def test_a_time_limited_run_shows_what_it_did_not_0_of_1000_epochs(qtbot, timed):
    model = RunsModel()
    (run,) = model.add_runs([timed])
    assert run.timed and len(run.epochs) == 0 and 0 < run.epochs_trained < 1
    runs_list = listed(qtbot, model)
    table = runs_list.table
    row = [table.item(0, c).text() for c in range(len(runs_list_module.COLUMNS))]
    assert row[3] == f"{run.epochs_trained:.2f} in 0.05 s" and "1000" not in row[3]
    assert row[7] == f"{run.train_seconds:.1f} s" and row[8] == f"{run.images_seen / run.train_seconds:,.0f}"
    tip = table.item(0, 3).toolTip()
    assert f"{run.images_seen:,} images seen" in tip and "its limit: 0.05 s" in tip


def test_a_run_at_equal_time_from_a_file_that_does_not_say_is_told_by_its_end(timed, two_epochs):
    """A version 1 session has no time limit: a run completed short of its epochs trained for a time."""
    from dataclasses import replace
    model = RunsModel()
    old, plain = model.add_runs([replace(timed, time_limit=None, points=()), two_epochs])
    assert old.timed and epochs_text(old) == f"0 in {old.train_seconds:.3g} s"
    assert not plain.timed and epochs_text(plain) == "2 / 2"


def test_names_are_whole_before_the_optional_columns_are(qtbot, two_epochs):
    from dataclasses import replace
    names = ["batch-size · full batch", "batch-size · batch 128", "batch-size · batch 1"]
    model = RunsModel()
    model.add_runs([replace(two_epochs, name=name, group="batch-size") for name in names])
    runs_list = listed(qtbot, model, width=640)
    table, header = runs_list.table, runs_list.table.horizontalHeader()
    assert header.sectionSize(1) >= table.sizeHintForColumn(1)  # the whole names
    assert table.isColumnHidden(10) and table.isColumnHidden(9)  # Training and Network made room
    assert not table.horizontalScrollBar().isVisible()
    assert [table.item(row, 1).text() for row in range(3)] == names


def test_a_networks_name_says_its_epochs_once(two_epochs, timed):
    from dataclasses import replace
    model = RunsModel()
    plain, over_epochs, one, short = model.add_runs([
        two_epochs, replace(two_epochs, name="epochs · 2 epochs", group="epochs"),
        replace(two_epochs, epochs=two_epochs.epochs[:1], end=replace(two_epochs.end, epochs_completed=1),
                config=replace(two_epochs.config, epochs=1)), timed])
    assert network_description(plain) == "Run 1 · Default (2 epochs)"
    assert network_description(over_epochs) == "epochs · 2 epochs"  # was 'epochs · 2 epochs (2 epochs)'
    assert network_description(one) == "Run 1 · Default (1 epoch)"
    assert network_description(short) == f"batch-size · batch 1 ({short.epochs_trained:.2g} epochs in 0.05 s)"
    hub = ModelHub()
    hub.show_run(over_epochs)
    assert hub.description == "epochs · 2 epochs"


def test_every_results_table_of_a_reopened_session_is_a_choice_away(qtbot, two_epochs):
    from dataclasses import replace

    from mnist_gui.panels.training.view import TrainingView
    model = RunsModel()
    view = TrainingView(DatasetHub(), ModelHub(), model)
    qtbot.addWidget(view)
    runs = [replace(two_epochs, name=f"{group} · {k}", group=group) for group in ("depth", "rates") for k in (1, 2)]
    model.replace_all(runs, SessionView(results=(("depth", (0, 1)), ("rates", (3, 2)))))
    choice = view.results_choice
    assert not choice.isHidden() and [choice.itemText(i) for i in range(2)] == ["depth (2 runs)", "rates (2 runs)"]
    assert choice.currentIndex() == 1 and [r.name for r in view.results.runs()] == ["rates · 2", "rates · 1"]
    choice.setCurrentIndex(0)
    assert [r.name for r in view.results.runs()] == ["depth · 1", "depth · 2"]
    model.remove(model.runs()[3])  # a run of the other table: the chosen one stays
    assert choice.currentIndex() == 0 and choice.itemText(1) == "rates (1 run)"
    model.replace_all(runs[:2], SessionView(results=(("depth", (0, 1)),)))
    assert choice.isHidden() and [r.name for r in view.results.runs()] == ["depth · 1", "depth · 2"]
    view.shutdown()


def test_an_experiment_whose_name_has_braces_names_its_runs_so(qtbot):
    session = TrainingSession(RunsModel(), ModelHub())
    experiment = Experiment("rates {new}", "", SPEC, TrainConfig(epochs=1, batch_size=64), (Axis("lr", (0.1,)),))
    with qtbot.waitSignal(session.experiment_finished, timeout=TIMEOUT) as blocker:
        session.start_experiment(experiment.name, experiment.configurations(), DATA)
    assert [r.name for r in blocker.args[1]] == ["rates {new} · lr 0.1"]  # new_run's format raised KeyError
    session.shutdown()


def test_the_runs_list_connects_no_lambdas():
    tree = ast.parse(inspect.getsource(runs_list_module))
    assert not [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Lambda)]


def test_load_model_is_told_to_the_status_bar_through_the_hub(qtbot, tmp_path):
    from mnist_gui.panels.training.view import TrainingView
    hub = ModelHub()
    view = TrainingView(DatasetHub(), hub, RunsModel())
    qtbot.addWidget(view)
    path = Network(NetworkSpec(input_size=784, hidden=(HiddenLayer(6),))).save(tmp_path / "m.npz")
    states, steps = [], []
    hub.loading_changed.connect(states.append)
    hub.loading_progressed.connect(lambda done, total, text: steps.append(done))
    with qtbot.waitSignal(hub.network_changed, timeout=TIMEOUT):
        view.files.load_model_in_background(path)
    qtbot.waitUntil(lambda: states == [True, False], timeout=TIMEOUT)
    assert steps and not hub.loading and hub.description == "m.npz"
    window_source = Path(inspect.getfile(TrainingView)).parents[2] / "main_window.py"
    assert "model_runner" not in window_source.read_text()  # the window reaches into no panel
    view.shutdown()


def test_cancel_in_the_status_bar_reaches_the_model_being_read(qtbot, tmp_path, monkeypatch):
    import threading

    import mnist_gui.panels.training.files as files_module
    from mnist_gui.panels.training.view import TrainingView
    release = threading.Event()

    def slow(path, job):
        release.wait(TIMEOUT / 1000)
        job.check()
        return Network.load(path)

    monkeypatch.setattr(files_module, "read_model_job", slow)
    hub = ModelHub()
    view = TrainingView(DatasetHub(), hub, RunsModel())
    qtbot.addWidget(view)
    path = Network(NetworkSpec(input_size=784, hidden=(HiddenLayer(6),))).save(tmp_path / "m.npz")
    hub.cancel_loading()  # nothing is read: nothing happens
    view.files.load_model_in_background(path)
    qtbot.waitUntil(lambda: hub.loading, timeout=TIMEOUT)
    with qtbot.waitSignal(view.model_runner.was_cancelled, timeout=TIMEOUT):
        hub.cancel_loading()
        release.set()
    qtbot.waitUntil(lambda: not hub.loading, timeout=TIMEOUT)
    assert hub.network is None
    view.shutdown()


def test_a_run_that_reaches_its_time_limit_in_its_first_epoch_keeps_its_network_and_replay(qtbot):
    """The app dropped it as if stopped before an epoch: no 'Use its network', no replay (mnist-train kept it)."""
    session = TrainingSession(RunsModel(), ModelHub())
    experiment = Experiment("equal time", "", SPEC, TrainConfig(epochs=1000, batch_size=1), (Axis("lr", (0.05,)),),
                            time_limit=0.05)
    with qtbot.waitSignal(session.experiment_finished, timeout=TIMEOUT) as blocker:
        session.start_experiment(experiment.name, experiment.configurations(), make_dataset(3000, 20, shape=(8, 8)))
    (run,) = blocker.args[1]
    assert run.status == "completed" and run.end.epochs_completed == 0
    assert run.network is not None and len(run.snapshots) > 2 and session.hub.run is run
    session.shutdown()
