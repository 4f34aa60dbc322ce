"""The mean-digit ("pixel similarity") classifier: the score every network has to beat.

Average every training image of a class into one "ideal" digit, then call a new image whatever
class's average it is closest to. No learning beyond averaging, yet about 82% of MNIST test
digits come out right: a network that does worse has learnt less than a template.

All pixel values here are in pixel units, 0..255 (uint8 images, or floats on the same scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.dataset import Dataset
from engine.evaluation import ClassComparison, compare_per_class, confusion_matrix, per_class_accuracy

METRICS = ("l1", "l2")

# Images per block when comparing with the means: bounds the temporaries to a few megabytes
# (a block of 1,000 MNIST images in float64 is 6 MB) whether there are 10 or 60,000 images.
CHUNK = 1000


class MeanDigitClassifier:
    """Nearest class mean: ``predict(x) = argmin_c d(x, m_c)``.

    Parameters
    ----------
    metric : {"l1", "l2"}
        ``"l1"``: ``d(x, m) = sum_p |x_p - m_p|`` (Manhattan).
        ``"l2"``: ``d(x, m) = sqrt(sum_p (x_p - m_p)^2)`` (Euclidean).

    Attributes
    ----------
    means : ndarray, shape (n_classes, height, width), float32, or None before ``fit``
        ``m_c``: the pixel-wise average of the class's training images, 0..255.
    stds : ndarray, shape (n_classes, height, width), float32, or None before ``fit``
        The pixel-wise standard deviation of each class (population, ``ddof=0``), 0..255.
    n_train : int
        How many images ``fit`` averaged.
    """

    def __init__(self, metric: str = "l2"):
        _check_metric(metric)
        self.metric = metric
        self.means: np.ndarray | None = None
        self.stds: np.ndarray | None = None
        self.n_train = 0

    def fit(self, images: np.ndarray, labels: np.ndarray, n_classes: int) -> MeanDigitClassifier:
        """Average the images of each class.

        images : (n, height, width), uint8 or float in 0..255.
        labels : (n,) integers in ``0 .. n_classes - 1``.
        Raises ValueError if the shapes disagree, a label is out of range, or a class has no image.
        Returns self.
        """
        images, labels = _check_images_labels(images, labels)
        if n_classes < 1:
            raise ValueError(f"n_classes must be at least 1, got {n_classes}")
        if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(f"labels must be in 0..{n_classes - 1}, "
                             f"got {labels.min()}..{labels.max()}")
        counts = np.bincount(labels, minlength=n_classes)
        if (counts == 0).any():
            missing = ", ".join(str(c) for c in np.flatnonzero(counts == 0))
            raise ValueError(f"cannot average class {missing}: it has no training images")
        means = np.empty((n_classes, *images.shape[1:]), dtype=np.float32)
        stds = np.empty_like(means)
        for c in range(n_classes):
            members = images[labels == c]
            # float64 accumulators: 6,000 sums of values up to 255 lose digits in float32
            means[c] = members.mean(axis=0, dtype=np.float64)
            stds[c] = members.std(axis=0, dtype=np.float64)
        self.means, self.stds, self.n_train = means, stds, len(labels)
        return self

    def with_metric(self, metric: str) -> MeanDigitClassifier:
        """The same fitted means compared with another metric: no second fit."""
        other = MeanDigitClassifier(metric)
        other.means, other.stds, other.n_train = self.means, self.stds, self.n_train
        return other

    def distances(self, images: np.ndarray) -> np.ndarray:
        """Distance from every image to every class mean.

        images : (n, height, width) or (n, height * width), pixel units 0..255.
        Returns (n, n_classes) float32, ``D[i, c] = d(x_i, m_c)``.
        """
        return pairwise_distances(self._flat(images), self._flat_means(), self.metric).astype(
            np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Class of the nearest mean, (n,) int64. Ties go to the lower class index."""
        # argmin on the float64 distances, so rounding to float32 never creates ties
        d = pairwise_distances(self._flat(images), self._flat_means(), self.metric)
        return d.argmin(axis=1).astype(np.int64)

    def _flat_means(self) -> np.ndarray:
        if self.means is None:
            raise RuntimeError("MeanDigitClassifier is not fitted: call fit(images, labels, "
                               "n_classes) first")
        return self.means.reshape(len(self.means), -1)

    def _flat(self, images: np.ndarray) -> np.ndarray:
        """(n, d) view of (n, height, width) or (n, d) images, checked against the means."""
        images, d = np.asarray(images), self._flat_means().shape[1]
        height, width = self.means.shape[1:]  # type: ignore[union-attr]  # fitted: _flat_means() checked
        if images.shape[1:] not in ((height, width), (d,)):
            raise ValueError(f"images must be (n, {height}, {width}) like the training "
                             f"images, got {images.shape}")
        return images.reshape(len(images), d)

    def __repr__(self) -> str:
        if self.means is None:
            return f"MeanDigitClassifier(metric={self.metric!r}, not fitted)"
        return (f"MeanDigitClassifier(metric={self.metric!r}, n_classes={len(self.means)}, "
                f"image_shape={self.means.shape[1:]}, n_train={self.n_train})")


def pairwise_distances(images: np.ndarray, means: np.ndarray, metric: str = "l2",
                       chunk: int = CHUNK) -> np.ndarray:
    """``D[i, c] = d(x_i, m_c)`` block by block, never forming an (n, n_classes, d) array.

    images : (n, d), pixel units.  means : (n_classes, d).
    Returns (n, n_classes) float64.
    """
    _check_metric(metric)
    if images.ndim != 2 or means.ndim != 2 or images.shape[1] != means.shape[1]:
        raise ValueError(f"images (n, d) and means (n_classes, d) must agree on d, "
                         f"got {images.shape} and {means.shape}")
    means = means.astype(np.float64)
    out = np.empty((len(images), len(means)), dtype=np.float64)
    block = _l1_block if metric == "l1" else _l2_block
    for start in range(0, len(images), chunk):
        x = images[start:start + chunk].astype(np.float64)
        out[start:start + len(x)] = block(x, means)
    return out


