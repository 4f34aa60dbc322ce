"""Scoring helpers the Evaluate and Data panels show: a confusion cell's images, the worst mistake, class counts."""

import numpy as np
import pytest

from engine.dataset import Dataset
from engine.evaluation import (
    Evaluation,
    cell_indices,
    cell_orders,
    cell_shades,
    per_class_accuracy,
    ranked_mistakes,
    row_shares,
    worst_confusion,
)
from engine.evaluation import confusion_matrix as confusion_of


def evaluation(true, predicted, confidence) -> Evaluation:
    true, predicted = np.array(true), np.array(predicted)
    top_probs = np.array(confidence, dtype=np.float32)[:, None]
    confusion = confusion_of(true, predicted, 3)
    return Evaluation(true, predicted, predicted[:, None], top_probs, confusion,
                      per_class_accuracy(confusion), float(np.mean(true == predicted)))


@pytest.fixture
def ev():
    #          0    1    2    3    4    5    6    7
    return evaluation([0, 0, 0, 1, 0, 2, 0, 1],
                      [1, 1, 0, 1, 1, 2, 2, 0],
                      [0.5, 0.9, 0.8, 0.7, 0.9, 0.6, 0.99, 0.4])


def test_a_mistake_cell_ranks_its_images_most_confident_first_ties_by_index(ev):
    np.testing.assert_array_equal(cell_indices(ev, 0, 1), [1, 4, 0])
    np.testing.assert_array_equal(ranked_mistakes(ev, 0, 1), [1, 4, 0])
    np.testing.assert_array_equal(cell_indices(ev, 0, 2), [6])


def test_a_diagonal_cell_keeps_the_order_of_the_images(ev):
    np.testing.assert_array_equal(cell_indices(ev, 1, 1), [3])
    np.testing.assert_array_equal(cell_indices(ev, 2, 2), [5])
    assert len(cell_indices(ev, 2, 0)) == 0


def test_ranked_mistakes_of_a_class_or_of_all(ev):
    np.testing.assert_array_equal(ranked_mistakes(ev), [6, 1, 4, 0, 7])
    np.testing.assert_array_equal(ranked_mistakes(ev, 1), [7])
    np.testing.assert_array_equal(ranked_mistakes(ev, predicted_class=1), [1, 4, 0])


def test_the_worst_confusion_is_the_largest_off_diagonal_count(ev):
    assert worst_confusion(ev.confusion) == (0, 1)
    assert worst_confusion(np.diag([5, 3, 2])) == (0, 0)  # no mistake at all
    assert worst_confusion(np.array([[9, 2, 2], [0, 9, 0], [0, 0, 9]])) == (0, 1)  # first in row order


def test_every_cells_images_at_once_are_those_of_each_cell(ev):
    orders = cell_orders(ev)
    assert len(orders) == len(orders[0]) == 3
    for t in range(3):
        for p in range(3):
            np.testing.assert_array_equal(orders[t][p], cell_indices(ev, t, p))
    rng = np.random.default_rng(0)  # larger, with ties in confidence
    true, predicted = rng.integers(0, 4, 500), rng.integers(0, 4, 500)
    confusion = confusion_of(true, predicted, 4)
    big = Evaluation(true, predicted, predicted[:, None], rng.choice([0.3, 0.5, 0.9], (500, 1)).astype(np.float32),
                     confusion, per_class_accuracy(confusion), float(np.mean(true == predicted)))
    for t, row in enumerate(cell_orders(big)):
        for p, indices in enumerate(row):
            np.testing.assert_array_equal(indices, cell_indices(big, t, p))


def test_cells_are_shaded_right_by_their_rows_share_wrong_by_the_worst_mistake():
    confusion = np.array([[8, 2, 0], [4, 4, 0], [0, 0, 0]])
    np.testing.assert_allclose(row_shares(confusion), [[0.8, 0.2, 0], [0.5, 0.5, 0], [0, 0, 0]])
    np.testing.assert_allclose(cell_shades(confusion, confusion),
                               [[0.8, 0.5, 0], [1.0, 0.5, 0], [0, 0, 0]])  # 2 and 4 of the worst 4
    np.testing.assert_allclose(cell_shades(confusion, row_shares(confusion)),
                               [[0.8, 0.4, 0], [1.0, 0.5, 0], [0, 0, 0]])  # 0.2 and 0.5 of 0.5
    np.testing.assert_allclose(cell_shades(np.diag([3, 4]), np.diag([3, 4])), np.eye(2))  # no mistake


def test_class_counts_of_each_split_include_empty_classes():
    images = np.zeros((5, 2, 2), np.uint8)
    data = Dataset("tiny", images, np.array([0, 2, 2, 2, 0]), images[:2], np.array([1, 1]),
                   class_names=tuple("abcd"))
    counts = data.class_counts("train")
    np.testing.assert_array_equal(counts, [2, 0, 3, 0])
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(data.class_counts("test"), [0, 2, 0, 0])
    with pytest.raises(ValueError, match="split must be"):
        data.class_counts("validation")


def test_compare_per_class_puts_both_accuracies_side_by_side():
    from engine.evaluation import compare_per_class

    network = np.array([[9, 1, 0], [0, 5, 0], [2, 0, 2]])   # 90 %, 100 %, 50 %
    baseline = np.array([[6, 2, 2], [1, 4, 0], [0, 1, 3]])  # 60 %, 80 %, 75 %
    comparison = compare_per_class(network, baseline)
    np.testing.assert_allclose(comparison.network, [0.9, 1.0, 0.5])
    np.testing.assert_allclose(comparison.baseline, [0.6, 0.8, 0.75])
    np.testing.assert_allclose(comparison.gain, [0.3, 0.2, -0.25])
    np.testing.assert_array_equal(comparison.network_right, [9, 5, 2])
    np.testing.assert_array_equal(comparison.baseline_right, [6, 4, 3])
    np.testing.assert_array_equal(comparison.n_images, [10, 5, 4])
    assert (comparison.most_gained(), comparison.least_gained()) == (0, 2)
    assert comparison.rows()[2] == (2, 4, 0.5, 0.75, -0.25)


def test_compare_per_class_refuses_matrices_of_different_test_splits():
    from engine.evaluation import compare_per_class

    with pytest.raises(ValueError, match="same test split"):
        compare_per_class(np.eye(3, dtype=int), 2 * np.eye(3, dtype=int))
    with pytest.raises(ValueError, match="square confusion matrices"):
        compare_per_class(np.eye(3, dtype=int), np.eye(2, dtype=int))


def test_a_class_without_test_images_compares_as_nan_and_is_skipped_by_the_extremes():
    from engine.evaluation import compare_per_class

    comparison = compare_per_class(np.array([[3, 1], [0, 0]]), np.array([[2, 2], [0, 0]]))
    assert np.isnan(comparison.network[1]) and np.isnan(comparison.gain[1])
    assert comparison.most_gained() == comparison.least_gained() == 0
