"""What the network looks at: the input gradient of a class's score over the image, and the nudge that flips it.

For the drawing on the Draw panel (or an image opened with "Open in Inside"), the engine's ``input_gradient`` says
which pixels would raise (red) or lower (blue) the chosen class's score; ``nudge`` changes the
pixels a few grey levels at a time until the network reads another class: an adversarial example.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.saliency import SCORES
from mnist_gui.panels.inside.parts import LazyView, ProbabilityBars, SeenDataset, SquareTile
from mnist_gui.widgets.image_tile import ImageTile, note
from mnist_gui.widgets.imaging import diverging_image, diverging_rgb, gray_image, rgb_image
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.inside import NudgeResult, SaliencyResult, nudge_job, saliency_job
from mnist_gui.workers.worker import TaskRunner

PREDICTED = -1
SCORE_TEXT = {"logit": "score z (logit)", "log_probability": "log-probability log p"}
NOTE = ("Red pixels: more ink there would raise the class's score; blue: it would lower it (the gradient "
        "dS/dx, backprop carried down to the pixels). The overlay shows it on the image.")


def _tile(name: str, tip: str) -> ImageTile:
    tile = SquareTile()
    tile.setObjectName(name)
    tile.setToolTip(tip)
    tile.setMinimumSize(120, 120)
    return tile


def _overlay(image: np.ndarray, gradient: np.ndarray, peak: float) -> np.ndarray:
    """(h, w, 3) uint8: the gradient's colours, darkened where the image has ink.

    image : the network's input x, whatever its scaling (0..1, raw 0..255 or standardised): its own
    range gives the ink from 0 (background) to 1 (the most ink).
    """
    colours = diverging_rgb(gradient, peak).astype(np.float32)
    x = np.asarray(image, np.float32)
    ink = (x - x.min()) / max(float(x.max() - x.min()), 1e-9)
    shade = 1 - 0.6 * ink[..., None]
    return np.rint(colours * shade).astype(np.uint8)


class SaliencyView(LazyView):
    """``SaliencyView(datasets, hub)``: saliency and nudge for the image given by ``set_image``."""

    computed = Signal(object)  # a SaliencyResult or NudgeResult, once shown

    def __init__(self, datasets, hub, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("saliencyView")
        self.datasets, self.hub = datasets, hub
        self._image: np.ndarray | None = None
        self._source = ""
        self._saliency: SaliencyResult | None = None
        self._nudge: NudgeResult | None = None
        self._seen = SeenDataset()  # the network's classes: a 3-vs-7 network's outputs are "3" and "7"
        self._names: list[str] | None = None  # the class names the choosers show
        self.runner = TaskRunner(self, "inside-saliency")
        self.runner.succeeded.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        self._build()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        hub.network_changed.connect(self._on_network_changed)
        self._on_dataset_changed(datasets.dataset)

    # --- building ---------------------------------------------------------------------------

    def _on_failed(self, error):
        self.status.setText(f"Could not compute it: {error}")

    def _build(self):
        self.status = WrappedLabel(objectName="saliencyStatus")
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        body = QHBoxLayout()
        body.addWidget(self._build_saliency(), 1)
        body.addWidget(self._build_nudge(), 1)
        layout.addLayout(body, 1)

    def _build_saliency(self) -> QGroupBox:
        self.class_chooser = QComboBox(objectName="saliencyClass")
        self.class_chooser.setToolTip("The class whose evidence is shown: the network's answer by default")
        self.score_chooser = QComboBox(objectName="saliencyScore")
        for score in SCORES:
            self.score_chooser.addItem(f"its {SCORE_TEXT[score]}", score)
        self.score_chooser.setToolTip("The logit counts the class's own evidence; the log-probability also "
                                      "counts the evidence against the other classes")
        for combo in (self.class_chooser, self.score_chooser):
            combo.activated.connect(self.mark_stale)
        self.image_tile = _tile("saliencyImage", "The image, as the network reads it (28×28)")
        self.gradient_tile = _tile("saliencyGradient", "dS/dx: red where ink raises the class's score, "
                                   "blue where it lowers it")
        self.overlay_tile = _tile("saliencyOverlay", "The gradient over the image (darker where there is ink)")
        self.saliency_text = WrappedLabel(objectName="saliencyText")
        row = QHBoxLayout()
        row.addWidget(QLabel("Gradient of"))
        row.addWidget(self.class_chooser)
        row.addWidget(self.score_chooser)
        row.addStretch(1)
        tiles = _captioned(((self.image_tile, "image"), (self.gradient_tile, "gradient"),
                            (self.overlay_tile, "overlay")))
        box = QGroupBox("Where the network looks", objectName="saliencyBox")
        column = QVBoxLayout(box)
        column.addLayout(row)
        column.addLayout(tiles)
        column.addWidget(self.saliency_text)
        column.addWidget(note(NOTE))
        column.addStretch(1)
        return box

    def _build_nudge(self) -> QGroupBox:
        self.target = QComboBox(objectName="nudgeTarget")
        self.target.setToolTip("The class the network should be fooled into reading")
        self.step = QSpinBox(objectName="nudgeStep", minimum=1, maximum=32, value=2, suffix=" levels")
        self.step.setToolTip("How many grey levels (of 255) each pixel may move per step")
        self.nudge_button = QPushButton("Nudge", objectName="nudgeButton")
        self.nudge_button.setToolTip("Change the pixels step by step along the sign of the gradient of "
                                     "log p(target) until the network reads the target (at most 100 steps)")
        self.nudge_button.clicked.connect(self.run_nudge)
        self.nudged_tile = _tile("nudgedImage", "The nudged image")
        self.difference_tile = _tile("nudgeDifference", "What changed: red pixels got more ink, blue less")
        self.nudge_text = WrappedLabel(objectName="nudgeText")
        self.bars = ProbabilityBars(height=150)
        self.bars.setObjectName("nudgeProbabilities")
        self.bars.setToolTip("The network's probabilities before (grey) and after (blue) the nudge")
        row = QHBoxLayout()
        row.addWidget(QLabel("Nudge to class"))
        row.addWidget(self.target)
        row.addWidget(QLabel("by"))
        row.addWidget(self.step)
        row.addWidget(self.nudge_button)
        row.addStretch(1)
        tiles = _captioned(((self.nudged_tile, "nudged image"), (self.difference_tile, "difference")))
        box = QGroupBox("Fool it: a small change that flips the answer", objectName="nudgeBox")
        column = QVBoxLayout(box)
        column.addLayout(row)
        column.addLayout(tiles)
        column.addWidget(self.nudge_text)
        column.addWidget(self.bars, 1)
        return box

    # --- state in ---------------------------------------------------------------------------

    def _on_dataset_changed(self, _dataset):
        self._show_classes()
        self.mark_stale()

    def _show_classes(self) -> None:
        """The network's classes in the choosers and the bars (the dataset's, or those it chose)."""
        dataset = self._seen.of(self.datasets.dataset, self.hub.network)
        names = [] if dataset is None else [str(n) for n in dataset.class_names]
        if names == self._names:
            return
        self._names = names
        self.class_chooser.clear()
        self.class_chooser.addItem("the network's answer", PREDICTED)
        self.target.clear()
        for k, name in enumerate(names):
            self.class_chooser.addItem(f"class {name}", k)
            self.target.addItem(name, k)
        self.bars.set_class_names(names)

    def _on_network_changed(self):
        self._show_classes()
        self._clear_nudge()
        self.mark_stale()

    def set_image(self, image: np.ndarray | None, source: str = "the drawing"):
        """The image to look at: (h, w) uint8, e.g. the Draw panel's drawing; None clears it."""
        self._image = None if image is None else np.array(image, copy=True)
        self._source = source
        self._clear_nudge()
        self.mark_stale()

    def _clear_nudge(self):
        self._nudge = None
        for tile in (self.nudged_tile, self.difference_tile):
            tile.set_image(None)
        self.nudge_text.setText("")

    def _problem(self) -> str:
        network, image = self.hub.network, self._image
        if network is None:
            return "No network yet: train or load one first."
        if image is None:
            return ("Draw a digit on the Draw panel, or right-click an image in the Data panel or among "
                    "Evaluate's mistakes and choose Open in Inside: what the network looks at in it "
                    "appears here.")
        if image.size != network.spec.input_size:
            return f"This network takes {network.spec.input_size} pixels, the image has {image.size}."
        return ""

    # --- jobs -------------------------------------------------------------------------------

    def refresh(self):
        problem = self._problem()
        self.nudge_button.setEnabled(not problem)
        if problem:
            self.runner.cancel()
            self._saliency = None
            for tile in (self.image_tile, self.gradient_tile, self.overlay_tile):
                tile.set_image(None)
            self.status.setText(problem)
            return
        network, image = self.hub.network, self._image
        wanted, score = self.class_chooser.currentData(), self.score_chooser.currentData()
        wanted = None if wanted in (None, PREDICTED) else wanted
        self.image_tile.set_image(gray_image(image))
        self.runner.start(lambda job: saliency_job(network, image, wanted, score, job))

    def run_nudge(self):
        if self._problem():
            return
        network, image = self.hub.network, self._image
        target, step = self.target.currentData(), self.step.value()
        self.nudge_text.setText("Nudging…")
        self.runner.start(lambda job: nudge_job(network, image, target, step, 100, job))

    def _on_result(self, result):
        if result.network is not self.hub.network or result.image is not self._image:
            return
        if isinstance(result, SaliencyResult):
            self._show_saliency(result)
        elif isinstance(result, NudgeResult):
            self._show_nudge(result)
        self.computed.emit(result)

    def _name(self, k: int) -> str:
        return self.target.itemText(k) if 0 <= k < self.target.count() else str(k)

    def _show_saliency(self, result: SaliencyResult):
        self._saliency = result
        s = result.saliency
        peak = float(np.max(np.abs(s.gradient))) or 1.0
        self.gradient_tile.set_image(diverging_image(s.gradient, peak))
        self.overlay_tile.set_image(rgb_image(_overlay(s.image, s.gradient, peak)))
        answer = int(np.argmax(s.probabilities))
        self.saliency_text.setText(
            f"Gradient of class <b>{self._name(s.class_index)}</b>'s {SCORE_TEXT[s.score]} "
            f"(= {s.value:.3g}); largest ±{peak:.3g} per unit of ink. The network reads "
            f"<b>{self._name(answer)}</b> ({s.probabilities[answer]:.0%}).")
        self.status.setText(f"Looking at {self._source} with {self.hub.description or 'the current network'}.")

    def _show_nudge(self, result: NudgeResult):
        self._nudge = result
        n = result.nudge
        self.nudged_tile.set_image(gray_image(n.nudged))
        self.difference_tile.set_image(diverging_image(n.difference.astype(np.float32), max(n.linf, 1)))
        before, after = self._name(n.prediction_before), self._name(n.prediction_after)
        outcome = (f"It now reads <b>{after}</b> after {n.steps} steps" if n.succeeded else
                   f"Not fooled within {n.steps} steps: it still reads <b>{after}</b>")
        self.nudge_text.setText(
            f"{outcome} (it read {before}). Changed {n.pixels_changed} of {n.original.size} pixels, each by "
            f"at most {n.linf} of 255 grey levels (L2 {n.l2:.2f}).")
        self.bars.set_probabilities(n.probabilities_before, n.probabilities_after, marked=n.target)

    def image(self) -> np.ndarray | None:
        """The image looked at ((h, w) uint8), or None."""
        return self._image

    def saliency(self) -> SaliencyResult | None:
        return self._saliency

    def nudged(self) -> NudgeResult | None:
        return self._nudge

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)


def _captioned(tiles) -> QGridLayout:
    """(tile, caption) pairs side by side, each caption centred under its tile."""
    grid = QGridLayout()
    for col, (tile, caption) in enumerate(tiles):
        grid.addWidget(tile, 0, col)
        grid.addWidget(QLabel(caption, alignment=Qt.AlignCenter), 1, col)
    return grid
