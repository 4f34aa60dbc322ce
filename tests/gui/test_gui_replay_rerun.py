"""Replay in the training panel (issue 23): the plots mark the replayed moment at the snapshot's
x, in the unit the axis shows; "Rerun with one change..." loads a run's settings with its seed,
names the new run after what changed and starts it from exactly the first run's initial weights."""

from dataclasses import replace

import numpy as np
import pytest

from engine.network import HiddenLayer
from mnist_gui.panels.training.view import TrainingView
from mnist_gui.state.model_hub import ModelHub
from tests.synthetic import make_dataset

TIMEOUT = 30000


@pytest.fixture
def view(qtbot, datasets):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(make_dataset(240, 60))
    spec = replace(view.draft.spec(), hidden=(HiddenLayer(16, "relu"),), seed=5)
    view.draft.set_spec(spec, replace(view.draft.config(), epochs=2, batch_size=16, seed=5,
                                      optimiser="sgd", lr=0.05))
    yield view
    assert view.shutdown(5000)


def run_to_end(qtbot, view):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT) as blocker:
        view.controls.start_button.click()
    return blocker.args[0]


def test_the_plots_mark_the_replayed_moment_at_the_snapshots_x(qtbot, view):
    run = run_to_end(qtbot, view)
    bar, plots = view.replay_bar, view.plots
    assert bar.run is run and plots.moment.x is None  # the end: the final network, no marker
    snapshot = run.snapshots[5]
    bar.go_to(5)
    assert view.hub.snapshot is snapshot
    assert plots.moment.x == pytest.approx(snapshot.epoch) and plots.moment.text == f"step {snapshot.step}"
    assert all(line.isVisible() and line.label.toPlainText() == f"step {snapshot.step}"
               for line in plots.moment.lines)  # the label a class reads
    plots.set_x_axis("images")
    assert plots.moment.x == pytest.approx(float(run.along([snapshot.epoch], "images")[0]))
    assert 0 < plots.moment.x < run.images_seen
    bar.go_to_end()
    assert view.hub.snapshot is None and plots.moment.x is None
    assert not any(line.isVisible() for line in plots.moment.lines)


def test_a_rerun_with_one_change_starts_from_the_first_runs_initial_weights(qtbot, view):
    first = run_to_end(qtbot, view)
    view.draft.set_preset("default")  # the builder moved on since
    view.replay_bar.rerun_button.click()
    assert view.draft.spec() == first.spec and view.draft.config() == first.config  # the seed too
    hint = view.replay_bar.rerun_hint
    assert hint.isVisibleTo(view) and "change one setting" in hint.text()
    view.builder.lr_spin.setValue(0.5)
    assert "learning rate 0.5" in hint.text() and "the same initial weights as Run 1" in hint.text()
    second = run_to_end(qtbot, view)
    assert second.name == "Run 2 · as Run 1, learning rate 0.5"
    assert second.config == replace(first.config, lr=0.5) and second.spec == first.spec
    start, again = first.snapshots[0], second.snapshots[0]
    assert start.step == again.step == 0
    for a, b in zip(start.weights + start.biases, again.weights + again.biases):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.snapshots[-1].weights[0], second.snapshots[-1].weights[0])


def test_a_rerun_that_changes_the_layers_says_the_initial_weights_cannot_be_the_same(qtbot, view):
    first = run_to_end(qtbot, view)
    view.rerun(first)
    view.draft.edit({"hidden": (HiddenLayer(24, "relu"),)}, {})
    assert "cannot be the same" in view.replay_bar.rerun_hint.text()
    second = run_to_end(qtbot, view)
    assert second.name == "Run 2 · as Run 1, hidden layers 24 relu"


def test_in_tabs_the_rerun_hint_is_under_the_replay_bar_where_rerun_was_clicked(qtbot, view):
    first = run_to_end(qtbot, view)
    view.resize(500, 700)  # a small window: settings and plots are two tabs
    view.show()
    qtbot.waitUntil(view.is_tabbed)
    view.tabs.setCurrentWidget(view.training_column)
    bar = view.replay_bar
    assert bar.rerun_hint.isHidden()
    bar.rerun_button.click()
    assert view.tabs.currentWidget() is view.training_column  # still looking at the bar
    assert bar.rerun_hint.isVisible() and "change one setting" in bar.rerun_hint.text()
    hint = bar.rerun_hint.mapTo(view, bar.rerun_hint.rect().topLeft())
    row = bar.row.mapTo(view, bar.row.rect().bottomLeft())
    assert 0 <= hint.y() - row.y() <= bar.rerun_hint.fontMetrics().height()  # right under the bar
    bar.rerun_hint.linkActivated.emit("settings")  # its link: the settings, to make the change
    assert view.tabs.currentWidget() is view.builder_scroll
    view.builder.lr_spin.setValue(0.5)
    assert "learning rate 0.5" in bar.rerun_hint.text() and "same initial weights" in bar.rerun_hint.text()
    second = run_to_end(qtbot, view)
    assert second.name == f"Run 2 · as {first.name.split(' · ')[0]}, learning rate 0.5"
    assert bar.rerun_hint.isHidden()
    bar.rerun_button.click()
    assert bar.rerun_hint.isVisible()
    view.remove_run(second)  # the run it reruns is gone: so is the hint
    assert bar.rerun_hint.isHidden()
