"""Convolutional networks: the spec's conv and pool layers, shapes, whole-network gradients, files."""

import json
from dataclasses import replace

import numpy as np
import pytest

import engine.memory
from engine.experiments import Configuration, run_configuration
from engine.files.session_file import load_session, save_session
from engine.gradient_check import check_gradients
from engine.memory import estimate_training, inference_chunk
from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer
from engine.presets import preset
from engine.step_trace import trace_step
from engine.training import TrainConfig, Trainer

from synthetic import make_dataset

RNG = np.random.default_rng(11)
IMAGES = RNG.integers(0, 256, size=(6, 12, 12), dtype=np.uint8)
LABELS = np.arange(6) % 10
SMALL = NetworkSpec(input_size=144, seed=3, hidden=(HiddenLayer(7, "tanh"),),
                    features=(ConvLayer(3, 3, padding=1), PoolLayer(2), ConvLayer(4, 3, stride=2, activation="tanh")))


def test_lenet_has_the_shapes_and_weights_of_lenet_5():
    spec = preset("lenet").network
    assert spec.feature_shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]
    assert spec.layer_sizes == [400, 120, 84, 10]
    # 6 (25 + 1) + 16 (150 + 1) + 400 120 + 120 + 120 84 + 84 + 84 10 + 10
    assert spec.n_params == 156 + 2416 + 48120 + 10164 + 850 == Network(spec).n_params
    assert [p.value.shape for p in Network(spec).parameters][:4] == [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,)]
    assert spec.describe().startswith("784-[conv 6x5x5(relu, padding 2) - max-pool 2 - conv 16x5x5(relu)")


def test_a_spec_with_convolutions_round_trips_through_json_and_an_mlp_keeps_its_old_form():
    again = NetworkSpec.from_json(SMALL.to_json())
    assert again == SMALL
    assert json.loads(SMALL.to_json())["features"][1] == {"kind": "pool", "size": 2}
    assert "features" not in preset("default").network.to_dict()  # files written before convolutions


@pytest.mark.parametrize("features, why", [
    ((ConvLayer(4, 13),), "layer 1 (conv 4x13x13(relu)): a 13x13 filter does not fit its 12x12 input"),
    ((PoolLayer(4), PoolLayer(4)), "layer 2 (max-pool 4): a 4x4 pooling window does not fit its 3x3 input"),
    ((ConvLayer(0, 3),), "channels must be 1 to 512, got 0"),
    ((ConvLayer(2, 3, activation="swish"),), "unknown activation 'swish'"),
    (({"kind": "dense", "units": 3},), "expected a convolution or a pooling layer"),
    (({"kind": "conv", "channels": 2, "colour": 1},), "expected a convolution or a pooling layer"),
])
def test_an_impossible_convolution_is_refused_saying_why(features, why):
    with pytest.raises(ValueError, match=why.replace("(", r"\(").replace(")", r"\)")):
        NetworkSpec(input_size=144, features=features)


def test_convolutions_need_square_images():
    with pytest.raises(ValueError, match="need square images; 150 pixels are not"):
        NetworkSpec(input_size=150, features=(ConvLayer(2, 3),))


def test_backprop_through_a_whole_cnn_matches_finite_differences():
    check = check_gradients(Network(SMALL), IMAGES, LABELS, per_layer=4)
    assert {e.parameter.split(".")[0] for e in check.entries} == {"conv0", "conv1", "dense0", "dense1"}
    assert check.entries[0].layer == "conv 1 (3 filters 3x3)"
    assert check.max_relative_error < 1e-5


def test_the_step_trace_of_a_cnn_has_the_gradients_training_computes():
    net = Network(SMALL)
    trace = trace_step(net, IMAGES[0], 4, TrainConfig(optimiser="sgd", lr=0.1))
    np.testing.assert_allclose(trace.probabilities, net.predict_proba(IMAGES[:1])[0], rtol=1e-5)
    twin = net.copy()
    twin.loss_and_gradients(twin.inputs(IMAGES[:1]), np.array([4]))
    for traced, p in zip(trace.gradients, twin.parameters):
        np.testing.assert_allclose(traced, p.grad, rtol=1e-4, atol=1e-6)
    assert trace.unit_gradients.shape[1:] == (3, 3)  # the first filters' gradients, as images


def test_a_cnn_round_trips_through_a_model_file_and_a_session(tmp_path):
    data = make_dataset(60, 20, shape=(12, 12), seed=2)
    run = run_configuration(Configuration("cnn", SMALL, TrainConfig(epochs=1, batch_size=16)), data)
    net = run.network
    loaded = Network.load(net.save(tmp_path / "cnn.npz"))
    assert loaded.spec == net.spec
    np.testing.assert_array_equal(loaded.logits(data.test_images), net.logits(data.test_images))
    (opened,) = load_session(save_session(tmp_path / "s.session.npz", [run]))
    assert opened.spec == SMALL
    np.testing.assert_array_equal(opened.network.logits(data.test_images), net.logits(data.test_images))


def test_memory_counts_feature_maps_and_im2col_matrices_and_refuses_a_cnn_that_cannot_fit(monkeypatch):
    wide = replace(SMALL, features=(ConvLayer(512, 9, padding=4),))
    mlp = replace(SMALL, features=())
    config = TrainConfig(batch_size=128)
    per_image_maps = 512 * 12 * 12
    assert estimate_training(wide, config, 1000).activations >= 128 * 4 * (3 * per_image_maps + 2 * 144 * 81)
    assert estimate_training(wide, config, 1000).total > 20 * estimate_training(mlp, config, 1000).total
    assert inference_chunk(wide) < inference_chunk(mlp) == 10_000
    monkeypatch.setattr(engine.memory, "available_memory", lambda: 50_000_000)
    started = []
    monkeypatch.setattr(Trainer, "run", lambda self: started.append(self) or iter(()))
    with pytest.raises(ValueError, match=r"needs about .* of memory, but this machine has 50.0 MB") as refused:
        run_configuration(Configuration("wide", wide, config), make_dataset(60, 20, shape=(12, 12)))
    figure = estimate_training(wide, config, 60).describe()  # the figure, im2col matrices included
    assert figure in str(refused.value) and "activations per batch" in figure
    assert not started  # refused before training began


def test_a_cnn_learns_a_small_problem():
    data = make_dataset(300, 60, shape=(12, 12), seed=5)
    spec = replace(SMALL, hidden=(HiddenLayer(16, "relu"),))
    trainer = Trainer(Network(spec), TrainConfig(epochs=4, batch_size=16, optimiser="adam", lr=3e-3),
                      data.train_images, data.train_labels, data.test_images, data.test_labels)
    end = list(trainer.run())[-1]
    assert end.history[-1].train_loss < 0.7 * end.history[0].train_loss
    assert end.test_accuracy > 0.3  # chance is 10%


@pytest.mark.real_data
@pytest.mark.slow
def test_one_epoch_of_lenet_on_a_subset_of_mnist_learns(mnist):
    chosen = preset("lenet")
    trainer = Trainer(Network(chosen.network), replace(chosen.training, epochs=1),
                      mnist.train_images[:6000], mnist.train_labels[:6000],
                      mnist.test_images[:1000], mnist.test_labels[:1000])
    end = list(trainer.run())[-1]
    assert end.reason == "completed"
    assert end.test_accuracy >= 0.85  # chance is 10%; one epoch of 5,500 digits
