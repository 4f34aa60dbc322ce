"""Backprop of every layer against finite differences (float64), and the formulas at known points."""

import numpy as np
import pytest

from engine.layers import ACTIVATIONS, Dense, Dropout, Identity, LeakyReLU, ReLU, Sigmoid, Tanh, activation

from gradcheck import assert_close, numerical_gradient

RNG = np.random.default_rng(42)


def _away_from_kink(shape):
    """Random inputs with |x| >= 0.05, so ReLU-like kinks at 0 are never inside a finite difference."""
    x = RNG.normal(size=shape)
    return np.where(np.abs(x) < 0.05, np.sign(x) * 0.05 + x, x)


@pytest.mark.parametrize("layer", [Sigmoid, Tanh, ReLU, Identity, lambda dtype: LeakyReLU(0.1, dtype)],
                         ids=["sigmoid", "tanh", "relu", "identity", "leaky_relu"])
def test_activation_backward_matches_finite_differences(layer):
    act = layer(dtype=np.float64)
    x = _away_from_kink((4, 7))
    weights = RNG.normal(size=(4, 7))  # L = sum(weights * f(x)), so dL/dy = weights

    def loss():
        return float(np.sum(weights * act.infer(x)))

    act.forward(x)
    analytic = act.backward(weights).copy()
    assert_close(analytic, numerical_gradient(loss, x))


def test_dense_backward_matches_finite_differences():
    layer = Dense(5, 3, weights=RNG.normal(size=(5, 3)), dtype=np.float64)
    layer.b[:] = RNG.normal(size=3)
    x = RNG.normal(size=(6, 5))
    weights = RNG.normal(size=(6, 3))

    def loss():
        return float(np.sum(weights * layer.infer(x)))

    layer.forward(x)
    grad_x = layer.backward(weights).copy()
    assert_close(grad_x, numerical_gradient(loss, x))
    assert_close(layer.dW, numerical_gradient(loss, layer.W))
    assert_close(layer.db, numerical_gradient(loss, layer.b))


def test_dense_forward_is_xw_plus_b():
    layer = Dense(2, 2, weights=np.array([[1.0, 2.0], [3.0, 4.0]]), dtype=np.float64)
    layer.b[:] = [10, 20]
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, 1.0]])), [[14, 26]])
    np.testing.assert_array_equal(layer.infer(np.array([[0.0, 1.0]])), [[13, 24]])


def test_activation_values_at_known_points():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(Sigmoid(np.float64).infer(x), [[1 / (1 + np.e ** 2), 0.5, 1 / (1 + np.e ** -3)]])
    np.testing.assert_allclose(Tanh(np.float64).infer(x), np.tanh(x))
    np.testing.assert_array_equal(ReLU(np.float64).infer(x), [[0, 0, 3]])
    np.testing.assert_allclose(LeakyReLU(0.1, np.float64).infer(x), [[-0.2, 0, 3]])
    np.testing.assert_array_equal(Identity(np.float64).infer(x), x)


def test_sigmoid_is_finite_for_huge_inputs():
    y = Sigmoid(np.float32).forward(np.array([[-1e4, 1e4]], dtype=np.float32))
    np.testing.assert_array_equal(y, [[0, 1]])


def test_float32_by_default():
    assert Dense(3, 2).W.dtype == np.float32
    x = np.ones((2, 3), dtype=np.float32)
    assert Dense(3, 2).forward(x).dtype == np.float32
    assert ReLU().forward(x).dtype == np.float32


def test_forward_buffers_are_reused_between_batches():
    layer = Dense(3, 2)
    first = layer.forward(np.ones((4, 3), np.float32))
    second = layer.forward(np.zeros((4, 3), np.float32))
    assert first is second


def test_unknown_activation_and_bad_arguments_raise():
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "identity"}
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation("swish")
    with pytest.raises(ValueError, match="alpha"):
        LeakyReLU(alpha=2)
    with pytest.raises(ValueError, match="shape"):
        Dense(3, 2, weights=np.zeros((2, 3)))


def test_dropout_backward_matches_finite_differences_with_a_fixed_mask():
    drop = Dropout(0.4, np.random.default_rng(7), dtype=np.float64)
    x = RNG.normal(size=(5, 8))
    weights = RNG.normal(size=(5, 8))

    def loss():  # the same mask every time: the generator is reseeded before each draw
        drop.rng = np.random.default_rng(7)
        return float(np.sum(weights * drop.forward(x)))

    loss()
    analytic = drop.backward(weights).copy()
    assert_close(analytic, numerical_gradient(loss, x))
    assert 0 < np.count_nonzero(drop.mask) < drop.mask.size


def test_dropout_keeps_the_expected_activation_so_inference_needs_no_rescaling():
    drop = Dropout(0.5, np.random.default_rng(0), dtype=np.float64)
    x = np.abs(RNG.normal(size=(20_000, 4))) + 1
    y = drop.forward(x)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.5)  # kept units scaled by 1 / (1 - rate)
    assert abs(kept.mean() - 0.5) < 0.01
    np.testing.assert_allclose(y.mean(axis=0), x.mean(axis=0), rtol=0.03)  # E[train] = inference
    assert drop.infer(x) is x


def test_dropout_is_seeded_and_draws_a_new_mask_per_batch():
    x = np.ones((6, 10), dtype=np.float32)
    a, b = Dropout(0.5, np.random.default_rng(1)), Dropout(0.5, np.random.default_rng(1))
    first = a.forward(x).copy()
    np.testing.assert_array_equal(first, b.forward(x))
    assert not np.array_equal(first, a.forward(x))


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_refuses_rates_outside_0_to_1(rate):
    with pytest.raises(ValueError, match="dropout rate must be in"):
        Dropout(rate, np.random.default_rng(0))


@pytest.mark.parametrize("layer", [lambda: Dense(3, 2), lambda: Dropout(0.5, np.random.default_rng(0)), Sigmoid],
                         ids=["dense", "dropout", "sigmoid"])
def test_backward_before_any_forward_says_so(layer):
    with pytest.raises(RuntimeError, match="backward needs a forward pass first"):
        layer().backward(np.zeros((1, 2), dtype=np.float32))
