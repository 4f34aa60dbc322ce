"""Replay of a run (issue 23): a run trained by the engine's runner keeps its network at log-spaced
steps; the timeline puts the network of the chosen step into the model hub (so every panel shows
it), its end is the final network, and Play steps through and stops."""

import threading
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from engine.experiments import Configuration, run_configuration
from engine.network import HiddenLayer, NetworkSpec
from engine.replay import network_at
from engine.training import TrainConfig
from mnist_gui.panels.training.replay import ReplayBar
from mnist_gui.state.evaluation import TestEvaluation
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import SAVED_WITHOUT, RunRecord
from tests.synthetic import make_dataset

SPEC = NetworkSpec(hidden=(HiddenLayer(8, "relu"),), seed=1)


@pytest.fixture(scope="module")
def run_data():
    dataset = make_dataset(240, 60)
    return run_configuration(Configuration("small", SPEC, TrainConfig(epochs=3, batch_size=16)), dataset), dataset


@pytest.fixture
def bar(qtbot):
    hub = ModelHub()
    bar = ReplayBar(hub)
    qtbot.addWidget(bar)
    yield bar
    bar.shutdown()


def test_the_engines_runner_keeps_snapshots_ending_with_the_final_network(run_data):
    data, dataset = run_data
    steps = [s.step for s in data.snapshots]
    assert steps[0] == 0 and steps[:4] == [0, 1, 2, 3] and steps == sorted(steps) and len(steps) > 8
    final = network_at(data.network.spec, data.snapshots[-1])
    np.testing.assert_array_equal(final.logits(dataset.test_images), data.network.logits(dataset.test_images))


def test_the_timeline_shows_the_network_of_the_chosen_step_everywhere(bar, run_data):
    data, dataset = run_data
    run = RunRecord.from_data(1, data)
    assert bar.isHidden() and bar.run is None  # no model yet
    bar.hub.show_run(run)
    assert bar.run is run and bar.slider.maximum() == len(run.snapshots) - 1
    assert bar.slider.value() == bar.slider.maximum()
    bar.go_to(2)
    want = network_at(run.network.spec, run.snapshots[2]).predict_proba(dataset.test_images)
    np.testing.assert_allclose(bar.hub.network.predict_proba(dataset.test_images), want, atol=1e-6)
    assert bar.hub.description == "small at step 2 (epoch 0.14)"  # 2 of 14 batches
    assert bar.hub.run is run  # still this run's: the status bar and Use its network agree
    assert "step 2" in bar.where.text() and bar.end_button.isEnabled()
    bar.go_to_end()
    assert bar.hub.network is run.network and not bar.end_button.isEnabled()


def test_play_steps_to_the_end_and_stops(qtbot, bar, run_data):
    data, _ = run_data
    run = RunRecord.from_data(1, data)
    bar.hub.show_run(run)
    bar.timer.setInterval(1)
    bar.play_button.click()
    assert bar.slider.value() == 0 and bar.is_playing()
    qtbot.waitUntil(lambda: not bar.is_playing(), timeout=10000)
    assert bar.slider.value() == bar.slider.maximum() and not bar.timer.isActive()
    assert bar.hub.network is run.network and bar.play_button.text() == "Play"


def test_a_run_without_replay_greys_the_bar_out_and_says_why(bar, run_data):
    data, _ = run_data
    run = RunRecord.from_data(1, replace(data, snapshots=()), missing_replay=SAVED_WITHOUT)
    bar.hub.show_run(run)
    assert bar.run is None and not bar.isHidden()
    assert not bar.slider.isEnabled() and not bar.play_button.isEnabled()
    assert bar.slider.toolTip() == SAVED_WITHOUT and "saved without it" in SAVED_WITHOUT
    assert bar.rerun_button.isEnabled() and bar.where.text() == "no replay"
    bar.hub.set_network(run.network, "model.npz")  # a model file is no run's: no bar
    assert bar.isHidden()


class SlowEvaluation:
    """An evaluation job that holds each network until the test lets it go (``release``)."""

    def __init__(self):
        self.permits = threading.Semaphore(0)

    def __call__(self, network, dataset, worker):
        self.permits.acquire(timeout=30)
        return SimpleNamespace(dataset=dataset, network=network, evaluation=None, mosaics=())


def test_play_moves_on_only_once_the_evaluation_has_scored_the_step_shown(qtbot, bar, run_data, datasets):
    data, dataset = run_data
    datasets.set_dataset(dataset)
    job = SlowEvaluation()
    evaluation = TestEvaluation(datasets, bar.hub, job)
    scored = []
    evaluation.evaluated.connect(scored.append)
    evaluation.set_watched(True)  # Evaluate on screen
    run = RunRecord.from_data(1, data)
    bar.hub.show_run(run)
    job.permits.release()
    qtbot.waitUntil(lambda: not evaluation.is_busy(), timeout=10000)
    bar.timer.setInterval(1)  # the views, not the interval, set the pace
    bar.play_button.click()
    last = bar.slider.maximum()
    for index in range(last):
        qtbot.waitUntil(bar.waiting_for_views, timeout=10000)  # its interval passed, the scores not in
        assert bar.slider.value() == index and evaluation.is_busy()
        job.permits.release()
        qtbot.waitUntil(lambda i=index: bar.slider.value() == i + 1, timeout=10000)
    job.permits.release()
    qtbot.waitUntil(lambda: not evaluation.is_busy() and not bar.is_playing(), timeout=10000)
    assert len(scored) == last + 2  # the final network, then every step once: none skipped
    for result, snapshot in zip(scored[1:-1], run.snapshots):  # in order
        np.testing.assert_array_equal(result.network.weighted_layers[0].W, snapshot.weights[0])
    assert scored[-1].network.weighted_layers[0].W.tolist() == run.network.weighted_layers[0].W.tolist()
    assert evaluation.shutdown(5000)
