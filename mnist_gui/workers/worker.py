"""The one way the app runs slow work off the GUI thread: a QObject worker moved to a QThread.

A job is a plain function ``fn(job) -> result``, or a generator function ``fn(job)`` whose
yields are partial results (a training run yields its throttled reports). The job reports
through ``job`` (``progress``, ``send_partial``) and is stopped or held between steps: ``check()``
raises ``Cancelled`` once a stop was asked for, and between two yields of a generator the worker
itself holds while the job is paused. Only copies of arrays and plain values go in and come out.

Why the worker goes back to the GUI thread before it is deleted: destroying a Python-subclassed
QObject takes Qt's connection mutex and then needs the GIL. Done in a worker thread, that can
deadlock against the GUI thread, which holds the GIL while it waits for the same mutex in any
``connect`` (Qt shares these mutexes between unrelated objects; seen with PySide6 6.12). So
``Worker.run`` ends by pushing the worker back to the GUI thread, and the runner drops it there:
no Python QObject of ours is ever destroyed outside the GUI thread.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from engine.download import DownloadCancelled

PROGRESS_INTERVAL = 0.05  # seconds: at most about 20 progress signals a second
HOLD_POLL = 0.05          # seconds between looks at the stop flag while a job is held


class Cancelled(Exception):
    """Raised inside a job that saw ``job.cancelled()`` and gave up."""


#: Exceptions that mean "the job gave up because it was asked to", not "the job failed".
CANCELLATIONS = (Cancelled, DownloadCancelled)


class Worker(QObject):
    """Runs one job in its own thread and reports back through signals; also the job's handle.

    Every signal carries the job's id so that the receiver can drop news from a job it has
    since replaced, without relying on ``sender()``. ``request_stop``, ``pause`` and ``resume``
    are thread-safe flag changes (a queued slot would never arrive while ``run`` loops).
    """

    progressed = Signal(int, int, int, str)  # job id, done, total (-1 if unknown), what is happening
    partial = Signal(int, object)            # job id, an intermediate result (or a generator's yield)
    held = Signal(int)                       # job id: the job is paused between two steps
    succeeded = Signal(int, object)          # job id, the job's return value
    failed = Signal(int, object)             # job id, the exception the job raised
    was_cancelled = Signal(int)
    finished = Signal()                      # always last, whatever happened

    def __init__(self, fn: Callable[[Worker], object], job_id: int = 0):
        super().__init__()
        self._fn = fn
        self._id = job_id
        self._stop = threading.Event()
        self._running = threading.Event()   # set while not paused
        self._running.set()
        self._last_progress = 0.0
        self.holds = 0                      # how many times the job was held so far

    @property
    def job_id(self) -> int:
        return self._id

    # --- the job's side (worker thread) -----------------------------------------------------

    def cancelled(self) -> bool:
        """True once a stop was requested; the job polls it between steps."""
        return self._stop.is_set()

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

    def hold_if_paused(self):
        """Wait here while the job is paused (``held`` is emitted once); raise if stopped."""
        if not self._running.is_set() and not self._stop.is_set():
            self.holds += 1
            self.held.emit(self._id)
            while not self._running.wait(HOLD_POLL) and not self._stop.is_set():
                pass
        self.check()

    # --- the GUI's side (thread-safe) -------------------------------------------------------

    def request_stop(self):
        """Ask the job to stop (also ends a pause). It only sets a flag the job checks."""
        self._stop.set()
        self._running.set()

    def pause(self):
        """Hold the job before its next step (between two yields of a generator job)."""
        self._running.clear()

    def resume(self):
        self._running.set()

    def is_paused(self) -> bool:
        return not self._running.is_set()

    # --- the worker thread ------------------------------------------------------------------

    @Slot()
    def run(self):
        try:
            result = self._fn(self)
            if inspect.isgenerator(result):  # a generator job (however it was wrapped)
                result = self._run_generator(result)
            self.check()
        except Exception as error:
            if isinstance(error, CANCELLATIONS) or (self.cancelled() and _caused_by_cancel(error)):
                self.was_cancelled.emit(self._id)
            else:
                self.failed.emit(self._id, error)
        else:
            self.succeeded.emit(self._id, result)
        finally:
            self.moveToThread(QCoreApplication.instance().thread())  # see the module docstring
            self.finished.emit()

    def _run_generator(self, steps):
        """Send each yield to the GUI; between yields honour pause and stop. Returns its return value.

        A ``None`` yield is a step boundary only: nothing is sent.
        """
        while True:
            self.hold_if_paused()
            try:
                value = next(steps)
            except StopIteration as end:
                return end.value
            if value is not None:
                self.partial.emit(self._id, value)


def _caused_by_cancel(error: BaseException) -> bool:
    """True if ``error`` was raised while handling (or because of) a cancellation."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, CANCELLATIONS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def thread_for(worker: Worker, name: str = "") -> QThread:
    """A new, not yet started QThread that runs ``worker.run`` and then ends.

    ``started`` -> ``worker.run``; the worker's ``finished`` -> ``thread.quit``, connected directly
    (quit is thread-safe, and a queued call would wait for a GUI thread that may itself be waiting
    for this thread in a shutdown); ``deleteLater`` on the thread, which lives in the GUI thread.
    The worker is not deleted here: it moves itself back to the GUI thread and its owner drops it.
    """
    thread = QThread()
    thread.setObjectName(name or "job")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit, Qt.DirectConnection)
    thread.finished.connect(thread.deleteLater)
    return thread


