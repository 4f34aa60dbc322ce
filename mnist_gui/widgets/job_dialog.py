"""A dialog that runs a job with progress and Cancel: the learning-rate finder's and the loss landscape's.

``JobDialog`` is the dialog's shared part: a text line, a progress bar, Cancel and Close (the
subclass adds its settings, its plots and its own buttons, and says what a result means in
``show_result``). ``DialogJob`` runs a job (``workers.worker``) on a ``TaskRunner`` of its own and
shows its news in the dialog, made when first used: progress, the result, a failure, a cancel.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QProgressBar, QPushButton, QWidget

from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.worker import TaskRunner


class JobDialog(QDialog):
    """The text, progress bar, Cancel and Close of a dialog whose work runs off the GUI thread.

    ``name`` prefixes the parts' object names (``{name}Text``, ``{name}Progress``,
    ``{name}Cancel``); ``cancel_requested`` asks to stop the job.
    """

    cancel_requested = Signal()
    CANCELLED = "Cancelled. Nothing was changed."

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = WrappedLabel(objectName=f"{name}Text")
        self.progress = QProgressBar(objectName=f"{name}Progress", visible=False)
        self.cancel_button = QPushButton("Cancel", objectName=f"{name}Cancel", enabled=False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)

    def button_row(self, *buttons: QPushButton) -> QHBoxLayout:
        """The progress bar on the left, then ``buttons``, Cancel and Close on the right."""
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addStretch(0)
        for button in (*buttons, self.cancel_button, self.close_button):
            row.addWidget(button)
        return row

    def set_running(self, running: bool, text: str = "") -> None:
        """Cancel only while the job runs; the bar busy until its first progress; ``text`` said."""
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.progress.setRange(0, 0)
        if text:
            self.text.setText(text)

    def show_progress(self, done: int, total: int, text: str = "") -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if text:
            self.text.setText(text)

    def show_result(self, result) -> None:
        """What the job returned: the subclass draws it (after ``set_running(False)``)."""
        raise NotImplementedError

    def show_failure(self, message: str) -> None:
        self.set_running(False, self.failure_text(message))

    def failure_text(self, message: str) -> str:
        return f"It could not be computed: {message}"

    def show_cancelled(self) -> None:
        self.set_running(False, self.CANCELLED)


class DialogJob(QObject):
    """Runs jobs on a ``TaskRunner`` of its own and shows them in the ``JobDialog`` that
    ``make_dialog(parent)`` makes when first needed (``dialog``: None until then)."""

    def __init__(self, parent: QWidget, name: str, make_dialog: Callable[[QWidget], JobDialog]):
        super().__init__(parent)
        self._parent = parent
        self._make_dialog = make_dialog
        self.runner = TaskRunner(self, name)
        self.dialog: JobDialog | None = None
        self.runner.progressed.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_done)
        self.runner.failed.connect(self._on_failed)
        self.runner.was_cancelled.connect(self._on_cancelled)

    def made_dialog(self) -> JobDialog:
        """The dialog, made and connected the first time (not shown)."""
        if self.dialog is None:
            self.dialog = self._make_dialog(self._parent)
            self.dialog.cancel_requested.connect(self.runner.cancel)
        return self.dialog

    def shown_dialog(self) -> JobDialog:
        """The dialog, shown and raised."""
        dialog = self.made_dialog()
        dialog.show()
        dialog.raise_()
        return dialog

    def run(self, job, text: str = "") -> None:
        """Start ``job`` (a job function for ``TaskRunner.start``), the dialog saying ``text``."""
        self.shown_dialog().set_running(True, text)
        self.runner.start(job)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        if self.dialog is not None:
            self.dialog.show_progress(done, total, text)

    def _on_done(self, result) -> None:
        if self.dialog is not None:
            self.dialog.show_result(result)

    def _on_failed(self, error) -> None:
        if self.dialog is not None:
            self.dialog.show_failure(str(error))

    def _on_cancelled(self) -> None:
        if self.dialog is not None:
            self.dialog.show_cancelled()
