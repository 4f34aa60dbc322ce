"""Inside for a CNN: the step's filter slides over the digit with the engine's numbers (``FilterTrace``),
the feature maps of the image, and the filter's dL/dW built from the weighted windows."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from engine.filter_trace import trace_filter
from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer, feature_names
from mnist_gui.panels.inside import InsideView
from mnist_gui.panels.inside.conv_stages import NO_CONV, NOT_YET
from mnist_gui.panels.inside.step_stages import UnitGradientPage, UpdatePage
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.widgets.number_text import signed

from synthetic import make_dataset

TIMEOUT = 20000
SPEC = NetworkSpec(features=(ConvLayer(3, 5, padding=2), PoolLayer(2), ConvLayer(4, 3), PoolLayer(2)),
                   hidden=(HiddenLayer(12),), seed=4)


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_train=60, n_test=40)


@pytest.fixture
def cnn_view(qtbot, datasets, data):
    datasets.set_dataset(data)
    hub = ModelHub()
    hub.set_network(Network(SPEC), "a small CNN")
    view = InsideView(datasets, hub, RunsModel())
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    qtbot.waitExposed(view)
    step = view.step_view
    step.show_training_image(3)
    qtbot.waitUntil(lambda: step.slide.trace is not None and not step.runner.is_busy(), timeout=TIMEOUT)
    yield view
    assert view.shutdown(5000)


def _expected(view, data, index):
    return trace_filter(view.step_view.hub.network, data.train_images[3], int(data.train_labels[3]), index)


def test_a_cnn_step_walks_through_the_filter_the_maps_and_the_filters_gradient(cnn_view):
    step = cnn_view.step_view
    titles = [page.TITLE for page in step.stage_pages]
    assert titles[0].startswith("Forward: one filter slides") and titles[1] == "Forward: every feature map"
    backward = titles.index("Backward: a filter's dL/dW")
    assert backward == titles.index("Backward: each layer's delta") + 1
    assert step.stage == 0 and step.position.text() == f"stage 1 of {len(titles)}"


def test_the_forward_page_shows_the_window_its_numbers_and_the_map_filling_in(qtbot, cnn_view, data):
    step = cnn_view.step_view
    page = step.conv_forward
    page.controls.filter.setValue(2)  # filter 2 of 3 (0-based 1)
    step.slide.set_position(30)  # row 1, column 2 of the 28x28 map
    expected = _expected(cnn_view, data, 1)
    i, j = expected.position(30)
    assert (i, j) == (1, 2)
    assert page.input_tile.window() == (1, 2, 5)
    np.testing.assert_allclose(step.slide.trace.weights, expected.weights, rtol=1e-6)
    assert page.weights.texts()[0] == f"{expected.weights[0, 0]:.2f}".replace("-", "−")
    formula = page.formula.text()
    assert "z[1, 2] = " in formula and signed(expected.z[1, 2]) in formula
    assert signed(expected.weighted_sum(1, 2)) in formula  # Σ w·x, then + b
    image = page.map_tile.image()  # filled up to (1, 2); (1, 3) on not yet
    assert QColor(image.pixel(3, 1)).getRgb()[:3] == NOT_YET
    assert QColor(image.pixel(2, 1)).getRgb()[:3] != NOT_YET or np.isnan(expected.a[1, 2])
    assert page.controls.where.text() == "(1, 2): 31 of 784"


def test_play_slides_the_window_and_stops_when_hidden(qtbot, cnn_view):
    step = cnn_view.step_view
    controls = step.conv_forward.controls
    controls.speed.setCurrentIndex(controls.speed.count() - 1)  # the fastest
    step.slide.set_position(0)
    controls.play_button.click()
    assert controls.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: step.slide.position >= 5, timeout=TIMEOUT)
    step.next()  # the page is hidden: the window stops
    assert not step.slide.playing and not step.slide.timer.isActive()
    at = step.slide.position
    qtbot.wait(100)
    assert step.slide.position == at


def test_the_backward_page_sums_the_weighted_windows_to_backprops_gradient(qtbot, cnn_view, data):
    step = cnn_view.step_view
    page = step.conv_backward
    expected = _expected(cnn_view, data, 0)
    step.slide.set_position(9)
    np.testing.assert_allclose(step.slide.trace.gradient_so_far(10), expected.gradient_so_far(10), rtol=1e-6)
    assert page.so_far.title().startswith("Σ of 10 of 784")
    step.slide.set_position(expected.n_positions - 1)
    assert page.so_far.texts() == page.backprop.texts()  # the sum of all windows is backprop's dL/dW
    u, v = expected.largest_gradient
    formula = page.formula.text()
    assert formula.startswith(f"dL/dw[{u},{v}]: ") and "so far" not in formula
    assert f"backprop {signed(expected.backprop_gradient[u, v])}" in formula
    assert "Σ δ·x = dL/dW" in formula


def test_where_relu_stopped_the_error_the_backward_page_says_delta_is_0_never_minus_0(cnn_view, data):
    step = cnn_view.step_view
    page = step.conv_backward
    expected = _expected(cnn_view, data, 0)
    delta = expected.delta.reshape(-1)
    stopped = np.flatnonzero(delta == 0)  # ReLU off: δ is 0, or -0 after a negative error
    negative = stopped[np.signbit(delta[stopped])]
    assert len(negative) > 0 and len(stopped) > len(negative)
    for n in [*negative[:20], *stopped[:5]]:
        step.slide.set_position(int(n))
        assert page.scale.text() == "× δ = 0"
    assert "−0 " not in page.formula.text() and not page.formula.text().endswith("−0")


def test_the_update_stage_has_a_row_per_dense_layer_and_the_first_comes_from_the_maps_not_a_pixel(cnn_view):
    step = cnn_view.step_view
    trace = step.trace()
    page = next(p for p in step.stage_pages if isinstance(p, UpdatePage))
    rows = page.update_texts()
    assert [row[0] for row in rows] == ["hidden 1", "output"]
    first = trace.layers[0].largest
    assert rows[0][1:5] == [f"W[{first.row}, {first.col}]", signed(first.before), signed(first.gradient),
                            signed(first.after)]
    c, i, j = np.unravel_index(first.row, SPEC.feature_shapes[-1])
    tip = page.table.item(0, 1).toolTip()
    assert f"pool 2 (2x2) map {c + 1} at ({i}, {j})" in tip and "pixel" not in tip
    assert f"unit {trace.layers[1].largest.row} of hidden 1" in page.table.item(1, 1).toolTip()


def test_a_cnns_first_layer_gradients_are_named_filters_not_units_of_784_pixels(qtbot, cnn_view):
    step = cnn_view.step_view
    trace = step.trace()
    page = next(p for p in step.stage_pages if isinstance(p, UnitGradientPage))
    step._show_stage(step.stage_pages.index(page))
    assert step.stage_title.text().endswith("what the first filters' weights will do")
    assert "784" not in step.stage_note.text() and "filter" in step.stage_note.text()
    tile, caption = page.tiles[0]
    assert caption.text().startswith(f"filter {trace.units[0] + 1}<br>") and "5×5 weights" in tile.toolTip()
    step.hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=1)), "an MLP")
    qtbot.waitUntil(lambda: not step.runner.is_busy() and step.trace() is not None
                    and not step.trace().spec.features, timeout=TIMEOUT)
    step._show_stage(step.stage_pages.index(page))  # an MLP's first layer: units of 784 input weights
    assert step.stage_title.text().endswith("what the first layer's weights will do")
    assert "784 input weights" in step.stage_note.text()
    assert caption.text().startswith(f"unit {step.trace().units[0]}<br>")


def test_past_eight_input_maps_the_formula_adds_the_other_maps_up_and_lists_them_in_its_tooltip(data):
    from mnist_gui.panels.inside.conv_stages import _forward_formula, _map_sums
    many = NetworkSpec(features=(ConvLayer(10, 3, padding=1), PoolLayer(2), ConvLayer(2, 3)), hidden=(), seed=2)
    seen = trace_filter(Network(many), data.train_images[3], int(data.train_labels[3]), 1, layer=1).on_channel(4)
    i, j = seen.position(7)
    sums = seen.channel_sums(i, j)
    formula = _forward_formula(seen, i, j)
    assert f"Σ over 10 maps + b = <b>{signed(float(sums[4]), 2)}</b> (map 5) " in formula
    assert f"{signed(float(np.sum(sums) - sums[4]), 2)} (the other 9) + (" in formula
    assert _map_sums(seen, i, j).split(" ")[4] == f"<b>{signed(float(sums[4]), 2)}</b>"


def test_the_feature_maps_page_shows_every_conv_and_pool_layer(cnn_view):
    strip = cnn_view.step_view.feature_maps_page.maps
    assert strip.captions() == feature_names(SPEC)


def test_an_mlp_has_no_convolution_stages_and_the_pages_say_why(qtbot, cnn_view):
    step = cnn_view.step_view
    step.hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=1)), "an MLP")
    qtbot.waitUntil(lambda: step.slide.trace is None and not step.runner.is_busy()
                    and step.trace() is not None and not step.trace().spec.features, timeout=TIMEOUT)
    assert step.conv_forward not in step.stage_pages and len(step.stage_pages) == 7
    assert step.conv_forward.problem.text() == NO_CONV and step.conv_forward.problem.isVisibleTo(step.conv_forward)


def test_the_second_convolution_slides_over_every_map_below_it_one_input_map_at_a_time(qtbot, cnn_view, data):
    step = cnn_view.step_view
    page, back = step.conv_forward, step.conv_backward
    controls = page.controls
    assert controls.layer.isHidden() is False and controls.layer.count() == 2
    assert controls.layer.itemText(1) == "conv 2"
    assert controls.layer.itemData(1, Qt.ToolTipRole) == "conv 2 (4 filters 3x3)"
    assert not controls.channel.isVisibleTo(controls)  # conv 1 reads the image: one channel
    controls.layer.setCurrentIndex(1)  # conv 2 (4 filters 3x3), reading pool 1's 3 maps
    assert step.slide.layer == 1 and controls.channel.isVisibleTo(controls)
    assert controls.channel.suffix() == " of 3" and controls.filter.suffix() == " of 4"
    controls.filter.setValue(4)
    controls.channel.setValue(2)
    step.slide.set_position(13)
    expected = trace_filter(step.hub.network, data.train_images[3], int(data.train_labels[3]), 3, layer=1)
    seen = expected.on_channel(1)
    i, j = seen.position(13)
    np.testing.assert_allclose(step.slide.trace.weights, seen.weights, rtol=1e-6)
    assert page.weights.title() == "the filter w, map 2"
    assert page.input_caption.text() == "pool 1 map 2/3"
    assert page.input_tile.window() == (i, j, 3)
    formula = page.formula.text()
    assert f"z[{i}, {j}] = Σ over 3 maps + b = " in formula
    assert signed(expected.z[i, j]) in formula
    assert f"<b>{signed(seen.weighted_sum(i, j), 2)}</b>" in formula
    step.slide.set_position(seen.n_positions - 1)
    assert back.so_far.texts() == back.backprop.texts()  # map 2's slice of dL/dW: the windows' sum
    assert back.backprop.title().startswith("backprop's dL/dW, map 2")
    np.testing.assert_allclose(step.slide.trace.backprop_gradient, seen.backprop_gradient, rtol=1e-6, atol=1e-9)
    controls.layer.setCurrentIndex(0)  # back to the first: one channel again, the filter kept
    assert step.slide.channel == 0 and step.slide.filter == 2 and not controls.channel.isVisibleTo(controls)
