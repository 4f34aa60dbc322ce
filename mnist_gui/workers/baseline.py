"""The dataset's background job: per-class means and spreads, and the nearest-mean baseline, fitted once.

Everything that shows the mean digits or the baseline (the Mean digits panel, the training
plots' baseline line, the Draw panel's second opinion) reads this one result from the DatasetHub.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.baseline import MeanDigitClassifier, nearest_and_furthest, score_baseline

N_EXAMPLES = 8  # closest and furthest training images shown per class


@dataclass
class Baseline:
    """Everything computed from one dataset's means. Arrays are the job's own copies.

    classifier : the fitted L2 nearest-mean classifier (``classifier.with_metric("l1")`` for L1)
    means, stds : (n_classes, h, w) float32, 0..255
    reports : {"l2": BaselineReport, "l1": BaselineReport}; "l1" arrives last (it is slower)
    closest, furthest : (n_classes, N_EXAMPLES) int, indices into the training split (L2 distance)
    """

    classifier: MeanDigitClassifier
    closest: np.ndarray
    furthest: np.ndarray
    reports: dict = field(default_factory=dict)
    complete: bool = False

    @property
    def means(self) -> np.ndarray:
        return self.classifier.means

    @property
    def stds(self) -> np.ndarray:
        return self.classifier.stds

    @property
    def accuracy(self) -> float | None:
        """The L2 baseline's test accuracy, once scored."""
        report = self.reports.get("l2")
        return None if report is None else report.accuracy


def compute_baseline(dataset, job):
    """Fit the means once, score L2 (sent as a partial result), then L1 (the slow one).

    ``dataset`` is read, never written; ``job`` is the Worker (``check()``, ``send_partial()``).
    """
    images, labels = dataset.train_images, dataset.train_labels
    classifier = MeanDigitClassifier("l2").fit(images, labels, dataset.n_classes)
    closest = np.full((dataset.n_classes, N_EXAMPLES), -1, dtype=np.int64)
    furthest = np.full((dataset.n_classes, N_EXAMPLES), -1, dtype=np.int64)
    for cls in range(dataset.n_classes):
        job.check()
        near, far = nearest_and_furthest(images, labels, classifier.means, cls, k=N_EXAMPLES)
        closest[cls, :len(near)], furthest[cls, :len(far)] = near, far
    result = Baseline(classifier, closest, furthest)
    if len(dataset.test_labels):
        job.check()
        result.reports["l2"] = score_baseline(classifier, dataset)
        job.send_partial(_snapshot(result))
        job.check()
        result.reports["l1"] = score_baseline(classifier.with_metric("l1"), dataset)
    result.complete = True
    return result


def _snapshot(result: Baseline) -> Baseline:
    """A copy for the GUI, so the job can go on filling its own result."""
    return Baseline(result.classifier, result.closest.copy(), result.furthest.copy(),
                    dict(result.reports), result.complete)
