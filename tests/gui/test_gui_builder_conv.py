"""The builder's convolutional layers: shown from a preset, edited, their shapes, a shape that cannot work."""

import pytest
from PySide6.QtWidgets import QWidget

from engine.network import ConvLayer, PoolLayer
from engine.presets import PRESETS
from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.panels.training.view import TrainingView
from mnist_gui.state.model_hub import ModelHub

from synthetic import make_dataset


def make_builder(qtbot) -> NetworkBuilder:
    b = NetworkBuilder()
    qtbot.addWidget(b)
    return b


def test_lenet_shows_its_four_feature_layers_and_their_shapes(qtbot):
    b = make_builder(qtbot)
    empty = b.conv_layers.findChild(QWidget, "convEmpty")
    assert b.conv_layers.layers() == () and empty.isVisibleTo(b)  # the default MLP
    b.preset_selector.setCurrentIndex(b.preset_selector.findData("lenet"))
    assert b.conv_layers.layers() == PRESETS["lenet"].network.features
    channels, kernel, padding = b.conv_layers.row_spins(0)
    assert (channels.value(), kernel.value(), padding.value()) == (6, 5, 2)
    assert [s.value() for s in b.conv_layers.row_spins(1)] == [2]  # the pooling window
    assert b.conv_layers.row_activation(1) is None
    shapes = [shape for _, shape, _ in b.shape_table.rows()]
    assert shapes == ["28×28×1", "28×28×6", "14×14×6", "10×10×16", "5×5×16", "400", "120", "84", "10"]
    params = [count for _, _, count in b.shape_table.rows()]
    assert params[1] == 156 and params[3] == 2416 and sum(params) == b.spec().n_params
    assert f"{b.spec().n_params:,}" in b.parameter_count.text()


@pytest.mark.parametrize("name", ["lenet", "cnn"])
def test_the_builders_spec_is_the_preset(qtbot, name):
    b = make_builder(qtbot)
    b.set_preset(name)
    assert b.spec() == PRESETS[name].network and not b.is_modified()
    b.set_preset("default")
    assert b.conv_layers.layers() == () and b.spec().features == ()
    b.set_spec(PRESETS[name].network)  # a loaded model: the cnn's pooling dropout is kept
    assert b.spec() == PRESETS[name].network


def test_editing_a_row_changes_the_spec_and_keeps_what_it_has_no_field_for(qtbot):
    b = make_builder(qtbot)
    b.set_preset("cnn")
    b.conv_layers.row_spins(2)[0].setValue(48)
    b.conv_layers.row_spins(3)[0].setValue(1)
    assert b.spec().features[2] == ConvLayer(48, 3, padding=1)
    assert b.spec().features[3] == PoolLayer(1, dropout=0.25)
    assert b.is_modified() and b.shape_table.rows()[4][1] == "14×14×48"


def test_add_move_and_remove_layers(qtbot):
    b = make_builder(qtbot)
    b.conv_layers.add_conv_button.click()
    b.conv_layers.add_pool_button.click()
    assert b.spec().features == (ConvLayer(6, 5), PoolLayer(2))
    assert [shape for _, shape, _ in b.shape_table.rows()][:4] == ["28×28×1", "24×24×6", "12×12×6", "864"]
    b.conv_layers.add_conv_button.click()  # the next convolution doubles the last one's filters
    assert b.spec().features[2] == ConvLayer(12, 5)
    b.conv_layers.move_layer(2, -1)
    assert [type(layer) for layer in b.spec().features] == [ConvLayer, ConvLayer, PoolLayer]
    b.conv_layers.remove_layer(0)
    b.conv_layers.remove_layer(0)
    b.conv_layers.remove_layer(0)
    assert b.spec().features == () and b.shape_table.rows()[0] == ("input", "784", 0)


def test_a_kernel_larger_than_its_input_says_why_and_refuses_start(qtbot, datasets):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(make_dataset(40, 10))
    b, start = view.builder, view.controls.start_button
    b.set_preset("lenet")
    assert start.isEnabled()
    b.conv_layers.row_spins(2)[1].setValue(30)  # conv 2 sees 14x14 after the first pooling
    message = b.error_label("features").text()
    assert "layer 3 (conv 16x30x30(relu)): a 30x30 filter does not fit its 14x14 input" in message
    assert b.error_label("features").isVisibleTo(b)
    assert not start.isEnabled() and "30x30 filter" in start.toolTip()
    assert view.start() is None and b.shape_table.rows() == []
    b.conv_layers.row_spins(2)[1].setValue(5)
    assert start.isEnabled() and not b.error_label("features").isVisibleTo(b)
    assert view.shutdown(5000)


def test_lenet_on_8x8_digits_is_refused_under_the_convolutional_layers(qtbot):
    b = make_builder(qtbot)
    b.set_data_shape(64, 10, 1000, (8, 8))
    b.set_preset("lenet")
    assert "does not fit its 4x4 input" in b.error_label("features").text()
    assert b.problem() == b.error_label("features").text()


def test_the_drawing_says_lenets_feature_maps_before_its_dense_layers(qtbot):
    b = make_builder(qtbot)
    b.set_preset("lenet")
    assert b.architecture.text() == (
        "image 28×28×1 → conv 5×5 28×28×6 → pool 2 14×14×6 → conv 5×5 10×10×16 → pool 2 5×5×16 → "
        "flatten 400 → 120 ReLU → 84 ReLU → output 10")
    assert b.architecture.accessibleDescription() == b.architecture.text()
    b.set_preset("default")
    assert b.architecture.text().startswith("input 784 → ")
