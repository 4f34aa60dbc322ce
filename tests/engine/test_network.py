"""Whole-network backprop, spec round trips, prediction, save/load, and determinism by seed."""

import json
from dataclasses import replace

import numpy as np
import pytest

from engine.network import HiddenLayer, Network, NetworkSpec

from gradcheck import assert_close, numerical_gradient

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_whole_network_gradients_match_finite_differences(loss):
    spec = NetworkSpec(input_size=6, hidden=[(5, "sigmoid"), (4, "tanh"), (4, "leaky_relu")],
                       classes=3, loss=loss, init="xavier", seed=1)
    net = Network(spec, dtype=np.float64)
    x = RNG.normal(size=(7, 6))
    labels = np.array([0, 1, 2, 2, 1, 0, 1])

    def objective():
        return net.loss(net.logits(x), labels)[0]

    net.loss_and_gradients(x, labels)
    analytic = [p.grad.copy() for p in net.parameters]
    for p, grad in zip(net.parameters, analytic):
        assert_close(grad, numerical_gradient(objective, p.value), rtol=1e-4, atol=1e-8)


def test_softmax_regression_has_no_hidden_layer():
    net = Network(NetworkSpec(input_size=4, hidden=[], classes=3), dtype=np.float64)
    assert [type(layer).__name__ for layer in net.layers] == ["Dense"]
    x = RNG.normal(size=(5, 4))
    labels = np.array([0, 1, 2, 0, 1])
    net.loss_and_gradients(x, labels)
    w = net.parameters[0]
    assert_close(w.grad, numerical_gradient(lambda: net.loss(net.logits(x), labels)[0], w.value))


def test_parameter_count():
    spec = NetworkSpec(hidden=[(128, "relu")])
    assert spec.n_params == Network(spec).n_params == 784 * 128 + 128 + 128 * 10 + 10


def test_spec_round_trips_through_json():
    spec = NetworkSpec(input_size=64, hidden=[HiddenLayer(32, "tanh"), HiddenLayer(16, "relu")],
                       classes=10, loss="mse", init="uniform", init_scale=0.2, seed=9)
    text = spec.to_json()
    assert json.loads(text)["hidden"] == [{"units": 32, "activation": "tanh"},
                                          {"units": 16, "activation": "relu"}]
    assert NetworkSpec.from_json(text) == spec


def test_dropout_round_trips_and_old_specs_without_it_still_load():
    spec = NetworkSpec(hidden=[HiddenLayer(32, "relu", dropout=0.5), HiddenLayer(16, "relu")])
    text = spec.to_json()
    assert json.loads(text)["hidden"] == [{"units": 32, "activation": "relu", "dropout": 0.5},
                                          {"units": 16, "activation": "relu"}]
    assert NetworkSpec.from_json(text) == spec
    old = '{"hidden": [{"units": 32, "activation": "relu"}]}'
    assert NetworkSpec.from_json(old).hidden[0].dropout == 0.0
    assert spec.describe() == "784-32(relu, dropout 0.5)-16(relu)-10"


def test_dropout_sits_after_the_activation_and_only_in_training():
    spec = NetworkSpec(input_size=6, hidden=[HiddenLayer(50, "relu", dropout=0.5)], classes=3, seed=2)
    net = Network(spec, dtype=np.float64)
    assert [type(layer).__name__ for layer in net.layers] == ["Dense", "ReLU", "Dropout", "Dense"]
    plain = Network(replace(spec, hidden=[HiddenLayer(50, "relu")]), dtype=np.float64)
    for a, b in zip(net.parameters, plain.parameters):  # dropout does not change the initial weights
        np.testing.assert_array_equal(a.value, b.value)
    x = RNG.normal(size=(4, 6))
    np.testing.assert_array_equal(net.logits(x), plain.logits(x))  # inference: no dropout
    assert not np.allclose(net.forward(x), plain.forward(x))  # training: units dropped


