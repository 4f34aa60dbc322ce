"""The first filter slid over a digit (``engine.filter_trace``): its numbers are the network's."""

import numpy as np
import pytest

from engine.filter_trace import filter_bank, trace_filter, trace_filters
from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer

RNG = np.random.default_rng(5)
IMAGE = RNG.integers(0, 256, size=(10, 10), dtype=np.uint8)


@pytest.mark.parametrize("padding, stride", [(0, 1), (1, 1), (2, 2)])
def test_the_traced_filter_computes_what_the_network_computes(padding, stride):
    spec = NetworkSpec(input_size=100, hidden=(HiddenLayer(6, "relu"),), seed=2, input_scaling="standardised",
                       features=(ConvLayer(3, 3, padding=padding, stride=stride), PoolLayer(2)))
    net = Network(spec, np.float64)
    trace = trace_filter(net, IMAGE, label=4, index=2)
    maps = net.feature_maps(IMAGE[None])[0][1][0, 2]  # conv 1's maps after ReLU, filter 2
    np.testing.assert_allclose(trace.a, maps, rtol=1e-10)
    i, j = 1, 2  # one position: the window's products, summed, plus the bias, are z there
    assert trace.products(i, j).sum() + trace.bias == pytest.approx(trace.z[i, j])
    np.testing.assert_array_equal(trace.window(i, j), trace.image[stride * i:stride * i + 3, stride * j:stride * j + 3])
    twin = net.copy()
    twin.loss_and_gradients(twin.inputs(IMAGE[None]), np.array([4]))
    conv = twin.conv_layers[0]
    np.testing.assert_allclose(trace.weight_gradient, conv.dW[2, 0], rtol=1e-8, atol=1e-12)
    assert trace.bias_gradient == pytest.approx(conv.db[2])
    total = sum(trace.contribution(i, j) for i in range(trace.delta.shape[0]) for j in range(trace.delta.shape[1]))
    np.testing.assert_allclose(total, trace.weight_gradient, rtol=1e-8, atol=1e-12)
    assert trace.name == "conv 1 (3 filters 3x3)" and trace.image.shape == (10 + 2 * padding,) * 2


def test_a_network_without_convolution_has_no_filter_to_trace():
    with pytest.raises(ValueError, match="no convolution"):
        trace_filter(Network(NetworkSpec(input_size=100)), IMAGE, 1)
    net = Network(NetworkSpec(input_size=100, features=(ConvLayer(2, 3),)))
    with pytest.raises(ValueError, match="filter must be 0 to 1, got 2"):
        trace_filter(net, IMAGE, 1, index=2)


def _lenet_like(padding=2, stride=1):
    spec = NetworkSpec(input_size=100, hidden=(HiddenLayer(5, "tanh"),), seed=3, input_scaling="standardised",
                       features=(ConvLayer(4, 3, padding=padding, stride=stride), PoolLayer(2), ConvLayer(2, 3)))
    return Network(spec, np.float64)


def test_every_filter_at_once_is_each_filter_on_its_own():
    net = _lenet_like()
    traces = trace_filters(net, IMAGE, label=7)
    assert [t.index for t in traces] == [0, 1, 2, 3]
    one = trace_filter(net, IMAGE, label=7, index=3)
    np.testing.assert_array_equal(traces[3].a, one.a)
    np.testing.assert_array_equal(traces[3].weight_gradient, one.weight_gradient)
    assert traces[3].loss == one.loss and traces[3].bias == pytest.approx(float(net.conv_layers[0].b[3]))


@pytest.mark.parametrize("padding, stride", [(2, 1), (2, 2)])
def test_the_weighted_windows_sum_to_what_backprop_computed(padding, stride):
    """dL/dw = sum over positions of delta[i, j] x window(i, j): the sum the view shows filling in
    against the network's own im2col backward pass (and an independent backward of a copy)."""
    net = _lenet_like(padding, stride)
    trace = trace_filter(net, IMAGE, label=2, index=1)
    twin = net.copy()
    twin.loss_and_gradients(twin.inputs(IMAGE[None]), np.array([2]))
    np.testing.assert_allclose(trace.backprop_gradient, twin.conv_layers[0].dW[1, 0], rtol=1e-10, atol=1e-14)
    assert trace.backprop_bias_gradient == pytest.approx(twin.conv_layers[0].db[1], rel=1e-10)
    np.testing.assert_allclose(trace.gradient_so_far(trace.n_positions), trace.backprop_gradient,
                               rtol=1e-9, atol=1e-14)
    assert trace.bias_gradient == pytest.approx(trace.backprop_bias_gradient, rel=1e-9)
    assert trace.gradient_mismatch < 1e-12
    u, v = trace.largest_gradient
    assert abs(trace.backprop_gradient[u, v]) == np.max(np.abs(trace.backprop_gradient))
    # after n positions: exactly the first n weighted windows, in reading order
    n = 5
    by_hand = sum(trace.contribution(*trace.position(m)) for m in range(n))
    np.testing.assert_allclose(trace.gradient_so_far(n), by_hand, rtol=1e-12)
    np.testing.assert_array_equal(trace.gradient_so_far(0), np.zeros((3, 3)))


