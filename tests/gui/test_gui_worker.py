"""The one worker pattern: results, errors, cancellation, throttled progress and a clean shutdown."""

import threading

import pytest

from mnist_gui.workers.worker import Cancelled, TaskRunner, Worker


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner()
    yield runner
    assert runner.shutdown(5000)


def test_result_arrives_in_gui_thread(qtbot, runner):
    seen = {}

    def job(worker):
        seen["thread"] = threading.current_thread()
        return 6 * 7

    with qtbot.waitSignal(runner.succeeded, timeout=5000) as blocker:
        runner.start(job)
    assert blocker.args == [42]
    assert seen["thread"] is not threading.main_thread()
    assert not runner.is_busy()


def test_error_comes_back_as_signal(qtbot, runner):
    def job(worker):
        raise ValueError("bad file train-images: truncated")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start(job)
    assert isinstance(blocker.args[0], ValueError)
    assert "truncated" in str(blocker.args[0])


def test_partial_then_success_in_order(qtbot, runner):
    def job(worker):
        worker.send_partial("half")
        return "all"

    with qtbot.waitSignals([runner.partial, runner.succeeded], order="strict", timeout=5000):
        runner.start(job)


def test_cancel_stops_a_loop_between_steps(qtbot, runner):
    started, finished = threading.Event(), threading.Event()

    def job(worker):
        started.set()
        while True:
            worker.check()
            finished.wait(0.001)

    worker = runner.start(job)
    assert started.wait(5)
    with qtbot.waitSignal(runner.was_cancelled, timeout=1000):
        runner.cancel()
    assert worker.cancelled()
    assert not runner.is_busy()


def test_new_job_replaces_old_and_old_result_is_dropped(qtbot, runner):
    release = threading.Event()
    results = []
    runner.succeeded.connect(results.append)

    def slow(worker):
        release.wait(5)
        return "old"

    runner.start(slow)
    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        runner.start(lambda worker: "new")
    with qtbot.assertNotEmitted(runner.succeeded, wait=100):  # the old job's queued result is dropped
        release.set()
        assert runner.shutdown(5000)
    assert results == ["new"]


def test_progress_is_throttled(qtbot, runner):
    received = []
    runner.progressed.connect(lambda done, total, text: received.append(done))

    def job(worker):
        for i in range(1, 10001):
            worker.progress(i, 10000, "counting")
        return

    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        runner.start(job)
    qtbot.waitUntil(lambda: received[-1:] == [10000], timeout=5000)  # the end always gets through
    assert len(received) < 100          # but not ten thousand signals


def test_cancelled_is_raised_by_check():
    worker = Worker(lambda w: None)
    worker.request_stop()
    with pytest.raises(Cancelled):
        worker.check()


def test_a_generator_job_sends_its_yields_and_returns_its_value(qtbot, runner):
    def job(worker):
        for i in range(3):
            yield i
            yield None  # a step boundary only: nothing is sent
        return "done"

    got = []
    runner.partial.connect(got.append)
    with qtbot.waitSignal(runner.succeeded, timeout=5000) as blocker:
        runner.start(job)
    assert got == [0, 1, 2] and blocker.args == ["done"]


def test_a_paused_generator_holds_between_yields_until_resumed(qtbot, runner):
    steps = []

    def job(worker):
        for i in range(1000):
            steps.append(i)
            if i == 5:
                worker.pause()  # the worker holds after this yield, before asking for the next
            yield i
        return len(steps)

    with qtbot.waitSignal(runner.held, timeout=5000):
        runner.start(job)
    count = len(steps)
    with qtbot.assertNotEmitted(runner.partial, wait=200):
        pass
    assert len(steps) == count == 6
    with qtbot.waitSignal(runner.succeeded, timeout=5000) as blocker:
        runner.resume()
    assert blocker.args == [1000]


def test_stop_ends_a_paused_generator_as_cancelled(qtbot, runner):
    def job(worker):
        worker.pause()
        while True:
            yield 1

    with qtbot.waitSignal(runner.held, timeout=5000):
        runner.start(job)
    with qtbot.waitSignal(runner.was_cancelled, timeout=5000):
        runner.stop()


