"""Central finite differences, for checking backprop against the definition of a derivative."""

import numpy as np


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dF/dx by (F(x + eps e_i) - F(x - eps e_i)) / 2 eps for every element i of x (float64, in place)."""
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def assert_close(analytic, numeric, rtol=1e-5, atol=1e-7):
    """Backprop and finite differences agree element by element."""
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)
