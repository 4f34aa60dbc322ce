"""Layers of a feed-forward network: the affine map, the activation functions and dropout, each with its backprop.

Every layer has three methods:

- ``infer(x)``: the formula, nothing remembered (used for prediction);
- ``forward(x)``: the same formula, remembering what ``backward`` will need;
- ``backward(grad_out) -> grad_in``: given dL/d(output) of shape (batch_size, output_dim), return
  dL/d(input) of shape (batch_size, input_dim). ``Dense`` also stores dL/dW and dL/db in ``dW``, ``db``.

Layers never update their own parameters: applying gradients is the optimiser's job.
Outputs of ``forward``/``backward`` live in buffers the layer reuses for the next batch of the same
size, so a training step allocates nothing; copy an output if you need to keep it.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from .choices import choose

T = TypeVar("T")


def _axis_order(x: np.ndarray) -> tuple[int, ...]:
    """x's axes (those longer than 1) from the largest stride to the smallest: its layout in memory."""
    axes = [axis for axis in range(x.ndim) if x.shape[axis] > 1]
    return tuple(sorted(axes, key=lambda axis: -abs(x.strides[axis])))


class Layer:
    """Base class: buffer handling shared by all layers."""

    def __init__(self, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self._buffers: dict[str, np.ndarray] = {}

    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A reusable array of this shape: reallocated only when the shape changes."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape:
            buf = self._buffers[name] = np.empty(shape, dtype=self.dtype)
        return buf

    def _buffer_like(self, name: str, x: np.ndarray) -> np.ndarray:
        """A reusable array of x's shape laid out in memory like x (its axes in the same order of
        strides), so that element-wise work on the two runs in memory order: a convolution's
        (N, C, H, W) view of (C, H, W, N) memory stays that."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != x.shape or _axis_order(buf) != _axis_order(x):
            buf = self._buffers[name] = np.empty_like(x, dtype=self.dtype)
        return buf
    def _remembered(self, value: T | None) -> T:
        """What ``forward`` kept for ``backward``; RuntimeError if there was no ``forward`` yet."""
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward pass first")
        return value

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Trainable arrays by name (none for activations)."""
        return {}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Gradients of the loss with respect to ``params``, same names and shapes."""
        return {}


class WeightedLayer(Layer):
    """A layer with weights ``W`` and biases ``b``, and after ``backward`` their gradients ``dW``, ``db``."""

    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    db: np.ndarray

    @property
    def params(self):
        return {"W": self.W, "b": self.b}

    @property
    def grads(self):
        return {"W": self.dW, "b": self.db}


class Dense(WeightedLayer):
    """Affine layer ``y = x W + b``.

    x : (batch_size, n_in), W : (n_in, n_out), b : (n_out,), y : (batch_size, n_out).

    Backprop with g = dL/dy:  dL/dW = x^T g,  dL/db = sum over the batch of g,  dL/dx = g W^T.
    """

    def __init__(self, n_in: int, n_out: int, *, weights=None, rng=None, dtype=np.float32):
        super().__init__(dtype)
        if n_in < 1 or n_out < 1:
            raise ValueError(f"Dense needs n_in >= 1 and n_out >= 1, got {n_in} and {n_out}")
        if weights is None:
            rng = np.random.default_rng(0) if rng is None else rng
            weights = rng.normal(0.0, 0.01, size=(n_in, n_out))
        if weights.shape != (n_in, n_out):
            raise ValueError(f"weights must have shape {(n_in, n_out)}, got {weights.shape}")
        self.W = np.ascontiguousarray(weights, dtype=self.dtype)
        self.b = np.zeros(n_out, dtype=self.dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._x: np.ndarray | None = None

    @property
    def n_in(self) -> int:
        return self.W.shape[0]

    @property
    def n_out(self) -> int:
        return self.W.shape[1]

    def infer(self, x):
        return x @ self.W + self.b

    def forward(self, x):
        self._x = x
        y = self._buffer("y", (len(x), self.n_out))
        np.matmul(x, self.W, out=y)
        y += self.b
        return y

    def backward(self, grad_out):
        self.backward_params(grad_out)
        grad_in = self._buffer("grad_in", (len(grad_out), self.n_in))
        return np.matmul(grad_out, self.W.T, out=grad_in)

    def backward_params(self, grad_out):
        """Only dL/dW and dL/db: what the first layer needs, since nothing consumes dL/dx there."""
        np.matmul(self._remembered(self._x).T, grad_out, out=self.dW)
        np.sum(grad_out, axis=0, out=self.db)

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"


class Activation(Layer):
    """An element-wise function y = f(x); subclasses give f (``_apply``) and f'(x) as a function of y."""

    name = "activation"

    def __init__(self, dtype=np.float32):
        super().__init__(dtype)
        self._y: np.ndarray | None = None

    def _apply(self, x, out):
        raise NotImplementedError

    def _grad_from_output(self, y, grad_out, out):
        """dL/dx = dL/dy * f'(x), written into ``out``, with f'(x) expressed through y = f(x)."""
        raise NotImplementedError

    def infer(self, x):
        return self._apply(x, np.empty_like(x))

    def forward(self, x):
        self._y = self._apply(x, self._buffer_like("y", x))
        return self._y

    def backward(self, grad_out):
        y = self._remembered(self._y)
        return self._grad_from_output(y, grad_out, self._buffer_like("grad_in", y))

    def __repr__(self):
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)."""

    name = "sigmoid"

    def _apply(self, x, out):
        with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x << 0, and 1/inf = 0 is right
            np.negative(x, out=out)
            np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)

    def _grad_from_output(self, y, grad_out, out):
        np.subtract(1, y, out=out)
        out *= y
        out *= grad_out
        return out


class Tanh(Activation):
    """y = tanh(x);  dy/dx = 1 - y^2."""

    name = "tanh"

    def _apply(self, x, out):
        return np.tanh(x, out=out)

    def _grad_from_output(self, y, grad_out, out):
        np.multiply(y, y, out=out)
        np.subtract(1, out, out=out)
        out *= grad_out
        return out


class ReLU(Activation):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0."""

    name = "relu"

    def _apply(self, x, out):
        return np.maximum(x, 0, out=out)

    def _grad_from_output(self, y, grad_out, out):
        np.greater(y, 0, out=out)
        out *= grad_out
        return out


