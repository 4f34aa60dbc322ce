"""Replay of a run (issue 23): a run trained by the engine's runner keeps its network at log-spaced
steps; the timeline puts the network of the chosen step into the model hub (so every panel shows
it), its end is the final network, and Play steps through and stops."""

import numpy as np
import pytest

from engine.experiments import Configuration, run_configuration
from engine.network import HiddenLayer, NetworkSpec
from engine.replay import network_at
from engine.training import TrainConfig
from mnist_gui.panels.training.replay import ReplayBar
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunRecord
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
    assert bar.slider.value() == 0 and bar.timer.isActive()
    qtbot.waitUntil(lambda: not bar.timer.isActive(), timeout=10000)
    assert bar.slider.value() == bar.slider.maximum()
    assert bar.hub.network is run.network and bar.play_button.text() == "Play"


def test_a_model_without_snapshots_hides_the_timeline(bar, run_data):
    data, _ = run_data
    run = RunRecord.from_data(1, data)
    run.snapshots = ()
    bar.hub.show_run(run)
    assert bar.run is None and bar.isHidden()
