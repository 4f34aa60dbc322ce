"""Lessons a class can follow: an equal-time experiment plotted against seconds and images seen
(the engine's time points, relayed and drawn), and the shift test beside an experiment's results."""

import numpy as np
import pytest

import engine.experiments
from engine.experiments import Axis, Experiment
from engine.network import HiddenLayer, NetworkSpec
from engine.training import TrainConfig
from engine.translation import accuracy_by_shift, shift_sample
from mnist_gui.panels.training.experiments import ExperimentResults
from mnist_gui.panels.training.plots import TrainingPlots, legend_names
from mnist_gui.panels.training.shift_plot import ShiftPlot
from mnist_gui.panels.training.view import TrainingView
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession

from gui import TIMEOUT
from synthetic import make_dataset

DATA = make_dataset(400, 60, shape=(8, 8), seed=4)
SPEC = NetworkSpec(input_size=64, hidden=(HiddenLayer(12, "relu"),), seed=5)


@pytest.fixture
def session(qtbot):
    session = TrainingSession(RunsModel(), ModelHub())
    yield session
    session.shutdown()


def test_an_equal_time_experiment_is_plotted_by_the_second_and_by_images_seen(qtbot, session, monkeypatch):
    monkeypatch.setattr(engine.experiments, "POINT_SECONDS", 0.05)
    plots, results = TrainingPlots(session.runs), ExperimentResults(session.runs)
    qtbot.addWidget(plots)
    qtbot.addWidget(results)
    config = TrainConfig(epochs=100_000, batch_size=16, optimiser="sgd", lr=0.05)
    experiment = Experiment("equal time", "", SPEC, config, (Axis("batch_size", (None, 1)),), time_limit=0.3)
    with qtbot.waitSignal(session.experiment_finished, timeout=TIMEOUT) as blocker:
        session.start_experiment(experiment.name, experiment.configurations(), DATA)
    runs = blocker.args[1]
    results.show_runs(runs)
    assert plots.axis == "seconds" and plots.x_axis.toolTip()  # chosen for a time-limited experiment
    assert plots.loss_plot.getPlotItem().getAxis("bottom").labelText == "seconds of training"
    for row, run in enumerate(runs):
        points = run.points
        assert len(points) >= 4 and points[0].seconds == 0 and points[-1].seconds == run.end.train_seconds
        x, y = plots.curves(run).val_acc.getData()  # the relayed points, drawn as they are
        np.testing.assert_array_equal(x, [p.seconds for p in points])
        np.testing.assert_allclose(y, [100 * p.val_accuracy for p in points])
        time_column, images_column = (ExperimentResults.COLUMNS.index(c) for c in ("Training time", "Images seen"))
        assert results.item(row, time_column).text() == f"{run.end.train_seconds:.1f} s" != "0.0 s"
        assert results.item(row, images_column).text() == f"{points[-1].images:,}" and points[-1].images > 0
    low, high = plots.accuracy_plot.getPlotItem().vb.viewRange()[0]
    assert low == 0 and max(r.train_seconds for r in runs) <= high < 2
    plots.set_x_axis("images")
    single = runs[1]
    x, _ = plots.curves(single).val_acc.getData()
    np.testing.assert_array_equal(x, [p.images for p in single.points])
    assert plots.curves(single).test_acc.getData()[0][0] == single.images_seen
    smooth_x, _ = plots.curves(single).smooth.getData()
    assert smooth_x[-1] == pytest.approx(single.images_seen, rel=0.05)
    # a run trained by epochs puts the axis back on epochs (it was the automatic choice)
    plots.set_x_axis("seconds")
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT):
        run = session.start("by epochs", SPEC, TrainConfig(epochs=2, batch_size=32), DATA)
    assert plots.axis == "epochs"
    np.testing.assert_array_equal(plots.curves(run).val_acc.getData()[0], [1, 2])


def test_the_users_choice_of_axis_is_kept_for_the_next_run(qtbot, session):
    plots = TrainingPlots(session.runs)
    qtbot.addWidget(plots)
    plots.set_x_axis("images")
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT):
        run = session.start("by images", SPEC, TrainConfig(epochs=2, batch_size=32), DATA)
    assert plots.axis == "images"
    x, _ = plots.curves(run).val_acc.getData()
    np.testing.assert_array_equal(x, [p.images for p in run.points])
    assert run.points[-1].images == 2 * 367  # 400 images less the validation split's 33


