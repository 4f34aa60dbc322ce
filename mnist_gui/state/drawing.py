"""The user's drawing as the network reads it: the Draw panel sets it, Evaluate and Inside show it.

Panels never import each other, so the Draw panel does not call the panels that look at its
drawing: it sets the image here, and ``changed`` tells whoever listens. Like every state object,
``changed`` fires only when the value changes: the Draw panel reads its canvas again with every
new network, and a drawing read again to the same pixels is no news.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal


class Drawing(QObject):
    """The current drawing, a read-only (h, w) uint8 copy, or None when the canvas is empty."""

    changed = Signal(object)  # the new image (read-only (h, w) uint8) or None

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._image: np.ndarray | None = None

    @property
    def image(self) -> np.ndarray | None:
        """The drawing as the network reads it, or None."""
        return self._image

    def set_image(self, image: np.ndarray | None) -> bool:
        """Make a copy of ``image`` ((h, w) uint8, or None) the drawing; True if it changed."""
        if image is not None:
            image = np.array(image, dtype=np.uint8, copy=True)
            if image.ndim != 2:
                raise ValueError(f"a drawing is (h, w), not {image.shape}")
            image.setflags(write=False)
        if _same(image, self._image):
            return False
        self._image = image
        self.changed.emit(image)
        return True


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and np.array_equal(a, b)
