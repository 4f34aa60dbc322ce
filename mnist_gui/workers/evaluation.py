"""The Evaluate panel's background job: the network's answers on the test split and its weight mosaics.

Both are heavy (10,000 images; 512 tiles of 28x28 coloured one by one took 34 ms on the GUI
thread), so both are done here, on the job's own copy of the network (made on the job's thread too), and so is
what the confusion matrix and the mistakes gallery show first: every cell's images and all the
mistakes ranked. The GUI thread only paints them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.classes import as_network_sees
from engine.evaluation import Evaluation, cell_orders, evaluate_network, ranked_mistakes
from mnist_gui.widgets.imaging import diverging_rgb

MAX_TILES = 1024  # units drawn at most (a 4096-unit layer would be a grey blur)
GAP = 1           # pixels between tiles in the mosaic


@dataclass(frozen=True, eq=False)
class WeightMosaics:
    """The first layer's weights as images, ready to draw.

    tiles : (n, h, w) float32, unit j's input weights as an image (at most MAX_TILES units).
    own_scale, same_scale : (H, W, 3) uint8 mosaics, each tile scaled to itself or to all.
    n_units : how many units the layer has (may exceed ``len(tiles)``).
    """

    tiles: np.ndarray
    own_scale: np.ndarray
    same_scale: np.ndarray
    n_units: int


@dataclass(frozen=True, eq=False)
class EvaluateResult:
    """The network scored on ``dataset``: ``test_set`` is that dataset as the network sees it
    (a 3-vs-7 network: the 3s and 7s, relabelled 0 and 1; else the dataset itself). ``cells``:
    ``engine.evaluation.cell_orders`` of the evaluation; ``mistakes``: its ``ranked_mistakes``."""

    dataset: object
    network: object
    evaluation: Evaluation | None
    mosaics: WeightMosaics | None
    test_set: object = None
    cells: list | None = None
    mistakes: np.ndarray | None = None


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid holding n tiles."""
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols


def first_layer_tiles(network, shape: tuple[int, int]) -> np.ndarray:
    """(n_units, h, w) float32: column j of the first Dense layer's W as an image, or for a CNN
    filter j of the first convolution (its one input channel: the image)."""
    if network.conv_layers:
        return np.ascontiguousarray(network.conv_layers[0].W[:, 0], dtype=np.float32)
    weights = network.dense_layers[0].W
    return np.ascontiguousarray(weights.T.reshape(weights.shape[1], *shape), dtype=np.float32)


def mosaic(tiles: np.ndarray, same_scale: bool, columns: int | None = None) -> np.ndarray:
    """The tiles on a grid (near square, or ``columns`` wide), blue-white-red, each symmetric about 0:
    (H, W, 3) uint8, in one pass."""
    n, h, w = tiles.shape
    rows, cols = grid_shape(n) if columns is None else (-(-n // columns), columns)
    peaks = np.abs(tiles).reshape(n, -1).max(axis=1) if n else np.ones(0, np.float32)
    limits = np.full(n, peaks.max() if n else 1.0) if same_scale else peaks
    limits = np.where(limits > 0, limits, 1.0).astype(np.float32)
    cells = np.full((rows * cols, h + GAP, w + GAP, 3), 128, dtype=np.uint8)
    cells[:n, :h, :w] = diverging_rgb(tiles / limits[:, None, None], 1.0)
    grid = cells.reshape(rows, cols, h + GAP, w + GAP, 3).transpose(0, 2, 1, 3, 4)
    out = np.full((rows * (h + GAP) + GAP, cols * (w + GAP) + GAP, 3), 128, dtype=np.uint8)
    out[GAP:, GAP:] = grid.reshape(rows * (h + GAP), cols * (w + GAP), 3)
    return out


def weight_mosaics(network, shape: tuple[int, int] | None) -> WeightMosaics | None:
    """Both mosaics of ``network``'s first layer as images of ``shape`` (None: not drawable)."""
    if network is None or shape is None:
        return None
    all_tiles = first_layer_tiles(network, shape)
    tiles = all_tiles[:MAX_TILES]
    return WeightMosaics(tiles, mosaic(tiles, False), mosaic(tiles, True), len(all_tiles))


def tile_shape(network, image_shape: tuple[int, int] | None) -> tuple[int, int] | None:
    """The image shape of a first-layer unit: the dataset's if it fits, else square, else None;
    a CNN's first filter (k, k)."""
    if network.conv_layers:
        return tuple(network.conv_layers[0].W.shape[2:])
    n_in = network.spec.input_size
    if image_shape is not None and image_shape[0] * image_shape[1] == n_in:
        return tuple(image_shape)
    side = math.isqrt(n_in)
    return (side, side) if side * side == n_in else None


def evaluate_job(network, dataset, job) -> EvaluateResult:
    """Mosaics first (quick), then the test images, checking for cancellation between chunks;
    then every confusion cell's images and the ranked mistakes."""
    shape = tile_shape(network, None if dataset is None else dataset.image_shape)
    mosaics = weight_mosaics(network, shape)
    evaluation, seen = None, dataset
    if dataset is not None and len(dataset.test_labels) and \
            network.spec.input_size == dataset.input_size:
        seen = as_network_sees(dataset, network.spec)  # a 3-vs-7 network: its classes' images

        def step(done, total):
            job.check()
            job.progress(done, total, "Reading the test images")
        evaluation = evaluate_network(network, seen.test_images, seen.test_labels, seen.n_classes, step)
        job.check()
        return EvaluateResult(dataset, network, evaluation, mosaics, seen, cell_orders(evaluation),
                              ranked_mistakes(evaluation))
    return EvaluateResult(dataset, network, evaluation, mosaics, seen)
