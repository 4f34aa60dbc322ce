"""Losses: gradients against finite differences, reference values, and stability for extreme logits."""

import numpy as np
import pytest

from engine.losses import (
    log_softmax,
    loss_function,
    softmax,
    softmax_cross_entropy,
    softmax_mean_squared_error,
)

from gradcheck import assert_close, numerical_gradient

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("loss", [softmax_cross_entropy, softmax_mean_squared_error])
def test_loss_gradient_matches_finite_differences(loss):
    logits = RNG.normal(size=(5, 4)) * 3
    labels = np.array([0, 3, 1, 1, 2])
    _, grad = loss(logits, labels)
    assert_close(grad, numerical_gradient(lambda: loss(logits, labels)[0], logits))


def test_cross_entropy_reference_values():
    # uniform logits: every class has p = 1/4, so the loss is log 4
    loss, grad = softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 2]))
    assert loss == pytest.approx(np.log(4))
    np.testing.assert_allclose(grad, [[0.125, -0.375, 0.125, 0.125], [0.125, 0.125, -0.375, 0.125]])


def test_mse_reference_value():
    # p = (1/2, 1/2) for zero logits, target (1, 0): L = 1/2 (1/4 + 1/4) = 1/4
    loss, _ = softmax_mean_squared_error(np.zeros((1, 2)), np.array([0]))
    assert loss == pytest.approx(0.25)


def test_cross_entropy_is_stable_for_extreme_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1e30, 1e30, 5.0]], dtype=np.float32)
    loss, grad = softmax_cross_entropy(logits, np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx(1e30, rel=1e-3)  # row 2 loses 2e30 (its class is 2e30 below the max), row 1 ~0


def test_softmax_rows_sum_to_one_and_log_softmax_agrees():
    logits = RNG.normal(size=(3, 10)) * 50
    p = softmax(logits.copy())
    np.testing.assert_allclose(p.sum(axis=1), 1)
    np.testing.assert_allclose(np.log(np.maximum(p, 1e-300)), log_softmax(logits), atol=1e-9)


def test_loss_by_name():
    assert loss_function("cross_entropy") is softmax_cross_entropy
    assert loss_function("mse") is softmax_mean_squared_error
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        loss_function("hinge")
