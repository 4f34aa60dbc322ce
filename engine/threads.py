"""BLAS threads for training, chosen by timing: all cores when they are free, fewer when they are not.

NumPy's matrix products run on OpenBLAS threads that spin while they wait for each other. On a quiet
2-core machine two threads are fastest; when another process (or the app's own GUI thread) keeps a core
busy, a spinning thread that lost its core stalls the other, and two threads become far slower than one.
The slowdown hides in the tail: most batches take as long as on a quiet machine, but one in ten waits
for a whole time slice of the scheduler (5 to 100 ms for a 1.5 ms batch). A few timed batches miss it,
so the trainer measures by time, not by count:

    a probe gives each candidate thread count ``rounds`` turns of at least ``chunk`` seconds of batches,
    alternating (1, n, n, 1, 1, n), and keeps the count with the lowest mean seconds per batch (the mean,
    not the median: throughput pays for the rare slow batches). A round that leaves every other count
    1.5 times slower than the best ends the probe early. The next probe comes after ``period``
    seconds, twice as late each time the same count wins again (up to ``max_period``), and at least
    20 times as long as the probe took; or sooner, when a window of ``window`` seconds of batches is
    1.5 times slower than the probe measured (the load changed).

A probe costs at most ``rounds * chunk`` seconds at the slower count, and one ``chunk`` when the
difference is plain (two threads on a busy core, or one thread on a quiet machine with large
matrices). A turn ends after the batch that fills its ``chunk``, so a convolutional network's slow
batches (20 to 60 ms at batch 128, and 20 to 50 times that on two threads sharing a busy core) cost
one batch at the losing count, and the next probe waits 20 times as long as that took. The first
``warmup`` batches of a run are not timed: they allocate the layers' buffers. Thread counts are
process-wide: the count in force before is restored at the end.
"""

from __future__ import annotations

import os
import time


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _blas_controller():
    """threadpoolctl's controller of the BLAS libraries NumPy loaded, or None without threadpoolctl."""
    import numpy  # noqa: F401  (threadpoolctl finds only the libraries already loaded)

    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    blas = ThreadpoolController().select(user_api="blas")
    return blas if blas.lib_controllers else None


def _release_control(controller, force: bool) -> None:
    """Frees the BLAS thread count for whichever thread sets it next; ``force``: whoever holds it.

    threadpoolctl 3.8 lets only the first thread that sets an OpenBLAS limit change it again while that
    thread lives, and silently ignores the others; a QThread that ran Python code counts as alive for
    good. The app trains on a new job thread each run, so the trainer takes control explicitly on
    entry (``force``) and gives it back on exit.
    """
    for library in getattr(controller, "lib_controllers", ()):
        clear = getattr(type(library), "clear_controlling_thread", None)
        if clear is not None:
            clear(force=force)


class _Tally:
    """Seconds and batches added up: ``mean`` is seconds per batch."""

    def __init__(self):
        self.seconds, self.batches = 0.0, 0

    def add(self, seconds: float) -> None:
        self.seconds, self.batches = self.seconds + seconds, self.batches + 1

    @property
    def mean(self) -> float:
        return self.seconds / self.batches if self.batches else float("inf")


