"""The input gradient against finite differences, and a nudge that flips a trained network's answer."""

import numpy as np
import pytest

from engine.network import Network, NetworkSpec
from engine.saliency import input_gradient, nudge
from engine.training import TrainConfig, Trainer

from gradcheck import assert_close, numerical_gradient
from synthetic import make_split

RNG = np.random.default_rng(21)


@pytest.fixture(scope="module")
def trained():
    """A 64-32-10 ReLU network that classifies the synthetic 8x8 blocks perfectly, and test images."""
    images, labels = make_split(300, shape=(8, 8), rng=np.random.default_rng(0))
    net = Network(NetworkSpec(input_size=64, hidden=[(32, "relu")], classes=10, seed=0))
    config = TrainConfig(epochs=15, batch_size=32, optimiser="adam", lr=0.01, validation_fraction=0)
    for _ in Trainer(net, config, images, labels).run():
        pass
    test_images, test_labels = make_split(20, shape=(8, 8), rng=np.random.default_rng(1))
    assert np.all(net.predict(test_images) == test_labels)
    return net, test_images, test_labels


@pytest.mark.parametrize("score", ["logit", "log_probability"])
def test_input_gradient_matches_finite_differences(score):
    net = Network(NetworkSpec(input_size=36, hidden=[(12, "tanh"), (8, "sigmoid")], classes=5,
                              init="xavier", seed=3), dtype=np.float64)
    x = RNG.uniform(0, 1, size=36)
    saliency = input_gradient(net, x, 2, score)

    def value():
        z = net.logits(x[None])[0]
        return z[2] if score == "logit" else z[2] - np.log(np.sum(np.exp(z)))

    assert saliency.gradient.shape == (6, 6)
    assert_close(saliency.gradient.reshape(-1), numerical_gradient(value, x), rtol=1e-5, atol=1e-9)
    assert saliency.value == pytest.approx(value())
    np.testing.assert_allclose(saliency.probabilities, net.predict_proba(x[None])[0])


def test_saliency_of_a_uint8_image_in_the_networks_units(trained):
    net, images, labels = trained
    saliency = input_gradient(net, images[0], int(labels[0]))
    assert saliency.gradient.shape == saliency.image.shape == (8, 8)
    np.testing.assert_allclose(saliency.image, images[0] / 255, atol=1e-6)
    assert saliency.gradient.dtype == np.float32 and np.any(saliency.gradient != 0)
    in_float64 = input_gradient(net, images[0], int(labels[0]), dtype=np.float64)
    np.testing.assert_allclose(in_float64.gradient, saliency.gradient, rtol=1e-4, atol=1e-5)


def test_nudge_flips_a_trained_network_with_a_small_change(trained):
    net, images, labels = trained
    before = [p.value.copy() for p in net.parameters]
    for image, label in zip(images[:4], labels[:4]):
        target = (int(label) + 3) % 10
        result = nudge(net, image, target, step=2, max_steps=100)
        assert result.succeeded and result.prediction_after == target
        assert result.prediction_before == label
        assert net.predict(result.nudged[None])[0] == target  # the uint8 image really is one
        np.testing.assert_array_equal(result.nudged.astype(np.int16) - image, result.difference)
        assert 0 < result.linf <= 2 * result.steps and result.linf < 64  # a quarter of the range
        assert result.pixels_changed == np.count_nonzero(result.difference)
        assert result.l2 == pytest.approx(np.linalg.norm(result.difference) / 255)
        assert result.probabilities_after[target] > result.probabilities_before[target]
    for p, value in zip(net.parameters, before):
        np.testing.assert_array_equal(p.value, value)


def test_nudge_within_a_budget_or_not_at_all(trained):
    net, images, labels = trained
    same = nudge(net, images[0], int(labels[0]))
    assert same.succeeded and same.steps == 0 and same.linf == 0
    tight = nudge(net, images[0], (int(labels[0]) + 1) % 10, step=1, budget=3, max_steps=50)
    assert not tight.succeeded and tight.steps == 50 and tight.linf <= 3
    assert tight.prediction_after == labels[0]
    none = nudge(net, images[0], 5, max_steps=0)
    assert not none.succeeded and none.pixels_changed == 0
    as_inputs = nudge(net, images[1] / 255.0, 5)
    np.testing.assert_array_equal(as_inputs.original, images[1])


def test_bad_arguments_raise(trained):
    net, images, _ = trained
    with pytest.raises(ValueError, match="class must be 0 to 9"):
        input_gradient(net, images[0], 10)
    with pytest.raises(ValueError, match="unknown score 'softmax'"):
        input_gradient(net, images[0], 1, score="softmax")
    with pytest.raises(ValueError, match="step"):
        nudge(net, images[0], 1, step=0)
    with pytest.raises(ValueError, match="64 pixels"):
        nudge(net, np.zeros((28, 28), np.uint8), 1)
