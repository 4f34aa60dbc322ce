"""How long the "Inside the network" computations take: step trace, gradient check, saliency, nudge,
layer statistics, and the hidden and pixel maps of 2,000 test images. Medians of repeated calls.

Targets (the Inside panel's): a step trace in < 100 ms on the ``wide`` preset, saliency for a drawing in < 20 ms
on ``default``, layer statistics on ~256 images in a few ms.

    MNIST_DATA_DIR=../shared/data/mnist PYTHONPATH=. python benchmarks/bench_inside.py
    (without MNIST_DATA_DIR: random images of the same shape; timings are the same)
"""

import os
import time

import numpy as np

from engine.dataset import as_inputs
from engine.files.sources import load_folder
from engine.gradient_check import check_gradients
from engine.inspection import hidden_activations
from engine.layer_statistics import layer_statistics, weight_snapshot
from engine.network import Network
from engine.presets import preset
from engine.projection import balanced_sample, hidden_map, locate, pixel_map, principal_components
from engine.saliency import input_gradient, nudge
from engine.step_trace import trace_step


def timed(fn, repeats):
    """(median, min) in ms of ``repeats`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return np.median(times) * 1000, np.min(times) * 1000


def test_images():
    folder = os.environ.get("MNIST_DATA_DIR")
    if folder:
        data = load_folder(folder)
        return data.test_images, data.test_labels, data.train_images[:128], data.train_labels[:128]
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(10_000, 28, 28), dtype=np.uint8)
    labels = np.arange(10_000) % 10
    return images, labels, images[:128], labels[:128]


def main():
    images, labels, batch, batch_labels = test_images()
    wide, default = preset("wide"), preset("default")
    wide_net, default_net = Network(wide.network), Network(default.network)
    default_net.loss_and_gradients(as_inputs(batch), batch_labels.astype(np.intp))
    sample = images[balanced_sample(labels, 2000, np.random.default_rng(0))]
    stats_sample = images[:256]
    bins = layer_statistics(default_net, stats_sample).bins
    before = weight_snapshot(default_net)
    hidden = hidden_activations(default_net, sample)
    first_map = hidden_map(default_net, sample, labels[:2000])
    rows = [
        ("trace_step, wide (784-512-512-10)", lambda: trace_step(wide_net, images[0], 3, wide.training), 15),
        ("check_gradients, wide, 1 image, 9 weights", lambda: check_gradients(wide_net, images[:1], [3]), 5),
        ("input_gradient, default (784-256-128-10)", lambda: input_gradient(default_net, images[0], 3), 25),
        ("nudge to another class, default, <= 100 steps", lambda: nudge(default_net, images[0], 5), 5),
        ("layer_statistics, default, 256 images", lambda: layer_statistics(
            default_net, stats_sample, bins, weights_before=before), 25),
        ("PCA of 2,000 x 128 hidden activations", lambda: principal_components(hidden), 15),
        ("hidden_map, default, 2,000 images (forward + PCA + align)", lambda: hidden_map(
            default_net, sample, labels[:2000], first_map), 7),
        ("hidden_map, wide, 2,000 images", lambda: hidden_map(wide_net, sample, labels[:2000]), 5),
        ("pixel_map, 2,000 images (784 pixels)", lambda: pixel_map(sample, labels[:2000]), 3),
        ("locate a drawing on the hidden map", lambda: locate(first_map, images[:1], default_net), 25),
    ]
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"OpenBLAS threads: {threads}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")
    print("| computation | median (ms) | best (ms) |")
    print("|---|---|---|")
    for name, fn, repeats in rows:
        median, best = timed(fn, repeats)
        print(f"| {name} | {median:.2f} | {best:.2f} |")


if __name__ == "__main__":
    main()
