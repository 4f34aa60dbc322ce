"""Convolution, pooling and reshaping layers: finite differences (float64), shapes, errors and PyTorch's values."""

import numpy as np
import pytest

from engine.convolution import Conv2D, Flatten, MaxPool2D, Unflatten, batch_last, conv_output_shape, pool_output_shape
from engine.layers import ReLU

from gradcheck import assert_close, numerical_gradient

RNG = np.random.default_rng(21)

# (in_channels, out_channels, kernel, stride, padding, height, width)
CONV_CASES = [(1, 2, 3, 1, 0, 5, 6), (2, 3, 3, 1, 1, 4, 5), (3, 2, 5, 1, 2, 5, 4),
              (2, 4, 3, 2, 0, 7, 6), (1, 3, 2, 2, 1, 5, 5), (3, 1, (2, 3), 1, 0, 4, 6),
              (2, 3, (3, 5), 2, 2, 7, 9), (1, 2, 4, 3, 1, 9, 8)]


def _conv(c, f, k, s, p):
    layer = Conv2D(c, f, k, stride=s, padding=p, rng=RNG, dtype=np.float64)
    layer.b[:] = RNG.normal(size=f)
    return layer


@pytest.mark.parametrize("c, f, k, s, p, h, w", CONV_CASES)
def test_conv_backward_matches_finite_differences(c, f, k, s, p, h, w):
    layer = _conv(c, f, k, s, p)
    x = RNG.normal(size=(2, c, h, w))
    weights = RNG.normal(size=(2, *layer.output_shape((c, h, w))))  # L = sum(weights * y)

    def loss():
        return float(np.sum(weights * layer.infer(x)))

    layer.forward(x)
    grad_x = layer.backward(weights).copy()
    assert_close(grad_x, numerical_gradient(loss, x))
    assert_close(layer.dW, numerical_gradient(loss, layer.W))
    assert_close(layer.db, numerical_gradient(loss, layer.b))


def test_conv_backward_params_gives_the_same_gradients_as_backward():
    layer = _conv(2, 3, 3, 1, 1)
    x = RNG.normal(size=(3, 2, 6, 5))
    g = RNG.normal(size=(3, 3, 6, 5))
    layer.forward(x)
    layer.backward(g)
    dW, db = layer.dW.copy(), layer.db.copy()
    layer.dW[:], layer.db[:] = 0, 0
    layer.forward(x)
    layer.backward_params(g)
    np.testing.assert_allclose(layer.dW, dW)
    np.testing.assert_allclose(layer.db, db)


def test_conv_of_a_known_image():
    # a 2x2 kernel of ones sums each 2x2 window; the bias is added to every output
    layer = Conv2D(1, 1, 2, weights=np.ones((1, 1, 2, 2)), dtype=np.float64)
    layer.b[:] = 0.5
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(layer.forward(x)[0, 0], [[8.5, 12.5], [20.5, 24.5]])


