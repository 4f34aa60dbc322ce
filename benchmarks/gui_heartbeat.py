"""The GUI benchmarks' heartbeat: how long the GUI thread could not respond, and what it was doing.

``Heartbeat`` is a QTimer ticking every ``TICK_MS`` on the GUI thread. Between ``start()`` and
``stop()`` it keeps

- ``longest``: the longest gap between two ticks in ms (a stall: the window could not respond);
- ``longest_cpu``: the most GUI-thread CPU time between two ticks in ms, the part of a stall the
  app's own work makes (on a shared machine most of a long gap can be other processes' turn on the
  CPU, or the training thread holding the GIL);
- with ``sample=True``, the GUI thread's Python stack sampled every 2 ms by a thread of its own
  while a tick is late (over ``LATE_MS``): ``culprit()`` names the frames seen most during the
  longest late stretch, whatever function they are in.

``Costs`` wraps functions (slots, paint events) to add up their wall and CPU time and keep the
longest call, so a stall can be given a likely culprit among the functions listed.

Used by ``bench_gui_training.py``, ``bench_gui_inside.py`` and ``bench_gui_stalls.py``.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QTimer

TICK_MS = 5
LATE_MS = 15  # a tick this late has its stack sampled


class Heartbeat:
    """A QTimer ticking every TICK_MS on the GUI thread; the longest gap between ticks is a stall."""

    def __init__(self, sample: bool = False):
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.sample = sample
        self.longest = 0.0      # ms between two ticks
        self.longest_cpu = 0.0  # ms of GUI-thread CPU between two ticks
        self._last: float | None = None
        self._cpu: float | None = None
        self._gui = threading.get_ident()
        self._beat = time.perf_counter()
        self._samples: dict[float, collections.Counter] = {}
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self):
        self.longest = self.longest_cpu = 0.0
        self._last = self._cpu = None
        self._samples = {}
        self._beat = time.perf_counter()
        if self.sample:
            self._running = True
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        self.clock.start()
        self.timer.start()

    def stop(self):
        self.timer.stop()
        self._running = False
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _tick(self):
        now, cpu = self.clock.nsecsElapsed() / 1e6, time.thread_time()
        if self._last is not None:
            self.longest = max(self.longest, now - self._last)
        if self._cpu is not None:
            self.longest_cpu = max(self.longest_cpu, 1000 * (cpu - self._cpu))
        self._last, self._cpu = now, cpu
        self._beat = time.perf_counter()

    def _watch(self):
        while self._running:
            time.sleep(0.002)
            beat = self._beat
            if time.perf_counter() - beat > LATE_MS / 1000:
                frame = sys._current_frames().get(self._gui)
                if frame is not None:
                    self._samples.setdefault(beat, collections.Counter())[_where(frame)] += 1

    def culprit(self) -> str:
        """The stack seen most during the late stretch with the most samples, or '' if none was late
        (or the heartbeat does not sample)."""
        if not self._samples:
            return ""
        counts = max(self._samples.values(), key=lambda c: sum(c.values()))
        seen = "; ".join(f"{where} ({n})" for where, n in counts.most_common(3))
        return f"{seen} [of {sum(counts.values())} samples]"


def _where(frame) -> str:
    """The innermost frames of the app (and of pyqtgraph or NumPy under them), innermost last."""
    stack = traceback.extract_stack(frame)
    ours = [f for f in stack if "mnist_gui" in f.filename or "engine" in f.filename]
    tail = [f"{Path(f.filename).stem}.{f.name}:{f.lineno}" for f in ours[-3:]]
    if stack and stack[-1] not in ours:
        tail.append(f"{Path(stack[-1].filename).stem}.{stack[-1].name}")
    return " > ".join(tail) or "(no Python frame: Qt itself)"


class Costs:
    """Wraps functions to add up their wall and CPU (this thread's) time and keep the longest call."""

    def __init__(self):
        self.wall = self.cpu = self.longest = self.longest_cpu = 0.0
        self.calls = 0
        self.longest_name = ""

    def reset(self):
        self.__init__()

    def wrap(self, owner, name: str):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            w0, c0 = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - w0, time.thread_time() - c0
                self.wall += wall
                self.cpu += cpu
                if wall > self.longest:
                    self.longest, self.longest_cpu = wall, cpu
                    self.longest_name = f"{type(args[0]).__name__}.{name}" if args else name
                self.calls += 1
        setattr(owner, name, timed)
