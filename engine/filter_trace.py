"""One filter of a CNN's first convolution, slid over one digit: forward and backward with its numbers.

Forward, the filter w (k, k) with bias b meets every window of the (padded) image x:

    z[i, j] = b + sum_{u, v} w[u, v] x[s i + u, s j + v],      a = f(z)          (s: the stride)

so the feature map z lights up wherever the window looks like the filter. Backward, with
delta[i, j] = dL/dz[i, j] (what the loss wants of each position of the map), the filter's gradient is
every window weighted by its position's delta:

    dL/dw[u, v] = sum_{i, j} delta[i, j] x[s i + u, s j + v],       dL/db = sum_{i, j} delta[i, j]

That is where a filter's learning comes from: the input patches, weighted by the feature map's error.
``trace_filters`` computes all of it for every filter on a copy of the network (``trace_filter`` for
one); ``window``, ``products``, ``weighted_sum`` and ``contribution`` give the numbers of one position,
and ``map_so_far`` and ``gradient_so_far`` the map and the sum after the first n positions, for a view
that slides the filter in reading order. ``backprop_gradient`` is what the network's own backward
pass (im2col) computed, to compare with the sum of the weighted patches.
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
    weight_gradient : (k, k) dL/dw as the sum of the weighted windows; bias_gradient : dL/db;
    loss : L for ``label``.
    backprop_gradient, backprop_bias_gradient : dL/dw and dL/db from the network's backward pass.
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
    backprop_gradient: np.ndarray
    backprop_bias_gradient: float

    @property
    def kernel(self) -> int:
        return self.weights.shape[0]

    @property
    def n_positions(self) -> int:
        """h' w': how many places the window takes."""
        return self.z.size

    @property
    def gradient_mismatch(self) -> float:
        """max |sum of the weighted windows - backprop's dL/dw|: rounding only (about 1e-17 in float64)."""
        return float(np.max(np.abs(self.weight_gradient - self.backprop_gradient)))

    @property
    def largest_gradient(self) -> tuple[int, int]:
        """(u, v) of the weight with the largest |dL/dw|."""
        u, v = np.unravel_index(int(np.argmax(np.abs(self.backprop_gradient))), self.backprop_gradient.shape)
        return int(u), int(v)

    def position(self, n: int) -> tuple[int, int]:
        """(i, j) of the n-th window in reading order (row by row), n = 0 .. n_positions - 1."""
        if not 0 <= n < self.n_positions:
            raise ValueError(f"position must be 0 to {self.n_positions - 1}, got {n}")
        i, j = divmod(int(n), self.z.shape[1])
        return i, j

    def window(self, i: int, j: int) -> np.ndarray:
        """(k, k) the window of the padded image that position (i, j) of the map sees."""
        k, s = self.kernel, self.stride
        return self.image[s * i:s * i + k, s * j:s * j + k]

    def products(self, i: int, j: int) -> np.ndarray:
        """(k, k) w * window: their sum plus b is z[i, j]."""
        return self.weights * self.window(i, j)

    def weighted_sum(self, i: int, j: int) -> float:
        """sum_{u, v} w[u, v] x[s i + u, s j + v]: z[i, j] without the bias."""
        return float(self.products(i, j).sum())

    def contribution(self, i: int, j: int) -> np.ndarray:
        """(k, k) delta[i, j] * window: position (i, j)'s share of dL/dw."""
        return self.delta[i, j] * self.window(i, j)

    def map_so_far(self, n: int) -> np.ndarray:
        """(h', w') the activated map a after the first n positions, NaN where the window has not been."""
        filled = np.full(self.a.shape, np.nan)
        filled.reshape(-1)[:n] = self.a.reshape(-1)[:n]
        return filled

    def gradient_so_far(self, n: int) -> np.ndarray:
        """(k, k) the sum of the first n positions' weighted windows; n_positions gives dL/dw."""
        i, j = np.unravel_index(np.arange(min(int(n), self.n_positions)), self.z.shape)
        windows = self._windows()[i, j]  # (n, k, k)
        return np.einsum("n,nuv->uv", self.delta[i, j], windows)

    def _windows(self) -> np.ndarray:
        """(h', w', k, k) every window of the padded image."""
        h, w = self.z.shape
        return sliding_window_view(self.image, (self.kernel, self.kernel))[::self.stride, ::self.stride][:h, :w]


def trace_filter(network: Network, image: np.ndarray, label: int, index: int = 0) -> FilterTrace:
    """Trace filter ``index`` of ``network``'s first convolution on one image and its label.

    image : (h, w) uint8 pixels, or (input_size,) inputs already scaled for the network.
    ValueError for a network without convolutions, or a filter or label out of range.
    The network is untouched (a float64 copy is used).
    """
    conv = _first_conv(network)
    if not 0 <= index < conv.channels:
        raise ValueError(f"filter must be 0 to {conv.channels - 1}, got {index}")
    return trace_filters(network, image, label)[index]


def trace_filters(network: Network, image: np.ndarray, label: int) -> tuple[FilterTrace, ...]:
    """``trace_filter`` for every filter of the first convolution, from one forward and backward pass."""
    spec = _first_conv(network)
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
    z = conv.infer(clone.layers[at - 1].infer(x))[0]  # (F, h', w'): Unflatten, then the convolution
    delta = (f.backward(grad) if isinstance(f, Activation) else grad)[0].copy()
    a = f.infer(z[None])[0] if isinstance(f, Activation) else z
    conv.backward_params(delta[None])  # backprop's own dL/dW (im2col), to compare with the windows
    padded = np.pad(x.reshape(network.spec.image_shape[1:]), spec.padding)
    name = feature_names(network.spec)[network.spec.features.index(spec)]
    return tuple(_one_filter(name, spec, conv, int(label), float(loss), padded, z, a, delta, k)
                 for k in range(spec.channels))


def _first_conv(network: Network) -> ConvLayer:
    convs = [layer for layer in network.spec.features if isinstance(layer, ConvLayer)]
    if not convs:
        raise ValueError("this network has no convolution: there is no filter to slide")
    return convs[0]


def _one_filter(name, spec: ConvLayer, conv, label, loss, padded, z, a, delta, k) -> FilterTrace:
    """Filter k's trace; its dL/dw summed over the windows weighted by its delta."""
    h, w = delta.shape[1:]
    s, size = spec.stride, spec.kernel
    windows = sliding_window_view(padded, (size, size))[::s, ::s][:h, :w]  # (h', w', k, k)
    return FilterTrace(
        name=name, index=k, activation=spec.activation, label=label, image=padded, padding=spec.padding,
        stride=s, weights=conv.W[k, 0].copy(), bias=float(conv.b[k]), z=z[k].copy(), a=a[k].copy(),
        delta=delta[k].copy(), weight_gradient=np.einsum("ij,ijuv->uv", delta[k], windows),
        bias_gradient=float(delta[k].sum()), loss=loss, backprop_gradient=conv.dW[k, 0].copy(),
        backprop_bias_gradient=float(conv.db[k]))
