"""PCA against references, maps that keep their orientation between epochs, and placing new points."""

import numpy as np
import pytest

from engine.dataset import as_inputs
from engine.inspection import hidden_activations
from engine.network import Network, NetworkSpec
from engine.projection import PIXELS, align, balanced_sample, embed, hidden_map, locate, pixel_map, principal_components

from synthetic import make_split

RNG = np.random.default_rng(5)


def _rotation(degrees, flip=False):
    t = np.radians(degrees)
    r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return r @ np.diag([1, -1]) if flip else r


def test_pca_of_a_hand_computed_matrix():
    # points on the line y = x, spread +-1, +-2, plus a small spread across it
    x = np.array([[-2.0, -2.0], [-1.0, -1.0], [1.0, 1.0], [2.0, 2.0], [0.5, -0.5], [-0.5, 0.5]]) + [3, 4]  # noqa: RUF005  (numpy: a shift, not a concatenation)
    p = principal_components(x, 2)
    np.testing.assert_allclose(p.mean, [3, 4])
    # each axis's largest entry positive (the first on a tie)
    np.testing.assert_allclose(p.axes, [[1 / np.sqrt(2), 1 / np.sqrt(2)], [1 / np.sqrt(2), -1 / np.sqrt(2)]])
    np.testing.assert_allclose(p.variance, [20 / 5, 1 / 5])  # sums of squares along each axis / (n - 1)
    np.testing.assert_allclose(p.explained, [20 / 21, 1 / 21])


@pytest.mark.parametrize("shape", [(60, 7), (9, 30)], ids=["more points", "more dimensions"])
def test_pca_matches_the_svd_and_the_covariance_eigenvectors(shape):
    x = RNG.normal(size=shape) * np.linspace(3, 0.5, shape[1])
    p = principal_components(x, 2)
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    for axis, ref in zip(p.axes, vt[:2]):
        assert abs(axis @ ref) == pytest.approx(1, abs=1e-9)  # the same direction, up to sign
    np.testing.assert_allclose(p.variance, s[:2] ** 2 / (shape[0] - 1), rtol=1e-9)
    values, vectors = np.linalg.eigh(np.cov(x, rowvar=False))
    np.testing.assert_allclose(p.variance, values[::-1][:2], rtol=1e-9)
    np.testing.assert_allclose(np.abs(p.axes @ vectors[:, ::-1][:, :2]), np.eye(2), atol=1e-9)
    np.testing.assert_allclose(p.axes @ p.axes.T, np.eye(2), atol=1e-12)
    assert p.total_variance == pytest.approx(np.trace(np.cov(x, rowvar=False)))


def test_alignment_undoes_a_rotation_and_a_flip():
    x = RNG.normal(size=(200, 10)) * np.linspace(4, 1, 10)
    p = principal_components(x)
    coordinates = p.transform(x)
    for degrees, flip in [(30, False), (140, True), (0, True)]:
        previous = coordinates @ _rotation(degrees, flip)
        aligned = align(p, coordinates, previous)
        np.testing.assert_allclose(aligned.transform(x), previous, atol=1e-9)
        np.testing.assert_allclose(aligned.axes @ aligned.axes.T, np.eye(2), atol=1e-12)
        assert aligned.variance.sum() == pytest.approx(p.variance.sum())


def test_next_epochs_map_keeps_the_orientation_of_the_last():
    x = RNG.normal(size=(300, 6)) * [5, 4.9, 1, 1, 1, 1]  # two near-equal axes: PCA may turn them
    labels = np.arange(300) % 3
    first = embed(x, labels, "test")
    turned = embed(x @ np.diag([-1, 1, 1, 1, 1, 1]) + RNG.normal(scale=0.01, size=x.shape), labels, "test",
                   previous=first)
    assert np.max(np.abs(turned.coordinates - first.coordinates)) < 0.1
    with pytest.raises(ValueError, match="same sample"):
        embed(x[:10], labels[:10], "test", previous=first)


