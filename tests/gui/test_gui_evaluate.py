"""The Evaluate panel: accuracy and confusion matrix as the engine computes them, cell images, mistakes, weights."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QListView, QWidget

from engine.evaluation import confusion_matrix, evaluate_network
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.training import evaluate
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.panels.evaluate.view import EvaluateView
from mnist_gui.state.drawing import Drawing
from mnist_gui.state.evaluation import TestEvaluation
from mnist_gui.state.focus import ImageFocus
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.workers.evaluation import evaluate_job

from synthetic import make_dataset

TIMEOUT = 10000

@pytest.fixture(scope="module")
def synthetic():
    return make_dataset(n_train=100, n_test=300)


@pytest.fixture(scope="module")
def network():
    """Untrained: its answers are spread over many cells of the confusion matrix."""
    return Network(NetworkSpec(hidden=(HiddenLayer(24),), seed=3))


@pytest.fixture
def hub(qtbot):
    return ModelHub()


@pytest.fixture
def view(qtbot, hub, datasets):
    view = EvaluateView(datasets, hub)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    qtbot.waitExposed(view)
    yield view
    assert view.shutdown(5000)


def evaluated(qtbot, view, hub, network, dataset):
    """Give the view a dataset and a network and wait for its results."""
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT) as blocker:
        view.datasets.set_dataset(dataset)
        hub.set_network(network, "test network")
    return blocker.args[0]


def test_the_names_for_automation_are_there(view):
    assert view.findChild(QWidget, "confusionMatrix") is view.confusion.matrix
    assert isinstance(view.findChild(QListView, "mistakesGallery"), QListView)
    assert view.findChild(QWidget, "weightsView") is view.weights


def test_the_confusion_matrix_sums_to_the_test_set_and_matches_the_engine(qtbot, view, hub,
                                                                         network, synthetic):
    result = evaluated(qtbot, view, hub, network, synthetic)
    shown = view.findChild(QWidget, "confusionMatrix").confusion()
    assert shown.sum() == len(synthetic.test_labels)
    predicted = network.predict(synthetic.test_images)
    labels = synthetic.test_labels.astype(np.int64)
    expected = np.zeros((10, 10), dtype=np.int64)
    np.add.at(expected, (labels, predicted), 1)
    np.testing.assert_array_equal(shown, expected)
    _, accuracy = evaluate(network, synthetic.test_images, synthetic.test_labels)
    assert result.accuracy == pytest.approx(accuracy)
    assert view.accuracy.text() == f"{accuracy:.2%}"
    np.testing.assert_allclose(result.per_class, np.diag(expected) / expected.sum(axis=1))
    assert np.count_nonzero(expected) > 10   # the test means something: many cells are used


def test_clicking_a_cell_shows_exactly_its_images(qtbot, view, hub, network, synthetic):
    result = evaluated(qtbot, view, hub, network, synthetic)
    matrix = view.confusion.matrix
    gallery = view.findChild(QListView, "confusionCellImages")
    counts = result.confusion
    cells = [np.unravel_index(int(np.argmax(counts)), counts.shape), (3, 3),
             tuple(np.argwhere(counts == 0)[0])]
    for true, predicted in cells:
        qtbot.mouseClick(matrix, Qt.LeftButton, pos=matrix.cell_rect(true, predicted).center().toPoint())
        assert matrix.selected() == (true, predicted)
        expected = np.flatnonzero((synthetic.test_labels == true) & (result.predicted == predicted))
        shown = view.confusion.cell_indices()
        np.testing.assert_array_equal(np.sort(shown), expected)
        assert gallery.model().rowCount() == len(expected) == counts[true, predicted]
        assert f"{len(expected):,} of the" in view.confusion.cell_caption.text()


def test_row_percentages_can_be_switched_on(qtbot, view, hub, network, synthetic):
    evaluated(qtbot, view, hub, network, synthetic)
    switch = view.findChild(QCheckBox, "normaliseConfusion")
    before = view.confusion.matrix.grab().toImage()
    switch.setChecked(True)
    after = view.confusion.matrix.grab().toImage()
    assert view.confusion.matrix._normalised and before != after
    np.testing.assert_array_equal(view.confusion.matrix.confusion().sum(), 300)  # counts unchanged


def test_the_mistakes_are_sorted_by_confidence(qtbot, view, hub, network, synthetic):
    result = evaluated(qtbot, view, hub, network, synthetic)
    gallery = view.findChild(QListView, "mistakesGallery")
    shown = view.mistakes.gallery.indices()
    probabilities = network.predict_proba(synthetic.test_images)
    wrong = np.flatnonzero(probabilities.argmax(axis=1) != synthetic.test_labels)
    np.testing.assert_array_equal(np.sort(shown), wrong)
    confidence = probabilities[shown].max(axis=1)
    assert np.all(np.diff(confidence) <= 1e-6)
    assert gallery.model().rowCount() == len(wrong)
    true, top = gallery.model().answer(0)
    assert true == synthetic.test_labels[shown[0]] and len(top) == 3
    assert [c for c, _ in top] == list(np.argsort(-probabilities[shown[0]])[:3])
    view.mistakes.filter.setCurrentIndex(1 + 4)   # true class 4 only
    only = view.mistakes.gallery.indices()
    assert set(only) == set(wrong[synthetic.test_labels[wrong] == 4])
    assert f"{len(wrong):,}</b> of 300" in view.mistakes.summary.text() and result is not None


def test_an_image_goes_to_the_browser_or_the_canvas_through_the_focus(qtbot, view, hub, network, synthetic):
    evaluated(qtbot, view, hub, network, synthetic)
    gallery = view.mistakes.gallery
    first = int(gallery.indices()[0])
    gallery.view.setCurrentIndex(gallery.model.index(0))
    with qtbot.waitSignal(view.focus.canvas_requested) as opened:
        qtbot.mouseClick(gallery.canvas_button, Qt.LeftButton)
    np.testing.assert_array_equal(opened.args[0], synthetic.test_images[first])
    assert not opened.args[0].flags.writeable  # a copy no listener can change for another
    with qtbot.waitSignal(view.focus.browse_requested) as browsed:
        qtbot.mouseClick(gallery.browser_button, Qt.LeftButton)
    assert browsed.args == ["test", first]


def test_the_weight_tiles_are_the_first_layer_weights(qtbot, view, hub, network, synthetic):
    evaluated(qtbot, view, hub, network, synthetic)
    tiles = view.findChild(QWidget, "weightsView").tiles()
    weights = network.dense_layers[0].W
    assert tiles.shape == (24, 28, 28)
    for j in range(weights.shape[1]):
        np.testing.assert_array_equal(tiles[j], weights[:, j].reshape(28, 28))
    other = Network(NetworkSpec(hidden=(HiddenLayer(10),), seed=9))
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT):  # the mosaics are made off the GUI thread
        hub.set_network(other, "another")
    np.testing.assert_array_equal(view.weights.tiles(), other.dense_layers[0].W.T.reshape(10, 28, 28))


def test_a_cnn_shows_its_first_filters_and_outlines_the_strongest_for_the_drawing(qtbot, view, hub, synthetic):
    from engine.presets import preset
    net = Network(preset("lenet").network)
    evaluated(qtbot, view, hub, net, synthetic)
    np.testing.assert_array_equal(view.weights.tiles(), net.conv_layers[0].W[:, 0])  # 6 filters of 5x5
    assert "First convolution: 6 filters" in view.weights.heading.text()
    image = synthetic.test_images[0]
    view.drawing.set_image(image)
    strength = net.feature_maps(image[None])[0][1][0].mean(axis=(1, 2))
    assert view.weights.grid.outlined() == [int(j) for j in np.argsort(-strength)[:2] if strength[j] > 0]
    maps = view.weights.feature_maps
    assert maps.isVisibleTo(view.weights)
    assert maps.captions() == ["conv 1 (6 filters 5x5)", "pool 1 (2x2)", "conv 2 (16 filters 5x5)", "pool 2 (2x2)"]
    from mnist_gui.widgets.feature_maps import feature_mosaic
    first = net.feature_maps(image[None])[0][1][0]  # (6, 28, 28): a grid of 2 rows of 3
    mosaic = feature_mosaic(first)
    assert mosaic.shape == (2 * 28 + 1, 3 * 28 + 2)
    np.testing.assert_allclose(mosaic[29:, 29:57], first[4] / max(first[4].max(), 1e-30), rtol=1e-6)


def test_a_cnns_second_convolution_shows_one_row_per_filter_one_kernel_per_input_map(qtbot, view, hub, synthetic):
    from engine.filter_trace import filter_bank
    from engine.presets import preset
    net = Network(preset("lenet").network)
    evaluated(qtbot, view, hub, net, synthetic)
    weights = view.weights
    assert weights.layer_choice.isVisibleTo(weights) and weights.layer_choice.count() == 2
    assert weights.layer_choice.itemText(1) == "conv 2 (16 filters 5x5)"
    weights.layer_choice.setCurrentIndex(1)
    bank = filter_bank(net, 1)
    tiles = weights.tiles()  # row m, column f: filter f's kernel on map m
    assert tiles.shape == (6 * 16, 5, 5)
    np.testing.assert_array_equal(tiles[4 * 16 + 2], net.conv_layers[1].W[2, 4])
    assert "Convolution 2: 16 filters of 6 kernels 5×5" in weights.heading.text()
    assert "not at pixels but at the 6 maps of pool 1" in weights.heading.text()
    grid = weights.grid
    strongest = [int(m) * 16 + f for f, m in enumerate(bank.strongest_inputs)]
    assert grid.outlined() == strongest
    # filter 3's kernel on map 5 sits in column 3, row 5 (0-based 2 and 4)
    first, tile = grid.tile_rect(0), grid.tile_rect(4 * 16 + 2)
    assert tile.left() > first.left() and tile.top() > first.top()
    assert grid.unit_at(tile.center()) == 4 * 16 + 2
    describe = grid._describe(4 * 16 + 2)
    assert describe.startswith("Filter 3, map 5: its kernel on map 5 of pool 1 (2x2)")
    assert f"{bank.shares[2, 4]:.0%} of the filter's weight" in describe
    view.drawing.set_image(synthetic.test_images[0])  # a drawing keeps the strongest maps outlined
    assert grid.outlined() == strongest
    weights.layer_choice.setCurrentIndex(0)
    np.testing.assert_array_equal(weights.tiles(), net.conv_layers[0].W[:, 0])
    assert "First convolution: 6 filters" in weights.heading.text()
    mlp = Network(NetworkSpec(hidden=(HiddenLayer(10),), seed=9))
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT):
        hub.set_network(mlp, "an MLP")
    assert not weights.layer_choice.isVisibleTo(weights) and weights.tiles().shape == (10, 28, 28)


def test_an_enlarged_filter_says_filter_and_map_and_speaks_of_weights_not_ink(qtbot, view, hub, synthetic):
    from engine.presets import preset
    net = Network(preset("lenet").network)
    evaluated(qtbot, view, hub, net, synthetic)
    view.tabs.setCurrentWidget(view.weights)
    weights, grid = view.weights, view.weights.grid
    qtbot.waitUntil(lambda: grid.isVisible() and grid.width() > 200)
    assert "ink" not in weights.legend.text() and "filter" in weights.legend.text()
    assert weights.same_scale.text() == "One colour scale for all filters"
    qtbot.mouseClick(grid, Qt.LeftButton, pos=grid.tile_rect(2).center().toPoint())  # conv 1, filter 3
    dialog = weights.unit_dialog
    assert dialog.windowTitle() == "Filter 3: weights" and dialog.text.text().startswith("<b>Filter 3</b>")
    assert dialog.scale.end_words() == ("negative weight: holds it back", "positive weight: makes it fire")
    weights.layer_choice.setCurrentIndex(1)  # conv 2: tile (row 5, column 3) is filter 3's kernel on map 5
    qtbot.mouseClick(grid, Qt.LeftButton, pos=grid.tile_rect(4 * 16 + 2).center().toPoint())
    assert dialog.windowTitle() == "Filter 3, map 5: weights"
    text = dialog.text.text()
    assert text.startswith("<b>Filter 3, map 5</b>: its kernel on map 5 of pool 1") and "Unit" not in text
    assert "ink" not in " ".join((text, *dialog.scale.end_words())).lower()
    assert (dialog.tile.image().width(), dialog.tile.image().height()) == (5, 5)
    assert dialog.scale._limit == pytest.approx(float(np.abs(net.conv_layers[1].W[2, 4]).max()))
    dialog.close()


def test_the_most_active_units_are_outlined_on_the_first_visit(qtbot, hub, datasets, synthetic):
    """A drawing already there when the panel first evaluates a network: its units are outlined
    once the weights' mosaic arrives from the job (they were only after a redraw)."""
    from PySide6.QtGui import QImage
    drawing = Drawing()
    image = synthetic.test_images[0]
    drawing.set_image(image)
    net = Network(NetworkSpec(hidden=(HiddenLayer(24),), seed=3))
    hub.set_network(net, "drawn on first")
    view = EvaluateView(datasets, hub, drawing=drawing)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.tabs.setCurrentWidget(view.weights)
    with qtbot.waitSignal(view.test_evaluation.evaluated, timeout=TIMEOUT):
        datasets.set_dataset(synthetic)
        view.show()  # the first visit: the panel starts watching, the job makes the mosaics
    strength = net.activations(image[None])[0][0]
    expected = [int(j) for j in np.argsort(-strength)[:8] if strength[j] > 0]
    assert len(expected) >= 2 and view.weights.grid.outlined() == expected
    grid = view.weights.grid
    picture = QImage(grid.size(), QImage.Format_RGB32)
    grid.render(picture)
    centre = grid.tile_rect(expected[0]).adjusted(-1, -1, 1, 1).topLeft().toPoint()
    assert picture.pixelColor(centre).name() == "#ffc400"  # the outline, drawn
    assert view.shutdown(5000)


