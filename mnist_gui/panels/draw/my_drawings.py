"""The user's own labelled drawings: a small test set kept in one .npz, scored by the network in one click."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from mnist_gui.panels.draw.drawing_store import STORE_SIDE, DrawingStore
from mnist_gui.widgets.image_strip import ImageStrip
from mnist_gui.widgets.imaging import gray_image
from mnist_gui.widgets.wrapped_label import WrappedLabel

__all__ = ["STORE_SIDE", "DrawingStore", "MyDrawingsBox", "Score", "default_path", "score_drawings"]

FILE_NAME = "my_drawings.npz"
SHOWN = 12            # latest drawings shown in the strip


def default_path() -> Path:
    """``my_drawings.npz`` in the app's data folder (created when the first drawing is saved)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    return Path(folder or Path.home() / ".mnist-gui") / FILE_NAME


@dataclass(frozen=True)
class Score:
    """The network's answers on the saved drawings: ``predicted[i]`` for drawing i."""

    predicted: np.ndarray
    labels: np.ndarray

    @property
    def correct(self) -> int:
        return int(np.count_nonzero(self.predicted == self.labels))

    @property
    def total(self) -> int:
        return len(self.labels)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else float("nan")


def score_drawings(network, images: np.ndarray, labels: np.ndarray, size: int,
                   framing=None) -> Score:
    """Preprocess each drawing to ``size`` x ``size`` and classify them: to ``framing`` (an engine
    ``Framing`` of that size, the dataset's) if given, else the engine's MNIST recipe."""
    from engine.preprocessing import default_framing, preprocess_framed

    framing = framing or default_framing(size)
    inputs = np.zeros((len(images), size, size), dtype=np.uint8)
    for i, image in enumerate(images):
        pre = preprocess_framed(image, framing)
        if not pre.empty:
            inputs[i] = pre.image
    predicted = network.predict(inputs) if len(inputs) else np.zeros(0, dtype=np.int64)
    return Score(predicted.astype(np.int64), labels.astype(np.int64))


class MyDrawingsBox(QGroupBox):
    """"This is a [label] [Save]" and "Score my drawings", with the latest drawings shown.

    The Draw panel supplies the drawing and the network: ``save_requested(label)`` and
    ``score_requested()`` go out, ``show_saved`` and ``show_score`` come in.
    """

    save_requested = Signal(int)
    score_requested = Signal()

    def __init__(self, store: DrawingStore, parent: QWidget | None = None):
        super().__init__("My drawings: your own test set", parent)
        self.store = store
        self.label = QComboBox(objectName="drawingLabel")
        self.label.setToolTip("What you meant to draw")
        self.save = QPushButton("Save drawing", objectName="saveDrawingButton")
        self.save.setToolTip("Keep this drawing with the label you chose, to test networks on it")
        self.score = QPushButton("Score my drawings", objectName="scoreDrawingsButton")
        self.score.setToolTip("How many of your saved drawings does the current network read right?")
        self.result = WrappedLabel(objectName="myDrawingsResult")
        self.strip = ImageStrip(columns=SHOWN, max_cell=56)
        self.strip.setObjectName("myDrawingsStrip")
        self.strip.setMinimumHeight(40)
        self.save.clicked.connect(self._on_save_clicked)
        self.score.clicked.connect(self.score_requested)
        grid = QGridLayout(self)
        grid.addWidget(QLabel("This is a"), 0, 0)
        grid.addWidget(self.label, 0, 1)
        grid.addWidget(self.save, 0, 2)
        grid.addWidget(self.score, 0, 3)
        grid.addWidget(self.result, 1, 0, 1, 4)
        grid.addWidget(self.strip, 2, 0, 1, 4)
        grid.setColumnStretch(4, 1)
        self.set_classes(tuple(str(d) for d in range(10)))
        self.show_saved(store.load_error)

    def _on_save_clicked(self):
        self.save_requested.emit(self.label.currentIndex())

    def set_classes(self, names: tuple[str, ...]):
        current = max(self.label.currentIndex(), 0)
        self.label.clear()
        self.label.addItems(list(names))
        self.label.setCurrentIndex(min(current, len(names) - 1))
        self._names = tuple(names)

    def _name(self, label: int) -> str:
        return self._names[label] if label < len(self._names) else str(label)

    def show_saved(self, message: str = ""):
        """Refresh the count and the strip after a save; ``message`` replaces the count if given."""
        n = len(self.store)
        self.result.setText(message or (f"{n} saved drawing{'s' * (n != 1)}. " if n else
                                        "No saved drawings yet: draw a digit, choose what it is, "
                                        "and save it."))
        self._fill_strip(None)

    def show_score(self, score: Score):
        self.result.setText(f"The network reads {score.correct} of your {score.total} drawings "
                            f"right: {score.accuracy:.0%}.")
        self._fill_strip(score.predicted)

    def _fill_strip(self, predicted: np.ndarray | None):
        start = max(0, len(self.store) - SHOWN)
        items = []
        for i in range(start, len(self.store)):
            label = int(self.store.labels[i])
            caption = self._name(label)
            if predicted is not None:
                said = int(predicted[i])
                caption = f"{caption} ✓" if said == label else f"{caption}→{self._name(said)}"
            items.append((gray_image(self.store.images[i]), caption, f"Drawing {i + 1}: a "
                          f"{self._name(label)}"))
        self.strip.set_items(items)
        self.strip.setVisible(bool(items))
        self.score.setEnabled(len(self.store) > 0)
