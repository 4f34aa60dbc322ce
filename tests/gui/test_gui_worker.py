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
        from engine.download import DownloadCancelled
        raise DownloadCancelled("stopped by the user")

    with qtbot.waitSignal(runner.was_cancelled, timeout=5000):
        runner.start(download)


def test_the_worker_object_ends_in_the_gui_thread(qtbot, runner):
    """No Python QObject of ours is destroyed in a worker thread (see workers/worker.py)."""
    from PySide6.QtCore import QCoreApplication
    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        worker = runner.start(lambda w: 1)
    qtbot.waitUntil(lambda: not runner._threads, timeout=5000)  # the thread has ended
    assert worker.thread() is QCoreApplication.instance().thread()


HANG_SCRIPT = r'''
import os, sys, threading
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from mnist_gui.qt_fixes import apply; apply()  # as mnist_gui/app.py does
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication
from mnist_gui.workers.worker import TaskRunner, shutdown_all
app = QApplication([])
plot = pg.PlotWidget()
runners = [TaskRunner() for _ in range(4)]
finished = []
for r in runners:
    r.succeeded.connect(finished.append)
JOBS = 1000  # the old design (workers deleted in their own threads) froze within 2000
started = 0
while len(finished) < JOBS:
    runner = runners[started % 4]
    if started < JOBS and not runner.is_busy():  # a new job would replace a running one
        runner.start(lambda w, i=started: i)
        started += 1
    curve = plot.plot([0, 1], [0, 1])  # connect() calls in the GUI thread, as pyqtgraph makes them
    plot.removeItem(curve)
    app.processEvents()
assert shutdown_all(runners, 5000)
print("ok", len(finished))
'''


def test_many_short_jobs_while_the_gui_thread_connects_signals_never_hang(tmp_path):
    """The deadlock seen with PySide6 6.12: a worker thread destroying a Python QObject while
    the GUI thread connects signals. Run in a subprocess so that a hang fails instead of
    freezing the test session."""
    import subprocess
    import sys
    script = tmp_path / "hang.py"
    script.write_text(HANG_SCRIPT)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[:1] == ["ok"]