def test_cancellation_is_known_by_its_type_not_its_name(qtbot, runner):
    class CancelledByTheUser(Exception):  # a name that says Cancel, but not a cancellation
        pass

    def job(worker):
        raise CancelledByTheUser("a real failure")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start(job)
    assert isinstance(blocker.args[0], CancelledByTheUser)

    def download(worker):
        from engine.files.download import DownloadCancelled
        raise DownloadCancelled("stopped by the user")

    with qtbot.waitSignal(runner.was_cancelled, timeout=5000):
        runner.start(download)


def _is_qt(fn) -> bool:
    """True if the builtin ``fn`` belongs to PySide6 or shiboken6 (a function, method or slot)."""
    import types
    owner = getattr(fn, "__self__", None)
    names = [getattr(fn, "__module__", None) or ""]
    if isinstance(owner, types.ModuleType):
        names.append(owner.__name__)
    elif owner is not None:
        names += [c.__module__ for c in (owner if isinstance(owner, type) else type(owner)).__mro__]
    return any(name.startswith(("PySide6", "shiboken6", "Shiboken")) for name in names)


@pytest.fixture
def qt_calls_off_the_gui_thread():
    """The Qt functions that threads started during the test call (recorded by a profiler)."""
    calls = []

    def profile(frame, event, arg):
        if event == "c_call" and _is_qt(arg):
            calls.append(getattr(arg, "__qualname__", repr(arg)))

    threading.setprofile(profile)  # for the threads started from now on
    yield calls
    threading.setprofile(None)


def test_a_job_thread_calls_nothing_of_qt(qtbot, runner, qt_calls_off_the_gui_thread):
    """The design of workers/worker.py: a job's thread never waits for one of Qt's mutexes,
    because it never calls Qt at all; its news goes through a queue the GUI thread empties."""
    from PySide6.QtCore import QObject, qVersion

    def job(worker):
        worker.progress(1, 2, "half")
        worker.send_partial("half")
        worker.pause()
        yield 1               # held here until resumed
        worker.check()
        return "all"

    with qtbot.waitSignal(runner.held, timeout=5000):
        worker = runner.start(job)
    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        runner.resume()
    with qtbot.waitSignal(runner.failed, timeout=5000):
        runner.start(lambda w: 1 / 0)
    with qtbot.waitSignal(runner.was_cancelled, timeout=5000):
        runner.start(lambda w: w.request_stop() or w.check())
    assert runner.shutdown(5000)
    assert qt_calls_off_the_gui_thread == []
    assert not isinstance(worker, QObject)  # nothing of Qt is let go in the job's thread either

    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        runner.start(lambda w: qVersion())  # the profiler does see a Qt call
    assert runner.shutdown(5000)
    assert qt_calls_off_the_gui_thread == ["qVersion"]


def test_the_jobs_thread_has_ended_when_its_result_arrives(qtbot, runner):
    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        worker = runner.start(lambda w: 1)
    assert worker.ended()
    assert not runner._threads  # the thread was joined and let go: nothing left to poll
    assert not runner._poll.isActive()


