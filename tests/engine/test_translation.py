"""Shifted digits (``engine.translation``): exact shifts, and accuracy against the shift."""

import numpy as np
import pytest

from engine.experiments import EXPERIMENTS, Axis, Experiment
from engine.translation import accuracy_by_shift, shift


def test_a_shift_moves_every_pixel_and_fills_in_background():
    images = np.arange(2 * 4 * 5, dtype=np.uint8).reshape(2, 4, 5) + 1
    right_down = shift(images, 2, 1)
    np.testing.assert_array_equal(right_down[:, 1:, 2:], images[:, :3, :3])
    assert np.all(right_down[:, 0, :] == 0) and np.all(right_down[:, :, :2] == 0)
    np.testing.assert_array_equal(shift(images, -1, 0)[:, :, :4], images[:, :, 1:])
    np.testing.assert_array_equal(shift(images, 0, 0), images)
    assert not shift(images, 5, 0).any()
    with pytest.raises(ValueError, match=r"shape \(n, height, width\)"):
        shift(images[0], 1, 1)


class CentreReader:
    """A 'network' that reads a digit from its centre pixel only: right unshifted, lost when moved."""

    def predict(self, images):
        return (images[:, 2, 2] > 0).astype(int)


def test_accuracy_by_shift_averages_the_four_directions():
    images = np.zeros((4, 5, 5), np.uint8)
    images[:2, 2, 2] = 255  # two ones (a dot in the centre), two zeros (blank)
    labels = np.array([1, 1, 0, 0])
    curve = accuracy_by_shift(CentreReader(), images, labels, max_shift=2)
    np.testing.assert_array_equal(curve.shifts, [0, 1, 2])
    np.testing.assert_allclose(curve.accuracy, [1.0, 0.5, 0.5])  # moved, the ones are read as zeros
    assert curve.at(0) == 1.0
    with pytest.raises(ValueError, match="max_shift must be 0 to 4"):
        accuracy_by_shift(CentreReader(), images, labels, max_shift=5)


def test_the_mlp_vs_cnn_lesson_trains_both_alike_and_round_trips():
    lesson = EXPERIMENTS["mlp-vs-cnn"]
    mlp, cnn = lesson.configurations()
    assert not mlp.spec.features and cnn.spec.features and mlp.config == cnn.config
    assert mlp.train_size == cnn.train_size == 20_000 and lesson.shift_test == 4
    assert Experiment.from_json(lesson.to_json()) == lesson
    with pytest.raises(ValueError, match="Network: 'resnet' is not a valid value; give a preset's name, one of"):
        Axis("network", ("resnet",))


def test_each_network_is_shift_tested_on_its_own_classes_digits():
    from engine.classes import as_network_sees, with_classes
    from engine.network import NetworkSpec
    from engine.translation import shift_sample, shift_samples
    from tests.synthetic import make_dataset

    data = make_dataset(n_train=20, n_test=300)
    pair, every = with_classes(NetworkSpec(), [3, 7]), NetworkSpec()
    samples = shift_samples(data.test_images, data.test_labels, [pair, every, pair], n=50)
    seen = as_network_sees(data, pair)
    for (images, labels), want in zip(samples, (shift_sample(seen.test_images, seen.test_labels, 50),
                                                shift_sample(data.test_images, data.test_labels, 50))):
        np.testing.assert_array_equal(images, want[0])
        np.testing.assert_array_equal(labels, want[1])
    assert set(samples[0][1].tolist()) == {0, 1} and samples[2][0] is samples[0][0]  # sampled once


def test_mnist_trains_shift_test_scores_a_3_vs_7_network_on_every_3_and_7():
    from types import SimpleNamespace

    from engine.classes import as_network_sees, with_classes
    from engine.cli import shift_tests
    from engine.network import HiddenLayer, Network, NetworkSpec
    from tests.synthetic import make_dataset

    data = make_dataset(n_train=20, n_test=120)
    network = Network(with_classes(NetworkSpec(hidden=(HiddenLayer(6),), seed=1), [3, 7]))
    run = SimpleNamespace(name="3 vs 7", network=network, spec=network.spec)
    experiment = Experiment("x", "", network.spec, EXPERIMENTS["mlp-vs-cnn"].config,
                            (Axis("classes", ((3, 7), (4, 9))),), shift_test=1)
    seen = as_network_sees(data, network.spec)
    want = accuracy_by_shift(network, seen.test_images, seen.test_labels, 1)
    np.testing.assert_allclose(shift_tests(experiment, [run], data)["3 vs 7"].accuracy, want.accuracy)
