"""The Evaluate panel: test accuracy, the confusion matrix, the mistakes, and what the network learned."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QTabWidget, QVBoxLayout, QWidget

from engine.evaluation import Evaluation
from mnist_gui.panels.evaluate.confusion import ConfusionView
from mnist_gui.panels.evaluate.mistakes import MistakesView
from mnist_gui.panels.evaluate.weights import WeightsView
from mnist_gui.widgets.panel_area import fit_current_page
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.evaluation import EvaluateResult, evaluate_job
from mnist_gui.workers.worker import TaskRunner

BUSY_RATIO = 19  # after an evaluation of T seconds, the next waits 19 T: a twentieth of the time at most
NO_NETWORK = ("No network yet. Train one on the Network and training panel, or load one with "
              "File > Load model: its test results will appear here.")


class EvaluateView(QWidget):
    """``EvaluateView(datasets, hub)``: re-evaluates in a worker thread when the network or dataset changes.

    ``open_in_browser(split, index)`` and ``open_on_canvas(image)`` ask the main window to show
    an image in the Data panel or on the Draw panel's canvas; ``evaluated(Evaluation)`` fires
    when new results are shown. Given an ImageFocus (``focus``), a mistake can be opened in Inside.
    """

    open_in_browser = Signal(str, int)
    open_on_canvas = Signal(object)
    evaluated = Signal(object)

    def __init__(self, datasets, hub, focus=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evaluateView")
        self.datasets, self.hub = datasets, hub
        self.focus = focus  # an ImageFocus, where "Open in Inside" on a mistake sends it
        self._dataset = None
        self._evaluation: Evaluation | None = None
        self._stale = True  # the results shown are not those of the current network and dataset
        self.runner = TaskRunner(self)
        self._started_at = 0.0          # when the job under way (or the last one) started
        self._next_allowed = 0.0        # no new evaluation before this (time.monotonic())
        self._later = QTimer(self, singleShot=True)
        self._later.timeout.connect(self._refresh_if_stale)
        self.runner.succeeded.connect(self._on_evaluated)
        self.runner.failed.connect(self._on_evaluation_failed)
        self._build()
        hub.network_changed.connect(self._on_network_changed)
        datasets.dataset_changed.connect(self._on_dataset_changed)
        self._dataset = datasets.dataset
        self._on_network_changed(hub.network)

    def _on_evaluation_failed(self, error):
        self._show_message(f"The test images could not be evaluated: {error}")

    def _build(self):
        self.accuracy = QLabel(objectName="testAccuracy")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.accuracy.setFont(font)
        self.summary = WrappedLabel(objectName="evaluateSummary")
        self.busy = QProgressBar(objectName="evaluateBusy", maximumWidth=160)
        self.busy.setRange(0, 0)
        self.busy.setToolTip("Reading the test images in the background")
        self.busy.hide()
        self.runner.busy.connect(self.busy.show)
        self.runner.idle.connect(self.busy.hide)
        self.confusion = ConfusionView(self.focus)
        self.mistakes = MistakesView(self.focus)
        self.weights = WeightsView()
        for view in (self.confusion, self.mistakes):
            view.open_in_browser.connect(self.open_in_browser)
            view.open_on_canvas.connect(self.open_on_canvas)
        self.tabs = QTabWidget(objectName="evaluateTabs")
        self.tabs.addTab(self.confusion, "Confusion matrix")
        self.tabs.addTab(self.mistakes, "Mistakes")
        self.tabs.addTab(self.weights, "What it learned")
        fit_current_page(self.tabs)
        header = QHBoxLayout()
        header.addWidget(self.accuracy)
        header.addWidget(self.summary, 1)
        header.addWidget(self.busy)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

    # --- state in ---------------------------------------------------------------------------

    def _on_dataset_changed(self, dataset):
        self._dataset = dataset
        self._refresh_when_visible()

    def set_drawing(self, image):
        """The network input of the Draw panel's drawing (or None): shows the hidden activations."""
        self.weights.set_drawing(image)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self._later.stop()
        return self.runner.shutdown(timeout_ms)

    def evaluation(self) -> Evaluation | None:
        """The results shown, or None."""
        return self._evaluation

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    # --- reactions --------------------------------------------------------------------------

    def _on_network_changed(self, network):
        self._refresh_when_visible()

    def _refresh_when_visible(self):
        """Evaluate now if the panel is on screen, else when it is next shown.

        During training the network changes every epoch; evaluating 10,000 test images each time
        for a hidden panel would take CPU from the training, so a hidden panel only remembers.
        """
        self._stale = True
        if not self.isVisible():
            return
        wait = self._next_allowed - time.monotonic()
        if wait <= 0 or self.runner.is_busy():  # a job under way is replaced at once, as before
            self._refresh()
        elif not self._later.isActive():
            self._later.start(int(1000 * wait) + 1)

    def _refresh_if_stale(self):
        if self._stale and self.isVisible():
            self._refresh()

    def _refresh(self):
        self._later.stop()
        self._stale = False
        self._started_at = time.monotonic()
        self._start()

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale:
            self._refresh()

    def _start(self):
        network, dataset = self.hub.network, self._dataset
        self.weights.set_network(network)
        if network is None:
            self.runner.cancel()
            self._show_message(NO_NETWORK)
            return
        copy = network.copy()  # the worker gets its own weights
        self.runner.start(lambda job: evaluate_job(copy, dataset, job))
        problem = self._problem(network, dataset)
        if problem:
            self._show_message(problem)
            return
        self.summary.setText(f"Reading the {len(dataset.test_labels):,} test images…")

    def _problem(self, network, dataset) -> str:
        """Why ``network`` cannot be scored on ``dataset``'s test images ("" if it can)."""
        if dataset is None:
            return "Load a dataset to test the network on its test images."
        if network.spec.input_size != dataset.input_size:
            h, w = dataset.image_shape
            return (f"This network takes {network.spec.input_size} pixels per image, but "
                    f"{dataset.name} has {h}×{w} = {h * w}: train a network on this dataset or "
                    "load a matching one.")
        if len(dataset.test_labels) == 0:
            return f"{dataset.name} has no test images."
        return ""

    def _show_message(self, text: str):
        self._evaluation = None
        self.accuracy.setText("")
        self.summary.setText(text)
        self.confusion.clear(text)
        self.mistakes.clear(text)

    def _on_evaluated(self, result: EvaluateResult):
        # while networks keep coming (every epoch of a run), evaluating takes at most a twentieth
        # of the time: the training beside it keeps >= 90 % of its speed (bench_gui_training.py)
        took = time.monotonic() - self._started_at
        self._next_allowed = time.monotonic() + BUSY_RATIO * took
        dataset, evaluation = result.dataset, result.evaluation
        if dataset is not self._dataset:
            return
        self.weights.set_mosaics(result.mosaics)
        if evaluation is None:
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
