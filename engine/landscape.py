"""The loss landscape: the loss on a 2-D slice through a trained network (Li et al., NeurIPS 2018).

Take the trained weights theta* and two directions delta and eta of the same shapes. The surface is

    f(alpha, beta) = L(theta* + alpha delta + beta eta)

on a grid of (alpha, beta), with L the network's loss on a fixed set of images, so f(0, 0) is the
network's own loss. A raw random direction means different things for layers of different scale
(a ReLU network's loss does not change when one layer's weights are doubled and the next halved), so
Li et al. normalise it **filter by filter**: for every filter i (a convolution's output channel, a
dense layer's unit, i.e. a column of W),

    d_i  <-  d_i / ||d_i|| * ||theta*_i||

and set the biases' directions to zero. Then one unit of alpha moves every filter by its own size,
and the surfaces of two networks (large vs small batch, sharp vs flat minimum) can be compared.

Random directions in millions of dimensions are almost orthogonal to the path training took, so the
path projected on them hardly moves; ``path_directions`` takes instead the two principal directions
of the path (theta_t - theta*, PCA), as the paper does for its trajectory plots. ``project_path``
puts each theta_t on the plane by least squares.

A direction is a list of arrays, one per ``network.parameters`` entry, in that order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .choices import choose

Direction = list[np.ndarray]


def filter_normalised_direction(network, rng: np.random.Generator) -> Direction:
    """A Gaussian random direction, normalised filter by filter to the network's weights.

    A convolution's W (out, in, k, k) has one filter per output channel (axis 0); a dense layer's
    W (n_in, n_out) one per unit (column). Biases get zeros. float64, one array per parameter.
    """
    direction = []
    for parameter in network.parameters:
        theta = parameter.value.astype(np.float64)
        if not parameter.decay:  # a bias
            direction.append(np.zeros_like(theta))
            continue
        d = rng.standard_normal(theta.shape)
        axes = tuple(range(1, theta.ndim)) if theta.ndim == 4 else (0,)
        d_norm = np.sqrt((d * d).sum(axis=axes, keepdims=True))
        theta_norm = np.sqrt((theta * theta).sum(axis=axes, keepdims=True))
        direction.append(d * theta_norm / np.maximum(d_norm, 1e-30))
    return direction


def weights_of(network) -> Direction:
    """A float64 copy of every parameter of ``network`` (theta), in ``network.parameters`` order."""
    return [p.value.astype(np.float64) for p in network.parameters]


def _dot(u: Direction, v: Direction) -> float:
    return float(sum(np.vdot(a, b) for a, b in zip(u, v)))


def path_directions(path: Sequence[Direction], centre: Direction) -> tuple[Direction, Direction, np.ndarray]:
    """The two principal directions of a training path around ``centre`` (usually its last point).

    path : T >= 3 points theta_t. With M the (T, P) matrix of rows theta_t - centre, the directions
    are M's first two right singular vectors, found from the small T x T Gram matrix M M^T (P may
    be millions). Returns (delta, eta, explained): unit directions and the share of the path's
    variance each explains (2,). ValueError if the path does not span two dimensions.
    """
    rows = [[t - c for t, c in zip(theta, centre)] for theta in path]
    if len(rows) < 3:
        raise ValueError(f"a path needs at least 3 points to span a plane, got {len(rows)}")
    gram = np.array([[_dot(a, b) for b in rows] for a in rows])
    values, vectors = np.linalg.eigh(gram)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    if values[1] <= 1e-12 * max(values[0], 1e-300):
        raise ValueError("the path is a line or a point: it spans no plane")
    directions = []
    for k in range(2):
        weights = vectors[:, k] / np.sqrt(values[k])
        directions.append([sum(w * row[i] for w, row in zip(weights, rows)) for i in range(len(centre))])
    explained = values[:2] / values.clip(min=0).sum()
    return directions[0], directions[1], explained


def project_path(path: Sequence[Direction], centre: Direction, delta: Direction,
                 eta: Direction) -> np.ndarray:
    """(alpha_t, beta_t) for each point theta_t: the least-squares solution of
    theta_t - centre ~ alpha delta + beta eta (the 2x2 normal equations). Returns (T, 2)."""
    gram = np.array([[_dot(delta, delta), _dot(delta, eta)], [_dot(eta, delta), _dot(eta, eta)]])
    offsets = [[t - c for t, c in zip(theta, centre)] for theta in path]
    rhs = np.array([[_dot(delta, o), _dot(eta, o)] for o in offsets]).reshape(-1, 2)
    return np.linalg.solve(gram, rhs.T).T


@dataclass(frozen=True)
class Surface:
    """The loss (and accuracy) on a grid: ``loss[j, i]`` at (alphas[i], betas[j])."""

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray

    def at_origin(self) -> float:
        """The loss at the grid point nearest (0, 0)."""
        return float(self.loss[np.abs(self.betas).argmin(), np.abs(self.alphas).argmin()])


def surface_rows(network, images: np.ndarray, labels: np.ndarray, delta: Direction, eta: Direction,
                 alphas: np.ndarray, betas: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Compute the surface one row at a time: yields (j, loss (len(alphas),), accuracy) for each
    beta_j, so a caller can report progress and stop between rows.

    The network's weights are changed while this runs and put back when it ends (or is closed);
    run it on a copy (``network.copy()``) when another thread uses the network. images : (n, h, w)
    uint8 or inputs, turned into inputs once by ``network.inputs``; labels (n,).
    """
    x = network.inputs(images)
    centre = weights_of(network)
    try:
        for j, beta in enumerate(betas):
            losses = np.empty(len(alphas))
            accuracies = np.empty(len(alphas))
            for i, alpha in enumerate(alphas):
                _set_weights(network, centre, delta, eta, float(alpha), float(beta))
                losses[i], accuracies[i] = _loss_and_accuracy(network, x, labels)
            yield j, losses, accuracies
    finally:
        _set_weights(network, centre, delta, eta, 0.0, 0.0)


