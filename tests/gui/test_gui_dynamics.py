"""Training dynamics measured on the worker side: throttled DynamicsReports, kept per run by the session."""

from dataclasses import replace

import numpy as np

from engine.experiments import Configuration
from engine.network import HiddenLayer, NetworkSpec
from engine.training import TrainConfig
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession
from mnist_gui.workers.training import DynamicsReport, TrainingJob, dynamics_sample

from synthetic import make_dataset

TIMEOUT = 20000


class FakeJob:
    """What a generator job sees of the worker: never paused."""

    holds = 0

    def is_paused(self):
        return False

    def pause(self):
        pass


def reports(spec, config, data, **kwargs):
    job = TrainingJob(Configuration("run", spec, config), data, **kwargs)
    return [r for r in job(FakeJob()) if r is not None]


def test_dynamics_are_measured_every_epoch_and_throttled():
    data = make_dataset(400, 100)
    spec = NetworkSpec(hidden=(HiddenLayer(16), HiddenLayer(12)), seed=1)
    config = TrainConfig(epochs=3, batch_size=8, optimiser="sgd", lr=0.1)
    found = reports(spec, config, data, dynamics_interval=60.0)
    dynamics = [r for r in found if isinstance(r, DynamicsReport)]
    n_batches = 3 * round(len(data.train_labels) * (1 - config.validation_fraction) / 8)
    # the first step, then the first step of each later epoch: throttled far below one per batch
    assert len(dynamics) == 3 < n_batches
    first = dynamics[0].statistics
    assert len(first.layers) == 3
    assert np.all(first.gradient_norms > 0) and np.all(np.isfinite(first.update_ratios))
    assert sum(first.layers[0].activation_histogram) == len(dynamics_sample(data)) * 16  # sample x units
    assert [d.statistics.bins for d in dynamics[1:]] == [first.bins] * 2  # histograms stack


def test_no_dynamics_when_switched_off():
    data = make_dataset(120, 40)
    config = TrainConfig(epochs=1, batch_size=32)
    found = reports(NetworkSpec(hidden=(HiddenLayer(8),)), config, data, dynamics_interval=None)
    assert not any(isinstance(r, DynamicsReport) for r in found)


def test_the_session_keeps_the_dynamics_of_each_run(qtbot):
    runs, hub = RunsModel(), ModelHub()
    session = TrainingSession(runs, hub)
    data = make_dataset(240, 60)
    spec = NetworkSpec(hidden=tuple(HiddenLayer(16, "sigmoid") for _ in range(5)), init="normal",
                       init_scale=0.1, seed=0)
    config = replace(TrainConfig(), epochs=2, batch_size=16, optimiser="sgd", lr=0.1)
    added = []
    runs.dynamics_added.connect(added.append)
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT):
        run = session.start("deep sigmoid", spec, config, data)
    assert added and all(r is run for r in added)
    history = run.dynamics
    assert len(history) == len(run.dynamics_x) >= 2
    norms = history.gradient_norms
    assert norms.shape == (len(history), 6)
    # the classic lesson: the gradient shrinks layer by layer towards the input
    assert np.all(norms[:, 0] < norms[:, -2])
    assert session.shutdown(5000)


def test_a_diverging_run_shows_its_infinities_as_such(qtbot):
    from mnist_gui.panels.inside.dynamics_view import DynamicsView, number

    runs, hub = RunsModel(), ModelHub()
    session = TrainingSession(runs, hub)
    view = DynamicsView(runs)
    qtbot.addWidget(view)
    view.show()
    spec = NetworkSpec(hidden=(HiddenLayer(16), HiddenLayer(16)), seed=0)
    config = replace(TrainConfig(), epochs=2, batch_size=16, optimiser="sgd", lr=1e6)
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT):
        run = session.start("lr 1e6", spec, config, make_dataset(240, 60))
    assert run.status == "diverged" and view.shown_run() is run
    view.refresh()
    latest = run.dynamics.latest
    assert latest.overflowed  # the engine's word for it, and the view says so
    text = view.status.text()
    assert "overflowed" in text and all(name in text for name in latest.overflowed)
    assert ", ".join(number(v) for v in run.dynamics.gradient_norms[-1]) in text
    for i, curve in enumerate(view.curves("gradient")):  # the finite values drawn, the others left out
        y = run.dynamics.gradient_norms[:, i]
        shown = curve.getData()[1]
        assert (0 if shown is None else len(shown)) == np.sum(np.isfinite(y) & (y > 0))
    assert (number(np.inf), number(-np.inf), number(np.nan), number(0.01234)) == ("inf", "-inf", "NaN", "0.012")
    assert session.shutdown(5000)
