"""The Evaluate panel: test accuracy, the confusion matrix, the mistakes, and what the network learned."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QTabWidget, QVBoxLayout, QWidget

from engine.classes import places
from engine.evaluation import Evaluation
from mnist_gui.panels.evaluate.ablation import AblationView
from mnist_gui.panels.evaluate.confusion import ConfusionView
from mnist_gui.panels.evaluate.mistakes import MistakesView
from mnist_gui.panels.evaluate.versus_baseline import VersusBaselineView
from mnist_gui.panels.evaluate.weights import WeightsView
from mnist_gui.state.drawing import Drawing
from mnist_gui.state.evaluation import TestEvaluation
from mnist_gui.state.focus import ImageFocus
from mnist_gui.widgets.panel_area import fit_current_page
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.evaluation import EvaluateResult, evaluate_job

NO_NETWORK = ("No network yet. Train one on the Network and training panel, or load one with "
              "File > Load model: its test results will appear here.")


class EvaluateView(QWidget):
    """``EvaluateView(datasets, hub, focus, evaluation, drawing)``: shows the test-set evaluation.

    ``evaluation`` (a ``state.evaluation.TestEvaluation``; without one the panel keeps its own)
    scores the hub's network in a worker thread while this panel is on screen.
    ``evaluated(Evaluation)`` fires when new results are shown. A test image of the galleries goes
    to the ImageFocus (``focus``; without one the panel keeps its own): to the Data panel's browser,
    the Draw panel's canvas or Inside. Given a Drawing (``drawing``), the hidden activations of the
    user's drawing are shown.
    """

    evaluated = Signal(object)

    def __init__(self, datasets, hub, focus=None, evaluation: TestEvaluation | None = None,
                 drawing: Drawing | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evaluateView")
        self.datasets, self.hub = datasets, hub
        self.focus = focus if focus is not None else ImageFocus(self)  # where its galleries send images
        self._own_evaluation = evaluation is None
        if evaluation is None:
            evaluation = TestEvaluation(datasets, hub, evaluate_job, self)
        self.test_evaluation = evaluation
        self.drawing = drawing if drawing is not None else Drawing(self)
        self._evaluation: Evaluation | None = None
        self._build()
        e = self.test_evaluation
        e.started.connect(self._on_evaluation_started)
        e.evaluated.connect(self._on_evaluated)
        e.failed.connect(self._on_evaluation_failed)
        self.drawing.changed.connect(self._on_drawing_changed)
        self._on_drawing_changed(self.drawing.image)
        if e.result is not None:
            self._on_evaluated(e.result)

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
        self.test_evaluation.busy.connect(self.busy.show)
        self.test_evaluation.idle.connect(self.busy.hide)
        self.confusion = ConfusionView(self.focus)
        self.mistakes = MistakesView(self.focus)
        self.weights = WeightsView()
        self.ablation = AblationView()
        self.tabs = QTabWidget(objectName="evaluateTabs")
        self.tabs.addTab(self.confusion, "Confusion matrix")
        self.tabs.addTab(self.mistakes, "Mistakes")
        self.tabs.addTab(self.weights, "What it learned")
        self.versus_baseline = VersusBaselineView(self.datasets, self.test_evaluation)
        self.tabs.addTab(self.versus_baseline, "Network vs baseline")
        self.tabs.addTab(self.ablation, "Switch units off")
        fit_current_page(self.tabs)
        header = QHBoxLayout()
        header.addWidget(self.accuracy)
        header.addWidget(self.summary, 1)
        header.addWidget(self.busy)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)

    # --- state in ---------------------------------------------------------------------------

    def _on_drawing_changed(self, image):
        """The network input of the Draw panel's drawing (or None): shows the hidden activations."""
        self.weights.set_drawing(image)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop evaluating for this panel: its own evaluation's job ends, a shared one stops watching."""
        self.test_evaluation.set_watched(False)
        ablation = self.ablation.shutdown(timeout_ms)
        return (self.test_evaluation.shutdown(timeout_ms) if self._own_evaluation else True) and ablation

    def evaluation(self) -> Evaluation | None:
        """The results shown, or None."""
        return self._evaluation

    def is_busy(self) -> bool:
        return self.test_evaluation.is_busy()

    def showEvent(self, event):
        super().showEvent(event)
        self.test_evaluation.set_watched(True)

    def hideEvent(self, event):
        super().hideEvent(event)
        self.test_evaluation.set_watched(False)

    # --- reactions --------------------------------------------------------------------------

    def _on_evaluation_started(self, network, dataset):
        self.weights.set_network(network)
        problem = NO_NETWORK if network is None else self._problem(network, dataset)
        self.ablation.set_network(None if problem else network, dataset)
        if problem:
            self._show_message(problem)
        else:
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
        dataset, evaluation = result.test_set or result.dataset, result.evaluation
        self.weights.set_mosaics(result.mosaics)
        if evaluation is None:
            return
        self._evaluation = evaluation
        names = self._class_names(dataset, len(evaluation.confusion))
        n = len(evaluation.true)
        wrong = int(np.count_nonzero(evaluation.predicted != evaluation.true))
        self.accuracy.setText(f"{evaluation.accuracy:.2%}")
        self.accuracy.setToolTip("Share of the test images the network classifies correctly")
        source = self.hub.description or "the current network"
        self.summary.setText(f"test accuracy of {source} on {n:,} {dataset.name} test images it "
                             f"never trained on: {n - wrong:,} right, {wrong:,} wrong.")
        where = places(result.dataset.test_labels, result.network.spec.class_labels)  # a 3-vs-7 network's
        # the job ranked every cell's images and the mistakes: the GUI thread only shows them
        self.confusion.set_evaluation(evaluation, dataset.test_images, names, where, result.cells)
        self.mistakes.set_evaluation(evaluation, dataset.test_images, names, where, result.mistakes)
        self.evaluated.emit(evaluation)

    @staticmethod
    def _class_names(dataset, n: int) -> tuple[str, ...]:
        names = dataset.class_names
        return tuple(names) if len(names) == n else tuple(str(c) for c in range(n))
