"""layer_table: the shape after each layer and its parameter count, as the builder shows them."""

import pytest

from engine.network import ConvLayer, HiddenLayer, NetworkSpec, PoolLayer, layer_table
from engine.presets import PRESETS


def test_lenet_goes_28x28x1_to_5x5x16_then_400_120_84_10():
    table = layer_table(PRESETS["lenet"].network)
    assert [shape for _, shape, _ in table] == [
        "28×28×1", "28×28×6", "14×14×6", "10×10×16", "5×5×16", "400", "120", "84", "10"]
    params = dict((name, count) for name, _, count in table)
    assert params["conv 1 (6 filters 5x5)"] == 6 * 1 * 5 * 5 + 6
    assert params["conv 2 (16 filters 5x5)"] == 16 * 6 * 5 * 5 + 16
    assert params["pool 1 (2x2)"] == 0 and params["flatten"] == 0
    assert params["dense 1 (120 relu)"] == 400 * 120 + 120 and params["output"] == 84 * 10 + 10


@pytest.mark.parametrize("name", ["lenet", "cnn", "default", "textbook"])
def test_the_counts_add_up_to_the_networks_parameters(name):
    spec = PRESETS[name].network
    assert sum(count for _, _, count in layer_table(spec)) == spec.n_params


def test_an_mlp_starts_from_its_pixels_and_has_no_flatten():
    spec = NetworkSpec(input_size=64, hidden=(HiddenLayer(32, "tanh"),))
    assert layer_table(spec) == [("input", "64", 0), ("dense 1 (32 tanh)", "32", 64 * 32 + 32),
                                 ("output", "10", 32 * 10 + 10)]


def test_stride_and_padding_change_the_shape():
    spec = NetworkSpec(features=(ConvLayer(4, 3, padding=1, stride=2), PoolLayer(7)), hidden=())
    assert [shape for _, shape, _ in layer_table(spec)] == ["28×28×1", "14×14×4", "2×2×4", "16", "10"]


def test_a_filter_larger_than_its_input_is_refused_naming_the_layer():
    spec = PRESETS["lenet"].network
    with pytest.raises(ValueError, match=r"layer 3 \(conv 16x30x30\(relu\)\): a 30x30 filter does not fit"):
        NetworkSpec(features=(*spec.features[:2], ConvLayer(16, 30)), hidden=spec.hidden)
