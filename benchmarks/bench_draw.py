"""How long the Draw panel takes to read a drawing: the MNIST preprocessing plus the network's answer.

Offscreen. Real MNIST test images are put on the real canvas (scaled up to its size, as a drawing
would be), and each canvas is read the way the panel reads it after a stroke: the canvas's ink
array, ``preprocess_drawing`` (crop, fit to 20x20, centre of mass) and the default 784-256-128-10
network plus the mean-digit baseline. The weights do not change the cost, so the network is not
trained here.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_draw.py [--images 200]

Target: under 10 ms per reading.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from engine.baseline import MeanDigitClassifier
from engine.files.sources import load_folder
from engine.network import Network
from engine.presets import preset


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args(argv)
    folder = os.environ.get("MNIST_DATA_DIR")
    if not folder:
        print("set MNIST_DATA_DIR to the folder with the MNIST files", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([])
    from mnist_gui.qt_fixes import apply
    apply()  # as mnist_gui/app.py does
    from mnist_gui.panels.draw.canvas import DrawCanvas
    from mnist_gui.panels.draw.view import read_drawing
    data = load_folder(folder)
    network = Network(preset("default").network)
    baseline = MeanDigitClassifier("l2").fit(data.train_images, data.train_labels, data.n_classes)
    canvas = DrawCanvas()
    canvas.resize(600, 600)  # about its size in a maximised window on a 1080p screen
    canvas.show()
    app.processEvents()
    whole, inner = [], []
    for image in data.test_images[:args.images]:
        canvas.show_image(image)
        start = time.perf_counter()
        reading = read_drawing(canvas.ink(), 28, network, baseline)
        whole.append(time.perf_counter() - start)
        inner.append(reading.seconds)
    side = canvas.ink().shape
    ms = sorted(1000 * t for t in whole)
    print(f"{len(ms)} MNIST test images on a {side[1]}x{side[0]} canvas, "
          f"{network.spec.describe()} + mean-digit baseline:")
    print(f"reading a drawing (ink + preprocessing + both answers): median {statistics.median(ms):.2f} ms, "
          f"95th percentile {ms[int(0.95 * (len(ms) - 1))]:.2f} ms, worst {ms[-1]:.2f} ms "
          f"(target < 10 ms); preprocessing and answers alone: median "
          f"{1000 * statistics.median(inner):.2f} ms")
    canvas.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
