"""Weight initialisers: where gradient descent starts. Biases always start at zero.

Each takes a weight shape (fan_in, fan_out), a seeded ``numpy.random.Generator`` and a scale, and
returns float64 weights (the layer casts them to its dtype). Same generator state, same weights.
"""

from __future__ import annotations

import numpy as np

from .choices import choose


def zeros(shape, rng):
    """W = 0: every unit of a layer computes the same thing and gets the same gradient, so they
    stay identical for ever (the symmetry is never broken). Shown to see why we start at random."""
    return np.zeros(shape)


def normal(shape, rng, std: float = 0.01):
    """W ~ N(0, std^2): the textbook start with a small fixed std."""
    return rng.normal(0.0, std, size=shape)


def uniform(shape, rng, scale: float = 0.05):
    """W ~ U(-scale, scale)."""
    return rng.uniform(-scale, scale, size=shape)


def xavier(shape, rng, gain: float = 1.0):
    """Glorot/Xavier uniform: W ~ U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and gradients about equal across layers for tanh/sigmoid.
    """
    fan_in, fan_out = shape
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)


def he(shape, rng, gain: float = 1.0):
    """He/Kaiming normal: W ~ N(0, 2 gain^2 / fan_in), for ReLU layers (which zero half their inputs)."""
    fan_in = shape[0]
    return rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), size=shape)


INITIALISERS = {"normal": normal, "uniform": uniform, "xavier": xavier, "he": he, "zeros": zeros}

#: What the optional scale means for each initialiser, and its default.
SCALE_MEANING = {"normal": ("std", 0.01), "uniform": ("scale", 0.05),
                 "xavier": ("gain", 1.0), "he": ("gain", 1.0), "zeros": ("value (always)", 0.0)}


def initialise(name: str, shape, rng, scale: float | None = None):
    """Weights of ``shape`` from the initialiser ``name``; ``scale`` is its std, scale or gain."""
    init = choose(name, INITIALISERS, "initialiser")
    if scale is None:
        return init(shape, rng)
    if init is zeros:
        raise ValueError(f"the zeros initialiser takes no scale, got {scale}")
    if not scale > 0:
        raise ValueError(f"the {SCALE_MEANING[name][0]} of the {name} initialiser must be > 0, got {scale}")
    return init(shape, rng, scale)
