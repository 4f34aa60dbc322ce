"""The builder's "Data and regularisation" section: a header that folds its form away, remembered.

The fields are the builder's, like every other field of the form (it adds them, with their error
lines, to the section's ``form``); this module holds the folding section, the two fields made of
more than one plain widget (the training-set size, the augmentation amounts) and what the input
scaling's choices say.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.presets import PRESETS
from mnist_gui.settings import AppSettings
from mnist_gui.widgets.number_fields import ExactSpinBox

SCALING_NAMES = {"unit": "0-1 (pixel / 255)", "raw": "raw 0-255", "standardised": "standardised"}
SCALING_MEANINGS = {
    "unit": "each input is the pixel value divided by 255, from 0 (no ink) to 1 (full ink): the usual choice",
    "raw": "each input is the pixel value as stored, 0 to 255: large inputs, so small weights (as the "
           "classic textbook derivation used)",
    "standardised": "each input is (pixel - 33.3) / 78.6, the mean and standard deviation of MNIST's "
                    "pixels: zero mean and unit variance, as many courses teach",
}


def scaling_tip(key: str) -> str:
    """What input scaling ``key`` does, and which presets use it."""
    users = [name for name, preset in PRESETS.items() if preset.network.input_scaling == key]
    used = f"Used by the presets {', '.join(users)}." if len(users) > 1 else (
        f"Used by the {users[0]} preset." if users else "No preset uses it.")
    return f"{SCALING_NAMES[key]}: {SCALING_MEANINGS[key]}. {used}"


CLASSES_TIP = ("Train on only some of the classes: type 2 to 10 different digits separated by commas "
               "(3,7 asks \"is it a 3 or a 7?\"), or all. The output layer has one unit per class "
               "chosen; the baseline, Evaluate, Draw and Inside follow the network's classes")


class ClassesEdit(QLineEdit):
    """The classes a run trains on, as typed: "all" or "3, 7" (``engine.classes.parse_choice``
    reads it); only digits, commas, spaces and "all" can be typed, the draft says what else is wrong."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        pattern = QRegularExpression(r"^\s*(a|al|all|[0-9][0-9 ,]*)?\s*$",
                                     QRegularExpression.CaseInsensitiveOption)
        self.setValidator(QRegularExpressionValidator(pattern, self))
        self.setPlaceholderText("all, or e.g. 3,7")
        self.setClearButtonEnabled(True)
        self.setMaxLength(40)


class TrainingSetSpinBox(QSpinBox):
    """How many training images a run takes, up to all the dataset has (shown "(all)"): ``size()``
    is None at the maximum, so a draft of "all of them" stays so on another dataset."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, singleStep=1000, **kwargs)
        self.setGroupSeparatorShown(True)
        self.valueChanged.connect(self._on_value_changed)

    def size(self) -> int | None:
        return None if self.value() >= self.maximum() else self.value()

    def show_size(self, size: int | None, most: int | None = None) -> None:
        """Show ``size`` (None: all), out of ``most`` images if given, without emitting valueChanged."""
        self.blockSignals(True)
        try:
            if most is not None:
                self.setMaximum(most)
            self.setValue(self.maximum() if size is None else min(size, self.maximum()))
        finally:
            self.blockSignals(False)
        self._on_value_changed(self.value())

    def _on_value_changed(self, value: int) -> None:
        self.setSuffix(" images (all)" if value >= self.maximum() else " images")


class AugmentationAmounts(QWidget):
    """How far augmentation goes: the shift in pixels, the turn in degrees, the scaling in percent
    (TrainConfig's ``augment_shift``, ``augment_rotation``, ``augment_scale``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="augmentAmounts")
        self.shift = ExactSpinBox(objectName="augmentShift", decimals=1, minimum=0.0, maximum=99.9,
                                  singleStep=0.5, prefix="± ", suffix=" px")
        self.shift.setToolTip("Augmentation: moves each digit by up to this many pixels left or right "
                              "and up or down (2 by default)")
        self.rotation = ExactSpinBox(objectName="augmentRotation", decimals=1, minimum=0.0, maximum=179.9,
                                     singleStep=5.0, prefix="± ", suffix=" °")
        self.rotation.setToolTip("Augmentation: turns each digit by up to this many degrees either way "
                                 "(10 by default)")
        self.scale = ExactSpinBox(objectName="augmentScale", scale=100.0, decimals=1, minimum=0.0,
                                  maximum=99.9, singleStep=5.0, prefix="± ", suffix=" %")
        self.scale.setToolTip("Augmentation: makes each digit up to this much larger or smaller "
                              "(10 % by default)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for spin in self.spins():
            layout.addWidget(spin, 1)

    def spins(self) -> tuple[ExactSpinBox, ExactSpinBox, ExactSpinBox]:
        return self.shift, self.rotation, self.scale

    def values(self) -> dict:
        return dict(augment_shift=self.shift.exact_value(), augment_rotation=self.rotation.exact_value(),
                    augment_scale=self.scale.exact_value())

    def fill(self, config: dict) -> None:
        self.shift.set_exact(config["augment_shift"])
        self.rotation.set_exact(config["augment_rotation"])
        self.scale.set_exact(config["augment_scale"])


class FoldingSection(QWidget):
    """A titled section whose form folds away under its header button; open or folded is
    remembered between runs of the app in the app's settings (``AppSettings.section_open``)."""

    toggled = Signal(bool)

    def __init__(self, title: str, key: str, tip: str, parent: QWidget | None = None):
        super().__init__(parent, objectName=f"{key}Section")
        self._key = key
        self.header = QToolButton(objectName=f"{key}SectionHeader", text=title, checkable=True)
        self.header.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        self.header.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.header.setToolTip(tip)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.body = QFrame(objectName=f"{key}SectionBody")
        self.body.setFrameShape(QFrame.StyledPanel)
        self.form = QFormLayout(self.body)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # narrow: a field goes under its label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self._show_open(AppSettings().section_open(key))
        self.header.toggled.connect(self._on_header_toggled)

    def is_open(self) -> bool:
        return self.header.isChecked()

    def set_open(self, is_open: bool) -> None:
        self.header.setChecked(is_open)

    def _show_open(self, is_open: bool) -> None:
        self.header.setChecked(is_open)
        self.header.setArrowType(Qt.DownArrow if is_open else Qt.RightArrow)
        self.body.setVisible(is_open)

    def _on_header_toggled(self, is_open: bool) -> None:
        self._show_open(is_open)
        AppSettings().set_section_open(self._key, is_open)
        self.toggled.emit(is_open)