def test_the_activations_of_every_hidden_layer_for_a_drawing(qtbot, view, hub, synthetic):
    net = Network(NetworkSpec(hidden=(HiddenLayer(12), HiddenLayer(6, "tanh"))))
    hub.set_network(net, "two layers")
    image = synthetic.test_images[0]
    view.drawing.set_image(image)
    layers = view.weights.activations.layers()
    (d1, d2, _), x = net.dense_layers, image.reshape(1, -1) / np.float32(255)
    h1 = np.maximum(x @ d1.W + d1.b, 0)[0]
    h2 = np.tanh(h1 @ d2.W + d2.b)
    assert [name for name, _ in layers] == ["relu", "tanh"]
    np.testing.assert_allclose(layers[0][1], h1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layers[1][1], h2, rtol=1e-5, atol=1e-6)
    view.drawing.set_image(None)
    assert view.weights.activations.layers() == []


def test_without_a_network_each_view_says_what_to_do(qtbot, view, synthetic, datasets):
    datasets.set_dataset(synthetic)
    assert "Train one on the Network and training panel" in view.summary.text()
    assert "Train a network" in view.weights.grid._placeholder
    assert view.confusion.matrix.confusion().size == 0 and view.evaluation() is None


def test_a_network_for_other_images_is_explained(qtbot, view, hub, network, datasets):
    datasets.set_dataset(make_dataset(n_train=20, n_test=20, shape=(8, 8)))
    hub.set_network(network, "an MNIST network")
    assert "784 pixels per image" in view.summary.text()
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=TIMEOUT)  # only the weight mosaics ran
    assert "784 pixels per image" in view.summary.text() and view.evaluation() is None


