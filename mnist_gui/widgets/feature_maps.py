"""A CNN's feature maps of one image: one mosaic per convolution and pooling layer, captioned."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from mnist_gui.widgets.image_strip import ImageStrip
from mnist_gui.widgets.imaging import heat_image
from mnist_gui.workers.evaluation import GAP, grid_shape


class FeatureMapStrip(ImageStrip):
    """``set_maps([(name, maps (c, h, w)), ...])``: every channel of every layer, each map scaled to
    its own peak (dark 0, bright its largest value); the engine's ``Network.feature_maps`` for one image."""

    def __init__(self, parent: QWidget | None = None, columns: int = 4, max_cell: int = 220):
        super().__init__(parent, columns=columns, max_cell=max_cell)

    def set_maps(self, named_maps) -> None:
        items = []
        for name, maps in named_maps:
            c, h, w = maps.shape
            items.append((heat_image(feature_mosaic(maps), 1.0), name,
                          f"{name}: {c} maps of {h}×{w}, each scaled to its own peak"))
        self.set_items(items)


def feature_mosaic(maps: np.ndarray) -> np.ndarray:
    """Feature maps (c, h, w) on a near-square grid, each scaled to its own peak: (H, W) in 0..1,
    with a gap of ``GAP`` pixels between maps."""
    c, h, w = maps.shape
    rows, cols = grid_shape(c)
    peaks = maps.reshape(c, -1).max(axis=1)
    scaled = maps / np.where(peaks > 0, peaks, 1.0)[:, None, None]
    out = np.zeros((rows * (h + GAP) - GAP, cols * (w + GAP) - GAP), dtype=np.float32)
    for k in range(c):
        r, q = divmod(k, cols)
        out[r * (h + GAP):r * (h + GAP) + h, q * (w + GAP):q * (w + GAP) + w] = scaled[k]
    return out
