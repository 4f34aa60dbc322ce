"""Tests of the mean-digit classifier against hand-computed means, distances and predictions."""

import numpy as np
import pytest

from engine.baseline import (
    METRICS,
    BaselineReport,
    MeanDigitClassifier,
    difference,
    evaluate_baseline,
    nearest_and_furthest,
    pairwise_distances,
)
from engine.dataset import Dataset

# 2x2 images. Class 0: top-left always on, bottom-left half the time.
# Class 1: bottom-right always on, top-right in one image of three.
TRAIN_IMAGES = np.array([
    [[255, 0], [0, 0]],
    [[255, 0], [255, 0]],
    [[0, 0], [0, 255]],
    [[0, 255], [0, 255]],
    [[0, 0], [0, 255]],
], dtype=np.uint8)
TRAIN_LABELS = np.array([0, 0, 1, 1, 1], dtype=np.uint8)
MEANS = np.array([[[255, 0], [127.5, 0]], [[0, 85], [0, 255]]], dtype=np.float32)
# std of (0, 255, 0) is sqrt(((85^2) * 2 + 170^2) / 3) = sqrt(14450)
STDS = np.array([[[0, 0], [127.5, 0]], [[0, np.sqrt(14450)], [0, 0]]], dtype=np.float32)


def naive_distances(images, means, metric):
    """The (n, n_classes, d) broadcast the engine avoids, in float64."""
    diff = images.reshape(len(images), 1, -1).astype(np.float64) - means.reshape(1, len(means), -1)
    if metric == "l1":
        return np.abs(diff).sum(axis=2)
    return np.sqrt((diff ** 2).sum(axis=2))


def test_fit_computes_means_and_stds_by_hand():
    model = MeanDigitClassifier().fit(TRAIN_IMAGES, TRAIN_LABELS, 2)
    assert model.means.dtype == np.float32 and model.stds.dtype == np.float32
    np.testing.assert_allclose(model.means, MEANS, rtol=1e-6)
    np.testing.assert_allclose(model.stds, STDS, rtol=1e-6)
    assert "n_classes=2" in repr(model) and "'l2'" in repr(model)


@pytest.mark.parametrize("metric", METRICS)
def test_predicts_the_class_whose_mean_is_nearest(metric):
    model = MeanDigitClassifier(metric).fit(TRAIN_IMAGES, TRAIN_LABELS, 2)
    queries = np.array([[[200, 0], [0, 0]], [[0, 0], [0, 200]], [[0, 255], [0, 0]]], np.uint8)
    predicted = model.predict(queries)
    assert predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted, [0, 1, 1])


def test_l1_and_l2_disagree_on_one_big_versus_many_small_differences():
    # Mean 0 is all zeros, mean 1 is all 100. x = (240, 0, 0, 0) is one large difference
    # from mean 0 but four moderate ones (140, 100, 100, 100) from mean 1.
    images = np.array([[[0, 0, 0, 0]], [[100, 100, 100, 100]]], dtype=np.uint8)
    x = np.array([[[240, 0, 0, 0]]], dtype=np.uint8)
    l1 = MeanDigitClassifier("l1").fit(images, [0, 1], 2)
    l2 = MeanDigitClassifier("l2").fit(images, [0, 1], 2)
    np.testing.assert_allclose(l1.distances(x), [[240, 440]])
    np.testing.assert_allclose(l2.distances(x), [[240, np.sqrt(140**2 + 3 * 100**2)]], rtol=1e-6)
    assert l1.predict(x)[0] == 0
    assert l2.predict(x)[0] == 1


@pytest.mark.parametrize("metric", METRICS)
def test_chunked_distances_match_the_naive_broadcast(metric):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2345, 8, 8), dtype=np.uint8)  # crosses 1,000-image blocks
    labels = rng.integers(0, 10, size=2345)
    model = MeanDigitClassifier(metric).fit(images, labels, 10)
    expected = naive_distances(images, model.means, metric)
    distances = model.distances(images)
    assert distances.shape == (2345, 10) and distances.dtype == np.float32
    np.testing.assert_allclose(distances, expected, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(images), expected.argmin(axis=1))
    flat = images.reshape(2345, -1)
    odd_chunks = pairwise_distances(flat, model.means.reshape(10, -1), metric, chunk=7)
    np.testing.assert_allclose(odd_chunks, expected, rtol=1e-9)


def test_l2_distance_of_a_mean_to_itself_is_zero_not_nan():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(30, 28, 28), dtype=np.uint8)
    model = MeanDigitClassifier("l2").fit(images, np.arange(30) % 3, 3)
    d = model.distances(model.means)
    assert not np.isnan(d).any()
    np.testing.assert_allclose(np.diag(d), 0, atol=0.05)


def test_distances_accept_flattened_images():
    model = MeanDigitClassifier().fit(TRAIN_IMAGES, TRAIN_LABELS, 2)
    np.testing.assert_array_equal(model.distances(TRAIN_IMAGES.reshape(5, 4)),
                                  model.distances(TRAIN_IMAGES))


