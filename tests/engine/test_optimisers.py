"""Optimiser steps and learning-rate schedules against values worked out by hand."""

import numpy as np
import pytest

from engine.optimisers import SGD, Adam, Momentum, Nesterov, Parameter
from engine.schedules import Constant, Cosine, Step, make_schedule


def _param(decay=True):
    return Parameter("w", np.array([1.0, 2.0]), np.array([0.5, -1.0]), decay)


def _steps(optimiser, n, decay=True):
    p = _param(decay)
    for _ in range(n):
        optimiser.step([p])
    return p.value


def test_sgd_step():
    # w - lr g = (1, 2) - 0.1 (0.5, -1)
    np.testing.assert_allclose(_steps(SGD(0.1), 1), [0.95, 2.1])


def test_momentum_two_steps():
    # v1 = g, w1 = w - 0.1 g = (0.95, 2.1); v2 = 0.9 g + g = (0.95, -1.9), w2 = w1 - 0.1 v2
    np.testing.assert_allclose(_steps(Momentum(0.1, 0.9), 2), [0.855, 2.29])


def test_nesterov_step():
    # v1 = g, update = g + 0.9 v1 = 1.9 g = (0.95, -1.9): w1 = (0.905, 2.19)
    np.testing.assert_allclose(_steps(Nesterov(0.1, 0.9), 1), [0.905, 2.19])


def test_adam_first_step_moves_by_lr_times_sign():
    # after bias correction m_hat = g, v_hat = g^2, so the step is lr g / |g|
    np.testing.assert_allclose(_steps(Adam(0.1), 1), [0.9, 2.1], rtol=1e-6)


def test_adam_second_step():
    # same g twice: m_hat = g, v_hat = g^2 again, so another lr * sign(g)
    np.testing.assert_allclose(_steps(Adam(0.1), 2), [0.8, 2.2], rtol=1e-6)


def test_weight_decay_applies_to_weights_not_biases():
    # g' = g + 0.1 w = (0.6, -0.8): w1 = (0.94, 2.08)
    np.testing.assert_allclose(_steps(SGD(0.1, weight_decay=0.1), 1), [0.94, 2.08])
    np.testing.assert_allclose(_steps(SGD(0.1, weight_decay=0.1), 1, decay=False), [0.95, 2.1])


def test_weight_decay_with_every_optimiser():
    # g' = g + 0.1 w = (0.6, -0.8) for w = (1, 2), g = (0.5, -1)
    # momentum: v = g', w1 = w - 0.1 g' = (0.94, 2.08)
    np.testing.assert_allclose(_steps(Momentum(0.1, 0.9, weight_decay=0.1), 1), [0.94, 2.08])
    # nesterov: v = g', update = g' + 0.9 v = 1.9 g' = (1.14, -1.52): w1 = (0.886, 2.152)
    np.testing.assert_allclose(_steps(Nesterov(0.1, 0.9, weight_decay=0.1), 1), [0.886, 2.152])
    # adam's first step is lr * sign(g') whatever the magnitude
    np.testing.assert_allclose(_steps(Adam(0.1, weight_decay=0.1), 1), [0.9, 2.1], rtol=1e-6)


def test_step_leaves_the_gradient_untouched():
    p = _param()
    Adam(0.1, weight_decay=0.1).step([p])
    np.testing.assert_array_equal(p.grad, [0.5, -1.0])


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(0), "learning rate"), (lambda: Momentum(0.1, 1.0), "momentum"),
    (lambda: Adam(0.1, beta2=1.0), "beta2"), (lambda: SGD(0.1, weight_decay=-1), "weight decay"),
])
def test_bad_settings_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_schedules():
    assert Constant()(7.3) == 1
    step = Step(every=2, gamma=0.5)
    assert [step(e) for e in (0, 1.9, 2, 4.5)] == [1, 1, 0.5, 0.25]
    cosine = Cosine(10)
    assert cosine(0) == 1 and cosine(5) == pytest.approx(0.5) and cosine(10) == pytest.approx(0)
    assert isinstance(make_schedule("cosine", 3), Cosine)
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("warm", 3)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, weight_decay=1e-3),
                                  lambda: Momentum(0.1, weight_decay=1e-3),
                                  lambda: Nesterov(0.1, weight_decay=1e-3),
                                  lambda: Adam(1e-3, weight_decay=1e-3)])
def test_steps_after_the_first_allocate_no_weight_sized_arrays(make):
    import tracemalloc
    p = Parameter("W", np.ones((256, 256), np.float32), np.full((256, 256), 0.5, np.float32), True)
    optimiser = make()
    optimiser.step([p])  # the first step creates the per-parameter state
    tracemalloc.start()
    for _ in range(5):
        optimiser.step([p])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < p.value.nbytes // 4
