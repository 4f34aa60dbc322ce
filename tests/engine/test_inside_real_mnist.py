"""The Inside computations on real MNIST after a short training run of the default network."""

import numpy as np
import pytest

from engine.gradient_check import check_gradients
from engine.layer_statistics import StatisticsHistory, layer_statistics, weight_snapshot
from engine.network import Network
from engine.presets import preset
from engine.projection import balanced_sample, hidden_map, locate, pixel_map
from engine.saliency import nudge
from engine.step_trace import trace_step
from engine.training import BatchEnd, TrainConfig, Trainer


def _separation(embedding):
    """Mean distance between class centres over mean distance of points to their own centre."""
    c, labels = embedding.coordinates, embedding.labels
    centres = np.array([c[labels == k].mean(axis=0) for k in range(10)])
    within = np.mean([np.linalg.norm(c[labels == k] - centres[k], axis=1).mean() for k in range(10)])
    between = np.mean([np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:]])
    return between / within


@pytest.mark.slow
@pytest.mark.real_data
def test_a_short_run_seen_from_inside(mnist):
    chosen = preset("default")
    net = Network(chosen.network)
    config = TrainConfig(epochs=1, batch_size=128, optimiser="momentum", lr=0.1, momentum=0.9,
                         validation_fraction=0)
    sample_idx = balanced_sample(mnist.test_labels, 2000, np.random.default_rng(0))
    sample, labels = mnist.test_images[sample_idx], mnist.test_labels[sample_idx]
    untrained = hidden_map(net, sample, labels)
    history, stats_sample, bins, before = StatisticsHistory(), mnist.test_images[:256], None, weight_snapshot(net)
    for event in Trainer(net, config, mnist.train_images[:12_000], mnist.train_labels[:12_000]).run():
        if isinstance(event, BatchEnd) and event.step % 10 == 0:
            stats = layer_statistics(net, stats_sample, bins, weights_before=before)
            bins, before = stats.bins, weight_snapshot(net)
            history.add(event.step, stats)
    assert history.gradient_norms.shape == (len(history), 3) and len(history) >= 9
    assert np.all(np.isfinite(history.update_ratios)) and history.update_ratios[-1].max() < 0.05
    trained = hidden_map(net, sample, labels, previous=untrained)
    assert trained.coordinates.shape == (2000, 2)
    assert _separation(trained) > _separation(pixel_map(sample, labels)) > _separation(untrained)
    np.testing.assert_allclose(locate(trained, sample[:1], net), trained.coordinates[:1], atol=1e-4)

    assert check_gradients(net, mnist.test_images[:4], mnist.test_labels[:4]).max_relative_error < 1e-5
    trace = trace_step(net, mnist.test_images[0], 3, chosen.training)
    assert trace.loss_change < 0 and trace.unit_gradients.shape == (4, 28, 28)
    flips = [nudge(net, image, (int(label) + 1) % 10)
             for image, label in zip(mnist.test_images[:10], mnist.test_labels[:10])]
    assert sum(f.succeeded for f in flips) >= 9
    assert np.median([f.linf for f in flips if f.succeeded]) < 64