def tiny_runs(qtbot, session):
    experiment = Experiment("two", "", SPEC, TrainConfig(epochs=2, batch_size=16, optimiser="sgd", lr=0.1),
                            (Axis("hidden_units", (4, 24)),))
    with qtbot.waitSignal(session.experiment_finished, timeout=TIMEOUT) as blocker:
        session.start_experiment(experiment.name, experiment.configurations(), DATA)
    return blocker.args[1]


def test_the_shift_plot_draws_the_engines_accuracy_by_shift(qtbot, session):
    runs = tiny_runs(qtbot, session)
    plot = ShiftPlot()
    qtbot.addWidget(plot)
    with qtbot.waitSignal(plot.runner.succeeded, timeout=TIMEOUT):
        assert plot.test(runs, 3, DATA)
    names = legend_names(runs)
    assert plot.legend_texts() == names == ["4 units", "24 units"]
    images, labels = shift_sample(DATA.test_images, DATA.test_labels)
    drawn = plot.curve_data()
    for run, name in zip(runs, names):
        curve = accuracy_by_shift(run.network, images, labels, 3)
        np.testing.assert_array_equal(drawn[name][0], [0, 1, 2, 3])
        np.testing.assert_allclose(drawn[name][1], 100 * curve.accuracy)
        assert f"{name}</b> {100 * curve.at(0):.1f} % → {100 * curve.at(3):.1f} %" in plot.status.text()
    assert plot.shutdown(2000)


def test_an_experiment_with_a_shift_test_shows_the_plot_beside_its_results(qtbot, datasets):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(DATA)
    experiment = Experiment("shifted", "", SPEC, TrainConfig(epochs=1, batch_size=32),
                            (Axis("hidden_units", (4, 24)),), shift_test=2)
    with qtbot.waitSignal(view.shift_plot.runner.succeeded, timeout=2 * TIMEOUT):
        view.start_experiment(experiment)
    assert view.results.isVisibleTo(view) and view.shift_plot.isVisibleTo(view)
    assert view.results.parent() is view.shift_plot.parent()  # side by side
    assert list(view.shift_plot.curve_data()) == ["4 units", "24 units"]
    assert "</b> done: 2 runs. The best is" in view.controls.hint.text()
    assert view.shutdown(5000)


def test_the_shift_test_scores_a_3_vs_7_network_on_3s_and_7s_only(qtbot, session):
    """A network of some classes answers 0 or 1: scored on every digit's label it would look broken.
    Each network is scored on its own classes' test digits (as_network_sees)."""
    from engine.classes import ALL, as_network_sees

    experiment = Experiment("classes", "", SPEC, TrainConfig(epochs=2, batch_size=16, optimiser="sgd", lr=0.1),
                            (Axis("classes", ((3, 7), ALL)),))
    with qtbot.waitSignal(session.experiment_finished, timeout=TIMEOUT) as blocker:
        session.start_experiment(experiment.name, experiment.configurations(), DATA)
    runs = blocker.args[1]
    assert [r.spec.class_labels for r in runs] == [(3, 7), ()]
    plot = ShiftPlot()
    qtbot.addWidget(plot)
    with qtbot.waitSignal(plot.runner.succeeded, timeout=TIMEOUT):
        assert plot.test(runs, 2, DATA)
    drawn = plot.curve_data()
    for run, name in zip(runs, legend_names(runs)):
        seen = as_network_sees(DATA, run.spec)
        images, labels = shift_sample(seen.test_images, seen.test_labels)
        curve = accuracy_by_shift(run.network, images, labels, 2)
        np.testing.assert_allclose(drawn[name][1], 100 * curve.accuracy)
    pair = as_network_sees(DATA, runs[0].spec)
    assert runs[0].test_accuracy == pytest.approx(drawn[legend_names(runs)[0]][1][0] / 100)  # unmoved: its test score
    assert f"({len(pair.test_labels):,} to {len(DATA.test_labels):,})" in plot.status.text()
    assert plot.shutdown(2000)
