"""The loss-landscape dialog (issue 23): it draws what engine.landscape computes (colours, path), off
the GUI thread with progress and Cancel, for one run or two side by side with one colour scale; the
runs list offers it for one or two ended runs with a network."""

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from engine.landscape import LandscapeSettings, compute_landscape
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.replay import Recorder
from engine.training import BatchEnd, TrainConfig, Trainer
from mnist_gui.panels.training.landscape import LossLandscape, shared_levels
from tests.synthetic import make_dataset

SPEC = NetworkSpec(input_size=144, hidden=(HiddenLayer(8, "relu"),), seed=1)


def trained_run(name: str, lr: float, images, labels):
    """A run-like object: a trained network and its snapshots (the path)."""
    network = Network(SPEC)
    recorder = Recorder(network)
    recorder.offer(0, 0.0)
    step = 0
    for event in Trainer(network, TrainConfig(epochs=2, batch_size=16, lr=lr), images, labels).run():
        if isinstance(event, BatchEnd):
            step = event.step
            recorder.offer(step, event.epoch)
    recorder.finish(step, 2.0)
    return SimpleNamespace(name=name, network=network, snapshots=tuple(recorder.snapshots),
                           status=SimpleNamespace(active=False))


@pytest.fixture
def data():
    return make_dataset(200, 100, shape=(12, 12))


@pytest.fixture
def tool(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    tool = LossLandscape(parent)
    yield tool
    assert tool.shutdown(5000)
    if tool.dialog is not None:
        tool.dialog.close()


def test_the_dialog_draws_the_engines_landscape_and_path(qtbot, tool, data):
    run = trained_run("Run 1", 0.01, data.train_images, data.train_labels)
    before = run.network.copy()
    tool.open([run], data)
    dialog = tool.dialog
    dialog.directions.setCurrentIndex(dialog.directions.findData("path"))
    dialog.grid.setCurrentIndex(0)   # 11 x 11
    dialog.samples.setCurrentIndex(0)
    settings = dialog.settings()
    assert settings == LandscapeSettings("path", None, 11, 500)
    with qtbot.waitSignal(tool.runner.succeeded, timeout=30000):
        dialog.compute_button.click()
    want = compute_landscape(run.network.copy(), data.test_images, data.test_labels, settings,
                             [s.parameters() for s in run.snapshots], [s.step for s in run.snapshots])
    plot = dialog.plots[0]
    np.testing.assert_allclose(plot.image.image, np.log10(want.surface.loss).T, rtol=1e-6)
    x, y = plot.path.getData()
    np.testing.assert_allclose(np.c_[x, y], want.path, atol=1e-9)
    assert plot.getPlotItem().titleLabel.text == "Run 1"
    assert "of it)" in plot.getPlotItem().getAxis("bottom").labelText  # the path's share is named
    assert "Run 1: loss" in dialog.text.text()
    np.testing.assert_array_equal(run.network.dense_layers[0].W, before.dense_layers[0].W)  # untouched


def test_two_runs_side_by_side_share_one_colour_scale(qtbot, tool, data):
    runs = [trained_run("Run 1", 0.01, data.train_images, data.train_labels),
            trained_run("Run 2", 0.3, data.train_images, data.train_labels)]
    tool.open(runs, data)
    tool.dialog.grid.setCurrentIndex(0)
    with qtbot.waitSignal(tool.runner.succeeded, timeout=30000) as blocker:
        tool.dialog.compute_button.click()
    results = blocker.args[0]
    levels = shared_levels([lnd for _, lnd in results])
    plots = tool.dialog.plots
    assert [p.isVisibleTo(tool.dialog) for p in plots] == [True, True]
    for plot in plots:
        assert plot.image.levels == pytest.approx(levels)
    assert [p.getPlotItem().titleLabel.text for p in plots] == ["Run 1", "Run 2"]


def test_cancel_stops_the_computation_and_says_so(qtbot, tool, data):
    run = trained_run("Run 1", 0.01, data.train_images, data.train_labels)
    tool.open([run], data)
    tool.dialog.grid.setCurrentIndex(2)  # 31 x 31: long enough to cancel
    tool.dialog.compute_button.click()
    assert tool.dialog.cancel_button.isEnabled() and not tool.dialog.compute_button.isEnabled()
    with qtbot.waitSignal(tool.runner.was_cancelled, timeout=30000):
        tool.dialog.cancel_button.click()
    assert "Cancelled" in tool.dialog.text.text()
    assert tool.dialog.compute_button.isEnabled()
    assert tool.dialog.plots == []


def test_a_run_without_a_path_offers_random_directions_only(qtbot, tool, data):
    run = trained_run("Old run", 0.01, data.train_images, data.train_labels)
    run.snapshots = ()
    tool.open([run], data)
    combo = tool.dialog.directions
    assert not combo.model().item(combo.findData("path")).isEnabled()
    assert combo.currentData() == "random"
    assert "random directions only" in tool.dialog.text.text()


def test_plots_made_after_the_dialog_was_zoomed_are_zoomed_like_it(qtbot, tool, data):
    from mnist_gui.widgets.dialogs import fit_dialog, zoom_of
    run = trained_run("Run 1", 0.01, data.train_images, data.train_labels)
    tool.open([run], data)
    dialog = tool.dialog
    base = dialog.font().pointSizeF()
    fit_dialog(dialog, 1.6)  # as presentation mode shows it
    assert zoom_of(dialog) == pytest.approx(1.6)
    dialog.grid.setCurrentIndex(0)
    with qtbot.waitSignal(tool.runner.succeeded, timeout=30000):
        dialog.compute_button.click()
    axis = dialog.plots[0].getPlotItem().getAxis("bottom")
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(1.6 * base, rel=0.02)
    assert dialog.plots[0].font().pointSizeF() == pytest.approx(1.6 * base, rel=0.02)
