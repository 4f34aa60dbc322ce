"""The learning-rate finder of the training panel: its job (``workers/lr_finder.py``) on a runner of its own,
its progress, Cancel and result in the dialog (``lr_finder.py``), wired by ``widgets.job_dialog.DialogJob``."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from mnist_gui.panels.training.lr_finder import LRFinderDialog
from mnist_gui.widgets.job_dialog import DialogJob
from mnist_gui.workers.lr_finder import lr_finder_job


class LearningRateFinder(DialogJob):
    """Runs the range test (``workers/lr_finder.py``) and shows it in the dialog.

    ``use_requested(lr)``: the user took the suggested rate (the panel puts it in the draft).
    """

    use_requested = Signal(float)

    def __init__(self, parent: QWidget):
        super().__init__(parent, "lr-finder", self._make_finder_dialog)

    def _make_finder_dialog(self, parent: QWidget) -> LRFinderDialog:
        dialog = LRFinderDialog(parent)
        dialog.use_requested.connect(self.use_requested)
        return dialog

    def start(self, spec, config, dataset) -> None:
        """The test on a new ``Network(spec)`` with ``config``'s optimiser, on ``dataset``'s training images."""
        self.run(lr_finder_job(spec, config, dataset.train_images, dataset.train_labels), LRFinderDialog.RUNNING)