def alive(obj: QObject) -> bool:
    """False once Qt has deleted the C++ object behind ``obj`` (``deleteLater`` ran).

    Reads only the Python wrapper's flag, never the C++ object, so it is safe to ask about an
    object that another thread may be deleting.
    """
    return shiboken6.isValid(obj)


#: Threads still running when their owner was shut down (a job that ignored Stop for longer
#: than the owner could wait). Kept here so that no QThread is destroyed while it runs; the
#: app waits for them after its window has closed (``wait_for_orphans``).
_ORPHANS: list[tuple[QThread, Worker]] = []


def wait_for_orphans(timeout_ms: int) -> bool:
    """Wait for the threads of jobs that outlived their owners. True if all have ended."""
    global _ORPHANS
    deadline = time.monotonic() + timeout_ms / 1000
    for thread, _ in _ORPHANS:
        left = max(0, int((deadline - time.monotonic()) * 1000))
        if alive(thread) and thread.isRunning() and not thread.wait(left):
            return False
    _ORPHANS = []
    return True


class TaskRunner(QObject):
    """Starts jobs in worker threads and relays the current job's signals to the GUI thread.

    Each job gets a fresh QThread (a job stuck in a blocking call never delays the next one).
    Starting a new job asks the previous one to stop; news from it, if any still arrives, is
    dropped. ``pause``/``resume``/``stop`` act on the current job.
    """

    progressed = Signal(int, int, str)  # done, total (-1 if unknown), text
    partial = Signal(object)
    held = Signal()
    succeeded = Signal(object)
    failed = Signal(object)
    was_cancelled = Signal()
    busy = Signal()   # a job started
    idle = Signal()   # no job is current any more (it ended, failed or was cancelled)

    def __init__(self, parent: QObject | None = None, name: str = ""):
        super().__init__(parent)
        self._name = name
        self._threads: list[tuple[QThread, Worker]] = []  # kept until each thread has ended
        self._next_id = 1
        self._current: Worker | None = None

    def is_busy(self) -> bool:
        return self._current is not None

    @property
    def current(self) -> Worker | None:
        """The current job's handle (None when idle)."""
        return self._current

    def start(self, fn: Callable[[Worker], object]) -> Worker:
        """Run ``fn(worker)`` in a new thread, asking the job that was running to stop."""
        self._stop_current()
        self._prune()
        worker = Worker(fn, self._next_id)
        self._next_id += 1
        thread = thread_for(worker, self._name)
        thread.finished.connect(self._prune)
        worker.progressed.connect(self._on_progressed)
        worker.partial.connect(self._on_partial)
        worker.held.connect(self._on_held)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.was_cancelled.connect(self._on_was_cancelled)
        self._threads.append((thread, worker))
        self._current = worker
        thread.start()
        self.busy.emit()
        return worker

    def pause(self):
        if self._current is not None:
            self._current.pause()

    def resume(self):
        if self._current is not None:
            self._current.resume()

    def stop(self):
        """Ask the current job to stop; its ``was_cancelled`` (or result) still arrives."""
        if self._current is not None:
            self._current.request_stop()

    def cancel(self):
        """Ask the current job to stop and forget it: the GUI is free at once."""
        if self._current is not None:
            self._stop_current()
            self.idle.emit()
            self.was_cancelled.emit()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Ask every job to stop and wait for the threads, ``timeout_ms`` in all.

        True if all ended in time. Threads still running are handed to ``_ORPHANS`` rather than
        destroyed under the job (which would abort the process).
        """
        return shutdown_all([self], timeout_ms)

    def _request_stop_all(self):
        self._stop_current()
        for _, worker in self._threads:
            worker.request_stop()

    def _wait(self, deadline: float) -> bool:
        """Wait for this runner's threads until ``deadline``; orphan those still running."""
        for thread, _ in self._threads:
            left = max(0, int((deadline - time.monotonic()) * 1000))
            if alive(thread) and thread.isRunning():
                thread.wait(left)
        running = [(t, w) for t, w in self._threads if alive(t) and t.isRunning()]
        _ORPHANS.extend(running)
        self._threads = []
        return not running

    def _stop_current(self):
        if self._current is not None:
            self._current.request_stop()
        self._current = None

    @Slot()
    def _prune(self):
        """Drop the (thread, worker) pairs whose thread has ended: in the GUI thread, always."""
        self._threads = [(t, w) for t, w in self._threads if alive(t) and not t.isFinished()]

    def _is_current(self, job_id: int) -> bool:
        return self._current is not None and self._current.job_id == job_id

    def _finish(self, job_id: int) -> bool:
        """True (and now idle) if ``job_id`` is the current job."""
        if not self._is_current(job_id):
            return False
        self._current = None
        self.idle.emit()
        return True

    @Slot(int, int, int, str)
    def _on_progressed(self, job_id, done, total, text):
        if self._is_current(job_id):
            self.progressed.emit(done, total, text)

    @Slot(int, object)
    def _on_partial(self, job_id, result):
        if self._is_current(job_id):
            self.partial.emit(result)

    @Slot(int)
    def _on_held(self, job_id):
        if self._is_current(job_id):
            self.held.emit()

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


def shutdown_all(runners: list[TaskRunner], timeout_ms: int) -> bool:
    """Ask every job of every runner to stop at once, then wait for them, ``timeout_ms`` in all."""
    deadline = time.monotonic() + timeout_ms / 1000
    for runner in runners:
        runner._request_stop_all()
    return all([runner._wait(deadline) for runner in runners])
