"""BLAS threads for training, chosen by timing: all cores when they are free, fewer when they are not.

NumPy's matrix products run on OpenBLAS threads that spin while they wait for each other. On a quiet
2-core machine two threads are fastest; when another process (or the app's own GUI thread) keeps a core
busy, a spinning thread that lost its core stalls the other, and two threads become far slower than one.
No load figure read at start says which case holds for the next minute, so the trainer measures:

    every ``period`` seconds it times ``probe`` batches with each candidate thread count, alternating
    (1, n, 1, n, ...), and trains with the count whose mean seconds per batch is lowest (the mean,
    not the median: a starved thread makes rare batches very slow, and throughput pays for them) until
    the next probe: at least 20 times as long as the probe took, or sooner if batches become 1.5
    times slower than the probe measured (the load changed).

The probes cost a few slow batches per period (under 2% of the time on a quiet machine); the choice
follows the load as it changes. Thread counts are process-wide: the original count is restored at the end.
"""

from __future__ import annotations

import os
import time

import numpy as np


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _blas_controller():
    """threadpoolctl's controller of the BLAS libraries NumPy loaded, or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    blas = ThreadpoolController().select(user_api="blas")
    return blas if blas.lib_controllers else None


class ThreadTuner:
    """Picks the BLAS thread count batch by batch: ``start_batch()``/``end_batch()`` around each step.

    candidates : thread counts to compare (default 1, cores - 1 and cores); a single one is simply
        used throughout.
    probe : batches timed with each candidate per probe.
    period : seconds of training between probes.
    Use as a context manager: the thread count in force before it is restored on exit.
    """

    def __init__(self, candidates=None, probe: int = 3, period: float = 3.0, controller=None,
                 clock=time.perf_counter):
        cores = available_cores()
        self.candidates = sorted(set(candidates or (1, max(1, cores - 1), cores)))
        if probe < 1 or period <= 0 or min(self.candidates) < 1:
            raise ValueError(f"ThreadTuner needs probe >= 1, period > 0 and counts >= 1, got "
                             f"{probe}, {period}, {self.candidates}")
        self.probe, self.period = probe, period
        self.clock = clock  # seconds; tests pass a clock of their own, so no test depends on timing
        self._controller = controller if controller is not None else _blas_controller()
        self._original = None
        self.threads = None  # the count in use
        self._plan: list[int] = []  # counts still to try in this probe
        self._times: dict[int, list[float]] = {}
        self._next_probe = self._probe_start = 0.0
        self._expected, self._recent = 0.0, None
        self._t0 = 0.0

    @property
    def active(self) -> bool:
        """Whether there is a choice to make (a BLAS to control and more than one candidate)."""
        return self._controller is not None and len(self.candidates) > 1

    def __enter__(self) -> "ThreadTuner":
        if self._controller is not None:
            self._original = self._controller.limit(limits=max(self.candidates))
            self.threads = max(self.candidates)
        return self

    def __exit__(self, *exc) -> None:
        if self._original is not None:
            self._original.restore_original_limits()
            self._original = None

    def start_batch(self) -> None:
        if not self.active:
            return
        now = self.clock()
        if not self._plan and (now >= self._next_probe or self._slowed()):
            self._plan = [n for _ in range(self.probe) for n in self.candidates]
            self._times = {n: [] for n in self.candidates}
            self._probe_start = now
        if self._plan:
            self._use(self._plan[0])
        self._t0 = self.clock()

    def end_batch(self) -> None:
        if not self.active:
            return
        seconds = self.clock() - self._t0
        if not self._plan:  # between probes: a running mean of the recent batches
            self._recent = seconds if self._recent is None else 0.9 * self._recent + 0.1 * seconds
            return
        self._times[self._plan.pop(0)].append(seconds)
        if not self._plan:  # probe done: keep the fastest until the next one
            means = {n: float(np.mean(t)) for n, t in self._times.items()}
            self._use(min(self.candidates, key=means.get))
            self._expected, self._recent = means[self.threads], None
            now = self.clock()
            self._next_probe = now + max(self.period, 20 * (now - self._probe_start))

    def _slowed(self) -> bool:
        """Whether recent batches take 1.5 times as long as the probe found (after 20 batches' worth)."""
        return (self._recent is not None and self._recent > 1.5 * self._expected
                and self.clock() - self._probe_start > 20 * self._expected)

    def _use(self, n: int) -> None:
        if n != self.threads:
            self._controller.limit(limits=n)
            self.threads = n

    def __repr__(self):
        return f"ThreadTuner(candidates={self.candidates}, threads={self.threads})"
