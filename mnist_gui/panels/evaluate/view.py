"""The Evaluate panel: test accuracy, the confusion matrix, the mistakes, and what the network learned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QTabWidget, QVBoxLayout, QWidget

from mnist_gui.panels.evaluate.confusion import ConfusionView
from mnist_gui.panels.evaluate.mistakes import MistakesView
from mnist_gui.panels.evaluate.weights import WeightsView
from mnist_gui.workers.worker import TaskRunner

TOP_K = 3
CHUNK = 2000  # test images per step of the evaluation job (a cancellation point each)
NO_NETWORK = ("No network yet. Train one on the Network and training panel, or load one with "
              "File > Load model: its test results will appear here.")


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A network's answers on the test split, and their summary. Arrays belong to the receiver.

    true, predicted : (n,) int64.  top_classes : (n, 3) int64, best first; top_probs : (n, 3)
    float32, their probabilities.  confusion : (C, C) int64, ``confusion[true, predicted]``.
    per_class : (C,) accuracy of each true class (nan without test images).  accuracy : 0..1.
    """

    true: np.ndarray
    predicted: np.ndarray
    top_classes: np.ndarray
    top_probs: np.ndarray
    confusion: np.ndarray
    per_class: np.ndarray
    accuracy: float

    def __repr__(self) -> str:
        return f"Evaluation(n={len(self.true)}, accuracy={self.accuracy:.4f})"


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """``C[t, p]`` = how many images of class t were called p; (n_classes, n_classes) int64."""
    flat = true.astype(np.int64) * n_classes + predicted.astype(np.int64)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def evaluate_network(network, images: np.ndarray, labels: np.ndarray, n_classes: int,
                     job=None) -> Evaluation:
    """Classify every test image with ``network`` (in chunks, checking ``job`` between them)."""
    n, k = len(labels), min(TOP_K, network.spec.classes)
    top_classes = np.empty((n, k), dtype=np.int64)
    top_probs = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, CHUNK):
        if job is not None:
            job.check()
            job.progress(start, n, "Reading the test images")
        probabilities = network.predict_proba(images[start:start + CHUNK])
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        top_classes[start:start + CHUNK] = order
        top_probs[start:start + CHUNK] = np.take_along_axis(probabilities, order, axis=1)
    true = labels.astype(np.int64)
    predicted = top_classes[:, 0].copy()
    classes = max(n_classes, network.spec.classes)
    confusion = confusion_matrix(true, predicted, classes)
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(confusion) / totals
    accuracy = float(np.mean(predicted == true)) if n else float("nan")
    return Evaluation(true, predicted, top_classes, top_probs, confusion, per_class, accuracy)