def test_nearest_and_furthest_order():
    # 1x1 images: class 1 pixels 10, 45, 30, 100, 62 at indices 1, 2, 4, 5, 7, mean 40,
    # so distances 30, 5, 10, 60, 22.
    values = [0, 10, 45, 0, 30, 100, 0, 62]
    labels = np.array([0, 1, 1, 0, 1, 1, 0, 1])
    images = np.array(values, dtype=np.uint8).reshape(-1, 1, 1)
    means = np.array([0, 40], dtype=np.float32).reshape(2, 1, 1)
    for metric in METRICS:
        closest, furthest = nearest_and_furthest(images, labels, means, 1, k=3, metric=metric)
        np.testing.assert_array_equal(closest, [2, 4, 7])
        np.testing.assert_array_equal(furthest, [5, 1, 7])
    closest, furthest = nearest_and_furthest(images, labels, means, 1, k=8)
    np.testing.assert_array_equal(closest, [2, 4, 7, 1, 5])
    np.testing.assert_array_equal(furthest, [5, 1, 7, 4, 2])


def test_nearest_and_furthest_of_an_absent_class_are_empty():
    means = np.zeros((3, 2, 2), dtype=np.float32)
    closest, furthest = nearest_and_furthest(TRAIN_IMAGES, TRAIN_LABELS, means, 2)
    assert len(closest) == 0 and len(furthest) == 0


def test_difference_is_mean_a_minus_mean_b():
    diff = difference(MEANS, 0, 1)
    assert diff.dtype == np.float32 and diff.shape == (2, 2)
    np.testing.assert_allclose(diff, [[255, -85], [127.5, -255]])
    with pytest.raises(ValueError, match="b must be a class"):
        difference(MEANS, 0, 2)


def test_evaluate_baseline_on_a_tiny_dataset():
    test_images = np.array([
        [[250, 0], [100, 0]],   # class 0, right
        [[255, 0], [0, 0]],     # class 0, right
        [[0, 255], [0, 0]],     # class 0, but nearest to mean 1: wrong
        [[0, 40], [0, 255]],    # class 1, right
    ], dtype=np.uint8)
    dataset = Dataset("tiny", TRAIN_IMAGES, TRAIN_LABELS, test_images,
                      np.array([0, 0, 0, 1], np.uint8), class_names=("a", "b"))
    report = evaluate_baseline(dataset, "l2")
    assert isinstance(report, BaselineReport)
    assert report.metric == "l2" and report.n_test == 4
    assert report.accuracy == pytest.approx(0.75)
    np.testing.assert_allclose(report.per_class_accuracy, [2 / 3, 1.0])
    assert report.confusion.dtype == np.int64
    np.testing.assert_array_equal(report.confusion, [[2, 1], [0, 1]])
    assert "accuracy=0.7500" in repr(report)


def test_bad_metric_is_refused():
    with pytest.raises(ValueError, match="metric must be one of"):
        MeanDigitClassifier("cosine")
    with pytest.raises(ValueError, match="metric must be one of"):
        nearest_and_furthest(TRAIN_IMAGES, TRAIN_LABELS, MEANS, 0, metric="L2")


def test_a_class_without_images_is_named():
    with pytest.raises(ValueError, match=r"class 2 has no training images|cannot average class 2"):
        MeanDigitClassifier().fit(TRAIN_IMAGES, TRAIN_LABELS, 3)


def test_bad_inputs_are_refused():
    model = MeanDigitClassifier()
    with pytest.raises(RuntimeError, match="not fitted"):
        model.predict(TRAIN_IMAGES)
    with pytest.raises(ValueError, match=r"labels must be in 0..1"):
        model.fit(TRAIN_IMAGES, [0, 0, 1, 1, 2], 2)
    with pytest.raises(ValueError, match="one label per image"):
        model.fit(TRAIN_IMAGES, [0, 1], 2)
    model.fit(TRAIN_IMAGES, TRAIN_LABELS, 2)
    with pytest.raises(ValueError, match=r"images must be \(n, 2, 2\)"):
        model.predict(np.zeros((3, 3, 3), np.uint8))


@pytest.mark.real_data
@pytest.mark.parametrize("metric, reference", [("l2", 0.8203), ("l1", 0.6685)])
def test_mean_digit_accuracy_on_real_mnist(mnist, metric, reference):
    # Reference values measured with this code: 8,203 and 6,685 of the 10,000 test digits.
    # L2 matches the nearest-centroid figure usually quoted for MNIST (about 82%).
    report = evaluate_baseline(mnist, metric)
    assert report.n_test == 10_000 and report.confusion.sum() == 10_000
    assert abs(report.accuracy - reference) <= 1e-4
    assert report.per_class_accuracy.min() > 0.2


@pytest.mark.real_data
def test_the_baseline_ranges_from_69_percent_on_5_to_96_percent_on_1(mnist):
    # The figures the Evaluate panel's "Network vs baseline" tab puts beside the network's.
    from engine.baseline import network_vs_baseline

    report = evaluate_baseline(mnist, "l2")
    per_class = report.per_class_accuracy
    assert (int(np.argmin(per_class)), int(np.argmax(per_class))) == (5, 1)
    assert round(per_class[5], 2) == 0.69 and round(per_class[1], 2) == 0.96
    perfect = np.diag(report.confusion.sum(axis=1))  # a network that reads every digit right
    comparison = network_vs_baseline(perfect, report)
    np.testing.assert_allclose(comparison.gain, 1 - per_class)
    assert comparison.most_gained() == 5
