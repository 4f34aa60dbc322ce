"""Training speed on full MNIST: the NumPy engine against PyTorch CPU on the same configuration.

For each preset, both frameworks train the same layers with the same initialisation scheme, batch
size, optimiser, learning-rate schedule, validation split and data order, one process each (so peak
memory is the run's own), one after the other in this one run, alternating over rounds. Prints a
table of medians: samples/s, the ratio (engine / PyTorch, higher is better), time to a validation
accuracy, test accuracy and peak RSS.

Two PyTorch loops are measured: ``torch`` does per batch what the engine does (reads the loss and
the number correct, steps the learning-rate schedule); ``torch-lean`` is what a PyTorch user writes
for speed (no per-batch ``.item()``, the schedule stepped once per epoch).

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_training.py [--epochs N] [--presets a,b]

PyTorch is optional (``pip install torch==2.13.0``); without it only the engine is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from engine.files.sources import load_folder
from engine.network import Network
from engine.presets import preset
from engine.training import EpochEnd, RunEnd, Trainer

TARGET = 0.97  # the validation accuracy for "time to accuracy"


def run_engine(name: str, epochs: int, data) -> dict:
    chosen = preset(name)
    config = replace(chosen.training, epochs=epochs)
    trainer = Trainer(Network(chosen.network), config, data.train_images, data.train_labels,
                      data.test_images, data.test_labels)
    curve, end = [], None
    for event in trainer.run():
        if isinstance(event, EpochEnd):
            curve.append((event.seconds, event.val_accuracy))
        elif isinstance(event, RunEnd):
            end = event
    return _result("numpy", name, epochs, trainer.n_train, curve, end.test_accuracy)


def run_torch_lean(name: str, epochs: int, data) -> dict:
    return run_torch(name, epochs, data, lean=True)


def run_torch(name: str, epochs: int, data, lean: bool = False) -> dict:
    import torch
    import torch.nn.functional as F
    from torch_reference import build_model, build_optimiser, data_order

    torch.manual_seed(0)
    chosen = preset(name)
    net_spec, config = chosen.network, replace(chosen.training, epochs=epochs)
    model = build_model(net_spec)
    train_idx, val_idx, epoch_orders = data_order(config, len(data.train_labels))
    batch = _batch(config, len(train_idx))
    optimiser, scheduler = build_optimiser(model, config, 1 if lean else -(-len(train_idx) // batch))
    x_all = torch.from_numpy(data.train_images.reshape(len(data.train_images), -1)).float().div_(255)
    y_all = torch.from_numpy(data.train_labels.astype(np.int64))
    curve = []
    for _epoch in range(epochs):
        order = torch.from_numpy(next(epoch_orders))
        t0 = time.perf_counter()
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            x, y = x_all.index_select(0, idx), y_all.index_select(0, idx)
            logits = model(x)
            loss = F.cross_entropy(logits, y) if net_spec.loss == "cross_entropy" else \
                0.5 * ((logits.softmax(1) - F.one_hot(y, 10)) ** 2).sum(1).mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            if not lean:
                scheduler.step()
                loss.item(), int((logits.argmax(1) == y).sum())  # the engine reports both every batch
        if lean:
            scheduler.step()
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            val = (model(x_all[val_idx]).argmax(1) == y_all[val_idx]).float().mean().item()
        curve.append((seconds, val))
    with torch.no_grad():
        xt = torch.from_numpy(data.test_images.reshape(len(data.test_images), -1)).float().div_(255)
        test = (model(xt).argmax(1) == torch.from_numpy(data.test_labels.astype(np.int64))).float().mean().item()
    return _result("torch-lean" if lean else "torch", name, epochs, len(train_idx), curve, test)


def _batch(config, n):
    return n if config.batch_size is None else config.batch_size


def _result(framework, name, epochs, n_train, curve, test_accuracy) -> dict:
    seconds = [s for s, _ in curve]
    elapsed, to_target = 0.0, None
    for s, val in curve:
        elapsed += s
        if to_target is None and val >= TARGET:
            to_target = elapsed
    return {
        "framework": framework, "preset": name, "epochs": epochs,
        "samples_per_second": n_train * len(curve) / sum(seconds),
        "first_epoch_seconds": seconds[0], "median_epoch_seconds": float(np.median(seconds)),
        "seconds_to_target": to_target, "test_accuracy": test_accuracy,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def one(framework: str, name: str, epochs: int) -> None:
    """Measure one framework on one preset and print the result as JSON (run in its own process)."""
    data = load_folder(os.environ["MNIST_DATA_DIR"])
    runner = {"numpy": run_engine, "torch": run_torch, "torch-lean": run_torch_lean}[framework]
    print(json.dumps(runner(name, epochs, data)))


def has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--presets", default="deep-relu,wide,default")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the frameworks this many times; medians are reported")
    parser.add_argument("--one", nargs=2, metavar=("FRAMEWORK", "PRESET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one, args.epochs)
        return
    if "MNIST_DATA_DIR" not in os.environ:
        sys.exit("set MNIST_DATA_DIR to the folder with the MNIST files")
    frameworks = ["numpy", "torch", "torch-lean"] if has_torch() else ["numpy"]
    rows = []
    for name in args.presets.split(","):
        rounds = {framework: [] for framework in frameworks}
        for i in range(args.rounds):  # alternate, so that background load hits both alike
            for framework in frameworks[i % len(frameworks):] + frameworks[:i % len(frameworks)]:
                rounds[framework].append(_measure(framework, name, args.epochs))
        rows.extend(_median_row(results) for results in rounds.values())
    print_table(rows)
    print_flops(rows)


def _measure(framework, name, epochs) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", framework, name, "--epochs", str(epochs)],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_row(results: list[dict]) -> dict:
    """The run with the median throughput, so every figure in the row comes from one real run."""
    ranked = sorted(results, key=lambda r: r["samples_per_second"])
    return ranked[len(ranked) // 2]


def flops_per_sample(spec) -> int:
    """Multiply-adds x 2 of one training step per image: forward x W, dL/dW for every layer, and
    dL/dx for all but the first (element-wise work is left out: it is a few percent)."""
    sizes = spec.layer_sizes
    products = [a * b for a, b in itertools.pairwise(sizes)]
    return 2 * (2 * sum(products) + sum(products[1:]))


def peak_gflops() -> tuple[float, float]:
    """(theoretical, measured) float32 GFLOP/s of this machine.

    Theoretical: cores x clock x 32 (two 8-wide AVX2 FMA units, 2 FLOPs each per cycle);
    measured: a float32 matrix product (1024^3) with NumPy's BLAS, the best of 50 (on a shared
    machine the best is the nearest to a quiet one).
    """
    mhz = [float(line.split(":")[1]) for line in Path("/proc/cpuinfo").read_text().splitlines()
           if line.startswith("cpu MHz")] if Path("/proc/cpuinfo").exists() else []
    theoretical = len(mhz) * (np.mean(mhz) if mhz else 0.0) * 1e-3 * 32
    a = np.ones((1024, 1024), dtype=np.float32)
    best = min(_timed(lambda: a @ a) for _ in range(50))
    return theoretical, 2 * 1024 ** 3 / best / 1e9


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def print_flops(rows) -> None:
    theoretical, measured = peak_gflops()
    print(f"\nPeak float32: {theoretical:.0f} GFLOP/s theoretical, {measured:.0f} measured (best 1024^3 sgemm)")
    for r in rows:
        if r["framework"] == "numpy":
            rate = flops_per_sample(preset(r["preset"]).network) * r["samples_per_second"] / 1e9
            print(f"{r['preset']}: {rate:.0f} GFLOP/s = {rate / theoretical:.0%} of theoretical, "
                  f"{rate / measured:.0%} of measured peak")


def print_table(rows) -> None:
    print(f"| preset | framework | samples/s | engine / this | median epoch s | s to {TARGET:.0%} val "
          f"| test acc | peak MB |")
    print("|---|---|---|---|---|---|---|---|")
    engine_speed = {r["preset"]: r["samples_per_second"] for r in rows if r["framework"] == "numpy"}
    for r in rows:
        ratio = engine_speed[r["preset"]] / r["samples_per_second"] if r["framework"] != "numpy" else None
        to_target = f"{r['seconds_to_target']:.2f}" if r["seconds_to_target"] is not None else "-"
        print(f"| {r['preset']} | {r['framework']} | {r['samples_per_second']:,.0f} | "
              f"{'' if ratio is None else f'{ratio:.2f}'} | {r['median_epoch_seconds']:.2f} | {to_target} | "
              f"{r['test_accuracy']:.2%} | {r['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