class EvaluateView(QWidget):
    """``EvaluateView(hub)``: re-evaluates in a worker thread whenever the network or the dataset changes.

    ``open_in_browser(split, index)`` and ``open_on_canvas(image)`` ask the main window to show
    an image in the Data panel or on the Draw panel's canvas; ``evaluated(Evaluation)`` fires
    when new results are shown.
    """

    open_in_browser = Signal(str, int)
    open_on_canvas = Signal(object)
    evaluated = Signal(object)

    def __init__(self, hub, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evaluateView")
        self.hub = hub
        self._dataset = None
        self._evaluation: Evaluation | None = None
        self._stale = True  # the results shown are not those of the current network and dataset
        self._runner = TaskRunner(self)
        self._runner.succeeded.connect(self._on_evaluated)
        self._runner.failed.connect(lambda error: self._show_message(
            f"The test images could not be evaluated: {error}"))
        self._build()
        hub.network_changed.connect(self._on_network_changed)
        self._on_network_changed(hub.network)

    def _build(self):
        self.accuracy = QLabel(objectName="testAccuracy")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.accuracy.setFont(font)
        self.summary = QLabel(objectName="evaluateSummary", wordWrap=True)
        self.busy = QProgressBar(objectName="evaluateBusy", maximumWidth=160)
        self.busy.setRange(0, 0)
        self.busy.setToolTip("Reading the test images in the background")
        self.busy.hide()
        self._runner.busy.connect(self.busy.show)
        self._runner.idle.connect(self.busy.hide)
        self.confusion = ConfusionView()
        self.mistakes = MistakesView()
        self.weights = WeightsView()
        for view in (self.confusion, self.mistakes):
            view.open_in_browser.connect(self.open_in_browser)
            view.open_on_canvas.connect(self.open_on_canvas)
        self.tabs = QTabWidget(objectName="evaluateTabs")
        self.tabs.addTab(self.confusion, "Confusion matrix")
        self.tabs.addTab(self.mistakes, "Mistakes")
        self.tabs.addTab(self.weights, "What it learned")
        header = QHBoxLayout()
        header.addWidget(self.accuracy)
        header.addWidget(self.summary, 1)
        header.addWidget(self.busy)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

    # --- state in ---------------------------------------------------------------------------

    def set_dataset(self, dataset):
        self._dataset = dataset
        self._refresh_when_visible()

    def set_drawing(self, image):
        """The network input of the Draw panel's drawing (or None): shows the hidden activations."""
        self.weights.set_drawing(image)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self._runner.shutdown(timeout_ms)

    def evaluation(self) -> Evaluation | None:
        """The results shown, or None."""
        return self._evaluation

    def is_busy(self) -> bool:
        return self._runner.is_busy()

    # --- reactions --------------------------------------------------------------------------

    def _on_network_changed(self, network):
        self._refresh_when_visible()

    def _refresh_when_visible(self):
        """Evaluate now if the panel is on screen, else when it is next shown.

        During training the network changes every epoch; evaluating 10,000 test images each time
        for a hidden panel would take CPU from the training, so a hidden panel only remembers.
        """
        self._stale = True
        if self.isVisible():
            self._refresh()

    def _refresh(self):
        self._stale = False
        self._show_weights()
        self._start()

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale:
            self._refresh()

    def _show_weights(self):
        shape = self._dataset.image_shape if self._dataset is not None else None
        self.weights.set_network(self.hub.network, shape)

    def _start(self):
        network, dataset = self.hub.network, self._dataset
        if network is None:
            self._runner.cancel()
            return self._show_message(NO_NETWORK)
        if dataset is None:
            self._runner.cancel()
            return self._show_message("Load a dataset to test the network on its test images.")
        if network.spec.input_size != dataset.input_size:
            self._runner.cancel()
            h, w = dataset.image_shape
            return self._show_message(
                f"This network takes {network.spec.input_size} pixels per image, but {dataset.name} "
                f"has {h}×{w} = {h * w}: train a network on this dataset or load a matching one.")
        if len(dataset.test_labels) == 0:
            return self._show_message(f"{dataset.name} has no test images.")
        copy = network.copy()  # the worker gets its own weights
        images, labels, n = dataset.test_images, dataset.test_labels, dataset.n_classes
        self.summary.setText(f"Reading the {len(labels):,} test images…")
        self._runner.start(lambda job: (dataset, evaluate_network(copy, images, labels, n, job)))

    def _show_message(self, text: str):
        self._evaluation = None
        self.accuracy.setText("")
        self.summary.setText(text)
        self.confusion.clear(text)
        self.mistakes.clear(text)

    def _on_evaluated(self, result):
        dataset, evaluation = result
        if dataset is not self._dataset:
            return
        self._evaluation = evaluation
        names = self._class_names(len(evaluation.confusion))
        n = len(evaluation.true)
        wrong = int(np.count_nonzero(evaluation.predicted != evaluation.true))
        self.accuracy.setText(f"{evaluation.accuracy:.2%}")
        self.accuracy.setToolTip("Share of the test images the network classifies correctly")
        source = self.hub.description or "the current network"
        self.summary.setText(f"test accuracy of {source} on {n:,} {dataset.name} test images it "
                             f"never trained on: {n - wrong:,} right, {wrong:,} wrong.")
        self.confusion.set_evaluation(evaluation, dataset.test_images, names)
        self.mistakes.set_evaluation(evaluation, dataset.test_images, names)
        self.evaluated.emit(evaluation)

    def _class_names(self, n: int) -> tuple[str, ...]:
        names = self._dataset.class_names
        return tuple(names) if len(names) == n else tuple(str(c) for c in range(n))
