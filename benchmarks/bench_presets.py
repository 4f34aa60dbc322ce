"""What each preset reaches on real MNIST, and in how long: the figures of the README's presets table.

Trains every preset as it is (its epochs, its settings) and prints its final validation and test
accuracy, its training time (no evaluation), its throughput, and the BLAS threads the trainer chose.
The claims checked here (exit status 1 if one fails):

- ``textbook``: >= 94% test accuracy within 120 s of training;
- ``deep-relu``: > 97% validation accuracy;
- ``best``: >= 98.8% test accuracy within 300 s of training;
- ``lenet``: >= 98.8% test accuracy within 300 s, ``cnn``: >= 99.3% within 600 s (issue 21's goals).

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_presets.py [--presets textbook,best]
        [--shifted]  (also test on test images shifted by 2 pixels in a random direction)

A name ``NAME/no-augment`` trains preset NAME with augmentation off, e.g. to see what augmentation
does for shifted images: ``--presets best,best/no-augment --shifted``.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.augmentation import affine
from engine.files.sources import load_folder
from engine.network import Network
from engine.presets import PRESETS, preset
from engine.training import RunEnd, Trainer, evaluate

#: preset -> (figure, threshold, most seconds of training)
CLAIMS = {"textbook": ("test_accuracy", 0.94, 120), "deep-relu": ("val_accuracy", 0.97001, None),
          "best": ("test_accuracy", 0.988, 300),
          "lenet": ("test_accuracy", 0.988, 300), "cnn": ("test_accuracy", 0.993, 600)}


def shifted(images: np.ndarray, pixels: float = 2.0, seed: int = 0) -> np.ndarray:
    """The images moved by ``pixels`` in a random direction each (seeded), as uint8."""
    rng = np.random.default_rng(seed)
    direction = rng.uniform(0, 2 * np.pi, len(images))
    moves = pixels * np.stack([np.cos(direction), np.sin(direction)])
    out = affine(images, np.zeros(len(images)), np.ones(len(images)), moves)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def run(name: str, data, with_shifted: bool) -> dict:
    base, _, variant = name.partition("/")
    chosen = preset(base)
    config = replace(chosen.training, augment=False) if variant == "no-augment" else chosen.training
    trainer = Trainer(Network(chosen.network), config, data.train_images, data.train_labels,
                      data.test_images, data.test_labels)
    end = [e for e in trainer.run() if isinstance(e, RunEnd)][-1]
    row = {"preset": name, "epochs": end.epochs_completed, "seconds": end.train_seconds,
           "samples_per_second": end.samples_per_second, "val_accuracy": end.history[-1].val_accuracy,
           "test_accuracy": end.test_accuracy}
    if with_shifted:
        row["shifted_accuracy"] = evaluate(trainer.network, shifted(data.test_images), data.test_labels)[1]
    return row


def check(row: dict) -> str:
    if row["preset"] not in CLAIMS:
        return "measured"
    figure, threshold, seconds = CLAIMS[row["preset"]]
    ok = row[figure] >= threshold and (seconds is None or row["seconds"] <= seconds)
    limit = "" if seconds is None else f" in <= {seconds} s"
    return f"{'ok' if ok else 'FAILED'}: {figure} >= {threshold:.1%}{limit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--shifted", action="store_true")
    args = parser.parse_args()
    if "MNIST_DATA_DIR" not in os.environ:
        sys.exit("set MNIST_DATA_DIR to the folder with the MNIST files")
    data = load_folder(os.environ["MNIST_DATA_DIR"])
    print("| preset | epochs | training s | samples/s | val acc | test acc | shifted 2 px | claim |")
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    for name in args.presets.split(","):
        row = run(name, data, args.shifted)
        verdict = check(row)
        failed |= verdict.startswith("FAILED")
        shift = f"{row['shifted_accuracy']:.2%}" if "shifted_accuracy" in row else "-"
        print(f"| {name} | {row['epochs']} | {row['seconds']:.1f} | {row['samples_per_second']:,.0f} | "
              f"{row['val_accuracy']:.2%} | {row['test_accuracy']:.2%} | {shift} | {verdict} |", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
