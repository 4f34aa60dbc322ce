"""The one way the app runs slow work off the GUI thread: a job in a plain Python thread.

A job is a plain function ``fn(job) -> result``, or a generator function ``fn(job)`` whose
yields are partial results (a training run yields its throttled reports). The job reports
through ``job`` (``progress``, ``send_partial``) and is stopped or held between steps: ``check()``
raises ``Cancelled`` once a stop was asked for, and between two yields of a generator the worker
itself holds while the job is paused. Only copies of arrays and plain values go in and come out.

Why the job's thread never calls Qt: Qt guards signal-slot connections with a pool of mutexes
shared by unrelated objects (picked by address). With PySide6 6.12 the GUI thread, disconnecting
a signal of a Python QObject (a dropped receiver, a removed plot item), runs PySide's
``disconnectNotify`` lookup with the sender's and the receiver's mutexes held, and that lookup
waits for the GIL. A worker thread that held the GIL and waited for one of those mutexes, as
``QObject::moveToThread`` does, never got it: both threads hung for good (seen in gdb; reproduced
by ``tests/gui/test_gui_worker.py``). Emitting, connecting or destroying a connected QObject wait
for such a mutex with the GIL released in 6.12, but which call releases it is PySide's choice, per
function and per version. So the job runs in a ``threading.Thread`` and calls nothing of Qt: a
``Worker`` is a plain object whose news (progress, partial results, the end) goes into a
``queue.SimpleQueue``, and its ``TaskRunner`` takes it out on the GUI thread every ``POLL_MS``
while a job is alive and emits the signals there. The two threads share no Qt lock at all.
"""

from __future__ import annotations

import inspect
import queue
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from engine.files.download import DownloadCancelled

PROGRESS_INTERVAL = 0.05  # seconds: at most about 20 progress signals a second
HOLD_POLL = 0.05          # seconds between looks at the stop flag while a job is held
POLL_MS = 10              # how often the GUI thread takes the news of a running job
END_JOIN = 0.5            # seconds the GUI waits for a thread whose job is over to return
ENDS = ("succeeded", "failed", "was_cancelled")  # a job's last news but "finished"


class Cancelled(Exception):
    """Raised inside a job that saw ``job.cancelled()`` and gave up."""


#: Exceptions that mean "the job gave up because it was asked to", not "the job failed".
CANCELLATIONS = (Cancelled, DownloadCancelled)


class Worker:
    """One job's handle: what the job calls to report and to be stopped, and what it reports.

    Not a QObject, on purpose (see the module docstring): the job's thread holds it, and nothing
    it does there may touch Qt. ``request_stop``, ``pause`` and ``resume`` are thread-safe flag
    changes. The news the job sends waits in a queue until its runner takes it on the GUI thread.
    """

    def __init__(self, fn: Callable[[Worker], object], job_id: int = 0):
        self._fn = fn
        self._id = job_id
        self._stop = threading.Event()
        self._running = threading.Event()   # set while not paused
        self._running.set()
        self._ended = threading.Event()     # set once the job's last news is in the queue
        self._news: queue.SimpleQueue = queue.SimpleQueue()
        self._told_all = False              # its last news has been taken (GUI thread)
        self._last_progress = 0.0
        self.holds = 0                      # how many times the job was held so far

    @property
    def job_id(self) -> int:
        return self._id

    # --- the job's side (its thread) --------------------------------------------------------

    def cancelled(self) -> bool:
        """True once a stop was requested; the job polls it between steps."""
        return self._stop.is_set()

    def check(self):
        """Raise ``Cancelled`` if a stop was requested: a one-line step boundary for jobs."""
        if self._stop.is_set():
            raise Cancelled()

    def progress(self, done: int, total: int, text: str = ""):
        """Report progress, throttled at the source to about 20 reports a second."""
        now = time.monotonic()
        if done == total or now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self._send("progressed", int(done), int(total), text)

    def send_partial(self, result: object):
        """Hand an intermediate result to the GUI (for example the first half of a computation)."""
        self._send("partial", result)

    def hold_if_paused(self):
        """Wait here while the job is paused (``held`` is sent once); raise if stopped."""
        if not self._running.is_set() and not self._stop.is_set():
            self.holds += 1
            self._send("held")
            while not self._running.wait(HOLD_POLL) and not self._stop.is_set():
                pass
        self.check()

    def _send(self, kind: str, *args):
        self._news.put((kind, args))

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

    def ended(self) -> bool:
        """True once the job has returned, failed or given up (its news may still be queued)."""
        return self._ended.is_set()

    def take_news(self) -> tuple[str, tuple] | None:
        """The oldest news not yet taken, as ``(kind, args)``, or None (GUI thread)."""
        try:
            news = self._news.get_nowait()
        except queue.Empty:
            return None
        self._told_all = news[0] == "finished"
        return news

    def told_all(self) -> bool:
        """True once its last news (``finished``) has been taken."""
        return self._told_all

    # --- the job's thread -------------------------------------------------------------------

    def run(self):
        """Run the job to its end; the last news is always ``finished``."""
        try:
            result = self._fn(self)
            if inspect.isgenerator(result):  # a generator job (however it was wrapped)
                result = self._run_generator(result)
            self.check()
        except Exception as error:  # every failure goes back to the GUI as news
            if isinstance(error, CANCELLATIONS) or (self.cancelled() and _caused_by_cancel(error)):
                self._send("was_cancelled")
            else:
                self._send("failed", error)
        else:
            self._send("succeeded", result)
        finally:
            self._send("finished")
            self._ended.set()

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
                self._send("partial", value)