# The deadlock seen with PySide6 6.12 (gdb): the GUI thread, in QObject::disconnect, holds Qt's
# signal-slot mutexes of the sender and the receiver while PySide's disconnectNotify wrapper waits
# for the GIL; the job's thread held the GIL and waited for one of those mutexes (in
# QObject::moveToThread). The mutexes are a pool of 131 picked by address (qobject.cpp,
# signalSlotLock), so in the test suite the GUI thread hit one of the job's only by chance, once in
# a run. This script makes it all but certain: as each job ends, the GUI thread disconnects, again
# and again, a signal of a Python QObject that shares its mutex with the job's own QObject (the
# worker in the old design, else the runner), by connection handle and by dropping a connected
# receiver, and drops a Python QObject with a connection. Its Python disconnectNotify holds the
# mutexes a little longer, with the GIL released as PySide does. The old design (the worker moved
# back to the GUI thread at the end of its run) hung in moveToThread in 20 runs of 20 (with 60
# jobs: in 55 of 80). A hang prints every thread's stack and exits with 1 after 20 s; a pass takes
# about 4 s.
HANG_JOBS = 150
HANG_SCRIPT = r"""
import faulthandler, os, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from mnist_gui.qt_fixes import apply; apply()  # as mnist_gui/app.py does
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from mnist_gui.workers.worker import TaskRunner, shutdown_all

JOBS, HANG_S = int(sys.argv[1]), float(sys.argv[2])
faulthandler.dump_traceback_later(HANG_S, exit=True)
POOL = 131  # Qt's signal-slot mutexes; a wrong guess would only make this test weaker
HOLD, BURST = 0.002, 10
go = None  # the event the job waiting for the current burst is waiting for


def mutex_of(obj):  # qobject.cpp: signalSlotLock(o), uint(quintptr(o)) % 131
    return (shiboken6.getCppPointer(obj)[0] & 0xFFFFFFFF) % POOL


class Sender(QObject):
    fired = Signal()

    def disconnectNotify(self, signal):  # called with the two mutexes held
        if go is not None:
            go.set()
            time.sleep(HOLD)


class Receiver(QObject):
    @Slot()
    def slot(self):
        pass


class Plain:
    def slot(self):
        pass


def one_per_mutex(make):
    table, made = {}, []
    while len(table) < POOL:
        made.append(make())
        table.setdefault(mutex_of(made[-1]), made[-1])
    return table, made


def job(worker, i, arrived, go):
    arrived.set()
    go.wait(1)          # let the GUI thread hold the mutexes first
    worker.progress(1, 1)
    worker.send_partial(i)
    return i


def burst(target, runner, ready):
    # disconnect, BURST times, a signal of the Sender that shares target's mutex (by handle or
    # by dropping the receiver), ready set in the first disconnectNotify; then drop a Sender
    global go
    mine = {mutex_of(o) for o in (target, runner) if isinstance(o, QObject)}
    sender = senders[mutex_of(target)]
    receiver = receivers[next(i for i in range(POOL) if i not in mine)]
    go = ready
    for k in range(BURST):
        if k % 2:
            QObject.disconnect(sender.fired.connect(receiver.slot))
        else:
            plain = Plain()
            sender.fired.connect(plain.slot)
            del plain  # PySide disconnects the dead receiver
    go = None
    dropped = Sender()
    dropped.fired.connect(receiver.slot)
    del dropped  # a Python QObject with a connection, destroyed


app = QCoreApplication([])
senders, _senders = one_per_mutex(Sender)
receivers, _receivers = one_per_mutex(Receiver)
runners = [TaskRunner() for _ in range(4)]
finished = []
for r in runners:
    r.succeeded.connect(finished.append)
waiting, started = {}, 0
while len(finished) < JOBS:
    for runner in runners:
        if started < JOBS and not runner.is_busy():
            arrived, ready = threading.Event(), threading.Event()
            worker = runner.start(lambda w, i=started, a=arrived, g=ready: job(w, i, a, g))
            target = worker if isinstance(worker, QObject) else runner
            waiting[runner] = (arrived, ready, target)
            started += 1
    for runner, (arrived, ready, target) in list(waiting.items()):
        if arrived.is_set():
            burst(target, runner, ready)
            del waiting[runner]
    app.processEvents()
assert shutdown_all(runners, 5000)
print("ok", len(finished))
"""


def test_many_short_jobs_while_the_gui_thread_disconnects_signals_never_hang(tmp_path):
    """Run in a subprocess so that a hang fails (stacks printed) instead of freezing the session;
    on the code under test, not on whichever copy of mnist_gui is installed."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import mnist_gui
    root = str(Path(mnist_gui.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    script = tmp_path / "hang.py"
    script.write_text(HANG_SCRIPT)
    result = subprocess.run([sys.executable, str(script), str(HANG_JOBS), "20"], capture_output=True,
                            text=True, timeout=60, env=env, cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["ok", str(HANG_JOBS)]
