"""Losses on the network's output scores (logits), each returning the loss and its gradient.

Both losses read the logits z of shape (batch_size, n_classes) through the softmax
p_k = exp(z_k) / sum_j exp(z_j), and integer labels y of shape (batch_size,).
"""

from __future__ import annotations

import numpy as np

from .choices import choose


def softmax(logits: np.ndarray) -> np.ndarray:
    """p = exp(z - max z) / sum exp(z - max z), row by row; shifting by the max avoids overflow.

    logits : (batch_size, n_classes). Returns probabilities of the same shape, rows summing to 1.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p = z - max z - log sum exp(z - max z) (the log-sum-exp trick: finite for any finite z)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the softmax, and its gradient.

    L = -(1/N) sum_n log p_{n, y_n}         dL/dz = (p - onehot(y)) / N

    logits : (N, n_classes); labels : (N,) integers. Returns (loss, grad) with grad (N, n_classes).
    """
    n = len(labels)
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1)
    loss = float(np.mean(np.log(sums) - shifted[rows, labels], dtype=np.float64))
    grad = exp
    grad /= sums[:, None]
    grad[rows, labels] -= 1
    grad *= 1 / n
    return loss, grad


def softmax_mean_squared_error(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The quadratic cost on the softmax outputs, and its gradient.

    L = (1 / 2N) sum_n ||p_n - onehot(y_n)||^2
    dL/dp = (p - onehot(y)) / N,   dL/dz_k = p_k (dL/dp_k - sum_j p_j dL/dp_j)   (softmax Jacobian)

    logits : (N, n_classes); labels : (N,) integers. Returns (loss, grad) with grad (N, n_classes).
    """
    n = len(labels)
    p = softmax(logits)
    diff = p.copy()
    diff[np.arange(n), labels] -= 1
    loss = float(0.5 * np.sum(diff * diff, dtype=np.float64) / n)
    grad_p = diff / n
    grad = p * (grad_p - np.sum(grad_p * p, axis=1, keepdims=True))
    return loss, grad


LOSSES = {
    "cross_entropy": softmax_cross_entropy,
    "mse": softmax_mean_squared_error,
}


def loss_function(name: str):
    """The loss called ``name``: ``"cross_entropy"`` or ``"mse"``."""
    return choose(name, LOSSES, "loss")
