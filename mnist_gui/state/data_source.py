"""Where the dataset comes from, and what to do about it: the loading decisions, out of the window.

``DataSource(datasets, settings)`` runs the ``DataLoader`` (``workers/loading.py``) and decides
what follows each outcome: a loaded dataset becomes the DatasetHub's (and its source is
remembered, unless it only stands in for a missing MNIST); when no MNIST is found at start it
downloads it once by itself (``download_if_missing``); a cancelled or failed download leaves the
data the user had. What the Data panel's banner should say is the ``notice`` (a
``SourceNotice``); the status bar's news and the dialogs' texts go out as signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mnist_gui.workers.loading import DataLoader, Loaded

NONE, MISSING, DOWNLOADING, DOWNLOAD_FAILED = "", "missing", "downloading", "download_failed"


@dataclass(frozen=True)
class SourceNotice:
    """What the banner says. kind: "" (nothing to say), "missing" (no MNIST: the offline digits
    stand in), "downloading" (MNIST is being fetched by itself) or "download_failed".

    For "missing": ``problem``, what is wrong with the folder $MNIST_DATA_DIR names ("" if unset).
    For "download_failed": ``key``/``name`` of the remote, the downloader's ``reason``, the name of
    the dataset still ``showing`` (None if none) and whether to ``offer_offline`` digits.
    """

    kind: str = NONE
    key: str = "mnist"
    name: str = "MNIST"
    reason: str = ""
    showing: str | None = None
    offer_offline: bool = True
    problem: str = ""  # for "missing": what is wrong with the folder $MNIST_DATA_DIR names, if anything


class DataSource(QObject):
    """The dataset's source: ask it to load (``start_up``, ``open_folder``, ``download``,
    ``use_offline``), and it puts what loaded into the DatasetHub.

    ``notice_changed(SourceNotice)`` for the Data panel's banner; ``message(text, ms)`` for the
    status bar; ``error(title, text)`` for a dialog (a folder the user named would not load).
    """

    notice_changed = Signal(object)  # SourceNotice
    message = Signal(str, int)       # text for the status bar, how long to show it (ms)
    error = Signal(str, str)         # title, message

    def __init__(self, datasets, settings, mirrors: list[str] | None = None,
                 download_if_missing: bool = True, parent: QObject | None = None):
        super().__init__(parent)
        self.datasets, self.settings = datasets, settings
        self.loader = DataLoader(self, mirrors=mirrors)
        self._download_if_missing = download_if_missing  # once, when nothing is found at start
        self._missing = False  # showing the offline digits because no MNIST was found
        self._data_dir_problem = ""  # what is wrong with $MNIST_DATA_DIR's folder, if anything
        self._notice = SourceNotice()
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)

    @property
    def notice(self) -> SourceNotice:
        return self._notice

    # --- intent -----------------------------------------------------------------------------

    def start_up(self, data_dir: str | Path | None) -> None:
        """The folder given, else the last source, else the cache or $MNIST_DATA_DIR, else the
        offline digits (and then MNIST is downloaded once, if allowed)."""
        self.loader.start_up(data_dir, self.settings.last_source())

    def open_folder(self, folder: str | Path) -> None:
        self.loader.open_folder(folder)

    def download(self, key: str) -> None:
        self.loader.download(key)

    def use_offline(self) -> None:
        self.loader.use_offline()

    def cancel(self) -> None:
        self.loader.cancel()

    def set_dataset(self, dataset, source: str | None = None) -> None:
        """Make ``dataset`` current; ``source`` (if given) is remembered for the next start."""
        if source:
            self.settings.set_last_source(source)
        self.datasets.set_dataset(dataset)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.loader.shutdown(timeout_ms)

    # --- outcomes ---------------------------------------------------------------------------

    def _tell(self, notice: SourceNotice) -> None:
        self._notice = notice
        self.notice_changed.emit(notice)

    def _on_loaded(self, loaded: Loaded):
        self.set_dataset(loaded.dataset, None if loaded.nothing_found else loaded.source)
        self._missing = loaded.nothing_found
        self._data_dir_problem = loaded.data_dir_problem
        if loaded.data_dir_problem:  # the user named a folder: never download over their choice
            self._tell(SourceNotice(MISSING, problem=loaded.data_dir_problem))
        elif loaded.nothing_found and self._download_if_missing:
            self._download_if_missing = False
            self._tell(SourceNotice(DOWNLOADING, "mnist", "MNIST"))
            self.download("mnist")
        elif loaded.nothing_found:
            self._tell(SourceNotice(MISSING))
        else:
            self._tell(SourceNotice())
        if loaded.notes:
            self.message.emit(loaded.notes[0], 15000)
        if loaded.errors:
            self.error.emit("The dataset folder could not be loaded", "\n\n".join(loaded.errors))

    def _on_cancelled(self):
        what = "Download" if self.loader.kind == "download" else "Loading"
        self.message.emit(f"{what} cancelled: the data you had is still loaded", 5000)
        if self._missing:
            self._tell(SourceNotice(MISSING, problem=self._data_dir_problem))

    def _on_failed(self, kind: str, message: str):
        if kind == "download":
            self._on_download_failed(message)
        else:
            self.error.emit("The dataset could not be loaded", message)

    def _on_download_failed(self, message: str):
        from engine.files.download import REMOTES
        from engine.files.sources import OFFLINE_NAME
        key = self.loader.last_download_key or "mnist"
        dataset = self.datasets.dataset
        showing = dataset.name if dataset is not None else None
        self._tell(SourceNotice(DOWNLOAD_FAILED, key, REMOTES[key].name, message, showing,
                                offer_offline=showing != OFFLINE_NAME))
