"""A projector at 1280x720 and 1920x1080 (issue 22): in presentation mode the plots get their
share of the panel (the lesson), the settings move aside, and at zoom 1 nothing changes."""

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from engine.experiments import Configuration, run_configuration
from engine.files.session_file import SessionView
from engine.network import HiddenLayer, NetworkSpec
from engine.presets import PRESETS
from engine.training import EpochEnd, RunEnd, TrainConfig
from mnist_gui.state.presentation import PRESENTING_ZOOM

from gui import TIMEOUT, open_window
from synthetic import make_dataset, make_idx_folder


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


CLASS_SETS = ((3, 7), (4, 9), (0, 1), (5, 8), (0, 1, 2), (0, 1, 2, 3, 4), ())


def add_experiment(window):
    """The built-in two-classes-then-more as if it had run: seven runs of one experiment, each on
    its own classes, a results table, and the last run's network shown (so the replay bar is)."""
    spec = NetworkSpec(hidden=(HiddenLayer(8, "relu"),), seed=1)
    data = run_configuration(Configuration("small", spec, TrainConfig(epochs=2, batch_size=16)),
                             make_dataset(240, 60))
    name = "two-classes-then-more"
    runs = [replace(data, name=f"{name} · {', '.join(map(str, labels)) or 'all classes'}", group=name,
                    spec=replace(spec, class_labels=labels, classes=len(labels) or 10))
            for labels in CLASS_SETS]
    added = window.runs.add_runs(runs, SessionView(results=((name, tuple(range(len(runs)))),)))
    window.hub.show_run(added[-1])
    return added


def rows_shown(table) -> float:
    return table.viewport().height() / table.verticalHeader().defaultSectionSize()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_presenting_an_experiment_of_seven_runs_fits_with_a_third_for_each_plot(qtbot, window, size):
    """Issue 22 with an experiment: it scrolled (711 px of panel in 656), each plot's curves had
    42 px under a legend of its own, and the results table one row."""
    add_experiment(window)
    view = presenting_training(qtbot, window, size)
    area = window.navigator.stack.currentWidget()
    qtbot.waitUntil(lambda: min(plot_heights(view)) >= view.height() / 3, timeout=TIMEOUT)
    assert area.verticalScrollBar().maximum() == 0 and view.height() == area.viewport().height()
    for plot in (view.plots.loss_plot, view.plots.accuracy_plot):
        curves = plot.getPlotItem().vb.sceneBoundingRect()
        assert curves.height() >= 0.45 * plot.height()  # a data area, not a strip
        legend = plot.legend.sceneBoundingRect()
        assert legend.bottom() <= curves.top() and legend.right() <= plot.width()  # beside the title
    caption = view.plots.caption
    assert caption.height() < 2 * caption.fontMetrics().lineSpacing()  # one line
    assert view.lower.currentWidget() is view.outcome and rows_shown(view.results) >= 2
    view.lower.setCurrentWidget(view.runs_list)  # the runs a click away, as many rows at least
    qtbot.waitUntil(lambda: rows_shown(view.runs_list.table) >= 2, timeout=TIMEOUT)
    bar = view.replay_bar
    assert bar.isVisible() and bar.mapTo(area.viewport(), bar.rect().bottomLeft()).y() < area.viewport().height()


def test_under_the_plots_a_new_table_shows_its_results_and_a_new_run_its_row(qtbot, window):
    view = window.training_view
    assert view.lower.tabBar().isHidden() and view.lower.currentWidget() is view.runs_list  # no experiment
    add_experiment(window)
    assert view.lower.currentWidget() is view.outcome and view.lower.tabBar().isVisibleTo(view)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT):
        view.start()
        assert view.lower.currentWidget() is view.runs_list  # watch its row while it trains
    assert view.lower.currentWidget() is view.runs_list and view.lower.isTabVisible(1)


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


# --- dialogs follow the zoom and fit the screen ---------------------------------------------------