def test_whole_network_gradients_with_dropout_and_a_fixed_mask():
    spec = NetworkSpec(input_size=6, hidden=[HiddenLayer(8, "tanh", dropout=0.3)], classes=3, seed=1)
    net = Network(spec, dtype=np.float64)
    drop = net.layers[2]
    x, labels = RNG.normal(size=(5, 6)), np.array([0, 1, 2, 2, 1])

    def objective():
        drop.rng = np.random.default_rng(11)
        return net.loss(net.forward(x), labels)[0]

    drop.rng = np.random.default_rng(11)
    net.loss_and_gradients(x, labels)
    analytic = [p.grad.copy() for p in net.parameters]
    for p, grad in zip(net.parameters, analytic):
        assert_close(grad, numerical_gradient(objective, p.value), rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("changes, match", [
    ({"hidden": [(10, "relu", 1.0)]}, "dropout must be in"),
    ({"hidden": [(10, "relu", -0.2)]}, "dropout must be in"),
    ({"hidden": [(0, "relu")]}, "units must be 1 to 4096"),
    ({"hidden": [(5000, "relu")]}, "units must be 1 to 4096"),
    ({"hidden": [(10, "swish")]}, "unknown activation"),
    ({"loss": "hinge"}, "unknown loss"),
    ({"init": "ones"}, "unknown initialiser"),
    ({"classes": 1}, "2 classes"),
])
def test_invalid_specs_are_refused(changes, match):
    with pytest.raises(ValueError, match=match):
        NetworkSpec(**changes)


def test_same_seed_same_weights_other_seed_other_weights():
    a, b = Network(NetworkSpec(seed=5)), Network(NetworkSpec(seed=5))
    c = Network(NetworkSpec(seed=6))
    for pa, pb, _pc in zip(a.parameters, b.parameters, c.parameters):
        np.testing.assert_array_equal(pa.value, pb.value)
    assert not np.array_equal(a.parameters[0].value, c.parameters[0].value)


def test_initialisers_give_their_documented_spread():
    w_he = Network(NetworkSpec(hidden=[(512, "relu")], init="he")).parameters[0].value
    assert w_he.std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    w_xavier = Network(NetworkSpec(hidden=[(512, "tanh")], init="xavier")).parameters[0].value
    assert np.abs(w_xavier).max() <= np.sqrt(6 / (784 + 512))
    w_uniform = Network(NetworkSpec(init="uniform", init_scale=0.1)).parameters[0].value
    assert np.abs(w_uniform).max() <= 0.1 and np.abs(w_uniform).max() > 0.099
    w_normal = Network(NetworkSpec(hidden=[(512, "relu")], init="normal", init_scale=0.01)).parameters[0].value
    assert w_normal.std() == pytest.approx(0.01, rel=0.02)


def test_predict_proba_rows_sum_to_one_and_predict_is_argmax():
    net = Network(NetworkSpec(input_size=64, hidden=[(16, "relu")]))
    images = RNG.integers(0, 256, size=(30, 8, 8), dtype=np.uint8)
    proba = net.predict_proba(images)
    assert proba.shape == (30, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(net.predict(images), proba.argmax(axis=1))
    # uint8 images are scaled by 1/255: the same as passing the inputs directly
    np.testing.assert_allclose(net.predict_proba(images.reshape(30, -1) / np.float32(255)), proba, rtol=1e-5)


def test_predict_refuses_images_of_the_wrong_size():
    net = Network(NetworkSpec(input_size=784))
    with pytest.raises(ValueError, match="784 pixels per image, got images of 64"):
        net.predict(np.zeros((2, 8, 8), np.uint8))


def test_save_load_round_trip(tmp_path):
    net = Network(NetworkSpec(input_size=64, hidden=[(16, "tanh")], seed=4))
    net.parameters[1].value[:] = 0.5  # a bias that is not the initial zero
    path = net.save(tmp_path / "model.npz")
    loaded = Network.load(path)
    assert loaded.spec == net.spec
    images = RNG.integers(0, 256, size=(10, 8, 8), dtype=np.uint8)
    np.testing.assert_array_equal(loaded.predict_proba(images), net.predict_proba(images))
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temp file left behind


def test_load_rejects_files_that_are_not_models(tmp_path):
    bad = tmp_path / "notes.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=r"notes.npz: not a model saved by mnist-gui"):
        Network.load(bad)
    other = tmp_path / "other.npz"
    np.savez(other, spec=np.array(NetworkSpec(input_size=64, hidden=[]).to_json()),
             **{"dense0.W": np.zeros((64, 3)), "dense0.b": np.zeros(10)})
    with pytest.raises(ValueError, match=r"dense0.W should have shape \(64, 10\), but is shape \(64, 3\)"):
        Network.load(other)


def test_copy_is_independent():
    net = Network(NetworkSpec(input_size=64, hidden=[(8, "relu")]))
    clone = net.copy()
    clone.parameters[0].value[:] = 0
    assert np.any(net.parameters[0].value != 0)


def test_copy_is_equal_and_does_not_run_the_initialiser(monkeypatch):
    net = Network(NetworkSpec(input_size=64, hidden=[(8, "relu"), (5, "tanh")], seed=3))
    net.parameters[1].value[:] = 0.25
    import engine.network
    monkeypatch.setattr(engine.network, "initialise", lambda *a, **k: pytest.fail("initialised"))
    clone = net.copy()
    assert clone.spec == net.spec and clone.dtype == net.dtype
    for mine, theirs in zip(net.parameters, clone.parameters):
        assert mine.name == theirs.name
        np.testing.assert_array_equal(mine.value, theirs.value)
        assert not np.shares_memory(mine.value, theirs.value)
    clone.parameters[1].value[:] = 0
    assert np.all(net.parameters[1].value == 0.25)


def test_activations_match_a_manual_forward_pass():
    spec = NetworkSpec(input_size=64, hidden=[(8, "relu"), (5, "sigmoid")], seed=2)
    net = Network(spec)
    images = RNG.integers(0, 256, size=(25, 8, 8), dtype=np.uint8)
    found = net.activations(images, chunk=7)
    (w0, b0), (w1, b1), (w2, b2) = [(d.W, d.b) for d in net.dense_layers]
    x = images.reshape(25, -1).astype(np.float32) / 255
    h1 = np.maximum(x @ w0 + b0, 0)
    h2 = 1 / (1 + np.exp(-(h1 @ w1 + b1)))
    logits = h2 @ w2 + b2
    assert [a.shape for a in found] == [(25, 8), (25, 5), (25, 10)]
    for got, expected in zip(found, (h1, h2, logits)):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # chunks of 7 and of all 25 images: BLAS may sum in another order, so the last bits may differ
    np.testing.assert_allclose(found[-1], net.logits(images), rtol=1e-6, atol=1e-6)
    softmax_regression = Network(NetworkSpec(input_size=64, hidden=[]))
    assert [a.shape for a in softmax_regression.activations(images)] == [(25, 10)]


def test_from_weights_needs_one_array_per_layer():
    spec = NetworkSpec(input_size=4, hidden=[(3, "relu")])
    with pytest.raises(ValueError, match="needs 2 weight arrays"):
        Network.from_weights(spec, [np.zeros((4, 3))])
    net = Network.from_weights(spec, [np.ones((4, 3)), np.ones((3, 10))], [np.ones(3), np.ones(10)])
    assert np.all(net.dense_layers[1].b == 1)


@pytest.mark.parametrize("changes, match", [
    ({"seed": -1}, "seed must be 0 to"),
    ({"seed": 1.5}, "seed must be a whole number"),
    ({"input_size": "784"}, "input size must be a whole number"),
    ({"hidden": [(True, "relu")]}, "units must be a whole number"),
    ({"hidden": 5}, "hidden layers must be a list"),
])
def test_wrong_types_are_a_value_error_naming_the_setting(changes, match):
    with pytest.raises(ValueError, match=match):
        replace(NetworkSpec(), **changes)


@pytest.mark.parametrize("scaling, first_input", [("unit", 1.0), ("raw", 255.0),
                                                  ("standardised", (255 - 33.32) / 78.57)])
def test_input_scaling_is_part_of_the_spec_and_used_for_prediction(scaling, first_input):
    spec = NetworkSpec(input_size=4, hidden=[], classes=2, input_scaling=scaling)
    assert NetworkSpec.from_json(spec.to_json()) == spec
    assert ("input_scaling" in spec.to_dict()) == (scaling != "unit")  # old JSON unchanged
    net = Network(spec, dtype=np.float64)
    images = np.array([[255, 0, 0, 0]], dtype=np.uint8)
    layer = net.dense_layers[0]
    layer.W[:] = [[1, 0], [0, 0], [0, 0], [0, 0]]
    np.testing.assert_allclose(net.logits(images), [[first_input, 0]], rtol=1e-5)
    with pytest.raises(ValueError, match="unknown input scaling"):
        NetworkSpec(input_scaling="log")
