"""The main window: opens on data without a question, assembles the panels, menus, settings, About."""

import numpy as np
import pytest
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QListView, QWidget

from mnist_gui.about import about_html
from mnist_gui.app import parse_args

from gui import open_window
from synthetic import make_idx_folder


@pytest.fixture
def synthetic_dir(tmp_path):
    return make_idx_folder(tmp_path / "synthetic")


def test_opens_on_a_synthetic_folder(qtbot, settings, synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)
    assert window.dataset.train_images.shape == (120, 28, 28)
    status = window.status.dataset_label.text()
    assert str(synthetic_dir) in status and "120 train + 40 test images" in status
    assert window.findChild(QListView, "datasetBrowser").model().rowCount() == 120
    assert window.findChild(QWidget, "meanDigits") is window.panel("means")
    assert not window.windowIcon().isNull()
    assert "MNIST" in window.windowTitle()


def test_every_panel_is_one_shortcut_away(qtbot, settings, synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)
    keys = window.navigator.keys()
    assert keys == ["data", "means", "training", "draw", "evaluate", "inside"]
    for n, key in enumerate(keys, start=1):
        action = window._panel_actions[key]
        assert action.shortcut().toString() == f"Ctrl+{n}"
        assert action in window.view_menu.actions()
        action.trigger()
        assert window.navigator.current_key() == key
        assert window.current_panel() is window.panel(key)


def test_add_panel_replaces_in_place_and_a_panel_takes_its_state(qtbot, settings, synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)

    class Panel(QLabel):
        """A panel as they all are: it takes the state it shows in its constructor, and it keeps
        the panels' protocol (``shutdown``)."""

        def __init__(self, hub):
            super().__init__("new")
            self.datasets = [hub.dataset] if hub.dataset is not None else []
            hub.dataset_changed.connect(self.datasets.append)
            self.shut = []

        def shutdown(self, timeout_ms: int = 5000) -> bool:
            self.shut.append(timeout_ms)
            return True

    with pytest.raises(TypeError, match="not a panel"):
        window.add_panel("draw", "Draw", QLabel("no shutdown"), "draw", "Ctrl+4")
    panel = Panel(window.datasets)
    old_draw = window.draw_view
    old = window.add_panel("draw", "Draw", panel, "draw", "Ctrl+4")
    assert old is old_draw and window.panel("draw") is panel
    assert window.navigator.keys().index("draw") == 3
    assert panel.datasets == [window.dataset]
    extra = Panel(window.datasets)
    window.add_panel("extra", "Extra", extra, None, "Ctrl+6")
    assert window.navigator.keys()[-1] == "extra"
    window.show_panel("extra")
    assert window.current_panel() is extra
    assert window.add_panel("extra", "Extra", Panel(window.datasets)) is extra and extra.shut == [1500]
    assert window.shutdown(1000) and panel.shut == [0]  # every panel is stopped on closing


def test_settings_remember_the_source_and_geometry(qtbot, settings, synthetic_dir):
    first = open_window(qtbot, synthetic_dir, settings)
    first.resize(830, 690)
    first.close()
    assert settings.value("data/last_source") == str(synthetic_dir)
    again = open_window(qtbot, None, settings)          # no folder given: the last one is used
    assert again.dataset.source == str(synthetic_dir)
    assert not settings.value("window/geometry").isEmpty()
    assert again.height() == 690  # (the width is clamped to the small offscreen screen)


def test_menus_have_the_promised_entries(qtbot, settings, synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)
    texts = {a.text().replace("&", "") for m in window.menuBar().actions()
             for a in m.menu().actions()}
    for wanted in ("Open dataset folder…", "Download MNIST (11 MB)",
                   "Download Fashion-MNIST (30 MB)", "Quit", "About MNIST GUI", "Full screen"):
        assert wanted in texts


