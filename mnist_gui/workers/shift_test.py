"""The shift test's job: each network of an experiment tested on test digits moved by 0 to n pixels.

``shift_test_job(tests, max_shift)`` gives a job function for
``TaskRunner.start``; the engine (``engine.translation.accuracy_by_shift``) computes, this only
relays: each network's curve is sent as a partial result as soon as it is measured, so the first
curve shows while the second network (a CNN, the slow one) is still being tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.translation import ShiftCurve, accuracy_by_shift
from mnist_gui.workers.worker import Worker


@dataclass(frozen=True, eq=False)
class ShiftResult:
    """One network's accuracy against the shift: ``key`` (the run's number) and its ``curve``."""

    key: int
    curve: ShiftCurve


def shift_test_job(tests, max_shift: int) -> Callable[[Worker], object]:
    """A job testing each (key, network, images, labels) of ``tests``: the network (a copy the job
    alone uses) on its ``images`` (n, h, w) uint8 with ``labels`` (n,), read and never changed (a
    network of some classes: its classes' digits, ``engine.translation.shift_samples``); it returns
    the list of ShiftResults, having sent each as a partial result."""
    tests = list(tests)

    def job(worker: Worker):
        results = []
        for done, (key, network, images, labels) in enumerate(tests):
            worker.check()
            worker.progress(done, len(tests), "Testing on shifted digits")
            results.append(ShiftResult(key, accuracy_by_shift(network, images, labels, max_shift)))
            worker.send_partial(results[-1])
        return results
    return job
