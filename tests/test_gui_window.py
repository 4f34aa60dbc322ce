"""The main window: opens on data without a question, assembles the panels, menus, settings, About."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, qVersion
from PySide6.QtWidgets import QLabel, QListView, QWidget

from mnist_gui import MainWindow
from mnist_gui.about import about_html
from mnist_gui.app import parse_args
from synthetic import make_idx_folder

TIMEOUT = 20000


@pytest.fixture
def settings(tmp_path):
    """An INI file of our own, so tests never read or write the user's settings."""
    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(fmt, QSettings.UserScope, str(tmp_path / "user-settings"))
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def synthetic_dir(tmp_path):
    return make_idx_folder(tmp_path / "synthetic")


def open_window(qtbot, data_dir, settings, **kwargs) -> MainWindow:
    window = MainWindow(data_dir, settings=settings, **kwargs)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.dataset_changed, timeout=TIMEOUT):
        window.show()
    return window


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
    assert keys == ["data", "means", "training", "draw", "evaluate"]
    for n, key in enumerate(keys, start=1):
        action = window._panel_actions[key]
        assert action.shortcut().toString() == f"Ctrl+{n}"
        assert action in window.view_menu.actions()
        action.trigger()
        assert window.navigator.current_key() == key
        assert window.navigator.stack.currentWidget() is window.panel(key)


def test_add_panel_replaces_in_place_and_feeds_the_dataset(qtbot, settings, synthetic_dir):
    window = open_window(qtbot, synthetic_dir, settings)

    class Panel(QLabel):
        def __init__(self):
            super().__init__("new")
            self.datasets = []

        def set_dataset(self, dataset):
            self.datasets.append(dataset)

    panel = Panel()
    old = window.add_panel("draw", "Draw", panel, "draw", "Ctrl+4")
    assert old is not None and window.panel("draw") is panel
    assert window.navigator.keys().index("draw") == 3
    assert panel.datasets == [window.dataset]
    extra = Panel()
    window.add_panel("extra", "Extra", extra, None, "Ctrl+6")
    assert window.navigator.keys()[-1] == "extra"
    window.show_panel("extra")
    assert window.navigator.stack.currentWidget() is extra


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
    text = about_html()
    for version in (platform.python_version(), qVersion(), PySide6.__version__, np.__version__,
                    "0.1.0"):
        assert version in text


def test_command_line_takes_a_data_dir():
    assert parse_args(["--data-dir", "/some/where"]).data_dir == "/some/where"
    assert parse_args([]).data_dir is None


def test_opens_on_real_mnist(qtbot, settings, mnist_dir):
    window = open_window(qtbot, mnist_dir, settings)
    assert window.dataset.name == "MNIST"
    assert window.status.dataset_label.text() == (
        f"MNIST · {window.dataset.source} · 60,000 train + 10,000 test images")