def test_positions_run_in_reading_order_and_the_map_fills_in():
    trace = trace_filter(_lenet_like(padding=0), IMAGE, label=0, index=0)
    assert trace.z.shape == (8, 8) and trace.n_positions == 64
    assert trace.position(0) == (0, 0) and trace.position(9) == (1, 1) and trace.position(63) == (7, 7)
    with pytest.raises(ValueError, match="position must be 0 to 63, got 64"):
        trace.position(64)
    i, j = trace.position(10)
    assert trace.weighted_sum(i, j) + trace.bias == pytest.approx(trace.z[i, j])
    assert trace.activation == "relu" and trace.a[i, j] == pytest.approx(max(trace.z[i, j], 0.0))
    half = trace.map_so_far(10)
    assert np.isnan(half).sum() == 54 and half[1, 1] == trace.a[1, 1] and np.isnan(half[1, 2])
    np.testing.assert_array_equal(trace.map_so_far(64), trace.a)


@pytest.mark.parametrize("padding, stride", [(0, 1), (1, 2)])
def test_a_second_convolutions_filter_spans_every_input_channel_and_matches_backprop(padding, stride):
    """conv 2 reads pool 1's maps: z is the bias plus one weighted sum per input channel, and each
    channel's slice of dL/dw is that channel's windows weighted by delta, as backprop computed it."""
    spec = NetworkSpec(input_size=100, hidden=(HiddenLayer(5, "tanh"),), seed=3, input_scaling="standardised",
                       features=(ConvLayer(4, 3, padding=2), PoolLayer(2),
                                 ConvLayer(3, 3, padding=padding, stride=stride, activation="tanh")))
    net = Network(spec, np.float64)
    traces = trace_filters(net, IMAGE, label=6, layer=1)
    assert [t.index for t in traces] == [0, 1, 2]
    trace = traces[2]
    assert trace.name == "conv 2 (3 filters 3x3)" and trace.input_name == "pool 1 (2x2)" and trace.layer == 1
    pooled = net.feature_maps(IMAGE[None])[1][1][0]  # (4, 6, 6): what conv 2 reads
    assert trace.n_channels == 4 and trace.inputs.shape == (4, 6 + 2 * padding, 6 + 2 * padding)
    np.testing.assert_allclose(trace.inputs[:, padding:padding + 6, padding:padding + 6], pooled, rtol=1e-12)
    np.testing.assert_allclose(trace.a, net.feature_maps(IMAGE[None])[2][1][0, 2], rtol=1e-10)
    i, j = 1, 1
    sums = trace.channel_sums(i, j)
    assert sums.shape == (4,) and sums.sum() + trace.bias == pytest.approx(trace.z[i, j])
    assert trace.activation == "tanh" and trace.a[i, j] == pytest.approx(np.tanh(trace.z[i, j]))
    for c in range(4):
        seen = trace.on_channel(c)
        assert seen.weighted_sum(i, j) == pytest.approx(sums[c])
        np.testing.assert_array_equal(seen.weights, net.conv_layers[1].W[2, c])
        np.testing.assert_array_equal(seen.window(i, j), trace.inputs[c, stride * i:stride * i + 3,
                                                                        stride * j:stride * j + 3])
    twin = net.copy()
    twin.loss_and_gradients(twin.inputs(IMAGE[None]), np.array([6]))
    np.testing.assert_allclose(trace.backprop_filter_gradient, twin.conv_layers[1].dW[2], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(trace.filter_gradient, twin.conv_layers[1].dW[2], rtol=1e-8, atol=1e-13)
    assert trace.bias_gradient == pytest.approx(twin.conv_layers[1].db[2], rel=1e-9)
    assert trace.gradient_mismatch < 1e-12
    seen = trace.on_channel(3)
    np.testing.assert_allclose(seen.gradient_so_far(seen.n_positions), twin.conv_layers[1].dW[2, 3],
                               rtol=1e-8, atol=1e-13)
    with pytest.raises(ValueError, match="input channel must be 0 to 3, got 4"):
        trace.on_channel(4)
    with pytest.raises(ValueError, match="convolution must be 0 to 1, got 2"):
        trace_filters(net, IMAGE, label=6, layer=2)


def test_a_filter_bank_gives_each_filters_kernel_per_input_map_and_their_shares():
    net = _lenet_like()
    bank = filter_bank(net, 1)
    assert bank.name == "conv 2 (2 filters 3x3)" and bank.input_name == "pool 1 (2x2)"
    np.testing.assert_array_equal(bank.weights, net.conv_layers[1].W)
    assert bank.weights.shape == (2, 4, 3, 3) and bank.shares.shape == (2, 4)
    np.testing.assert_allclose(bank.shares.sum(axis=1), 1.0)
    norm = np.sqrt((net.conv_layers[1].W[1, 2] ** 2).sum())
    total = sum(np.sqrt((net.conv_layers[1].W[1, c] ** 2).sum()) for c in range(4))
    assert bank.shares[1, 2] == pytest.approx(norm / total)
    # a filter that only looks at map 3 has all its share there
    net.conv_layers[1].W[0] = 0
    net.conv_layers[1].W[0, 3] = 1.0
    bank = filter_bank(net, 1)
    np.testing.assert_allclose(bank.shares[0], [0, 0, 0, 1])
    assert bank.strongest_inputs[0] == 3
    first = filter_bank(net, 0)
    assert first.input_name == "input" and first.weights.shape == (4, 1, 3, 3)
    np.testing.assert_array_equal(first.shares, np.ones((4, 1)))
