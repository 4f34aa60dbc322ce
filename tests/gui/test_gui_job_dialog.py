"""The dialog that runs a job with progress and Cancel (``widgets.job_dialog``), which the
learning-rate finder and the loss landscape share: Cancel only while a job runs, its progress on
the bar, its result, failure or cancellation said, and the dialog made once."""

import threading

from PySide6.QtWidgets import QWidget

from mnist_gui.widgets.job_dialog import DialogJob, JobDialog

from gui import TIMEOUT


class Sums(JobDialog):
    """A job dialog that shows a number."""

    def __init__(self, parent=None):
        super().__init__("sums", parent)
        self.results = []
        self.setLayout(self.button_row())

    def show_result(self, result):
        self.set_running(False)
        self.results.append(result)
        self.text.setText(f"The sum is {result}.")


def test_a_job_reports_progress_and_its_result_then_cancel_is_off(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    made = []
    job = DialogJob(parent, "sums", lambda p: made.append(Sums(p)) or made[-1])
    gate = threading.Event()

    def add(worker):
        worker.progress(1, 2, "halfway")
        gate.wait(5)
        return 1 + 2

    with qtbot.waitSignal(job.runner.progressed, timeout=TIMEOUT):
        job.run(add, "Adding…")
    dialog = job.dialog
    assert dialog.isVisible() and dialog.cancel_button.isEnabled() and dialog.progress.isVisible()
    assert (dialog.progress.value(), dialog.progress.maximum(), dialog.text.text()) == (1, 2, "halfway")
    with qtbot.waitSignal(job.runner.succeeded, timeout=TIMEOUT):
        gate.set()
    assert dialog.results == [3] and dialog.text.text() == "The sum is 3."
    assert not dialog.cancel_button.isEnabled() and dialog.progress.isHidden()
    with qtbot.waitSignal(job.runner.succeeded, timeout=TIMEOUT):
        job.run(lambda worker: 5)
    assert made == [dialog] and dialog.results == [3, 5]  # one dialog for every job
    assert job.shutdown(2000)


def test_cancel_stops_the_job_and_a_failure_is_said(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    job = DialogJob(parent, "sums", Sums)

    def forever(worker):
        while True:
            worker.check()
            threading.Event().wait(0.005)

    job.run(forever, "Adding forever…")
    dialog = job.dialog
    assert dialog.text.text() == "Adding forever…" and dialog.progress.maximum() == 0  # busy
    with qtbot.waitSignal(job.runner.was_cancelled, timeout=TIMEOUT):
        dialog.cancel_button.click()
    assert dialog.text.text() == JobDialog.CANCELLED and not dialog.cancel_button.isEnabled()

    def broken(worker):
        raise ValueError("no numbers")

    with qtbot.waitSignal(job.runner.failed, timeout=TIMEOUT):
        job.run(broken)
    assert dialog.text.text() == "It could not be computed: no numbers" and dialog.results == []
    assert job.shutdown(2000)