def open_dialogs(window):
    """Start here, Experiment, the learning-rate finder and a warning, as the app opens them."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    from mnist_gui.panels.training.experiments import ExperimentDialog
    from mnist_gui.panels.training.lr_finder import LRFinderDialog
    window.findChild(QAction, "startHereAction").trigger()
    draft = window.draft
    experiment, finder = ExperimentDialog(draft.spec(), draft.config(), window), LRFinderDialog(window)
    experiment.show()
    finder.show()
    window.show_error("A warning", "Something could not be read.")
    return [window.findChild(QWidget, "startHereDialog"), experiment, finder, window.error_dialog()]


def on_screen(widget) -> bool:
    """The widget (a dialog's OK button, say) lies within its screen's available area."""
    from PySide6.QtCore import QRect
    rect = QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())
    return widget.screen().availableGeometry().contains(rect)


@pytest.mark.parametrize("zoom", [1.0, PRESENTING_ZOOM])
def test_every_dialog_follows_the_zoom_and_fits_the_screen(qtbot, window, zoom):
    from PySide6.QtWidgets import QDialogButtonBox, QPushButton
    presenting_training(qtbot, window, (1280, 720), zoom=zoom)
    points = QApplication.font().pointSizeF()
    dialogs = open_dialogs(window)
    for dialog in dialogs:
        qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
        assert dialog.font().pointSizeF() == pytest.approx(points * zoom, rel=0.02), dialog.objectName()
        assert on_screen(dialog), (dialog.objectName(), dialog.geometry())
        buttons = dialog.findChildren(QDialogButtonBox) or dialog.findChildren(QPushButton)
        assert buttons and all(on_screen(b) for b in buttons if b.isVisible()), dialog.objectName()
    start_here = dialogs[0]  # the long text scrolls inside a dialog that fits (the offscreen screen is 800 high)
    if zoom > 1:
        assert start_here.browser.verticalScrollBar().maximum() > 0
    for dialog in dialogs:
        dialog.close()


def test_a_dialog_sized_in_code_grows_with_the_zoom(qtbot, window):
    from mnist_gui.panels.training.lr_finder import LRFinderDialog
    presenting_training(qtbot, window, (1280, 720), zoom=1.05)  # 756 px: within the 800 px offscreen screen
    finder = LRFinderDialog(window)
    finder.show()
    qtbot.waitUntil(finder.isVisible, timeout=TIMEOUT)
    assert finder.width() == pytest.approx(720 * 1.05, abs=2)
    finder.close()


# --- Help > Start here --------------------------------------------------------------------------


def test_the_tour_names_every_panel_in_the_sidebar_and_the_experiments_and_presets(qtbot, window):
    from mnist_gui.glossary import TOUR, start_here_html
    toured = [title.split(" (Ctrl+")[0] for title, _ in TOUR]
    sidebar = [window.navigator.sidebar.item(row).text() for row in range(window.navigator.sidebar.count())]
    assert toured == sidebar  # every panel, in the sidebar's order
    for key, (title, _) in zip(window.navigator.keys(), TOUR):  # with the shortcut that shows it
        assert title.endswith(f"({window._panel_actions[key].shortcut().toString()})")
    text = start_here_html().lower()
    assert "experiment" in text and "preset" in text and "five panels" not in text


def test_the_window_title_names_the_app_once(qtbot, window):
    from mnist_gui.about import APP_NAME
    title = window.windowTitle()  # Qt adds the display name to a title that does not end with it
    assert title.endswith(APP_NAME) and title.count(APP_NAME) == 1


# --- numbers in texts ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "digits", "text"), [
    (4.065e-05, 3, "0.00004"), (0.8581, 3, "0.858"), (2.302585, 3, "2.3"), (55000, 3, "55,000"),
    (0.0, 4, "0"), (3.2e-07, 2, "3.2 × 10⁻⁷"), (float("nan"), 3, "not a number"), (-0.00004, 3, "-0.00004"),
    (0.0001234, 3, "0.00012"), (123.456, 3, "123"), (0.031623, 2, "0.032")])
def test_numbers_read_as_a_class_reads_them(value, digits, text):
    from mnist_gui.widgets.number_text import readable, rounded
    assert readable(value, digits) == text
    if "×" not in text and text != "not a number":
        assert rounded(value, digits) == float(text.replace(",", ""))


@pytest.mark.parametrize(("value", "digits", "text"), [
    (-0.0, 3, "0"), (0.0, 4, "0"), (-1e-300, 3, "−1 × 10⁻³⁰⁰"), (-0.00004, 3, "−0.00004"),
    (0.12345, 4, "+0.1235"), (-0.0012346, 4, "−0.001235"), (-0.000123456, 6, "−0.000123456"),
    (12345.6, 4, "+12,350"), (-3.2e-07, 2, "−3.2 × 10⁻⁷"), (2.0, 4, "+2"), (float("nan"), 3, "not a number")])
def test_a_signed_number_never_reads_minus_zero_and_keeps_its_digits(value, digits, text):
    """A formula's terms: the sign always written, "−" (the minus sign), and no "−0": a negative zero
    (a ReLU's gate times a negative error) is 0, a tiny number keeps digits enough to be itself."""
    from mnist_gui.widgets.number_text import signed
    assert signed(value, digits) == text
    assert signed(np.float32(value), digits) == signed(float(np.float32(value)), digits)


def test_a_learning_rate_field_shows_plain_decimals_and_keeps_its_value(qtbot):
    from mnist_gui.widgets.number_fields import LogSpinBox
    field = LogSpinBox()
    qtbot.addWidget(field)
    field.set_exact(4.065e-05)
    assert field.text() == "0.00004065" and field.exact_value() == 4.065e-05


def test_the_finder_suggests_the_rate_it_says(qtbot):
    from types import SimpleNamespace

    from mnist_gui.panels.training.lr_finder import LRFinderDialog
    dialog = LRFinderDialog()
    qtbot.addWidget(dialog)
    lrs = np.logspace(-6, 0, 50)
    dialog.show_result(SimpleNamespace(lrs=lrs, losses=np.ones(50), smoothed=np.ones(50), suggestion=4.065e-05,
                                       stopped_early=False, reason=""))
    assert dialog.use_button.text() == "Use learning rate 0.00004"
    assert dialog.suggestion() == 0.00004


def test_presenting_at_1280x720_the_units_limit_shows_beside_its_field(qtbot, window):
    """Typed 9999 in a layer: the message sits under the row, in sight, not below the fold while
    only the summary says the network is counted with the limit."""
    from PySide6.QtCore import QRect

    from engine.network import MAX_UNITS
    view = presenting_training(qtbot, window, (1280, 720))
    qtbot.waitUntil(view.is_tabbed, timeout=TIMEOUT)
    view.tabs.setCurrentWidget(view.builder_scroll)
    layers = view.builder.layers
    units, _ = layers.row_widgets(len(layers.layers()) - 1)  # the last row: the lowest on the form
    view.builder_scroll.ensureWidgetVisible(units)
    units.setFocus()
    units.lineEdit().selectAll()
    qtbot.keyClicks(units.lineEdit(), "9999")
    message, viewport = layers.limit_label, view.builder_scroll.viewport()

    def in_sight(widget) -> bool:
        top_left = widget.mapTo(viewport, widget.rect().topLeft())
        return widget.isVisible() and viewport.rect().contains(QRect(top_left, widget.size()))
    qtbot.waitUntil(lambda: in_sight(message) and in_sight(units), timeout=TIMEOUT)
    assert f"9,999 becomes {MAX_UNITS:,}" in message.text()
    assert message.mapTo(viewport, message.rect().topLeft()).y() >= units.mapTo(viewport, units.rect().topLeft()).y()
    assert view.builder.limit_note.isVisible() and "9,999" in view.builder.limit_note.text()


def test_f5_shows_a_wait_cursor_until_the_window_has_redrawn(qtbot, window):
    from PySide6.QtCore import Qt
    window.resize(1280, 720)
    assert QApplication.overrideCursor() is None
    window.presentation.set_presenting(True)
    assert QApplication.overrideCursor().shape() == Qt.WaitCursor  # while the fonts change and lay out
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is None, timeout=TIMEOUT)
    window.show_panel("training")  # shown again at the same zoom: nothing to wait for
    assert QApplication.overrideCursor() is None


def test_a_combo_made_while_presenting_pops_up_its_list_at_the_zoom_not_twice_it(qtbot, window):
    """A combo box's list is a popup window the combo gives its own zoomed font: the zoom takes
    its size at zoom 1 from the combo, so showing a panel again neither rescales it nor waits."""
    from PySide6.QtWidgets import QComboBox

    from mnist_gui.widgets.zoom import apply_zoom
    window.resize(1280, 720)
    window.presentation.set_presenting(True)
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is None, timeout=TIMEOUT)
    combo = QComboBox(window.centralWidget())
    combo.addItems(["one", "two"])
    view = combo.view()  # the popup and its list are made now, at the zoomed font
    apply_zoom(window, PRESENTING_ZOOM)
    apply_zoom(window, PRESENTING_ZOOM)
    assert view.font().pointSizeF() == pytest.approx(combo.font().pointSizeF())
    assert QApplication.overrideCursor() is None
    apply_zoom(window, 1.0)
    assert view.font().pointSizeF() == pytest.approx(QApplication.font().pointSizeF())
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is None, timeout=TIMEOUT)