def _caused_by_cancel(error: BaseException) -> bool:
    """True if ``error`` was raised while handling (or because of) a cancellation."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, CANCELLATIONS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def thread_for(worker: Worker, name: str = "") -> threading.Thread:
    """A new, not yet started thread that runs ``worker.run`` and then ends.

    Not a daemon: a job still running when the tests end fails them (tests/conftest.py), and the
    app waits for such jobs, then leaves without them (``wait_for_orphans``, ``app.main``).
    """
    return threading.Thread(target=worker.run, name=f"{name or 'job'}-{worker.job_id}")


#: Jobs still running when their owner was shut down (a job that ignored Stop for longer than
#: the owner could wait). Kept here so that their workers, and what their jobs hold, are let go
#: on the GUI thread once they have ended; the app waits for them after its window has closed
#: (``wait_for_orphans``).
_ORPHANS: list[tuple[threading.Thread, Worker]] = []


def wait_for_orphans(timeout_ms: int) -> bool:
    """Wait for the threads of jobs that outlived their owners. True if all have ended."""
    global _ORPHANS
    deadline = time.monotonic() + timeout_ms / 1000
    for thread, _ in _ORPHANS:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            return False
    _ORPHANS = []
    return True


class TaskRunner(QObject):
    """Starts jobs in their own threads and relays the current job's news as signals.

    Each job gets a fresh thread (a job stuck in a blocking call never delays the next one).
    Starting a new job asks the previous one to stop; news from it, if any still arrives, is
    dropped. ``pause``/``resume``/``stop`` act on the current job. A timer on the GUI thread
    takes the jobs' news while any job is alive, so every signal is emitted on the GUI thread.
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
        self._threads: list[tuple[threading.Thread, Worker]] = []  # kept until each has ended
        self._next_id = 1
        self._current: Worker | None = None
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.setObjectName(f"{name or 'job'}News")
        self._poll.timeout.connect(self._take_news)

    def is_busy(self) -> bool:
        return self._current is not None

    @property
    def current(self) -> Worker | None:
        """The current job's handle (None when idle)."""
        return self._current

    def start(self, fn: Callable[[Worker], object]) -> Worker:
        """Run ``fn(worker)`` in a new thread, asking the job that was running to stop."""
        self._stop_current()
        worker = Worker(fn, self._next_id)
        self._next_id += 1
        thread = thread_for(worker, self._name)
        self._threads.append((thread, worker))
        self._current = worker
        thread.start()
        self._poll.start()
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

        True if all ended in time. Threads still running are handed to ``_ORPHANS``.
        """
        return shutdown_all([self], timeout_ms)

    def _request_stop_all(self):
        self._stop_current()
        for _, worker in self._threads:
            worker.request_stop()

    def _wait(self, deadline: float) -> bool:
        """Wait for this runner's threads until ``deadline``; orphan those still running."""
        for thread, _ in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._take_news()  # none is current any more: this only drops their news
        running = [(t, w) for t, w in self._threads if t.is_alive()]
        _ORPHANS.extend(running)
        self._threads = []
        self._poll.stop()
        return not running

    def _stop_current(self):
        if self._current is not None:
            self._current.request_stop()
        self._current = None

    def _take_news(self):
        """Relay every job's news in order, then let go of the jobs that have ended (GUI thread).

        A job's end (``succeeded``, ``failed``, ``was_cancelled``) is relayed once its thread has
        returned. A slot connected to a relayed signal may start or shut down jobs, or run the event
        loop (this again, nested): so the list is copied, and each piece of news is taken once.
        """
        for thread, worker in list(self._threads):
            while (news := worker.take_news()) is not None:
                kind, args = news
                if kind in ENDS:
                    thread.join(END_JOIN)  # the job is over: only its thread's return is left
                if kind != "finished":
                    self._relay(worker.job_id, kind, args)
        self._threads = [(t, w) for t, w in self._threads if t.is_alive() or not w.told_all()]
        if not self._threads:
            self._poll.stop()

    def _relay(self, job_id: int, kind: str, args: tuple):
        if kind in ENDS:
            if self._finish(job_id):
                getattr(self, kind).emit(*args)
        elif self._is_current(job_id):
            getattr(self, kind).emit(*args)  # progressed, partial, held

    def _is_current(self, job_id: int) -> bool:
        return self._current is not None and self._current.job_id == job_id

    def _finish(self, job_id: int) -> bool:
        """True (and now idle) if ``job_id`` is the current job."""
        if not self._is_current(job_id):
            return False
        self._current = None
        self.idle.emit()
        return True


def shutdown_all(runners: list[TaskRunner], timeout_ms: int) -> bool:
    """Ask every job of every runner to stop at once, then wait for them, ``timeout_ms`` in all."""
    deadline = time.monotonic() + timeout_ms / 1000
    for runner in runners:
        runner._request_stop_all()
    return all([runner._wait(deadline) for runner in runners])
