"""The image opened for a closer look: one panel opens a dataset image, another (Inside) looks at it.

Panels never import each other, so the Data browser and Evaluate's mistakes do not call the
Inside panel: they ``open`` an image here, and whoever looks at images connects to ``opened``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

SPLIT_NAMES = {"train": "training", "test": "test"}


@dataclass(frozen=True, eq=False)
class FocusedImage:
    """One opened image: a read-only (h, w) uint8 copy, its true class (None if unknown), what it is.

    ``description`` reads in a sentence ("training image 1,234 (a 7)"); ``split`` ("train" or
    "test") and ``index`` say where in the dataset it came from, when it came from one.
    """

    image: np.ndarray
    label: int | None
    description: str
    split: str | None = None
    index: int | None = None

    def __post_init__(self):
        image = np.array(self.image, dtype=np.uint8, copy=True)
        if image.ndim != 2:
            raise ValueError(f"an opened image is (h, w), not {image.shape}")
        image.setflags(write=False)
        object.__setattr__(self, "image", image)


OPEN_IN_INSIDE_TIP = ("Look inside the network with this image: one training step on it in slow "
                      "motion, and which pixels the network looks at")


def describe(split: str, index: int, true_name: str, read_as: str | None = None) -> str:
    """"training image 1,234 (a 7)", or with the network's answer "test image 56: a 4 read as 9"."""
    where = f"{SPLIT_NAMES.get(split, split)} image {index:,}"
    return f"{where} (a {true_name})" if read_as is None else f"{where}: a {true_name} read as {read_as}"


class ImageFocus(QObject):
    """Where panels send an image to be looked at closely; ``opened(FocusedImage)`` fires for each."""

    opened = Signal(object)  # FocusedImage

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._current: FocusedImage | None = None

    @property
    def current(self) -> FocusedImage | None:
        """The image opened last, or None."""
        return self._current

    def open(self, image: np.ndarray, label: int | None, description: str,
             split: str | None = None, index: int | None = None) -> FocusedImage:
        """Open a copy of ``image`` ((h, w) uint8) and tell every listener."""
        focused = FocusedImage(image, None if label is None else int(label), description, split,
                               None if index is None else int(index))
        self._current = focused
        self.opened.emit(focused)
        return focused