def test_a_training_point_is_placed_at_its_own_coordinates():
    images, labels = make_split(60, rng=np.random.default_rng(1))
    net = Network(NetworkSpec(hidden=[(16, "relu"), (8, "tanh")], seed=2))
    hidden = hidden_map(net, images, labels)
    assert hidden.layer == "hidden 2 (tanh)" and hidden.coordinates.shape == (60, 2)
    np.testing.assert_allclose(locate(hidden, images[7:8], net), hidden.coordinates[7:8], atol=1e-5)
    np.testing.assert_allclose(hidden.place(hidden_activations(net, images[:3])), hidden.coordinates[:3],
                               atol=1e-5)
    pixels = pixel_map(images, labels)
    assert pixels.layer == PIXELS
    np.testing.assert_allclose(locate(pixels, images[7:8]), pixels.coordinates[7:8], atol=1e-9)
    np.testing.assert_allclose(pixels.place(as_inputs(images[:2])), pixels.coordinates[:2], atol=1e-9)
    with pytest.raises(ValueError, match="needs the network"):
        locate(hidden, images[:1])


def test_classes_pull_apart_in_the_pixel_map_of_separable_data():
    images, labels = make_split(200, n_classes=2, rng=np.random.default_rng(3))
    first_axis = pixel_map(images, labels).coordinates[:, 0]
    gap = abs(first_axis[labels == 0].mean() - first_axis[labels == 1].mean())
    assert gap > 10 * max(first_axis[labels == 0].std(), first_axis[labels == 1].std())


def test_balanced_sample_and_bad_arguments():
    labels = np.repeat(np.arange(10), [50] * 9 + [5])
    idx = balanced_sample(labels, 100, np.random.default_rng(0))
    assert np.all(np.diff(idx) > 0)
    counts = np.bincount(labels[idx], minlength=10)
    assert list(counts) == [10] * 9 + [5]
    np.testing.assert_array_equal(idx, balanced_sample(labels, 100, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="at least 2 points"):
        principal_components(np.ones((1, 3)))
    with pytest.raises(ValueError, match="n_components"):
        principal_components(np.ones((4, 3)), 4)
    with pytest.raises(ValueError, match="takes points of 3 values"):
        principal_components(RNG.normal(size=(5, 3))).transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match="no hidden layer"):
        hidden_map(Network(NetworkSpec(hidden=[])), np.zeros((3, 28, 28), np.uint8), [0, 1, 2])


def test_a_last_hidden_layer_of_one_unit_gives_a_1d_map():
    images, labels = make_split(60, rng=np.random.default_rng(1))
    net = Network(NetworkSpec(hidden=[(16, "relu"), (1, "tanh")], seed=2))
    hidden = hidden_map(net, images, labels)  # "n_components must be 1 to 1, got 2" before
    assert hidden.dimensions == 1 and hidden.coordinates.shape == (60, 1)
    unit = hidden_activations(net, images)[:, 0].astype(np.float64)
    centred = unit - unit.mean()
    np.testing.assert_allclose(np.abs(hidden.coordinates[:, 0]), np.abs(centred), atol=1e-6)  # up to sign
    np.testing.assert_allclose(hidden.projection.explained, [1.0])
    np.testing.assert_allclose(locate(hidden, images[4:5], net), hidden.coordinates[4:5], atol=1e-5)
    again = hidden_map(net, images, labels, previous=hidden)  # aligned to a 1-D map: the same map
    np.testing.assert_allclose(again.coordinates, hidden.coordinates, atol=1e-9)
    two = hidden_map(Network(NetworkSpec(hidden=[(8, "relu")], seed=2)), images, labels)
    after_two = hidden_map(net, images, labels, previous=two)  # a 2-D map before: started afresh
    np.testing.assert_allclose(after_two.coordinates, hidden.coordinates, atol=1e-9)
    assert hidden_map(Network(NetworkSpec(hidden=[(8, "relu")], seed=2)), images, labels,
                      previous=hidden).dimensions == 2


def test_no_hidden_layer_and_overflowing_activations_are_refused_saying_why():
    images, labels = make_split(30, rng=np.random.default_rng(2))
    with pytest.raises(ValueError, match=r"no hidden layer.*pixel map"):
        hidden_map(Network(NetworkSpec(hidden=[])), images, labels)
    net = Network(NetworkSpec(hidden=[(8, "relu")], seed=1))
    net.dense_layers[0].W[:] = 1e38  # every active unit overflows float32
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="are inf or NaN"):
        hidden_map(net, images, labels)
    with pytest.raises(ValueError, match=r"d >= 1"):
        embed(np.ones((4, 0)), np.arange(4), "nothing")
