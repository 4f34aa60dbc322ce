"""The Mean digits panel's background job: per-class means and spreads, and the nearest-mean baseline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

N_EXAMPLES = 8  # closest and furthest training images shown per class


@dataclass
class MeansResult:
    """Everything the panel shows, computed from one dataset. Arrays are the job's own copies.

    means, stds : (n_classes, h, w) float32, 0..255
    reports : {"l2": BaselineReport, "l1": BaselineReport}; "l1" arrives last
    closest, furthest : (n_classes, N_EXAMPLES) int, indices into the training split (L2 distance)
    """

    means: np.ndarray
    stds: np.ndarray
    closest: np.ndarray
    furthest: np.ndarray
    reports: dict = field(default_factory=dict)
    complete: bool = False


def compute_means(dataset, job) -> MeansResult:
    """Fit the mean digits, score L2 (sent as a partial result), then L1 (the slow one).

    ``dataset`` is read, never written; ``job`` is the Worker (``check()``, ``send_partial()``).
    """
    from engine.baseline import MeanDigitClassifier, evaluate_baseline, nearest_and_furthest

    images, labels = dataset.train_images, dataset.train_labels
    classifier = MeanDigitClassifier("l2").fit(images, labels, dataset.n_classes)
    means = np.array(classifier.means, dtype=np.float32)
    stds = np.array(classifier.stds, dtype=np.float32)
    closest = np.full((dataset.n_classes, N_EXAMPLES), -1, dtype=np.int64)
    furthest = np.full((dataset.n_classes, N_EXAMPLES), -1, dtype=np.int64)
    for cls in range(dataset.n_classes):
        job.check()
        near, far = nearest_and_furthest(images, labels, means, cls, k=N_EXAMPLES, metric="l2")
        closest[cls, :len(near)], furthest[cls, :len(far)] = near, far
    result = MeansResult(means, stds, closest, furthest)
    job.check()
    result.reports["l2"] = evaluate_baseline(dataset, metric="l2")
    job.send_partial(_copy(result))
    job.check()
    result.reports["l1"] = evaluate_baseline(dataset, metric="l1")
    result.complete = True
    return result


def _copy(result: MeansResult) -> MeansResult:
    """A snapshot for the GUI, so the job can go on filling its own result."""
    return MeansResult(result.means.copy(), result.stds.copy(),
                       result.closest.copy(), result.furthest.copy(), dict(result.reports),
                       result.complete)
