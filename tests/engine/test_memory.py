"""Memory estimates of networks and training, and the refusal of what cannot fit."""

import pytest

from engine.memory import (
    MemoryEstimate,
    available_memory,
    check_fits,
    estimate_network,
    estimate_training,
    format_bytes,
)
from engine.network import NetworkSpec
from engine.training import TrainConfig

SPEC = NetworkSpec(input_size=784, hidden=[(100, "relu")])  # 78,500 + 1,010 parameters


def test_training_estimate_counts_weights_gradients_optimiser_and_activations():
    params = SPEC.n_params
    adam = estimate_training(SPEC, TrainConfig(optimiser="adam", batch_size=128), 60_000)
    assert adam.parameters == (2 + 3) * params * 4
    assert adam.activations == 3 * 128 * (784 + 100 + 10) * 4
    assert adam.data == 60_000 * 784 + 2 * 10_000 * 784 * 4
    sgd = estimate_training(SPEC, TrainConfig(optimiser="sgd", weight_decay=1e-4), 60_000)
    assert sgd.parameters == (2 + 1 + 1) * params * 4
    full = estimate_training(SPEC, TrainConfig(batch_size=None), 60_000)
    assert full.activations == 3 * 60_000 * 894 * 4
    assert full.data == 60_000 * 784 * 5 + 2 * 10_000 * 784 * 4
    assert full.total == full.parameters + full.activations + full.data


def test_eight_layers_of_4096_with_full_batch_is_tens_of_gigabytes():
    big = NetworkSpec(hidden=[(4096, "relu")] * 8)
    estimate = estimate_training(big, TrainConfig(batch_size=None), 60_000)
    assert 20e9 < estimate.total < 40e9
    assert "GB" in estimate.describe() and "activations per batch" in estimate.describe()


def test_check_fits_refuses_with_the_estimate_in_the_message():
    estimate = MemoryEstimate(parameters=3_000_000_000)
    check_fits(estimate, "x", available=4_000_000_000)
    with pytest.raises(ValueError, match=r"training x needs about 3.00 GB \(3.00 GB weights and "
                                         r"optimiser state\) of memory, but this machine has "
                                         r"1.00 GB available"):
        check_fits(estimate, "training x", available=1_000_000_000)


def test_network_estimate_and_the_machine():
    assert estimate_network(SPEC).total == 3 * SPEC.n_params * 4
    available = available_memory()
    assert available is None or available > 10e6
    assert format_bytes(12_345_678) == "12.3 MB" and format_bytes(2_500_000_000) == "2.50 GB"


def _training_buffer_bytes(spec, batch: int) -> int:
    """Bytes of the arrays a network's layers keep after one training step (each array once)."""
    import numpy as np

    from engine.network import Network

    network = Network(spec)
    x = np.random.default_rng(0).random((batch, spec.input_size), dtype=np.float32)
    network.loss_and_gradients(x, np.arange(batch) % spec.classes)
    arrays = {id(a): a.nbytes for layer in network.layers for a in layer._buffers.values()}
    return sum(arrays.values())


@pytest.mark.parametrize("name", ["lenet", "cnn", "padded-strided", "pool-3-dropout"])
def test_the_estimate_covers_the_buffers_a_cnn_step_really_keeps_and_not_many_more(name):
    from engine.network import ConvLayer, HiddenLayer, PoolLayer
    from engine.presets import preset

    specs = {"lenet": preset("lenet").network, "cnn": preset("cnn").network,
             "padded-strided": NetworkSpec(input_size=144, hidden=[HiddenLayer(7, "tanh")], features=(
                 ConvLayer(3, 3, padding=1), PoolLayer(2), ConvLayer(4, 3, stride=2, activation="tanh"))),
             "pool-3-dropout": NetworkSpec(input_size=784, hidden=[HiddenLayer(10, "relu")], features=(
                 ConvLayer(16, 7, padding=3, dropout=0.2), PoolLayer(3), ConvLayer(8, 5, padding=2, stride=2)))}
    spec, batch = specs[name], 32
    kept = _training_buffer_bytes(spec, batch)
    estimated = estimate_training(spec, TrainConfig(batch_size=batch), 1000).activations
    assert kept <= estimated <= 1.5 * kept  # im2col matrices, padded inputs and pooling scratch included
