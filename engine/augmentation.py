"""Data augmentation: small random shifts, rotations and scalings of a batch of images, all at once.

Each image gets its own random affine map: rotate by an angle a, scale by a factor s, then shift by
(dx, dy) pixels, about the image centre c. Every output pixel p reads the input at the inverse map

    q = R(-a) (p - c - t) / s + c,    t = (dx, dy),

by bilinear interpolation between the four pixels around q (pixels outside the image count as 0).
The whole batch is computed with array operations: no Python loop over images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_PAD = 2  # zero border, so that clipped coordinates of far-off points read only zeros


@dataclass(frozen=True)
class Augmentation:
    """How far the random changes go; each is drawn uniformly per image.

    shift : up to this many pixels left/right and up/down.
    rotation : up to this many degrees either way.
    scale : zoom factor in [1 - scale, 1 + scale].
    All zero is the identity.
    """

    shift: float = 2.0
    rotation: float = 10.0
    scale: float = 0.1

    def __post_init__(self):
        for name, limit in (("shift", 100), ("rotation", 180), ("scale", 1)):
            value = getattr(self, name)
            if not 0 <= value < limit:
                raise ValueError(f"augmentation {name} must be in [0, {limit}), got {value}")

    def __call__(self, images: np.ndarray, rng: np.random.Generator, out=None) -> np.ndarray:
        """Randomly transformed copies of images (n, h, w) as float32 (n, h, w), pixel values kept."""
        n = len(images)
        angle = np.deg2rad(rng.uniform(-self.rotation, self.rotation, n))
        zoom = rng.uniform(1 - self.scale, 1 + self.scale, n)
        shift = rng.uniform(-self.shift, self.shift, (2, n))
        return affine(images, angle, zoom, shift, out=out)


def affine(images, angle, zoom, shift, out=None) -> np.ndarray:
    """images (n, h, w) rotated by angle (n,) radians, scaled by zoom (n,), shifted by shift (2, n).

    shift[0] moves right (x), shift[1] moves down (y). Returns float32 (n, h, w), into ``out`` if given.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, height, width), got {images.shape}")
    n, h, w = images.shape
    src_y, src_x = _source_coordinates(h, w, angle, zoom, shift)
    padded = np.zeros((n, h + 2 * _PAD, w + 2 * _PAD), dtype=np.float32)
    padded[:, _PAD:_PAD + h, _PAD:_PAD + w] = images
    if out is None:
        out = np.empty((n, h, w), dtype=np.float32)
    return _bilinear(padded, src_y + _PAD, src_x + _PAD, out.reshape(n, h, w))


def _source_coordinates(h, w, angle, zoom, shift):
    """(y, x) of the input point each output pixel reads: two float32 arrays (n, h, w)."""
    cy, cx = (h - 1) / 2, (w - 1) / 2
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dy = ys - cy - shift[1].astype(np.float32)[:, None, None]
    dx = xs - cx - shift[0].astype(np.float32)[:, None, None]
    cos = (np.cos(angle) / zoom).astype(np.float32)[:, None, None]
    sin = (np.sin(angle) / zoom).astype(np.float32)[:, None, None]
    # q - c = R(-a) (p - c - t) / s, with R(-a) = [[cos, sin], [-sin, cos]] acting on (x, y)
    src_x = cos * dx + sin * dy + cx
    src_y = cos * dy - sin * dx + cy
    return src_y, src_x


def _bilinear(padded, y, x, out):
    """out[k, i, j] = padded[k] interpolated at (y, x)[k, i, j]; padded has a zero border of _PAD."""
    n, hp, wp = padded.shape
    np.clip(y, 0, hp - _PAD, out=y)
    np.clip(x, 0, wp - _PAD, out=x)
    y0, x0 = np.floor(y), np.floor(x)
    fy, fx = y - y0, x - x0
    base = (np.arange(n, dtype=np.intp) * (hp * wp))[:, None, None]
    top_left = base + y0.astype(np.intp) * wp + x0.astype(np.intp)
    flat = padded.reshape(-1)
    top = flat[top_left] * (1 - fx) + flat[top_left + 1] * fx
    bottom = flat[top_left + wp] * (1 - fx) + flat[top_left + wp + 1] * fx
    np.multiply(top, 1 - fy, out=out)
    out += bottom * fy
    return out
