"""The in-memory dataset every part of the app shares: uint8 images, integer labels, two splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .choices import choose

DIGIT_NAMES = tuple(str(d) for d in range(10))
FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images and labels of a train and a test split.

    Attributes
    ----------
    name : str
        What it is, shown to the user: ``"MNIST"``, ``"Fashion-MNIST"``, ``"Offline digits (8x8)"``.
    train_images : ndarray, shape (n_train, height, width), uint8
        0 is background, 255 is full ink.
    train_labels : ndarray, shape (n_train,), uint8
        Class indices in ``0 .. n_classes - 1``.
    test_images, test_labels : as above, for the test split.
    class_names : tuple of str
        One name per class; ``len(class_names)`` is the number of classes.
    source : str
        Where it was loaded from (a folder, a file, "built in"), for the status bar.
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...] = DIGIT_NAMES
    source: str = ""

    def __post_init__(self):
        for split in ("train", "test"):
            images = getattr(self, f"{split}_images")
            labels = getattr(self, f"{split}_labels")
            if images.dtype != np.uint8 or images.ndim != 3:
                raise ValueError(f"{split} images must be uint8 of shape (n, height, width), "
                                 f"got {images.dtype} {images.shape}")
            if labels.ndim != 1 or len(labels) != len(images):
                raise ValueError(f"{split} has {len(images)} images but {labels.shape} labels")
            if len(labels) and int(labels.max()) >= self.n_classes:
                raise ValueError(f"{split} labels go up to {int(labels.max())}, "
                                 f"but there are only {self.n_classes} classes")
        if len(self.train_images) == 0 or 0 in self.train_images.shape[1:]:
            raise ValueError(f"a dataset needs training images of at least one pixel, got "
                             f"train images of shape {self.train_images.shape}")
        if self.train_images.shape[1:] != self.test_images.shape[1:]:
            raise ValueError(f"train images are {self.train_images.shape[1:]} but test images "
                             f"are {self.test_images.shape[1:]}")

    @property
    def image_shape(self) -> tuple[int, int]:
        """(height, width) of one image."""
        return tuple(self.train_images.shape[1:])

    @property
    def input_size(self) -> int:
        """Pixels per image: the network's input dimension."""
        return int(self.image_shape[0] * self.image_shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of ``"train"`` or ``"test"``."""
        if name not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', not {name!r}")
        return getattr(self, f"{name}_images"), getattr(self, f"{name}_labels")

    def class_counts(self, name: str) -> np.ndarray:
        """How many images of each class split ``name`` holds: (n_classes,) int64, 0 for a class
        with none."""
        return np.bincount(self.split(name)[1], minlength=self.n_classes).astype(np.int64)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, train={len(self.train_labels)}, "
                f"test={len(self.test_labels)}, image_shape={self.image_shape}, "
                f"classes={self.n_classes}, source={self.source!r})")


#: Pixel value p (0..255) -> network input (p - offset) * factor, by the name of the scaling.
#: "standardised" uses the mean (33.32) and standard deviation (78.57) of MNIST's training pixels.
INPUT_SCALINGS = {"unit": (0.0, 1 / 255), "raw": (0.0, 1.0), "standardised": (33.32, 1 / 78.57)}


def as_inputs(images: np.ndarray, out: np.ndarray | None = None, scaling: str = "unit") -> np.ndarray:
    """Network inputs from images: ``x = pixels / 255`` as float32 (``scaling="unit"``), one row per image.

    images : (n, height, width) or (n, d), uint8 in 0..255; float arrays are taken to be inputs
        already and come back only reshaped, keeping their dtype.
    out : optional float32 buffer of shape (n, height * width) to write into (no allocation).
    scaling : one of ``INPUT_SCALINGS``: ``"unit"`` (0..1), ``"raw"`` (0..255) or ``"standardised"``.
    Returns (n, height * width), float32 for uint8 images.
    """
    flat = images.reshape(len(images), -1)
    if flat.dtype != np.uint8:
        return flat
    return scale_pixels(flat, scaling, out)


def pixels_from_inputs(x: np.ndarray, scaling: str = "unit") -> np.ndarray:
    """The pixel values (float64, 0..255 for inputs made from images) behind inputs x: the inverse of
    ``scale_pixels``, pixels = x / factor + offset."""
    offset, factor = _scaling(scaling)
    return np.asarray(x, dtype=np.float64) / factor + offset


def _scaling(scaling: str) -> tuple[float, float]:
    """(offset, factor) of one of ``INPUT_SCALINGS``; ValueError naming the choices for another."""
    return choose(scaling, INPUT_SCALINGS, "input scaling")


def scale_pixels(pixels: np.ndarray, scaling: str = "unit", out: np.ndarray | None = None) -> np.ndarray:
    """x = (pixels - offset) * factor as float32, for pixel values (uint8 or float) in 0..255."""
    offset, factor = _scaling(scaling)
    if out is None:
        out = np.empty(pixels.shape, dtype=np.float32)
    if offset:
        np.subtract(pixels, np.float32(offset), out=out, casting="unsafe")
        return np.multiply(out, np.float32(factor), out=out)
    if factor == 1:
        np.copyto(out, pixels, casting="unsafe")
        return out
    return np.multiply(pixels, np.float32(factor), out=out, casting="unsafe")
