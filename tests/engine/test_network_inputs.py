"""One way images become a network's inputs (``Network.inputs``), and every forward path uses it.

The bug this pins: the Inside computations scaled pixels by 1/255 themselves, so on a network that
takes raw 0..255 pixels (the ``textbook`` preset) or standardised ones they showed numbers the network
never computed. Each computation is checked here against ``predict_proba`` / ``activations`` on a
raw-scaled, a standardised and a 0..1 network.
"""

import numpy as np
import pytest

from engine.dataset import INPUT_SCALINGS, pixels_from_inputs, scale_pixels
from engine.gradient_check import check_gradients
from engine.inspection import hidden_activations, input_rows, layer_outputs
from engine.layer_statistics import layer_statistics, saturated_fraction
from engine.losses import softmax
from engine.network import Network, NetworkSpec
from engine.presets import preset
from engine.projection import hidden_map, locate
from engine.saliency import input_gradient, nudge
from engine.step_trace import trace_step
from engine.training import TrainConfig

RNG = np.random.default_rng(7)
IMAGES = RNG.integers(0, 256, size=(12, 8, 8), dtype=np.uint8)
LABELS = np.arange(12) % 10


def small_net(scaling: str) -> Network:
    """An untrained sigmoid net with weights of 0.01 (as ``textbook``): raw pixels saturate it."""
    return Network(NetworkSpec(input_size=64, hidden=[(6, "sigmoid"), (5, "sigmoid")], init="normal",
                               init_scale=0.05, seed=3, input_scaling=scaling))


@pytest.mark.parametrize("scaling", list(INPUT_SCALINGS))
def test_inputs_scale_pixels_as_the_spec_says_and_take_floats_as_inputs(scaling):
    net = small_net(scaling)
    offset, factor = INPUT_SCALINGS[scaling]
    x = net.inputs(IMAGES)
    assert x.shape == (12, 64) and x.dtype == np.float32
    np.testing.assert_allclose(x, (IMAGES.reshape(12, -1) - offset) * factor, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(net.inputs(x), x)  # inputs already: only reshaped
    floats = IMAGES.astype(np.float32)
    np.testing.assert_allclose(net.inputs(floats, pixels=True), x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(pixels_from_inputs(x, scaling), IMAGES.reshape(12, -1), atol=1e-3)
    assert net.inputs(IMAGES, np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="takes 64 pixels per image, got images of 49"):
        net.inputs(np.zeros((2, 7, 7), np.uint8))


def test_raw_pixels_really_reach_a_raw_network():
    """The textbook preset's lesson: raw pixels with weights of 0.01 saturate the sigmoid units."""
    spec = preset("textbook").network
    raw = Network(spec)
    unit = Network(NetworkSpec.from_dict({**spec.to_dict(), "input_scaling": "unit"}))
    image = np.zeros((1, 28, 28), np.uint8)
    image[0, 4:24, 10:18] = 255
    np.testing.assert_allclose(raw.inputs(image).max(), 255)
    saturation_raw = np.abs(hidden_activations(raw, image) - 0.5).mean()
    saturation_unit = np.abs(hidden_activations(unit, image) - 0.5).mean()
    assert saturation_raw > 10 * saturation_unit  # what the network computes, not pixels / 255


@pytest.mark.parametrize("scaling", ["raw", "standardised", "unit"])
def test_every_inside_computation_sees_what_predict_proba_sees(scaling):
    net = small_net(scaling)
    expected = net.predict_proba(IMAGES)
    activations = net.activations(IMAGES)

    outputs = layer_outputs(net, input_rows(net, IMAGES))
    for (_, a), b in zip(outputs, activations):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hidden_activations(net, IMAGES), activations[-2], rtol=1e-5, atol=1e-6)

    trace = trace_step(net, IMAGES[0], int(LABELS[0]), TrainConfig(optimiser="sgd", lr=0.1))
    np.testing.assert_allclose(trace.probabilities, expected[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(trace.image.reshape(-1), net.inputs(IMAGES[:1])[0], rtol=1e-6)

    saliency = input_gradient(net, IMAGES[1], 3)
    np.testing.assert_allclose(saliency.probabilities, expected[1], rtol=1e-5, atol=1e-6)
    nudged = nudge(net, IMAGES[2], target=int(np.argmax(expected[2])))  # already that class: no step
    assert nudged.steps == 0
    np.testing.assert_allclose(nudged.probabilities_before, expected[2], rtol=1e-5, atol=1e-6)

    check = check_gradients(net, IMAGES, LABELS)
    p = softmax(net.logits(IMAGES).astype(np.float64))
    cross_entropy = -np.mean(np.log(p[np.arange(12), LABELS]))
    np.testing.assert_allclose(check.loss, cross_entropy, rtol=1e-4)
    assert check.max_relative_error < 1e-4

    stats = layer_statistics(net, IMAGES)
    saturated = [saturated_fraction(a, "sigmoid") for a in activations[:-1]]
    np.testing.assert_allclose([s.saturated_fraction for s in stats.layers[:-1]], saturated)

    embedding = hidden_map(net, IMAGES, LABELS)
    np.testing.assert_allclose(locate(embedding, IMAGES[:3], net), embedding.coordinates[:3],
                               rtol=1e-4, atol=1e-5)


def test_a_nudge_of_float_inputs_turns_them_back_into_the_same_pixels():
    net = small_net("standardised")
    x = scale_pixels(IMAGES[3].reshape(-1), "standardised")
    from_inputs = nudge(net, x, target=int(np.argmax(net.predict_proba(IMAGES[3:4]))))
    np.testing.assert_array_equal(from_inputs.original.reshape(-1), IMAGES[3].reshape(-1))
