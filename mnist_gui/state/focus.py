"""Where an image goes when a panel sends it to another: Inside, the data browser or the canvas.

Panels never import each other, and the window does not call them for one another: the Data
browser and Evaluate's galleries send the intent here, and the panel that shows it listens.

- ``open(image, ...)``: look inside the network with it; ``opened(FocusedImage)`` (Inside).
- ``show_in_browser(split, index)``: ``browse_requested(split, index)`` (the Data panel).
- ``put_on_canvas(image)``: ``canvas_requested(image)`` (the Draw panel).

The window listens as well, only to bring the panel that shows the image to the front.
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
    """Where panels send an image for another panel: ``opened``, ``browse_requested``, ``canvas_requested``."""

    opened = Signal(object)             # FocusedImage, to look inside the network with
    browse_requested = Signal(str, int)  # split ("train" or "test"), index into it
    canvas_requested = Signal(object)    # (h, w) uint8, read-only copy, for the drawing canvas

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

    def show_in_browser(self, split: str, index: int) -> None:
        """Ask for image ``index`` of ``split`` ("train" or "test") in the data browser."""
        if split not in SPLIT_NAMES:
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLIT_NAMES)}")
        self.browse_requested.emit(split, int(index))

    def put_on_canvas(self, image: np.ndarray) -> None:
        """Ask for a copy of ``image`` ((h, w) uint8) on the drawing canvas, read like a drawing."""
        copy = np.array(image, dtype=np.uint8, copy=True)
        if copy.ndim != 2:
            raise ValueError(f"an image for the canvas is (h, w), not {copy.shape}")
        copy.setflags(write=False)
        self.canvas_requested.emit(copy)
