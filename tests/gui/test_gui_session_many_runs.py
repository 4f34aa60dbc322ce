"""Opening a session of many runs: one batch of runs for the plots, the runs list and Inside's
chooser, curves made only for the runs shown, text fields bounded, and the same curves as before.
(benchmarks/bench_open_session.py times 1,000 runs in the window: under 2 s, from about 100 s.)"""

import time

import numpy as np
import pytest

from engine.files.session_file import RunData, save_session
from engine.network import HiddenLayer, NetworkSpec
from engine.training import EpochEnd, RunEnd, TrainConfig
from mnist_gui.panels.inside.dynamics_view import DynamicsView
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.state.runs import MAX_NAME, MAX_NOTE, SHOWN_AT_OPEN, RunRecord, RunsModel

EPOCHS = 3


def fake_run(i: int, name: str | None = None, message: str = "Trained.") -> RunData:
    """Run i: its own seed and curves, except every tenth, a rerun of the run before it."""
    seed = i - 1 if i % 10 == 9 else i
    rng = np.random.default_rng(seed)
    loss = 0.1 + 2 * np.exp(-np.arange(1, EPOCHS + 1) * (0.5 + rng.random()))
    epochs = tuple(EpochEnd(e + 1, EPOCHS, float(loss[e]), 1 - float(loss[e]) / 3, None, None, None, None,
                            1.0, 1000.0, 0.1) for e in range(EPOCHS))
    x = np.linspace(0, EPOCHS, 30)
    batch = 2.3 * np.exp(-x) + 0.1 * rng.random(30)
    batch[5] = np.nan  # a diverging report is not drawn
    return RunData(name or f"Run {i + 1}", NetworkSpec(input_size=64, hidden=(HiddenLayer(4),), classes=10,
                                                       seed=seed),
                   TrainConfig(epochs=EPOCHS, seed=seed), "digits", "completed", message, "", x, batch,
                   epochs, RunEnd("completed", message, EPOCHS, 3.0, 1000.0, 0.1, 0.9, epochs))


@pytest.fixture
def views(qtbot):
    model = RunsModel()
    plots, table, dynamics = TrainingPlots(model), RunsList(model), DynamicsView(model)
    for widget in (plots, table, dynamics):
        qtbot.addWidget(widget)
    return model, plots, table, dynamics


def test_a_session_arrives_in_one_batch_and_only_its_last_runs_are_drawn(qtbot, views, tmp_path):
    model, plots, table, dynamics = views
    model.new_run("before", NetworkSpec(), TrainConfig())
    model.set_state(model.runs()[0], "completed")
    path = save_session(tmp_path / "many.session.npz", [fake_run(i) for i in range(300)])
    one_by_one = []
    model.run_added.connect(one_by_one.append)
    with qtbot.waitSignal(model.runs_removed) as removed, qtbot.waitSignal(model.runs_added) as added:
        runs = model.open(path)
    assert not one_by_one and len(removed.args[0]) == 1 and added.args[0] == runs
    assert [r.number for r in runs] == list(range(1, 301))
    shown = [r for r in runs if r.visible]
    assert shown == runs[-SHOWN_AT_OPEN:]  # the rest are in the list, unticked: nothing is lost
    assert [r for r in runs if plots.curves(r) is not None] == shown  # curves made for these only
    assert table.table.rowCount() == 300 and table.selected_run() is runs[-1]
    assert dynamics.run_chooser.count() == 300 and dynamics.shown_run() is runs[-1]
    statuses = [table.table.item(row, 2).text() for row in range(300)]
    assert statuses[9] == "repeats Run 9" and statuses[8] == "completed"
    assert [plots.curves(r).repeat for r in shown[:10]] == [r.number % 10 == 0 for r in shown[:10]]
    model.set_visible(runs[0], True)  # ticked: its curves are made then
    assert plots.curves(runs[0]) is not None
    _, y = plots.curves(runs[0]).smooth.getData()
    np.testing.assert_allclose(y, runs[0].smooth.y())


def test_the_batch_replay_gives_the_curves_of_one_by_one():
    data = fake_run(3)
    batch, single = RunRecord.from_data(1, data), RunRecord(1, "x", data.spec, data.config)
    for x, loss in zip(data.batch_x, data.batch_loss):
        single.add_batch_loss(float(x), float(loss))
    long = np.random.default_rng(0).random(1000) + 0.5  # more than one block of the average
    batch.add_batch_losses(np.arange(1000.0) + 3, long)
    for x, loss in zip(np.arange(1000.0) + 3, long):
        single.add_batch_loss(x, loss)
    assert len(batch.raw) == len(single.raw) == 29 + 1000
    for a, b in ((batch.raw, single.raw), (batch.smooth, single.smooth)):
        np.testing.assert_array_equal(a.x(), b.x())
        np.testing.assert_allclose(a.y(), b.y(), rtol=1e-12)


def test_names_and_notes_are_bounded_where_they_come_in(qtbot, views, tmp_path):
    model, _plots, table, dynamics = views
    huge = "n" * 1_000_000  # a megabyte of name froze the window for 17 s
    path = save_session(tmp_path / "huge.session.npz", [fake_run(0, name=huge, message="m" * 1_000_000)])
    run, = model.open(path)
    assert len(run.name) == MAX_NAME and run.name.endswith("…") and run.name.startswith("nnn")
    assert len(run.message) == MAX_NOTE
    assert table.table.item(0, 1).text() == run.name and dynamics.run_chooser.itemText(0) == run.name
    model.rename(run, "r" * 5000)
    assert len(run.name) == MAX_NAME and table.table.item(0, 1).text() == run.name


def test_a_thousand_runs_open_in_bounded_time(qtbot, views, tmp_path):
    model, _plots, table, _dynamics = views
    path = save_session(tmp_path / "limit.session.npz", [fake_run(i) for i in range(1000)])
    t0 = time.perf_counter()
    runs = model.open(path)
    seconds = time.perf_counter() - t0
    assert len(runs) == table.table.rowCount() == 1000
    assert seconds < 60  # about 1 s here; it took about 100 s (generous: CI machines are busy)
