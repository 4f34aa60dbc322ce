"""Provisional convolution layers (the lead's stand-in until the fast module lands): Conv2D,
MaxPool2D, Flatten and Unflatten, with the interface of ``engine.layers``."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import Layer


class Conv2D(Layer):
    """y[n, o] = b[o] + sum_c W[o, c] * x[n, c] (cross-correlation). x (n, c, h, w), W (o, c, k, k)."""

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1, padding=0, weights=None,
                 rng=None, dtype=np.float32):
        super().__init__(dtype)
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        if weights is None:
            rng = np.random.default_rng(0) if rng is None else rng
            weights = rng.normal(0, 0.01, size=shape)
        self.W = np.ascontiguousarray(weights, dtype=self.dtype)
        self.b = np.zeros(out_channels, dtype=self.dtype)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.stride, self.padding, self.kernel_size = stride, padding, kernel_size

    @property
    def params(self):
        return {"W": self.W, "b": self.b}

    @property
    def grads(self):
        return {"W": self.dW, "b": self.db}

    def _cols(self, x):
        p, s, k = self.padding, self.stride, self.kernel_size
        if p:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        win = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]  # n c oh ow k k
        return x.shape, win

    def infer(self, x):
        _, win = self._cols(x)
        return np.einsum("ncyxij,ocij->noyx", win, self.W, optimize=True) + self.b[None, :, None, None]

    def forward(self, x):
        self._x = x
        return self.infer(x)

    def backward_params(self, g):
        _, win = self._cols(self._x)
        self.dW[...] = np.einsum("ncyxij,noyx->ocij", win, g, optimize=True)
        self.db[...] = g.sum(axis=(0, 2, 3))

    def backward(self, g):
        self.backward_params(g)
        p, s, k = self.padding, self.stride, self.kernel_size
        n, c, h, w = self._x.shape
        dx = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=self.dtype)
        oh, ow = g.shape[2:]
        contrib = np.einsum("noyx,ocij->ncyxij", g, self.W, optimize=True)
        for i in range(k):
            for j in range(k):
                dx[:, :, i:i + s * oh:s, j:j + s * ow:s] += contrib[:, :, :, :, i, j]
        return dx[:, :, p:p + h, p:p + w]


class MaxPool2D(Layer):
    def __init__(self, size, dtype=np.float32):
        super().__init__(dtype)
        self.size = size

    def _windows(self, x):
        n, c, h, w = x.shape
        s = self.size
        x = x[:, :, :h // s * s, :w // s * s]
        return x.reshape(n, c, h // s, s, w // s, s)

    def infer(self, x):
        return self._windows(x).max(axis=(3, 5))

    def forward(self, x):
        self._x = x
        y = self.infer(x)
        self._mask = self._windows(x) == y[:, :, :, None, :, None]
        return y

    def backward(self, g):
        dx = np.zeros(self._x.shape, dtype=self.dtype)
        n, c, h, w = self._x.shape
        s = self.size
        view = dx[:, :, :h // s * s, :w // s * s].reshape(self._mask.shape)
        view[...] = self._mask * g[:, :, :, None, :, None]
        dx[:, :, :h // s * s, :w // s * s] = view.reshape(n, c, h // s * s, w // s * s)
        return dx


class Flatten(Layer):
    def infer(self, x):
        return x.reshape(len(x), -1)

    def forward(self, x):
        self._shape = x.shape
        return self.infer(x)

    def backward(self, g):
        return g.reshape(self._shape)


class Unflatten(Layer):
    def __init__(self, shape, dtype=np.float32):
        super().__init__(dtype)
        self.shape = tuple(shape)

    def infer(self, x):
        return x.reshape(len(x), *self.shape)

    forward = infer

    def backward(self, g):
        return g.reshape(len(g), -1)
