"""Getting the data: bad folders leave the old dataset in place, nothing found still opens, downloads."""

import gzip
import socket
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.files.sources import CACHE_ENV, DATA_DIR_ENV

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder


@pytest.fixture
def nothing_on_disk(monkeypatch, tmp_path):
    """No $MNIST_DATA_DIR and an empty download cache."""
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def error_dialog(window) -> QMessageBox | None:
    return window.findChild(QMessageBox, "datasetErrorDialog")


def wait_for_error(qtbot, window) -> str:
    qtbot.waitUntil(lambda: error_dialog(window) is not None and error_dialog(window).isVisible(),
                    timeout=TIMEOUT)
    return error_dialog(window).text()


@pytest.fixture
def window(qtbot, settings, tmp_path):
    return open_window(qtbot, make_idx_folder(tmp_path / "good"), settings)


def test_missing_files_show_a_dialog_and_keep_the_dataset(qtbot, window, settings, tmp_path):
    before, source = window.dataset, settings.value("data/last_source")
    empty = tmp_path / "empty"
    empty.mkdir()
    window.open_folder(empty)
    text = wait_for_error(qtbot, window)
    assert str(empty) in text and "train-images-idx3-ubyte" in text
    assert window.dataset is before
    assert window.data_panel.browser.model().rowCount() == 120
    assert settings.value("data/last_source") == source
    assert not window.loader.is_busy()


def test_truncated_file_is_named_in_the_dialog(qtbot, window, tmp_path):
    before = window.dataset
    bad = make_idx_folder(tmp_path / "bad")
    target = bad / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(gzip.compress(gzip.decompress(target.read_bytes())[:-100]))
    window.open_folder(bad)
    assert "t10k-images-idx3-ubyte.gz" in wait_for_error(qtbot, window)
    assert window.dataset is before
    assert target.exists()  # nothing of the user's is deleted or overwritten


def test_nothing_found_still_opens_on_the_offline_digits(qtbot, settings, nothing_on_disk):
    window = open_window(qtbot, None, settings)
    assert window.dataset.image_shape == (8, 8)
    banner = window.data_panel.banner
    assert banner.isVisible() and "No MNIST" in banner.message()
    assert banner.download_button.isVisible() and banner.folder_button.isVisible()
    assert settings.value("data/last_source") in (None, "")  # a stand-in is not remembered


def test_bad_data_dir_explains_and_falls_back(qtbot, settings, nothing_on_disk, tmp_path):
    window = open_window(qtbot, tmp_path / "does-not-exist", settings)
    assert "does-not-exist" in wait_for_error(qtbot, window)
    assert window.dataset.image_shape == (8, 8)


@pytest.mark.parametrize("kind", ["missing", "a file", "no MNIST files"])
def test_a_wrong_mnist_data_dir_is_named_in_the_banner_and_a_dialog(qtbot, settings, nothing_on_disk,
                                                                    tmp_path, monkeypatch, kind):
    folder = tmp_path / "my-mnist"
    if kind == "a file":
        folder.write_text("not a folder")
    elif kind == "no MNIST files":
        folder.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    window = open_window(qtbot, None, settings, download_if_missing=True, mirrors=["http://127.0.0.1:9/"])
    problem = {"missing": "that folder does not exist", "a file": "that is a file, not a folder",
               "no MNIST files": "missing train-images-idx3-ubyte"}[kind]
    for text in (wait_for_error(qtbot, window), window.data_panel.banner.message()):
        assert f"$MNIST_DATA_DIR is set to {folder}, but" in text and problem in text, text
    assert "No MNIST on this computer" not in window.data_panel.banner.message()
    assert window.dataset.image_shape == (8, 8) and not window.loader.is_busy()  # nothing downloaded
    assert settings.value("data/last_source") in (None, "")


def test_last_source_comes_before_the_cache(qtbot, settings, nothing_on_disk, tmp_path):
    make_idx_folder(nothing_on_disk / "mnist", seed=1)
    last = make_idx_folder(tmp_path / "last-used", n_train=50)
    settings.setValue("data/last_source", str(last))
    assert len(open_window(qtbot, None, settings).dataset.train_labels) == 50
    settings.setValue("data/last_source", "")
    assert open_window(qtbot, None, settings).dataset.source == str(nothing_on_disk / "mnist")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_failed_download_says_why_and_offers_the_ways_out(qtbot, window, nothing_on_disk):
    before = window.dataset
    window.loader.mirrors = [f"http://127.0.0.1:{closed_port()}/"]
    window.download("mnist")
    banner = window.data_panel.banner
    qtbot.waitUntil(banner.isVisible, timeout=TIMEOUT)
    assert "Could not download MNIST" in banner.message()
    assert banner.download_button.text() == "Retry the download"
    assert banner.folder_button.isVisible() and banner.offline_button.isVisible()
    assert window.dataset is before
    with qtbot.waitSignal(window.dataset_changed, timeout=TIMEOUT):
        banner.offline_button.click()
    assert window.dataset.image_shape == (8, 8)


@pytest.fixture
def server():
    """Start a local HTTP server for a folder: ``server(folder, delay=0) -> base URL``."""
    started = []

    def start(folder, delay=0.0):
        handler = partial(_SlowHandler, directory=str(folder), delay=delay)
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        started.append((httpd, thread))
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield start
    for httpd, thread in started:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class _SlowHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, delay=0.0, **kwargs):
        self.delay = delay
        super().__init__(*args, **kwargs)

    def copyfile(self, source, outputfile):
        while chunk := source.read(16 * 1024):
            outputfile.write(chunk)
            time.sleep(self.delay)

    def log_message(self, *args):
        pass


