"""The hidden space in 2-D: PCA of a layer's activations, with axes kept steady from epoch to epoch.

PCA finds the directions along which the data varies most. With centred data X_c = X - mean,
the axes are the top eigenvectors of the covariance C = X_c^T X_c / (n - 1) (the right singular
vectors of X_c), and a point's coordinates are (x - mean) A^T for the axes A (2, d).

Eigenvectors have no preferred sign, and two axes of near-equal variance may swap or turn, so
maps of successive epochs would jump. ``align`` removes that: it rotates (or reflects) the new 2-D
map onto the previous one by orthogonal Procrustes, R = argmin ||Y R - Y_prev|| over orthogonal R,
which is R = U V^T for the SVD U S V^T = Y^T Y_prev. The classes then move smoothly as they learn.

A layer of one unit has one direction only: its map is 1-D (coordinates (n, 1)), the unit's
centred activation, and the view draws it as a strip per class.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .dataset import as_inputs
from .inspection import hidden_activations, layer_names
from .network import Network

PIXELS = "pixels"
NO_HIDDEN_LAYER = ("this network has no hidden layer (softmax regression): its output reads the pixels "
                   "directly, so there is no hidden space to map; the pixel map is the space it divides")


@dataclass(frozen=True, eq=False)
class Projection:
    """A linear map to a few dimensions: coordinates = (x - mean) @ axes.T.

    mean : (d,) the data's mean; axes : (k, d) orthonormal rows; variance : (k,) the data's variance
    along each axis; total_variance : the sum over all d directions (so explained = variance / total).
    """

    mean: np.ndarray
    axes: np.ndarray
    variance: np.ndarray
    total_variance: float

    @property
    def explained(self) -> np.ndarray:
        """(k,) share of the data's variance along each axis."""
        return self.variance / self.total_variance if self.total_variance > 0 else np.zeros_like(self.variance)

    def transform(self, features: np.ndarray) -> np.ndarray:
        """Coordinates (n, k) of points (n, d)."""
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[1] != len(self.mean):
            raise ValueError(f"this projection takes points of {len(self.mean)} values, "
                             f"got shape {features.shape}")
        return (features - self.mean) @ self.axes.T


def principal_components(features: np.ndarray, n_components: int = 2) -> Projection:
    """PCA of points (n, d) in float64: the ``n_components`` axes of largest variance.

    Computed from the eigendecomposition of the smaller of the covariance (d, d) and the Gram
    matrix (n, n) of the centred data: the same axes as an SVD of X_c, several times faster.
    Each axis's sign is fixed so its largest-magnitude entry is positive (same data, same map).
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"PCA needs at least 2 points as an (n, d) array, got shape {x.shape}")
    if not 1 <= n_components <= x.shape[1]:
        raise ValueError(f"n_components must be 1 to {x.shape[1]}, got {n_components}")
    mean = x.mean(axis=0)
    centred = x - mean
    axes, eigenvalues = _top_eigenvectors(centred, n_components)
    signs = np.sign(axes[np.arange(n_components), np.argmax(np.abs(axes), axis=1)])
    axes *= np.where(signs == 0, 1, signs)[:, None]
    total = float(np.sum(centred * centred) / (len(x) - 1))
    return Projection(mean, axes, eigenvalues / (len(x) - 1), total)


def _top_eigenvectors(centred: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k unit right singular vectors (k, d) of the centred data and their squared singular values."""
    n, d = centred.shape
    if d <= n:
        values, vectors = np.linalg.eigh(centred.T @ centred)
        order = np.argsort(values)[::-1][:k]
        return np.ascontiguousarray(vectors[:, order].T), np.maximum(values[order], 0)
    values, left = np.linalg.eigh(centred @ centred.T)  # X_c^T u / s are the right singular vectors
    order = np.argsort(values)[::-1][:k]
    values = np.maximum(values[order], 0)
    right = (centred.T @ left[:, order]) / np.sqrt(np.where(values > 0, values, 1))
    return np.ascontiguousarray(right.T), values