def test_only_the_latest_network_is_shown(qtbot, view, hub, synthetic, datasets):
    nets = [Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=s)) for s in range(4)]
    datasets.set_dataset(synthetic)
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT) as blocker:
        for i, net in enumerate(nets):
            hub.set_network(net, f"epoch {i + 1}")
    qtbot.waitUntil(lambda: not view.is_busy(), timeout=TIMEOUT)
    expected = evaluate_network(nets[-1], synthetic.test_images, synthetic.test_labels, 10)
    np.testing.assert_array_equal(view.evaluation().confusion, expected.confusion)
    assert blocker.args[0] is view.evaluation()


def test_confusion_matrix_counts_pairs():
    counts = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_draw_and_evaluate_work_together(qtbot, hub, network, synthetic, tmp_path, datasets):
    """The state the main window shares: one Drawing (drawing -> activations), one ImageFocus
    (gallery -> canvas); the two panels know nothing of each other."""
    drawing, focus = Drawing(), ImageFocus()
    draw = DrawView(datasets, hub, drawing, drawings_path=tmp_path / "d.npz", focus=focus)
    view = EvaluateView(datasets, hub, focus, drawing=drawing)
    for widget in (draw, view):
        qtbot.addWidget(widget)
        widget.show()
    evaluated(qtbot, view, hub, network, synthetic)
    gallery = view.confusion.cell_images
    gallery.view.setCurrentIndex(gallery.model.index(0))
    qtbot.mouseClick(gallery.canvas_button, Qt.LeftButton)
    assert not draw.canvas.is_empty()
    np.testing.assert_array_equal(view.weights._drawing, draw.reading().pre.image)
    assert len(view.weights.activations.layers()) == 1
    assert draw.shutdown(5000) and view.shutdown(5000)


