"""Opening session and model files without freezing the window: each file is read and checked in
a job, with progress (run by run, layer by layer) and Cancel, and handed over only once all of it
is good."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mnist_gui.workers.worker import TaskRunner, Worker


def read_session_job(path: str, job: Worker):
    """The engine ``Session`` in the file ``path`` (SessionFileError naming it if it is bad)."""
    from engine.files.session_file import read_session
    name = Path(path).name
    job.progress(0, -1, f"Opening {name}…")

    def step(done: int, total: int):
        job.check()  # Cancel: the reading stops here, between two runs
        job.progress(done, total, f"Opening {name}: run {done} of {total}")

    return read_session(path, progress=step)


def read_model_job(path: str, job: Worker):
    """The Network in the model file ``path`` (ModelFileError naming it if it is bad)."""
    from engine.files.model_file import load_network
    from engine.network import Network
    name = Path(path).name
    job.progress(0, -1, f"Loading {name}…")

    def step(done: int, total: int):
        job.check()
        job.progress(done, total, f"Loading {name}: layer {done} of {total}")

    return load_network(path, Network, progress=step)


class SessionReader(QObject):
    """Reads one session file at a time in a worker thread; Cancel (or a newer file) drops it.

    ``read`` (path, the engine ``Session``: its runs and view) arrives in the GUI thread,
    ``failed`` (path, message) names the file and the fault.
    """

    read = Signal(str, object)
    failed = Signal(str, str)
    progressed = Signal(int, int, str)
    busy = Signal()
    idle = Signal()
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._path = ""
        self.runner = TaskRunner(self, "session")
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(self._on_failed)
        self.runner.progressed.connect(self.progressed)
        self.runner.busy.connect(self.busy)
        self.runner.idle.connect(self.idle)
        self.runner.was_cancelled.connect(self.cancelled)

    def open(self, path: str | Path):
        self._path = str(path)
        self.runner.start(lambda job, p=self._path: read_session_job(p, job))

    def _on_succeeded(self, runs):
        self.read.emit(self._path, runs)

    def _on_failed(self, error: Exception):
        self.failed.emit(self._path, str(error) or type(error).__name__)

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    def cancel(self):
        self.runner.cancel()
