"""The longest GUI-thread stall while the default preset trains, with each tab of Evaluate and Inside on screen.

Runs offscreen. Builds the real main window, loads real MNIST and, in each round, shows each tab
of the Evaluate panel (confusion matrix, mistakes, what it learned) and of the Inside panel (one
step, training dynamics, hidden space, saliency) in turn, training the preset from the window
with that tab on screen (the order of the tabs turns round by round, so a busy minute on the
machine does not always fall on the same one); each run is removed once measured, so every run
trains in the same session (the runs piling up would slow the plots' redraws instead). The
heartbeat (``gui_heartbeat.py``, a 5 ms QTimer on the GUI thread) records the longest gap between
its ticks: how long the window could not respond; and the GUI thread's CPU time between two ticks,
the part of a stall the app's own work makes (on a shared machine most of a long gap can be other
processes' turn on the CPU, or the training thread holding the GIL). The panels' slots and paint
events are timed too, and the GUI thread's stack is sampled while a tick is late, so the longest
stall is given a likely culprit. Medians over the rounds, with the worst round, per tab.

    MNIST_DATA_DIR=../shared/data/mnist python benchmarks/bench_gui_stalls.py [--rounds 5] [--epochs 1]
        [--tabs evaluate:confusion,inside:saliency]

Target: longest stall <= 50 ms with any tab on screen (the median over the rounds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_gui_training import prepare, wait
from gui_heartbeat import Costs, Heartbeat
from PySide6.QtCore import QEventLoop, QSettings, QTimer

EVALUATE_TABS = ("confusion", "mistakes", "weights")  # in the order of the panel's tabs
INSIDE_TABS = ("step", "dynamics", "embedding", "saliency")
ALL_TABS = tuple(f"evaluate:{t}" for t in EVALUATE_TABS) + tuple(f"inside:{t}" for t in INSIDE_TABS)
SLOTS = Costs()  # the GUI-thread functions timed, to name the likely culprit of a stall


def instrument():
    """Time the slots and paint events of the panels on screen (and of their peers)."""
    import pyqtgraph as pg

    from mnist_gui.panels.draw.view import DrawView
    from mnist_gui.panels.evaluate.confusion import ConfusionMatrix, ConfusionView
    from mnist_gui.panels.evaluate.mistakes import MistakesView
    from mnist_gui.panels.evaluate.view import EvaluateView
    from mnist_gui.panels.evaluate.weights import WeightsView
    from mnist_gui.panels.inside.dynamics_view import DynamicsView
    from mnist_gui.panels.inside.embedding_view import EmbeddingView
    from mnist_gui.panels.inside.saliency_view import SaliencyView
    from mnist_gui.panels.inside.step_view import StepView
    from mnist_gui.panels.training.plots import TrainingPlots
    from mnist_gui.panels.training.runs_list import RunsList
    targets = [(pg.GraphicsView, "paintEvent"), (ConfusionMatrix, "paintEvent"),
               (EvaluateView, "_on_evaluated"), (EvaluateView, "_on_evaluation_started"),
               (ConfusionView, "set_evaluation"), (MistakesView, "set_evaluation"),
               (WeightsView, "set_network"), (WeightsView, "set_mosaics"), (WeightsView, "set_drawing"),
               (DynamicsView, "refresh"), (DynamicsView, "_on_dynamics_added"),
               (EmbeddingView, "_on_maps"), (EmbeddingView, "refresh"),
               (StepView, "_on_result"), (StepView, "refresh"),
               (SaliencyView, "_on_result"), (SaliencyView, "refresh"),
               (DrawView, "_on_network_changed"), (RunsList, "_on_run_changed"),
               (TrainingPlots, "_on_run_changed"), (TrainingPlots, "_on_batches_added")]
    for owner, name in targets:
        if hasattr(owner, name):
            SLOTS.wrap(owner, name)


def show(window, tab: str) -> None:
    panel, key = tab.split(":")
    window.show_panel(panel)
    if panel == "inside":
        window.inside_view.show_tab(key)
    else:
        window.evaluate_view.tabs.setCurrentIndex(EVALUATE_TABS.index(key))


def train_once(window, meter: Heartbeat, spec, config) -> tuple[float, float, str]:
    """(longest stall in ms, the most GUI-thread CPU between two ticks in ms, the likely culprit)
    of one run started from the window."""
    view = window.training_view
    view.builder.set_spec(spec, config)
    session = view.session
    done = []
    loop = QEventLoop()
    session.run_finished.connect(done.append)
    session.run_finished.connect(loop.quit)
    SLOTS.reset()
    meter.start()
    QTimer.singleShot(0, view.start)  # what Start does, whichever panel is shown
    loop.exec()
    meter.stop()
    session.run_finished.disconnect(done.append)
    session.run_finished.disconnect(loop.quit)
    if done[0].status != "completed":
        raise RuntimeError(f"the in-app run ended: {done[0].status} {done[0].message}")
    view.remove_run(done[0])  # each tab's run starts from the same session: one run, the one training
    return meter.longest, meter.longest_cpu, (
        f"{SLOTS.longest_name} {1000 * SLOTS.longest:.0f} ms, {1000 * SLOTS.longest_cpu:.0f} ms CPU; "
        f"GUI thread seen in the longest late stretch: {meter.culprit() or 'never late'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--tabs", default=",".join(ALL_TABS), help="panel:tab, comma-separated")
    parser.add_argument("--switch-interval", type=float, default=None, metavar="MS",
                        help="Python's GIL switch interval (sys.setswitchinterval; default 5 ms): how "
                             "long the GUI thread can wait for the GIL the training thread holds")
    args = parser.parse_args(argv)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)
    tabs = args.tabs.split(",")
    prepared = prepare(args.preset, args.epochs)
    if prepared is None:
        return 2
    app, data, spec, config = prepared
    instrument()
    from mnist_gui.main_window import MainWindow
    settings = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_gui_stalls_{os.getpid()}.ini"
    window = MainWindow(settings=QSettings(str(settings), QSettings.IniFormat), load=False)
    window.resize(1400, 900)
    window.show()
    window.set_dataset(data)
    wait(app, 3.0)  # let the panels finish their own start-up work (means, baseline)
    meter = Heartbeat(sample=True)
    print(f"{data.name}: {spec.describe()}, {config.describe()}; {os.cpu_count()} CPUs; "
          f"{args.rounds} rounds of {len(tabs)} tabs; GIL switch interval {1000 * sys.getswitchinterval():g} ms")
    stalls: dict[str, list[float]] = {tab: [] for tab in tabs}
    cpus: dict[str, list[float]] = {tab: [] for tab in tabs}
    for r in range(args.rounds):
        shift = r % len(tabs)
        for tab in tabs[shift:] + tabs[:shift]:
            show(window, tab)
            wait(app, 1.0)  # the tab's own first drawing is not a training stall
            stall, cpu, culprit = train_once(window, meter, spec, config)
            stalls[tab].append(stall)
            cpus[tab].append(cpu)
            print(f"round {r + 1}, {tab}: longest GUI stall {stall:.1f} ms, {cpu:.1f} ms of it GUI-thread "
                  f"CPU (longest timed call: {culprit})", flush=True)
            wait(app, 1.0)  # let the panels finish reacting to the last network
    print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    print("median longest stall per tab (target <= 50 ms), worst round in brackets; then the most "
          "GUI-thread CPU between two ticks (what the app's own work costs, whatever the machine's load):")
    for tab in tabs:
        print(f"  {tab:20s} {statistics.median(stalls[tab]):6.1f} ms  ({max(stalls[tab]):6.1f} ms)   "
              f"CPU {statistics.median(cpus[tab]):6.1f} ms  ({max(cpus[tab]):6.1f} ms)")
    window.close()
    settings.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
