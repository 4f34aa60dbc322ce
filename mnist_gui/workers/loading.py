"""Getting a dataset without freezing the window: folder, last used, cache, download or offline digits.

Each way is a plain job function run by the one worker pattern (``worker.TaskRunner``). The
previous dataset stays in use until a new one has loaded successfully.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mnist_gui.workers.worker import TaskRunner, Worker

OFFLINE = "offline"
REMOTE_PREFIX = "remote:"


@dataclass
class Loaded:
    """A dataset that loaded, what to remember to load it again, and what went wrong on the way.

    source : a folder path, ``"offline"`` or ``"remote:<key>"`` (stored in the settings)
    errors : problems with a folder the user named (shown in a dialog)
    notes : lesser news, such as "the folder used last time is gone" (shown in the status bar)
    nothing_found : True when the offline digits stand in because no MNIST was found
    data_dir_problem : what is wrong with the folder $MNIST_DATA_DIR names ("" if it is fine or
        not set); the offline digits then stand in, and nothing is downloaded
    """

    dataset: object
    source: str
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nothing_found: bool = False
    data_dir_problem: str = ""


class JobError(Exception):
    """A failed job: ``kind`` says what was tried ("folder", "download", "offline")."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# --- the jobs (run in the worker thread) ------------------------------------------------------

def load_folder_job(folder: str, job: Worker) -> Loaded:
    from engine.files.sources import DatasetError, load_folder
    job.progress(0, -1, f"Loading {folder}…")
    try:
        return Loaded(load_folder(folder), str(folder))
    except (DatasetError, OSError) as error:
        raise JobError("folder", str(error)) from error


def offline_job(job: Worker) -> Loaded:
    from engine.files.sources import load_offline_digits
    job.progress(0, -1, "Loading the built-in digits…")
    return Loaded(load_offline_digits(), OFFLINE)


def download_job(key: str, mirrors, job: Worker) -> Loaded:
    from engine.files.download import REMOTES, DownloadCancelled, DownloadError, download
    from engine.files.sources import DatasetError, load_folder
    remote = REMOTES[key]
    try:
        folder = download(remote, mirrors=mirrors, cancelled=job.cancelled,
                          progress=lambda p: _report_download(job, remote.name, p))
        job.progress(0, -1, f"Loading {remote.name}…")
        return Loaded(_named(load_folder(folder), key), REMOTE_PREFIX + key)
    except DownloadCancelled:
        raise
    except (DownloadError, DatasetError, OSError) as error:
        raise JobError("download", str(error)) from error


def startup_job(data_dir: str | None, last_source: str, job: Worker) -> Loaded:
    """The folder given, else the last source, else the cache or $MNIST_DATA_DIR, else offline digits."""
    from engine.files.sources import DataDirError, DatasetError, load_offline_digits, locate
    errors, notes = [], []
    if data_dir:
        try:
            return load_folder_job(data_dir, job)
        except JobError as error:
            errors.append(str(error))
    job.check()
    if last_source:
        try:
            return dataclasses.replace(load_source(last_source, job), errors=errors)
        except (JobError, DatasetError, OSError, KeyError) as error:
            notes.append(f"The dataset used last time could not be loaded: {error}")
    job.check()
    job.progress(0, -1, "Looking for MNIST on this computer…")
    try:
        dataset = locate()
        return Loaded(dataset, str(dataset.source), errors, notes)
    except DataDirError as error:  # a folder the user named: said in a dialog and the banner
        return Loaded(load_offline_digits(), OFFLINE, [*errors, str(error)], notes, nothing_found=True,
                      data_dir_problem=str(error))
    except (DatasetError, OSError):
        pass  # the Data panel's banner says that nothing was found, in plainer words
    return Loaded(load_offline_digits(), OFFLINE, errors, notes, nothing_found=True)


def load_source(source: str, job: Worker) -> Loaded:
    """Load what ``source`` (as stored in the settings) points at, without downloading."""
    from engine.files.sources import find_cached, load_folder
    if source == OFFLINE:
        return offline_job(job)
    if source.startswith(REMOTE_PREFIX):
        key = source[len(REMOTE_PREFIX):]
        folder = find_cached(key)
        if folder is None:
            raise JobError("folder", f"{key} is not in the download cache any more")
        return Loaded(_named(load_folder(folder), key), source)
    return load_folder_job(source, job)


def _named(dataset, key: str):
    """The dataset with the remote's name and, for Fashion-MNIST, its class names."""
    from engine.dataset import FASHION_NAMES
    from engine.files.download import REMOTES
    names = FASHION_NAMES if key == "fashion-mnist" else dataset.class_names
    return dataclasses.replace(dataset, name=REMOTES[key].name, class_names=names)


def _report_download(job: Worker, name: str, p) -> None:
    """Turn a DownloadProgress into a progress signal: per mille of the current file, and words."""
    n = max(1, p.n_files)
    file_number = min(p.file_index + 1, n)
    mb = p.done / 1e6
    if p.total > 0:
        job.progress(int(1000 * ((file_number - 1) + p.done / p.total) / n), 1000,
                     f"Downloading {name}: {p.name} ({file_number} of {n}), "
                     f"{mb:.1f} of {p.total / 1e6:.1f} MB")
    else:
        job.progress(0, -1, f"Downloading {name}: {p.name} ({file_number} of {n}), {mb:.1f} MB")


# --- the controller (lives in the GUI thread) --------------------------------------------------

class DataLoader(QObject):
    """Runs one loading job at a time in a worker thread; Cancel drops it at once.

    ``mirrors`` (None: the engine's own) is passed to every download: tests point it at a
    local server, a classroom at its own copy.
    """

    loaded = Signal(object)           # Loaded
    failed = Signal(str, str)         # kind ("folder", "download", "offline", "startup"), message
    progressed = Signal(int, int, str)
    busy = Signal()                   # a job started
    idle = Signal()                   # no job any more (done, failed or cancelled)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None, mirrors: list[str] | None = None):
        super().__init__(parent)
        self.mirrors = mirrors
        self.last_download_key = ""
        self._kind = ""
        self.runner = TaskRunner(self)
        self.runner.succeeded.connect(self.loaded)
        self.runner.failed.connect(self._on_failed)
        self.runner.progressed.connect(self.progressed)
        self.runner.busy.connect(self.busy)
        self.runner.idle.connect(self.idle)
        self.runner.was_cancelled.connect(self.cancelled)

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    @property
    def kind(self) -> str:
        """What the last job started was: "startup", "folder", "download" or "offline"."""
        return self._kind

    def start_up(self, data_dir: str | Path | None, last_source: str):
        self._start("startup", lambda job: startup_job(data_dir and str(data_dir), last_source, job))

    def open_folder(self, folder: str | Path):
        self._start("folder", lambda job: load_folder_job(str(folder), job))

    def download(self, key: str):
        mirrors, self.last_download_key = self.mirrors, key
        self._start("download", lambda job: download_job(key, mirrors, job))

    def use_offline(self):
        self._start("offline", offline_job)

    def cancel(self):
        self.runner.cancel()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)

    def _start(self, kind: str, fn):
        self._kind = kind
        self.runner.start(fn)

    def _on_failed(self, error: Exception):
        kind = getattr(error, "kind", self._kind)
        self.failed.emit(kind, str(error) or type(error).__name__)
