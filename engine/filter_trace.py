"""One filter of a CNN's convolution, slid over one digit: forward and backward with its numbers.

Forward, filter f of a convolution (weights w (C, k, k), bias b) meets every window of its (padded)
input x (C, H, W): the image for the first convolution (C = 1), the previous layer's maps for a later
one, so a later filter's window spans all C input channels:

    z[i, j] = b + sum_c s_c[i, j],   s_c[i, j] = sum_{u, v} w[c, u, v] x[c, s i + u, s j + v],   a = f(z)

(s: the stride), and the feature map z lights up wherever the window looks like the filter. Backward,
with delta[i, j] = dL/dz[i, j] (what the loss wants of each position of the map), each input channel's
slice of the filter gets every window of that channel weighted by its position's delta:

    dL/dw[c, u, v] = sum_{i, j} delta[i, j] x[c, s i + u, s j + v],       dL/db = sum_{i, j} delta[i, j]

That is where a filter's learning comes from: the input patches, weighted by the feature map's error.
``trace_filters`` computes all of it for every filter of one convolution on a copy of the network
(``trace_filter`` for one). A trace looks at one input channel at a time (``channel``; ``on_channel``
for another): ``window``, ``products``, ``weighted_sum`` and ``contribution`` give that channel's numbers
at one position, ``channel_sums`` every channel's s_c, and ``map_so_far`` and ``gradient_so_far`` the map
and the channel's sum after the first n positions, for a view that slides the filter in reading order.
``backprop_gradient`` is what the network's own backward pass (im2col) computed, to compare with the sum
of the weighted patches. ``filter_bank`` gives a convolution's weights per output filter and input
channel, with the share of each input map in each filter, for "what it learned".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .inspection import one_input, replica
from .layers import Activation
from .network import ConvLayer, Network, feature_names


@dataclass(frozen=True, eq=False)
class FilterTrace:
    """Filter ``index`` of convolution ``layer`` (0-based) on one image, seen on input channel ``channel``.

    name : the layer for people, ``"conv 2 (16 filters 5x5)"``; activation : its f.
    input_name : what the convolution reads, ``"input"`` or the layer before it (``"pool 1 (2x2)"``).
    inputs : (C, H, W) the input x as the network computes it, padded by ``padding`` zeros on each side.
    filter_weights : (C, k, k) the filter w; bias : b; stride : s.
    z, a : (h', w') the feature map before and after f; delta : (h', w') dL/dz for ``label``.
    filter_gradient : (C, k, k) dL/dw as the sums of the weighted windows; bias_gradient : dL/db;
    loss : L for ``label``.
    backprop_filter_gradient, backprop_bias_gradient : dL/dw and dL/db from the network's backward pass.
    ``image``, ``weights``, ``weight_gradient`` and ``backprop_gradient`` are channel ``channel``'s
    (H, W) and (k, k) slices.
    """

    name: str
    index: int
    activation: str
    label: int
    inputs: np.ndarray
    padding: int
    stride: int
    filter_weights: np.ndarray
    bias: float
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    filter_gradient: np.ndarray
    bias_gradient: float
    loss: float
    backprop_filter_gradient: np.ndarray
    backprop_bias_gradient: float
    layer: int = 0
    input_name: str = "input"
    channel: int = 0

    @property
    def n_channels(self) -> int:
        """C: how many input channels the window spans (1 for the first convolution)."""
        return self.inputs.shape[0]

    def on_channel(self, c: int) -> FilterTrace:
        """The same trace looking at input channel c (its window, products and gradient slice)."""
        if not 0 <= c < self.n_channels:
            raise ValueError(f"input channel must be 0 to {self.n_channels - 1}, got {c}")
        return replace(self, channel=int(c))

    @property
    def image(self) -> np.ndarray:
        """(H, W) the padded input channel ``channel``."""
        return self.inputs[self.channel]

    @property
    def weights(self) -> np.ndarray:
        """(k, k) the filter's slice for input channel ``channel``."""
        return self.filter_weights[self.channel]

    @property
    def weight_gradient(self) -> np.ndarray:
        return self.filter_gradient[self.channel]

    @property
    def backprop_gradient(self) -> np.ndarray:
        return self.backprop_filter_gradient[self.channel]

    @property
    def kernel(self) -> int:
        return self.filter_weights.shape[1]

    @property
    def n_positions(self) -> int:
        """h' w': how many places the window takes."""
        return self.z.size

    @property
    def gradient_mismatch(self) -> float:
        """max |sum of the weighted windows - backprop's dL/dw| over every channel: rounding only."""
        return float(np.max(np.abs(self.filter_gradient - self.backprop_filter_gradient)))

    @property
    def largest_gradient(self) -> tuple[int, int]:
        """(u, v) of channel ``channel``'s weight with the largest |dL/dw|."""
        u, v = np.unravel_index(int(np.argmax(np.abs(self.backprop_gradient))), self.backprop_gradient.shape)
        return int(u), int(v)

    def position(self, n: int) -> tuple[int, int]:
        """(i, j) of the n-th window in reading order (row by row), n = 0 .. n_positions - 1."""
        if not 0 <= n < self.n_positions:
            raise ValueError(f"position must be 0 to {self.n_positions - 1}, got {n}")
        i, j = divmod(int(n), self.z.shape[1])
        return i, j

    def window(self, i: int, j: int) -> np.ndarray:
        """(k, k) the window of padded channel ``channel`` that position (i, j) of the map sees."""
        k, s = self.kernel, self.stride
        return self.image[s * i:s * i + k, s * j:s * j + k]

    def products(self, i: int, j: int) -> np.ndarray:
        """(k, k) w * window on channel ``channel``: summed over every channel, plus b, they are z[i, j]."""
        return self.weights * self.window(i, j)

    def weighted_sum(self, i: int, j: int) -> float:
        """s_c[i, j] = sum_{u, v} w[c, u, v] x[c, s i + u, s j + v] for c = ``channel``."""
        return float(self.products(i, j).sum())

    def channel_sums(self, i: int, j: int) -> np.ndarray:
        """(C,) every input channel's s_c[i, j]: their sum plus b is z[i, j]."""
        k, s = self.kernel, self.stride
        windows = self.inputs[:, s * i:s * i + k, s * j:s * j + k]
        return np.einsum("cuv,cuv->c", self.filter_weights, windows)

    def contribution(self, i: int, j: int) -> np.ndarray:
        """(k, k) delta[i, j] * window: position (i, j)'s share of dL/dw on channel ``channel``."""
        return self.delta[i, j] * self.window(i, j)

    def map_so_far(self, n: int) -> np.ndarray:
        """(h', w') the activated map a after the first n positions, NaN where the window has not been."""
        filled = np.full(self.a.shape, np.nan)
        filled.reshape(-1)[:n] = self.a.reshape(-1)[:n]
        return filled

    def gradient_so_far(self, n: int) -> np.ndarray:
        """(k, k) the sum of the first n positions' weighted windows on channel ``channel``;
        n_positions gives its dL/dw."""
        i, j = np.unravel_index(np.arange(min(int(n), self.n_positions)), self.z.shape)
        windows = _windows(self.image, self.kernel, self.stride, self.z.shape)[i, j]  # (n, k, k)
        return np.einsum("n,nuv->uv", self.delta[i, j], windows)


