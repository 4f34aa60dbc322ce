"""Garbage with Qt objects in it is collected on the GUI thread, never by a worker thread's allocations."""

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from mnist_gui.garbage import collect_due, collect_on_gui_thread


class Holder(QObject):
    """A QObject in a reference cycle: only the cyclic collector can free it."""

    def __init__(self):
        super().__init__()
        self.me = self


def test_a_worker_threads_allocations_never_collect_qt_garbage_the_gui_thread_does(qtbot):
    owner = QObject()
    gc.enable()  # as at the app's start
    timer = collect_on_gui_thread(owner, interval_ms=10_000)
    try:
        assert not gc.isenabled() and timer.isActive()
        holder = weakref.ref(Holder())
        assert holder() is not None  # garbage in a cycle, waiting for the collector
        worker = threading.Thread(target=lambda: [[] for _ in range(200_000)])  # many allocations
        worker.start()
        worker.join()
        assert holder() is not None  # the worker thread did not collect it
        while holder() is not None and collect_due() >= 0:
            pass
        if holder() is not None:  # nothing was due yet: the timer's next tick would take it
            gc.collect()
        assert holder() is None
    finally:
        timer.stop()
        gc.disable()  # as the test session has it


def test_collect_due_takes_the_oldest_generation_past_its_threshold():
    gc.collect()
    assert collect_due() == -1  # nothing due right after a full collection
    cycles = [Holder() for _ in range(gc.get_threshold()[0] + 10)]  # more than generation 0 allows
    del cycles
    assert collect_due() >= 0


def test_the_session_notices_a_collection_off_the_gui_thread(collections_elsewhere):
    """tests/conftest.py's gc.callbacks hook: the test session fails if one happens unasked."""
    before = len(collections_elsewhere)
    worker = threading.Thread(target=gc.collect, args=(0,), name="collector")
    worker.start()
    worker.join()
    made = collections_elsewhere[before:]
    del collections_elsewhere[before:]  # made on purpose: not a failure of the session
    assert len(made) == 1 and "thread 'collector'" in made[0]
    assert "test_the_session_notices_a_collection_off_the_gui_thread" in made[0]
