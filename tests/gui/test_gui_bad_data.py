"""Datasets the engine refuses (0 images, 0x0 pixels) and a cancelled download, seen in the window:
the data already loaded stays, a dialog names the file, and a cancel says cancelled."""

import socket
import threading
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from engine.files.idx import write_idx
from engine.files.sources import CACHE_ENV, DATA_DIR_ENV

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder


@pytest.fixture
def window(qtbot, settings, tmp_path):
    return open_window(qtbot, make_idx_folder(tmp_path / "good"), settings)


def wait_for_error(qtbot, window) -> str:
    def shown():
        box = window.findChild(QMessageBox, "datasetErrorDialog")
        return box is not None and box.isVisible()
    qtbot.waitUntil(shown, timeout=TIMEOUT)
    return window.error_dialog().text()


def empty_folder(folder, images_shape, labels_count):
    """The good folder with its training images replaced by an array of ``images_shape``."""
    make_idx_folder(folder)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros(images_shape, np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(labels_count, np.uint8))
    return folder


@pytest.mark.parametrize("shape", [(0, 28, 28), (120, 0, 0)], ids=["0 images", "0x0 pixels"])
def test_a_dataset_the_engine_refuses_keeps_the_current_one_and_names_the_file(
        qtbot, window, settings, tmp_path, shape):
    before, source = window.dataset, settings.value("data/last_source")
    bad = empty_folder(tmp_path / "bad", shape, shape[0])
    window.open_folder(bad)
    text = wait_for_error(qtbot, window)
    assert "train-images-idx3-ubyte.gz" in text and str(bad) in text
    assert window.dataset is before and settings.value("data/last_source") == source
    assert window.training_view.dataset is before
    assert window.training_view.controls.start_button.isEnabled()


class SilentServer:
    """A 127.0.0.1 server that accepts connections and never says a word."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.socket.settimeout(0.2)
        self.accepted = threading.Event()
        self._clients, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}/"

    def _accept(self):
        while not self._stop.is_set():
            try:
                self._clients.append(self.socket.accept()[0])
                self.accepted.set()
            except OSError:
                pass

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for client in self._clients:
            client.close()
        self.socket.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def test_cancel_takes_effect_at_once_on_a_silent_server_and_says_cancelled(
        qtbot, window, monkeypatch, tmp_path, silent_server):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    before = window.dataset
    failures = []
    window.loader.failed.connect(lambda kind, message: failures.append(message))
    window.loader.mirrors = [silent_server.url]
    window.download("mnist")
    qtbot.waitUntil(silent_server.accepted.is_set, timeout=TIMEOUT)
    job = window.loader.runner.current
    start = time.monotonic()
    with qtbot.assertNotEmitted(window.loader.failed, wait=100):  # a cancel is no failure
        window.status.cancel_button.click()
        assert window.status.currentMessage().startswith("Download cancelled")
        assert not window.status.cancel_button.isVisible()
        qtbot.waitUntil(job.ended, timeout=5000)
    assert time.monotonic() - start < 10  # the cancel ended it, not the 30 s socket timeout
    assert failures == [] and not window.data_panel.banner.isVisible()
    assert "cancelled" in window.status.currentMessage().lower()
    assert window.dataset is before
    assert not list((tmp_path / "cache").rglob("*.gz"))