def loss_surface(network, images, labels, delta: Direction, eta: Direction, alphas, betas,
                 check=None, progress=None) -> Surface:
    """The whole surface f(alpha, beta) on the grid alphas x betas (see ``surface_rows``).

    progress(done, total) is called after each row, then check(), which may raise to cancel.
    """
    alphas, betas = np.asarray(alphas, dtype=np.float64), np.asarray(betas, dtype=np.float64)
    loss = np.empty((len(betas), len(alphas)))
    accuracy = np.empty_like(loss)
    for j, row, acc in surface_rows(network, images, labels, delta, eta, alphas, betas):
        loss[j], accuracy[j] = row, acc
        if progress is not None:
            progress(j + 1, len(betas))
        if check is not None:
            check()
    return Surface(alphas, betas, loss, accuracy)


def _set_weights(network, centre: Direction, delta: Direction, eta: Direction,
                 alpha: float, beta: float) -> None:
    """theta = centre + alpha delta + beta eta, written into the network's parameters in place."""
    for parameter, c, d, e in zip(network.parameters, centre, delta, eta):
        np.copyto(parameter.value, c + alpha * d + beta * e, casting="same_kind")


def _loss_and_accuracy(network, x: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The mean loss and the accuracy of the network (inference: no dropout) on inputs x."""
    logits = network.logits(x)
    if not np.all(np.isfinite(logits)):
        return float("inf"), float(np.mean(np.argmax(np.nan_to_num(logits), axis=1) == labels))
    loss, _ = network.loss(logits.astype(np.float64), labels)
    return float(loss), float(np.mean(np.argmax(logits, axis=1) == labels))


DIRECTIONS = {
    "random": "two random directions, normalised filter by filter (compare two networks' minima)",
    "path": "the two principal directions of the training path (see where training went)",
}


@dataclass(frozen=True)
class LandscapeSettings:
    """What to compute: which ``directions`` (a key of ``DIRECTIONS``), the grid of ``points`` x
    ``points`` over [-span, span]^2 (None: 1 for random directions, the path's extent for its own),
    on ``images`` test images (a class-balanced sample), directions seeded by ``seed``."""

    directions: str = "random"
    span: float | None = None
    points: int = 21
    images: int = 1000
    seed: int = 0

    def __post_init__(self):
        choose(self.directions, DIRECTIONS, "directions")
        if not 3 <= self.points <= 101:
            raise ValueError(f"points must be 3 to 101 per side, got {self.points}")
        if self.span is not None and not 0 < self.span <= 100:
            raise ValueError(f"span must be more than 0 and at most 100, got {self.span}")
        if not 10 <= self.images <= 10_000:
            raise ValueError(f"images must be 10 to 10,000, got {self.images}")


@dataclass(frozen=True, eq=False)
class Landscape:
    """A computed landscape: the surface, and the training path on it (or None without one).

    path : (T, 2) coordinates of the path's points, start first, the end at (0, 0); path_steps (T,)
    their optimiser steps; explained : for path directions, the share of the path's variance each
    explains (2,), else None.
    """

    settings: LandscapeSettings
    surface: Surface
    path: np.ndarray | None = None
    path_steps: tuple[int, ...] = ()
    explained: np.ndarray | None = None


def compute_landscape(network, images, labels, settings: LandscapeSettings,
                      path: Sequence[Direction] = (), path_steps: Sequence[int] = (),
                      check=None, progress=None) -> Landscape:
    """The landscape around ``network`` (changed while this runs, put back at the end: pass a copy).

    images, labels : the test set; a class-balanced sample of ``settings.images`` is used.
    path : the training path's points (e.g. ``Snapshot.parameters()``), ending at ``network``;
        required for path directions, projected on the plane for either kind.
    check : called between rows, may raise to cancel; progress(done, total) after each row.
    """
    from .projection import balanced_sample

    rng = np.random.default_rng(settings.seed)
    chosen = balanced_sample(labels, settings.images, np.random.default_rng([settings.seed, 7]))
    images, labels = images[chosen], labels[chosen]
    centre = weights_of(network)
    explained = None
    if settings.directions == "path":
        delta, eta, explained = path_directions(path, centre)
    else:
        delta, eta = filter_normalised_direction(network, rng), filter_normalised_direction(network, rng)
    coords = project_path(path, centre, delta, eta) if len(path) else None
    span = settings.span or _span_for(coords, settings.directions)
    grid = np.linspace(-span, span, settings.points)
    surface = loss_surface(network, images, labels, delta, eta, grid, grid.copy(), check, progress)
    return Landscape(settings, surface, coords, tuple(int(s) for s in path_steps), explained)


def _span_for(coords: np.ndarray | None, directions: str) -> float:
    """The half-width of a grid that shows the whole path with a margin (1 for random directions)."""
    if directions != "path" or coords is None or not np.isfinite(coords).all():
        return 1.0
    return float(max(np.abs(coords).max() * 1.15, 1e-3))
