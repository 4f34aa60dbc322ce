"""Ablation (engine.ablation): switching nothing off is the network itself, a unit switched off is a
unit whose outgoing weights are zero, importance is the loss it costs, the knock-out curve's ends."""

import numpy as np
import pytest

from engine.ablation import accuracy_by_class, knock_out_curve, layer_outputs, logits_with_mask, unit_importance
from engine.evaluation import confusion_matrix, per_class_accuracy
from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer
from engine.training import TrainConfig, Trainer
from tests.synthetic import make_split

MLP = NetworkSpec(input_size=144, hidden=(HiddenLayer(12, "relu"), HiddenLayer(6, "tanh", dropout=0.2)), seed=3)
CNN = NetworkSpec(input_size=144, hidden=(HiddenLayer(10, "sigmoid"),), seed=4,
                  features=(ConvLayer(2, 3, padding=1), PoolLayer(2)))


def _data(n=120):
    return make_split(n, shape=(12, 12), rng=np.random.default_rng(2))


@pytest.fixture(params=[MLP, CNN], ids=["mlp", "cnn"])
def network(request):
    images, labels = _data(240)
    net = Network(request.param)
    for _ in Trainer(net, TrainConfig(epochs=3, batch_size=16, lr=0.01), images, labels).run():
        pass
    return net


def test_switching_nothing_off_is_the_network_itself(network):
    images, labels = _data()
    for layer in range(len(network.spec.hidden)):
        kept = layer_outputs(network, images, labels, layer)
        np.testing.assert_allclose(logits_with_mask(network, kept, np.ones(kept.outputs.shape[1])),
                                   network.logits(images), rtol=1e-5, atol=1e-6)
        accuracy, per_class = accuracy_by_class(network, kept)
        predicted = network.predict(images)
        assert accuracy == pytest.approx(np.mean(predicted == labels))
        np.testing.assert_allclose(per_class, per_class_accuracy(confusion_matrix(labels, predicted, 10)))


def test_a_unit_switched_off_is_a_unit_whose_outgoing_weights_are_zero(network):
    images, labels = _data()
    kept = layer_outputs(network, images, labels, 0)
    off = [1, 4]
    mask = np.ones(kept.outputs.shape[1])
    mask[off] = 0
    cut = network.copy()
    cut.dense_layers[1].W[off, :] = 0  # the layer after hidden layer 0 reads nothing from them
    np.testing.assert_allclose(logits_with_mask(network, kept, mask), cut.logits(images), rtol=1e-5, atol=1e-6)


def test_importance_is_the_loss_a_unit_costs(network):
    images, labels = _data()
    kept = layer_outputs(network, images, labels, 0)
    rises = unit_importance(network, kept)
    assert rises.shape == (kept.outputs.shape[1],)
    j = int(np.argmax(rises))
    cut = network.copy()
    cut.dense_layers[1].W[j, :] = 0
    base, _ = network.loss(network.logits(images).astype(np.float64), labels)
    loss, _ = network.loss(cut.logits(images).astype(np.float64), labels)
    assert rises[j] == pytest.approx(loss - base, rel=1e-4, abs=1e-6)


def test_the_knock_out_curve_starts_at_the_networks_accuracy_and_ends_at_a_constant_answer(network):
    images, labels = _data()
    kept = layer_outputs(network, images, labels, 0)
    curve = knock_out_curve(network, kept, unit_importance(network, kept), np.random.default_rng(0))
    units = kept.outputs.shape[1]
    assert curve.removed[0] == 0 and curve.removed[-1] == units
    assert curve.by_importance[0] == pytest.approx(np.mean(network.predict(images) == labels))
    assert curve.at_random[0] == pytest.approx(curve.by_importance[0])
    # all off: every image gets the same answer (the bias), so the accuracy is that class's share
    assert curve.by_importance[-1] == pytest.approx(curve.at_random[-1])
    assert curve.by_importance[-1] <= 0.2


def test_a_layer_that_does_not_exist_is_refused(network):
    images, labels = _data()
    with pytest.raises(ValueError, match="hidden layer must be 0 to"):
        layer_outputs(network, images, labels, 5)
