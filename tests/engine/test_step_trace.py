"""The traced step is the real step: same gradients, same update, same new loss; the network is untouched."""

import numpy as np
import pytest

from engine.dataset import as_inputs
from engine.network import Network, NetworkSpec
from engine.optimisers import Adam
from engine.step_trace import apply_step, trace_step, updated_network
from engine.training import TrainConfig

RNG = np.random.default_rng(7)
SPEC = NetworkSpec(input_size=64, hidden=[(12, "relu"), (9, "tanh")], classes=4, seed=2)
IMAGE = RNG.integers(0, 256, size=(8, 8), dtype=np.uint8)
LABEL = 2
CONFIG = TrainConfig(optimiser="momentum", lr=0.05, momentum=0.9, weight_decay=1e-3)


def _real_step(network, optimiser, image=IMAGE, label=LABEL):
    """One real training step on ``network`` in place; returns the loss after it on the same image."""
    x = as_inputs(image[None]).astype(network.dtype)
    network.loss_and_gradients(x, np.array([label]))
    optimiser.step(network.parameters)
    return network.loss(network.logits(image[None]), np.array([label]))[0]


def test_new_loss_equals_the_loss_after_a_real_optimiser_step():
    net = Network(SPEC)
    trace = trace_step(net, IMAGE, LABEL, CONFIG)
    real = net.copy()
    assert trace.new_loss == pytest.approx(_real_step(real, CONFIG.make_optimiser()), rel=1e-6)
    for p, value in zip(real.parameters, trace.new_parameters):
        np.testing.assert_allclose(value, p.value, rtol=1e-6, atol=1e-7)
    assert trace.loss_change == pytest.approx(trace.new_loss - trace.loss)
    assert trace.loss_change < 0  # a small step towards the label helps on that image


def test_a_stateful_optimiser_is_copied_with_its_state():
    net = Network(SPEC)
    adam = Adam(lr=0.01)
    for _ in range(3):  # give it moments and a step count
        _real_step(net, adam, RNG.integers(0, 256, size=(8, 8), dtype=np.uint8), 1)
    state_before = {k: {n: a.copy() for n, a in v.items()} for k, v in adam._state.items()}
    trace = trace_step(net, IMAGE, LABEL, adam)
    assert adam.t == 3 and state_before.keys() == adam._state.keys()
    for key, slots in state_before.items():
        for name, array in slots.items():
            np.testing.assert_array_equal(adam._state[key][name], array)
    real = net.copy()
    real_adam = Adam(lr=0.01)
    real_adam.t = adam.t
    real_adam._state = {id(mine): {n: a.copy() for n, a in adam._state[id(theirs)].items()}
                        for mine, theirs in zip(real.parameters, net.parameters)}
    assert trace.new_loss == pytest.approx(_real_step(real, real_adam), rel=1e-6)


def test_traced_gradients_equal_the_networks_own_backward():
    net = Network(SPEC, dtype=np.float64)
    trace = trace_step(net, IMAGE, LABEL, CONFIG)
    own = net.copy()
    x = as_inputs(IMAGE[None]).astype(np.float64)  # the app's scaling: float32 pixels / 255
    own.loss_and_gradients(x, np.array([LABEL]))
    for p, grad in zip(own.parameters, trace.gradients):
        np.testing.assert_allclose(grad, p.grad, rtol=1e-12, atol=1e-15)
    # every weight gradient is the outer product of the layer's input and its delta
    inputs = [x[0]] + [layer.a for layer in trace.layers[:-1]]
    for layer, a_prev, grad_w in zip(trace.layers, inputs, trace.gradients[::2]):
        np.testing.assert_allclose(np.outer(a_prev, layer.delta), grad_w, rtol=1e-12, atol=1e-15)
        assert layer.gradient_norm == pytest.approx(np.linalg.norm(grad_w))


def test_forward_stages_and_output_delta():
    net = Network(SPEC, dtype=np.float64)
    trace = trace_step(net, IMAGE, LABEL, CONFIG)
    assert [layer.name for layer in trace.layers] == ["hidden 1 (relu)", "hidden 2 (tanh)", "output"]
    assert [layer.z.shape for layer in trace.layers] == [(12,), (9,), (4,)]
    np.testing.assert_allclose(trace.layers[0].a, np.maximum(trace.layers[0].z, 0))
    np.testing.assert_allclose(trace.layers[1].a, np.tanh(trace.layers[1].z))
    np.testing.assert_allclose(trace.probabilities, net.predict_proba(IMAGE[None])[0])
    onehot = np.eye(4)[LABEL]
    np.testing.assert_allclose(trace.output_delta, trace.probabilities - onehot)
    assert trace.loss == pytest.approx(-np.log(trace.probabilities[LABEL]))
    assert trace.loss_formula().startswith(f"L = -log p_{LABEL} = -log ")
    assert trace.image.shape == (8, 8) and trace.image.max() <= 1


def test_unit_gradients_are_first_layer_columns_as_images():
    net = Network(SPEC)
    trace = trace_step(net, IMAGE, LABEL, CONFIG, units=[3, 0])
    assert trace.units == (3, 0) and trace.unit_gradients.shape == (2, 8, 8)
    np.testing.assert_array_equal(trace.unit_gradients[0], trace.gradients[0][:, 3].reshape(8, 8))
    chosen = trace_step(net, IMAGE, LABEL, CONFIG).units
    norms = np.linalg.norm(trace.gradients[0], axis=0)
    assert norms[chosen[0]] == norms.max()


def test_the_given_network_is_untouched_and_apply_step_makes_it_real():
    net = Network(SPEC)
    values = [p.value.copy() for p in net.parameters]
    grads = [p.grad.copy() for p in net.parameters]
    trace = trace_step(net, IMAGE, LABEL, CONFIG, lr=0.2)
    for p, value, grad in zip(net.parameters, values, grads):
        np.testing.assert_array_equal(p.value, value)
        np.testing.assert_array_equal(p.grad, grad)
    assert trace.lr == 0.2
    updated = updated_network(trace)
    apply_step(net, trace)
    loss_now = net.loss(net.logits(IMAGE[None]), np.array([LABEL]))[0]
    assert loss_now == pytest.approx(trace.new_loss, rel=1e-6)
    for mine, theirs in zip(updated.parameters, net.parameters):
        np.testing.assert_array_equal(mine.value, theirs.value)


def test_bad_arguments_raise():
    net = Network(SPEC)
    with pytest.raises(ValueError, match="label must be 0 to 3"):
        trace_step(net, IMAGE, 4, CONFIG)
    with pytest.raises(ValueError, match="units"):
        trace_step(net, IMAGE, 0, CONFIG, units=[12])
    with pytest.raises(ValueError, match="64 pixels"):
        trace_step(net, np.zeros((28, 28), np.uint8), 0, CONFIG)
    with pytest.raises(ValueError, match="learning rate must be > 0"):
        trace_step(net, IMAGE, 0, CONFIG, lr=0)
    with pytest.raises(ValueError, match="Optimiser or a TrainConfig"):
        trace_step(net, IMAGE, 0, "sgd")
    trace = trace_step(net, IMAGE, 0, CONFIG)
    with pytest.raises(ValueError, match="traced on"):
        apply_step(Network(NetworkSpec(input_size=64, classes=4)), trace)
