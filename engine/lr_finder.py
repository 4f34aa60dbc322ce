"""The learning-rate range test (fastai's ``lr_find``): a short run with the rate growing each batch.

On a copy of the network, batch i is trained at ``lr_i = lr_min (lr_max / lr_min)^(i / (n - 1))``,
and its loss (before the step) recorded. The loss first barely moves (rate too small), then falls
(a good rate), then blows up (too large). The curve is smoothed by a bias-corrected exponential
moving average, ``a_i = beta a_(i-1) + (1 - beta) loss_i`` and ``smoothed_i = a_i / (1 - beta^(i+1))``,
and the suggested rate is where it falls fastest against log(lr), before its minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FULL_BATCH_SIZE = 128  # a full-batch config would make each batch an epoch; the test uses this
BLOW_UP = 4.0          # stop once the smoothed loss exceeds this many times its best


@dataclass(frozen=True, eq=False)
class LRFinderResult:
    """The range test's curve and what it suggests.

    lrs, losses, smoothed : (n,) float64, the rate of each batch, its loss and the smoothed loss;
        n < n_batches if the test stopped early.
    suggestion : the rate where the smoothed loss falls fastest (against log lr), before its minimum;
        None when the curve gives no finite rate (it is empty: the very first loss was not finite).
    stopped_early : the loss blew up (> 4x the best, or not finite) before lr_max.
    minimum : the rate at the smoothed loss's minimum, divided by 10 (fastai's other rule of thumb);
        None for an empty curve.
    reason : a sentence for people: how the suggestion was chosen, or why there is none.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float | None
    stopped_early: bool
    minimum: float | None = None
    reason: str = ""


def find_learning_rate(network, config, images, labels, *, lr_min=1e-6, lr_max=10.0, n_batches=200,
                       smoothing=0.98, seed=0, check=None, progress=None) -> LRFinderResult:
    """Run the range test on a copy of ``network`` (left untouched) and return the curve.

    config : a TrainConfig; its optimiser (kind, momentum, betas, weight decay) and batch size are
        used (full batch: batches of 128); its learning rate and schedule are not.
    images, labels : (n, h, w) uint8 and (n,) integer training data; batches are drawn from a
        shuffle seeded by ``seed``, reshuffled when used up.
    check : called before every batch; whatever it raises (to cancel) propagates.
    progress : called as ``progress(done, total)`` after every batch.
    """
    _check_arguments(lr_min, lr_max, n_batches, smoothing, len(images), len(labels))
    net = network.copy()
    optimiser = config.make_optimiser()
    batches = _batches(images, np.asarray(labels, dtype=np.intp), config.batch_size or FULL_BATCH_SIZE,
                       np.random.default_rng(seed), net.inputs)
    growth = (lr_max / lr_min) ** (1 / (n_batches - 1))
    lrs, losses, smoothed = [], [], []
    average, best, stopped, loss = 0.0, math.inf, False, math.nan
    for i in range(n_batches):
        if check is not None:
            check()
        optimiser.lr = lr_min * growth ** i
        x, y = next(batches)
        with np.errstate(over="ignore", invalid="ignore"):
            loss, _ = net.loss_and_gradients(x, y)
        if not math.isfinite(loss):
            stopped = True
            break
        optimiser.step(net.parameters)
        average = smoothing * average + (1 - smoothing) * loss
        lrs.append(optimiser.lr)
        losses.append(loss)
        smoothed.append(average / (1 - smoothing ** (i + 1)))
        best = min(best, smoothed[-1])
        if progress is not None:
            progress(i + 1, n_batches)
        if smoothed[-1] > BLOW_UP * best:
            stopped = True
            break
    rates, raw, smooth = (np.array(a, dtype=np.float64) for a in (lrs, losses, smoothed))
    if len(rates) == 0:
        return LRFinderResult(rates, raw, smooth, None, stopped, None, _no_curve(loss))
    suggestion, reason = _suggestion(rates, smooth)
    return LRFinderResult(rates, raw, smooth, suggestion, stopped,
                          float(rates[np.argmin(smooth)] / 10), reason)


def suggest(lrs: np.ndarray, smoothed: np.ndarray) -> float | None:
    """The rate of steepest descent of ``smoothed`` against log10(lrs), before its minimum.

    The first 5% of the points are skipped (the average is still settling). With too few points
    before the minimum, the rate at the minimum / 10; None when there is no finite rate to give
    (an empty curve, or one of non-finite or non-positive values).
    """
    return _suggestion(lrs, smoothed)[0]


def _suggestion(lrs: np.ndarray, smoothed: np.ndarray) -> tuple[float | None, str]:
    """The suggested rate (or None) and how it was chosen (or why there is none)."""
    lrs, smoothed = np.asarray(lrs, dtype=np.float64), np.asarray(smoothed, dtype=np.float64)
    usable = np.isfinite(lrs) & (lrs > 0) & np.isfinite(smoothed)
    if not usable.all():
        lrs, smoothed = lrs[usable], smoothed[usable]
    if len(lrs) == 0:
        return None, "The curve has no finite point, so there is no rate to suggest."
    lowest = int(np.argmin(smoothed))
    skip = len(lrs) // 20
    if lowest - skip < 3:
        return float(lrs[lowest] / 10), ("The loss hardly fell before it rose, so the suggestion is "
                                         "the rate at its lowest point divided by 10.")
    falling = slice(skip, lowest + 1)
    slope = np.gradient(smoothed[falling], np.log10(lrs[falling]))
    return float(lrs[skip + int(np.argmin(slope))]), "It is where the smoothed loss falls fastest."


def _no_curve(loss: float) -> str:
    return (f"The loss of the very first batch was already {loss}, before any step, so there is no "
            "curve and no rate to suggest: the network's outputs overflow on these inputs whatever "
            "the rate. Try smaller initial weights or inputs scaled to 0..1.")


def _check_arguments(lr_min, lr_max, n_batches, smoothing, n_images, n_labels) -> None:
    if not (0 < lr_min < lr_max and math.isfinite(lr_max)):
        raise ValueError(f"the rates must satisfy 0 < lr_min < lr_max, got {lr_min} and {lr_max}")
    if isinstance(n_batches, bool) or not isinstance(n_batches, int) or not 2 <= n_batches <= 100_000:
        raise ValueError(f"n_batches must be a whole number 2 to 100000, got {n_batches!r}")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    if n_images == 0 or n_images != n_labels:
        raise ValueError(f"the range test needs images with one label each, got {n_images} images "
                         f"and {n_labels} labels")


def _batches(images, labels, batch_size, rng, to_inputs):
    """Endless (inputs, labels) batches of a seeded shuffle, reshuffled each time it is used up.

    to_inputs : the network's ``Network.inputs`` (its pixels scaled as its spec says).
    """
    flat = images.reshape(len(images), -1)
    batch_size = min(batch_size, len(flat))
    buffer = np.empty((batch_size, flat.shape[1]), dtype=np.float32)
    while True:
        order = rng.permutation(len(flat))
        for start in range(0, len(order) - batch_size + 1, batch_size):
            chosen = order[start:start + batch_size]
            yield to_inputs(flat[chosen], out=buffer), labels[chosen]
