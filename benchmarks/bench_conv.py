"""Speed of one LeNet-shaped training step (batch 128): the engine's convolution layers against PyTorch CPU.

The network, assembled by hand from the engine's layers (the network spec does not describe conv
layers yet): Unflatten(1, 28, 28), conv 6x5x5, relu, pool 2, conv 16x5x5, relu, pool 2, flatten,
dense 120 relu, dense 84 relu, dense 10, softmax cross-entropy, plain SGD. PyTorch trains the same
layers in a lean loop (no ``.item()`` per step). Both run on the same random batches, in one process,
alternating rounds of ``--steps`` steps, with 1 and with 2 BLAS/torch threads; the table gives medians
of the rounds: ms per step, samples/s and the ratio engine / PyTorch (higher is better; the goal is
0.8). Then the engine's forward and backward time per layer (medians), to show where the time goes.

    python benchmarks/bench_conv.py [--rounds 7] [--steps 20]

PyTorch is optional (``pip install torch==2.13.0``); without it only the engine is measured.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.convolution import Conv2D, Flatten, MaxPool2D, Unflatten
from engine.layers import Dense, ReLU
from engine.losses import softmax_cross_entropy

BATCH, LR = 128, 0.05


def engine_lenet(rng) -> list:
    def dense(n_in, n_out):
        return Dense(n_in, n_out, weights=rng.normal(0, np.sqrt(2 / n_in), size=(n_in, n_out)))

    return [Unflatten((1, 28, 28)), Conv2D(1, 6, 5, rng=rng), ReLU(), MaxPool2D(2),
            Conv2D(6, 16, 5, rng=rng), ReLU(), MaxPool2D(2), Flatten(),
            dense(256, 120), ReLU(), dense(120, 84), ReLU(), dense(84, 10)]


def engine_step(layers, x, y) -> None:
    """Forward, loss, backward (the first conv skips dL/dx) and SGD: W -= lr dL/dW."""
    for layer in layers:
        x = layer.forward(x)
    _, grad = softmax_cross_entropy(x, y)
    for layer in reversed(layers[2:]):
        grad = layer.backward(grad)
    layers[1].backward_params(grad)
    for layer in layers:
        for name, param in layer.params.items():
            param -= LR * layer.grads[name]


def torch_lenet():
    import torch.nn as nn

    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def torch_stepper():
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    model = torch_lenet()
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


def compare(threads: int, rounds: int, steps: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    layers = engine_lenet(rng)
    data = batches(steps, rng)
    runners = {"engine": (lambda x, y: engine_step(layers, x, y), data)}
    if has_torch():
        import torch

        torch.set_num_threads(threads)
        torch_step, as_tensor = torch_stepper()
        runners["torch"] = (torch_step, [(as_tensor(x), as_tensor(y.astype(np.int64))) for x, y in data])
    results = {name: [] for name in runners}
    with threadpool_limits(threads, user_api="blas"):
        for step, round_data in runners.values():  # warm up: buffers allocated, caches filled
            time_round(step, round_data[:3])
        for i in range(rounds):  # alternate the order, so that background load hits both alike
            for name in (list(runners) if i % 2 == 0 else list(runners)[::-1]):
                results[name].append(time_round(*runners[name]))
    return {name: float(np.median(ms)) for name, ms in results.items()}


def per_layer(threads: int, steps: int) -> list[tuple[str, float, float]]:
    """Median ms of each layer's forward and backward (backward_params for the first conv)."""
    rng = np.random.default_rng(1)
    layers = engine_lenet(rng)
    data = batches(steps, rng)
    fwd, bwd = [[] for _ in layers], [[] for _ in layers]
    with threadpool_limits(threads, user_api="blas"):
        for x, y in data:
            for i, layer in enumerate(layers):
                t0 = time.perf_counter()
                x = layer.forward(x)
                fwd[i].append(time.perf_counter() - t0)
            _, grad = softmax_cross_entropy(x, y)
            for i in range(len(layers) - 1, 0, -1):
                t0 = time.perf_counter()
                grad = layers[i].backward(grad) if i > 1 else layers[i].backward_params(grad)
                bwd[i].append(time.perf_counter() - t0)
    return [(repr(layer), 1e3 * np.median(f), 1e3 * np.median(b) if b else 0.0)
            for layer, f, b in zip(layers, fwd, bwd)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print("| threads | framework | ms/step | samples/s | engine / PyTorch |")
    print("|---|---|---|---|---|")
    for threads in (1, 2):
        ms = compare(threads, args.rounds, args.steps)
        for name, value in ms.items():
            ratio = f"{ms['torch'] / ms['engine']:.2f}" if name == "engine" and "torch" in ms else ""
            print(f"| {threads} | {name} | {value:.2f} | {BATCH / value * 1e3:,.0f} | {ratio} |")
    for threads in (1, 2):
        print(f"\nEngine per layer, {threads} thread(s): | layer | forward ms | backward ms |")
        for name, f, b in per_layer(threads, 3 * args.steps):
            print(f"| {name} | {f:.3f} | {b:.3f} |")


if __name__ == "__main__":
    main()
