"""Augmentation: identity at zero strength, exact shifts, statistics and labels kept, seeded, no loops."""

import numpy as np
import pytest

from engine.augmentation import Augmentation, affine
from engine.network import Network, NetworkSpec
from engine.training import TrainConfig, Trainer

from synthetic import make_dataset

DIGITS = make_dataset(n_train=200, n_test=20, shape=(28, 28))


def _centred_ink(n=200, seed=0):
    """MNIST-like images: ink only in the central 16 x 16, a blank border of 6 pixels."""
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    images[:, 6:22, 6:22] = np.random.default_rng(seed).integers(0, 256, (n, 16, 16))
    return images


def test_zero_strength_is_the_identity():
    images = DIGITS.train_images[:16]
    out = Augmentation(shift=0, rotation=0, scale=0)(images, np.random.default_rng(0))
    assert out.dtype == np.float32 and out.shape == images.shape
    np.testing.assert_array_equal(out, images)


def test_a_whole_pixel_shift_moves_the_image_exactly():
    image = np.zeros((1, 5, 5), dtype=np.uint8)
    image[0, 2, 1] = 200
    right_down = affine(image, np.zeros(1), np.ones(1), np.array([[1.0], [2.0]]))
    expected = np.zeros((5, 5))
    expected[4, 2] = 200
    np.testing.assert_allclose(right_down[0], expected, atol=1e-4)


def test_a_quarter_turn_rotates_the_pixels():
    image = np.arange(9, dtype=np.uint8).reshape(1, 3, 3)
    turned = affine(image, np.array([np.pi / 2]), np.ones(1), np.zeros((2, 1)))
    assert sorted(np.round(turned[0]).ravel()) == list(range(9))  # a permutation of the pixels
    assert turned[0, 1, 1] == 4  # the centre stays


def test_image_statistics_are_roughly_kept():
    images = _centred_ink()
    out = Augmentation()(images, np.random.default_rng(1))
    assert abs(out.mean() - images.mean()) < 0.03 * images.mean()  # no ink lost or made
    assert out.min() >= 0 and out.max() <= 255
    # ink moves by a few pixels at most: the centre of mass stays near where it was
    ys = np.arange(28)[None, :, None]
    before = (images * ys).sum((1, 2)) / images.sum((1, 2))
    after = (out * ys).sum((1, 2)) / out.sum((1, 2))
    assert np.abs(after - before).max() < 3.5


def test_same_seed_same_output_other_seed_other_output():
    images = DIGITS.train_images[:8]
    a = Augmentation()(images, np.random.default_rng(5))
    np.testing.assert_array_equal(a, Augmentation()(images, np.random.default_rng(5)))
    assert not np.array_equal(a, Augmentation()(images, np.random.default_rng(6)))


@pytest.mark.parametrize("changes", [{"shift": -1}, {"rotation": 200}, {"scale": 1.0}])
def test_bad_strengths_are_refused(changes):
    with pytest.raises(ValueError, match="augmentation"):
        Augmentation(**changes)


def test_training_with_augmentation_keeps_the_labels_and_learns():
    spec = NetworkSpec(hidden=[(32, "relu")], seed=0)
    config = TrainConfig(epochs=4, batch_size=20, lr=0.01, augment=True, validation_fraction=0.2)
    trainer = Trainer(Network(spec), config, DIGITS.train_images, DIGITS.train_labels,
                      DIGITS.test_images, DIGITS.test_labels)
    end = list(trainer.run())[-1]
    assert end.reason == "completed" and end.test_accuracy > 0.6
    assert "augmented" in config.describe()


def test_augmenting_flat_images_that_are_not_square_is_refused_at_once():
    spec = NetworkSpec(input_size=6, hidden=[], seed=0)
    images = np.zeros((10, 6), dtype=np.uint8)
    with pytest.raises(ValueError, match="not square"):
        Trainer(Network(spec), TrainConfig(augment=True), images, np.zeros(10, dtype=np.uint8))
    Trainer(Network(spec), TrainConfig(), images, np.zeros(10, dtype=np.uint8))  # without: fine
