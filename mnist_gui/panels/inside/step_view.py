"""One gradient step in slow motion: pick an image, then walk forward, backward and the update stage by stage.

The engine's ``trace_step`` computes everything on a copy of the network in a job; this view shows
the stages one at a time (Next / Back, or the arrow and Page keys of a presenter's clicker). The
stage pages are in ``step_stages.py``. "Apply this step" makes the step real by handing the
updated network to the model hub; "Check this gradient" compares backprop with finite differences.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.step_trace import StepTrace, updated_network
from engine.training import TrainConfig
from mnist_gui.panels.inside.conv_stages import ConvBackwardPage, ConvForwardPage, FeatureMapsPage
from mnist_gui.panels.inside.filter_slide import FilterSlide
from mnist_gui.panels.inside.parts import LazyView, SeenDataset, title_label
from mnist_gui.panels.inside.step_stages import STAGES, DeltaPage
from mnist_gui.widgets.image_tile import ImageTile, note
from mnist_gui.widgets.imaging import gray_image
from mnist_gui.widgets.number_text import readable
from mnist_gui.widgets.panel_area import fit_current_page
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.inside import CheckResult, TraceResult, check_job, trace_job
from mnist_gui.workers.worker import TaskRunner

TRAINING, RANDOM, DRAWING, OPENED = "training", "random", "drawing", "opened"
NOTHING_OPENED = ("No image opened yet: right-click an image in the Data panel or among Evaluate's "
                  "mistakes and choose Open in Inside.")
ANY_CLASS = -1


class StepView(LazyView):
    """``StepView(datasets, hub, runs)``: traces one step of the hub's network on a chosen image.

    ``traced(StepTrace)`` fires when a new trace is shown; ``stage`` is the page shown (0-based).
    """

    traced = Signal(object)
    checked = Signal(object)

    def __init__(self, datasets, hub, runs, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepTrace")
        self.datasets, self.hub, self.runs = datasets, hub, runs
        self._trace: StepTrace | None = None
        self._traced_network = None
        self._drawing: np.ndarray | None = None
        self._opened = None  # a FocusedImage, from "Open in Inside" on another panel
        self._seen = SeenDataset()  # the images of the network's classes, labelled by its outputs
        self._shown_classes = None  # the dataset and class_labels the choosers show
        self._rng = np.random.default_rng()
        self.runner = TaskRunner(self, "inside-step")
        self.runner.succeeded.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        self._build()
        self._connect_keys()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        hub.network_changed.connect(self._on_network_changed)
        self._on_dataset_changed(datasets.dataset)

    # --- building ---------------------------------------------------------------------------

    def _on_failed(self, error):
        self.summary.setText(f"The step could not be traced: {error}")

    def _build(self):
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_chooser())
        body = QHBoxLayout()
        left = QWidget()
        left.setLayout(self._build_input_column())
        left.setFixedWidth(400)
        body.addWidget(left)
        body.addLayout(self._build_stage_column(), 1)
        layout.addLayout(body, 1)

    def _build_chooser(self) -> QHBoxLayout:
        self.source = QComboBox(objectName="stepSource")
        self.source.addItem("Training image number", TRAINING)
        self.source.addItem("A random training image", RANDOM)
        self.source.addItem("The drawing on the Draw panel", DRAWING)
        self.source.addItem("The opened image", OPENED)
        self.source.setItemData(self.source.count() - 1, "The image last opened with Open in Inside, from "
                                "the Data panel or Evaluate's mistakes", Qt.ToolTipRole)
        self.source.setToolTip("Which image the step learns from")
        self.opened_label = QLabel(objectName="stepOpened")
        self.opened_label.setToolTip("The image opened with Open in Inside (from the Data panel or "
                                     "Evaluate's mistakes)")
        self.index = QSpinBox(objectName="stepIndex", minimum=0, maximum=0, keyboardTracking=False)
        self.index.setToolTip("The number of the training image (0 is the first)")
        self.class_filter = QComboBox(objectName="stepClass")
        self.class_filter.setToolTip("A random image of this class (or of any class)")
        self.random_button = QPushButton("Another", objectName="stepRandom")
        self.random_button.setToolTip("Pick another random training image")
        self.label = QComboBox(objectName="stepLabel")
        self.label.setToolTip("The class the step teaches for this image: its true label by default; "
                              "for a drawing, say what you drew")
        self.lr = QDoubleSpinBox(objectName="stepLearningRate", decimals=4, minimum=0.0001, maximum=10,
                                 singleStep=0.01, value=0.1, keyboardTracking=False)
        self.lr.setToolTip("The learning rate of this one step (the latest run's rate by default)")
        row = QHBoxLayout()
        for text, widget in (("Image:", self.source), ("", self.index), ("", self.opened_label),
                             ("", self.class_filter),
                             ("", self.random_button), ("learn it as", self.label),
                             ("learning rate", self.lr)):
            if text:
                row.addWidget(QLabel(text))
            row.addWidget(widget)
        row.addStretch(1)
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.index.valueChanged.connect(self._on_image_chosen)
        self.class_filter.currentIndexChanged.connect(self.pick_random)
        self.random_button.clicked.connect(self.pick_random)
        self.label.activated.connect(self.retrace)
        self.lr.valueChanged.connect(self.retrace)
        self._show_source_fields()
        return row

    def _build_input_column(self) -> QVBoxLayout:
        self.image_tile = ImageTile()
        self.image_tile.setObjectName("stepImage")
        self.image_tile.setToolTip("The image the step learns from, as the network sees it (28×28)")
        self.image_tile.setFixedSize(224, 224)
        self.summary = WrappedLabel(objectName="stepSummary")
        self.check_button = QPushButton("Check this gradient", objectName="checkGradientButton")
        self.check_button.setToolTip("Compare a few of backprop's derivatives with central finite "
                                     "differences (L(w+ε) − L(w−ε)) / 2ε, in float64")
        self.apply_button = QPushButton("Apply this step", objectName="applyStepButton")
        self.apply_button.setToolTip("Make the step real: the current network takes the updated weights "
                                     "(the other panels follow). Without this the step is only a preview.")
        self.check_button.clicked.connect(self.check_gradient)
        self.apply_button.clicked.connect(self.apply_step)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.image_tile, 0, Qt.AlignHCenter)
        column.addWidget(self.summary)
        column.addWidget(self.apply_button)
        column.addWidget(self.check_button)
        column.addWidget(self._build_check_table(), 10)
        column.addStretch(1)
        return column

    def _build_check_table(self) -> QTableWidget:
        self.check_table = QTableWidget(0, 4, objectName="gradientCheckTable")
        self.check_table.setHorizontalHeaderLabels(["weight", "backprop", "numeric", "rel. error"])
        self.check_table.setToolTip("Backprop's dL/dw against central differences: a relative error "
                                    "below 1e-5 means the gradient is right (near a ReLU's kink, 1e-4 happens)")
        self.check_table.verticalHeader().hide()
        self.check_table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.check_table.hide()
        return self.check_table

    def _build_stage_column(self) -> QVBoxLayout:
        self.stage_title = title_label("", 1.4, "stepStageTitle")
        self.stage_note = note("")
        self.stage_note.setObjectName("stepStageNote")
        self.pages = QStackedWidget(objectName="stepStages")
        self.slide = FilterSlide(self)  # the filter and window the convolution pages show
        self.conv_forward, self.conv_backward = ConvForwardPage(), ConvBackwardPage()
        self.feature_maps_page = FeatureMapsPage()
        self._dense_stages = [stage() for stage in STAGES]
        self._conv_stages = self._with_convolution(self._dense_stages)
        self.stage_pages = self._dense_stages  # the sequence walked: a CNN's has the convolution pages
        for page in self._conv_stages:
            self.pages.addWidget(page)
        for page in (self.conv_forward, self.conv_backward):
            page.set_slide(self.slide)
        fit_current_page(self.pages)  # the tallest stage no longer makes the first ones scroll
        self.back_button = QPushButton("◀ Back", objectName="stepBack")
        self.back_button.setToolTip("The previous stage (Left or Page Up)")
        self.next_button = QPushButton("Next ▶", objectName="stepNext")
        self.next_button.setToolTip("The next stage (Right or Page Down)")
        self.position = QLabel(objectName="stepPosition", alignment=Qt.AlignCenter)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        nav = QGridLayout()
        nav.addWidget(self.back_button, 0, 0)
        nav.addWidget(self.position, 0, 1)
        nav.addWidget(self.next_button, 0, 2)
        nav.setColumnStretch(1, 1)
        column = QVBoxLayout()
        column.addWidget(self.stage_title)
        column.addWidget(self.stage_note)
        column.addWidget(self.pages, 1)
        column.addLayout(nav)
        self._show_stage(0)
        return column

    def _with_convolution(self, dense: list) -> list:
        """A CNN's stages: the filter sliding and the feature maps before the dense forward pass,
        where the filter's gradient comes from after the dense deltas."""
        at = next(i for i, page in enumerate(dense) if isinstance(page, DeltaPage)) + 1
        return [self.conv_forward, self.feature_maps_page, *dense[:at], self.conv_backward, *dense[at:]]

    def _connect_keys(self):
        # Right/Left, and Page Down/Up which is what a presenter's clicker sends (not Space: it
        # presses the focused button). Window-wide while the step is on screen (Qt ignores the
        # shortcuts of a hidden widget): the clicker works as soon as the panel shows, whatever has
        # the focus, and Page Down no longer reaches the scroll area around the panel.
        for keys, slot in (((Qt.Key_Right, Qt.Key_PageDown), self.next),
                           ((Qt.Key_Left, Qt.Key_PageUp), self.back)):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self, slot)
                shortcut.setContext(Qt.WindowShortcut)

    # --- stages -----------------------------------------------------------------------------

    @property
    def stage(self) -> int:
        page = self.pages.currentWidget()
        return self.stage_pages.index(page) if page in self.stage_pages else 0

    def next(self):
        self._show_stage(min(self.stage + 1, len(self.stage_pages) - 1))

    def back(self):
        self._show_stage(max(self.stage - 1, 0))

    def _show_stage(self, i: int):
        page = self.stage_pages[i]
        self.pages.setCurrentWidget(page)
        self.stage_title.setText(f"{i + 1}. {page.title()}")
        self.stage_note.setText(page.note())
        self.position.setText(f"stage {i + 1} of {len(self.stage_pages)}")
        self.back_button.setEnabled(i > 0)
        self.next_button.setEnabled(i < len(self.stage_pages) - 1)

    # --- the image --------------------------------------------------------------------------

    def seen(self):
        """The dataset as the hub's network sees it: for a 3-vs-7 network only the 3s and 7s,
        labelled 0 and 1 (the step's images and labels come from it); None without a dataset."""
        return self._seen.of(self.datasets.dataset, self.hub.network)

    def _on_dataset_changed(self, _dataset):
        self._set_opened(None)  # its label and description belong to the dataset it came from
        self._show_classes()

    def _show_classes(self):
        """The image number's range and the class choosers for the network's classes."""
        dataset = self.seen()
        self._shown_classes = self._classes_key()
        names = [] if dataset is None else list(dataset.class_names)
        n = 0 if dataset is None else len(dataset.train_labels)
        self.index.blockSignals(True)
        self.index.setMaximum(max(0, n - 1))
        self.index.blockSignals(False)
        for combo in (self.label, self.class_filter):
            combo.blockSignals(True)
            combo.clear()
        self.class_filter.addItem("of any class", ANY_CLASS)
        for k, name in enumerate(names):
            self.class_filter.addItem(f"of class {name}", k)
            self.label.addItem(str(name), k)
        for combo in (self.label, self.class_filter):
            combo.blockSignals(False)
        for page in self._conv_stages:
            page.set_class_names(names)
        self._on_image_chosen()

    def set_drawing(self, image: np.ndarray | None):
        """The Draw panel's drawing (h, w) uint8, or None."""
        self._drawing = image
        if self.source.currentData() == DRAWING:
            self._on_image_chosen()

    def show_opened(self, focused) -> None:
        """Trace the step on an image opened elsewhere (a FocusedImage): its pixels, learnt as its label."""
        self._set_opened(focused)
        self.source.blockSignals(True)
        self.source.setCurrentIndex(self.source.findData(OPENED))
        self.source.blockSignals(False)
        self._show_source_fields()
        self._on_image_chosen()

    def _set_opened(self, focused):
        self._opened = focused
        self.opened_label.setText("(nothing opened yet)" if focused is None else focused.description)

    def show_training_image(self, index: int):
        """Trace the step on training image ``index``."""
        self.source.setCurrentIndex(self.source.findData(TRAINING))
        self.index.setValue(index)

    def _classes_key(self):
        """(the dataset, the network's class_labels): what the choosers were filled for."""
        network = self.hub.network
        return self.datasets.dataset, () if network is None else network.spec.class_labels

    def _classes_changed(self) -> bool:
        (dataset, labels), (shown, shown_labels) = self._classes_key(), self._shown_classes
        return dataset is not shown or labels != shown_labels  # a Dataset is compared by identity

    def pick_random(self):
        dataset = self.seen()
        if dataset is None or len(dataset.train_labels) == 0:
            return
        wanted = self.class_filter.currentData()
        pool = np.arange(len(dataset.train_labels)) if wanted in (None, ANY_CLASS) else \
            np.flatnonzero(dataset.train_labels == wanted)
        if len(pool):
            self.index.blockSignals(True)
            self.index.setValue(int(self._rng.choice(pool)))
            self.index.blockSignals(False)
            self._on_image_chosen()

    def _show_source_fields(self):
        source = self.source.currentData()
        self.index.setVisible(source == TRAINING)
        self.opened_label.setVisible(source == OPENED)
        self.class_filter.setVisible(source == RANDOM)
        self.random_button.setVisible(source == RANDOM)

    def _on_source_changed(self):
        self._show_source_fields()
        if self.source.currentData() == RANDOM:
            self.pick_random()
        else:
            self._on_image_chosen()

    def image(self) -> tuple[np.ndarray | None, int | None]:
        """The chosen image (h, w) uint8 and its true label (None for a drawing), or (None, None)."""
        if self.source.currentData() == DRAWING:
            return self._drawing, None
        if self.source.currentData() == OPENED:
            opened = self._opened
            return (None, None) if opened is None else (opened.image, self._output_of(opened.label))
        dataset = self.seen()
        if dataset is None or len(dataset.train_labels) == 0:
            return None, None
        i = self.index.value()
        return dataset.train_images[i], int(dataset.train_labels[i])

    def _output_of(self, label: int | None) -> int | None:
        """The output unit of an opened image's class: for a 3-vs-7 network a 7 is unit 1, a 5
        none (the step teaches the class chosen in "learn it as")."""
        network = self.hub.network
        if label is None or network is None or not network.spec.class_labels:
            return label
        labels = network.spec.class_labels
        return labels.index(label) if label in labels else None

    def _on_image_chosen(self):
        image, label = self.image()
        if label is not None:
            self.label.setCurrentIndex(self.label.findData(label))
        self.image_tile.set_image(None if image is None else gray_image(image))
        self.retrace()

    # --- tracing ----------------------------------------------------------------------------

    def _on_network_changed(self, network):
        if self._classes_changed():
            self._show_classes()  # another network's classes: its images and its outputs' names
        run = self._run()
        if run is not None:
            self.lr.blockSignals(True)
            self.lr.setValue(run.config.lr)
            self.lr.blockSignals(False)
        self.mark_stale()

    def retrace(self):
        self.mark_stale()

    def refresh(self):
        network, (image, _) = self.hub.network, self.image()
        problem = self._problem(network, image)
        self.check_table.hide()
        self.apply_button.setEnabled(False)
        self.check_button.setEnabled(False)
        if problem:
            self._trace = None
            self.runner.cancel()
            self._set_convolution((), ())
            self.summary.setText(problem)
            return
        label, config, lr = self.label.currentData(), self._config(), self.lr.value()
        self.summary.setText("Tracing the step…")
        self.runner.start(lambda job: trace_job(network, image, label, config, lr, job))

    def _config(self) -> TrainConfig:
        """The optimiser of the network's run (momentum, Adam, ...), else of the latest run, or plain SGD."""
        run = self._run()
        return run.config if run is not None else TrainConfig(optimiser="sgd")

    def _run(self):
        """The run whose network the hub shows (a replayed one too), else the latest run, or None."""
        if self.hub.run is not None:
            return self.hub.run
        return self.runs.runs()[-1] if len(self.runs) else None

    def _problem(self, network, image) -> str:
        if network is None:
            return ("No network yet: train one on the Network and training panel (a single epoch is "
                    "enough), or load one, then walk through one of its steps here.")
        if image is None:
            return {DRAWING: "Draw a digit on the Draw panel first.", OPENED: NOTHING_OPENED}.get(
                self.source.currentData(), "Load a dataset to choose a training image.")
        if image.size != network.spec.input_size:
            return f"This network takes {network.spec.input_size} pixels, the image has {image.size}."
        return ""

    def _on_result(self, result):
        if result.network is not self.hub.network:
            return  # traced on a network that has since been replaced
        if isinstance(result, TraceResult):
            self._show_trace(result)
        elif isinstance(result, CheckResult):
            self._show_check(result)

    def _set_convolution(self, filters, feature_maps) -> None:
        """Every convolution's filters' traces and the feature maps of a CNN's step (none: the dense
        stages only)."""
        sequence = self._conv_stages if filters else self._dense_stages
        if sequence is not self.stage_pages:
            shown, at_start = self.pages.currentWidget(), self.stage == 0
            self.stage_pages = sequence
            self._show_stage(sequence.index(shown) if shown in sequence and not at_start else 0)
        self.slide.set_traces(filters)
        self.feature_maps_page.set_maps(list(feature_maps))

    def _show_trace(self, result: TraceResult):
        trace = self._trace = result.trace
        self._traced_network = result.network
        self._set_convolution(result.filters, result.feature_maps)
        for page in self.stage_pages:
            page.show_trace(trace)
        self._show_stage(self.stage)  # a page's words may follow the trace (a CNN's filters)
        change = trace.loss_change
        self.summary.setText(
            f"Learning this image as <b>{self._name(trace.label)}</b>. The network now says "
            f"<b>{self._name(trace.prediction)}</b> ({trace.probabilities[trace.prediction]:.0%}); "
            f"loss {readable(trace.loss, 4)}, after the step {readable(trace.new_loss, 4)} "
            f"({'down' if change < 0 else 'up'} {readable(abs(change))}).<br>{trace.optimiser}")
        self.apply_button.setEnabled(self.runs.active is None)
        self.check_button.setEnabled(True)
        self.traced.emit(trace)

    def _name(self, k: int) -> str:
        return self.label.itemText(k) if 0 <= k < self.label.count() else str(k)

    def trace(self) -> StepTrace | None:
        """The step shown (None while there is none)."""
        return self._trace

    # --- intent -----------------------------------------------------------------------------

    def apply_step(self):
        """Give the model hub the network after the traced step (not while a run trains)."""
        trace = self._trace
        if trace is None or self._traced_network is not self.hub.network or self.runs.active is not None:
            return
        self.hub.set_network(updated_network(trace), f"{self.hub.description or 'the network'}, plus one "
                             f"step on one image learnt as {self._name(trace.label)}")

    def check_gradient(self):
        image, _ = self.image()
        network, label = self.hub.network, self.label.currentData()
        if self._trace is None or image is None or network is None:
            return
        self.check_button.setEnabled(False)
        self.runner.start(lambda job: check_job(network, image, label, job))

    def _show_check(self, result: CheckResult):
        check = result.check
        table = self.check_table
        table.setRowCount(len(check.entries))
        for row, e in enumerate(check.entries):
            weight = f"{e.layer.split(' (')[0]} W[{', '.join(map(str, e.index))}]"
            for col, text in enumerate((weight, f"{e.analytic:.6g}", f"{e.numeric:.6g}",
                                        f"{e.relative_error:.1e}")):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{e.parameter}{list(e.index)} in {e.layer}")
                table.setItem(row, col, item)
        table.resizeColumnsToContents()
        verdict = "agree: backprop is right" if check.passed else \
            "differ somewhere (a ReLU kink between w ± ε can do that)"
        table.setToolTip(f"Largest relative error {check.max_relative_error:.1e}: the two {verdict}. "
                         f"ε = {check.eps:g}, float64.")
        table.show()
        self.check_button.setEnabled(True)
        self.checked.emit(check)

    def stop_timers(self) -> None:
        """Stop the sliding window's Play timer."""
        self.slide.stop()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self.stop_timers()
        return self.runner.shutdown(timeout_ms)
