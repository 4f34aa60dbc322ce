"""Training inside the real window against headless training, and the longest GUI-thread stall meanwhile.

Runs offscreen. Builds the main window with the "Network and training" panel (and the Draw and
Evaluate panels on the same ModelHub, as in the app), loads real MNIST, and in each round trains
the same configuration twice in this one process: once through the window (Start, live plots,
worker thread) and once headless (the engine's Trainer directly, as ``mnist-train`` does),
alternating which goes first. Speed is samples/s over the epochs' training time (from the
EpochEnd events, as ``mnist-train`` prints it). While the window trains, the heartbeat (``gui_heartbeat.py``,
a 5 ms QTimer on the GUI thread) records the longest gap between its ticks: how long the window
could not respond.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_gui_training.py [--rounds 3] [--epochs 2] \
        [--preset wide] [--show evaluate]

``--show`` picks the panel on screen while the window trains: ``evaluate`` (the default) is the
heaviest, as it re-reads the 10,000 test images and redraws the weight mosaics after every epoch.

Targets: in-app speed >= 90 % of headless, longest stall <= 50 ms. The numbers are noisy on a
busy machine; the median over the rounds is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gui_heartbeat import Heartbeat
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from engine.files.sources import load_folder
from engine.network import Network
from engine.presets import preset
from engine.training import EpochEnd, Trainer


def headless_speed(data, spec, config) -> float:
    """Samples/s of the engine's Trainer run directly, as ``mnist-train`` runs it."""
    trainer = Trainer(Network(spec), config, data.train_images, data.train_labels,
                      data.test_images, data.test_labels)
    epochs = [e for e in trainer.run() if isinstance(e, EpochEnd)]
    return _speed(epochs)


def _speed(epochs) -> float:
    seconds = sum(e.seconds for e in epochs)
    return sum(e.samples_per_second * e.seconds for e in epochs) / seconds


def build_window(data, settings_path: Path, shown: str):
    """The real main window, as ``mnist-gui`` builds it, showing the panel ``shown``."""
    from mnist_gui.main_window import MainWindow
    window = MainWindow(settings=QSettings(str(settings_path), QSettings.IniFormat), load=False)
    window.resize(1400, 900)
    window.show()
    window.set_dataset(data)
    window.show_panel(shown)
    return window, window.training_view


def wait(app, seconds: float):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def app_run(view, meter: Heartbeat, spec, config) -> tuple[float, float]:
    """(samples/s, longest stall in ms) of one run started from the window, in Qt's event loop."""
    view.builder.set_spec(spec, config)
    done, epochs = [], []
    loop = QEventLoop()
    view.run_finished.connect(done.append)
    view.run_finished.connect(loop.quit)
    view.session.epoch_ended.connect(epochs.append)
    meter.start()
    QTimer.singleShot(0, view.start)  # what the Start button does, whichever panel is shown
    loop.exec()
    meter.stop()
    view.run_finished.disconnect(done.append)
    view.run_finished.disconnect(loop.quit)
    view.session.epoch_ended.disconnect(epochs.append)
    if done[0].status != "completed":
        raise RuntimeError(f"the in-app run ended: {done[0].status} {done[0].message}")
    return _speed(epochs), meter.longest


def close_while_training(view, window) -> float:
    """Milliseconds that ``window.close()`` takes when a run is half-way through an epoch."""
    loop = QEventLoop()
    view.session.progressed.connect(loop.quit)
    QTimer.singleShot(0, view.start)
    loop.exec()  # the first batch report: training is under way
    threads = [thread for thread, _ in view.session.runner._threads]
    start = time.perf_counter()
    window.close()
    seconds = time.perf_counter() - start
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a training thread is still running after the window closed")
    return 1000 * seconds


def prepare(preset_name: str, epochs: int):
    """(app, MNIST, spec, config) for a GUI benchmark, the app collecting garbage as the real one
    does; None (and a message) without $MNIST_DATA_DIR."""
    folder = os.environ.get("MNIST_DATA_DIR")
    if not folder:
        print("set MNIST_DATA_DIR to the folder with the MNIST files", file=sys.stderr)
        return None
    data = load_folder(folder)
    chosen = preset(preset_name).for_data(data.input_size, data.n_classes)
    from mnist_gui.qt_fixes import apply
    apply()  # as mnist_gui/app.py does
    app = QApplication.instance() or QApplication([])
    from mnist_gui.garbage import collect_on_gui_thread
    collect_on_gui_thread(app)  # as mnist_gui/app.py does
    return app, data, chosen.network, replace(chosen.training, epochs=epochs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--preset", default="wide")
    parser.add_argument("--show", default="evaluate",
                        choices=("data", "means", "training", "draw", "evaluate"))
    args = parser.parse_args(argv)
    prepared = prepare(args.preset, args.epochs)
    if prepared is None:
        return 2
    app, data, spec, config = prepared
    settings = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_gui_training_{os.getpid()}.ini"
    window, view = build_window(data, settings, args.show)
    meter = Heartbeat()
    wait(app, 3.0)  # let the panels finish their own start-up work (means, baseline)
    print(f"{data.name}: {spec.describe()}, {config.describe()}; {os.cpu_count()} CPUs; "
          f"the whole window, showing the {args.show} panel")
    ratios, stalls = [], []
    for r in range(args.rounds):
        order = ("headless", "app") if r % 2 == 0 else ("app", "headless")
        result = {}
        for which in order:
            if which == "headless":
                result["headless"] = headless_speed(data, spec, config)
            else:
                result["app"], result["stall"] = app_run(view, meter, spec, config)
                wait(app, 1.0)  # let the peers finish reacting to the last network
        ratio = result["app"] / result["headless"]
        ratios.append(ratio)
        stalls.append(result["stall"])
        print(f"round {r + 1} ({' then '.join(order)}): headless {result['headless']:,.0f} samples/s, "
              f"in app {result['app']:,.0f} samples/s ({ratio:.1%}), longest GUI stall "
              f"{result['stall']:.1f} ms", flush=True)
    print(f"median: in-app speed {statistics.median(ratios):.1%} of headless (target >= 90%), "
          f"longest GUI stall {statistics.median(stalls):.1f} ms (target <= 50 ms; "
          f"worst round {max(stalls):.1f} ms)")
    print(f"closing the window while it trains: {close_while_training(view, window):.0f} ms until "
          "the worker thread has stopped (target < 1 s)")
    settings.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
