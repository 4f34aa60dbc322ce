"""Layers for images: 2-D convolution (by im2col and one matrix product), max pooling, and reshaping.

Images are (batch, channels, height, width), PyTorch's layout; the layers have the three methods of
``engine.layers`` (``infer``, ``forward``, ``backward``) and reuse their output buffers between batches
of one size. The element-wise activations of ``engine.layers`` work on these shapes unchanged.

Memory layout: a convolution computes its output as (out_channels, batch, oh, ow), because that is what
the one matrix product of im2col gives without a copy; it returns that array as a (batch, out_channels,
oh, ow) view (a transpose of strides, not of data). Every layer here accepts any strides.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import Layer, WeightedLayer


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
    become the columns of a matrix X_col (C kh kw, N oh ow), and the convolution is one product:

        Y = W_mat X_col + b,    W_mat = W reshaped to (F, C kh kw),    Y : (F, N oh ow)

    Backprop with G = dL/dY (F, N oh ow):  dL/dW_mat = G X_col^T,  dL/db = row sums of G,
    dL/dX_col = W_mat^T G, and dL/dx adds each window's column of dL/dX_col back where it came from
    (col2im). Y is returned as the (N, F, oh, ow) view of its (F, N, oh, ow) memory: rows of pixels stay
    contiguous, so the next layer reads it fast, and no transpose is copied.
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
        cols = self._im2col(x, np.empty(self._cols_shape(x), dtype=self.dtype))
        return self._convolve(x, cols, np.empty((len(self.W), cols.shape[1]), dtype=self.dtype))

    def forward(self, x):
        self._x_shape = x.shape
        self._cols = self._im2col(x, self._buffer("cols", self._cols_shape(x)))
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
        """Y = W_mat X_col + b into ``y`` (F, N oh ow), returned as the (N, F, oh, ow) view."""
        f, oh, ow = self.output_shape(x.shape[1:])
        np.matmul(self.W.reshape(f, -1), cols, out=y)
        y += self.b[:, None]
        return y.reshape(f, len(x), oh, ow).transpose(1, 0, 2, 3)

    def _cols_shape(self, x) -> tuple[int, int]:
        _, oh, ow = self.output_shape(x.shape[1:])
        return self.W[0].size, len(x) * oh * ow

    def _im2col(self, x, cols):
        """X_col (C kh kw, N oh ow), written into ``cols``: column (n, i, j) is the window under output (i, j)."""
        n, c = x.shape[:2]
        _, oh, ow = self.output_shape(x.shape[1:])
        (kh, kw), s = self.kernel_size, self.stride
        windows = sliding_window_view(self._pad(x), (kh, kw), axis=(2, 3))[:, :, ::s, ::s][:, :, :oh, :ow]
        np.copyto(cols.reshape(c, kh, kw, n, oh, ow), windows.transpose(1, 4, 5, 0, 2, 3))
        return cols

    def _pad(self, x):
        """x with ``padding`` zeros on each side of height and width (x itself when padding is 0)."""
        p = self.padding
        if p == 0:
            return x
        n, c, h, w = x.shape
        padded = self._buffers.get("x_pad")
        if padded is None or padded.shape != (n, c, h + 2 * p, w + 2 * p):
            padded = self._buffers["x_pad"] = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=self.dtype)
        padded[:, :, p:p + h, p:p + w] = x  # the border stays zero from the allocation
        return padded

    def _grad_rows(self, grad_out):
        """G = dL/dY as (F, N oh ow): free when grad_out is the view ``forward`` returned, else one copy."""
        g = self._buffer("g", (grad_out.shape[1], grad_out.shape[0], *grad_out.shape[2:]))
        np.copyto(g, grad_out.transpose(1, 0, 2, 3))
        return g.reshape(len(g), -1)

    def _params_from(self, g):
        """dL/dW_mat = G X_col^T,  dL/db = row sums of G."""
        np.matmul(g, self._remembered(self._cols).T, out=self.dW.reshape(len(self.dW), -1))
        np.sum(g, axis=1, out=self.db)

    def _col2im(self, grad_cols):
        """dL/dx: every window's gradient added back at its place, one whole-batch add per kernel offset."""
        n, c, h, w = self._remembered(self._x_shape)
        p, s, (kh, kw) = self.padding, self.stride, self.kernel_size
        _, oh, ow = self.output_shape((c, h, w))
        grad_pad = self._buffer("grad_pad", (n, c, h + 2 * p, w + 2 * p))
        grad_pad.fill(0)
        windows = grad_cols.reshape(c, kh, kw, n, oh, ow).transpose(1, 2, 3, 0, 4, 5)  # (kh, kw, n, c, oh, ow)
        for i in range(kh):
            for j in range(kw):
                grad_pad[:, :, i:i + s * oh:s, j:j + s * ow:s] += windows[i, j]
        return grad_pad[:, :, p:p + h, p:p + w]

    def __repr__(self):
        f, c, kh, kw = self.W.shape
        return f"Conv2D({c}, {f}, {kh}x{kw}, stride={self.stride}, padding={self.padding})"


class MaxPool2D(Layer):
    """Max pooling over size x size windows with stride = size; a remainder row or column is dropped.

    x : (N, C, H, W) -> y : (N, C, H // size, W // size),   y[n, c, i, j] = max_{p, q} x[n, c, size i + p, size j + q]

    Backprop: dL/dx is dL/dy at the maximum of each window (the first one in row-major order on a tie,
    as PyTorch) and 0 elsewhere, including the dropped remainder. ``forward`` keeps, per output pixel,
    the index p size + q of the maximum (one byte each), not a mask of the input.
    """

    def __init__(self, size: int, dtype=np.float32):
        super().__init__(dtype)
        if size < 1:
            raise ValueError(f"MaxPool2D needs size >= 1, got {size}")
        self.size = size
        self._argmax: np.ndarray | None = None
        self._x_shape: tuple[int, ...] | None = None

    def output_shape(self, in_shape) -> tuple[int, int, int]:
        return pool_output_shape(in_shape, self.size)

    def _offsets(self, x):
        """The size^2 strided views x[:, :, p::size, q::size], each (N, C, oh, ow), in row-major order."""
        k, (_, oh, ow) = self.size, self.output_shape(x.shape[1:])
        return [x[:, :, p:p + k * oh:k, q:q + k * ow:k] for p in range(k) for q in range(k)]

    def infer(self, x):
        views = self._offsets(x)
        y = views[0].copy()
        for v in views[1:]:
            np.maximum(y, v, out=y)
        return y

    def forward(self, x):
        self._x_shape = x.shape
        views = self._offsets(x)
        y = self._buffer("y", (len(x), *self.output_shape(x.shape[1:])))
        argmax = self._argmax = self._index_buffer(y.shape)
        np.copyto(y, views[0])
        argmax.fill(0)
        better = self._buffers.get("better")
        if better is None or better.shape != y.shape:
            better = self._buffers["better"] = np.empty(y.shape, dtype=bool)
        for index, v in enumerate(views[1:], start=1):
            np.greater(v, y, out=better)
            np.maximum(y, v, out=y)  # v where better: faster than copyto(..., where=better)
            np.copyto(argmax, index, where=better)
        return y

    def backward(self, grad_out):
        grad_in = self._buffer("grad_in", self._remembered(self._x_shape))
        if grad_in.shape[2] % self.size or grad_in.shape[3] % self.size:
            grad_in.fill(0)  # the dropped remainder gets no gradient
        argmax = self._remembered(self._argmax)
        for index, view in enumerate(self._offsets(grad_in)):
            np.multiply(grad_out, argmax == index, out=view)
        return grad_in

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
