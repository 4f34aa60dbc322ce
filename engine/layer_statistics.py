"""Training dynamics per layer: gradient norms, update ratios, histograms, dead and saturated units.

Every layer with weights counts: a CNN's convolutions (input side first), then the Dense layers.
Measured on a network right after a training step (its layers still hold the batch's dW) and
on a fixed small sample of inputs, and returned as plain numbers and small arrays, cheap to send to
another thread. Over time they show how learning flows through the depth of a network:

    gradient norm      ||dL/dW_l||  (vanishing gradients: it shrinks layer by layer towards the input)
    update ratio       ||W_l(now) - W_l(before)|| / ||W_l(before)||  (healthy: around 1e-3 per step)
    dead ReLU          a unit whose activation is 0 for every input of the sample (a convolution's
                       unit is a filter: dead if its map is 0 everywhere on every input)
    saturated value    a sigmoid/tanh activation where f'(z) < 10% of its maximum (learning stalls)

Histograms use fixed bin edges (``LayerBins``), chosen once and passed back in, so that rows
taken at different times stack into one image, like TensorBoard's histogram dashboard.

A diverging run overflows: weights and activations become inf or NaN. Nothing here raises on them.
Norms and ratios are then inf or NaN themselves, bins are chosen from the finite values only, +-inf
are counted in the end bins and NaN in none, and each layer says how many of its values are not
finite (``non_finite_weights``, ``non_finite_activations``), so the view can say that it overflowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .inspection import input_rows, weighted_layer_names, weighted_outputs
from .network import ConvLayer, Network

#: A sigmoid or tanh value counts as saturated where f'(z) is below this share of its maximum.
SATURATION = 0.1
#: The widest histogram range: a round number whose edges and bin width float32 still holds.
WIDEST = 1e37


@dataclass(frozen=True, eq=False)
class LayerBins:
    """Fixed histogram bin edges per weighted layer: weight_edges[l] and activation_edges[l], each (bins + 1,).

    Values outside the edges are counted in the first or last bin.
    """

    weight_edges: tuple[np.ndarray, ...]
    activation_edges: tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class LayerStatistics:
    """One weighted layer (a convolution or a Dense layer) and its activation, at one moment of training.

    name : ``"conv 1 (6 filters 5x5)"``, ``"hidden 1 (relu)"``, ..., ``"output"``; activation : its f,
    ``"identity"`` for the logits.
    gradient_norm : ||dL/dW||_F of the last step; gradient_rms : the same per weight, / sqrt(size).
    weight_norm : ||W||_F now.
    update_ratio : ||W - W_before|| / ||W_before|| (or lr ||dW|| / ||W||); NaN if neither was given.
    weight_histogram, activation_histogram : (bins,) int64 counts (activations: sample x units values).
    dead_fraction : share of units (a convolution's filters) never active on the sample (ReLU and
        leaky ReLU; else None).
    saturated_fraction : share of sample x unit activations in the flat zone (sigmoid, tanh; else None).
    non_finite_weights, non_finite_activations : how many of W's and of the activations' values are
        inf or NaN (0 unless the run diverges).
    """

    name: str
    activation: str
    gradient_norm: float
    gradient_rms: float
    weight_norm: float
    update_ratio: float
    weight_histogram: np.ndarray
    activation_histogram: np.ndarray
    dead_fraction: float | None
    saturated_fraction: float | None
    non_finite_weights: int = 0
    non_finite_activations: int = 0

    @property
    def finite(self) -> bool:
        """True when every weight, activation and number of this layer is finite."""
        return (self.non_finite_weights == 0 and self.non_finite_activations == 0
                and math.isfinite(self.gradient_norm) and math.isfinite(self.weight_norm)
                and not math.isinf(self.update_ratio))


@dataclass(frozen=True, eq=False)
class NetworkStatistics:
    """Every weighted layer's statistics, input side first, and the bins their histograms used."""

    layers: tuple[LayerStatistics, ...]
    bins: LayerBins

    @property
    def gradient_norms(self) -> np.ndarray:
        """(layers,) ||dL/dW|| per layer, input side first."""
        return np.array([s.gradient_norm for s in self.layers])

    @property
    def update_ratios(self) -> np.ndarray:
        return np.array([s.update_ratio for s in self.layers])

    @property
    def finite(self) -> bool:
        """False once any layer has overflowed (a diverging run)."""
        return all(s.finite for s in self.layers)

    @property
    def overflowed(self) -> tuple[str, ...]:
        """The names of the layers with an inf or NaN among their values or numbers."""
        return tuple(s.name for s in self.layers if not s.finite)


