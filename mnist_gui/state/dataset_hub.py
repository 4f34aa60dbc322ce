"""The dataset every panel shows, and its mean-digit baseline, fitted once per dataset and shared."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, Signal, Slot

from mnist_gui.workers.baseline import Baseline, compute_baseline
from mnist_gui.workers.worker import TaskRunner


class DatasetHub(QObject):
    """Holds the loaded dataset (an engine ``Dataset``, never modified) and its ``Baseline``.

    ``set_dataset`` announces the dataset at once and fits the baseline in the background:
    ``baseline_changed`` fires with None (computing), then with the L2 result, then complete.
    """

    dataset_changed = Signal(object)   # engine.dataset.Dataset
    baseline_changed = Signal(object)  # Baseline, or None while it is computed
    baseline_failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._dataset = None
        self._baseline: Baseline | None = None
        self.runner = TaskRunner(self, "baseline")
        self.runner.partial.connect(self._on_baseline)
        self.runner.succeeded.connect(self._on_baseline)
        self.runner.failed.connect(self._on_baseline_failed)

    def _on_baseline_failed(self, error):
        self.baseline_failed.emit(str(error))

    @property
    def dataset(self):
        """The current dataset, or None before the first one loads."""
        return self._dataset

    @property
    def baseline(self) -> Baseline | None:
        """The current dataset's baseline (maybe not yet ``complete``), or None while computing."""
        return self._baseline

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    def set_dataset(self, dataset) -> None:
        self._dataset, self._baseline = dataset, None
        self.dataset_changed.emit(dataset)
        self.baseline_changed.emit(None)
        self.runner.start(partial(compute_baseline, dataset))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)

    @Slot(object)
    def _on_baseline(self, baseline: Baseline):
        self._baseline = baseline
        self.baseline_changed.emit(baseline)