@pytest.mark.parametrize("c, f, k, s, p, h, w", CONV_CASES)
def test_conv_infer_equals_forward_and_shapes_follow_the_formula(c, f, k, s, p, h, w):
    layer = _conv(c, f, k, s, p)
    x = RNG.normal(size=(3, c, h, w))
    kh, kw = (k, k) if np.isscalar(k) else k
    expected = (f, (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1)
    assert layer.output_shape((c, h, w)) == expected
    assert layer.forward(x).shape == (3, *expected)
    np.testing.assert_array_equal(layer.infer(x), layer.forward(x))


def test_lenet_shapes():
    assert conv_output_shape((1, 28, 28), 6, (5, 5)) == (6, 24, 24)
    assert pool_output_shape((6, 24, 24), 2) == (6, 12, 12)
    assert conv_output_shape((6, 12, 12), 16, (5, 5)) == (16, 8, 8)
    assert conv_output_shape((1, 28, 28), 32, (3, 3), padding=1) == (32, 28, 28)
    assert pool_output_shape((16, 9, 9), 2) == (16, 4, 4)  # the remainder is dropped


def test_impossible_shapes_raise_value_errors_that_say_why():
    with pytest.raises(ValueError, match="5x5 kernel does not fit a 4x4 input padded by 0"):
        Conv2D(1, 2, 5).output_shape((1, 4, 4))
    with pytest.raises(ValueError, match="takes 3 input channels, got 1"):
        Conv2D(3, 2, 3).forward(np.zeros((1, 1, 8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="2x2 pooling window does not fit a 1x5 input"):
        MaxPool2D(2).forward(np.zeros((1, 1, 1, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="weights must have shape"):
        Conv2D(1, 2, 3, weights=np.zeros((2, 1, 5, 5)))
    with pytest.raises(ValueError, match="stride >= 1"):
        Conv2D(1, 2, 3, stride=0)
    with pytest.raises(ValueError, match="rows of 784"):
        Unflatten((1, 28, 28)).forward(np.zeros((2, 100)))
    assert Conv2D(1, 2, 5, padding=1).output_shape((1, 3, 3)) == (2, 1, 1)  # fits once padded


@pytest.mark.parametrize("size, h, w", [(2, 6, 8), (2, 7, 5), (2, 5, 9), (3, 7, 9), (1, 3, 4)])
def test_maxpool_backward_matches_finite_differences(size, h, w):
    pool = MaxPool2D(size, dtype=np.float64)
    x = RNG.normal(size=(2, 3, h, w))  # random values: no ties, so the maximum is differentiable
    weights = RNG.normal(size=(2, 3, h // size, w // size))

    def loss():
        return float(np.sum(weights * pool.infer(x)))

    assert pool.forward(x).shape == weights.shape
    np.testing.assert_array_equal(pool.infer(x), pool.forward(x))
    grad_x = pool.backward(weights).copy()
    assert_close(grad_x, numerical_gradient(loss, x))
    if h % size:
        assert not grad_x[:, :, -(h % size):].any()  # the dropped remainder gets no gradient


def test_maxpool_takes_the_window_maximum_and_the_first_on_a_tie():
    pool = MaxPool2D(2, dtype=np.float64)
    x = np.array([[[[1.0, 5.0, 2.0, 2.0], [3.0, 4.0, 2.0, 2.0]]]])
    np.testing.assert_array_equal(pool.forward(x), [[[[5.0, 2.0]]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[[10.0, 20.0]]]])),
                                  [[[[0, 10, 20, 0], [0, 0, 0, 0]]]])


def test_flatten_and_unflatten_are_inverse_and_keep_pytorch_order():
    x = RNG.normal(size=(2, 3, 4, 5))
    flat = Flatten().forward(x)
    np.testing.assert_array_equal(flat, x.reshape(2, 60))
    un = Unflatten((3, 4, 5))
    np.testing.assert_array_equal(un.forward(flat), x)
    np.testing.assert_array_equal(un.backward(x), flat)


def test_flatten_backward_restores_the_image_shape():
    layer = Flatten()
    layer.forward(np.zeros((2, 3, 4, 5)))
    assert layer.backward(np.ones((2, 60))).shape == (2, 3, 4, 5)


def test_relu_works_on_the_channels_last_view_a_conv_returns():
    conv, relu = _conv(2, 3, 3, 1, 1), ReLU(dtype=np.float64)
    x = RNG.normal(size=(2, 2, 5, 4))
    y = conv.forward(x)
    np.testing.assert_array_equal(relu.forward(y), np.maximum(np.ascontiguousarray(y), 0))
    g = RNG.normal(size=y.shape)
    np.testing.assert_array_equal(relu.backward(g), g * (y > 0))


def test_a_small_cnn_matches_pytorch_in_forward_and_all_gradients():
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
    F = torch.nn.functional
    c1, c2 = _conv(1, 4, 3, 1, 1), _conv(4, 5, 3, 2, 0)
    layers = [Unflatten((1, 9, 9)), c1, ReLU(np.float64), MaxPool2D(2, np.float64), c2, Flatten()]
    x = RNG.normal(size=(3, 81))
    g = RNG.normal(size=(3, 5))
    out = x
    for layer in layers:
        out = layer.forward(out)
    grad = g
    for layer in reversed(layers):
        grad = layer.backward(grad)

    t = {name: torch.tensor(v, requires_grad=True) for name, v in
         [("x", x), ("W1", c1.W), ("b1", c1.b), ("W2", c2.W), ("b2", c2.b)]}
    h = F.max_pool2d(F.relu(F.conv2d(t["x"].reshape(3, 1, 9, 9), t["W1"], t["b1"], padding=1)), 2)
    out_t = F.conv2d(h, t["W2"], t["b2"], stride=2).flatten(1)
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, name in [(grad, "x"), (c1.dW, "W1"), (c1.db, "b1"), (c2.dW, "W2"), (c2.db, "b2")]:
        np.testing.assert_allclose(mine, t[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_float32_is_the_default_and_buffers_are_reused():
    conv = Conv2D(1, 2, 3)
    x = RNG.random((4, 1, 6, 6), dtype=np.float32)
    y1 = conv.forward(x)
    assert y1.dtype == np.float32 and conv.W.dtype == np.float32
    y2 = conv.forward(x * 2)
    assert np.shares_memory(y1, y2)


@pytest.mark.parametrize("layer", [lambda: Conv2D(1, 2, 3), lambda: MaxPool2D(2), Flatten, ReLU],
                         ids=["conv", "pool", "flatten", "relu"])
def test_backward_before_any_forward_says_so(layer):
    """backward needs what forward remembered: without a forward it says why, not 'None has no .T'."""
    with pytest.raises(RuntimeError, match="backward needs a forward pass first"):
        layer().backward(np.zeros((1, 2, 2, 2), dtype=np.float32))
def _first_argmax_pool_gradient(x, size, g):
    """Reference dL/dx of max pooling: each window's dL/dy to its first maximum in row-major order."""
    n, c, h, w = x.shape
    oh, ow = h // size, w // size
    windows = x[:, :, :oh * size, :ow * size].reshape(n, c, oh, size, ow, size).transpose(0, 1, 2, 4, 3, 5)
    first = windows.reshape(n, c, oh, ow, size * size).argmax(axis=-1)  # argmax takes the first maximum
    grad = np.zeros_like(x)
    for index in range(size * size):
        p, q = divmod(index, size)
        grad[:, :, p:oh * size:size, q:ow * size:size] = g * (first == index)
    return grad


@pytest.mark.parametrize("size, h, w", [(2, 6, 8), (2, 7, 5), (3, 7, 9)])
def test_maxpool_gives_each_window_gradient_to_its_first_maximum_when_values_tie(size, h, w):
    # values 0 and 1 only: most windows tie, some fully (as after a ReLU), in every arrangement
    pool = MaxPool2D(size, dtype=np.float64)
    x = RNG.integers(0, 2, size=(4, 3, h, w)).astype(np.float64)
    g = RNG.normal(size=(4, 3, h // size, w // size))
    y = pool.forward(x)
    np.testing.assert_array_equal(y, x[:, :, :h // size * size, :w // size * size]
                                  .reshape(4, 3, h // size, size, w // size, size).max(axis=(3, 5)))
    np.testing.assert_array_equal(pool.backward(g), _first_argmax_pool_gradient(x, size, g))


def test_layers_pass_the_batch_innermost_layout_on_without_copies():
    conv1, relu, pool, conv2 = Conv2D(1, 3, 3, padding=1), ReLU(), MaxPool2D(2), Conv2D(3, 4, 3)
    x = RNG.random((5, 1, 8, 8), dtype=np.float32)
    y1 = conv1.forward(x)
    h = pool.forward(relu.forward(y1))
    y2 = conv2.forward(h)
    for out in (y1, relu.forward(y1), h, y2):
        assert batch_last(out).flags.c_contiguous  # (C, H, W, N) memory, seen as (N, C, H, W)
    np.testing.assert_allclose(y2, conv2.infer(np.ascontiguousarray(h)), rtol=1e-6)
    # the gradients flow back in the same layout, and equal those of contiguous inputs
    g = RNG.random(y2.shape, dtype=np.float32)
    grad_h = conv2.backward(g)
    fresh = Conv2D(3, 4, 3, weights=conv2.W)
    fresh.forward(np.ascontiguousarray(h))
    np.testing.assert_allclose(grad_h, fresh.backward(np.ascontiguousarray(g)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(conv2.dW, fresh.dW, rtol=1e-5)


def test_conv_accepts_inputs_of_any_strides_and_dtype():
    layer = _conv(2, 3, 3, 2, 1)
    x = RNG.normal(size=(3, 2, 7, 6))
    strided = np.asfortranarray(x)[:, :, ::-1][:, :, ::-1]  # same values, other strides
    np.testing.assert_allclose(layer.forward(strided), layer.infer(x), rtol=1e-12)
    np.testing.assert_allclose(layer.infer(x.astype(np.float32)), layer.infer(x), rtol=1e-5, atol=1e-6)
