"""The "Inside the network" panel: four views of the mechanism of learning, as tabs.

``InsideView(datasets, hub, runs, focus)`` assembles the step in slow motion, the live training
dynamics, the hidden space and the saliency views. Each computes (in its own job) only while it is
on screen, so the panel costs a training run nothing while it is hidden. An image opened elsewhere
("Open in Inside" in the Data panel or Evaluate's mistakes reaches the ``focus``) becomes the
step's input and the image the saliency view looks at.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from mnist_gui.panels.inside.dynamics_view import DynamicsView
from mnist_gui.panels.inside.embedding_view import EmbeddingView
from mnist_gui.panels.inside.parts import apply_palette
from mnist_gui.panels.inside.saliency_view import SaliencyView
from mnist_gui.panels.inside.step_view import StepView
from mnist_gui.state.drawing import Drawing
from mnist_gui.widgets.panel_area import fit_current_page
from mnist_gui.workers.worker import TaskRunner, shutdown_all

TABS = ("step", "dynamics", "embedding", "saliency")


class InsideView(QWidget):
    """The panel (objectName ``insideView``). ``drawing`` (a ``state.drawing.Drawing``, optional)
    brings the Draw panel's drawing; ``focus`` (an ImageFocus, optional) images opened on other panels.

    ``preset_requested(name)`` asks for an engine preset in the network builder (wired by the
    main window).
    """

    preset_requested = Signal(str)

    def __init__(self, datasets, hub, runs, focus=None, drawing: Drawing | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("insideView")
        self.drawing = drawing if drawing is not None else Drawing(self)
        self._looking_at_opened = False  # the saliency view shows an opened image, not the drawing
        self.step_view = StepView(datasets, hub, runs)
        self.dynamics_view = DynamicsView(runs, hub)
        self.embedding_view = EmbeddingView(datasets, hub)
        self.saliency_view = SaliencyView(datasets, hub)
        self.dynamics_view.preset_requested.connect(self.preset_requested)
        self.tabs = QTabWidget(objectName="insideTabs")
        for view, title, tip in (
                (self.step_view, "One step in slow motion", "Forward, backward and the update for one image"),
                (self.dynamics_view, "Training dynamics", "Gradients, updates and distributions per layer, live"),
                (self.embedding_view, "The hidden space", "The test images as the last hidden layer sees them"),
                (self.saliency_view, "What it looks at", "Which pixels count, and a nudge that fools it")):
            self.tabs.addTab(view, title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tip)
        fit_current_page(self.tabs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self._apply_palette()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        if focus is not None:
            focus.opened.connect(self._on_image_opened)
        self.drawing.changed.connect(self._on_drawing_changed)
        if self.drawing.image is not None:
            self._on_drawing_changed(self.drawing.image)

    def _apply_palette(self):
        for plot in self.findChildren(pg.PlotWidget):
            apply_palette(plot, self.palette())

    def changeEvent(self, event):
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange):
            self._apply_palette()
        super().changeEvent(event)

    def show_tab(self, key: str) -> None:
        """Show one of the views: "step", "dynamics", "embedding" or "saliency"."""
        self.tabs.setCurrentIndex(TABS.index(key))

    def _on_drawing_changed(self, image) -> None:
        """The Draw panel's drawing as the network reads it ((h, w) uint8), or None.

        The saliency view looks at the latest of the drawing and an opened image: a new drawing
        replaces an opened image (the Drawing announces only drawings that changed).
        """
        self.step_view.set_drawing(image)
        self.embedding_view.set_drawing(image)
        self._looking_at_opened = False
        self.saliency_view.set_image(image, "the drawing")

    def _on_image_opened(self, focused) -> None:
        """An image opened with "Open in Inside" (a FocusedImage): the step and the saliency take it."""
        self.step_view.show_opened(focused)
        self._looking_at_opened = True
        self.saliency_view.set_image(focused.image, focused.description)
        if self.tabs.currentWidget() not in (self.step_view, self.saliency_view):
            self.show_tab("step")

    def _on_dataset_changed(self, _dataset) -> None:
        if self._looking_at_opened:  # the opened image belonged to the old dataset
            self._looking_at_opened = False
            self.saliency_view.set_image(self.drawing.image, "the drawing")

    def runners(self) -> list[TaskRunner]:
        return [self.step_view.runner, self.embedding_view.runner, self.saliency_view.runner]

    def is_busy(self) -> bool:
        return any(runner.is_busy() for runner in self.runners())

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the redraw and Play timers and every job; True if all ended within ``timeout_ms``."""
        self.dynamics_view.stop_timers()
        self.step_view.stop_timers()
        return shutdown_all(self.runners(), timeout_ms)

