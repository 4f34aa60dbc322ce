"""Training with the Inside panel on screen against headless training, and the longest GUI-thread stall meanwhile.

Runs offscreen. Builds the real main window, loads real MNIST, shows the "Inside the network"
panel on one of its views (the live training dynamics by default), and in each round trains the
default preset twice in this one process: once from the window (the worker measures the training
dynamics and the panel draws them) and once headless (the engine's Trainer directly, as
``mnist-train`` does), alternating which goes first. Two speeds are compared:

- training time (samples/s over the epochs' own seconds, as ``mnist-train`` prints it; the time
  the consumer of the events takes, such as measuring the dynamics, is not in it), and
- wall clock (training samples over the whole run, start to end, evaluation included): what the
  user waits for, so every cost of the panel and of the measurements is in it.

The heartbeat (``gui_heartbeat.py``, a 5 ms QTimer on the GUI thread) records the longest gap
between its ticks: how long the window could not respond. On a shared machine both figures follow
the load of other processes, so the panel's own costs are also timed directly: the worker's time
measuring the dynamics (a share of the run's wall clock, and CPU milliseconds per measurement), and
the longest call of the panel's slots on the GUI thread.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_gui_inside.py [--rounds 3] [--epochs 2]
        [--tab dynamics|embedding|step|saliency]

Targets: in-app speed >= 90 % of headless, longest stall <= 50 ms (medians over the rounds).
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

from bench_gui_training import _speed, prepare, wait
from gui_heartbeat import Costs, Heartbeat
from PySide6.QtCore import QEventLoop, QSettings, QTimer

from engine.network import Network
from engine.training import EpochEnd, Trainer

WORKER, PANEL, PAINT = Costs(), Costs(), Costs()


def instrument():
    """Time the worker's dynamics measurements and the Inside views' GUI-thread slots."""
    import pyqtgraph as pg

    from mnist_gui.panels.inside.dynamics_view import DynamicsView
    from mnist_gui.panels.inside.embedding_view import EmbeddingView
    from mnist_gui.panels.inside.saliency_view import SaliencyView
    from mnist_gui.panels.inside.step_view import StepView
    from mnist_gui.workers.training import _Dynamics
    WORKER.wrap(_Dynamics, "on_batch")
    PAINT.wrap(pg.GraphicsView, "paintEvent")
    for owner, name in ((DynamicsView, "refresh"), (DynamicsView, "_on_dynamics_added"),
                        (EmbeddingView, "_on_maps"), (EmbeddingView, "refresh"),
                        (StepView, "_on_result"), (StepView, "refresh"),
                        (SaliencyView, "_on_result"), (SaliencyView, "refresh")):
        PANEL.wrap(owner, name)


def headless(data, spec, config) -> tuple[float, float]:
    """(training-time samples/s, wall-clock samples/s) of the engine's Trainer run directly."""
    trainer = Trainer(Network(spec), config, data.train_images, data.train_labels,
                      data.test_images, data.test_labels)
    start = time.perf_counter()
    epochs = [e for e in trainer.run() if isinstance(e, EpochEnd)]
    wall = time.perf_counter() - start
    return _speed(epochs), trainer.n_train * config.epochs / wall


def in_app(window, meter: Heartbeat, spec, config) -> tuple[float, float, float, int]:
    """(training-time samples/s, wall-clock samples/s, longest stall ms, dynamics rows) of one run."""
    view = window.training_view
    view.builder.set_spec(spec, config)
    session = view.session
    done, epochs = [], []
    loop = QEventLoop()
    session.run_finished.connect(done.append)
    session.run_finished.connect(loop.quit)
    session.epoch_ended.connect(epochs.append)
    meter.start()
    WORKER.reset()
    PANEL.reset()
    PAINT.reset()
    start = time.perf_counter()
    QTimer.singleShot(0, view.controls.start_button.click)
    loop.exec()
    wall = time.perf_counter() - start
    meter.stop()
    session.run_finished.disconnect(done.append)
    session.run_finished.disconnect(loop.quit)
    session.epoch_ended.disconnect(epochs.append)
    run = done[0]
    if run.status != "completed":
        raise RuntimeError(f"the in-app run ended: {run.status} {run.message}")
    n_train = round(len(window.dataset.train_labels) * (1 - config.validation_fraction))
    rows = len(run.dynamics)
    print(f"    worker: measuring the dynamics took {WORKER.wall / wall:.1%} of the run's wall clock, "
          f"{1000 * WORKER.cpu / max(rows, 1):.1f} ms CPU per measurement; panel: {PANEL.calls} slot calls, "
          f"{1000 * PANEL.wall:.0f} ms in all, the longest {1000 * PANEL.longest:.1f} ms "
          f"({1000 * PANEL.longest_cpu:.1f} ms CPU, {PANEL.longest_name}); plots painted {PAINT.calls} times, "
          f"{1000 * PAINT.wall:.0f} ms in all, the longest {1000 * PAINT.longest:.1f} ms", flush=True)
    return _speed(epochs), n_train * config.epochs / wall, meter.longest, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--tab", default="dynamics", choices=("dynamics", "embedding", "step", "saliency", "none"),
                        help="the Inside view shown; none: the training panel instead (for comparison)")
    args = parser.parse_args(argv)
    prepared = prepare(args.preset, args.epochs)
    if prepared is None:
        return 2
    app, data, spec, config = prepared
    instrument()
    from mnist_gui.main_window import MainWindow
    settings = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_gui_inside_{os.getpid()}.ini"
    window = MainWindow(settings=QSettings(str(settings), QSettings.IniFormat), load=False)
    window.resize(1400, 900)
    window.show()
    window.set_dataset(data)
    if args.tab == "none":
        window.show_panel("training")
    else:
        window.show_panel("inside")
        window.inside_view.show_tab(args.tab)
    wait(app, 3.0)  # let the panels finish their own start-up work (means, baseline, maps)
    meter = Heartbeat()
    print(f"{data.name}: {spec.describe()}, {config.describe()}; {os.cpu_count()} CPUs; "
          + ("the training panel visible" if args.tab == "none" else
             f"the Inside panel visible on its {args.tab} view"))
    train_ratios, wall_ratios, stalls = [], [], []
    for r in range(args.rounds):
        order = ("headless", "app") if r % 2 == 0 else ("app", "headless")
        got = {}
        for which in order:
            if which == "headless":
                got["headless"] = headless(data, spec, config)
            else:
                got["app"] = in_app(window, meter, spec, config)
                wait(app, 1.5)  # let the panel finish reacting to the last network
        (h_train, h_wall), (a_train, a_wall, stall, rows) = got["headless"], got["app"]
        train_ratios.append(a_train / h_train)
        wall_ratios.append(a_wall / h_wall)
        stalls.append(stall)
        print(f"round {r + 1} ({' then '.join(order)}): training time {a_train:,.0f} vs {h_train:,.0f} "
              f"samples/s ({a_train / h_train:.1%}); wall clock {a_wall:,.0f} vs {h_wall:,.0f} samples/s "
              f"({a_wall / h_wall:.1%}); longest GUI stall {stall:.1f} ms; {rows} dynamics measurements",
              flush=True)
    print(f"median: in-app speed {statistics.median(train_ratios):.1%} of headless in training time, "
          f"{statistics.median(wall_ratios):.1%} in wall clock (target >= 90%); longest GUI stall "
          f"{statistics.median(stalls):.1f} ms (target <= 50 ms; worst round {max(stalls):.1f} ms)")
    window.close()
    settings.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
