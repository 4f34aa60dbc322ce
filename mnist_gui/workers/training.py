"""Training as a generator job for the one worker: the engine's run, reported in throttled copies.

``TrainingJob(configuration, dataset)`` (an ``engine.experiments.Configuration``) is handed to
``TaskRunner.start``. It yields a step boundary (None) after every batch, where the worker honours
pause and stop, and real reports only at the source's pace: a ``BatchProgress`` at most every
``REPORT_INTERVAL`` seconds, the engine's ``TimePoint``s (about one a second of training), a
``DynamicsReport`` (per-layer statistics on a fixed sample) about every ``DYNAMICS_INTERVAL``
seconds and after every epoch, an ``EpochReport`` after every epoch and one ``RunReport`` last.
Reports carry plain numbers, frozen dataclasses and a *copy* of the network; the GUI thread puts
them into the runs model and the model hub. Stop (``TrainingJob.stop``) ends the run gracefully
after the current batch, so a stopped run keeps its network; the worker's own stop (closing the
window) just abandons it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from engine.experiments import Configuration, ConfiguredRun
from engine.layer_statistics import LayerBins, NetworkStatistics, layer_statistics, weight_snapshot
from engine.network import Network
from engine.projection import balanced_sample
from engine.training import BatchEnd, EpochEnd, RunEnd, TimePoint

REPORT_INTERVAL = 0.1  # seconds between batch reports: 10 a second (the cap is about 20)
DYNAMICS_INTERVAL = 0.5  # seconds between two measurements of the training dynamics
DYNAMICS_SAMPLE = 256    # test images the activations are measured on (the same all run long)


@dataclass(frozen=True)
class BatchProgress:
    """The batches since the previous report, in plain numbers.

    x : position in epochs (epoch - 1 + batch / n_batches), the plots' x axis.
    loss : mean training loss of those batches.
    samples_per_second : recent training speed (evaluation and pauses excluded), 0 if unknown.
    seconds_left : estimated training time to the end of the run, or None if unknown.
    """

    epoch: int
    epochs: int
    batch: int
    n_batches: int
    step: int
    x: float
    loss: float
    lr: float
    samples_per_second: float
    seconds_left: float | None


@dataclass(frozen=True, eq=False)
class DynamicsReport:
    """Per-layer training dynamics right after one step, in plain numbers and small arrays.

    step : the optimiser step measured; x : its position in epochs (as ``BatchProgress.x``).
    statistics : gradient norms, update ratios (of this one step), histograms, dead/saturated units.
    """

    step: int
    x: float
    statistics: NetworkStatistics


@dataclass(frozen=True, eq=False)
class EpochReport:
    """An epoch ended: its figures and a copy of the network as it is now."""

    event: EpochEnd
    network: Network


@dataclass(frozen=True, eq=False)
class RunReport:
    """The run ended: why, its final figures, a copy of the network (None if it diverged) and the
    network at log-spaced steps of the run (``engine.replay.Snapshot``s, never changed once made)."""

    end: RunEnd
    network: Network | None
    snapshots: tuple = ()


class _Window:
    """Batches accumulated since the last report: loss sum, count, samples and start time."""

    def __init__(self):
        self.restart()

    def restart(self):
        self.loss_sum, self.count, self.samples = 0.0, 0, 0
        self.t0 = time.perf_counter()


class _Dynamics:
    """Measures the training dynamics on a fixed sample about every ``interval`` s and after each epoch.

    A step's update ratio needs the weights before that step, so when a measurement is due the
    weights are copied after one batch and the statistics are taken after the next: each report
    shows one step (its gradient and its update), for one copy of the weights per report. The
    statistics run on one BLAS thread: on a few hundred images more threads only cost time.
    """

    _threads: ThreadpoolController | None = None  # made once: building one costs about 10 ms

    def __init__(self, sample: np.ndarray, interval: float):
        self.sample, self.interval = sample, interval
        self._bins: LayerBins | None = None
        self._before = None
        self._due = 0.0  # the first step is measured

    def measure_soon(self) -> None:
        """Measure the next step whatever the time (an epoch has just ended)."""
        self._due = 0.0

    def on_batch(self, network: Network, event: BatchEnd) -> DynamicsReport | None:
        if self._before is not None:
            if _Dynamics._threads is None:
                _Dynamics._threads = ThreadpoolController()
            with _Dynamics._threads.limit(limits=1):
                stats = layer_statistics(network, self.sample, self._bins, self._before)
            self._bins, self._before = stats.bins, None
            self._due = time.perf_counter() + self.interval
            return DynamicsReport(event.step, event.epoch - 1 + event.batch / event.n_batches, stats)
        if time.perf_counter() >= self._due:
            self._before = weight_snapshot(network)
        return None


def dynamics_sample(dataset, n: int = DYNAMICS_SAMPLE) -> np.ndarray:
    """A fixed, class-balanced sample of the test images (training images if there are none)."""
    images, labels = dataset.test_images, dataset.test_labels
    if len(labels) == 0:
        images, labels = dataset.train_images, dataset.train_labels
    return images[balanced_sample(labels, n, np.random.default_rng(0))]


class TrainingJob:
    """One run: the engine's ``ConfiguredRun`` of ``configuration`` on ``dataset`` (read only), relayed.

    The engine chooses the training subset, keeps the time limit and the batch-loss curve and makes
    the final figures, exactly as for ``mnist-train``; this job only turns its events into throttled
    reports. ``step_epoch()`` and ``stop()`` may be called from the GUI thread at any time.
    """

    def __init__(self, configuration: Configuration, dataset, *, interval: float = REPORT_INTERVAL,
                 pause_after_epoch: bool = False, dynamics_interval: float | None = DYNAMICS_INTERVAL):
        self.configuration, self.dataset = configuration, dataset
        self.config = configuration.config
        self._interval = interval
        self._dynamics_interval = dynamics_interval  # None: no dynamics reports
        self._lock = threading.Lock()
        self._run: ConfiguredRun | None = None
        self._stop = False
        self._pause_after_epoch = pause_after_epoch
        self._window = _Window()
        self._rate = 0.0
        self._last: BatchEnd | None = None
        self._n_train = self._batch_size = 0

    # --- the GUI thread ---------------------------------------------------------------------

    def step_epoch(self) -> None:
        """Pause (the worker holds) at the end of the current epoch."""
        with self._lock:
            self._pause_after_epoch = True

    def stop(self) -> None:
        """End the run after the current batch, with a RunReport ("stopped")."""
        with self._lock:
            self._stop = True
            if self._run is not None:
                self._run.stop()

    # --- the worker thread ------------------------------------------------------------------

    def __call__(self, job):
        run = ConfiguredRun(self.configuration, self.dataset)  # here: it may take a while
        network = run.network
        self._n_train, self._batch_size = run.trainer.n_train, run.trainer.batch_size
        with self._lock:
            self._run = run
            if self._stop:
                run.stop()
        self._window.restart()
        dynamics = None if self._dynamics_interval is None else \
            _Dynamics(dynamics_sample(self.dataset), self._dynamics_interval)
        for event in run.events():
            if dynamics is not None:
                yield from self._measure(event, network, dynamics)
            for report in self._reports(event, network, job):
                holds = job.holds
                yield report
                if job.holds != holds:
                    self._window.restart()  # a pause is not training time

    def _measure(self, event, network: Network, dynamics: _Dynamics):
        """A DynamicsReport when one is due (after a batch); after an epoch, measure the next step."""
        kind = type(event)
        if kind is BatchEnd:
            report = dynamics.on_batch(network, event)
            if report is not None:
                yield report
        elif kind is EpochEnd:
            dynamics.measure_soon()

    def _reports(self, event, network: Network, job):
        """What one engine event gives the GUI: None (a step boundary only) or reports."""
        kind = type(event)
        if kind is BatchEnd:
            yield self._on_batch(event, job)
        elif kind is EpochEnd:
            yield from self._on_epoch(event, network, job)
        elif kind is TimePoint:  # plain numbers, measured by the engine: relayed as they are
            yield event
        elif kind is RunEnd:
            yield from self._flush()
            yield self._on_end(event, network)

    def _on_batch(self, event: BatchEnd, job) -> BatchProgress | None:
        """Add the batch to the window; a report when it is due or a pause is asked for."""
        w = self._window
        w.loss_sum += event.loss
        w.count += 1
        w.samples += min(self._batch_size, self._n_train - (event.batch - 1) * self._batch_size)
        self._last = event
        if job.is_paused() or time.perf_counter() - w.t0 >= self._interval:
            return self._report()
        return None

    def _flush(self):
        """The batches not yet reported, as one report (nothing if there are none)."""
        report = self._report()
        if report is not None:
            yield report

    def _report(self) -> BatchProgress | None:
        w, e = self._window, self._last
        if w.count == 0 or e is None:
            return None
        seconds = time.perf_counter() - w.t0
        if seconds > 0:
            rate = w.samples / seconds
            self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
        epochs = self.config.epochs
        left_samples = (epochs - e.epoch) * self._n_train + max(
            0, self._n_train - e.batch * self._batch_size)
        seconds_left = left_samples / self._rate if self._rate > 0 else None
        progress = BatchProgress(e.epoch, epochs, e.batch, e.n_batches, e.step,
                                 e.epoch - 1 + e.batch / e.n_batches, w.loss_sum / w.count, e.lr,
                                 self._rate, seconds_left)
        w.restart()
        return progress

    def _on_epoch(self, event: EpochEnd, network: Network, job):
        yield from self._flush()
        with self._lock:
            if self._pause_after_epoch:
                self._pause_after_epoch = False
                job.pause()  # the worker holds right after handing over this epoch's report
        yield EpochReport(event, network.copy())
        self._window.restart()  # evaluation is not training time

    def _on_end(self, event: RunEnd, network: Network) -> RunReport:
        # a run stopped before its first epoch keeps no network; one that completed its time
        # limit within it does (the equal-time lesson's single-image run: 89 % in 3 s), as mnist-train's
        kept = event.reason == "completed" or (event.reason != "diverged" and event.epochs_completed > 0)
        result = self._run.result if self._run is not None else None
        snapshots = result.snapshots if kept and result is not None else ()
        return RunReport(event, network.copy() if kept else None, snapshots)


@dataclass(frozen=True)
class RunFailed:
    """The experiment's current run could not be trained (memory, settings): why, for people."""

    message: str


@dataclass(frozen=True, eq=False)
class NextRun:
    """An experiment starts its run ``index`` (0-based) of ``count``: ``configuration`` (engine)."""

    index: int
    count: int
    group: str
    configuration: Configuration


class ExperimentJob:
    """An experiment's runs, one after another, on the one worker: a NextRun, then that run's reports.

    ``stop()`` ends the current run and the ones still queued.
    """

    def __init__(self, group: str, configurations, dataset, *, interval: float = REPORT_INTERVAL):
        self.group, self.configurations, self.dataset = group, list(configurations), dataset
        self._interval = interval
        self._lock = threading.Lock()
        self._current: TrainingJob | None = None
        self._stop = False

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            if self._current is not None:
                self._current.stop()

    def step_epoch(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.step_epoch()

    def __call__(self, job):
        for i, c in enumerate(self.configurations):
            training = TrainingJob(c, self.dataset, interval=self._interval)
            with self._lock:
                if self._stop:
                    return i
                self._current = training
            yield NextRun(i, len(self.configurations), self.group, c)
            try:
                yield from training(job)
            except (ValueError, MemoryError) as error:  # this run cannot be trained: the next one can
                yield RunFailed(str(error) or type(error).__name__)
        return len(self.configurations)
