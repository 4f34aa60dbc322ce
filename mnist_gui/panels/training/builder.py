"""The network builder form: presets, layers, training settings, data and regularisation: a DraftSettings' view.

The draft (``mnist_gui/state/draft.py``) holds the values and asks the engine what is valid; the
form shows them, sends every edit back, and shows the engine's ``ValueError`` message under the
field that caused it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.initialisers import SCALE_MEANING
from engine.memory import estimate_training
from engine.network import ConvLayer, NetworkSpec, layer_table
from engine.presets import PRESETS
from engine.training import TrainConfig
from mnist_gui.panels.training.architecture import ArchitectureView
from mnist_gui.panels.training.conv_editor import ConvEditor
from mnist_gui.panels.training.data_section import (
    CLASSES_TIP,
    SCALING_NAMES,
    AugmentationAmounts,
    ClassesEdit,
    FoldingSection,
    TrainingSetSpinBox,
    scaling_tip,
)
from mnist_gui.panels.training.layers_editor import LayersEditor, units_limit_note
from mnist_gui.panels.training.shape_table import ShapeTable
from mnist_gui.state.draft import DraftSettings
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.number_fields import ExactSpinBox, LogSpinBox
from mnist_gui.widgets.wrapped_label import WrappedLabel

ERROR_STYLE = "color: #e0453a; font-weight: bold;"  # readable on light and dark backgrounds
INIT_NAMES = {"he": "He (normal, for ReLU)", "xavier": "Xavier / Glorot (uniform)",
              "normal": "Normal N(0, std²)", "uniform": "Uniform U(−s, s)"}
LOSS_NAMES = {"cross_entropy": "Softmax cross-entropy", "mse": "Mean squared error (of the softmax)"}
OPTIMISER_NAMES = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov momentum", "adam": "Adam"}
SCHEDULE_NAMES = {"constant": "Constant", "step": "Step decay", "cosine": "Cosine decay"}

def _row(*widgets: tuple[QWidget, int]) -> QWidget:
    """One form field made of several widgets side by side, each with its stretch factor."""
    row_widget = QWidget()
    row = QHBoxLayout(row_widget)
    row.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in widgets:
        row.addWidget(widget, stretch)
    return row_widget


def _combo(names: dict[str, str], name: str) -> QComboBox:
    combo = narrow(QComboBox(objectName=name))
    for key, title in names.items():
        combo.addItem(title, key)
    return combo


def narrow(combo: QComboBox, characters: int = 10) -> QComboBox:
    """Let a combo box be narrower than its longest item, so the form fits small screens."""
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def _select(combo: QComboBox, key) -> None:
    combo.setCurrentIndex(max(0, combo.findData(key)))


class NetworkBuilder(QWidget):
    """The form of a ``DraftSettings`` (its own if none is given): ``spec()`` and ``config()``
    return exactly what the fields show.

    ``changed`` is emitted after every change of the draft; ``validity_changed(message)`` when
    the first problem changes ("" once everything can work).
    """

    changed = Signal()
    validity_changed = Signal(str)

    def __init__(self, draft: DraftSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("networkBuilder")
        self.draft = draft if draft is not None else DraftSettings(self)
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self._forms: dict[str, QFormLayout] = {}
        self._shown_shape = None  # the data shape the preset titles and layer labels show
        self._filling = False
        self._build()
        self._update_scale_tip()
        self.draft.filled.connect(self._on_draft_filled)
        self.draft.changed.connect(self._on_draft_changed)
        self.draft.changed.connect(self.changed)
        self.draft.validity_changed.connect(self.validity_changed)
        self._on_draft_filled()

    # --- public API: the draft's ------------------------------------------------------------

    def spec(self) -> NetworkSpec:
        """The network the fields describe; ValueError (the engine's message) if it cannot work."""
        return self.draft.spec()

    def config(self) -> TrainConfig:
        """The training settings the fields describe; ValueError if they cannot work."""
        return self.draft.config()

    def problem(self) -> str:
        """The first reason the settings cannot work, or "" if they can."""
        return self.draft.problem()

    def preset_name(self) -> str:
        return self.draft.preset_name

    def is_modified(self) -> bool:
        """True if the fields differ from the selected preset."""
        return self.draft.is_modified()

    def set_preset(self, name: str) -> None:
        """Fill every field from the engine preset ``name`` (sized for the current data)."""
        self.draft.set_preset(name)

    def set_spec(self, spec: NetworkSpec, config: TrainConfig | None = None) -> None:
        """Show ``spec`` (and ``config`` if given) in the fields, e.g. from a loaded model."""
        self.draft.set_spec(spec, config)

    def set_data_shape(self, input_size: int, classes: int, n_train: int,
                       image_shape: tuple[int, int] | None = None) -> None:
        """The dataset's image size, classes and training images: the input and output layers."""
        self.draft.set_data_shape(input_size, classes, n_train, image_shape)

    def field(self, key: str) -> QWidget:
        """The widget of a field by its key ("lr", "momentum", "batch", ...)."""
        return self._fields[key]

    def error_label(self, key: str) -> QLabel:
        return self._errors[key]

    # --- building ---------------------------------------------------------------------------

    def _build(self):
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_preset())
        layout.addWidget(self._build_summary())
        layout.addWidget(self._build_network())
        layout.addWidget(self._build_training())
        layout.addWidget(self._build_data())
        layout.addStretch(1)

    def _build_preset(self) -> QGroupBox:
        box = QGroupBox("Start from a preset")
        self.preset_selector = narrow(QComboBox(objectName="presetSelector"), 16)
        for preset in PRESETS.values():
            self.preset_selector.addItem(preset.title, preset.name)
        self.preset_selector.setToolTip("Classic configurations from the engine; choosing one fills "
                                        "every field below")
        self.preset_selector.currentIndexChanged.connect(self._on_preset_chosen)
        self.modified_label = QLabel("modified", objectName="presetModified")
        self.modified_label.setToolTip("You changed a field: this is no longer exactly the preset")
        self.preset_description = note("")
        self.preset_description.setObjectName("presetDescription")
        row = QHBoxLayout()
        row.addWidget(self.preset_selector, 1)
        row.addWidget(self.modified_label)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.preset_description)
        return box

    def _form(self, title: str, key: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # narrow: a long field goes under its label
        self._forms[key] = form
        return box, form

    def _add(self, form: QFormLayout, key: str, label: str, widget: QWidget, tip: str) -> None:
        """A labelled field with its tooltip, and an error line under it (hidden until needed)."""
        widget.setToolTip(tip)
        form.addRow(label, widget)
        error = WrappedLabel(objectName=f"{key}Error")
        error.setStyleSheet(ERROR_STYLE)
        form.addRow(error)
        form.setRowVisible(error, False)
        self._errors[key] = error
        self._fields[key] = widget

    def _build_network(self) -> QGroupBox:
        box, form = self._form("Network", "network")
        self.input_label = WrappedLabel(objectName="inputLayer")
        form.addRow("Input", self.input_label)
        self.conv_layers = ConvEditor()
        self._add(form, "features", "Convolutions", self.conv_layers,
                  "Convolutions and max-pooling that see the image, input side first; none is a "
                  "multi-layer perceptron")
        self.layers = LayersEditor()
        self.layers.limit_changed.connect(self._on_units_limit)
        self._add(form, "layers", "Hidden layers", self.layers,
                  "The hidden layers, input side first. Zero layers is softmax regression.")
        self.output_label = WrappedLabel(objectName="outputLayer")
        form.addRow("Output", self.output_label)
        self.shape_table = ShapeTable()
        form.addRow("Shapes", self.shape_table)
        self.init_combo = _combo(INIT_NAMES, "initCombo")
        self.init_scale = LogSpinBox(objectName="initScale")
        self.init_scale.setSpecialValueText("default")
        self._add(form, "init", "Initial weights", _row((self.init_combo, 2), (self.init_scale, 1)),
                  "How the weights start (biases start at zero), and the initialiser's scale")
        self.init_combo.setToolTip("The random distribution the weights start from")
        self.loss_combo = _combo(LOSS_NAMES, "lossCombo")
        self._add(form, "loss", "Loss", self.loss_combo,
                  "What training minimises: cross-entropy of the softmax (standard), or the squared "
                  "error between the softmax and the one-hot label (the older textbook choice)")
        for signal in (self.conv_layers.changed, self.layers.changed, self.init_combo.currentIndexChanged,
                       self.init_scale.valueChanged, self.loss_combo.currentIndexChanged):
            signal.connect(self._on_edit)
        self.init_combo.currentIndexChanged.connect(self._update_scale_tip)
        return box

    def _build_training(self) -> QGroupBox:
        box, form = self._form("Training", "training")
        self._build_optimiser(form)
        self._build_schedule(form)
        self._build_batches(form)
        self.epochs_spin = QSpinBox(objectName="epochsSpin", minimum=1, maximum=100_000)
        self._add(form, "epochs", "Epochs", self.epochs_spin,
                  "Passes over the training images (Step runs one at a time)")
        self.l2_spin = LogSpinBox(objectName="l2Spin")
        self.l2_spin.setSpecialValueText("off")
        self._add(form, "l2", "L2 weight decay", self.l2_spin,
                  "Pulls every weight towards zero a little each step (regularisation); 0 is off")
        self.validation_spin = ExactSpinBox(objectName="validationSpin", scale=100.0, decimals=2,
                                            minimum=0.0, maximum=99.0, suffix=" %", singleStep=1.0)
        self._add(form, "validation", "Validation", self.validation_spin,
                  "Share of the training images held out, never trained on, to measure "
                  "generalisation (0 % for none)")
        self.seed_spin = QSpinBox(objectName="seedSpin", minimum=0, maximum=2**31 - 1)
        self._add(form, "seed", "Seed", self.seed_spin,
                  "Seeds the initial weights, the validation split and the batch order: the same "
                  "seed gives the same run")
        for spin in (self.epochs_spin, self.l2_spin, self.validation_spin, self.seed_spin):
            spin.valueChanged.connect(self._on_edit)
        return box

    def _build_optimiser(self, form: QFormLayout):
        self.optimiser_combo = _combo(OPTIMISER_NAMES, "optimiserCombo")
        self._add(form, "optimiser", "Optimiser", self.optimiser_combo,
                  "How gradients become weight updates: plain SGD, SGD with momentum (heavy ball or "
                  "Nesterov look-ahead), or Adam (per-weight adaptive steps)")
        self.lr_spin = LogSpinBox(objectName="lrSpin")
        self._add(form, "lr", "Learning rate", self.lr_spin,
                  "The step size: too small learns slowly, too large diverges. Type any number "
                  "(0.001 or 1e-3); the arrows step 1, 2, 5, 10…")
        self.momentum_spin = ExactSpinBox(objectName="momentumSpin", decimals=3, minimum=0.0,
                                          maximum=1.0, singleStep=0.05)
        self._add(form, "momentum", "Momentum", self.momentum_spin,
                  "Momentum and Nesterov: the share of the previous step kept in the next (0 to <1)")
        self.beta1_spin = ExactSpinBox(objectName="beta1Spin", decimals=4, minimum=0.0, maximum=1.0,
                                       singleStep=0.01)
        self._add(form, "beta1", "Adam β₁", self.beta1_spin,
                  "Adam: how slowly the average gradient forgets (0 to <1, usually 0.9)")
        self.beta2_spin = ExactSpinBox(objectName="beta2Spin", decimals=5, minimum=0.0, maximum=1.0,
                                       singleStep=0.001)
        self._add(form, "beta2", "Adam β₂", self.beta2_spin,
                  "Adam: how slowly the average squared gradient forgets (0 to <1, usually 0.999)")
        self.optimiser_combo.currentIndexChanged.connect(self._on_edit)
        for spin in (self.lr_spin, self.momentum_spin, self.beta1_spin, self.beta2_spin):
            spin.valueChanged.connect(self._on_edit)

    def _build_schedule(self, form: QFormLayout):
        self.schedule_combo = _combo(SCHEDULE_NAMES, "scheduleCombo")
        self.schedule_combo.setToolTip("How the learning rate changes over the run: constant, cut "
                                       "by a factor every few epochs, or lowered smoothly to zero "
                                       "along half a cosine")
        form.addRow("Schedule", self.schedule_combo)
        self.step_every_spin = QSpinBox(objectName="stepEverySpin", minimum=1, maximum=10_000,
                                        prefix="every ", suffix=" epochs")
        self.step_every_spin.setToolTip("Step decay: how many epochs between two cuts")
        self.step_gamma_spin = ExactSpinBox(objectName="stepGammaSpin", decimals=3, minimum=0.0,
                                            maximum=1.0, singleStep=0.05, prefix="× ")
        self.step_gamma_spin.setToolTip("Step decay: the factor the learning rate is multiplied by "
                                        "at each cut (0 to 1)")
        self._add(form, "schedule", "Step decay",
                  _row((self.step_every_spin, 3), (self.step_gamma_spin, 2)),
                  "Step decay only: multiply the learning rate by a factor every few epochs")
        self.schedule_combo.currentIndexChanged.connect(self._on_edit)
        self.step_every_spin.valueChanged.connect(self._on_edit)
        self.step_gamma_spin.valueChanged.connect(self._on_edit)

    def _build_batches(self, form: QFormLayout):
        self.batch_spin = QSpinBox(objectName="batchSpin", minimum=1, maximum=1_000_000)
        self.batch_spin.setToolTip("Images per gradient step")
        self.full_batch = QCheckBox("Full batch", objectName="fullBatch")
        self.full_batch.setToolTip("One step per epoch on all training images at once "
                                   "(classic gradient descent)")
        self._add(form, "batch", "Batch size", _row((self.batch_spin, 1), (self.full_batch, 0)),
                  "Images per gradient step; small batches give noisy but frequent steps")
        self.batch_spin.valueChanged.connect(self._on_edit)
        self.full_batch.toggled.connect(self._on_edit)

    def _build_data(self) -> FoldingSection:
        self.data_section = FoldingSection(
            "Data and regularisation", "data",
            "The classes, input scaling, training-set size, augmentation and testing: click to show or "
            "fold them "
            "(dropout is per layer, in Hidden layers)")
        form = self._forms["data"] = self.data_section.form
        self.classes_edit = ClassesEdit(objectName="classesEdit")
        self._add(form, "classes", "Classes", self.classes_edit, CLASSES_TIP)
        self.classes_edit.textChanged.connect(self._on_edit)
        self.scaling_combo = _combo(SCALING_NAMES, "scalingCombo")
        for i, key in enumerate(SCALING_NAMES):
            self.scaling_combo.setItemData(i, scaling_tip(key), Qt.ToolTipRole)
        self._add(form, "scaling", "Input scaling", self.scaling_combo,
                  "How the pixel values 0 to 255 become the network's inputs:\n"
                  + "\n".join(f"• {scaling_tip(key)}" for key in SCALING_NAMES))
        self.train_size_spin = TrainingSetSpinBox(objectName="trainSizeSpin", maximum=self.draft.data_shape[2])
        self._add(form, "train_size", "Training set", self.train_size_spin,
                  "How many of the dataset's training images a run takes (chosen with the seed, before "
                  "the validation split); the most is all of them. Fewer images: faster epochs, and "
                  "over-fitting to watch")
        self.augment_check = QCheckBox("Shift, turn and scale the digits", objectName="augmentCheck")
        self.augment_check.setToolTip("Train on randomly moved, turned and resized copies of each batch, "
                                      "new ones every epoch ('best' and 'cnn' do); validation and test "
                                      "digits stay as they are")
        form.addRow("Augmentation", self.augment_check)
        self.augmentation = AugmentationAmounts()
        self._add(form, "augment", "Amounts", self.augmentation,
                  "How far augmentation goes: shift, turn, scale (each drawn at random per digit)")
        self.test_every_check = QCheckBox("Test every epoch", objectName="testEveryEpoch")
        self.test_every_check.setToolTip("Also measure the test set after every epoch (a test curve "
                                         "in the plots; slower), else only at the end of the run")
        form.addRow("Test set", self.test_every_check)
        self.scaling_combo.currentIndexChanged.connect(self._on_edit)
        self.train_size_spin.valueChanged.connect(self._on_edit)
        for check in (self.augment_check, self.test_every_check):
            check.toggled.connect(self._on_edit)
        for spin in self.augmentation.spins():
            spin.valueChanged.connect(self._on_edit)
        return self.data_section

    def _build_summary(self) -> QGroupBox:
        box = QGroupBox("Summary")
        self.parameter_count = QLabel(objectName="parameterCount")
        font = QFont(self.parameter_count.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.parameter_count.setFont(font)
        self.parameter_count.setToolTip("Weights and biases the network learns")
        self.memory_label = WrappedLabel(objectName="memoryEstimate")
        self.memory_label.setToolTip("Estimated memory for training, in 32-bit floats")
        self.architecture = ArchitectureView()
        self.problem_label = WrappedLabel(objectName="builderProblem")
        self.problem_label.setStyleSheet(ERROR_STYLE)
        self.limit_note = WrappedLabel(objectName="summaryUnitsLimit")
        self.limit_note.setStyleSheet(ERROR_STYLE)
        self.limit_note.setToolTip("The network counted here has the most units a layer may have, "
                                   "not the number typed")
        self.limit_note.hide()
        layout = QVBoxLayout(box)
        layout.addWidget(self.parameter_count)
        layout.addWidget(self.limit_note)
        layout.addWidget(self.memory_label)
        layout.addWidget(self.architecture)
        layout.addWidget(self.problem_label)
        return box

    # --- reading and filling ----------------------------------------------------------------

    def _network_values(self) -> dict:
        """The network fields as the form shows them (``DraftSettings.network_values`` keys)."""
        scale = self.init_scale.exact_value()
        return dict(features=self.conv_layers.layers(), hidden=self.layers.layers(), loss=self.loss_combo.currentData(),
                    init=self.init_combo.currentData(), init_scale=scale or None,
                    seed=self.seed_spin.value(), input_scaling=self.scaling_combo.currentData(),
                    class_labels=self.classes_edit.text())

    def _train_values(self) -> dict:
        """The training fields as the form shows them (``DraftSettings.train_values`` keys)."""
        return dict(
            epochs=self.epochs_spin.value(),
            batch_size=None if self.full_batch.isChecked() else self.batch_spin.value(),
            optimiser=self.optimiser_combo.currentData(), lr=self.lr_spin.exact_value(),
            momentum=self.momentum_spin.exact_value(), beta1=self.beta1_spin.exact_value(),
            beta2=self.beta2_spin.exact_value(), weight_decay=self.l2_spin.exact_value(),
            schedule=self.schedule_combo.currentData(), step_every=self.step_every_spin.value(),
            step_gamma=self.step_gamma_spin.exact_value(),
            validation_fraction=self.validation_spin.exact_value(), seed=self.seed_spin.value(),
            test_every_epoch=self.test_every_check.isChecked(), augment=self.augment_check.isChecked(),
            train_size=self.train_size_spin.size(), **self.augmentation.values())

    def _fill_network(self, network: dict):
        self.conv_layers.set_layers(network["features"])
        self.layers.set_layers(network["hidden"])
        _select(self.init_combo, network["init"])
        self.init_scale.set_exact(network["init_scale"] or 0.0)
        _select(self.loss_combo, network["loss"])
        self.seed_spin.setValue(network["seed"])
        _select(self.scaling_combo, network["input_scaling"])
        if self.classes_edit.text() != network["class_labels"]:
            self.classes_edit.setText(network["class_labels"])

    def _fill_training(self, config: dict):
        self.epochs_spin.setValue(config["epochs"])
        self.full_batch.setChecked(config["batch_size"] is None)
        if config["batch_size"] is not None:
            self.batch_spin.setValue(config["batch_size"])
        _select(self.optimiser_combo, config["optimiser"])
        self.lr_spin.set_exact(config["lr"])
        self.momentum_spin.set_exact(config["momentum"])
        self.beta1_spin.set_exact(config["beta1"])
        self.beta2_spin.set_exact(config["beta2"])
        self.l2_spin.set_exact(config["weight_decay"])
        _select(self.schedule_combo, config["schedule"])
        self.step_every_spin.setValue(config["step_every"])
        self.step_gamma_spin.set_exact(config["step_gamma"])
        self.validation_spin.set_exact(config["validation_fraction"])
        self.seed_spin.setValue(config["seed"])
        self.test_every_check.setChecked(config["test_every_epoch"])
        self.augment_check.setChecked(config["augment"])
        self.augmentation.fill(config)
        self.train_size_spin.show_size(config["train_size"])

    # --- reacting ---------------------------------------------------------------------------

    def _on_preset_chosen(self):
        if not self._filling:
            self.draft.set_preset(self.preset_selector.currentData())

    def _on_draft_filled(self):
        """Show every value of the draft, then hand back what the fields hold (a spin box rounds)."""
        self._filling = True
        try:
            _select(self.preset_selector, self.draft.preset_name)
            self._fill_network(self.draft.network_values())
            self._fill_training(self.draft.train_values())
        finally:
            self._filling = False
        self._on_edit()

    def _on_edit(self, *_):
        if self._filling:
            return
        self._update_enabled()
        self.draft.edit(self._network_values(), self._train_values())

    def _on_units_limit(self, layer: int, typed: int):
        """The summary counts the limit, not the number typed: it says so beside the count."""
        self.limit_note.setText(units_limit_note(layer, typed) if layer else "")
        self.limit_note.setVisible(bool(layer))

    def _on_draft_changed(self):
        if self.draft.data_shape != self._shown_shape:
            self._show_data_shape()
        errors = self.draft.errors()
        for key, label in self._errors.items():
            label.setText(errors.get(key, ""))
            self._set_row_visible(label, key in errors)
        problem = self.draft.problem()
        self.problem_label.setText(f"Cannot start: {problem}" if problem else "")
        self.problem_label.setVisible(bool(problem))
        self._update_summary()
        self.modified_label.setVisible(self.draft.is_modified())
        self.preset_description.setText(self.draft.preset().told())

    def _set_row_visible(self, label: QLabel, visible: bool):
        for form in self._forms.values():
            if form.indexOf(label) >= 0:
                form.setRowVisible(label, visible)

    def _update_enabled(self):
        optimiser = self.optimiser_combo.currentData()
        self.momentum_spin.setEnabled(optimiser in ("momentum", "nesterov"))
        self.beta1_spin.setEnabled(optimiser == "adam")
        self.beta2_spin.setEnabled(optimiser == "adam")
        step = self.schedule_combo.currentData() == "step"
        self.step_every_spin.setEnabled(step)
        self.step_gamma_spin.setEnabled(step)
        self.batch_spin.setEnabled(not self.full_batch.isChecked())
        self.augmentation.setEnabled(self.augment_check.isChecked())

    def _update_scale_tip(self):
        meaning, default = SCALE_MEANING[self.init_combo.currentData()]
        self.init_scale.setToolTip(f"The {meaning} of the initialiser; \"default\" is {default:g}")

    def _show_data_shape(self):
        """The input and output layers, and the preset titles (they name the layers: 64-... for 8x8)."""
        self._shown_shape = self.draft.data_shape
        input_size, classes, _, image_shape = self._shown_shape
        shape = f" ({image_shape[0]}×{image_shape[1]})" if image_shape else ""
        self.input_label.setText(f"{input_size:,} pixels{shape}, from the dataset")
        # the draft keeps its size; the field shows as many as the dataset has
        self.train_size_spin.show_size(self.draft.train_values()["train_size"], self._shown_shape[2])
        for i, preset in enumerate(PRESETS.values()):
            self.preset_selector.setItemText(i, _title(preset, input_size, classes))

    def _show_output(self, spec: NetworkSpec | None) -> None:
        """The output layer: one unit per class of the dataset, or of the classes chosen."""
        if spec is not None and spec.class_labels:
            chosen = ", ".join(map(str, spec.class_labels))
            self.output_label.setText(f"{spec.classes} units (softmax): the classes {chosen}")
        else:
            self.output_label.setText(f"{self.draft.data_shape[1]} classes (softmax), from the dataset")

    def _update_summary(self):
        try:
            spec = self.draft.spec()
        except ValueError:
            self._show_output(None)
            self.parameter_count.setText("Parameters: —")
            self.shape_table.set_rows([])
            return
        self._show_output(spec)
        self.shape_table.set_rows(layer_table(spec))
        self.parameter_count.setText(f"{spec.n_params:,} parameters")
        self.architecture.set_layers(spec.layer_sizes, [h.activation for h in spec.hidden], _maps(spec))
        estimate = estimate_training(spec, self.draft.memory_config(), self.draft.train_images())
        self.memory_label.setText(f"Memory ≈ {estimate.describe()}")


def _maps(spec: NetworkSpec) -> list[tuple[str, tuple[int, int, int]]]:
    """The image and each feature layer's maps, captioned for the architecture drawing ([] for an MLP)."""
    if not spec.features:
        return []
    captions = [f"conv {layer.kernel}×{layer.kernel}" if isinstance(layer, ConvLayer) else f"pool {layer.size}"
                for layer in spec.features]
    return [("image", spec.image_shape), *zip(captions, spec.feature_shapes)]


def _title(preset, input_size: int, classes: int) -> str:
    """The preset's title for the dataset's sizes, or as it is when its layers do not fit the images."""
    try:
        return preset.for_data(input_size, classes).title
    except ValueError:
        return preset.title
