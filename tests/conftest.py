"""Shared fixtures: Qt offscreen, the real MNIST folder (or a skip), guards against leaked threads
and against a hung test."""

import faulthandler
import gc
import os
import sys
import threading
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA_ENV = "MNIST_DATA_DIR"
HANG_ENV = "MNIST_TEST_HANG_SECONDS"
HANG_SECONDS = 120  # no test comes near it; 0 in $MNIST_TEST_HANG_SECONDS turns the guard off
_stderr = None  # the terminal's stderr, kept before pytest captures it


def pytest_configure(config):
    """Before any test imports a widget: the binding's work-arounds, as ``mnist-gui`` applies them;
    a copy of the terminal's stderr for ``no_hung_test`` (pytest captures fd 2 during tests)."""
    global _stderr
    from mnist_gui.qt_fixes import apply
    apply()
    _stderr = os.fdopen(os.dup(sys.stderr.fileno()), "w")


@pytest.fixture(autouse=True)
def no_hung_test():
    """A test (with its fixtures) that runs for more than HANG_SECONDS is taken for a deadlock:
    every thread's stack goes to the terminal and the session ends with exit code 1, instead of
    blocking CI for good. faulthandler's own thread needs no GIL, which a deadlock may hold."""
    seconds = float(os.environ.get(HANG_ENV, HANG_SECONDS))
    if seconds > 0:
        faulthandler.dump_traceback_later(seconds, exit=True, file=_stderr)
    yield
    faulthandler.cancel_dump_traceback_later()


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
    from engine.files.sources import load_folder
    return load_folder(mnist_dir)


# Every garbage collection that ran outside the GUI (main) thread, with the test running then.
COLLECTED_ELSEWHERE: list[str] = []
_running = {"test": "(between tests)"}


def _note_collection(phase: str, info: dict) -> None:
    """A ``gc.callbacks`` hook: record a collection that runs off the GUI thread (it may free
    widgets there; see mnist_gui/garbage.py). Called inside the collector: it only appends."""
    thread = threading.current_thread()
    if phase == "start" and thread is not threading.main_thread():
        COLLECTED_ELSEWHERE.append(f"{_running['test']}: generation {info['generation']} "
                                   f"collected in thread {thread.name!r}")


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_on_the_test_thread():
    """As in the app (mnist_gui/garbage.py): no automatic collection, which could free widgets in
    a worker thread; the test thread collects what is due after each test. The session fails if
    any collection ran in another thread all the same."""
    gc.disable()
    gc.callbacks.append(_note_collection)
    yield
    gc.callbacks.remove(_note_collection)
    gc.enable()
    if COLLECTED_ELSEWHERE:
        pytest.fail("garbage was collected off the GUI thread:\n" + "\n".join(COLLECTED_ELSEWHERE))


@pytest.fixture
def collections_elsewhere():
    """The list of collections off the GUI thread (a test that makes one on purpose removes it)."""
    return COLLECTED_ELSEWHERE


@pytest.fixture(autouse=True)
def collect_garbage_after_the_test(request):
    _running["test"] = request.node.nodeid
    yield
    from mnist_gui.garbage import collect_due
    collect_due()


@pytest.fixture(autouse=True)
def no_leaked_threads(request):
    """Fail any test that leaves a Python thread, a QThread or a QTimer running."""
    before = set(threading.enumerate())
    started = {"QThread": [], "QTimer": []}
    restore = [_track_starts(cls, started[name]) for name, cls in _qt_classes()]
    try:
        yield
    finally:
        for undo in restore:
            undo()
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()
              and not t.daemon]
    running = [t for t in started["QThread"] if _still(t, "isRunning")]
    timers = [t for t in started["QTimer"] if _still(t, "isActive")]
    if leaked or running or timers:
        pytest.fail(f"test left threads or timers running: {leaked + running + timers}")


MODAL_CALLS = {"QMessageBox": ("about", "critical", "information", "question", "warning"),
               "QFileDialog": ("getExistingDirectory", "getOpenFileName", "getSaveFileName"),
               "QDialog": ("exec",)}


@pytest.fixture(autouse=True)
def no_modal_dialogs():
    """Make a modal dialog (which would wait for a click no test gives) fail the test instead of
    hanging the suite; tests that mean to answer one monkeypatch it themselves."""
    import sys
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is None:  # engine tests never import Qt
        yield
        return
    saved = []
    for class_name, names in MODAL_CALLS.items():
        cls = getattr(widgets, class_name)
        for name in names:
            saved.append((cls, name, cls.__dict__.get(name)))
            setattr(cls, name, _refuse(f"{class_name}.{name}"))
    try:
        yield
    finally:
        for cls, name, original in saved:
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


def _refuse(what: str):
    def modal(*_args, **_kwargs):
        raise AssertionError(f"{what}() opens a modal dialog that would block the test suite")
    return modal


def _qt_classes():
    """(name, class) of QThread and QTimer if Qt is already imported (engine tests never import it)."""
    import sys
    core = sys.modules.get("PySide6.QtCore")
    return [] if core is None else [("QThread", core.QThread), ("QTimer", core.QTimer)]


def _track_starts(cls, started: list):
    """Record every object whose ``start`` is called; returns the function that undoes it."""
    original = cls.start

    def tracking_start(self, *args, **kwargs):
        started.append(self)
        return original(self, *args, **kwargs)

    cls.start = tracking_start
    return lambda: setattr(cls, "start", original)


def _still(obj, method: str) -> bool:
    """``obj.isRunning()`` / ``obj.isActive()``, False once Qt has deleted the object."""
    import shiboken6
    return shiboken6.isValid(obj) and getattr(obj, method)()


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
