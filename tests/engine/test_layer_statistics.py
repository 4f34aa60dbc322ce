"""Per-layer training dynamics: the vanishing-gradient lesson, update ratios, histograms, dead and saturated units."""

import numpy as np
import pytest

from engine.dataset import as_inputs
from engine.inspection import layer_outputs
from engine.layer_statistics import (
    LayerBins,
    StatisticsHistory,
    choose_bins,
    dead_fraction,
    histogram,
    layer_statistics,
    saturated_fraction,
    weight_snapshot,
)
from engine.network import Network, NetworkSpec
from engine.optimisers import SGD

from synthetic import make_split

IMAGES, LABELS = make_split(128, rng=np.random.default_rng(0))
SAMPLE = IMAGES[:64]


def _after_one_batch(spec):
    net = Network(spec)
    net.loss_and_gradients(as_inputs(IMAGES), LABELS.astype(np.intp))
    return net


def test_deep_sigmoid_gradients_vanish_towards_the_input_but_relu_with_he_do_not():
    sigmoid = _after_one_batch(NetworkSpec(hidden=[(100, "sigmoid")] * 5, init="normal", init_scale=0.1))
    relu = _after_one_batch(NetworkSpec(hidden=[(100, "relu")] * 5, init="he"))
    norms = layer_statistics(sigmoid, SAMPLE).gradient_norms
    assert len(norms) == 6
    assert norms[0] < norms[-1] / 100
    assert np.all(np.diff(norms[1:]) > 0)  # shrinking layer by layer from the output down
    relu_norms = layer_statistics(relu, SAMPLE).gradient_norms
    assert relu_norms[0] / relu_norms[-1] > 100 * norms[0] / norms[-1]
    assert relu_norms.min() > relu_norms.max() / 10


def test_update_ratio_from_weights_before_or_from_the_learning_rate():
    net = _after_one_batch(NetworkSpec(hidden=[(32, "relu")], seed=3))
    before = weight_snapshot(net)
    by_lr = layer_statistics(net, SAMPLE, lr=0.1)
    SGD(0.1).step(net.parameters)
    measured = layer_statistics(net, SAMPLE, by_lr.bins, weights_before=before)
    for layer, w, s_lr, s in zip(net.dense_layers, before, by_lr.layers, measured.layers):
        expected = 0.1 * np.linalg.norm(layer.dW) / np.linalg.norm(w)
        assert s.update_ratio == pytest.approx(expected, rel=1e-4)
        assert s_lr.update_ratio == pytest.approx(expected, rel=1e-4)
    assert np.isnan(layer_statistics(net, SAMPLE).update_ratios).all()


def test_the_network_is_only_read():
    net = _after_one_batch(NetworkSpec(hidden=[(16, "tanh")]))
    saved = [(p.value.copy(), p.grad.copy()) for p in net.parameters]
    layer_statistics(net, SAMPLE)
    for p, (value, grad) in zip(net.parameters, saved):
        np.testing.assert_array_equal(p.value, value)
        np.testing.assert_array_equal(p.grad, grad)


def test_histograms_have_fixed_edges_that_stack_over_time():
    net = _after_one_batch(NetworkSpec(hidden=[(20, "sigmoid"), (10, "relu")]))
    first = layer_statistics(net, SAMPLE)
    for layer, stats, edges in zip(net.dense_layers, first.layers, first.bins.weight_edges):
        assert stats.weight_histogram.sum() == layer.W.size and len(edges) == 41
        assert edges[-1] == -edges[0] and edges[-1] >= 2 * np.abs(layer.W).max()
        np.testing.assert_array_equal(stats.weight_histogram, np.histogram(layer.W, edges)[0])
    assert first.layers[0].activation_histogram.sum() == len(SAMPLE) * 20
    np.testing.assert_array_equal(first.bins.activation_edges[0][[0, -1]], [0, 1])  # sigmoid
    assert first.bins.activation_edges[1][0] == 0  # relu
    net.dense_layers[0].W *= 3
    later = layer_statistics(net, SAMPLE, first.bins)
    assert later.bins is first.bins
    assert later.layers[0].weight_histogram.sum() == net.dense_layers[0].W.size  # clamped, not lost