class ThreadTuner:
    """Picks the BLAS thread count batch by batch: ``timed(step)`` is ``step`` with the tuner's
    ``start_batch()`` before and ``end_batch()`` after each call.

    candidates : thread counts to compare (default 1, cores - 1 and cores); a single one is simply
        used throughout.
    chunk, rounds : each candidate gets ``rounds`` turns of at least ``chunk`` seconds per probe.
    period, max_period : seconds of training between probes, doubling while the choice holds.
    window : seconds of batches over which a slowdown is judged between probes.
    warmup : batches at the start that are run but not timed (buffers allocated, caches filled).
    Use as a context manager: the thread count in force before it is restored on exit.
    """

    def __init__(self, candidates=None, chunk: float = 0.1, rounds: int = 3, period: float = 10.0,
                 max_period: float = 80.0, window: float = 0.5, warmup: int = 1, controller=None,
                 clock=time.perf_counter):
        cores = available_cores()
        self.candidates = sorted(set(candidates or (1, max(1, cores - 1), cores)))
        if chunk <= 0 or rounds < 1 or not 0 < period <= max_period or window <= 0 \
                or min(self.candidates) < 1 or warmup < 0:
            raise ValueError(f"ThreadTuner needs chunk > 0, rounds >= 1, 0 < period <= max_period, "
                             f"window > 0, warmup >= 0 and counts >= 1, got {chunk}, {rounds}, {period}, "
                             f"{max_period}, {window}, {warmup}, {self.candidates}")
        self.chunk, self.rounds, self.window, self.warmup = chunk, rounds, window, warmup
        self.base_period, self.max_period, self.period = period, max_period, period
        self.clock = clock  # seconds; tests pass a clock of their own, so no test depends on timing
        self._controller = controller if controller is not None else _blas_controller()
        self._original = None
        self.threads: int | None = None  # the count in use
        self.choices: list[int] = []  # the count each probe chose, in order
        self._plan: list[int] = []  # turns still to come in this probe
        self._turn = 0.0  # seconds of batches in the current turn
        self._tallies: dict[int, _Tally] = {}
        self._recent = _Tally()  # batches since the probe, judged every ``window`` seconds
        self._next_probe = self._probe_start = 0.0
        self._expected = 0.0
        self._t0 = 0.0

    @property
    def active(self) -> bool:
        """Whether there is a choice to make (a BLAS to control and more than one candidate)."""
        return self._controller is not None and len(self.candidates) > 1

    @property
    def probing(self) -> bool:
        return bool(self._plan)

    def __enter__(self) -> ThreadTuner:
        if self._controller is not None:
            _release_control(self._controller, force=True)  # this thread takes it next
            self._original = self._controller.limit(limits=max(self.candidates))
            self.threads = max(self.candidates)
        return self

    def __exit__(self, *exc) -> None:
        if self._original is not None:
            self._original.restore_original_limits()
            self._original = None
            _release_control(self._controller, force=False)

    def timed(self, step):
        """``step`` (any function) wrapped so that each call is one timed batch."""

        def timed_step(*args, **kwargs):
            self.start_batch()
            try:
                return step(*args, **kwargs)
            finally:
                self.end_batch()

        return timed_step

    def start_batch(self) -> None:
        if not self.active or self.warmup:
            return
        if not self._plan and self.clock() >= self._next_probe:
            self._start_probe()
        if self._plan:
            self._use(self._plan[0])
        self._t0 = self.clock()

    def end_batch(self) -> None:
        if not self.active:
            return
        if self.warmup:
            self.warmup -= 1
            return
        seconds = self.clock() - self._t0
        if self._plan:
            self._probe_batch(seconds)
        else:
            self._watch(seconds)

    def _start_probe(self) -> None:
        forth, back = self.candidates, self.candidates[::-1]
        self._plan = [n for r in range(self.rounds) for n in (forth if r % 2 == 0 else back)]
        self._tallies = {n: _Tally() for n in self.candidates}
        self._probe_start, self._turn = self.clock(), 0.0

    def _probe_batch(self, seconds: float) -> None:
        self._tallies[self._plan[0]].add(seconds)
        self._turn += seconds
        if self._turn < self.chunk:
            return
        self._plan.pop(0)
        self._turn = 0.0
        if len(self._plan) % len(self.candidates) == 0 and self._decided():
            self._plan = []
        if not self._plan:
            self._choose()

    def _decided(self) -> bool:
        """After a round: whether every other count is already 1.5 times slower than the best."""
        means = sorted(tally.mean for tally in self._tallies.values())
        return means[1] > 1.5 * means[0]

    def _choose(self) -> None:
        """The probe is over: keep the fastest count until the next one."""
        best = min(self.candidates, key=lambda n: self._tallies[n].mean)
        held = bool(self.choices) and self.choices[-1] == best
        self.period = min(2 * self.period, self.max_period) if held else self.base_period
        self.choices.append(best)
        self._use(best)
        self._expected, self._recent = self._tallies[best].mean, _Tally()
        now = self.clock()
        self._next_probe = now + max(self.period, 20 * (now - self._probe_start))

    def _watch(self, seconds: float) -> None:
        """Between probes: probe at once when a window of batches is 1.5 times slower than expected."""
        self._recent.add(seconds)
        if self._recent.seconds < self.window:
            return
        if self._recent.mean > 1.5 * self._expected:
            self._next_probe, self.period = self.clock(), self.base_period
        self._recent = _Tally()

    def _use(self, n: int) -> None:
        if n != self.threads:
            self._controller.limit(limits=n)
            self.threads = n

    def __repr__(self):
        return f"ThreadTuner(candidates={self.candidates}, threads={self.threads})"
