"""Arrays to QImages: grey digits, scaled grey maps and the blue-white-red diverging map."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

NEGATIVE = np.array([33, 102, 172], dtype=np.float32)   # blue: more ink in B
NEUTRAL = np.array([247, 247, 247], dtype=np.float32)   # white: no difference
POSITIVE = np.array([178, 24, 43], dtype=np.float32)    # red: more ink in A


def gray_image(pixels: np.ndarray) -> QImage:
    """A (h, w) uint8 array (0 background, 255 ink) as a grey QImage that owns its data."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w, QImage.Format_Grayscale8).copy()


def scaled_gray_image(values: np.ndarray, vmax: float) -> QImage:
    """A float (h, w) array mapped linearly from 0..vmax to black..white."""
    vmax = float(vmax) if vmax > 0 else 1.0
    pixels = np.clip(np.asarray(values, dtype=np.float32) * (255.0 / vmax), 0, 255)
    return gray_image(np.rint(pixels).astype(np.uint8))


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """(h, w, 3) uint8 colours: -limit blue, 0 white, +limit red, clipped beyond."""
    limit = float(limit) if limit > 0 else 1.0
    t = np.clip(np.asarray(values, dtype=np.float32) / limit, -1.0, 1.0)[..., None]
    ends = np.where(t < 0, NEGATIVE, POSITIVE)
    rgb = NEUTRAL + (ends - NEUTRAL) * np.abs(t)
    return np.rint(rgb).astype(np.uint8)


def rgb_image(rgb: np.ndarray) -> QImage:
    """A (h, w, 3) uint8 array as an RGB QImage that owns its data."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def diverging_image(values: np.ndarray, limit: float) -> QImage:
    return rgb_image(diverging_rgb(values, limit))


def diverging_color(t: float) -> QColor:
    """The colour of ``t`` in -1..1 on the diverging map (for colour bars)."""
    r, g, b = diverging_rgb(np.array([[t]], dtype=np.float32), 1.0)[0, 0]
    return QColor(int(r), int(g), int(b))


# Anchors of a perceptually ordered dark-to-bright map (close to matplotlib's "inferno"), used for
# quantities that are not ink, such as the spread of a class, so they are not mistaken for digits.
HEAT_ANCHORS = np.array([[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]],
                        dtype=np.float32)


def heat_rgb(values: np.ndarray, vmax: float) -> np.ndarray:
    """(h, w, 3) uint8 colours of a float (h, w) array from 0..vmax: black-purple-orange-yellow."""
    vmax = float(vmax) if vmax > 0 else 1.0
    t = np.clip(np.asarray(values, dtype=np.float32) / vmax, 0, 1) * (len(HEAT_ANCHORS) - 1)
    stops = np.arange(len(HEAT_ANCHORS))
    rgb = np.stack([np.interp(t, stops, HEAT_ANCHORS[:, c]) for c in range(3)], axis=-1)
    return np.rint(rgb).astype(np.uint8)


def heat_image(values: np.ndarray, vmax: float) -> QImage:
    """A float (h, w) array mapped from 0..vmax to black-purple-orange-yellow."""
    return rgb_image(heat_rgb(values, vmax))
