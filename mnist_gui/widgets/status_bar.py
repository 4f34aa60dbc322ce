"""The status bar: which dataset is loaded and from where, and the loading progress with Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar


def describe(dataset) -> str:
    """'MNIST · /path · 60,000 train + 10,000 test images'."""
    return (f"{dataset.name} · {dataset.source or 'unknown source'} · "
            f"{len(dataset.train_labels):,} train + {len(dataset.test_labels):,} test images")


SAVED_MESSAGE_MS = 10_000  # how long "Saved ... to ..." stays in the status bar


def saved_text(what: str, path) -> str:
    """'Saved the plots of 2 runs to training.png in /home/ann': the file's name first, so a long
    folder is what the status bar cuts, not the name."""
    path = Path(path).absolute()
    return f"Saved {what} to {path.name} in {path.parent}"


class DataStatusBar(QStatusBar):
    """Always shows the dataset; shows a progress bar and a Cancel button while loading."""

    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dataset_label = QLabel("No dataset loaded yet", objectName="datasetStatus")
        self.dataset_label.setToolTip("The dataset in use, where it comes from, and its size")
        self.progress = QProgressBar(objectName="loadProgress")
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(False)
        self.progress_text = QLabel(objectName="loadProgressText")
        self.cancel_button = QPushButton("Cancel", objectName="cancelLoad")
        self.cancel_button.setToolTip("Stop loading; the dataset you had stays")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.addWidget(self.dataset_label, 1)
        self.addPermanentWidget(self.progress_text)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel_button)
        self.set_busy(False)

    def set_dataset(self, dataset):
        self.dataset_label.setText(describe(dataset))

    def set_busy(self, busy: bool):
        for widget in (self.progress, self.progress_text, self.cancel_button):
            widget.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
            self.progress_text.setText("Working…")

    def show_progress(self, done: int, total: int, text: str):
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)
        self.progress_text.setText(text)
