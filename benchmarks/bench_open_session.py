"""Opening a session of many runs in the window: the time from Open session to every run on screen.

Runs offscreen. Writes a session file of ``--runs`` runs (10 epochs, 200 batch-loss points each,
every fifth run with a small network, every tenth a rerun of the one before: what an evening of
experiments leaves), then opens it in the main window, as File > Open session does, and reports
the seconds spent reading the file (the engine's ``load_session``) and in all (reading, the runs
model, the plots, the runs list, the dynamics chooser). ``--name-bytes`` gives each run a name of
that many bytes (a hostile file).

    python benchmarks/bench_open_session.py [--runs 1000] [--rounds 3] [--name-bytes 0]

Target: a session of 1,000 runs (the format's limit) opens in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from engine.files.session_file import RunData, load_session, save_session
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.training import EpochEnd, RunEnd, TrainConfig

EPOCHS, POINTS = 10, 200


def fake_run(i: int, name_bytes: int) -> RunData:
    """Run i: seed i // 2 * 2 for every tenth (a rerun of run i - 1), else its own seed."""
    seed = i - 1 if i % 10 == 9 else i
    rng = np.random.default_rng(seed)
    spec = NetworkSpec(input_size=784, hidden=(HiddenLayer(16),), seed=seed)
    config = TrainConfig(epochs=EPOCHS, lr=0.1, seed=seed)
    loss = 2.3 * np.exp(-np.linspace(0, 3, EPOCHS)) + 0.05 * rng.random()
    epochs = tuple(EpochEnd(e + 1, EPOCHS, float(loss[e]), 0.9, float(loss[e]) * 1.1, 0.88, None, None,
                            1.0, 5000.0, 0.1) for e in range(EPOCHS))
    x = np.linspace(0, EPOCHS, POINTS)
    batch = 2.3 * np.exp(-x * 0.3) + 0.05 * rng.random(POINTS)
    end = RunEnd("completed", "Trained.", EPOCHS, 10.0, 5000.0, 0.0, 0.87, epochs)
    name = f"Run {i + 1}" + "x" * max(0, name_bytes - 8)
    return RunData(name, spec, config, "fake", "completed", "Trained.", "", x, batch, epochs, end,
                   Network(spec) if i % 5 == 0 else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--name-bytes", type=int, default=0)
    args = parser.parse_args()
    from mnist_gui.qt_fixes import apply
    apply()  # as mnist_gui/app.py does
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = save_session(Path(folder) / "many.session.npz",
                            [fake_run(i, args.name_bytes) for i in range(args.runs)])
        from mnist_gui.main_window import MainWindow
        window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"), QSettings.IniFormat), load=False)
        window.show()
        app.processEvents()
        reading, total = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            load_session(path)
            reading.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            window.open_session(path)
            app.processEvents()  # what the open queued (repaints) is part of it
            total.append(time.perf_counter() - t0)
        assert len(window.runs) == args.runs
        window.close()
    print(f"{args.runs} runs of {EPOCHS} epochs and {POINTS} batch points, names of up to "
          f"{max(args.name_bytes, 8):,} bytes")
    print(f"reading the file (load_session): median {statistics.median(reading):.2f} s")
    print(f"opening it in the window, in all: median {statistics.median(total):.2f} s "
          f"(rounds: {', '.join(f'{t:.2f}' for t in total)}; target < 2 s)")


if __name__ == "__main__":
    main()
