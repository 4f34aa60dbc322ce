"""A projector at 1280x720 and 1920x1080 (issue 22): in presentation mode the plots get their
share of the panel (the lesson), the settings move aside, and at zoom 1 nothing changes."""

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication

from engine.network import NetworkSpec
from engine.presets import PRESETS
from engine.training import EpochEnd, RunEnd
from mnist_gui.state.presentation import PRESENTING_ZOOM

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder


@pytest.fixture
def window(qtbot, settings, tmp_path):
    return open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)


def add_run(runs, epochs: int = 3):
    """A finished run made up (no training), so the legend under the plots has its rows."""
    run = runs.new_run("Run {n} · made up", NetworkSpec(), replace(PRESETS["default"].training, epochs=epochs),
                       "digits")
    for e in range(1, epochs + 1):
        run.add_batch_loss(e - 0.5, 1.0 / e)
        run.add_epoch(EpochEnd(e, epochs, 0.5 / e, 0.9, 0.6 / e, 0.88, None, None, 1.0, 1000.0, 0.1))
    run.finish(RunEnd("completed", "done", epochs, 1.0, 1000.0, 0.1, 0.9, tuple(run.epochs)))
    runs.run_changed.emit(run)
    return run


def presenting_training(qtbot, window, size, zoom=PRESENTING_ZOOM):
    window.resize(*size)
    if zoom == PRESENTING_ZOOM:
        window.presentation.set_presenting(True)
    else:
        window.presentation.set_zoom(zoom)
    window.show_panel("training")
    QApplication.processEvents()
    return window.training_view


def plot_heights(view) -> list[int]:
    return [view.plots.loss_plot.height(), view.plots.accuracy_plot.height()]


@pytest.mark.parametrize("n_runs", [1, 10])
def test_presenting_at_1280x720_each_plot_gets_a_third_of_the_panel(qtbot, window, n_runs):
    for _ in range(n_runs):  # ten runs: the legend under the plots takes two rows
        add_run(window.runs)
    view = presenting_training(qtbot, window, (1280, 720))
    assert view.is_tabbed()
    qtbot.waitUntil(lambda: min(plot_heights(view)) >= view.height() / 3, timeout=TIMEOUT)
    assert view.runs_list.isVisible() and view.runs_list.height() >= view.runs_list.minimumSizeHint().height()
    axis = view.plots.accuracy_plot.getPlotItem().getAxis("left")  # "accuracy (%)" fits beside its plot
    assert axis.label.boundingRect().width() <= axis.height()


def test_presenting_at_1920x1080_the_plots_have_the_width_and_the_settings_a_tab(qtbot, window):
    view = presenting_training(qtbot, window, (1920, 1080))
    qtbot.waitUntil(view.is_tabbed, timeout=TIMEOUT)  # beside the settings the plots had 63 %
    assert view.plots.width() > 0.9 * view.width()
    assert min(plot_heights(view)) >= view.height() / 3
    view.tabs.setCurrentWidget(view.builder_scroll)  # the settings are one click away
    assert view.builder_scroll.isVisible()


def test_at_zoom_1_the_settings_stay_beside_the_plots(qtbot, window):
    view = presenting_training(qtbot, window, (1280, 720), zoom=1.0)
    assert not view.is_tabbed() and view.builder_scroll.isVisible()
    assert min(plot_heights(view)) >= view.height() / 3
