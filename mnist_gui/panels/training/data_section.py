"""The builder's "Data and regularisation" section: a header that folds its form away, remembered.

The fields themselves (input scaling, training-set size, augmentation, testing every epoch) are the
builder's, like every other field of the form; this module holds the folding section and what the
fields say (their names and tooltips).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from engine.presets import PRESETS
from mnist_gui.settings import APPLICATION, ORGANIZATION

SCALING_NAMES = {"unit": "0-1 (pixel / 255)", "raw": "raw 0-255", "standardised": "standardised"}
SCALING_MEANINGS = {
    "unit": "each input is the pixel value divided by 255, from 0 (white paper) to 1 (full ink): the usual choice",
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


class FoldingSection(QWidget):
    """A titled section whose form folds away under its header button; open or folded is
    remembered between runs of the app under ``builder/<key>_open`` in the app's settings."""

    toggled = Signal(bool)

    def __init__(self, title: str, key: str, tip: str, parent: QWidget | None = None):
        super().__init__(parent, objectName=f"{key}Section")
        self._key = f"builder/{key}_open"
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self._show_open(_settings().value(self._key, False, type=bool))
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
        settings = _settings()
        settings.setValue(self._key, is_open)
        settings.sync()
        self.toggled.emit(is_open)


def _settings() -> QSettings:
    """The app's settings (tests redirect them to a folder of their own)."""
    return QSettings(ORGANIZATION, APPLICATION)
