"""Scoring a classifier on labelled images: the confusion matrix, per-class accuracy, top answers.

Shared by the mean-digit baseline and the networks, so both are scored by the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TOP_K = 3
CHUNK = 2000  # images per step of ``evaluate_network``: bounds memory, and a cancellation point


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """``C[t, p]`` = how many images of class t were called p; (n_classes, n_classes) int64."""
    flat = np.asarray(true, dtype=np.int64) * n_classes + np.asarray(predicted, dtype=np.int64)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """``C[c, c] / sum_p C[c, p]`` for every true class c, (n_classes,); nan for a class with no image."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(confusion) / confusion.sum(axis=1)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A classifier's answers on a test split, and their summary. Arrays belong to the receiver.

    true, predicted : (n,) int64.  top_classes : (n, k) int64, best first; top_probs : (n, k)
    float32, their probabilities.  confusion : (C, C) int64, ``confusion[true, predicted]``.
    per_class : (C,) accuracy of each true class (nan without test images).  accuracy : 0..1.
    """

    true: np.ndarray
    predicted: np.ndarray
    top_classes: np.ndarray
    top_probs: np.ndarray
    confusion: np.ndarray
    per_class: np.ndarray
    accuracy: float

    def __repr__(self) -> str:
        return f"Evaluation(n={len(self.true)}, accuracy={self.accuracy:.4f})"


def evaluate_network(network, images: np.ndarray, labels: np.ndarray, n_classes: int,
                     step: Callable[[int, int], None] | None = None) -> Evaluation:
    """Classify every image with ``network``, ``CHUNK`` at a time.

    images : (n, h, w) uint8.  labels : (n,) ints.  ``step(done, n)`` is called before each
    chunk (a progress report, and the caller's chance to cancel by raising).
    """
    n, k = len(labels), min(TOP_K, network.spec.classes)
    top_classes = np.empty((n, k), dtype=np.int64)
    top_probs = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, CHUNK):
        if step is not None:
            step(start, n)
        probabilities = network.predict_proba(images[start:start + CHUNK])
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        top_classes[start:start + CHUNK] = order
        top_probs[start:start + CHUNK] = np.take_along_axis(probabilities, order, axis=1)
    true = np.asarray(labels, dtype=np.int64)
    predicted = top_classes[:, 0].copy()
    confusion = confusion_matrix(true, predicted, max(n_classes, network.spec.classes))
    accuracy = float(np.mean(predicted == true)) if n else float("nan")
    return Evaluation(true, predicted, top_classes, top_probs, confusion,
                      per_class_accuracy(confusion), accuracy)


def ranked_mistakes(evaluation: Evaluation, true_class: int | None = None,
                    predicted_class: int | None = None) -> np.ndarray:
    """Indices of misclassified images, most confident mistakes first (ties in index order).

    true_class, predicted_class : keep only the mistakes of that true class and/or read as that
    class (one off-diagonal cell of the confusion matrix).
    """
    wrong = evaluation.predicted != evaluation.true
    if true_class is not None:
        wrong &= evaluation.true == true_class
    if predicted_class is not None:
        wrong &= evaluation.predicted == predicted_class
    indices = np.flatnonzero(wrong)
    confidence = evaluation.top_probs[indices, 0]
    return indices[np.argsort(-confidence, kind="stable")]


def cell_indices(evaluation: Evaluation, true_class: int, predicted_class: int) -> np.ndarray:
    """Indices of the images of one confusion-matrix cell: true class t read as p.

    A mistake cell (t != p) is ranked as ``ranked_mistakes`` ranks, most confident first; the
    diagonal (read correctly) keeps the images' order.
    """
    if true_class != predicted_class:
        return ranked_mistakes(evaluation, true_class, predicted_class)
    return np.flatnonzero((evaluation.true == true_class) & (evaluation.predicted == predicted_class))


def cell_orders(evaluation: Evaluation) -> list[list[np.ndarray]]:
    """``orders[t][p]``: ``cell_indices(evaluation, t, p)`` for every cell of the (C, C) confusion
    matrix at once, from one sort by (true class, answer, confidence of a mistake, index)."""
    true, predicted = evaluation.true, evaluation.predicted
    n, classes = len(true), len(evaluation.confusion)
    mistake_rank = np.where(true != predicted, -evaluation.top_probs[:, 0].astype(np.float64), 0.0)
    order = np.lexsort((np.arange(n), mistake_rank, predicted, true))  # last key sorts first
    parts = np.split(order, np.cumsum(evaluation.confusion.ravel())[:-1])
    return [parts[t * classes:(t + 1) * classes] for t in range(classes)]


def row_shares(confusion: np.ndarray) -> np.ndarray:
    """Each cell as a share of its row (its true class), (C, C) float; 0 in a row without images."""
    counts = np.asarray(confusion)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)


def cell_shades(confusion: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How strongly each cell of a confusion matrix is coloured, (C, C) in 0..1: a correct cell (the
    diagonal) by its row's share right, a mistake by its value (``values``: the counts, or the row
    shares) over the largest mistake's, so the few errors stand out beside thousands of right answers."""
    values = np.asarray(values, dtype=np.float64)
    off = values * (1 - np.eye(len(values)))
    worst = float(off.max()) if off.size else 0.0
    shades = off / worst if worst > 0 else np.zeros(values.shape)
    np.fill_diagonal(shades, np.diag(row_shares(confusion)))
    return np.clip(shades, 0.0, 1.0)


def worst_confusion(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the most frequent mistake: the largest off-diagonal count of a (C, C)
    confusion matrix, the first such cell in row order; (0, 0) when there is no mistake."""
    off = np.asarray(confusion, dtype=np.int64) * (1 - np.eye(len(confusion), dtype=np.int64))
    true, predicted = np.unravel_index(int(np.argmax(off)), off.shape)
    return int(true), int(predicted)


@dataclass(frozen=True, eq=False)
class ClassComparison:
    """Two classifiers' accuracy on each class of one test split, side by side.

    network, baseline : (C,) accuracy of each true class, ``C[c, c] / sum_p C[c, p]`` (nan for a
    class without test images); network_right, baseline_right : (C,) int64, images of each class
    read correctly; n_images : (C,) int64, test images of each class (the same for both).
    gain : (C,) ``network - baseline``, in accuracy (0.25 is 25 percentage points).
    """

    network: np.ndarray
    baseline: np.ndarray
    network_right: np.ndarray
    baseline_right: np.ndarray
    n_images: np.ndarray

    @property
    def gain(self) -> np.ndarray:
        return self.network - self.baseline

    def most_gained(self) -> int:
        """The class where learning beat pixel averaging by most (the first such, on a tie)."""
        return int(np.nanargmax(self.gain))

    def least_gained(self) -> int:
        """The class where the network's lead over the baseline is smallest (or negative)."""
        return int(np.nanargmin(self.gain))

    def rows(self) -> list[tuple[int, int, float, float, float]]:
        """(class, test images, network accuracy, baseline accuracy, gain) per class, for tables."""
        return [(c, int(n), float(a), float(b), float(a - b))
                for c, (n, a, b) in enumerate(zip(self.n_images, self.network, self.baseline))]


def compare_per_class(network_confusion: np.ndarray, baseline_confusion: np.ndarray) -> ClassComparison:
    """Each class's accuracy for a network beside the nearest-mean baseline's, from their confusion
    matrices (C, C) on the same test split; ValueError if they are not of one split (other shapes,
    or other numbers of images per class)."""
    net, base = np.asarray(network_confusion, np.int64), np.asarray(baseline_confusion, np.int64)
    if net.shape != base.shape or net.ndim != 2 or net.shape[0] != net.shape[1]:
        raise ValueError(f"need two square confusion matrices of one shape, got {net.shape} and {base.shape}")
    counts = net.sum(axis=1)
    if not np.array_equal(counts, base.sum(axis=1)):
        raise ValueError("the two confusion matrices count different test images per class: "
                         "they are not of the same test split")
    return ClassComparison(per_class_accuracy(net), per_class_accuracy(base), np.diag(net).copy(),
                           np.diag(base).copy(), counts)
