"""Looking inside a network without changing it: independent copies, stateless passes, image shapes.

The Inside panel's views (step trace, gradient check, saliency, hidden map, layer statistics) all
read a network that another part of the app may be training. They work on a copy made here, or
only call each layer's ``infer`` (which remembers nothing), so the given network is never touched.
"""

from __future__ import annotations

import math

import numpy as np

from .convolution import Conv2D
from .layers import Activation, Dense
from .network import ConvLayer, Network, NetworkSpec, feature_names


def replica(network: Network, dtype=None) -> Network:
    """An independent network with the same spec and a copy of the weights, in ``dtype``.

    Built as ``Network(network.spec)`` plus a copy of every parameter value, so its layers have
    their own buffers and gradients. dtype : None keeps the network's (float64 for a gradient check).
    """
    clone = Network(network.spec, network.dtype if dtype is None else dtype)
    for mine, theirs in zip(network.parameters, clone.parameters):
        np.copyto(theirs.value, mine.value, casting="unsafe")
    return clone


def input_rows(network: Network, images: np.ndarray, dtype=None) -> np.ndarray:
    """The network's inputs (n, input_size) for images (n, h, w) uint8, or inputs (n, d) already.

    ``network.inputs`` (scaled as its spec says), refusing an empty batch; dtype None: the network's.
    """
    if len(images) == 0:
        raise ValueError("no images given")
    return network.inputs(images, dtype)


def one_input(network: Network, image: np.ndarray, dtype=None) -> np.ndarray:
    """One image (h, w) uint8, or one input row (input_size,), as the network's batch of one (1, input_size)."""
    image = np.asarray(image)
    if image.ndim not in (1, 2):
        raise ValueError(f"expected one image (height, width) or one input row, got shape {image.shape}")
    return input_rows(network, image[None], dtype)


def image_shape(input_size: int, like: np.ndarray | None = None) -> tuple[int, int]:
    """(height, width) to show an input row as an image: ``like``'s if it is 2-D, else a square."""
    if like is not None and np.ndim(like) == 2:
        shape = tuple(np.shape(like))
        if shape[0] * shape[1] == input_size:
            return shape
    side = math.isqrt(input_size)
    if side * side != input_size:
        raise ValueError(f"{input_size} inputs are not a square image; pass the image's shape")
    return side, side


def layer_names(network: Network) -> list[str]:
    """One name per Dense layer, for people: ``"hidden 1 (relu)"``, ..., ``"output"``."""
    hidden = network.spec.hidden
    return [f"hidden {i + 1} ({h.activation})" for i, h in enumerate(hidden)] + ["output"]


def weighted_layer_names(network: Network) -> list[str]:
    """One name per layer with weights, input side first: a CNN's convolutions (``"conv 1 (6 filters
    5x5)"``), then ``layer_names``; in ``Network.weighted_layers`` order."""
    return spec_layer_names(network.spec)


def spec_layer_names(spec: NetworkSpec) -> list[str]:
    """``weighted_layer_names`` of a network of ``spec``, known before it is built or measured."""
    convs = [name for name, layer in zip(feature_names(spec), spec.features) if isinstance(layer, ConvLayer)]
    hidden = [f"hidden {i + 1} ({h.activation})" for i, h in enumerate(spec.hidden)]
    return convs + hidden + ["output"]


def layer_outputs(network: Network, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(z, a) per Dense layer for inputs x (n, input_size), computed with ``infer`` (stateless).

    z = a_prev W + b is the pre-activation (n, units); a = f(z) the activation. For the output layer
    a is z (the logits: the loss applies the softmax). A CNN's dense part starts from its flattened
    features (``Network.flat_features``).
    """
    return _dense_outputs(network, network.flat_features(x))


def weighted_outputs(network: Network, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(z, a) per weighted layer (``Network.weighted_layers``), input side first, in one pass: each
    convolution's maps before and after its activation, (n, channels, h, w), then ``layer_outputs``."""
    stages, z = [], None
    for layer in network.feature_part:
        x = layer.infer(x)
        if isinstance(layer, Conv2D):
            z = x
        elif isinstance(layer, Activation) and z is not None:
            stages.append((z, x))
            z = None
    return stages + _dense_outputs(network, x)


def _dense_outputs(network: Network, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """``layer_outputs`` from the dense part's input x (n, flat_size)."""
    stages = []
    for layer in network.dense_part:  # Dense, activation[, dropout], ..., Dense: the output has no activation
        x = layer.infer(x)
        if isinstance(layer, Dense):
            z = x
        elif isinstance(layer, Activation):
            stages.append((z, x))
    stages.append((z, z))
    return stages


def hidden_activations(network: Network, images: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """The last hidden layer's activations (n, units) for images (n, h, w) uint8 or inputs (n, d).

    A manual inference forward through ``network.layers`` (``infer`` only), stopping before the
    output layer. ValueError for a network without hidden layers.
    """
    if not network.spec.hidden:
        raise ValueError("this network has no hidden layer (softmax regression): nothing to map")
    below_output = network.layers[:-1]
    out = np.empty((len(images), network.spec.hidden[-1].units), dtype=network.dtype)
    for start in range(0, len(images), chunk):
        x = input_rows(network, images[start:start + chunk])
        for layer in below_output:
            x = layer.infer(x)
        out[start:start + chunk] = x
    return out