def layer_statistics(network: Network, sample: np.ndarray, bins: LayerBins | None = None,
                     weights_before=None, lr: float | None = None) -> NetworkStatistics:
    """Statistics of every weighted layer of ``network`` (read only) on a fixed ``sample``: a CNN's
    convolutions, then its Dense layers.

    sample : (n, h, w) uint8 images or (n, input_size) inputs; a few hundred are plenty.
    bins : from an earlier call's ``.bins`` so histograms stack; None chooses them (``choose_bins``).
    weights_before : each weighted layer's W at an earlier moment (``weight_snapshot``), for the
        update ratio over the steps since; else ``lr`` gives lr ||dW|| / ||W|| (plain SGD's step).
    """
    x = input_rows(network, sample)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: shown, not warned
        return _statistics(network, weighted_outputs(network, x), bins, weights_before, lr)


def _statistics(network: Network, outputs, bins, weights_before, lr) -> NetworkStatistics:
    if bins is None:
        bins = _choose_bins(network, outputs)
    weighted = network.weighted_layers
    if len(bins.weight_edges) != len(weighted):
        raise ValueError(f"bins are for {len(bins.weight_edges)} layers, the network has {len(weighted)}")
    if weights_before is not None and len(weights_before) != len(weighted):
        raise ValueError(f"weights_before has {len(weights_before)} arrays, the network has "
                         f"{len(weighted)} weighted layers")
    stats = []
    for i, (layer, name, f, (_, a)) in enumerate(zip(weighted, weighted_layer_names(network),
                                                     _functions(network), outputs)):
        before = None if weights_before is None else weights_before[i]
        stats.append(LayerStatistics(
            name=name, activation=f, gradient_norm=_norm(layer.dW),
            gradient_rms=_norm(layer.dW) / math.sqrt(layer.dW.size), weight_norm=_norm(layer.W),
            update_ratio=_update_ratio(layer, before, lr),
            weight_histogram=histogram(layer.W, bins.weight_edges[i]),
            activation_histogram=histogram(a, bins.activation_edges[i]),
            dead_fraction=dead_fraction(_by_unit(a)) if f in ("relu", "leaky_relu") else None,
            saturated_fraction=saturated_fraction(a, f) if f in ("sigmoid", "tanh") else None,
            non_finite_weights=_non_finite(layer.W), non_finite_activations=_non_finite(a)))
    return NetworkStatistics(tuple(stats), bins)


def _functions(network: Network) -> list[str]:
    """Each weighted layer's activation f, input side first (``"identity"`` for the logits)."""
    convs = [layer.activation for layer in network.spec.features if isinstance(layer, ConvLayer)]
    return convs + [h.activation for h in network.spec.hidden] + ["identity"]


def _by_unit(a: np.ndarray) -> np.ndarray:
    """Activations as (values, units): a Dense layer's (n, units) as they are, a convolution's maps
    (n, filters, h, w) as (n h w, filters), every position of a filter's map one value of that unit."""
    return a if a.ndim == 2 else a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1])


def weight_snapshot(network: Network) -> tuple[np.ndarray, ...]:
    """Copies of every weighted layer's W: pass them later as ``weights_before``."""
    return tuple(layer.W.copy() for layer in network.weighted_layers)


def choose_bins(network: Network, sample: np.ndarray, n_bins: int = 40, headroom: float = 2.0) -> LayerBins:
    """Bin edges with room to grow: weights in +-r, r a round number >= headroom * max |W|;
    activations in f's range (sigmoid 0..1, tanh -1..1) or, unbounded, likewise from ``sample``.

    sample : (n, h, w) uint8 images or (n, input_size) inputs, as for ``layer_statistics``.
    """
    x = input_rows(network, sample)
    with np.errstate(over="ignore", invalid="ignore"):
        return _choose_bins(network, weighted_outputs(network, x), n_bins, headroom)


def _choose_bins(network: Network, outputs, n_bins: int = 40, headroom: float = 2.0) -> LayerBins:
    if n_bins < 1 or not headroom >= 1:
        raise ValueError(f"need n_bins >= 1 and headroom >= 1, got {n_bins} and {headroom}")
    weight_edges = tuple(np.linspace(-r, r, n_bins + 1) for r in
                         (_round_up(headroom * _largest(layer.W)) for layer in network.weighted_layers))
    activation_edges = tuple(np.linspace(*_activation_range(f, a, headroom), n_bins + 1)
                             for f, (_, a) in zip(_functions(network), outputs))
    return LayerBins(weight_edges, activation_edges)


def histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts (len(edges) - 1,) int64 of ``values`` in equal-width bins; outside values go to the end
    bins, NaN to none."""
    n_bins = len(edges) - 1
    lo, hi = float(edges[0]), float(edges[-1])
    scaled = (values.reshape(-1) - np.float32(lo)) * np.float32(n_bins / (hi - lo))
    if np.isnan(scaled).any():  # a diverged run: NaN has no bin, and is not counted
        scaled = scaled[~np.isnan(scaled)]
    index = np.clip(scaled, 0, n_bins - 1, out=scaled).astype(np.intp)
    return np.bincount(index, minlength=n_bins)


def dead_fraction(a: np.ndarray) -> float:
    """Share of units (columns of a, (n, units)) whose activation is never positive on the n inputs."""
    return float(np.mean(~np.any(a > 0, axis=0)))


def saturated_fraction(a: np.ndarray, function: str) -> float:
    """Share of activation values where f'(z) < SATURATION * max f'.

    sigmoid: f' = a (1 - a), max 1/4;  tanh: f' = 1 - a^2, max 1.
    """
    if function == "sigmoid":
        flat = a * (1 - a) < SATURATION / 4
    elif function == "tanh":
        flat = 1 - a * a < SATURATION
    else:
        raise ValueError(f"saturation is defined for sigmoid and tanh, not {function!r}")
    return float(np.mean(flat))


def _update_ratio(layer, before, lr) -> float:
    if before is not None:
        return _norm(layer.W - before) / max(_norm(before), 1e-30)
    if lr is not None:
        return lr * _norm(layer.dW) / max(_norm(layer.W), 1e-30)
    return math.nan


def _activation_range(function: str, a: np.ndarray, headroom: float) -> tuple[float, float]:
    if function == "sigmoid":
        return 0.0, 1.0
    if function == "tanh":
        return -1.0, 1.0
    top = _round_up(headroom * _largest(a))
    return (0.0, top) if function == "relu" else (-top, top)


def _largest(a: np.ndarray) -> float:
    """max |a| over a's finite values (0 if it has none)."""
    magnitude = np.abs(a)
    if not np.isfinite(magnitude).all():
        magnitude = magnitude[np.isfinite(magnitude)]
    return float(magnitude.max()) if magnitude.size else 0.0


def _non_finite(a: np.ndarray) -> int:
    return int(a.size - np.count_nonzero(np.isfinite(a)))


def _round_up(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= x (1 for x <= 0 or NaN, at most ``WIDEST``):
    stable edges for similar data."""
    if not x > 0:
        return 1.0
    if not x < WIDEST:
        return WIDEST
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x * (1 - 1e-12))


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.dot(a.reshape(-1), a.reshape(-1)), dtype=np.float64))


class StatisticsHistory:
    """Statistics over time, as arrays ready to plot: one row per measurement.

    gradient_norms, update_ratios, dead_fractions, saturated_fractions : (rows, layers) floats
    (NaN where a layer has no such number); weight_rows[l], activation_rows[l] : (rows, bins)
    counts of layer l, one histogram per row (a heatmap over time); steps : (rows,).
    At ``max_rows`` every other row is dropped, so a long run stays covered at a coarser grain.
    """

    def __init__(self, max_rows: int = 512):
        if max_rows < 2:
            raise ValueError(f"max_rows must be >= 2, got {max_rows}")
        self.max_rows = max_rows
        self._steps: list[int] = []
        self._rows: list[NetworkStatistics] = []

    def add(self, step: int, stats: NetworkStatistics) -> None:
        if self._rows and len(stats.layers) != len(self._rows[0].layers):
            raise ValueError("these statistics are of another network; start a new history")
        if len(self._rows) >= self.max_rows:
            self._steps, self._rows = self._steps[1::2], self._rows[1::2]
        self._steps.append(int(step))
        self._rows.append(stats)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def latest(self) -> NetworkStatistics | None:
        """The last row added (its layer names and bins), None while empty."""
        return self._rows[-1] if self._rows else None

    @property
    def steps(self) -> np.ndarray:
        return np.array(self._steps, dtype=np.int64)

    def _column(self, field: str) -> np.ndarray:
        return np.array([[math.nan if getattr(s, field) is None else getattr(s, field)
                          for s in row.layers] for row in self._rows], dtype=np.float64)

    @property
    def gradient_norms(self) -> np.ndarray:
        return self._column("gradient_norm")

    @property
    def update_ratios(self) -> np.ndarray:
        return self._column("update_ratio")

    @property
    def dead_fractions(self) -> np.ndarray:
        return self._column("dead_fraction")

    @property
    def saturated_fractions(self) -> np.ndarray:
        return self._column("saturated_fraction")

    def weight_rows(self, layer: int) -> np.ndarray:
        return np.stack([row.layers[layer].weight_histogram for row in self._rows])

    def activation_rows(self, layer: int) -> np.ndarray:
        return np.stack([row.layers[layer].activation_histogram for row in self._rows])
