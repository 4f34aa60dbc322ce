"""Scoring helpers the Evaluate and Data panels show: a confusion cell's images, the worst mistake, class counts."""

import numpy as np
import pytest

from engine.dataset import Dataset
from engine.evaluation import Evaluation, cell_indices, per_class_accuracy, ranked_mistakes, worst_confusion
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