def _windows(image: np.ndarray, kernel: int, stride: int, shape: tuple[int, int]) -> np.ndarray:
    """(h', w', k, k) every window of a padded (H, W) image; (C, h', w', k, k) of a (C, H, W) one."""
    h, w = shape
    return sliding_window_view(image, (kernel, kernel), axis=(-2, -1))[..., ::stride, ::stride, :, :][..., :h, :w, :, :]


def trace_filter(network: Network, image: np.ndarray, label: int, index: int = 0, layer: int = 0) -> FilterTrace:
    """Trace filter ``index`` of ``network``'s convolution ``layer`` (0: the first) on one image and its label.

    image : (h, w) uint8 pixels, or (input_size,) inputs already scaled for the network.
    ValueError for a network without convolutions, or a layer, filter or label out of range.
    The network is untouched (a float64 copy is used).
    """
    conv = _conv_spec(network, layer)
    if not 0 <= index < conv.channels:
        raise ValueError(f"filter must be 0 to {conv.channels - 1}, got {index}")
    return trace_filters(network, image, label, layer)[index]


def trace_filters(network: Network, image: np.ndarray, label: int, layer: int = 0) -> tuple[FilterTrace, ...]:
    """``trace_filter`` for every filter of convolution ``layer``, from one forward and backward pass."""
    spec = _conv_spec(network, layer)
    if not 0 <= int(label) < network.spec.classes:
        raise ValueError(f"label must be 0 to {network.spec.classes - 1}, got {label}")
    clone = replica(network, np.float64)
    x = one_input(clone, image)
    conv = clone.conv_layers[layer]
    at = clone.layers.index(conv)
    below = x
    for part in clone.layers[:at]:  # Unflatten, and the convolutions and pools before this one
        below = part.infer(below).copy()
    z = conv.infer(below)[0].copy()  # (F, h', w')
    logits = clone.forward(x)
    loss, grad = clone.loss(logits, np.array([int(label)]))
    for part in reversed(clone.layers[at + 2:]):  # down to the activation after the convolution
        grad = part.backward(grad)
    f = clone.layers[at + 1]
    delta = (f.backward(grad) if isinstance(f, Activation) else grad)[0].copy()
    a = f.infer(z[None])[0].copy() if isinstance(f, Activation) else z
    conv.backward_params(delta[None])  # backprop's own dL/dW (im2col), to compare with the windows
    p = spec.padding
    padded = np.pad(below[0], ((0, 0), (p, p), (p, p)))
    names = feature_names(network.spec)
    where = _conv_positions(network)[layer]
    context = dict(name=names[where], input_name=names[where - 1] if where else "input", layer=layer,
                   label=int(label), loss=float(loss))
    return tuple(_one_filter(spec, conv, padded, z, a, delta, k, context) for k in range(spec.channels))


