"""Garbage collection on the GUI thread only.

Python's cyclic garbage collector runs in whichever thread happens to allocate when a generation's
count passes its threshold, a worker thread as often as not. If the cycles it frees hold Qt objects
(a widget and a lambda connected to its signal, say), they are destroyed in that worker thread, and
Qt crashes (seen: a segmentation fault while a training job copied its network). So automatic
collection is switched off, and the GUI thread collects what is due, generation by generation with
the thresholds Python would use, every ``interval_ms`` (the app) or after each test (the tests).
Reference counting frees everything else at once, as always.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


def collect_due() -> int:
    """Collect the oldest generation whose count has passed its threshold (none: nothing).
    Returns the generation collected, or -1."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return generation
    return -1


def collect_on_gui_thread(parent: QObject, interval_ms: int = 500) -> QTimer:
    """Switch automatic collection off; a timer on the GUI thread collects what is due."""
    gc.disable()
    timer = QTimer(parent, interval=interval_ms)
    timer.setObjectName("garbageCollector")
    timer.timeout.connect(collect_due)
    timer.start()
    return timer