def test_a_hidden_panel_evaluates_only_when_shown(qtbot, hub, network, synthetic, datasets):
    """Training changes the network every epoch: a hidden panel must not spend CPU on each one."""
    view = EvaluateView(datasets, hub)
    qtbot.addWidget(view)
    datasets.set_dataset(synthetic)
    hub.set_network(network, "epoch 1")
    hub.set_network(network, "epoch 2")
    assert not view.is_busy() and view.evaluation() is None
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT):
        view.show()
    assert view.evaluation().accuracy == pytest.approx(
        np.mean(network.predict(synthetic.test_images) == synthetic.test_labels))
    assert view.shutdown(5000)


def test_clicking_a_weight_tile_enlarges_it_with_its_colour_scale(qtbot, view, hub, network,
                                                                    synthetic):
    evaluated(qtbot, view, hub, network, synthetic)
    view.tabs.setCurrentWidget(view.weights)
    grid = view.weights.grid
    qtbot.waitUntil(lambda: grid.isVisible() and grid.width() > 200)
    qtbot.mouseClick(grid, Qt.LeftButton, pos=grid.tile_rect(5).center().toPoint())
    dialog = view.weights.unit_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Unit 6" in dialog.text.text()
    shown = dialog.tile.image()
    assert (shown.width(), shown.height()) == (28, 28) and dialog.tile.width() >= 300
    weights = network.dense_layers[0].W[:, 5]
    assert dialog.scale._limit == pytest.approx(float(np.abs(weights).max()))
    dialog.close()