def _conv_positions(network: Network) -> list[int]:
    """Where each convolution sits in ``spec.features``."""
    return [n for n, layer in enumerate(network.spec.features) if isinstance(layer, ConvLayer)]


def _conv_spec(network: Network, layer: int) -> ConvLayer:
    where = _conv_positions(network)
    if not where:
        raise ValueError("this network has no convolution: there is no filter to slide")
    if not 0 <= layer < len(where):
        raise ValueError(f"convolution must be 0 to {len(where) - 1}, got {layer}")
    spec = network.spec.features[where[layer]]
    assert isinstance(spec, ConvLayer)  # where lists only convolutions
    return spec


def _one_filter(spec: ConvLayer, conv, padded, z, a, delta, k, context) -> FilterTrace:
    """Filter k's trace; its dL/dw summed over every channel's windows weighted by its delta."""
    windows = _windows(padded, spec.kernel, spec.stride, delta.shape[1:])  # (C, h', w', k, k)
    return FilterTrace(
        index=k, activation=spec.activation, inputs=padded, padding=spec.padding, stride=spec.stride,
        filter_weights=conv.W[k].copy(), bias=float(conv.b[k]), z=z[k].copy(), a=a[k].copy(),
        delta=delta[k].copy(), filter_gradient=np.einsum("ij,cijuv->cuv", delta[k], windows),
        bias_gradient=float(delta[k].sum()), backprop_filter_gradient=conv.dW[k].copy(),
        backprop_bias_gradient=float(conv.db[k]), **context)


@dataclass(frozen=True, eq=False)
class FilterBank:
    """What convolution ``layer`` learned: its weights per output filter and input channel.

    name, input_name : the layer and what it reads, for people.
    weights : (F, C, k, k) W[f, c]: the (k, k) kernel filter f lays on input map c.
    shares : (F, C) how much of filter f's weight lies on map c: ||W[f, c]|| / sum_c ||W[f, c]||
    (each row sums to 1; a large share marks the map the filter listens to most).
    """

    name: str
    input_name: str
    layer: int
    weights: np.ndarray
    shares: np.ndarray

    @property
    def strongest_inputs(self) -> np.ndarray:
        """(F,) for each filter, the input map with the largest share."""
        return np.argmax(self.shares, axis=1)


def filter_bank(network: Network, layer: int) -> FilterBank:
    """Convolution ``layer``'s weights (0: the first, whose one input channel is the image)."""
    _conv_spec(network, layer)
    weights = np.array(network.conv_layers[layer].W, dtype=np.float64)
    norms = np.sqrt(np.einsum("fcuv,fcuv->fc", weights, weights))
    totals = norms.sum(axis=1, keepdims=True)
    shares = np.divide(norms, totals, out=np.full_like(norms, 1 / norms.shape[1]), where=totals > 0)
    names = feature_names(network.spec)
    where = _conv_positions(network)[layer]
    return FilterBank(names[where], names[where - 1] if where else "input", layer, weights, shares)
