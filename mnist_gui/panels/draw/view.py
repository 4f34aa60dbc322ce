"""The Draw panel: draw a digit, and the current network (and the mean-digit baseline) read it as you draw."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.panels.draw.canvas import BRUSH_RANGE, DrawCanvas
from mnist_gui.panels.draw.my_drawings import (
    STORE_SIDE,
    DrawingStore,
    MyDrawingsBox,
    default_path,
    score_drawings,
)
from mnist_gui.panels.draw.prediction import PredictionView
from mnist_gui.state.drawing import Drawing
from mnist_gui.state.focus import ImageFocus
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.wrapped_label import WrappedLabel

LIVE_INTERVAL_MS = 40  # reading while drawing: at most 25 times a second
NO_NETWORK = ("Train a network on the Network and training panel, or load one with "
              "File > Load model.")


@dataclass(frozen=True, eq=False)
class Reading:
    """One drawing read: its preprocessing, the network's probabilities, the baseline's class.

    ``probabilities`` is None without a network, ``baseline_class`` None without a fitted
    baseline of the same image size; ``seconds`` covers preprocessing and both classifiers.
    """

    pre: object  # engine.preprocessing.Preprocessed
    probabilities: np.ndarray | None
    baseline_class: int | None
    seconds: float

    def __repr__(self) -> str:
        answer = None if self.probabilities is None else int(np.argmax(self.probabilities))
        return (f"Reading(empty={self.pre.empty}, network={answer}, "
                f"baseline={self.baseline_class}, ms={self.seconds * 1000:.2f})")


def read_drawing(ink: np.ndarray, framing, network=None, baseline=None) -> Reading:
    """Preprocess ``ink`` (h, w) uint8 to ``framing`` (an engine ``Framing``, or a side for
    MNIST's recipe at that size) and classify it."""
    from engine.preprocessing import default_framing, preprocess_framed

    start = time.perf_counter()
    if isinstance(framing, int):
        framing = default_framing(framing)
    pre = preprocess_framed(ink, framing)
    probabilities = baseline_class = None
    if not pre.empty:
        x = pre.image[None]
        if network is not None and network.spec.input_size == x[0].size:
            probabilities = network.predict_proba(x)[0]
        if baseline is not None and baseline.means.shape[1:] == pre.image.shape:
            labels = () if network is None else network.spec.class_labels
            if labels and max(labels) < len(baseline.means):  # the nearest of the same classes' means
                baseline_class = int(np.argmin(baseline.distances(x)[0, list(labels)]))
            else:
                baseline_class = int(baseline.predict(x)[0])
    return Reading(pre, probabilities, baseline_class, time.perf_counter() - start)


def square_side(n_inputs: int) -> int | None:
    """The side of a square image of ``n_inputs`` pixels (28 for 784), or None if there is none."""
    side = math.isqrt(n_inputs)
    return side if side * side == n_inputs else None


class DrawView(QWidget):
    """``DrawView(datasets, hub, drawing)``: reads ``hub.network`` whenever the drawing or the network changes.

    The second opinion is the DatasetHub's mean-digit classifier, fitted once per dataset.

    The network's input for the current drawing, (size, size) uint8, or None when the canvas is
    empty, goes to ``drawing`` (a ``state.drawing.Drawing``; the Evaluate and Inside panels show
    what the network makes of it). Without one the panel keeps its own. Given an ImageFocus
    (``focus``), a dataset image another panel sends there (``canvas_requested``) goes on the canvas.
    """

    baseline_ready = Signal()

    def __init__(self, datasets, hub, drawing: Drawing | None = None, parent: QWidget | None = None,
                 drawings_path=None, focus: ImageFocus | None = None):
        super().__init__(parent)
        self.setObjectName("drawView")
        self.datasets, self.hub = datasets, hub
        self.drawing = drawing if drawing is not None else Drawing(self)
        self._dataset = None
        self._baseline = None
        self._framing = None  # the dataset's, measured once per dataset
        self._label_chosen = False  # the user picked "This is a" for the drawing on the canvas
        self._reading: Reading | None = None
        self._live = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live.timeout.connect(self.read_now)
        self.store = DrawingStore(drawings_path or default_path())
        self._build()
        self._connect()
        self._on_network_changed(hub.network)
        if focus is not None:
            focus.canvas_requested.connect(self.show_image)

    # --- building ---------------------------------------------------------------------------

    def _build(self):
        self.canvas = DrawCanvas()
        self.status = WrappedLabel(objectName="drawStatus")
        self.clear_button = QPushButton("Clear", objectName="clearCanvasButton")
        self.clear_button.setToolTip("Wipe the canvas (Delete or Backspace)")
        self.undo_button = QPushButton("Undo", objectName="undoStrokeButton")
        self.undo_button.setToolTip("Remove the last stroke (Ctrl+Z)")
        self.eraser_button = QPushButton("Eraser", objectName="eraserButton", checkable=True)
        self.eraser_button.setToolTip("Rub out ink with the left button (E). The right button "
                                      "always erases.")
        self.brush = QSlider(Qt.Horizontal, objectName="brushWidth")
        self.brush.setRange(*BRUSH_RANGE)
        self.brush.setValue(self.canvas.brush_width())
        self.brush.setToolTip("Brush width: MNIST digits have thick, even strokes")
        self.brush.setMinimumWidth(60)  # a zoomed panel squeezed it to a dot
        self.drawings = MyDrawingsBox(self.store)
        self.prediction = PredictionView()
        tools = QHBoxLayout()
        tools.addWidget(self.clear_button)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.eraser_button)
        tools.addSpacing(12)
        tools.addWidget(QLabel("Brush"))
        tools.addWidget(self.brush, 1)
        left = QVBoxLayout()
        left.addWidget(self.status)
        left.addWidget(self.canvas, 1)
        left.addLayout(tools)
        left.addWidget(note("Draw big and centred, as on paper. Your strokes are cropped, scaled "
                            "and centred before the network sees them (right)."))
        self._left = left
        self._grid = QGridLayout(self)
        self._grid.addLayout(left, 0, 0)
        self._grid.setColumnStretch(0, 5)
        self._grid.setColumnStretch(1, 6)
        self._grid.setRowStretch(0, 1)
        self._below_both = True  # placed by _place_drawings(False) at once: under the canvas, where
        self._place_drawings(False)  # the strip's space is kept (it appears with the first save)

    # --- "My drawings" under the canvas, or across the panel when it is narrow (zoom) ---------

    def drawings_below_both(self) -> bool:
        """True while "My drawings" spans the panel's width, under the canvas and the reading."""
        return self._below_both

    def _widths(self) -> tuple[int, int]:
        """The least panel widths with "My drawings" under the canvas, and across the panel."""
        margins = self._grid.contentsMargins()
        extra = margins.left() + margins.right()
        left, gap = self._left.minimumSize().width(), self._grid.horizontalSpacing()
        drawings, prediction = self.drawings.minimumSizeHint().width(), self.prediction.minimumSizeHint().width()
        return max(left, drawings) + gap + prediction + extra, max(left + gap + prediction, drawings) + extra

    def minimumSizeHint(self) -> QSize:
        """As narrow as the panel can be with "My drawings" across it (it moves there when narrow)."""
        hint = super().minimumSizeHint()
        return hint if self._below_both else QSize(min(hint.width(), self._widths()[1]), hint.height())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._place_drawings(self.width() < self._widths()[0])

    def event(self, event) -> bool:
        if event.type() == QEvent.LayoutRequest:  # a minimum width changed (zoom)
            self._place_drawings(self.width() < self._widths()[0])
        return super().event(event)

    def _place_drawings(self, below_both: bool):
        if below_both == self._below_both:
            return
        self._below_both = below_both
        for widget in (self.drawings, self.prediction):
            self._grid.removeWidget(widget)
        self._grid.addWidget(self.drawings, 1, 0, 1, 2 if below_both else 1)
        policy = self.drawings.strip.sizePolicy()  # across the panel the height is short: the
        policy.setRetainSizeWhenHidden(not below_both)  # strip takes room only once it shows
        self.drawings.strip.setSizePolicy(policy)
        self._grid.addWidget(self.prediction, 0, 1, 1 if below_both else 2, 1)

    def _connect(self):
        self.canvas.changed.connect(self.read_now)
        self.canvas.stroke_moved.connect(self._on_stroke_moved)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button.clicked.connect(self.canvas.undo)
        self.brush.valueChanged.connect(self.canvas.set_brush_width)
        self.eraser_button.toggled.connect(self.canvas.set_erasing)
        self.drawings.label.activated.connect(self._on_label_chosen)
        for keys, slot in ((QKeySequence.Undo, self.canvas.undo),
                           (QKeySequence(Qt.Key_E), self.eraser_button.toggle),
                           (QKeySequence(Qt.Key_Delete), self.canvas.clear),
                           (QKeySequence(Qt.Key_Backspace), self.canvas.clear)):
            QShortcut(keys, self, slot, context=Qt.WidgetWithChildrenShortcut)
        self.hub.network_changed.connect(self._on_network_changed)
        self.drawings.save_requested.connect(self._save_drawing)
        self.drawings.score_requested.connect(self._score_drawings)
        self.datasets.dataset_changed.connect(self._on_dataset_changed)
        self.datasets.baseline_changed.connect(self._on_baseline_changed)
        if self.datasets.dataset is not None:
            self._on_dataset_changed(self.datasets.dataset)
            self._on_baseline_changed(self.datasets.baseline)

    # --- state in ---------------------------------------------------------------------------

    def _on_dataset_changed(self, dataset):
        """Use ``dataset``'s class names, image size and framing; its baseline follows from the hub."""
        from engine.preprocessing import measure_framing

        self._dataset, self._baseline = dataset, None
        square = dataset is not None and dataset.image_shape[0] == dataset.image_shape[1]
        self._framing = measure_framing(dataset.train_images) if square else None
        names = self._class_names()
        self.prediction.set_classes(names)
        self.drawings.set_classes(names)
        self.read_now()

    def show_image(self, image: np.ndarray):
        """Put a dataset image on the canvas, so it goes through the preprocessing like a drawing."""
        self.canvas.show_image(image)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self._live.stop()
        return True

    def reading(self) -> Reading | None:
        """The last reading of a non-empty canvas, or None."""
        return self._reading

    def baseline(self):
        """The fitted mean-digit classifier, or None until ``baseline_ready``."""
        return self._baseline

    def input_size(self) -> int:
        """Side of the image the drawing is turned into: the network's, else the dataset's, else 28."""
        network = self.hub.network
        if network is not None and square_side(network.spec.input_size):
            return square_side(network.spec.input_size)
        if self._dataset is not None:
            return self._dataset.image_shape[0]
        return 28

    def framing(self):
        """How a drawing is framed for the network: the dataset's (measured from its images)
        when the network takes its image size, else MNIST's recipe at the network's size."""
        from engine.preprocessing import default_framing

        side = self.input_size()
        if self._framing is not None and self._framing.size == side:
            return self._framing
        return default_framing(side)

    def _class_names(self) -> tuple[str, ...]:
        network = self.hub.network
        names = self._dataset.class_names if self._dataset is not None else tuple("0123456789")
        labels = network.spec.class_labels if network is not None else ()
        if labels and max(labels) < len(names):  # a network of some classes: theirs, in order
            return tuple(names[c] for c in labels)
        if network is not None and network.spec.classes != len(names):
            return tuple(str(c) for c in range(network.spec.classes))
        return tuple(names)

    # --- reading ----------------------------------------------------------------------------

    def _on_stroke_moved(self):
        if not self._live.isActive():
            self._live.start()

    def read_now(self):
        """Read the canvas with the current network and baseline and show the answer."""
        self._live.stop()
        had_reading = self._reading is not None
        self.prediction.set_framing(self.framing())
        if self.canvas.is_empty():
            self._reading = None
            if had_reading:  # the drawing was saved or cleared: the next one gets a suggestion
                self._label_chosen = False
            self.prediction.clear()
            self.drawing.set_image(None)
            return
        self._reading = read_drawing(self.canvas.ink(), self.framing(), self.hub.network,
                                     self._baseline)
        if self._reading.pre.empty:  # an image with no ink, or ink below the threshold
            self._reading = None
            self.prediction.clear("There is no ink on the canvas to read.")
            self.drawing.set_image(None)
            return
        self.prediction.show_answer(self._reading.pre, self._reading.probabilities,
                                    self._reading.baseline_class, self._detail())
        self._suggest_label()
        self.drawing.set_image(self._reading.pre.image)

    def _suggest_label(self):
        """"This is a" follows the network's answer (else the baseline's) until the user picks."""
        reading = self._reading
        answer = (reading.baseline_class if reading.probabilities is None
                  else int(np.argmax(reading.probabilities)))
        if not self._label_chosen and answer is not None \
                and answer < self.drawings.label.count():
            self.drawings.label.setCurrentIndex(answer)

    def _on_label_chosen(self, _index: int):
        self._label_chosen = True

    def _detail(self) -> str:
        if self.hub.network is None:
            return NO_NETWORK
        if self._reading.probabilities is None:
            return (f"This network takes {self.hub.network.spec.input_size} pixels per image: "
                    "it cannot read a drawing turned into a square image.")
        source = self.hub.description or "the current network"
        return f"Read in {self._reading.seconds * 1000:.1f} ms by {source}."

    def _on_network_changed(self, network):
        self.prediction.set_classes(self._class_names())
        if network is None:
            self.status.setText(f"<b>No network yet.</b> {NO_NETWORK} Meanwhile the mean-digit "
                                "baseline reads your drawing.")
        else:
            source = self.hub.description or "a network"
            self.status.setText(f"Reading with <b>{source}</b> ({network.spec.describe()}). "
                                "Draw a digit below.")
        self.read_now()

    def _on_baseline_changed(self, baseline):
        classifier = None if baseline is None else baseline.classifier
        if classifier is self._baseline:
            return
        self._baseline = classifier
        if classifier is not None:
            self.baseline_ready.emit()
        self.read_now()

    # --- my drawings ------------------------------------------------------------------------

    def _save_drawing(self, label: int):
        if self.canvas.is_empty():
            self.drawings.show_saved("Draw a digit first, then save it with its label.")
            return
        try:
            self.store.add(self.canvas.render_ink(STORE_SIDE), label)
        except OSError as exc:
            self.drawings.show_saved(f"The drawing was not saved: {exc}")
            return
        self.canvas.clear()
        n = len(self.store)
        self.drawings.show_saved(f"Saved as {self.drawings.label.currentText()}: {n} saved "
                                 f"drawing{'s' * (n != 1)}. Draw the next one!")

    def _score_drawings(self):
        network = self.hub.network
        if network is None:
            self.drawings.show_saved(f"No network to score with. {NO_NETWORK}")
            return
        side = square_side(network.spec.input_size)
        if side is None or not len(self.store):
            self.drawings.show_saved("Nothing to score." if side else
                                     "This network does not take square images.")
            return
        framing = self.framing() if side == self.input_size() else None
        self.drawings.show_score(score_drawings(network, self.store.images, self.store.labels, side,
                                                framing))
