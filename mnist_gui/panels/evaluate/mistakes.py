"""Galleries of test images with the network's top answers; the mistakes gallery, most confident mistakes first."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.evaluation import ranked_mistakes
from mnist_gui.panels.evaluate.open_inside import gallery_of_test_images
from mnist_gui.widgets.wrapped_label import WrappedLabel


class MistakesView(QWidget):
    """Every misclassified test image, most confident first, filterable by true class."""

    def __init__(self, focus=None, parent: QWidget | None = None):
        super().__init__(parent)
        self._evaluation = self._images = None
        self._ranked: np.ndarray | None = None  # every mistake ranked, as the job gave them
        self._names: tuple[str, ...] = ()
        self.filter = QComboBox(objectName="mistakesFilter")
        self.filter.setToolTip("Show the mistakes on one true class only")
        self.filter.currentIndexChanged.connect(self._refresh)
        self.summary = WrappedLabel(objectName="mistakesSummary")
        # focus: an ImageFocus, where "Open in Inside" sends a mistake (none: no such action)
        self.gallery = gallery_of_test_images(self, "mistakesGallery", focus, "mistakeOpenInInside")
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(QLabel("True class"))
        top.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.gallery, 1)
        self.clear("")

    def clear(self, message: str):
        self._evaluation = None
        self.summary.setText("")
        self.gallery.clear()
        self.gallery.set_placeholder(message)

    def set_evaluation(self, evaluation, images: np.ndarray, names: tuple[str, ...], places=None,
                       ranked: np.ndarray | None = None):
        """Show the mistakes of ``evaluation`` on the test ``images`` (the split, read only);
        ``ranked``: its ``ranked_mistakes``, if the job made them (else they are ranked here)."""
        # places: where the images are in the whole test set and what the classes are (a network of
        # some classes: engine.classes.places), for what the gallery sends on
        if self.image_sender is not None:
            self.image_sender.set_places(places)
        self._evaluation, self._images, self._ranked = evaluation, images, ranked
        if tuple(names) != self._names:
            self._names = tuple(names)
            self.filter.blockSignals(True)
            self.filter.clear()
            self.filter.addItems(["all", *list(self._names)])
            self.filter.blockSignals(False)
        self._refresh()

    def _all_mistakes(self) -> np.ndarray:
        """Every mistake, most confident first: the job's ranking, or made here once."""
        if self._ranked is None:
            self._ranked = ranked_mistakes(self._evaluation)
        return self._ranked

    def _refresh(self, *_):
        ev = self._evaluation
        if ev is None:
            return
        cls = self.filter.currentIndex() - 1
        order = ranked_mistakes(ev, cls) if cls >= 0 else self._all_mistakes()
        self.gallery.set_items(self._images, order, ev.true[order], ev.top_classes[order],
                               ev.top_probs[order], self._names)
        n_wrong = int(np.count_nonzero(ev.predicted != ev.true))
        self.summary.setText(
            f"<b>{n_wrong:,}</b> of {len(ev.true):,} test images are misclassified. Most confident "
            "mistakes first: the top bar is the network's answer, green is the true class.")
        self.gallery.set_placeholder("No mistakes here." if len(ev.true) else "No test images.")
