"""Checking backprop against the definition of a derivative: central finite differences in float64.

For a chosen weight w the numerical derivative is

    dL/dw ~ (L(w + eps) - L(w - eps)) / (2 eps)          (error O(eps^2))

and it is compared with the analytic (backprop) gradient by the relative error

    |analytic - numeric| / max(|analytic|, |numeric|)    (0 when both are 0).

In float64 a correct gradient gives about 1e-7 or less; a finite difference straddling a ReLU's kink
can give 1e-4; a wrong gradient gives 1e-2 and more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inspection import input_rows, replica, weighted_layer_names
from .network import Network

#: Relative errors below this mean the analytic gradient is right.
TOLERANCE = 1e-5


@dataclass(frozen=True)
class GradientEntry:
    """One weight's two derivatives. parameter : e.g. ``"dense0.W"``; layer : ``"hidden 1 (relu)"``;
    index : its place in the parameter array; analytic : from backprop; numeric : from differences."""

    parameter: str
    layer: str
    index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def relative_error(self) -> float:
        return relative_error(self.analytic, self.numeric)


@dataclass(frozen=True)
class GradientCheck:
    """The entries compared, the loss they are derivatives of, and the finite-difference step."""

    entries: tuple[GradientEntry, ...]
    loss: float
    eps: float

    @property
    def max_relative_error(self) -> float:
        return max((e.relative_error for e in self.entries), default=0.0)

    @property
    def passed(self) -> bool:
        """True if every entry agrees to within ``TOLERANCE``."""
        return self.max_relative_error < TOLERANCE


def relative_error(analytic: float, numeric: float) -> float:
    """|a - n| / max(|a|, |n|), and 0 when both are exactly 0."""
    scale = max(abs(analytic), abs(numeric))
    return 0.0 if scale == 0 else abs(analytic - numeric) / scale


def check_gradients(network: Network, images: np.ndarray, labels, entries=None, per_layer: int = 3,
                    eps: float = 1e-6) -> GradientCheck:
    """Compare backprop's dL/dw with central differences for a few weights, in float64, on a copy.

    images : (n, h, w) uint8 or inputs (n, input_size); labels : (n,) classes. L is the mean loss on
        them (the data loss, without weight decay), as a training step computes it.
    entries : [(parameter name, index), ...], e.g. ``[("dense0.W", (350, 7))]``; None picks, in
        every Dense layer, ``per_layer`` weights with large analytic gradients, in different units.
    The given network is untouched.
    """
    if not eps > 0:
        raise ValueError(f"the finite-difference step must be > 0, got {eps}")
    net = replica(network, np.float64)
    x = input_rows(network, images, np.float64)
    y = np.asarray(labels, dtype=np.intp).reshape(-1)
    if len(y) != len(x):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    loss, _ = net.loss_and_gradients(x, y)
    params = {p.name: p for p in net.parameters}
    analytic = {name: p.grad.copy() for name, p in params.items()}
    chosen = _largest_entries(net, analytic, per_layer) if entries is None else list(entries)
    values = {name: p.value for name, p in params.items()}
    found = compare_gradients(lambda: net.loss(net.logits(x), y)[0], values, analytic, chosen, eps)
    prefixes = [name for name, _ in net.spec.parameter_shapes()]
    layer_of = dict(zip(prefixes, weighted_layer_names(net)))
    named = tuple(GradientEntry(e.parameter, layer_of[e.parameter.split(".")[0]], e.index,
                                e.analytic, e.numeric) for e in found)
    return GradientCheck(named, loss, eps)


def compare_gradients(loss, values: dict, analytic: dict, entries, eps: float = 1e-6):
    """Central differences of ``loss()`` against ``analytic`` for each (name, index) in ``entries``.

    loss : a function of no arguments reading the arrays in ``values`` (float64, changed in place
        and restored); analytic : the claimed gradients, same names and shapes.
    Returns a tuple of GradientEntry (``layer`` left empty).
    """
    found = []
    for name, index in entries:
        if name not in values:
            raise ValueError(f"no parameter called {name!r}; there are {', '.join(values)}")
        array, index = values[name], tuple(int(i) for i in np.atleast_1d(index))
        if len(index) != array.ndim or not all(0 <= i < n for i, n in zip(index, array.shape)):
            raise ValueError(f"{name} has shape {array.shape}: no entry {index}")
        old = array[index]
        array[index] = old + eps
        up = loss()
        array[index] = old - eps
        down = loss()
        array[index] = old
        found.append(GradientEntry(name, "", index, float(analytic[name][index]),
                                   float((up - down) / (2 * eps))))
    return tuple(found)


def _largest_entries(net: Network, analytic: dict, per_layer: int) -> list:
    """(name, index) of ``per_layer`` large |dL/dW| in every weighted layer, each in another unit
    (a dense layer's column, a convolution's filter).

    Distinct units, because within one unit dL/dW_ij = a_i delta_j repeats for equal inputs a_i.
    """
    if per_layer < 1:
        raise ValueError(f"per_layer must be >= 1, got {per_layer}")
    chosen: list[tuple[str, tuple[int, ...]]] = []
    for prefix, shape in net.spec.parameter_shapes():
        grad = analytic[f"{prefix}.W"]
        size = np.abs(grad if grad.ndim == 2 else grad.reshape(len(grad), -1).T)  # (inputs, units)
        rows = np.argmax(size, axis=0)
        columns = np.argsort(-size[rows, np.arange(size.shape[1])], kind="stable")[:per_layer]
        if grad.ndim == 2:
            chosen += [(f"{prefix}.W", (int(rows[c]), int(c))) for c in columns]
        else:
            chosen += [(f"{prefix}.W", (int(c), *map(int, np.unravel_index(rows[c], shape[1:]))))
                       for c in columns]
    return chosen