def test_download_from_a_mirror_loads_and_is_remembered(qtbot, window, settings, server,
                                                        nothing_on_disk, mnist_dir):
    window.loader.mirrors = [server(mnist_dir)]
    with qtbot.waitSignal(window.dataset_changed, timeout=60000):
        window.download("mnist")
    assert window.dataset.name == "MNIST" and len(window.dataset.train_labels) == 60000
    assert settings.value("data/last_source") == "remote:mnist"
    assert (nothing_on_disk / "mnist" / "train-images-idx3-ubyte.gz").exists()


def test_cancel_a_download_keeps_the_dataset(qtbot, window, server, nothing_on_disk, tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"x" * 4_000_000)
    before = window.dataset
    window.loader.mirrors = [server(folder, delay=0.01)]
    progress = []
    window.loader.progressed.connect(lambda done, total, text: progress.append(text))
    window.download("mnist")
    qtbot.waitUntil(lambda: any("Downloading" in t for t in progress), timeout=TIMEOUT)
    assert window.status.cancel_button.isVisible()
    with qtbot.waitSignal(window.loader.cancelled, timeout=TIMEOUT):
        window.status.cancel_button.click()
    assert not window.status.cancel_button.isVisible()
    assert window.dataset is before
    assert window.loader.shutdown(10000)  # the worker saw the flag and ended
    assert not list((nothing_on_disk / "mnist").glob("*.gz"))


def open_downloading(qtbot, settings, mirror):
    """A window on an empty computer that may download by itself from ``mirror``."""
    from mnist_gui import MainWindow
    window = MainWindow(None, settings=settings, mirrors=[mirror], download_if_missing=True)
    qtbot.addWidget(window)
    seen = {"datasets": [], "banner": []}
    window.dataset_changed.connect(seen["datasets"].append)
    window.loader.progressed.connect(
        lambda done, total, text: seen["banner"].append(window.data_panel.banner.message())
        if "Downloading" in text else None)
    window.show()
    return window, seen


def test_nothing_found_downloads_by_itself_while_showing_the_offline_digits(
        qtbot, settings, server, nothing_on_disk, mnist_dir):
    window, seen = open_downloading(qtbot, settings, server(mnist_dir))
    qtbot.waitUntil(lambda: len(seen["datasets"]) == 2, timeout=60000)
    first, second = seen["datasets"]
    assert first.image_shape == (8, 8) and second.name == "MNIST"  # digits at once, then MNIST
    assert "downloading it once" in seen["banner"][0]
    assert not window.data_panel.banner.isVisible()
    assert settings.value("data/last_source") == "remote:mnist"


def test_cancelling_the_automatic_download_offers_it_again(qtbot, settings, server,
                                                           nothing_on_disk, tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"x" * 4_000_000)
    window, seen = open_downloading(qtbot, settings, server(folder, delay=0.01))
    qtbot.waitUntil(lambda: bool(seen["banner"]), timeout=TIMEOUT)
    banner = window.data_panel.banner
    assert not banner.download_button.isVisible()  # it is already downloading
    with qtbot.waitSignal(window.loader.cancelled, timeout=TIMEOUT):
        window.status.cancel_button.click()
    assert "No MNIST" in banner.message() and banner.download_button.isVisible()
    assert window.dataset.image_shape == (8, 8)
    assert window.loader.shutdown(10000)


def test_an_unreachable_internet_is_said_in_plain_words():
    from mnist_gui.panels.data.source_banner import plain_reason
    reason = ("could not download train-images-idx3-ubyte.gz of MNIST from any of 2 mirror(s): "
              "https://a/x.gz failed: [Errno -2] Name or service not known; https://b/x.gz failed: "
              "[Errno 111] Connection refused. Check the internet connection and try again, or copy "
              "the files into /home/ann/.cache/mnist-gui/mnist yourself.")
    text = plain_reason(reason)
    assert "is this computer online?" in text and "/home/ann/.cache/mnist-gui/mnist" in text
    assert "Errno" not in text
    other = "train-images-idx3-ubyte.gz: SHA-256 of the content does not match"
    assert plain_reason(other) == other  # anything else is shown as it is


def test_the_data_source_decides_what_follows_each_outcome(qtbot, settings, datasets, nothing_on_disk,
                                                           tmp_path):
    """The loading decisions live in state (DataSource), not in the window: nothing found is said
    (no download when not allowed) and not remembered; a failed download keeps what was shown."""
    from mnist_gui.settings import AppSettings
    from mnist_gui.state.data_source import DOWNLOAD_FAILED, MISSING, NONE, DataSource
    source = DataSource(datasets, AppSettings(settings), download_if_missing=False,
                        mirrors=[f"http://127.0.0.1:{closed_port()}/"])
    with qtbot.waitSignal(source.notice_changed, timeout=TIMEOUT) as told:
        source.start_up(None)
    assert told.args[0].kind == MISSING and datasets.dataset.image_shape == (8, 8)
    assert settings.value("data/last_source") in (None, "")
    with qtbot.waitSignal(source.notice_changed, timeout=TIMEOUT) as told:
        source.download("mnist")
    notice = told.args[0]
    assert notice.kind == DOWNLOAD_FAILED and notice.name == "MNIST" and notice.reason
    assert notice.showing == datasets.dataset.name and not notice.offer_offline  # already offline
    folder = make_idx_folder(tmp_path / "good")
    with qtbot.waitSignal(source.notice_changed, timeout=TIMEOUT) as told:
        source.open_folder(folder)
    assert told.args[0].kind == NONE and settings.value("data/last_source") == str(folder)
    assert source.shutdown(5000)
