"""The one way the app runs slow work off the GUI thread: a QObject worker moved to a QThread.

A job is a plain function ``fn(job) -> result``. It reports through ``job`` (progress, partial
results) and polls ``job.cancelled()`` between steps. Only copies of arrays and plain values
should go into and come out of a job.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import shiboken6

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

PROGRESS_INTERVAL = 0.05  # seconds: at most about 20 progress signals a second


class Cancelled(Exception):
    """Raised inside a job that saw ``job.cancelled()`` and gave up."""


class Worker(QObject):
    """Runs one job function in its own thread and reports back through signals.

    Every signal carries the job's id so that the receiver can drop news from a job it has
    since replaced, without relying on ``sender()``.
    """

    progressed = Signal(int, int, int, str)  # job id, done, total (-1 if unknown), what is happening
    partial = Signal(int, object)            # job id, an intermediate result shown before the end
    succeeded = Signal(int, object)          # job id, the job's return value
    failed = Signal(int, object)             # job id, the exception the job raised
    was_cancelled = Signal(int)
    finished = Signal()                      # always last, whatever happened

    def __init__(self, fn: Callable[["Worker"], object], job_id: int = 0):
        super().__init__()
        self._fn = fn
        self._id = job_id
        self._stop = threading.Event()
        self._last_progress = 0.0

    def cancelled(self) -> bool:
        """True once a stop was requested; the job polls it between steps."""
        return self._stop.is_set()

    def request_stop(self):
        """Ask the job to stop. Thread-safe: it only sets a flag the job checks."""
        self._stop.set()

    def check(self):
        """Raise ``Cancelled`` if a stop was requested: a one-line step boundary for jobs."""
        if self._stop.is_set():
            raise Cancelled()

    def progress(self, done: int, total: int, text: str = ""):
        """Report progress, throttled at the source to about 20 signals a second."""
        now = time.monotonic()
        if done == total or now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self.progressed.emit(self._id, int(done), int(total), text)

    def send_partial(self, result: object):
        """Hand an intermediate result to the GUI (for example the first half of a computation)."""
        self.partial.emit(self._id, result)

    @Slot()
    def run(self):
        try:
            result = self._fn(self)
            self.check()
        except Cancelled:
            self.was_cancelled.emit(self._id)
        except Exception as error:  # noqa: BLE001 - every failure goes back to the GUI as a signal
            if self.cancelled() and _is_cancellation(error):
                self.was_cancelled.emit(self._id)
            else:
                self.failed.emit(self._id, error)
        else:
            self.succeeded.emit(self._id, result)
        finally:
            self.finished.emit()


def _is_cancellation(error: Exception) -> bool:
    return "Cancel" in type(error).__name__


def thread_for(worker: QObject, name: str = "") -> QThread:
    """A new, not yet started QThread that runs ``worker.run`` and then cleans up after itself.

    ``started`` -> ``worker.run``; the worker's ``finished`` -> ``thread.quit``, connected directly
    (quit is thread-safe, and a queued call would wait for a GUI thread that may itself be waiting
    for this thread in a shutdown); ``deleteLater`` on both once they are done.
    """
    thread = QThread()
    if name:
        thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit, Qt.DirectConnection)
    worker.finished.connect(worker.deleteLater)
    thread.finished.connect(thread.deleteLater)
    return thread


def stop_and_wait(threads: list[tuple[QThread, QObject]], stop: Callable[[QObject], None],
                  timeout_ms: int) -> bool:
    """``stop(worker)`` for every (thread, worker) and wait for the threads, ``timeout_ms`` in all.

    ``stop`` must be plain Python (a flag), safe even if Qt has already deleted the worker.
    True if every thread ended in time.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    for thread, worker in list(threads):
        stop(worker)
        left = max(0, int((deadline - time.monotonic()) * 1000))
        if alive(thread) and not thread.wait(left):
            return False
    return True


def still_running(threads: list[tuple[QThread, QObject]]) -> list[tuple[QThread, QObject]]:
    """The pairs to keep a reference to: until Qt has deleted both objects (``deleteLater``).

    Dropping the last Python reference earlier would make Python delete the worker from this
    thread while its own thread deletes it too.
    """
    return [(t, w) for t, w in threads if alive(t) or alive(w)]


class TaskRunner(QObject):
    """Starts jobs in worker threads and relays their signals to the GUI thread.

    Each job gets a fresh QThread: ``started`` -> ``run``, ``finished`` -> ``thread.quit``,
    ``deleteLater`` on both. Starting a new job asks the previous one to stop; news from it,
    if any still arrives, is dropped. Only the current job's signals are relayed.
    """

    progressed = Signal(int, int, str)  # done, total (-1 if unknown), text
    partial = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    was_cancelled = Signal()
    busy = Signal()   # a job started
    idle = Signal()   # no job is current any more (it ended, failed or was cancelled)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._threads: list[tuple[QThread, Worker]] = []  # kept alive until each thread ends
        self._current_id = 0
        self._next_id = 1
        self._current: Worker | None = None

    def is_busy(self) -> bool:
        return self._current is not None

    def start(self, fn: Callable[[Worker], object]) -> Worker:
        """Run ``fn(worker)`` in a new thread, asking the job that was running to stop."""
        self._stop_current()
        self._prune()
        worker = Worker(fn, self._next_id)
        self._current_id, self._next_id = self._next_id, self._next_id + 1
        thread = thread_for(worker)
        thread.finished.connect(self._prune)
        worker.progressed.connect(self._on_progressed)
        worker.partial.connect(self._on_partial)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.was_cancelled.connect(self._on_was_cancelled)
        self._threads.append((thread, worker))
        self._current = worker
        thread.start()
        self.busy.emit()
        return worker

    def cancel(self):
        """Ask the current job to stop and forget it: the GUI is free at once."""
        if self._current is not None:
            self._stop_current()
            self.idle.emit()
            self.was_cancelled.emit()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Ask every job to stop and wait for the threads to end. True if all ended in time."""
        self._stop_current()
        if not stop_and_wait(self._threads, Worker.request_stop, timeout_ms):
            return False
        self._prune()
        return True

    def _stop_current(self):
        if self._current is not None:
            self._current.request_stop()
        self._current, self._current_id = None, 0

    @Slot()
    def _prune(self):
        self._threads = still_running(self._threads)

    def _finish(self, job_id: int) -> bool:
        """True (and now idle) if ``job_id`` is the current job."""
        if job_id != self._current_id or job_id == 0:
            return False
        self._current, self._current_id = None, 0
        self.idle.emit()
        return True

    @Slot(int, int, int, str)
    def _on_progressed(self, job_id, done, total, text):
        if job_id == self._current_id:
            self.progressed.emit(done, total, text)

    @Slot(int, object)
    def _on_partial(self, job_id, result):
        if job_id == self._current_id:
            self.partial.emit(result)

    @Slot(int, object)
    def _on_succeeded(self, job_id, result):
        if self._finish(job_id):
            self.succeeded.emit(result)

    @Slot(int, object)
    def _on_failed(self, job_id, error):
        if self._finish(job_id):
            self.failed.emit(error)

    @Slot(int)
    def _on_was_cancelled(self, job_id):
        if self._finish(job_id):
            self.was_cancelled.emit()


def alive(obj: QObject) -> bool:
    """False once Qt has deleted the C++ object behind ``obj`` (``deleteLater`` ran).

    Reads only the Python wrapper's flag, never the C++ object, so it is safe to ask about an
    object that another thread may be deleting.
    """
    return shiboken6.isValid(obj)
