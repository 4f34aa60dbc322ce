"""Shifted digits: how a network's accuracy falls as the test digits move away from the centre.

MNIST's digits are centred by their centre of mass, so a network trained on them never sees a digit
a few pixels off. A dense layer gives every pixel its own weight: moved by 3 pixels, a stroke meets
other weights altogether. A convolution slides the same filter everywhere (its feature maps move
with the digit: translation equivariance) and max-pooling forgives small moves, so a CNN keeps more
of its accuracy. ``accuracy_by_shift`` measures that, the lesson "why do networks for images use
convolution?".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .classes import subset_classes
from .projection import balanced_sample

SAMPLE_IMAGES = 1000  # test digits the app's shift test uses: LeNet reads 17 x 1,000 in about 7 s

#: The directions a digit is moved in, (dx, dy): right, left, down, up.
DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def shift(images: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Images (n, h, w) moved by whole pixels, dx to the right and dy down, background (0) filled in.

    out[:, y + dy, x + dx] = images[:, y, x] where both are inside the image; what leaves is lost.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, height, width), got {images.shape}")
    _n, h, w = images.shape
    out = np.zeros_like(images)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


@dataclass(frozen=True)
class ShiftCurve:
    """Accuracy (0..1) on the same test digits moved by 0, 1, ..., max pixels (averaged over
    ``DIRECTIONS``): ``shifts`` (k,) int, ``accuracy`` (k,) float."""

    shifts: np.ndarray
    accuracy: np.ndarray

    def at(self, pixels: int) -> float:
        return float(self.accuracy[list(self.shifts).index(pixels)])


def accuracy_by_shift(network, images: np.ndarray, labels: np.ndarray, max_shift: int = 4) -> ShiftCurve:
    """The network's accuracy on ``images`` (n, h, w) uint8 moved by 0..``max_shift`` pixels.

    For s > 0 every image is moved by s pixels in each of the four ``DIRECTIONS`` and the four
    accuracies are averaged (4 n predictions); s = 0 is the plain test accuracy.
    """
    if not 0 <= max_shift < min(np.shape(images)[1:]):
        raise ValueError(f"max_shift must be 0 to {min(np.shape(images)[1:]) - 1}, got {max_shift}")
    labels = np.asarray(labels)
    accuracy = []
    for s in range(max_shift + 1):
        moves = [(0, 0)] if s == 0 else [(s * dx, s * dy) for dx, dy in DIRECTIONS]
        accuracy.append(np.mean([np.mean(network.predict(shift(images, dx, dy)) == labels) for dx, dy in moves]))
    return ShiftCurve(np.arange(max_shift + 1), np.array(accuracy))


def shift_sample(images: np.ndarray, labels: np.ndarray, n: int = SAMPLE_IMAGES) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels): about ``n`` of the test digits, every class equally (seeded: always the
    same ones), all of them if there are fewer; a shift test on them costs 4 max_shift + 1 passes."""
    if len(labels) <= n:
        return np.asarray(images), np.asarray(labels)
    chosen = balanced_sample(labels, n, np.random.default_rng(0))
    return images[chosen], labels[chosen]


def shift_samples(images: np.ndarray, labels: np.ndarray, specs,
                  n: int = SAMPLE_IMAGES) -> list[tuple[np.ndarray, np.ndarray]]:
    """The shift test's digits for each network of ``specs``, from the test ``images`` and ``labels``:
    ``shift_sample`` of the test digits as that network sees them (``classes.as_network_sees``: a
    3-vs-7 network is scored on the 3s and 7s, labelled 0 and 1, not on every digit); each choice of
    classes is sampled once, and networks of the same classes share their digits."""
    known: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
    samples = []
    for spec in specs:
        classes = tuple(spec.class_labels)
        if classes not in known:
            seen = (images, labels) if not classes else subset_classes(images, labels, classes)
            known[classes] = shift_sample(*seen, n=n)
        samples.append(known[classes])
    return samples