def test_about_names_the_versions():
    import platform

    import PySide6

    from engine.version import package_version
    text = about_html()
    for version in (platform.python_version(), qVersion(), PySide6.__version__, np.__version__,
                    package_version()):
        assert version in text


def test_command_line_takes_a_data_dir():
    assert parse_args(["--data-dir", "/some/where"]).data_dir == "/some/where"
    assert parse_args([]).data_dir is None
    assert parse_args(["--no-download"]).no_download and not parse_args([]).no_download


def test_opens_on_real_mnist(qtbot, settings, mnist_dir):
    window = open_window(qtbot, mnist_dir, settings)
    assert window.dataset.name == "MNIST"
    assert window.status.dataset_label.text() == (
        f"MNIST · {window.dataset.source} · 60,000 train + 10,000 test images")


def test_model_panels_share_one_network_and_the_file_menu_saves_it(qtbot, settings, synthetic_dir):
    from engine.network import Network, NetworkSpec
    window = open_window(qtbot, synthetic_dir, settings)
    texts = [a.text() for a in window.file_menu.actions()]
    assert "&Save model…" in texts and "&Load model…" in texts
    assert texts.index("&Load model…") < texts.index("&Quit")
    save = window.training_view.save_action
    assert not save.isEnabled()  # nothing trained yet
    net = Network(NetworkSpec(input_size=window.dataset.input_size, classes=window.dataset.n_classes))
    window.hub.set_network(net, "test")
    assert save.isEnabled()
    for view in (window.training_view, window.draw_view, window.evaluate_view):
        assert view.hub is window.hub


def test_evaluate_opens_images_in_the_browser_and_on_the_canvas(qtbot, settings, synthetic_dir):
    """What Evaluate's galleries ask (through the shared ImageFocus) is shown by the Data and Draw
    panels, and the window brings that panel to the front."""
    window = open_window(qtbot, synthetic_dir, settings)
    assert window.evaluate_view.focus is window.focus
    window.focus.show_in_browser("test", 7)
    assert window.navigator.current_key() == "data"
    assert window.data_panel.current_split() == "test"
    assert window.data_panel.browser.selected_image() == 7
    image = window.dataset.test_images[7]
    window.focus.put_on_canvas(image)
    assert window.navigator.current_key() == "draw"
    assert not window.draw_view.canvas.is_empty()


