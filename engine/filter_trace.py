"""One filter of a CNN's first convolution, slid over one digit: forward and backward with its numbers.

Forward, the filter w (k, k) with bias b meets every window of the (padded) image x:

    z[i, j] = b + sum_{u, v} w[u, v] x[s i + u, s j + v],      a = f(z)          (s: the stride)

so the feature map z lights up wherever the window looks like the filter. Backward, with
delta[i, j] = dL/dz[i, j] (what the loss wants of each position of the map), the filter's gradient is
every window weighted by its position's delta:

    dL/dw[u, v] = sum_{i, j} delta[i, j] x[s i + u, s j + v],       dL/db = sum_{i, j} delta[i, j]

That is where a filter's learning comes from: the input patches, weighted by the feature map's error.
``trace_filter`` computes all of it on a copy of the network; ``window``, ``products`` and
``contribution`` give the numbers of one position, for a view that slides the filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .inspection import one_input, replica
from .layers import Activation
from .network import ConvLayer, Network, feature_names


@dataclass(frozen=True, eq=False)
class FilterTrace:
    """Filter ``index`` of the first convolution on one image (the input's only channel).

    name : the layer for people, ``"conv 1 (6 filters 5x5)"``; activation : its f.
    image : (H, W) the input x as the network computes it, padded by ``padding`` zeros on each side.
    weights : (k, k) the filter w; bias : b; stride : s.
    z, a : (h', w') the feature map before and after f; delta : (h', w') dL/dz for ``label``.
    weight_gradient : (k, k) dL/dw; bias_gradient : dL/db; loss : L for ``label``.
    """

    name: str
    index: int
    activation: str
    label: int
    image: np.ndarray
    padding: int
    stride: int
    weights: np.ndarray
    bias: float
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    weight_gradient: np.ndarray
    bias_gradient: float
    loss: float

    @property
    def kernel(self) -> int:
        return self.weights.shape[0]

    def window(self, i: int, j: int) -> np.ndarray:
        """(k, k) the window of the padded image that position (i, j) of the map sees."""
        k, s = self.kernel, self.stride
        return self.image[s * i:s * i + k, s * j:s * j + k]

    def products(self, i: int, j: int) -> np.ndarray:
        """(k, k) w * window: their sum plus b is z[i, j]."""
        return self.weights * self.window(i, j)

    def contribution(self, i: int, j: int) -> np.ndarray:
        """(k, k) delta[i, j] * window: position (i, j)'s share of dL/dw."""
        return self.delta[i, j] * self.window(i, j)


def trace_filter(network: Network, image: np.ndarray, label: int, index: int = 0) -> FilterTrace:
    """Trace filter ``index`` of ``network``'s first convolution on one image and its label.

    image : (h, w) uint8 pixels, or (input_size,) inputs already scaled for the network.
    ValueError for a network without convolutions, or a filter or label out of range.
    The network is untouched (a float64 copy is used).
    """
    convs = [layer for layer in network.spec.features if isinstance(layer, ConvLayer)]
    if not convs:
        raise ValueError("this network has no convolution: there is no filter to slide")
    if not 0 <= index < convs[0].channels:
        raise ValueError(f"filter must be 0 to {convs[0].channels - 1}, got {index}")
    if not 0 <= int(label) < network.spec.classes:
        raise ValueError(f"label must be 0 to {network.spec.classes - 1}, got {label}")
    clone = replica(network, np.float64)
    x = one_input(clone, image)
    logits = clone.forward(x)
    loss, grad = clone.loss(logits, np.array([int(label)]))
    conv = clone.conv_layers[0]
    at = clone.layers.index(conv)
    for layer in reversed(clone.layers[at + 2:]):  # down to the activation after the convolution
        grad = layer.backward(grad)
    f = clone.layers[at + 1]
    z = conv.infer(clone.layers[at - 1].infer(x))[0, index]  # Unflatten, then the convolution
    delta = f.backward(grad)[0, index] if isinstance(f, Activation) else grad[0, index]
    p, s, k = convs[0].padding, convs[0].stride, convs[0].kernel
    padded = np.pad(x.reshape(network.spec.image_shape[1:]), p)
    windows = sliding_window_view(padded, (k, k))[::s, ::s][:delta.shape[0], :delta.shape[1]]  # (h', w', k, k)
    return FilterTrace(
        name=feature_names(network.spec)[network.spec.features.index(convs[0])], index=int(index),
        activation=convs[0].activation, label=int(label), image=padded, padding=p, stride=s,
        weights=conv.W[index, 0].copy(), bias=float(conv.b[index]), z=z.copy(),
        a=f.infer(z[None, None])[0, 0] if isinstance(f, Activation) else z.copy(), delta=delta.copy(),
        weight_gradient=np.einsum("ij,ijuv->uv", delta, windows), bias_gradient=float(delta.sum()),
        loss=float(loss))
