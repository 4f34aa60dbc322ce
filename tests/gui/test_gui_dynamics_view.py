"""Inside's training dynamics view (issue 22): each curve is made once and then only fed, a range
is set only when it changes, and a replayed moment of the run shown is marked on its epoch plots."""

from dataclasses import replace

import numpy as np
import pytest

from engine.network import HiddenLayer, NetworkSpec
from engine.replay import network_at
from engine.training import TrainConfig
from mnist_gui.panels.inside.dynamics_view import DynamicsView, layer_titles, time_span
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession

from synthetic import make_dataset

TIMEOUT = 20000
CONFIG = replace(TrainConfig(), epochs=2, batch_size=16, optimiser="sgd", lr=0.1)


@pytest.fixture
def setup(qtbot):
    runs, hub = RunsModel(), ModelHub()
    session = TrainingSession(runs, hub)
    view = DynamicsView(runs, hub)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    yield session, view, make_dataset(240, 60)
    view.stop_timers()
    assert session.shutdown(5000)


def train(qtbot, session, data, *widths, name="run"):
    spec = NetworkSpec(hidden=tuple(HiddenLayer(w) for w in widths), seed=3)
    with qtbot.waitSignal(session.run_finished, timeout=TIMEOUT) as blocker:
        session.start(name, spec, CONFIG, data)
    return blocker.args[0]


def legend_names(view, key):
    return [label.text for _, label in view._plots[key].getPlotItem().legend.items]


def test_the_curves_are_made_once_and_fed_through_runs_of_any_depth(qtbot, setup):
    session, view, data = setup
    first = train(qtbot, session, data, 16, 12)
    view.refresh()
    curves = {key: view.curves(key) for key in ("gradient", "ratio", "units")}
    items = {key: list(plot.getPlotItem().items) for key, plot in view._plots.items()}
    assert len(curves["gradient"]) == 3 and len(curves["units"]) == 2  # the logits have no dead units
    view.refresh()  # another redraw, as each live tick: the same items, fed
    assert all(view.curves(key) == curves[key] and all(a is b for a, b in zip(view.curves(key), curves[key]))
               for key in curves)
    second = train(qtbot, session, data, 16, 12, name="again")
    view.refresh()
    assert view.shown_run() is second and second is not first
    for i, curve in enumerate(view.curves("gradient")):
        assert curve is curves["gradient"][i]  # the same object, now the second run's numbers
        np.testing.assert_allclose(curve.getOriginalDataset()[1], second.dynamics.gradient_norms[:, i])
    deep = train(qtbot, session, data, 16, 12, 12, 8, name="deep")
    view.refresh()
    names = layer_titles(deep, deep.dynamics.latest.layers)
    assert len(view.curves("gradient")) == 5 and view.curves("gradient")[:3] == curves["gradient"]
    assert legend_names(view, "gradient") == names and legend_names(view, "units") == names[:-1]
    for key, plot in view._plots.items():  # taken from the curves made when first shown: no item added
        assert list(plot.getPlotItem().items) == items[key]
    shallow = train(qtbot, session, data, 16, name="shallow")
    view.refresh()
    gradient = view.curves("gradient")
    assert len(gradient) == 2
    assert legend_names(view, "gradient") == layer_titles(shallow, shallow.dynamics.latest.layers)
    spare = [c for c in view._plots["gradient"].getPlotItem().items if c in view._pool["gradient"][2:]]
    assert spare and not any(c.isVisible() for c in spare)  # the curves of no layer are hidden


def test_a_range_is_set_only_when_it_changes(qtbot, setup):
    session, view, data = setup
    train(qtbot, session, data, 16, 12)
    view.refresh()
    changes = []
    for plot in (*view._plots.values(), view.histogram_view):
        plot.getPlotItem().getViewBox().sigStateChanged.connect(changes.append)
    view.refresh()
    assert changes == []  # the same run drawn again: no view or axis updated
    box = view.gradient_plot.getPlotItem().getViewBox()
    box.setRange(xRange=(5, 6))  # panned away by hand: the next redraw frames the run again
    changes.clear()
    view.refresh()
    assert box.viewRange()[0][0] < 0.1 and changes
    (_, _), (low, high) = view.histogram_view.getPlotItem().viewRange()
    rows = len(view.shown_run().dynamics)
    assert low <= 0 < rows <= high and high == pytest.approx(time_span(rows), rel=0.05)
    assert [time_span(n) for n in (0, 1, 8, 9, 100, 512)] == [8, 8, 8, 16, 128, 512]


def test_the_replayed_moment_of_the_run_shown_is_marked(qtbot, setup):
    session, view, data = setup
    first = train(qtbot, session, data, 16, name="first")
    second = train(qtbot, session, data, 16, name="second")
    hub = view.hub
    assert view.shown_run() is second and view.moment.x is None  # the end: no marker
    snapshot = second.snapshots[4]
    hub.set_network(network_at(second.spec, snapshot), "second at a step", second, snapshot)
    assert view.moment.x == pytest.approx(snapshot.epoch) and 0 < snapshot.epoch < CONFIG.epochs
    assert len(view.moment.lines) == 3 and all(
        line.isVisible() and line.label.toPlainText() == f"step {snapshot.step:,}" for line in view.moment.lines)
    view.run_chooser.setCurrentIndex(view.run_chooser.findData(first.number))
    assert view.shown_run() is first and view.moment.x is None  # another run's moment: not on its plots
    view.run_chooser.setCurrentIndex(view.run_chooser.findData(second.number))
    assert view.moment.x == pytest.approx(snapshot.epoch)
    hub.show_run(second)  # its final network again
    assert view.moment.x is None and not any(line.isVisible() for line in view.moment.lines)


def test_a_new_run_is_named_and_framed_before_its_first_measurement(qtbot, setup):
    _session, view, _data = setup
    view._timer.setInterval(1)
    spec = NetworkSpec(hidden=(HiddenLayer(16, "tanh"), HiddenLayer(8)), seed=1, classes=2, class_labels=(3, 7))
    run = view.runs.new_run("starting", spec, replace(CONFIG, epochs=4))
    assert view.shown_run() is run and len(run.dynamics) == 0
    wanted = ["hidden 1 (tanh)", "hidden 2 (relu)", "output: 3, 7"]
    qtbot.waitUntil(lambda: not view._timer.isActive(), timeout=TIMEOUT)
    assert legend_names(view, "gradient") == legend_names(view, "ratio") == wanted
    assert legend_names(view, "units") == wanted[:-1] and [view.layer_chooser.itemText(i) for i in range(3)] == wanted
    (x_low, x_high), _ = view.gradient_plot.getPlotItem().viewRange()
    assert x_low < 0 < 4 < x_high < 4.2  # the planned epochs, before any measurement
    assert all(len(curve.getOriginalDataset()[0] or ()) == 0 for curve in view.curves("gradient"))


def test_the_epoch_axis_says_epochs_under_a_first_epoch(qtbot, setup):
    # pyqtgraph's automatic prefix had the axis read "epochs (x0.001)" with ticks 0 to 800
    _session, view, _data = setup
    for key in ("gradient", "ratio", "units"):
        item = view._plots[key].getPlotItem()
        item.setXRange(0, 0.85, padding=0)
        axis = item.getAxis("bottom")
        axis.updateAutoSIPrefix()
        assert axis.labelString().strip().startswith("<span") and "x0.001" not in axis.labelString()
        assert axis.scale == 1
