"""The Inside panel: its four views show the engine's own numbers after a short training run."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine.network import HiddenLayer, NetworkSpec
from engine.saliency import input_gradient
from engine.step_trace import trace_step
from engine.training import TrainConfig
from mnist_gui.panels.inside import InsideView
from mnist_gui.panels.inside.dynamics_view import decades
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession
from mnist_gui.widgets.number_text import signed
from mnist_gui.workers.inside import MAP_SAMPLE

from synthetic import make_dataset

TIMEOUT = 20000

@pytest.fixture(scope="module")
def data():
    return make_dataset(n_train=300, n_test=400)


@pytest.fixture
def trained(qtbot, datasets, data):
    """A short run through the real session: the hub holds its network, the runs model its dynamics."""
    runs, hub = RunsModel(), ModelHub()
    session = TrainingSession(runs, hub)
    datasets.set_dataset(data)
    spec = NetworkSpec(hidden=(HiddenLayer(24), HiddenLayer(16)), seed=2)
    config = TrainConfig(epochs=2, batch_size=16, optimiser="sgd", lr=0.1)
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT):
        session.start("short", spec, config, data)
    yield runs, hub
    assert session.shutdown(5000)


@pytest.fixture
def view(qtbot, datasets, trained):
    runs, hub = trained
    view = InsideView(datasets, hub, runs)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    yield view
    assert view.shutdown(5000)


def shown_trace(qtbot, view):
    qtbot.waitUntil(lambda: view.step_view.trace() is not None
                    and view.step_view.trace().spec == view.step_view.hub.network.spec, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not view.step_view.runner.is_busy(), timeout=TIMEOUT)
    return view.step_view.trace()


def test_the_names_for_automation_are_there(view):
    assert view.objectName() == "insideView"
    for name in ("stepTrace", "gradientNormPlot", "histogramView", "embeddingMap", "saliencyView",
                 "stepNext", "stepBack", "applyStepButton", "checkGradientButton", "nudgeButton"):
        assert view.findChild(QWidget, name) is not None, name


def test_the_step_view_shows_the_engines_trace_of_the_same_image(qtbot, view, data, trained):
    _, hub = trained
    step = view.step_view
    step.show_training_image(7)
    trace = shown_trace(qtbot, view)
    expected = trace_step(hub.network, data.train_images[7], int(data.train_labels[7]),
                          TrainConfig(epochs=2, batch_size=16, optimiser="sgd", lr=0.1), lr=0.1)
    assert trace.label == int(data.train_labels[7])
    np.testing.assert_allclose(trace.probabilities, expected.probabilities, rtol=1e-5)
    assert trace.new_loss == pytest.approx(expected.new_loss, rel=1e-5)
    for mine, theirs in zip(trace.gradients, expected.gradients):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-7)
    output_page = step.stage_pages[1]
    assert output_page.formula.text() == expected.loss_formula()
    table = step.stage_pages[2].table
    assert table.item(2, 0).text() == signed(float(expected.output_delta[0]), 3)  # never "-0.0000"


def test_next_and_back_walk_the_stages_with_buttons_and_keys(qtbot, view):
    step = view.step_view
    shown_trace(qtbot, view)
    assert step.stage == 0 and not step.back_button.isEnabled()
    qtbot.mouseClick(step.next_button, Qt.LeftButton)
    assert step.stage == 1 and "probabilities" in step.stage_title.text()
    step.setFocus()
    qtbot.keyClick(step, Qt.Key_Right)
    qtbot.keyClick(step, Qt.Key_PageDown)
    assert step.stage == 3
    qtbot.keyClick(step, Qt.Key_Left)
    assert step.stage == 2
    for _ in range(10):
        step.next()
    assert step.stage == len(step.stage_pages) - 1 and not step.next_button.isEnabled()
    qtbot.mouseClick(step.back_button, Qt.LeftButton)
    assert step.stage == len(step.stage_pages) - 2


def test_apply_makes_the_step_real(qtbot, view, data, trained):
    _, hub = trained
    step = view.step_view
    step.show_training_image(3)
    trace = shown_trace(qtbot, view)
    before = hub.network
    with qtbot.waitSignal(hub.network_changed, timeout=TIMEOUT):
        qtbot.mouseClick(step.apply_button, Qt.LeftButton)
    after = hub.network
    assert after is not before
    x = data.train_images[3][None]
    loss, _ = after.loss(after.logits(x.reshape(1, -1) / np.float32(255)), np.array([trace.label]))
    assert loss == pytest.approx(trace.new_loss, rel=1e-5)


def test_check_this_gradient_fills_the_table(qtbot, view):
    step = view.step_view
    shown_trace(qtbot, view)
    with qtbot.waitSignal(step.checked, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(step.check_button, Qt.LeftButton)
    check = blocker.args[0]
    assert step.check_table.isVisible() and step.check_table.rowCount() == len(check.entries) == 9
    assert step.check_table.item(0, 1).text() == f"{check.entries[0].analytic:.6g}"
    assert check.max_relative_error < 1e-3


def test_the_gradient_norm_plot_holds_one_curve_per_layer(qtbot, view, trained):
    runs, _ = trained
    view.show_tab("dynamics")
    dynamics = view.dynamics_view
    qtbot.waitUntil(lambda: len(dynamics.curves("gradient")) == 3, timeout=TIMEOUT)
    run = runs.runs()[-1]
    assert dynamics.shown_run() is run
    for i, curve in enumerate(dynamics.curves("gradient")):
        x, y = curve.getOriginalDataset()  # getData() gives log10 on a log axis
        np.testing.assert_allclose(y, run.dynamics.gradient_norms[:, i])
        assert len(x) == len(run.dynamics) >= 2
    assert dynamics.gradient_plot.getPlotItem().ctrl.logYCheck.isChecked()
    (x_low, x_high), (y_low, y_high) = dynamics.gradient_plot.getPlotItem().viewRange()
    norms = run.dynamics.gradient_norms
    assert x_low <= 0 and x_high >= run.dynamics_x[-1]  # the finished run's whole length
    assert y_low <= np.log10(norms.min()) and y_high >= np.log10(norms.max())  # in whole decades,
    assert y_high - y_low >= 2 - 1e-9  # at least two: fewer crowd a log axis with labels
    image = dynamics.histogram_image.image
    assert image is not None and image.shape == (40, len(run.dynamics))


def test_the_embedding_map_holds_its_points(qtbot, view, data):
    view.show_tab("embedding")
    embedding = view.embedding_view
    qtbot.waitUntil(lambda: embedding.maps() is not None and embedding.maps().hidden is not None,
                    timeout=TIMEOUT)
    n = len(embedding.maps().sample.labels)
    assert n == min(MAP_SAMPLE, len(data.test_labels))
    assert embedding.hidden.point_count() == embedding.pixels.point_count() == n
    view.drawing.set_image(data.test_images[0])
    x, _y = embedding.hidden.star.getData()
    assert len(x) == 1
    embedding._show_point(0)
    assert "label" in embedding.point_text.text()


def test_saliency_is_the_engines_input_gradient_and_the_nudge_reaches_its_target(qtbot, view, data, trained):
    _, hub = trained
    view.show_tab("saliency")
    saliency = view.saliency_view
    image = data.test_images[5]
    with qtbot.waitSignal(saliency.computed, timeout=TIMEOUT):
        view.drawing.set_image(image)
    shown = saliency.saliency().saliency
    predicted = int(hub.network.predict(image[None])[0])
    np.testing.assert_allclose(shown.gradient, input_gradient(hub.network, image, predicted).gradient)
    target = (predicted + 1) % 10
    saliency.target.setCurrentIndex(target)
    with qtbot.waitSignal(saliency.computed, timeout=TIMEOUT):
        qtbot.mouseClick(saliency.nudge_button, Qt.LeftButton)
    nudged = saliency.nudged().nudge
    assert nudged.target == target
    if nudged.succeeded:
        assert nudged.prediction_after == target
        assert f"reads <b>{target}</b>" in saliency.nudge_text.text()


def test_a_hidden_panel_computes_nothing(qtbot, datasets, trained):
    runs, hub = trained
    view = InsideView(datasets, hub, runs)
    qtbot.addWidget(view)
    hub.set_network(hub.network, "again")
    assert not view.is_busy()
    assert view.embedding_view.maps() is None and view.step_view.trace() is None
    assert view.shutdown(5000)


def test_networks_coming_faster_than_maps_end_with_the_map_of_the_last(qtbot, view, trained):
    _, hub = trained
    view.show_tab("embedding")
    embedding = view.embedding_view
    qtbot.waitUntil(lambda: embedding.maps() is not None and not embedding.runner.is_busy(), timeout=TIMEOUT)
    first = embedding.maps()
    copies = [hub.network.copy() for _ in range(3)]
    for network in copies:  # as epochs shorter than a map would
        hub.set_network(network, "a copy")
    qtbot.waitUntil(lambda: embedding.maps().network is copies[-1], timeout=TIMEOUT)
    np.testing.assert_allclose(embedding.maps().hidden.coordinates, first.hidden.coordinates, atol=1e-6)


@pytest.mark.parametrize("values, expected", [
    (np.array([[0.07, 1.2], [0.2, 0.5]]), (-2.0, 1.0)),  # 0.07 to 1.2: three whole decades
    (np.array([[0.2, 0.5]]), (-2.0, 0.0)),  # within one decade: widened to two
    (np.array([[np.nan, 0.0, 3e-4, 2e-2]]), (-4.0, -1.0)),  # 0 and nan are not on a log axis
    (np.array([[np.nan]]), (-1.0, 1.0)),
])
def test_log_axes_span_whole_decades_at_least_two(values, expected):
    assert decades(values) == expected


@pytest.fixture
def maps_view(qtbot, datasets, data):
    from mnist_gui.panels.inside.embedding_view import EmbeddingView

    datasets.set_dataset(data)
    hub = ModelHub()
    view = EmbeddingView(datasets, hub)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitUntil(lambda: view.maps() is not None, timeout=TIMEOUT)
    yield view, hub
    assert view.shutdown(5000)


def _maps_of(qtbot, view, hub, network):
    with qtbot.waitSignal(view.runner.succeeded, timeout=TIMEOUT):
        hub.set_network(network, "a test network")
    return view.maps()


def test_a_last_hidden_layer_of_one_unit_is_drawn_as_one_strip_per_class(qtbot, maps_view, data):
    from engine.network import Network
    from mnist_gui.panels.inside.embedding_view import strip_offsets

    view, hub = maps_view
    net = Network(NetworkSpec(hidden=(HiddenLayer(16), HiddenLayer(1, "tanh")), seed=3))
    result = _maps_of(qtbot, view, hub, net)
    assert result.hidden is not None and result.hidden.dimensions == 1 and not result.hidden_problem
    assert view.hidden.point_count() == view.pixels.point_count() == len(result.sample.labels)
    for k, scatter in enumerate(view.hidden.items):  # x the unit's coordinate, y the class's row
        x, y = scatter.getData()
        rows = np.flatnonzero(result.hidden.labels == k)
        np.testing.assert_allclose(x, result.hidden.coordinates[rows, 0])
        np.testing.assert_allclose(y, k + strip_offsets(rows))
    assert "one unit" in view.status.text() and "one unit" in view.hidden.widget.getPlotItem().titleLabel.text
    view.set_drawing(data.test_images[0])
    x, y = view.hidden.star.getData()
    assert len(x) == 1 and y[0] == -1
    two = _maps_of(qtbot, view, hub, Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=1)))
    assert two.hidden.dimensions == 2 and view.hidden.dimensions == 2  # back to an ordinary map
    x, y = view.hidden.items[0].getData()
    np.testing.assert_allclose(y, two.hidden.coordinates[two.hidden.labels == 0, 1])


def test_without_a_hidden_map_the_pixel_map_stays_and_the_reason_is_said(qtbot, maps_view):
    from engine.network import Network

    view, hub = maps_view
    pixels = view.maps().pixels
    shown = view.pixels.point_count()
    assert shown == len(pixels.labels)
    _maps_of(qtbot, view, hub, Network(NetworkSpec(hidden=(HiddenLayer(1),))))  # a 1-D map first
    result = _maps_of(qtbot, view, hub, Network(NetworkSpec(hidden=())))
    assert result.hidden is None and "no hidden layer" in result.hidden_problem
    assert result.pixels is pixels and view.pixels.point_count() == shown  # not thrown away
    assert view.hidden.point_count() == 0 and view.hidden.dimensions == 2
    assert "No map of the hidden space" in view.status.text() and "no hidden layer" in view.status.text()
    broken = Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=1))
    broken.dense_layers[0].W[:] = np.inf  # activations that have no place on a map
    result = _maps_of(qtbot, view, hub, broken)
    assert result.hidden is None and "inf or NaN" in result.hidden_problem
    assert view.pixels.point_count() == shown and "inf or NaN" in view.status.text()
