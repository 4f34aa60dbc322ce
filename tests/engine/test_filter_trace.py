"""The first filter slid over a digit (``engine.filter_trace``): its numbers are the network's."""

import numpy as np
import pytest

from engine.filter_trace import trace_filter
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