def test_histogram_counts_values_outside_in_the_end_bins():
    counts = histogram(np.array([-5.0, -1.0, -0.1, 0.1, 0.99, 7.0]), np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(counts, [2, 1, 1, 2])
    np.testing.assert_array_equal(histogram(np.array([np.nan, np.inf, 0.5]), np.linspace(-1, 1, 3)), [0, 2])


def test_dead_relus_and_saturated_units():
    net = Network(NetworkSpec(hidden=[(100, "relu"), (50, "sigmoid")], seed=1))
    alive = np.flatnonzero(layer_outputs(net, as_inputs(SAMPLE))[0][1].max(axis=0) > 0)
    dead_before = layer_statistics(net, SAMPLE).layers[0].dead_fraction
    assert dead_before == pytest.approx(1 - len(alive) / 100)
    net.dense_layers[0].b[alive[:25]] = -1e3  # these 25 units can no longer be active
    stats = layer_statistics(net, SAMPLE)
    assert stats.layers[0].dead_fraction == pytest.approx(dead_before + 0.25)
    assert stats.layers[0].saturated_fraction is None and stats.layers[1].dead_fraction is None
    assert 0 <= stats.layers[1].saturated_fraction < 0.5
    net.dense_layers[1].W *= 1000
    assert layer_statistics(net, SAMPLE).layers[1].saturated_fraction > 0.9
    a = np.array([[0.0, 0.5, 0.999], [0.0, 0.2, 0.001]])
    assert dead_fraction(a) == pytest.approx(1 / 3)
    assert saturated_fraction(a, "sigmoid") == pytest.approx(4 / 6)
    assert saturated_fraction(np.array([[0.96, 0.5, -0.99]]), "tanh") == pytest.approx(2 / 3)


def test_bins_round_up_to_stable_numbers():
    net = Network(NetworkSpec(input_size=64, hidden=[(8, "tanh"), (8, "leaky_relu")], classes=3))
    x = as_inputs(SAMPLE[:, :8, :8])
    bins = choose_bins(net, x, n_bins=10)
    for edges in bins.weight_edges + bins.activation_edges[1:]:
        top = edges[-1] / 10 ** np.floor(np.log10(edges[-1]))
        assert np.isclose(top, [1, 2, 5, 10]).any() and edges[0] == -edges[-1]
    np.testing.assert_array_equal(bins.activation_edges[0][[0, -1]], [-1, 1])  # tanh
    with pytest.raises(ValueError, match="n_bins >= 1"):
        choose_bins(net, x, n_bins=0)
    with pytest.raises(ValueError, match="bins are for 3 layers"):
        layer_statistics(Network(NetworkSpec(input_size=64, hidden=[(8, "relu")], classes=3)), x, bins)


def test_history_holds_one_curve_per_layer_and_halves_when_full():
    net = _after_one_batch(NetworkSpec(hidden=[(20, "relu"), (10, "tanh")]))
    history = StatisticsHistory(max_rows=4)
    assert history.latest is None
    stats = layer_statistics(net, SAMPLE)
    for step in range(1, 6):
        history.add(step, layer_statistics(net, SAMPLE, stats.bins, lr=0.1))
    assert list(history.steps) == [2, 4, 5]
    assert [s.name for s in history.latest.layers] == ["hidden 1 (relu)", "hidden 2 (tanh)", "output"]
    assert history.gradient_norms.shape == history.update_ratios.shape == (3, 3)
    assert np.isnan(history.dead_fractions[:, 1:]).all() and not np.isnan(history.dead_fractions[:, 0]).any()
    assert history.weight_rows(0).shape == (3, 40) and history.activation_rows(2).shape == (3, 40)
    with pytest.raises(ValueError, match="another network"):
        history.add(6, layer_statistics(Network(NetworkSpec()), SAMPLE))
    assert isinstance(stats.bins, LayerBins)


def _diverging_network():
    """Two ReLU layers trained at learning rate 1e6 until their activations overflow float32."""
    from engine.training import BatchEnd, TrainConfig, Trainer

    net = Network(NetworkSpec(hidden=[(16, "relu"), (16, "relu")], seed=0))
    trainer = Trainer(net, TrainConfig(epochs=1, batch_size=16, optimiser="sgd", lr=1e6), IMAGES, LABELS)
    for event in trainer.run():
        if isinstance(event, BatchEnd) and event.step == 2:
            return net
    raise AssertionError("the run ended before its second step")


def test_statistics_of_a_diverging_network_are_inf_or_nan_and_never_raise(recwarn):
    net = _diverging_network()
    stats = layer_statistics(net, SAMPLE)  # choosing the bins took log10 of inf here
    assert not stats.finite and sum(s.non_finite_activations for s in stats.layers) > 0
    assert any(not np.isfinite(s.gradient_norm) or s.non_finite_activations for s in stats.layers)
    for w_edges, a_edges in zip(stats.bins.weight_edges, stats.bins.activation_edges):
        assert np.isfinite(w_edges).all() and np.isfinite(a_edges).all()
        assert a_edges[-1] <= 1e37  # a round number float32 still holds
    with np.errstate(over="ignore", invalid="ignore"):
        outputs = layer_outputs(net, as_inputs(SAMPLE))
    for s, (_, a) in zip(stats.layers, outputs):  # inf counted in the end bins, NaN in none
        assert s.activation_histogram.sum() == a.size - np.isnan(a).sum()
        assert s.non_finite_activations == a.size - np.isfinite(a).sum()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]  # overflow is shown, not warned


def test_non_finite_weights_are_counted_and_histogrammed_at_the_ends():
    net = _after_one_batch(NetworkSpec(hidden=[(8, "relu")], seed=1))
    bins = layer_statistics(net, SAMPLE).bins
    w = net.dense_layers[1].W
    w[0, :3] = [np.inf, -np.inf, np.nan]
    net.dense_layers[0].dW[0, 0] = np.inf
    stats = layer_statistics(net, SAMPLE, bins, lr=0.1)
    hidden, output = stats.layers
    assert output.non_finite_weights == 3 and hidden.non_finite_weights == 0
    assert output.weight_histogram.sum() == w.size - 1  # +-inf in the end bins, NaN in none
    assert output.weight_histogram[0] >= 1 and output.weight_histogram[-1] >= 1
    assert np.isnan(output.weight_norm) and hidden.gradient_norm == np.inf and hidden.update_ratio == np.inf
    assert not hidden.finite and not output.finite and not stats.finite
    fresh = layer_statistics(net, SAMPLE)  # bins chosen again from the finite weights only
    assert np.isfinite(fresh.bins.weight_edges[1]).all()
    assert fresh.bins.weight_edges[1][-1] >= 2 * np.abs(w[np.isfinite(w)]).max()
    assert layer_statistics(_after_one_batch(NetworkSpec(hidden=[(8, "relu")])), SAMPLE).finite
