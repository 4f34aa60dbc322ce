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
    release.set()
    assert runner.shutdown(5000)
    qtbot.wait(50)  # let any queued signal from the old job arrive (it must be dropped)
    assert results == ["new"]


def test_progress_is_throttled(qtbot, runner):
    received = []
    runner.progressed.connect(lambda done, total, text: received.append(done))

    def job(worker):
        for i in range(1, 10001):
            worker.progress(i, 10000, "counting")
        return None

    with qtbot.waitSignal(runner.succeeded, timeout=5000):
        runner.start(job)
    qtbot.wait(20)
    assert received[-1] == 10000        # the end always gets through
    assert len(received) < 100          # but not ten thousand signals


def test_cancelled_is_raised_by_check():
    worker = Worker(lambda w: None)
    worker.request_stop()
    with pytest.raises(Cancelled):
        worker.check()
