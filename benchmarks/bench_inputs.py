"""Per-batch vs once: which way of turning uint8 MNIST into float32 inputs is faster for training?

(a) per batch: keep images uint8 (47 MB), gather each epoch's shuffled order as uint8, convert each
    batch into one reused float32 buffer (what engine.training does);
(b) once: convert the whole training set to float32 up front (188 MB), gather float32 rows per batch.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_inputs.py
"""

import os
import time

import numpy as np

from engine.dataset import as_inputs
from engine.files.sources import load_folder


def per_batch(images, order, batch, buf):
    shuffled = np.take(images, order, axis=0)
    for start in range(0, len(order), batch):
        chunk = shuffled[start:start + batch]
        as_inputs(chunk, out=buf[:len(chunk)])


def once(floats, order, batch, buf):
    for start in range(0, len(order), batch):
        idx = order[start:start + batch]
        np.take(floats, idx, axis=0, out=buf[:len(idx)])


def main():
    data = load_folder(os.environ["MNIST_DATA_DIR"])
    images = data.train_images.reshape(len(data.train_images), -1)
    t0 = time.perf_counter()
    floats = as_inputs(images)
    convert_all = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    print(f"one-off conversion of the training set: {convert_all * 1000:.0f} ms, {floats.nbytes / 1e6:.0f} MB")
    print("| batch | per batch (ms/epoch) | once (ms/epoch) |")
    print("|---|---|---|")
    for batch in (32, 128, 1024):
        buf = np.empty((batch, images.shape[1]), np.float32)
        times = {"per": [], "once": []}
        for _ in range(5):
            order = rng.permutation(len(images))
            for name, fn, src in (("per", per_batch, images), ("once", once, floats)):
                t0 = time.perf_counter()
                fn(src, order, batch, buf)
                times[name].append(time.perf_counter() - t0)
        print(f"| {batch} | {np.median(times['per']) * 1000:.0f} | {np.median(times['once']) * 1000:.0f} |")


if __name__ == "__main__":
    main()
