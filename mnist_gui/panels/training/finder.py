"""The learning-rate finder of the training panel: its job (``workers/lr_finder.py``) on a runner of its own,
its progress and result in the dialog (``lr_finder.py``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from mnist_gui.panels.training.lr_finder import LRFinderDialog
from mnist_gui.workers.lr_finder import lr_finder_job
from mnist_gui.workers.worker import TaskRunner


class LearningRateFinder(QObject):
    """Runs the range test (``workers/lr_finder.py``) on its own runner and shows it in the dialog.

    ``use_requested(lr)``: the user took the suggested rate (the panel puts it in the draft).
    """

    use_requested = Signal(float)

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self._parent = parent
        self.runner = TaskRunner(self, "lr-finder")
        self.dialog: LRFinderDialog | None = None
        self.runner.progressed.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_found)
        self.runner.failed.connect(self._on_failed)

    def start(self, spec, config, dataset) -> None:
        """The test on a new ``Network(spec)`` with ``config``'s optimiser, on ``dataset``'s training images."""
        if self.dialog is None:
            self.dialog = LRFinderDialog(self._parent)
            self.dialog.use_requested.connect(self.use_requested)
        self.dialog.show()
        self.runner.start(lr_finder_job(spec, config, dataset.train_images, dataset.train_labels))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)

    def _on_progress(self, done: int, total: int, _text: str):
        if self.dialog is not None:
            self.dialog.show_progress(done, total)

    def _on_found(self, result):
        if self.dialog is not None:
            self.dialog.show_result(result)

    def _on_failed(self, error):
        if self.dialog is not None:
            self.dialog.show_failure(str(error))