def align(projection: Projection, coordinates: np.ndarray, previous: np.ndarray) -> Projection:
    """The projection turned (rotation or reflection) so that ``coordinates`` best match ``previous``.

    coordinates : (n, k) the points' coordinates under ``projection``; previous : (n, k) the same
    points' coordinates on the previous map. Orthogonal Procrustes: R = U V^T from
    U S V^T = coordinates^T previous; the new axes are R^T axes, so distances are unchanged.
    """
    coordinates, previous = np.asarray(coordinates, np.float64), np.asarray(previous, np.float64)
    if coordinates.shape != previous.shape:
        raise ValueError(f"cannot align {coordinates.shape} coordinates to {previous.shape} previous ones: "
                         "align maps of the same sample")
    u, _, vt = np.linalg.svd(coordinates.T @ previous)
    rotation = u @ vt
    variance = (rotation ** 2).T @ projection.variance  # PCA coordinates are uncorrelated
    return replace(projection, axes=rotation.T @ projection.axes, variance=variance)


@dataclass(frozen=True, eq=False)
class EmbeddingMap:
    """A 2-D map of a sample (1-D for features of one value): coordinates (n, 2) or (n, 1), their
    labels (n,), the projection that made them, and what was projected: ``"pixels"`` or a layer's
    name (``"hidden 2 (relu)"``)."""

    coordinates: np.ndarray
    labels: np.ndarray
    projection: Projection
    layer: str

    @property
    def dimensions(self) -> int:
        """2, or 1 for a layer of one unit."""
        return int(self.coordinates.shape[1])

    def place(self, features: np.ndarray) -> np.ndarray:
        """Coordinates (n, 2) of new points (n, d) of the same kind, on this map (no refitting)."""
        return self.projection.transform(features)


def embed(features: np.ndarray, labels, layer: str, previous: EmbeddingMap | None = None) -> EmbeddingMap:
    """The PCA map of ``features`` (n, d) in min(d, 2) dimensions, aligned to ``previous`` (a map of the
    same n points) if given and of as many dimensions (a 1-D map after a 2-D one starts afresh)."""
    labels, features = np.asarray(labels), np.asarray(features)
    if len(labels) != len(features):
        raise ValueError(f"{len(features)} points but {len(labels)} labels")
    if features.ndim != 2 or features.shape[1] == 0:
        raise ValueError(f"a map needs points as an (n, d) array with d >= 1, got shape {features.shape}")
    finite = np.isfinite(features)
    if not finite.all():
        raise ValueError(f"{features.size - int(finite.sum()):,} of the {features.size:,} values of {layer} "
                         "are inf or NaN (the network overflows on these images): they have no place on a map")
    projection = principal_components(features, min(2, features.shape[1]))
    coordinates = projection.transform(features)
    if previous is not None and previous.dimensions == coordinates.shape[1]:
        projection = align(projection, coordinates, previous.coordinates)
        coordinates = projection.transform(features)
    return EmbeddingMap(coordinates, labels, projection, layer)


def hidden_map(network: Network, images: np.ndarray, labels, previous: EmbeddingMap | None = None) -> EmbeddingMap:
    """The map of the last hidden layer's activations for images (n, h, w), aligned to ``previous``.

    1-D for a last hidden layer of one unit; ValueError, saying why, for a network without one.
    """
    if not network.spec.hidden:
        raise ValueError(NO_HIDDEN_LAYER)
    features = hidden_activations(network, images)
    return embed(features, labels, layer_names(network)[-2], previous)


def pixel_map(images: np.ndarray, labels) -> EmbeddingMap:
    """The map of the raw inputs (pixels / 255): what the classes look like before any learning."""
    return embed(as_inputs(np.asarray(images)), labels, PIXELS)


def locate(embedding: EmbeddingMap, images: np.ndarray, network: Network | None = None) -> np.ndarray:
    """Where images (n, h, w) (e.g. the current drawing, as a batch of one) fall on ``embedding``: (n, 2).

    A hidden map needs the network whose layer it maps (its weights as when the map was made).
    """
    if embedding.layer == PIXELS:
        return embedding.place(as_inputs(np.asarray(images)))
    if network is None:
        raise ValueError(f"placing images on the map of {embedding.layer} needs the network")
    return embedding.place(hidden_activations(network, images))


def balanced_sample(labels, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of about n items with every class equally represented (as far as each class allows).

    labels : (N,) class of every item; rng : a seeded generator (same seed, same sample).
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if n < 1 or len(classes) == 0:
        raise ValueError(f"need n >= 1 and some labels, got n={n} and {len(labels)} labels")
    per_class = max(1, n // len(classes))
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in classes]
    return np.sort(np.concatenate(chosen))