def _l2_block(x: np.ndarray, means: np.ndarray) -> np.ndarray:
    """``sqrt(||x||^2 - 2 x.m + ||m||^2)``: one matmul instead of n * n_classes differences."""
    squared = (np.einsum("ij,ij->i", x, x)[:, None] - 2 * (x @ means.T)
               + np.einsum("ij,ij->i", means, means)[None, :])
    # rounding can take an exact zero slightly below it, and sqrt of that would be nan
    return np.sqrt(np.maximum(squared, 0))


def _l1_block(x: np.ndarray, means: np.ndarray) -> np.ndarray:
    """``sum_p |x_p - m_p|``, one class at a time so the only temporary is one (chunk, d) buffer."""
    out = np.empty((len(x), len(means)))
    buffer = np.empty_like(x)
    for c, mean in enumerate(means):
        np.subtract(x, mean, out=buffer)
        np.abs(buffer, out=buffer)
        buffer.sum(axis=1, out=out[:, c])
    return out


@dataclass(frozen=True, eq=False, repr=False)
class BaselineReport:
    """How the mean-digit classifier did on a test split.

    Attributes
    ----------
    metric : str
        ``"l1"`` or ``"l2"``.
    accuracy : float
        Fraction of test images classified correctly, 0..1.
    per_class_accuracy : ndarray, shape (n_classes,), float
        ``confusion[c, c] / confusion[c].sum()``; nan for a class with no test image.
    n_test : int
        Number of test images.
    confusion : ndarray, shape (n_classes, n_classes), int64
        ``confusion[true, predicted]``: how many images of class ``true`` were called ``predicted``.
    """

    metric: str
    accuracy: float
    per_class_accuracy: np.ndarray
    n_test: int
    confusion: np.ndarray

    def __repr__(self) -> str:
        return (f"BaselineReport(metric={self.metric!r}, accuracy={self.accuracy:.4f}, "
                f"n_test={self.n_test}, n_classes={len(self.confusion)})")


def evaluate_baseline(dataset: Dataset, metric: str = "l2") -> BaselineReport:
    """Fit the means on ``dataset``'s train split and score them on its test split."""
    model = MeanDigitClassifier(metric).fit(dataset.train_images, dataset.train_labels,
                                            dataset.n_classes)
    return score_baseline(model, dataset)


def score_baseline(model: MeanDigitClassifier, dataset: Dataset) -> BaselineReport:
    """Score an already fitted classifier on ``dataset``'s test split (with the model's metric)."""
    if len(dataset.test_labels) == 0:
        raise ValueError(f"{dataset.name} has no test images to score the baseline on")
    true = dataset.test_labels.astype(np.int64)
    predicted = model.predict(dataset.test_images)
    confusion = confusion_matrix(true, predicted, dataset.n_classes)
    return BaselineReport(metric=model.metric, accuracy=float(np.mean(predicted == true)),
                          per_class_accuracy=per_class_accuracy(confusion), n_test=len(true),
                          confusion=confusion)


def nearest_and_furthest(images: np.ndarray, labels: np.ndarray, means: np.ndarray, cls: int,
                         k: int = 8, metric: str = "l2") -> tuple[np.ndarray, np.ndarray]:
    """The most and least typical images of class ``cls``: nearest to and furthest from its mean.

    images : (n, height, width), pixel units.  labels : (n,).  means : (n_classes, height, width).
    Returns (closest_idx, furthest_idx), each (min(k, n_cls),) int64 indices into ``images``:
    closest first, and furthest first. Both are empty if no image has label ``cls``.
    """
    images, labels = _check_images_labels(images, labels)
    if not 0 <= cls < len(means):
        raise ValueError(f"cls must be in 0..{len(means) - 1}, got {cls}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    members = np.flatnonzero(labels == cls)
    flat = images[members].reshape(len(members), images.shape[1] * images.shape[2])
    d = pairwise_distances(flat, means[cls].reshape(1, -1), metric)[:, 0]
    # stable sorts: equally distant images keep their dataset order
    closest = members[np.argsort(d, kind="stable")[:k]]
    furthest = members[np.argsort(-d, kind="stable")[:k]]
    return closest.astype(np.int64), furthest.astype(np.int64)


def difference(means: np.ndarray, a: int, b: int) -> np.ndarray:
    """``m_a - m_b``, (height, width) float32: where a's ink is (positive) and b's is (negative)."""
    for name, cls in (("a", a), ("b", b)):
        if not 0 <= cls < len(means):
            raise ValueError(f"{name} must be a class in 0..{len(means) - 1}, got {cls}")
    return means[a].astype(np.float32) - means[b].astype(np.float32)


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")


def _check_images_labels(images, labels) -> tuple[np.ndarray, np.ndarray]:
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, height, width), got shape {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"need one label per image: {len(images)} images, labels {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got {labels.dtype}")
    return images, labels.astype(np.int64)


def network_vs_baseline(network_confusion: np.ndarray, report: BaselineReport) -> ClassComparison:
    """Per class, a network's test accuracy (from its confusion matrix) beside this baseline's:
    where learning beat pixel averaging, and by how much (``engine.evaluation.compare_per_class``)."""
    return compare_per_class(network_confusion, report.confusion)
