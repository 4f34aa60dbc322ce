"""Layers for images: 2-D convolution (by im2col and one matrix product), max pooling, and reshaping.

Images are (batch, channels, height, width), PyTorch's layout; the layers have the three methods of
``engine.layers`` (``infer``, ``forward``, ``backward``) and reuse their output buffers between batches
of one size. The element-wise activations of ``engine.layers`` work on these shapes unchanged.

Memory layout: batch innermost. Convolution and pooling keep their images in memory as (channels,
height, width, batch) and return them as (batch, channels, height, width) views (a transpose of
strides, not of data). In that layout a window's shift is a shift of whole rows of ``width x batch``
values, so the copies of im2col, the adds of col2im and the comparisons of pooling run over long
contiguous stretches, and the one matrix product of a convolution writes its output in that layout
without a copy. The activations keep the layout they are given (``Layer._buffer_like``). Only the
first convolution (from flat input rows) and ``Flatten`` (to rows for the dense layers) transpose
data. Every layer here accepts any strides.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import Layer, WeightedLayer


def batch_last(x):
    """The (C, H, W, N) memory of an (N, C, H, W) image batch: a view, contiguous when ``x`` came from
    a layer of this module."""
    return x.transpose(1, 2, 3, 0)


def batch_first(x):
    """The (N, C, H, W) view of a (C, H, W, N) array (the inverse of :func:`batch_last`)."""
    return x.transpose(3, 0, 1, 2)


def conv_output_shape(in_shape, out_channels: int, kernel_size: tuple[int, int], stride: int = 1,
                      padding: int = 0) -> tuple[int, int, int]:
    """(out_channels, oh, ow) of a convolution of an image of ``in_shape`` = (channels, height, width).

    oh = floor((height + 2 padding - kh) / stride) + 1, and ow likewise (PyTorch's rule).
    Raises ValueError, saying why, when the kernel is larger than the padded input.
    """
    _, h, w = in_shape
    kh, kw = kernel_size
    if h + 2 * padding < kh or w + 2 * padding < kw:
        raise ValueError(f"a {kh}x{kw} kernel does not fit a {h}x{w} input padded by {padding} "
                         f"({h + 2 * padding}x{w + 2 * padding})")
    return out_channels, (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1


def pool_output_shape(in_shape, size: int) -> tuple[int, int, int]:
    """(channels, h // size, w // size): a remainder row or column is dropped (PyTorch floors)."""
    c, h, w = in_shape
    if h < size or w < size:
        raise ValueError(f"a {size}x{size} pooling window does not fit a {h}x{w} input")
    return c, h // size, w // size


class Conv2D(WeightedLayer):
    """2-D convolution (cross-correlation, as in every deep-learning library) with a bias per output channel.

    x : (N, C, H, W),  W : (F, C, kh, kw),  b : (F,),  y : (N, F, oh, ow)

        y[n, f, i, j] = b[f] + sum_{c, p, q} W[f, c, p, q] x_pad[n, c, s i + p, s j + q]

    with s the stride and x_pad the input with ``padding`` zeros on every side. By im2col, the windows
    become the columns of a matrix X_col (C kh kw, oh ow N), and the convolution is one product:

        Y = W_mat X_col + b,    W_mat = W reshaped to (F, C kh kw),    Y : (F, oh ow N)

    Row (c, p, q) of X_col is the padded input of channel c shifted by (p, q): in the batch-innermost
    layout, a copy of oh stretches of ow N contiguous values. Backprop with G = dL/dY (F, oh ow N):
    dL/dW_mat = G X_col^T,  dL/db = row sums of G,  dL/dX_col = W_mat^T G, and dL/dx adds each row of
    dL/dX_col back at its shift (col2im: kh kw whole-batch adds of shifted slices, no ``np.add.at``).
    Y is returned as the (N, F, oh, ow) view of its (F, oh, ow, N) memory.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, *, stride: int = 1, padding: int = 0,
                 weights=None, rng=None, dtype=np.float32):
        super().__init__(dtype)
        kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else tuple(kernel_size)
        if min(in_channels, out_channels, kh, kw, stride) < 1 or padding < 0:
            raise ValueError(f"Conv2D needs channels, kernel size and stride >= 1 and padding >= 0, got "
                             f"{in_channels}, {out_channels}, {kh}x{kw}, {stride}, {padding}")
        shape = (out_channels, in_channels, kh, kw)
        if weights is None:  # He initialisation: fan_in = C kh kw inputs feed each output
            rng = np.random.default_rng(0) if rng is None else rng
            weights = rng.normal(0.0, np.sqrt(2.0 / (in_channels * kh * kw)), size=shape)
        if weights.shape != shape:
            raise ValueError(f"weights must have shape {shape}, got {weights.shape}")
        self.stride, self.padding = stride, padding
        self.W = np.ascontiguousarray(weights, dtype=self.dtype)
        self.b = np.zeros(out_channels, dtype=self.dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._cols: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None

    @property
    def kernel_size(self) -> tuple[int, int]:
        return self.W.shape[2], self.W.shape[3]

    def output_shape(self, in_shape) -> tuple[int, int, int]:
        """(F, oh, ow) for an input image of (C, H, W); ValueError when it cannot be convolved."""
        if in_shape[0] != self.W.shape[1]:
            raise ValueError(f"this convolution takes {self.W.shape[1]} input channels, got {in_shape[0]}")
        return conv_output_shape(in_shape, self.W.shape[0], self.kernel_size, self.stride, self.padding)

    def infer(self, x):
        padded = self._pad(x, lambda x: np.zeros(self._padded_shape(x), dtype=self.dtype))
        cols = self._im2col(padded, np.empty(self._cols_shape(x), dtype=self.dtype))
        return self._convolve(x, cols, np.empty((len(self.W), cols.shape[1]), dtype=self.dtype))

    def forward(self, x):
        self._x_shape = x.shape
        padded = self._pad(x, self._padded_buffer)
        self._cols = self._im2col(padded, self._buffer("cols", self._cols_shape(x)))
        return self._convolve(x, self._cols, self._buffer("y", (len(self.W), self._cols.shape[1])))

    def backward(self, grad_out):
        g = self._grad_rows(grad_out)
        self._params_from(g)
        w_mat = self.W.reshape(len(self.W), -1)
        grad_cols = self._buffer("grad_cols", self._remembered(self._cols).shape)
        return self._col2im(np.matmul(w_mat.T, g, out=grad_cols))

    def backward_params(self, grad_out):
        """Only dL/dW and dL/db: what the first layer needs, since nothing consumes dL/dx there."""
        self._params_from(self._grad_rows(grad_out))

    def _convolve(self, x, cols, y):
        """Y = W_mat X_col + b into ``y`` (F, oh ow N), returned as the (N, F, oh, ow) view."""
        f, oh, ow = self.output_shape(x.shape[1:])
        np.matmul(self.W.reshape(f, -1), cols, out=y)
        y += self.b[:, None]
        return batch_first(y.reshape(f, oh, ow, len(x)))

    def _cols_shape(self, x) -> tuple[int, int]:
        _, oh, ow = self.output_shape(x.shape[1:])
        return self.W[0].size, oh * ow * len(x)

    def _padded_shape(self, x) -> tuple[int, int, int, int]:
        n, c, h, w = x.shape
        return c, h + 2 * self.padding, w + 2 * self.padding, n

    def _padded_buffer(self, x):
        """The (C, H + 2p, W + 2p, N) buffer for the padded input; its border is zeroed once, when made."""
        shape = self._padded_shape(x)
        padded = self._buffers.get("x_pad")
        if padded is None or padded.shape != shape:
            padded = self._buffers["x_pad"] = np.zeros(shape, dtype=self.dtype)
        return padded

    def _pad(self, x, make_buffer):
        """x in the batch-innermost layout with ``padding`` zeros on each side of height and width,
        written into ``make_buffer(x)`` (whose border is zero); x itself when it is laid out so already."""
        p, (_, _, h, w) = self.padding, x.shape
        x_t = batch_last(x)
        if p == 0 and x_t.flags.c_contiguous and x_t.dtype == self.dtype:
            return x_t  # the output of a pooling layer or another convolution: no copy
        padded = make_buffer(x)
        padded[:, p:p + h, p:p + w] = x_t
        return padded

    def _im2col(self, padded, cols):
        """X_col (C kh kw, oh ow N) of the padded input (C, H', W', N), written into ``cols``."""
        (kh, kw), s = self.kernel_size, self.stride
        c, n = padded.shape[0], padded.shape[3]
        oh, ow = (padded.shape[1] - kh) // s + 1, (padded.shape[2] - kw) // s + 1
        windows = sliding_window_view(padded, (kh, kw), axis=(1, 2))[:, ::s, ::s]  # (C, oh, ow, N, kh, kw)
        np.copyto(cols.reshape(c, kh, kw, oh, ow, n), windows.transpose(0, 4, 5, 1, 2, 3))
        return cols

    def _grad_rows(self, grad_out):
        """G = dL/dY as (F, oh ow N): free when grad_out is in the batch-innermost layout, else one copy."""
        g = batch_last(grad_out)
        if not g.flags.c_contiguous or g.dtype != self.dtype:
            g_copy = self._buffer("g", g.shape)
            np.copyto(g_copy, g)
            g = g_copy
        return g.reshape(len(g), -1)

    def _params_from(self, g):
        """dL/dW_mat = G X_col^T,  dL/db = row sums of G."""
        np.matmul(g, self._remembered(self._cols).T, out=self.dW.reshape(len(self.dW), -1))
        np.sum(g, axis=1, out=self.db)

    def _col2im(self, grad_cols):
        """dL/dx: each row (c, p, q) of dL/dX_col added back at its shift, one whole-batch add per (p, q)."""
        n, c, h, w = self._remembered(self._x_shape)
        p, s, (kh, kw) = self.padding, self.stride, self.kernel_size
        _, oh, ow = self.output_shape((c, h, w))
        grad_pad = self._buffer("grad_pad", (c, h + 2 * p, w + 2 * p, n))
        grad_pad.fill(0)
        rows = grad_cols.reshape(c, kh, kw, oh, ow, n)
        for i in range(kh):
            for j in range(kw):
                grad_pad[:, i:i + s * oh:s, j:j + s * ow:s] += rows[:, i, j]
        return batch_first(grad_pad[:, p:p + h, p:p + w])

    def __repr__(self):
        f, c, kh, kw = self.W.shape
        return f"Conv2D({c}, {f}, {kh}x{kw}, stride={self.stride}, padding={self.padding})"


class MaxPool2D(Layer):
    """Max pooling over size x size windows with stride = size; a remainder row or column is dropped.

    x : (N, C, H, W) -> y : (N, C, H // size, W // size),   y[n, c, i, j] = max_{p, q} x[n, c, size i + p, size j + q]

    Backprop: dL/dx is dL/dy at the maximum of each window (the first one in row-major order on a tie,
    as PyTorch) and 0 elsewhere, including the dropped remainder. The input, as (C, H, W, N) memory, is
    viewed as (C, oh, size, ow, size, N): offset (p, q) of every window is the slice [:, :, p, :, q],
    whole rows of ow N values a stride apart. ``forward`` keeps, per output pixel, where the maximum was
    (one byte each), never a mask of the input. Size 2, the common case, is a tournament: the larger of
    each pair in the top and the bottom row, then the larger of those two (three comparisons in all).
    """

    def __init__(self, size: int, dtype=np.float32):
        super().__init__(dtype)
        if size < 1:
            raise ValueError(f"MaxPool2D needs size >= 1, got {size}")
        self.size = size
        # the winners: an index per output pixel, or for size 2 three boolean arrays (the tournament)
        self._argmax: np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._x_shape: tuple[int, ...] | None = None

    def output_shape(self, in_shape) -> tuple[int, int, int]:
        return pool_output_shape(in_shape, self.size)

    def _windows(self, x):
        """x (N, C, H, W) as (C, oh, size, ow, size, N): window (i, j)'s offset (p, q) at [:, i, p, j, q]."""
        k, (c, oh, ow) = self.size, self.output_shape(x.shape[1:])
        return batch_last(x)[:, :k * oh, :k * ow].reshape(c, oh, k, ow, k, len(x))

    def _offsets(self, x):
        """The size^2 views of the window offsets (p, q), each (C, oh, ow, N), in row-major order."""
        windows = self._windows(x)
        return [windows[:, :, p, :, q] for p in range(self.size) for q in range(self.size)]

    def infer(self, x):
        views = self._offsets(x)
        y = views[0].copy()
        for v in views[1:]:
            np.maximum(y, v, out=y)
        return batch_first(y)

    def forward(self, x):
        self._x_shape = x.shape
        c, oh, ow = self.output_shape(x.shape[1:])
        y = self._buffer("y", (c, oh, ow, len(x)))
        if self.size == 2:
            self._pairs_forward(self._offsets(x), y)
        else:
            self._argmax_forward(self._offsets(x), y)
        return batch_first(y)

    def _bools(self, name, shape):
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape:
            buf = self._buffers[name] = np.empty(shape, dtype=bool)
        return buf

    def _pairs_forward(self, views, y):
        """Size 2: y = max(max(a, b), max(c, d)) for the offsets a b / c d; remembers which won each match."""
        a, b, c, d = views
        right_top, right_bottom, bottom = (self._bools(name, y.shape) for name in ("b>a", "d>c", "cd>ab"))
        top = self._buffer("top", y.shape)
        np.greater(b, a, out=right_top)  # strict: a tie goes to the first, as in PyTorch
        np.maximum(a, b, out=top)
        np.greater(d, c, out=right_bottom)
        np.maximum(c, d, out=y)
        np.greater(y, top, out=bottom)
        np.maximum(top, y, out=y)
        self._argmax = (right_top, right_bottom, bottom)

    def _argmax_forward(self, views, y):
        """Any size: the running maximum over the offsets, and the index p size + q of the winner."""
        argmax = self._argmax = self._index_buffer(y.shape)
        better = self._bools("better", y.shape)
        np.copyto(y, views[0])
        argmax.fill(0)
        for index, v in enumerate(views[1:], start=1):
            np.greater(v, y, out=better)
            np.maximum(y, v, out=y)  # v where better: faster than copyto(..., where=better)
            np.copyto(argmax, index, where=better)

    def backward(self, grad_out):
        n, c, h, w = self._remembered(self._x_shape)
        grad_in = self._buffer("grad_in", (c, h, w, n))
        if h % self.size or w % self.size:
            grad_in.fill(0)  # the dropped remainder gets no gradient
        views = self._offsets(batch_first(grad_in))
        g = batch_last(grad_out)
        if self.size == 2:
            self._pairs_backward(g, views)
        else:
            argmax = self._remembered(self._argmax)
            assert isinstance(argmax, np.ndarray)  # any other size: the winner's index
            for index, view in enumerate(views):
                np.multiply(g, argmax == index, out=view)
        return batch_first(grad_in)

    def _pairs_backward(self, g, views):
        """Size 2: dL/dy to the bottom or the top row, then to the right or the left of that pair."""
        a, b, c, d = views
        winners = self._remembered(self._argmax)
        assert isinstance(winners, tuple)  # size 2: the tournament's three arrays
        right_top, right_bottom, bottom = winners
        np.multiply(g, bottom, out=c)  # all of g goes to the bottom pair where it won, else none
        np.subtract(g, c, out=a)  # g - g = 0 or g - 0 = g exactly: the rest goes to the top pair
        np.multiply(a, right_top, out=b)
        np.subtract(a, b, out=a)
        np.multiply(c, right_bottom, out=d)
        np.subtract(c, d, out=c)

    def _index_buffer(self, shape):
        buf = self._buffers.get("argmax")
        if buf is None or buf.shape != shape:
            buf = self._buffers["argmax"] = np.empty(shape, dtype=np.uint8 if self.size <= 16 else np.int32)
        return buf

    def __repr__(self):
        return f"MaxPool2D({self.size})"


class Flatten(Layer):
    """(N, C, H, W) -> (N, C H W), in PyTorch's order (channel, then row, then column)."""

    def __init__(self, dtype=np.float32):
        super().__init__(dtype)
        self._x_shape: tuple[int, ...] | None = None

    def infer(self, x):
        return x.reshape(len(x), -1)

    def forward(self, x):
        self._x_shape = x.shape
        return x.reshape(len(x), -1)  # a copy only when x is a channels-last view

    def backward(self, grad_out):
        return grad_out.reshape(self._remembered(self._x_shape))

    def __repr__(self):
        return "Flatten()"


class Unflatten(Layer):
    """(N, C H W) -> (N, C, H, W): flat input rows, e.g. (N, 784), as images (1, 28, 28) for a CNN."""

    def __init__(self, shape, dtype=np.float32):
        super().__init__(dtype)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"Unflatten needs a shape (channels, height, width), got {shape}")
        self.shape = tuple(int(s) for s in shape)

    def infer(self, x):
        if x.shape[1:] != (int(np.prod(self.shape)),):
            raise ValueError(f"Unflatten{self.shape} needs rows of {int(np.prod(self.shape))}, got {x.shape}")
        return x.reshape(len(x), *self.shape)

    def forward(self, x):
        return self.infer(x)

    def backward(self, grad_out):
        return grad_out.reshape(len(grad_out), -1)

    def __repr__(self):
        return f"Unflatten({self.shape})"
