"""The "Inside the network" panel's background jobs: a traced step, a gradient check, the maps, saliency.

Each job takes its own copy of the network and of the images it reads, calls the engine, and
returns a small frozen result that carries what it was computed for, so the panel can drop a
result that no longer matches what it shows. Nothing here draws or touches Qt widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.filter_trace import FilterTrace, trace_filters
from engine.gradient_check import GradientCheck, check_gradients
from engine.projection import EmbeddingMap, balanced_sample, hidden_map, locate, pixel_map
from engine.saliency import Nudge, Saliency, input_gradient, nudge
from engine.step_trace import StepTrace, trace_step

MAP_SAMPLE = 2000  # test images on the hidden map
MAP_SEED = 0       # the same sample every time, so successive maps can be aligned


@dataclass(frozen=True, eq=False)
class TraceResult:
    """A traced step of ``network`` (the hub's network it was traced on, not a copy).

    filters : for a CNN, one tuple per convolution of its every filter slid over its input
    (``trace_filters``), else ().
    feature_maps : for a CNN, (name, maps (c, h, w)) after each convolution and pooling layer, else [].
    """

    network: object
    trace: StepTrace
    filters: tuple[tuple[FilterTrace, ...], ...] = ()
    feature_maps: tuple[tuple[str, np.ndarray], ...] = ()


@dataclass(frozen=True, eq=False)
class CheckResult:
    network: object
    check: GradientCheck


def trace_job(network, image: np.ndarray, label: int, config, lr: float | None, job) -> TraceResult:
    """One step traced on a copy: ``trace_step`` never changes the network it is given. For a CNN,
    every convolution's filters traced too, and the feature maps of the image."""
    job.check()
    trace = trace_step(network, image, label, config, lr=lr)
    if not network.spec.features:
        return TraceResult(network, trace)
    job.check()
    maps = tuple((name, m[0].copy()) for name, m in network.feature_maps(image[None]))
    filters = tuple(trace_filters(network, image, label, n) for n in range(len(network.conv_layers)))
    return TraceResult(network, trace, filters, maps)


def check_job(network, image: np.ndarray, label: int, job) -> CheckResult:
    """Backprop against central differences in float64 on the one image, three weights per layer."""
    job.check()
    return CheckResult(network, check_gradients(network, image[None], [label]))


@dataclass(frozen=True, eq=False)
class MapSample:
    """The fixed sample of test images the maps show: images (n, h, w) uint8, labels (n,), indices."""

    images: np.ndarray
    labels: np.ndarray
    indices: np.ndarray


def map_sample(dataset, n: int = MAP_SAMPLE) -> MapSample:
    """About ``n`` class-balanced test images (training images if there are none), always the same."""
    images, labels = dataset.test_images, dataset.test_labels
    if len(labels) == 0:
        images, labels = dataset.train_images, dataset.train_labels
    indices = balanced_sample(labels, n, np.random.default_rng(MAP_SEED))
    return MapSample(images[indices], np.asarray(labels[indices]), indices)


@dataclass(frozen=True, eq=False)
class MapsResult:
    """The hidden map (None without a network, or when it cannot be made) and the pixel map, for
    ``sample`` and ``network``.

    drawing : where the drawing falls on each map, (1, 2) (or (1, 1) on a 1-D map) or None.
    hidden_problem : why there is no hidden map although there is a network, for people ("" if none).
    """

    dataset: object
    network: object
    sample: MapSample
    hidden: EmbeddingMap | None
    pixels: EmbeddingMap
    drawing_hidden: np.ndarray | None
    drawing_pixels: np.ndarray | None
    hidden_problem: str = ""


def maps_job(dataset, network, sample: MapSample, previous: EmbeddingMap | None,
             pixels: EmbeddingMap | None, drawing: np.ndarray | None, job) -> MapsResult:
    """The hidden map aligned to ``previous``; the pixel map once per dataset (``pixels`` reuses it).

    A hidden map that cannot be made (no hidden layer, activations that overflow) leaves the pixel
    map standing, with the reason in ``hidden_problem``.
    """
    if pixels is None:
        pixels = pixel_map(sample.images, sample.labels)
    job.check()
    hidden, problem = None, ""
    if network is not None and network.spec.input_size == sample.images[0].size:
        if previous is not None and len(previous.labels) != len(sample.labels):
            previous = None
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                hidden = hidden_map(network, sample.images, sample.labels, previous)
        except (ValueError, ArithmeticError) as error:  # LinAlgError is a ValueError
            problem = str(error)
    at_hidden, at_pixels = place_drawing(hidden, pixels, network, drawing)
    return MapsResult(dataset, network, sample, hidden, pixels, at_hidden, at_pixels, problem)


def place_drawing(hidden: EmbeddingMap | None, pixels: EmbeddingMap | None, network, drawing):
    """Where the drawing (h, w) falls on the hidden and pixel maps: two (1, 2) arrays or None."""
    if drawing is None:
        return None, None
    at_pixels = None if pixels is None else locate(pixels, drawing[None])
    at_hidden = None if hidden is None else locate(hidden, drawing[None], network)
    return at_hidden, at_pixels


@dataclass(frozen=True, eq=False)
class SaliencyResult:
    network: object
    image: np.ndarray
    saliency: Saliency


@dataclass(frozen=True, eq=False)
class NudgeResult:
    network: object
    image: np.ndarray
    nudge: Nudge


def saliency_job(network, image: np.ndarray, class_index: int | None, score: str, job) -> SaliencyResult:
    """The input gradient of ``class_index``'s score (None: of the class the network reads)."""
    job.check()
    if class_index is None:
        class_index = int(network.predict(image[None])[0])
    return SaliencyResult(network, image, input_gradient(network, image, class_index, score))


def nudge_job(network, image: np.ndarray, target: int, step: int, max_steps: int, job) -> NudgeResult:
    job.check()
    return NudgeResult(network, image, nudge(network, image, target, step=step, max_steps=max_steps))
