"""Training off the GUI thread: the engine's Trainer, run by a QObject worker moved to a QThread.

The worker iterates ``Trainer.run()`` and reports through signals, throttled at the source: every
``EpochEnd`` and the ``RunEnd``, but batches only as an aggregate at most every ``REPORT_INTERVAL``
seconds (about 20 signals a second). Only plain numbers and frozen dataclasses of them cross to the
GUI thread; after every epoch a *copy* of the network goes into the ModelHub. Pause, resume, step
and stop are plain method calls from the GUI thread that set thread-safe flags (a queued slot
would never arrive while ``run`` loops); they take effect between batches.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from engine.network import Network
from engine.training import BatchEnd, EpochEnd, RunEnd, Trainer

from mnist_gui.workers.worker import still_running, stop_and_wait, thread_for

REPORT_INTERVAL = 0.1  # seconds between batch reports: 10 a second (the cap is about 20)


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


class _Window:
    """Batches accumulated since the last report: loss sum, count, samples and start time."""

    def __init__(self):
        self.restart()

    def restart(self):
        self.loss_sum, self.count, self.samples = 0.0, 0, 0
        self.t0 = time.perf_counter()


class TrainingWorker(QObject):
    """Trains one network on one dataset; lives in its own QThread, its ``run`` slot does the work."""

    progressed = Signal(object)  # BatchProgress
    epoch_ended = Signal(object)  # engine.training.EpochEnd
    held = Signal(int)           # paused between batches after this many steps
    run_ended = Signal(object)   # engine.training.RunEnd, always the last report of a run
    failed = Signal(str)         # the run could not start or crashed: a message for people
    finished = Signal()          # always last

    def __init__(self, spec, config, dataset, hub=None, interval: float = REPORT_INTERVAL):
        super().__init__()
        self._spec, self._config, self._dataset, self._hub = spec, config, dataset, hub
        self._interval = interval
        self._lock = threading.Lock()
        self._trainer: Trainer | None = None
        self._hold = self._stop = self._pause_after_epoch = False
        self._window = _Window()
        self._rate = 0.0
        self._last_batch: BatchEnd | None = None
        self._n_train = self._batch_size = 0

    # --- called from the GUI thread (thread-safe) -------------------------------------------

    def pause(self):
        """Hold before the next batch."""
        with self._lock:
            self._hold, self._pause_after_epoch = True, False

    def resume(self):
        with self._lock:
            self._hold, self._pause_after_epoch = False, False
            if self._trainer is not None:
                self._trainer.resume()

    def step_epoch(self):
        """Run (or go on) to the end of the current epoch, then hold."""
        with self._lock:
            self._hold, self._pause_after_epoch = False, True
            if self._trainer is not None:
                self._trainer.resume()

    def stop(self):
        """End the run after the current batch (also ends a pause)."""
        with self._lock:
            self._stop = True
            if self._trainer is not None:
                self._trainer.stop()

    # --- the worker thread ------------------------------------------------------------------

    @Slot()
    def run(self):
        try:
            self._train()
        except Exception as error:  # noqa: BLE001 - every failure goes back to the GUI as a signal
            self.failed.emit(str(error) or type(error).__name__)
        finally:
            self.finished.emit()

    def _train(self):
        d = self._dataset
        network = Network(self._spec)
        trainer = Trainer(network, self._config, d.train_images, d.train_labels,
                          d.test_images, d.test_labels)
        self._n_train, self._batch_size = trainer.n_train, trainer.batch_size
        with self._lock:
            self._trainer = trainer
            if self._stop:
                trainer.stop()
        self._hold_if_asked()
        self._window.restart()
        for event in trainer.run():
            kind = type(event)
            if kind is BatchEnd:
                self._on_batch(event)
            elif kind is EpochEnd:
                self._on_epoch(event, network)
            elif kind is RunEnd:
                self._on_end(event, network)
            self._hold_if_asked()

    def _hold_if_asked(self):
        """If a pause was asked for, make the trainer wait before its next batch and say so."""
        with self._lock:
            hold = self._hold and not self._stop
            if hold:
                self._trainer.pause()
        if hold:
            self._report()
            self.held.emit(0 if self._last_batch is None else self._last_batch.step)
            self._window.restart()  # the pause must not count as training time

    def _on_batch(self, event: BatchEnd):
        w = self._window
        w.loss_sum += event.loss
        w.count += 1
        w.samples += min(self._batch_size, self._n_train - (event.batch - 1) * self._batch_size)
        self._last_batch = event
        if time.perf_counter() - w.t0 >= self._interval:
            self._report()

    def _report(self):
        """Emit the batches accumulated since the previous report (if any) as one BatchProgress."""
        w, e = self._window, self._last_batch
        if w.count == 0 or e is None:
            return
        seconds = time.perf_counter() - w.t0
        if seconds > 0:
            rate = w.samples / seconds
            self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
        epochs = self._config.epochs
        left_samples = (epochs - e.epoch) * self._n_train + max(
            0, self._n_train - e.batch * self._batch_size)
        seconds_left = left_samples / self._rate if self._rate > 0 else None
        self.progressed.emit(BatchProgress(
            e.epoch, epochs, e.batch, e.n_batches, e.step, e.epoch - 1 + e.batch / e.n_batches,
            w.loss_sum / w.count, e.lr, self._rate, seconds_left))
        w.restart()

    def _on_epoch(self, event: EpochEnd, network: Network):
        self._report()
        if self._hub is not None:
            self._hub.set_network(network.copy(), f"the network after epoch {event.epoch} of {event.epochs}")
        self.epoch_ended.emit(event)
        with self._lock:
            if self._pause_after_epoch:
                self._pause_after_epoch, self._hold = False, True
        self._window.restart()  # evaluation is not training time

    def _on_end(self, event: RunEnd, network: Network):
        self._report()
        if self._hub is not None and event.reason != "diverged" and event.epochs_completed:
            done, total = event.epochs_completed, self._config.epochs
            what = (f"the trained network, {done} epochs" if event.reason == "completed"
                    else f"the network stopped after epoch {done} of {total}")
            self._hub.set_network(network.copy(), what)
        self.run_ended.emit(event)


class TrainingController(QObject):
    """Starts a TrainingWorker in a fresh QThread per run (``worker.thread_for``), relays its
    signals, and stops it cleanly."""

    progressed = Signal(object)
    epoch_ended = Signal(object)
    held = Signal(int)
    run_ended = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, hub=None, parent=None):
        super().__init__(parent)
        self._hub = hub
        self._threads: list[tuple[QThread, TrainingWorker]] = []
        self._worker: TrainingWorker | None = None

    @property
    def worker(self) -> TrainingWorker | None:
        """The current run's worker, or None when idle."""
        return self._worker

    def is_busy(self) -> bool:
        return self._worker is not None

    def start(self, spec, config, dataset, *, step: bool = False,
              interval: float = REPORT_INTERVAL) -> TrainingWorker:
        """Train a new network from ``spec`` with ``config``; ``step``: hold after the first epoch."""
        if self._worker is not None:
            raise RuntimeError("a run is already going on; stop it first")
        worker = TrainingWorker(spec, config, dataset, self._hub, interval)
        if step:
            worker.step_epoch()
        thread = thread_for(worker, "training")
        thread.finished.connect(self._prune)
        worker.progressed.connect(self.progressed)
        worker.epoch_ended.connect(self.epoch_ended)
        worker.held.connect(self.held)
        worker.run_ended.connect(self._on_run_ended)
        worker.failed.connect(self._on_failed)
        self._threads.append((thread, worker))
        self._worker = worker
        thread.start()
        self.busy_changed.emit(True)
        return worker

    def pause(self):
        if self._worker is not None:
            self._worker.pause()

    def resume(self):
        if self._worker is not None:
            self._worker.resume()

    def step_epoch(self):
        if self._worker is not None:
            self._worker.step_epoch()

    def stop(self):
        """Ask the run to end after the current batch; ``run_ended`` follows."""
        if self._worker is not None:
            self._worker.stop()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop every run and wait for its thread (at most ``timeout_ms`` in all). True if all ended."""
        if not stop_and_wait(self._threads, TrainingWorker.stop, timeout_ms):
            return False
        self._prune()
        return True

    def _finish(self):
        if self._worker is not None:
            self._worker = None
            self.busy_changed.emit(False)

    @Slot(object)
    def _on_run_ended(self, end):
        self._finish()
        self.run_ended.emit(end)

    @Slot(str)
    def _on_failed(self, message):
        self._finish()
        self.failed.emit(message)

    @Slot()
    def _prune(self):
        self._threads = still_running(self._threads)
