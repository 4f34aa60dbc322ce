"""Training speed on a quiet machine and with one core kept busy by another process, side by side.

For one preset, measures samples/s of the engine with 2 BLAS threads, 1 thread, and the trainer's own
choice by timing (``blas_threads=None``, see engine/threads.py), plus PyTorch CPU (a lean loop, its
default threads) where installed. The load alternates quiet / busy and the configurations rotate in
each round, so background load from elsewhere hits them all alike; the table gives medians and the
busy / quiet ratio of each configuration.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_busy.py [--preset default] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.files.sources import load_folder
from engine.network import Network
from engine.presets import preset
from engine.training import EpochEnd, Trainer

BUSY_LOOP = "while True: pass"


def engine_speed(name: str, epochs: int, data, threads: int | None) -> float:
    """Samples/s over ``epochs`` epochs of the preset, after one warm-up epoch that is not counted."""
    chosen = preset(name)
    config = replace(chosen.training, epochs=epochs + 1)
    trainer = Trainer(Network(chosen.network), config, data.train_images, data.train_labels,
                      blas_threads=threads)
    seen = seconds = 0.0
    for event in trainer.run():
        if isinstance(event, EpochEnd) and event.epoch > 1:
            seen, seconds = seen + trainer.n_train, seconds + event.seconds
    return seen / seconds


def torch_speed(name: str, epochs: int, data) -> float:
    """Samples/s of a lean PyTorch loop (no per-batch .item(), no scheduler) on the same preset."""
    import torch
    from torch_reference import build_model, build_optimiser

    chosen = preset(name)
    model = build_model(chosen.network)
    optimiser, _ = build_optimiser(model, chosen.training, 1)
    x_all = torch.from_numpy(data.train_images.reshape(len(data.train_images), -1)).float().div_(255)
    y_all = torch.from_numpy(data.train_labels.astype(np.int64))
    batch = chosen.training.batch_size or len(x_all)
    seconds = 0.0
    for epoch in range(epochs + 1):
        order = torch.randperm(len(x_all))
        t0 = time.perf_counter()
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            loss = torch.nn.functional.cross_entropy(model(x_all[idx]), y_all[idx])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        if epoch:
            seconds += time.perf_counter() - t0
    return len(x_all) * epochs / seconds


def has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def measure(args, data) -> dict[tuple[str, str], list[float]]:
    configs = {"engine, 2 threads": 2, "engine, 1 thread": 1, "engine, chosen by timing": None}
    if has_torch():
        configs["torch CPU (lean loop)"] = "torch"
    results = {(c, load): [] for c in configs for load in ("quiet", "busy")}
    for r in range(args.rounds):
        for load in ("quiet", "busy") if r % 2 == 0 else ("busy", "quiet"):
            busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) if load == "busy" else None
            try:
                names = list(configs)
                for c in names[r % len(names):] + names[:r % len(names)]:
                    threads = configs[c]
                    speed = (torch_speed(args.preset, args.epochs, data) if threads == "torch"
                             else engine_speed(args.preset, args.epochs, data, threads))
                    results[(c, load)].append(speed)
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if "MNIST_DATA_DIR" not in os.environ:
        sys.exit("set MNIST_DATA_DIR to the folder with the MNIST files")
    data = load_folder(os.environ["MNIST_DATA_DIR"])
    results = measure(args, data)
    print(f"preset {args.preset}, {args.rounds} rounds, medians of samples/s\n")
    print("| configuration | quiet | one core busy | busy / quiet |")
    print("|---|---|---|---|")
    for c in dict.fromkeys(c for c, _ in results):
        quiet, busy = np.median(results[(c, "quiet")]), np.median(results[(c, "busy")])
        print(f"| {c} | {quiet:,.0f} | {busy:,.0f} | {busy / quiet:.2f} |")
    print("\nthe timed choice against the better fixed count (1 or 2 threads), per load:")
    for load in ("quiet", "busy"):
        best = max(np.median(results[(f"engine, {t}", load)]) for t in ("1 thread", "2 threads"))
        chosen = np.median(results[("engine, chosen by timing", load)])
        print(f"  {load}: {chosen:,.0f} / {best:,.0f} = {chosen / best:.0%}")


if __name__ == "__main__":
    main()
