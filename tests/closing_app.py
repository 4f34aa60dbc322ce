"""Run the real app, start a job that will not stop, close the window: the child of test_gui_closing.py.

``python tests/closing_app.py SCENARIO DATA_DIR`` runs ``mnist_gui.app.main`` on DATA_DIR; once the
data has loaded it starts the SCENARIO's job, waits until the job is stuck in it, and closes the
window. Scenarios:

- ``idle``: no job.
- ``download``: a download from a 127.0.0.1 server that accepts the connection and never answers.
- ``folder``: a folder load whose reading blocks for ten minutes (a stalled network share).
- ``training``: a training run whose first step takes thirty seconds (one enormous batch).

It prints ``closing <time.time()>`` just before closing and ``close took <seconds>`` once
``close()`` has returned; the test measures the rest until the process has ended.
"""

from __future__ import annotations

import socket
import sys
import threading
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from mnist_gui import app

STUCK_SECONDS = {"folder": 600, "training": 30}


def stuck_download(window, entered: threading.Event):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    clients = []

    def accept():  # accept and then say nothing, ever
        clients.append(server.accept())
        entered.set()

    threading.Thread(target=accept, daemon=True).start()
    window.loader.mirrors = [f"http://127.0.0.1:{server.getsockname()[1]}/"]
    window.download("mnist")
    return server, clients


def stuck_folder(window, entered: threading.Event, folder: str):
    import engine.files.sources

    def load_folder(*_args, **_kwargs):
        entered.set()
        time.sleep(STUCK_SECONDS["folder"])
        raise OSError("the share never answered")

    engine.files.sources.load_folder = load_folder
    window.open_folder(folder)


def stuck_training(window, entered: threading.Event):
    from engine.network import Network
    original = Network.forward  # a training step starts with it (engine.training._train_step)

    def heavy_step(self, x):
        entered.set()
        time.sleep(STUCK_SECONDS["training"])
        return original(self, x)

    Network.forward = heavy_step
    window.training_view.start()


def main(scenario: str, folder: str) -> int:
    entered = threading.Event()
    keep = []

    def close(window):
        print(f"closing {time.time():.3f}", flush=True)
        start = time.monotonic()
        window.close()
        print(f"close took {time.monotonic() - start:.3f}", flush=True)

    give_up = time.monotonic() + 30

    def when(condition, then):
        """Call ``then()`` once ``condition()`` holds, looking every 20 ms (for 30 s at most)."""
        if condition():
            then()
        elif time.monotonic() > give_up:
            print(f"gave up waiting in {scenario}", flush=True)
            QApplication.quit()
        else:
            QTimer.singleShot(20, lambda: when(condition, then))

    def start_job(window):
        if scenario == "download":
            keep.append(stuck_download(window, entered))
        elif scenario == "folder":
            stuck_folder(window, entered, folder)
        elif scenario == "training":
            stuck_training(window, entered)
        else:
            entered.set()
        when(entered.is_set, lambda: close(window))

    def on_start():
        window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
        when(lambda: window.dataset is not None and not window.loader.is_busy(),
             lambda: start_job(window))

    QTimer.singleShot(0, on_start)
    return app.main(["--data-dir", folder, "--no-download"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
