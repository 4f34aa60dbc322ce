"""Replay reaches every panel (issue 23): with the timeline at an early step, Draw, Evaluate (confusion,
what it learned, network vs baseline) and Inside (step trace, hidden space, saliency) show the figures
of that step's network, for an MLP and for a CNN (preset lenet on a small subset), not the final one."""

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.evaluation import evaluate_network
from engine.experiments import Configuration, run_configuration
from engine.network import HiddenLayer, NetworkSpec
from engine.presets import preset
from engine.projection import hidden_map
from engine.replay import network_at
from engine.saliency import input_gradient
from engine.step_trace import trace_step
from engine.training import TrainConfig
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.panels.evaluate.view import EvaluateView
from mnist_gui.panels.inside import InsideView
from mnist_gui.panels.training.replay import ReplayBar
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunRecord, RunsModel
from tests.synthetic import make_dataset

TIMEOUT = 30000
EARLY = 2  # the snapshot replayed: step 2, long before the end
STROKE = [(0.5, 0.2 + 0.05 * i) for i in range(13)]


@pytest.fixture(scope="module")
def data():
    return make_dataset(240, 120)


@pytest.fixture(scope="module", params=["mlp", "cnn"])
def run(request, data):
    if request.param == "mlp":
        spec = NetworkSpec(hidden=(HiddenLayer(16, "relu"),), seed=4)
        configuration = Configuration("mlp", spec, TrainConfig(epochs=2, batch_size=16, optimiser="sgd", lr=0.1))
    else:
        spec = preset("lenet").network
        configuration = Configuration("lenet", spec, TrainConfig(epochs=1, batch_size=16, lr=0.003), 160)
    return RunRecord.from_data(1, run_configuration(configuration, data))


@pytest.fixture
def hub(qtbot, datasets, data, run):
    hub = ModelHub()
    datasets.set_dataset(data)
    hub.show_run(run)
    bar = ReplayBar(hub)
    qtbot.addWidget(bar)
    hub.bar = bar
    yield hub
    bar.shutdown()


def early(run):
    """The network of the replayed step, as the engine makes it."""
    return network_at(run.spec, run.snapshots[EARLY])


def shown(qtbot, view):
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_draw_reads_the_drawing_with_the_replayed_network(qtbot, datasets, hub, run, tmp_path):
    view = DrawView(datasets, hub, drawings_path=tmp_path / "drawings.npz")
    qtbot.addWidget(shown(qtbot, view))
    positions = [view.canvas.position_of(x, y) for x, y in STROKE]
    qtbot.mousePress(view.canvas, Qt.LeftButton, pos=positions[0])
    for pos in positions[1:]:
        qtbot.mouseMove(view.canvas, pos)
    qtbot.mouseRelease(view.canvas, Qt.LeftButton, pos=positions[-1])
    image = view.reading().pre.image[None]
    final = view.prediction.plot.values()
    np.testing.assert_allclose(final, run.network.predict_proba(image)[0], rtol=1e-5)
    hub.bar.go_to(EARLY)
    shown_now = view.prediction.plot.values()
    np.testing.assert_allclose(shown_now, early(run).predict_proba(image)[0], rtol=1e-4, atol=1e-6)
    assert not np.allclose(shown_now, final, atol=1e-3)
    assert "at step 2" in view.status.text()
    assert view.shutdown(5000)


def test_evaluate_scores_and_draws_the_replayed_network(qtbot, datasets, hub, run, data):
    view = EvaluateView(datasets, hub)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT):
        shown(qtbot, view)
    final_tiles = view.weights.tiles()
    view.test_evaluation._next_allowed = time.monotonic() + 3600  # as while a run trains beside it
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT) as blocker:
        hub.bar.go_to(EARLY)  # at once all the same: a network chosen to look at waits for nothing
    network = early(run)
    expected = evaluate_network(network, data.test_images, data.test_labels, 10)
    np.testing.assert_array_equal(blocker.args[0].confusion, expected.confusion)
    np.testing.assert_array_equal(view.confusion.matrix.confusion(), expected.confusion)
    assert view.accuracy.text() == f"{expected.accuracy:.2%}" and "at step 2" in view.summary.text()
    first = network.weighted_layers[0].W
    want = first[:, 0] if first.ndim == 4 else first.T.reshape(-1, 28, 28)
    np.testing.assert_array_equal(view.weights.tiles(), want)
    assert not np.array_equal(view.weights.tiles(), final_tiles)
    qtbot.waitUntil(lambda: datasets.baseline is not None and view.versus_baseline.comparison() is not None,
                    timeout=TIMEOUT)
    view.versus_baseline._update()
    comparison = view.versus_baseline.comparison()
    right = np.diag(expected.confusion)
    np.testing.assert_array_equal(comparison.network_right, right)
    assert view.shutdown(5000)


def test_inside_traces_maps_and_explains_with_the_replayed_network(qtbot, datasets, hub, run, data):
    runs = RunsModel()
    view = InsideView(datasets, hub, runs)
    qtbot.addWidget(shown(qtbot, view))
    hub.bar.go_to(EARLY)
    network = hub.network
    np.testing.assert_array_equal(network.weighted_layers[0].W, early(run).weighted_layers[0].W)
    step = view.step_view
    step.show_training_image(7)
    qtbot.waitUntil(lambda: step.trace() is not None and step._traced_network is network, timeout=TIMEOUT)
    want = trace_step(early(run), data.train_images[7], int(data.train_labels[7]), run.config, lr=run.config.lr)
    np.testing.assert_allclose(step.trace().probabilities, want.probabilities, rtol=1e-5)
    assert step.trace().new_loss == pytest.approx(want.new_loss, rel=1e-4)  # the run's own optimiser
    assert step.lr.value() == pytest.approx(run.config.lr)  # the replayed run's, not another's

    view.show_tab("embedding")
    embedding = view.embedding_view
    qtbot.waitUntil(lambda: embedding.maps() is not None and embedding.maps().network is network
                    and not embedding.runner.is_busy(), timeout=TIMEOUT)
    maps = embedding.maps()
    expected = hidden_map(early(run), maps.sample.images, maps.sample.labels)
    assert maps.hidden.layer == expected.layer
    np.testing.assert_allclose(np.abs(np.corrcoef(maps.hidden.coordinates[:, 0], expected.coordinates[:, 0])[0, 1]),
                               1.0, atol=1e-3)  # the same map, up to the alignment to the one before

    view.show_tab("saliency")
    saliency = view.saliency_view
    image = data.test_images[5]
    with qtbot.waitSignal(saliency.computed, timeout=TIMEOUT):
        view.drawing.set_image(image)
    predicted = int(early(run).predict(image[None])[0])
    np.testing.assert_allclose(saliency.saliency().saliency.gradient,
                               input_gradient(early(run), image, predicted).gradient, rtol=1e-4, atol=1e-7)
    assert view.shutdown(5000)
