"""Speed of one training step of a convolutional preset (batch 128): the engine against PyTorch CPU.

The network is the preset's (``lenet`` by default: conv 6x5x5 padded by 2, relu, pool 2, conv
16x5x5, relu, pool 2, dense 120 relu, dense 84 relu, dense 10), built by ``Network`` from its spec,
and trained by the engine's own step (``Network.loss_and_gradients``, then plain SGD). PyTorch
trains the same layers in a lean loop (no ``.item()`` per step). Both run on the same random
batches, in one process, alternating rounds of ``--steps`` steps, with 1 and with 2 BLAS/torch
threads; the table gives medians of the rounds: ms per step, samples/s and the ratio engine /
PyTorch (higher is better; the goal is 0.8), with the ratio of every round, and the load average.
Then the engine's forward and backward time per layer (medians), to show where the time goes.

    python benchmarks/bench_conv.py [--preset lenet] [--rounds 7] [--steps 20]

PyTorch is optional (``pip install torch==2.13.0``); without it only the engine is measured.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.network import ConvLayer, Network
from engine.optimisers import SGD
from engine.presets import preset

BATCH, LR = 128, 0.05


def engine_stepper(spec):
    """The engine's training step: forward, loss, backward (the first conv skips dL/dx), SGD."""
    network, optimiser = Network(spec), SGD(LR)

    def step(x, y):
        network.loss_and_gradients(x, y)
        optimiser.step(network.parameters)

    return step, network


def torch_model(spec):
    """The spec's layers in PyTorch (the same shapes; PyTorch's own initialisation)."""
    import torch.nn as nn

    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    layers, channels = [nn.Unflatten(1, spec.image_shape)], spec.image_shape[0]
    for layer, shape in zip(spec.features, spec.feature_shapes):
        if isinstance(layer, ConvLayer):
            layers += [nn.Conv2d(channels, layer.channels, layer.kernel, stride=layer.stride,
                                 padding=layer.padding), acts[layer.activation]()]
        else:
            layers.append(nn.MaxPool2d(layer.size))
        if layer.dropout:
            layers.append(nn.Dropout(layer.dropout))
        channels = shape[0]
    layers.append(nn.Flatten())
    sizes = spec.layer_sizes
    for i, (n_in, n_out) in enumerate(pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(spec.hidden):
            layers.append(acts[spec.hidden[i].activation]())
            if spec.hidden[i].dropout:
                layers.append(nn.Dropout(spec.hidden[i].dropout))
    return nn.Sequential(*layers)


def torch_stepper(spec):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = torch_model(spec)
    optimiser = torch.optim.SGD(model.parameters(), lr=LR)

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step, torch.from_numpy


def has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def batches(steps, rng):
    """Random (BATCH, 784) float32 images in [0, 1] and labels: the speed does not depend on the values."""
    return [(rng.random((BATCH, 784), dtype=np.float32), rng.integers(0, 10, BATCH)) for _ in range(steps)]


def time_round(step, data) -> float:
    """Median ms per step over one round."""
    times = []
    for x, y in data:
        t0 = time.perf_counter()
        step(x, y)
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def compare(spec, threads: int, rounds: int, steps: int) -> dict[str, list[float]]:
    """ms per step of each framework, one median per round."""
    rng = np.random.default_rng(0)
    data = batches(steps, rng)
    engine_step, _ = engine_stepper(spec)
    runners = {"engine": (engine_step, data)}
    if has_torch():
        import torch

        torch.set_num_threads(threads)
        torch_step, as_tensor = torch_stepper(spec)
        runners["torch"] = (torch_step, [(as_tensor(x), as_tensor(y.astype(np.int64))) for x, y in data])
    results: dict[str, list[float]] = {name: [] for name in runners}
    with threadpool_limits(threads, user_api="blas"):
        for step, round_data in runners.values():  # warm up: buffers allocated, caches filled
            time_round(step, round_data[:3])
        for i in range(rounds):  # alternate the order, so that background load hits both alike
            for name in (list(runners) if i % 2 == 0 else list(runners)[::-1]):
                results[name].append(time_round(*runners[name]))
    return results


def per_layer(spec, threads: int, steps: int) -> list[tuple[str, float, float]]:
    """Median ms of each layer's forward and backward (backward_params for the first weighted one)."""
    from engine.losses import softmax_cross_entropy

    rng = np.random.default_rng(1)
    _, network = engine_stepper(spec)
    layers = network.layers
    first = next(i for i, layer in enumerate(layers) if layer.params)
    data = batches(steps, rng)
    fwd, bwd = [[] for _ in layers], [[] for _ in layers]
    with threadpool_limits(threads, user_api="blas"):
        for x, y in data:
            for i, layer in enumerate(layers):
                t0 = time.perf_counter()
                x = layer.forward(x)
                fwd[i].append(time.perf_counter() - t0)
            _, grad = softmax_cross_entropy(x, y)
            for i in range(len(layers) - 1, first - 1, -1):
                t0 = time.perf_counter()
                grad = layers[i].backward(grad) if i > first else layers[i].backward_params(grad)
                bwd[i].append(time.perf_counter() - t0)
    return [(repr(layer), 1e3 * np.median(f), 1e3 * np.median(b) if b else 0.0)
            for layer, f, b in zip(layers, fwd, bwd)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="lenet")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--no-layers", action="store_true", help="skip the per-layer table")
    args = parser.parse_args()
    spec = preset(args.preset).network
    print(f"{args.preset}: {spec.describe()}, batch {BATCH}; load average {os.getloadavg()[0]:.1f} at the start")
    print("| threads | framework | ms/step | samples/s | engine / PyTorch | ratio per round |")
    print("|---|---|---|---|---|---|")
    for threads in (1, 2):
        rounds = compare(spec, threads, args.rounds, args.steps)
        ms = {name: float(np.median(values)) for name, values in rounds.items()}
        for name, value in ms.items():
            ratio = each = ""
            if name == "engine" and "torch" in ms:
                ratio = f"{ms['torch'] / ms['engine']:.2f}"
                each = " ".join(f"{t / e:.2f}" for e, t in zip(rounds["engine"], rounds["torch"]))
            print(f"| {threads} | {name} | {value:.2f} | {BATCH / value * 1e3:,.0f} | {ratio} | {each} |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.no_layers:
        return
    for threads in (1, 2):
        print(f"\nEngine per layer, {threads} thread(s): | layer | forward ms | backward ms |")
        for name, f, b in per_layer(spec, threads, 3 * args.steps):
            print(f"| {name} | {f:.3f} | {b:.3f} |")


if __name__ == "__main__":
    main()