def test_every_name_for_automation_is_in_the_window(qtbot, settings, synthetic_dir):
    """The objectNames the issues promise to outside scripts, with their widget types."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QComboBox, QProgressBar, QPushButton, QSpinBox
    window = open_window(qtbot, synthetic_dir, settings)
    promised = {
        QListView: ["datasetBrowser", "mistakesGallery"],
        QComboBox: ["labelFilter", "splitSelector", "presetSelector"],
        QLabel: ["baselineAccuracy", "parameterCount", "predictionLabel"],
        QSpinBox: ["epochsSpin"],
        QPushButton: ["startButton", "pauseButton", "stopButton", "clearCanvasButton"],
        QProgressBar: ["trainingProgress"],
        pg.PlotWidget: ["lossPlot", "accuracyPlot", "gradientNormPlot", "histogramView", "embeddingMap"],
        QWidget: ["meanDigits", "networkBuilder", "runsList", "drawCanvas", "probabilityPlot",
                  "confusionMatrix", "weightsView", "insideView", "stepTrace", "saliencyView"],
    }
    missing = [(cls.__name__, name) for cls, names in promised.items() for name in names
               if len(window.findChildren(cls, name)) != 1]
    assert missing == []


def _wheel(widget, notches: int = 1):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_changes_a_field_only_once_it_has_the_focus(qtbot, settings, synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)
    window.show_panel("training")
    builder = window.training_view.builder
    spin, combo = builder.lr_spin, builder.findChild(QComboBox)
    lr, index = spin.value(), combo.currentIndex()
    _wheel(spin, -1)
    _wheel(combo, -1)
    assert spin.value() == lr and combo.currentIndex() == index  # scrolling past changes nothing
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    _wheel(spin, -1)
    assert spin.value() != lr  # a focused field takes the wheel as before


def test_zoom_and_presentation_mode_scale_labels_and_plots_and_are_remembered(qtbot, settings,
                                                                               synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)
    plot = window.training_view.plots.loss_plot
    label = window.training_view.controls.hint
    axis = plot.getPlotItem().getAxis("bottom")
    label_size, tick_size = label.font().pointSizeF(), axis.style["tickFont"]
    tick_size = tick_size.pointSizeF() if tick_size is not None else plot.font().pointSizeF()
    legend = window.training_view.plots.run_legend  # the runs and the baseline, under the plots
    legend.show_runs([], 0.8)
    baseline = legend.entries[0]
    baseline_size = baseline.font().pointSizeF()
    window.zoom_in_action.trigger()
    assert label.font().pointSizeF() == pytest.approx(label_size * 1.15, rel=0.01)
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(tick_size * 1.15, rel=0.01)
    assert baseline.font().pointSizeF() == pytest.approx(baseline_size * 1.15, rel=0.01)
    window.findChild(QAction, "presentationAction").trigger()
    assert window.presentation.presenting and window.presentation.zoom == pytest.approx(1.6)
    assert label.font().pointSizeF() == pytest.approx(label_size * 1.6, rel=0.01)
    window.close()
    again = open_window(qtbot, synthetic_dir, settings)  # remembered between launches
    assert again.presentation.presenting and again.presentation_action.isChecked()
    again.findChild(QAction, "zoomOutAction").trigger()
    assert again.presentation.zoom == pytest.approx(1.6 / 1.15, rel=0.01)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_hint_text_meets_wcag_aa_contrast(qtbot, theme):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from mnist_gui.theme import apply_theme, contrast
    app = QApplication.instance()
    before_style, before_palette = app.style().name(), app.palette()
    try:
        apply_theme(app, theme)
        p = app.palette()
        for background in (QPalette.Window, QPalette.Base):
            assert contrast(p.color(QPalette.PlaceholderText), p.color(background)) >= 4.5
    finally:
        app.setStyle(before_style)
        app.setPalette(before_palette)


def test_start_here_tours_the_panels_and_the_glossary_is_in_tooltips(qtbot, settings, synthetic_dir):
    from mnist_gui.glossary import GLOSSARY
    window = open_window(qtbot, synthetic_dir, settings)
    window.findChild(QAction, "startHereAction").trigger()
    box = window.findChild(QWidget, "startHereDialog")
    assert box is not None and box.isVisible()
    for title in ("Data", "Mean digits", "Network and training", "Draw", "Evaluate", *GLOSSARY):
        assert title.lower() in box.text().lower()
    box.close()
    plot = window.training_view.plots.loss_plot.getPlotItem()
    assert "One pass over every training image" in plot.getAxis("bottom").toolTip()


def test_the_inside_panel_sets_up_the_vanishing_gradient_comparison_and_follows_the_drawing(
        qtbot, settings, synthetic_dir):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton
    window = open_window(qtbot, synthetic_dir, settings)
    window.show_panel("inside")
    inside = window.findChild(QWidget, "insideView")
    inside.show_tab("dynamics")
    qtbot.mouseClick(inside.findChild(QPushButton, "preset_five-sigmoid"), Qt.LeftButton)
    assert window.navigator.current_key() == "training"
    assert window.draft.preset_name == "five-sigmoid"  # through the draft, not into the builder
    assert window.training_view.builder.preset_selector.currentData() == "five-sigmoid"
    window.draw_view.show_image(window.dataset.test_images[0])
    qtbot.waitUntil(lambda: inside.saliency_view.image() is not None, timeout=5000)
    window.close()


def test_ctrl_enter_starts_training_right_after_ctrl_3_but_not_from_another_panel(qtbot, settings,
                                                                                  synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)
    qtbot.waitExposed(window)
    window.activateWindow()
    session = window.training  # the window makes the session; the panel shows it
    assert window.training_view.session is session
    window.show_panel("draw")
    window.navigator.sidebar.setFocus()
    qtbot.keyClick(window.navigator.sidebar, Qt.Key_Return, Qt.ControlModifier)
    assert session.current_run is None  # the training panel is not on screen: its shortcut is off
    window._panel_actions["training"].trigger()  # Ctrl+3
    window.navigator.sidebar.setFocus()  # where Ctrl+3 leaves the focus
    with qtbot.waitSignal(session.run_finished, timeout=30_000):
        qtbot.keyClick(window.navigator.sidebar, Qt.Key_Return, Qt.ControlModifier)
        assert session.current_run is not None


def test_the_first_window_takes_a_small_screen_whole_and_most_of_a_large_one():
    from PySide6.QtCore import QSize

    from mnist_gui.main_window import first_size
    assert first_size(QSize(1280, 690)) == QSize(1280, 690)  # a 1280x720 laptop, panel bar taken
    assert first_size(QSize(1920, 1040)) == QSize(1766, 956)
    assert first_size(QSize(3840, 2100)) == QSize(1800, 1150)
    assert first_size(None) == QSize(1280, 760)


def garbage_geometries():
    """Geometry blobs Qt accepts that make no usable window: its magic and 12 random bytes (a
    1x1 window), and a real one moved far off every screen."""
    import random

    from PySide6.QtCore import QByteArray
    from PySide6.QtWidgets import QMainWindow
    probe = QMainWindow()
    probe.resize(900, 600)
    magic = bytes(probe.saveGeometry())[:6]
    probe.move(20000, 20000)
    off_screen = probe.saveGeometry()
    probe.deleteLater()
    rng = random.Random(0)
    blobs = [QByteArray(magic + bytes(rng.randrange(256) for _ in range(12))) for _ in range(40)]
    accepted = [b for b in blobs if QMainWindow().restoreGeometry(b)]
    return [*accepted[:3], off_screen]


def test_a_garbage_geometry_gives_a_usable_window_on_the_screen(qtbot, settings, synthetic_dir):
    from PySide6.QtWidgets import QApplication

    from mnist_gui.settings import MIN_WINDOW_SIZE
    screen = QApplication.primaryScreen().availableGeometry()
    blobs = garbage_geometries()
    assert len(blobs) == 4  # Qt took each of them
    for blob in blobs:
        settings.setValue("window/geometry", blob)
        window = open_window(qtbot, synthetic_dir, settings)
        size = window.size()
        assert size.width() >= min(MIN_WINDOW_SIZE.width(), screen.width()), size
        assert size.height() >= min(MIN_WINDOW_SIZE.height(), screen.height()), size
        assert screen.intersects(window.geometry()), window.geometry()
        window.close()


def test_usable_geometry_wants_a_real_size_and_the_top_edge_on_a_screen():
    from PySide6.QtCore import QRect

    from mnist_gui.settings import usable_geometry
    screens = [QRect(0, 0, 1920, 1080), QRect(1920, 0, 1280, 720)]
    assert usable_geometry(QRect(100, 50, 1200, 800), screens)
    assert usable_geometry(QRect(2000, 10, 1000, 600), screens)  # on the second screen
    assert not usable_geometry(QRect(1, 25, 296, 126), screens)  # what 12 random bytes gave
    assert not usable_geometry(QRect(5000, 3000, 1200, 800), screens)  # off every screen
    assert not usable_geometry(QRect(100, -700, 1200, 800), screens)  # title bar above the screen
    assert usable_geometry(QRect(0, 0, 500, 380), [QRect(0, 0, 500, 380)])  # a screen smaller than the minimum
    assert not usable_geometry(QRect(100, 50, 1200, 800), [])