class LeakyReLU(Activation):
    """y = x where x > 0, else alpha x;  dy/dx = 1 where x > 0, else alpha."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01, dtype=np.float32):
        super().__init__(dtype)
        if not 0 < alpha < 1:
            raise ValueError(f"LeakyReLU alpha must be in (0, 1), got {alpha}")
        self.alpha = alpha

    def _apply(self, x, out):
        np.multiply(x, self.alpha, out=out)
        return np.maximum(x, out, out=out)

    def _grad_from_output(self, y, grad_out, out):
        # y > 0 exactly where x > 0, since alpha > 0
        np.greater(y, 0, out=out)
        out *= 1 - self.alpha
        out += self.alpha
        out *= grad_out
        return out

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Identity(Activation):
    """y = x;  dy/dx = 1 (a linear layer: what a network is without non-linearities)."""

    name = "identity"

    def _apply(self, x, out):
        np.copyto(out, x)
        return out

    def _grad_from_output(self, y, grad_out, out):
        np.copyto(out, grad_out)
        return out


class Dropout(Layer):
    """Inverted dropout: in training, each unit is kept with probability 1 - rate and scaled up.

    forward:  y = x * m,  m_ij = 1 / (1 - rate) with probability 1 - rate, else 0 (a new mask per batch);
    backward: dL/dx = dL/dy * m;   infer: y = x.
    Scaling the kept units by 1 / (1 - rate) in training makes E[y] = x, so inference needs no
    rescaling. x, y : (batch_size, n). ``rng`` (a seeded ``np.random.Generator``) draws the masks.
    """

    def __init__(self, rate: float, rng: np.random.Generator, dtype=np.float32):
        super().__init__(dtype)
        if not 0 <= rate < 1:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate, self.rng = rate, rng
        self.mask: np.ndarray | None = None

    def infer(self, x):
        return x

    def forward(self, x):
        self.mask = mask = self._buffer("mask", x.shape)
        self.rng.random(out=mask, dtype=mask.dtype)
        np.greater_equal(mask, self.dtype.type(self.rate), out=mask)  # 1 with probability 1 - rate
        mask *= 1 / (1 - self.rate)
        return np.multiply(x, mask, out=self._buffer("y", x.shape))

    def backward(self, grad_out):
        return np.multiply(grad_out, self._remembered(self.mask), out=self._buffer("grad_in", grad_out.shape))

    def __repr__(self):
        return f"Dropout(rate={self.rate:g})"


ACTIVATIONS = {cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Identity)}


def activation(name: str, dtype=np.float32) -> Activation:
    """The activation layer called ``name``: one of ``ACTIVATIONS``."""
    return choose(name, ACTIVATIONS, "activation")(dtype=dtype)
