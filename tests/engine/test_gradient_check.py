"""The gradient check: tiny errors for the engine's backprop, large ones for a broken derivative."""

import numpy as np
import pytest

from engine.gradient_check import TOLERANCE, check_gradients, compare_gradients, relative_error
from engine.layers import Tanh
from engine.network import Network, NetworkSpec

RNG = np.random.default_rng(11)
SPEC = NetworkSpec(input_size=36, hidden=[(10, "tanh"), (8, "sigmoid")], classes=5, init="xavier", seed=4)
IMAGES = RNG.integers(0, 256, size=(3, 6, 6), dtype=np.uint8)
LABELS = np.array([0, 3, 4])


def test_a_correct_network_agrees_to_tiny_relative_errors():
    net = Network(SPEC)  # float32: the check runs on a float64 copy
    check = check_gradients(net, IMAGES, LABELS, per_layer=4)
    assert len(check.entries) == 3 * 4
    assert [e.layer for e in check.entries[::4]] == ["hidden 1 (tanh)", "hidden 2 (sigmoid)", "output"]
    assert check.passed and check.max_relative_error < 1e-7
    for e in check.entries:
        assert e.analytic != 0 and e.analytic == pytest.approx(e.numeric, rel=1e-6)
    assert check.loss == pytest.approx(net.loss(net.logits(IMAGES), LABELS)[0], rel=1e-5)


def test_chosen_entries_include_biases_and_the_network_is_untouched():
    net = Network(NetworkSpec(input_size=36, hidden=[(10, "relu")], classes=5, seed=1))
    before = [p.value.copy() for p in net.parameters]
    check = check_gradients(net, IMAGES, LABELS, entries=[("dense0.W", (20, 3)), ("dense1.b", 2)])
    assert [(e.parameter, e.index) for e in check.entries] == [("dense0.W", (20, 3)), ("dense1.b", (2,))]
    assert check.max_relative_error < 1e-6
    for p, value in zip(net.parameters, before):
        np.testing.assert_array_equal(p.value, value)


def test_a_wrong_derivative_shows_large_errors_below_it(monkeypatch):
    def forgets_the_derivative(self, y, grad_out, out):  # dL/dx = dL/dy: 1 - y^2 left out
        np.copyto(out, grad_out)
        return out

    monkeypatch.setattr(Tanh, "_grad_from_output", forgets_the_derivative)
    check = check_gradients(Network(SPEC), IMAGES, LABELS, per_layer=3)
    first, output = check.entries[:3], check.entries[-3:]
    assert not check.passed
    assert min(e.relative_error for e in first) > 1e-2  # the tanh layer's own weights are wrong
    assert max(e.relative_error for e in output) < 1e-7  # above the bug all is still right


def test_compare_gradients_with_a_hand_made_wrong_gradient():
    w = RNG.normal(size=(3, 2))
    right, wrong = 2 * w, 3 * w  # d/dw sum(w^2) = 2w
    values = {"w": w}
    good = compare_gradients(lambda: float(np.sum(w ** 2)), values, {"w": right}, [("w", (1, 1))])
    bad = compare_gradients(lambda: float(np.sum(w ** 2)), values, {"w": wrong}, [("w", (1, 1))])
    assert good[0].relative_error < 1e-9
    assert bad[0].relative_error == pytest.approx(1 / 3, rel=1e-6)
    assert relative_error(0.0, 0.0) == 0.0 and TOLERANCE < 1e-3


def test_bad_arguments_raise():
    net = Network(SPEC)
    with pytest.raises(ValueError, match=r"no parameter called 'dense9.W'"):
        check_gradients(net, IMAGES, LABELS, entries=[("dense9.W", (0, 0))])
    with pytest.raises(ValueError, match="no entry"):
        check_gradients(net, IMAGES, LABELS, entries=[("dense0.W", (36, 0))])
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        check_gradients(net, IMAGES, LABELS[:2])
    with pytest.raises(ValueError, match="step must be > 0"):
        check_gradients(net, IMAGES, LABELS, eps=0)
