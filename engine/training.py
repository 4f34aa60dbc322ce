"""Mini-batch training: the loop that turns gradients into learning, reported as a stream of events.

``Trainer.run()`` is a generator of plain dataclasses: a ``BatchEnd`` after every step, an
``EpochEnd`` after every epoch, and one ``RunEnd`` last, saying why it ended. It never prints and
never imports a GUI; ``stop()``, ``pause()`` and ``resume()`` may be called from another thread and
take effect between batches.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from functools import partial

import numpy as np

from .augmentation import Augmentation
from .choices import choose
from .network import Network, check_integer
from .optimisers import OPTIMISERS, SGD, Adam, Momentum, Nesterov
from .schedules import SCHEDULES, make_schedule
from .threads import ThreadTuner


@dataclass(frozen=True)
class TrainConfig:
    """How to train: epochs, batches, optimiser and its settings, schedule, validation split, seed.

    batch_size : images per step; None means the whole training set (full-batch gradient descent).
    validation_fraction : share of the training set held out (seeded) to measure generalisation.
    schedule : ``"constant"``, ``"step"`` (x ``step_gamma`` every ``step_every`` epochs) or ``"cosine"``.
    test_every_epoch : also measure the test set after every epoch (else only at the end).
    augment : train on randomly shifted, rotated and scaled copies of each batch, new ones every
        epoch; validation and test images stay as they are.
    augment_shift, augment_rotation, augment_scale : how far augmentation goes (``Augmentation``):
        up to 2 pixels, 10 degrees and 10% by default.
    train_size : train on this many images of the training set (chosen with the seed, before the
        validation split); None on all of them.
    """

    epochs: int = 10
    batch_size: int | None = 128
    optimiser: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    weight_decay: float = 0.0
    schedule: str = "constant"
    step_every: int = 5
    step_gamma: float = 0.5
    validation_fraction: float = 1 / 12
    seed: int = 0
    test_every_epoch: bool = False
    augment: bool = False
    augment_shift: float = 2.0
    augment_rotation: float = 10.0
    augment_scale: float = 0.1
    train_size: int | None = None

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise ValueError with a message for any setting that cannot work."""
        if not 1 <= self.epochs <= 100_000:
            raise ValueError(f"epochs must be 1 to 100000, got {self.epochs}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch size must be >= 1 (or full batch), got {self.batch_size}")
        choose(self.optimiser, OPTIMISERS, "optimiser")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")
        choose(self.schedule, SCHEDULES, "schedule")
        check_integer(self.seed, "seed", 0, 2**64 - 1)
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(f"validation fraction must be in [0, 1), got {self.validation_fraction}")
        # every optimiser field is checked, not only the chosen optimiser's
        Momentum(self.lr, self.momentum, weight_decay=self.weight_decay)
        Adam(self.lr, self.beta1, self.beta2, weight_decay=self.weight_decay)
        make_schedule(self.schedule, self.epochs, self.step_every, self.step_gamma)
        self.augmentation()
        if self.train_size is not None:
            check_integer(self.train_size, "training-set size", 1, 10**8)

    def augmentation(self) -> Augmentation:
        """The random changes ``augment`` applies (checked even when it is off)."""
        return Augmentation(self.augment_shift, self.augment_rotation, self.augment_scale)

    def make_optimiser(self):
        if self.optimiser == "sgd":
            return SGD(self.lr, weight_decay=self.weight_decay)
        if self.optimiser == "adam":
            return Adam(self.lr, self.beta1, self.beta2, weight_decay=self.weight_decay)
        cls = Momentum if self.optimiser == "momentum" else Nesterov
        return cls(self.lr, self.momentum, weight_decay=self.weight_decay)

    def describe(self) -> str:
        """One line for people: ``adam lr 0.002 (cosine), batches of 128, 10 epochs, 8% validation``."""
        batches = "full batch" if self.batch_size is None else f"batches of {self.batch_size}"
        decay = f", L2 {self.weight_decay:g}" if self.weight_decay else ""
        decay += ", augmented" if self.augment else ""
        decay += f", {self.train_size:,} training images" if self.train_size is not None else ""
        return (f"{self.optimiser} lr {self.lr:g} ({self.schedule}){decay}, {batches}, "
                f"{self.epochs} epochs, {self.validation_fraction:.0%} validation, seed {self.seed}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**d)


@dataclass(frozen=True)
class BatchEnd:
    """After one optimiser step: epoch and batch are 1-based, step counts over the whole run."""

    epoch: int
    batch: int
    n_batches: int
    step: int
    loss: float
    lr: float


@dataclass(frozen=True)
class EpochEnd:
    """After one epoch. Train figures are averaged over the epoch's batches, as the network changed.

    Validation and test figures are None where there is no such split (or test was not asked for).
    ``seconds`` is training time only (no evaluation, no pauses, no time spent by the consumer of
    the events between two batches).
    """

    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None
    seconds: float
    samples_per_second: float
    lr: float


@dataclass(frozen=True)
class TimePoint:
    """A measurement by training time, not by epoch (``engine.experiments.ConfiguredRun`` sends one
    before the first batch and then about every second of training, so a run that never ends an
    epoch still has a curve).

    seconds : training time so far (as ``EpochEnd.seconds``: no evaluation, no pauses).
    images : training images seen so far; epochs : the position in epochs (2.5: half way through
    the third). train_loss : mean batch loss since the previous point (None for the first).
    val_loss, val_accuracy : on a bounded sample of the validation split (None without one).
    """

    seconds: float
    images: int
    epochs: float
    train_loss: float | None
    val_loss: float | None
    val_accuracy: float | None


@dataclass(frozen=True)
class RunEnd:
    """The last event. reason: ``"completed"``, ``"stopped"`` (asked to) or ``"diverged"`` (NaN/inf loss)."""

    reason: str
    message: str
    epochs_completed: int
    train_seconds: float
    samples_per_second: float
    test_loss: float | None
    test_accuracy: float | None
    history: tuple[EpochEnd, ...]


def evaluate(network: Network, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(mean loss, accuracy in 0..1) of the network on images (n, h, w) with integer labels (n,)."""
    logits = network.logits(images)
    loss, _ = network.loss(logits, labels.astype(np.intp))
    return loss, float(np.mean(np.argmax(logits, axis=1) == labels))


class Trainer:
    """Trains ``network`` in place on uint8 images with integer labels, following ``config``."""

    def __init__(self, network: Network, config: TrainConfig, train_images, train_labels,
                 test_images=None, test_labels=None, blas_threads: int | None = None):
        if len(train_images) != len(train_labels):
            raise ValueError(f"{len(train_images)} training images but {len(train_labels)} labels")
        if int(np.prod(train_images.shape[1:])) != network.spec.input_size:
            raise ValueError(f"the network takes {network.spec.input_size} pixels, the images have "
                             f"{int(np.prod(train_images.shape[1:]))}")
        if blas_threads is not None and blas_threads < 1:
            raise ValueError(f"blas_threads must be >= 1 (or None to choose by timing), got {blas_threads}")
        self.network, self.config = network, config
        self._blas_threads = blas_threads
        self._images = train_images.reshape(len(train_images), -1)
        self._image_shape = train_images.shape[1:]
        if config.augment:
            _two_d(self._image_shape)  # refuse images augmentation cannot turn now, not mid-run
        self._labels = np.asarray(train_labels, dtype=np.intp)
        self._test = None if test_images is None else (test_images, test_labels)
        self._rng = np.random.default_rng(config.seed)
        self._train_idx, self._val_idx = self._split(len(train_labels))
        if len(self._train_idx) == 0:
            raise ValueError("the validation split leaves no images to train on")
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def _split(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Seeded split of 0..n-1 into (train indices, validation indices)."""
        order = self._rng.permutation(n)
        n_val = round(n * self.config.validation_fraction)
        return np.sort(order[n_val:]), np.sort(order[:n_val])

    @property
    def n_train(self) -> int:
        return len(self._train_idx)

    @property
    def n_validation(self) -> int:
        return len(self._val_idx)

    def validation_sample(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(images (k, pixels), labels (k,)): at most ``n`` images of the validation split (the
        split is a seeded random choice, so its first ``n`` are one too)."""
        chosen = self._val_idx[:n]
        return self._images[chosen], self._labels[chosen]

    @property
    def batch_size(self) -> int:
        bs = self.config.batch_size
        return self.n_train if bs is None else min(bs, self.n_train)

    def stop(self) -> None:
        """Ask the run to end after the current batch (also wakes a paused run)."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Hold the run before its next batch until ``resume()`` or ``stop()``."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def _wait_while_paused(self) -> float:
        """Block while paused; returns the seconds spent waiting (kept out of the timings)."""
        if self._running.is_set():
            return 0.0
        t0 = time.perf_counter()
        self._running.wait()
        return time.perf_counter() - t0

    def run(self):
        """Train for ``config.epochs`` epochs, yielding BatchEnd, EpochEnd, ..., then one RunEnd.

        BLAS threads: as many as ``blas_threads`` if given, else chosen by timing (``ThreadTuner``).
        """
        fixed = None if self._blas_threads is None else [self._blas_threads]
        optimiser = self.config.make_optimiser()
        with ThreadTuner(fixed) as threads:  # it times each step to choose the count
            yield from self._run(optimiser, threads.timed(partial(_train_step, self.network, optimiser)))

    def _run(self, optimiser, train_step):
        """The loop over epochs and batches; ``train_step(x, y)`` -> (loss, logits) is one step."""
        cfg = self.config
        schedule = make_schedule(cfg.schedule, cfg.epochs, cfg.step_every, cfg.step_gamma)
        batches = self._batches()
        history: list[EpochEnd] = []
        clock, step = _TrainingClock(), 0
        for epoch in range(1, cfg.epochs + 1):
            stats = _EpochStats()
            clock.start_epoch()
            for b, (x, y) in enumerate(batches.epoch(), 1):
                clock.exclude(self._wait_while_paused())
                if self._stop.is_set():
                    yield self._end("stopped", "Stopped.", history, clock.total)
                    return
                optimiser.lr = cfg.lr * schedule(epoch - 1 + (b - 1) / batches.n_batches)
                loss, logits = train_step(x, y)  # forward, loss, backward, optimiser step
                if not math.isfinite(loss):
                    yield self._end("diverged", _diverged_message(loss, epoch, b, cfg.lr), history, clock.total)
                    return
                stats.add(loss, logits, y)
                step += 1
                with clock.excluded():  # the consumer's time between two batches is not training
                    yield BatchEnd(epoch, b, batches.n_batches, step, loss, optimiser.lr)
            history.append(self._epoch_end(epoch, stats, clock.end_epoch(), optimiser.lr))
            yield history[-1]
        yield self._end("completed", f"Trained {cfg.epochs} epoch{'s' * (cfg.epochs != 1)}.", history, clock.total)

    def _batches(self) -> _Batches:
        """This run's batches: shuffled, turned into inputs by the network, augmented if asked."""
        batches = _Batches(self._images, self._labels, self._train_idx, self.batch_size, self._rng,
                           self.network.inputs)
        if self.config.augment:
            batches.augment(self.config.augmentation(), _two_d(self._image_shape))
        return batches

    def _epoch_end(self, epoch, stats, seconds, lr) -> EpochEnd:
        val_loss = val_acc = test_loss = test_acc = None
        if self.n_validation:
            val_loss, val_acc = evaluate(self.network, self._images[self._val_idx],
                                         self._labels[self._val_idx])
        if self._test is not None and self.config.test_every_epoch:
            test_loss, test_acc = evaluate(self.network, *self._test)
        return EpochEnd(epoch, self.config.epochs, stats.loss, stats.accuracy, val_loss, val_acc,
                        test_loss, test_acc, seconds, stats.seen / max(seconds, 1e-9), lr)

    def _end(self, reason, message, history, train_seconds) -> RunEnd:
        test_loss = test_acc = None
        if self._test is not None and reason != "diverged":
            test_loss, test_acc = evaluate(self.network, *self._test)
        seen = self.n_train * len(history)
        return RunEnd(reason, message, len(history), train_seconds,
                      seen / train_seconds if train_seconds else 0.0, test_loss, test_acc, tuple(history))


def _train_step(network: Network, optimiser, x, y) -> tuple[float, np.ndarray]:
    """One step of gradient descent: forward, loss, backward, the optimiser's update. Returns (loss,
    logits), logits a buffer; a loss that is not finite returns at once (the weights stay as they were)."""
    with np.errstate(over="ignore", invalid="ignore"):
        logits = network.forward(x)
        loss, grad_logits = network.loss(logits, y)
        if not math.isfinite(loss):
            return loss, logits
        network.backward(grad_logits)
    optimiser.step(network.parameters)
    return loss, logits


def _diverged_message(loss, epoch, batch, lr) -> str:
    return (f"The loss became {loss} at epoch {epoch}, batch {batch}: training diverged. "
            f"The learning rate {lr:g} is probably too large; try {lr / 10:g}.")


class _TrainingClock:
    """Training time: wall time of each epoch, less the time excluded (pauses, the events' consumer)."""

    def __init__(self):
        self.total = 0.0  # seconds of training in the epochs ended so far
        self._t0 = self._excluded = 0.0

    def start_epoch(self) -> None:
        self._t0, self._excluded = time.perf_counter(), 0.0

    def exclude(self, seconds: float) -> None:
        self._excluded += seconds

    @contextmanager
    def excluded(self):
        """Time spent inside the ``with`` block does not count as training."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self._excluded += time.perf_counter() - t0

    def end_epoch(self) -> float:
        """The epoch's seconds of training (also added to ``total``)."""
        seconds = time.perf_counter() - self._t0 - self._excluded
        self.total += seconds
        return seconds


class _EpochStats:
    """Running mean loss and accuracy over an epoch's batches."""

    def __init__(self):
        self.loss_sum, self.correct, self.seen = 0.0, 0, 0

    def add(self, loss, logits, labels):
        self.loss_sum += loss * len(labels)
        self.correct += int(np.count_nonzero(np.argmax(logits, axis=1) == labels))
        self.seen += len(labels)

    @property
    def loss(self) -> float:
        return self.loss_sum / self.seen

    @property
    def accuracy(self) -> float:
        return self.correct / self.seen


def _two_d(shape) -> tuple[int, int]:
    """(height, width) of images of ``shape``; flat ones (pixels,) must be square. Augmentation needs it."""
    if len(shape) == 2:
        return tuple(shape)
    side = math.isqrt(shape[0])
    if side * side != shape[0]:
        raise ValueError(f"flat images of {shape[0]} pixels are not square; pass them as (n, height, width)")
    return side, side


class _Batches:
    """Shuffled mini-batches of float32 inputs, converted from uint8 one batch at a time.

    With one batch per epoch (full-batch gradient descent) and no augmentation the order cannot
    matter, so the inputs are converted once and reused.
    """

    def __init__(self, images, labels, indices, batch_size, rng, to_inputs):
        """to_inputs : the network's ``Network.inputs`` (the one way its pixels become inputs)."""
        self.images, self.labels, self.indices = images, labels, indices
        self.batch_size, self.rng, self.to_inputs = batch_size, rng, to_inputs
        self.n_batches = math.ceil(len(indices) / batch_size)
        self._order_images = np.empty((len(indices), images.shape[1]), dtype=np.uint8)
        self._inputs = np.empty((batch_size, images.shape[1]), dtype=np.float32)
        self._full = None
        self._augment: Augmentation | None = None
        self._shape: tuple[int, ...] = ()

    def augment(self, augmentation, image_shape) -> None:
        """Transform every batch with ``augmentation`` (images of ``image_shape``) before scaling it."""
        self._augment, self._shape = augmentation, tuple(image_shape)

    def epoch(self):
        if self.n_batches == 1 and self._augment is None:
            if self._full is None:
                self._full = (self.to_inputs(self.images[self.indices]), self.labels[self.indices])
            yield self._full
            return
        order = self.indices[self.rng.permutation(len(self.indices))]
        np.take(self.images, order, axis=0, out=self._order_images)
        labels = self.labels[order]
        for start in range(0, len(order), self.batch_size):
            stop = start + self.batch_size
            chunk = self._order_images[start:stop]
            out = self._inputs[:len(chunk)]
            if self._augment is not None:
                chunk = self._augment(chunk.reshape(len(chunk), *self._shape), self.rng, out=out)
            yield self.to_inputs(chunk, out=out, pixels=True), labels[start:stop]