def test_the_layer_captions_say_what_on_means_for_each_activation():
    from mnist_gui.panels.evaluate.weights import _layer_caption
    values = np.array([0.1, 0.2, 0.6, 0.95], dtype=np.float32)   # sigmoid outputs: all above 0
    sigmoid = _layer_caption(0, "sigmoid", values)
    assert "4 above 0" not in sigmoid and "2 above 0.5" in sigmoid
    relu = _layer_caption(1, "relu", np.array([0, 0, 0.3, 2.0], dtype=np.float32))
    assert "2 active (above 0)" in relu
    tanh = _layer_caption(1, "tanh", np.array([-0.9, 0.2, 0.7], dtype=np.float32))
    assert "1 strongly on (above 0.5)" in tanh


def test_while_networks_keep_coming_evaluating_waits_its_turn(
        qtbot, view, hub, synthetic, datasets, monkeypatch):
    import mnist_gui.state.evaluation as evaluation_state
    state = view.test_evaluation
    first, second = (Network(NetworkSpec(hidden=(HiddenLayer(8),), seed=s)) for s in (1, 2))
    evaluated(qtbot, view, hub, first, synthetic)
    clock = [evaluation_state.time.monotonic()]
    monkeypatch.setattr(evaluation_state.time, "monotonic", lambda: clock[0])
    state._next_allowed = clock[0] + 2.0  # as after an evaluation that took 0.22 s
    hub.set_network(second, "epoch 2")    # the next epoch's network, arriving soon after
    assert not view.is_busy() and state._later.isActive()  # it waits its turn
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT) as blocker:
        state._later.timeout.emit()         # its turn comes
    expected = evaluate_network(second, synthetic.test_images, synthetic.test_labels, 10)
    np.testing.assert_array_equal(blocker.args[0].confusion, expected.confusion)


def test_the_evaluation_state_scores_only_while_watched_and_drops_an_old_dataset(
        qtbot, hub, network, synthetic, datasets):
    """The evaluation lives in state: a view watches it; a result for a dataset replaced while it
    was being made is never announced."""
    state = TestEvaluation(datasets, hub, evaluate_job)
    datasets.set_dataset(synthetic)
    hub.set_network(network, "a network")
    assert not state.is_busy() and state.is_stale() and state.evaluation is None
    with qtbot.waitSignal(state.evaluated, timeout=TIMEOUT) as done:
        state.set_watched(True)
    expected = evaluate_network(network, synthetic.test_images, synthetic.test_labels, 10)
    np.testing.assert_array_equal(done.args[0].evaluation.confusion, expected.confusion)
    assert state.evaluation is done.args[0].evaluation and not state.is_stale()
    state.set_watched(False)
    other = make_dataset(n_train=50, n_test=40, seed=8)
    with qtbot.assertNotEmitted(state.started):
        datasets.set_dataset(other)
    assert state.evaluation is None and state.is_stale()
    with qtbot.waitSignal(state.evaluated, timeout=TIMEOUT) as done:
        state.set_watched(True)
        datasets.set_dataset(synthetic)  # replaces the job for ``other``: only this one reports
    assert done.args[0].dataset is synthetic
    qtbot.waitUntil(lambda: not state.is_busy(), timeout=TIMEOUT)
    assert state.result.dataset is synthetic
    assert state.shutdown(5000)
