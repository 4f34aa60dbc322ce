"""Shared fixtures: Qt offscreen, the real MNIST folder (or a skip), and a guard against leaked threads."""

import os
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA_ENV = "MNIST_DATA_DIR"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four real MNIST files, from $MNIST_DATA_DIR; skips the test elsewhere."""
    folder = os.environ.get(DATA_ENV)
    if not folder:
        pytest.skip(f"real MNIST not available: set {DATA_ENV} to a folder with the four IDX files "
                    "(.ci/run sets it to ../shared/data/mnist)")
    path = Path(folder)
    if not path.is_dir():
        pytest.fail(f"{DATA_ENV}={folder} is not a folder")
    return path


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The real MNIST Dataset, loaded once per test session."""
    from engine.sources import load_folder
    return load_folder(mnist_dir)


@pytest.fixture(autouse=True)
def no_leaked_threads(request):
    """Fail any test that leaves a Python thread or a QThread running."""
    before = set(threading.enumerate())
    started_qthreads = []
    qthread_cls = _qthread_class()
    original_start = None
    if qthread_cls is not None:
        original_start = qthread_cls.start

        def tracking_start(self, *args, **kwargs):
            started_qthreads.append(self)
            return original_start(self, *args, **kwargs)

        qthread_cls.start = tracking_start
    try:
        yield
    finally:
        if qthread_cls is not None:
            qthread_cls.start = original_start
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()
              and not t.daemon]
    running = [t for t in started_qthreads if _qthread_running(t)]
    if leaked or running:
        pytest.fail(f"test left threads running: {leaked + running}")


def _qthread_class():
    """QThread if Qt is already imported by this test session (engine tests never import it)."""
    import sys
    if "PySide6.QtCore" not in sys.modules:
        return None
    return sys.modules["PySide6.QtCore"].QThread


def _qthread_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # the C++ object is already deleted: it is not running
        return False


@pytest.fixture
def settings(tmp_path):
    """A QSettings INI file of the test's own, so tests never read or write the user's settings;
    the app's data folder (saved drawings) is Qt's test location, never the user's."""
    from PySide6.QtCore import QSettings, QStandardPaths
    QStandardPaths.setTestModeEnabled(True)
    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(fmt, QSettings.UserScope, str(tmp_path / "user-settings"))
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def datasets(qtbot):
    """A DatasetHub (the dataset and its baseline, shared by the panels), shut down after the test."""
    from mnist_gui.state.dataset_hub import DatasetHub
    hub = DatasetHub()
    yield hub
    assert hub.shutdown(5000)
