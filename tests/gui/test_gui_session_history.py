"""A reopened session replays (issue 23): the runs' snapshots and time points come back from the
file, so the Replay slider and the seconds/images axes work as they did before saving."""

import numpy as np
import pytest

from engine.experiments import Configuration, run_configuration
from engine.files.session_file import read_session
from engine.network import HiddenLayer, NetworkSpec
from engine.replay import network_at
from engine.training import TrainConfig
from mnist_gui.panels.training.replay import ReplayBar
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from tests.synthetic import make_dataset

SPEC = NetworkSpec(hidden=(HiddenLayer(8, "relu"),), seed=1)


@pytest.fixture(scope="module")
def dataset():
    return make_dataset(240, 60)


@pytest.fixture(scope="module")
def runs_data(dataset):
    epochs = run_configuration(Configuration("Run 1 · epochs", SPEC, TrainConfig(epochs=2, batch_size=16)), dataset)
    timed = run_configuration(Configuration("batch-size · batch 1", SPEC, TrainConfig(epochs=1000, batch_size=1),
                                            time_limit=0.05), dataset)
    return [epochs, timed]


def test_the_replay_slider_works_on_a_reopened_session(qtbot, tmp_path, runs_data, dataset):
    saved = RunsModel()
    saved.add_runs(runs_data)
    path = saved.save(tmp_path / "lesson.session.npz", model=saved.runs()[0])
    reopened = RunsModel()
    runs, model = reopened.take_session(read_session(path))
    assert model is runs[0]
    hub = ModelHub()
    bar = ReplayBar(hub)
    qtbot.addWidget(bar)
    hub.show_run(model)
    original = runs_data[0].snapshots
    assert bar.run is model and bar.slider.maximum() == len(original) - 1 > 8
    bar.go_to(3)
    want = network_at(SPEC, original[3]).predict_proba(dataset.test_images)
    np.testing.assert_array_equal(hub.network.predict_proba(dataset.test_images), want)
    assert hub.description.startswith("Run 1 · epochs at step 3")
    bar.shutdown()


def test_time_points_and_the_time_limit_come_back_so_the_time_axes_match(tmp_path, runs_data):
    saved = RunsModel()
    before = saved.add_runs(runs_data)
    after = RunsModel()
    after.open(saved.save(tmp_path / "s.session.npz"))
    for a, b in zip(before, after.runs()):
        assert b.points == a.points and b.time_limit == a.time_limit
        x = np.linspace(0, a.epochs_trained, 7)
        for axis in ("seconds", "images"):
            np.testing.assert_array_equal(b.along(x, axis), a.along(x, axis))
        assert (b.images_seen, b.epochs_trained) == (a.images_seen, a.epochs_trained)
    assert after.runs()[1].time_limit == 0.05 and after.runs()[1].images_seen > 0
