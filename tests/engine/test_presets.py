"""The presets are the classic configurations the issue names, and they fit any dataset's shape."""

import pytest

from engine.network import Network
from engine.presets import PRESETS, preset


def test_the_classic_presets():
    textbook = preset("textbook")
    assert textbook.network.layer_sizes == [784, 200, 10]
    assert [h.activation for h in textbook.network.hidden] == ["sigmoid"]
    assert (textbook.network.init, textbook.network.init_scale) == ("normal", 0.01)
    assert textbook.training.batch_size is None and textbook.training.optimiser == "sgd"
    lab = preset("course-lab")
    assert lab.network.layer_sizes == [784, 100, 10] and lab.network.init == "uniform"
    assert lab.training.batch_size == 100
    deep = preset("deep-relu")
    assert deep.network.layer_sizes == [784, 100, 200, 10]
    assert (deep.training.batch_size, deep.training.optimiser, deep.training.lr) == (32, "sgd", 0.1)
    wide = preset("wide")
    assert wide.network.layer_sizes == [784, 512, 512, 10] and wide.training.batch_size == 64
    assert preset("default").training.epochs <= 10


def test_the_vanishing_gradient_pair_differs_only_in_activation_and_initialiser():
    sigmoid, relu = preset("five-sigmoid"), preset("five-relu")
    assert sigmoid.network.layer_sizes == relu.network.layer_sizes == [784] + [64] * 5 + [10]
    assert {h.activation for h in sigmoid.network.hidden} == {"sigmoid"}
    assert {h.activation for h in relu.network.hidden} == {"relu"}
    assert (sigmoid.network.init, relu.network.init) == ("xavier", "he")
    assert sigmoid.training == relu.training


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_for_8x8_digits_or_says_why_not(name):
    if name == "lenet":  # its unpadded second 5x5 convolution needs 28x28 images
        with pytest.raises(ValueError, match="the lenet preset does not fit images of 64 pixels: layer 3"):
            preset(name).for_data(input_size=64, classes=10)
        return
    sized = preset(name).for_data(input_size=64, classes=10)
    assert Network(sized.network).spec.input_size == 64


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset 'huge'; choose one of default"):
        preset("huge")


def test_titles_and_descriptions_name_the_layers_of_the_data_in_use():
    from engine.presets import PRESETS
    default = PRESETS["default"]
    assert "784-256-128-10" in default.description and "98.2%" in default.told()
    small = default.for_data(64, 10)
    assert "64-256-128-10" in small.description and "784" not in small.told()
    assert "98.2%" not in small.told()
    for chosen in PRESETS.values():
        sized = chosen.for_data(64 if not chosen.network.features else 784, 3)
        assert "784" not in sized.title + sized.told(), chosen.name
