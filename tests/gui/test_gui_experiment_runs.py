"""The app and ``mnist-train`` run an experiment the same way: one runner in the engine
(``engine.experiments.ConfiguredRun``: the training subset, the time limit, the final figures), which
the app's job only relays. Before it, the app chose another subset (10,000 of 60,000 images shared
1,655 with the CLI's) and ended a time-limited run "stopped" where the CLI said "completed"."""

import numpy as np
import pytest

import engine.memory
from engine.experiments import Axis, Configuration, Experiment, run_experiment, unrunnable
from engine.network import HiddenLayer, NetworkSpec
from engine.training import TrainConfig
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession

from gui import TIMEOUT
from synthetic import make_dataset

DATA = make_dataset(400, 60, shape=(8, 8), seed=4)
SPEC = NetworkSpec(input_size=64, hidden=(HiddenLayer(12, "relu"),), seed=5)
CONFIG = TrainConfig(epochs=3, batch_size=16, optimiser="sgd", lr=0.1, seed=9)


@pytest.fixture
def session(qtbot):
    session = TrainingSession(RunsModel(), ModelHub())
    yield session
    session.shutdown()


def run_in_app(qtbot, session, experiment, timeout=TIMEOUT):
    with qtbot.waitSignal(session.experiment_finished, timeout=timeout) as blocker:
        problems = session.start_experiment(experiment.name, experiment.configurations(), DATA)
    return problems, blocker.args[1]


def test_the_app_and_the_cli_train_an_experiment_on_the_same_images_to_the_same_curves(qtbot, session):
    experiment = Experiment("subset", "two rates on 150 of 400 images", SPEC, CONFIG,
                            (Axis("lr", (0.05, 0.2)),), train_size=150)
    cli_runs = run_experiment(experiment, DATA)
    _, app_runs = run_in_app(qtbot, session, experiment)
    assert [r.status for r in app_runs] == [r.status for r in cli_runs] == ["completed"] * 2
    for app, cli in zip(app_runs, cli_runs):
        assert len(app.epochs) == len(cli.epochs) == 3
        for mine, theirs in zip(app.epochs, cli.epochs):
            # the same images and seeds: equal but for BLAS rounding (the thread count is timed)
            np.testing.assert_allclose(mine.train_loss, theirs.train_loss, rtol=1e-4)
            assert mine.val_accuracy == pytest.approx(theirs.val_accuracy, abs=1 / 12)
        assert app.test_accuracy == pytest.approx(cli.end.test_accuracy, abs=1 / 60)
        for mine, theirs in zip(app.network.parameters, cli.network.parameters):
            np.testing.assert_allclose(mine.value, theirs.value, rtol=1e-3, atol=1e-4)


def test_a_time_limited_run_completes_in_the_app_as_in_the_cli(qtbot, session):
    config = TrainConfig(epochs=100_000, batch_size=1, optimiser="sgd", lr=0.05)
    experiment = Experiment("equal time", "0.3 s each", SPEC, config, (Axis("lr", (0.05,)),),
                            time_limit=0.3)
    (cli,) = run_experiment(experiment, DATA)
    _, (app,) = run_in_app(qtbot, session, experiment)
    for run in (cli, app):
        assert run.status == "completed"
        assert run.message.startswith("Trained for the time limit of 0.3 s")
    assert app.end.train_seconds >= 0.3


def test_a_run_that_cannot_fit_is_named_before_the_experiment_and_fails_alone(qtbot, session, monkeypatch):
    monkeypatch.setattr(engine.memory, "available_memory", lambda: 3_000_000)  # 3 MB
    wide = NetworkSpec(input_size=64, hidden=(HiddenLayer(4096, "relu"), HiddenLayer(4096, "relu")))
    experiment = Experiment("widths", "small, huge, small", wide, CONFIG,
                            (Axis("hidden_units", (8, 4096, 10)),))
    configurations = experiment.configurations()
    assert [label for label, _ in unrunnable(configurations, DATA)] == [configurations[1].label]
    finished = []
    session.run_finished.connect(finished.append)
    problems, runs = run_in_app(qtbot, session, experiment)
    assert [label for label, _ in problems] == [configurations[1].label]
    assert "needs about" in problems[0][1] and "available" in problems[0][1]
    assert [r.status for r in runs] == ["completed", "failed", "completed"]
    assert "needs about" in runs[1].message
    assert finished == runs  # each run marked as it ended, the failed one before the experiment's end


def test_stopping_a_time_limited_run_is_a_stop_not_a_completion():
    config = TrainConfig(epochs=100_000, batch_size=1, optimiser="sgd", lr=0.05)
    from engine.experiments import ConfiguredRun
    run = ConfiguredRun(Configuration("t", SPEC, config, time_limit=60.0), DATA)
    for event in run.events():
        if getattr(event, "step", 0) == 5:
            run.stop()
    assert run.result.status == "stopped" and run.result.end.epochs_completed == 0


def test_pause_and_step_between_two_runs_of_an_experiment_are_ignored(qtbot, session):
    """Between one run's end and the next run's start (the job builds the next run) the session is
    "running" with no run in progress: Pause and Step there used to set the state of no run (an
    AttributeError in the slot, found by mypy's check_untyped_defs). Now they wait for a run."""
    experiment = Experiment("between", "two rates", SPEC, CONFIG, (Axis("lr", (0.05, 0.2)),))
    seen = []

    def press_pause_and_step(run):
        seen.append((session.current_run, session.state))
        session.pause()
        session.step_epoch()

    session.run_finished.connect(press_pause_and_step)
    _, runs = run_in_app(qtbot, session, experiment)
    assert seen[0] == (None, "running")
    assert [r.status for r in runs] == ["completed", "completed"]
    assert [len(r.epochs) for r in runs] == [3, 3]
