"""The hidden-layer rows of the network builder: add, remove and reorder layers, set units, activation, dropout."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.network import MAX_UNITS, HiddenLayer
from mnist_gui.widgets.number_fields import ExactSpinBox
from mnist_gui.widgets.wrapped_label import WrappedLabel

ACTIVATION_NAMES = {
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "identity": "Identity (linear)",
}
ACTIVATION_TIPS = {
    "relu": "max(0, x): fast to train, the modern default (pair it with He initialisation)",
    "leaky_relu": "x if x > 0 else 0.01 x: like ReLU, but a unit never dies completely",
    "sigmoid": "1 / (1 + e^-x): the classic squashing function; learns slowly when saturated",
    "tanh": "a sigmoid centred on zero, from -1 to 1",
    "identity": "no activation: stacked linear layers are still one linear map",
}
MAX_LAYERS = 8
MAX_DROPOUT = 0.95  # the engine takes [0, 1); dropping more than 95% leaves nearly nothing to learn from
LIMIT_STYLE = "color: #e0453a; font-weight: bold;"  # the builder's error colour, on light and dark


def units_limit_message(layer: int, typed: int) -> str:
    """What the editor says when ``typed`` units are asked of hidden layer ``layer`` (from 1)."""
    return (f"Layer {layer}: at most {MAX_UNITS:,} units per layer (memory and speed), "
            f"so {typed:,} becomes {MAX_UNITS:,}.")


def units_limit_note(layer: int, typed: int) -> str:
    """What the builder's summary says while it counts the limit for hidden layer ``layer``."""
    return (f"Counted with {MAX_UNITS:,} units in layer {layer}, not the {typed:,} typed "
            "(the most a layer may have).")


def dropout_spin(name: str, dropout: float, tip: str) -> ExactSpinBox:
    """A layer's dropout, in percent ("no dropout" at 0), the same in both layer editors."""
    spin = ExactSpinBox(objectName=name, scale=100.0, decimals=0, minimum=0.0, maximum=MAX_DROPOUT * 100,
                        singleStep=5.0, suffix=" %", prefix="drop ")
    spin.setSpecialValueText("no dropout")
    spin.set_exact(dropout)
    spin.setToolTip(tip)
    return spin


def activation_combo(name: str, activation: str, tip: str, shortest: int) -> QComboBox:
    """A layer's activation, every one named with its tooltip, at least ``shortest`` characters wide."""
    combo = QComboBox(objectName=name)
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(shortest)
    for key, text in ACTIVATION_NAMES.items():
        combo.addItem(text, key)
        combo.setItemData(combo.count() - 1, ACTIVATION_TIPS[key], Qt.ToolTipRole)
    combo.setCurrentIndex(max(0, combo.findData(activation)))
    combo.setToolTip(tip)
    return combo


class UnitsSpinBox(QSpinBox):
    """A QSpinBox that keeps a typed number above its maximum on screen (a plain one drops the
    last digit without a word: 5000 became 500); it is brought down to the maximum on Enter."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.setCorrectionMode(QAbstractSpinBox.CorrectToNearestValue)

    def validate(self, text: str, pos: int):
        if _typed_number(text) > self.maximum():
            return QValidator.Intermediate, text, pos
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.maximum()) if _typed_number(text) > self.maximum() else text


def _typed_number(text: str) -> int:
    """The whole number in a spin box's text, or -1 if it holds something else."""
    digits = text.strip().replace(",", "").replace("\u00a0", "")
    return int(digits) if digits.isdigit() else -1


class LayerList(QWidget):
    """A list of layers edited as rows: remove one, or move it one place (the editors' shared part).

    Subclasses keep ``_layers`` (frozen dataclasses) and rebuild their rows in ``_rebuild`` from
    ``_row_frame``, ``_activation`` and ``_dropout``; ``changed`` after each edit.
    """

    changed = Signal()
    _layers: list

    def _rebuild(self) -> None:
        raise NotImplementedError

    def remove_layer(self, index: int) -> None:
        del self._layers[index]
        self._rebuild()
        self.changed.emit()

    def move_layer(self, index: int, offset: int) -> None:
        """Swap layer ``index`` with its neighbour ``index + offset`` (-1: towards the input)."""
        other = index + offset
        if 0 <= other < len(self._layers):
            self._layers[index], self._layers[other] = self._layers[other], self._layers[index]
            self._rebuild()
            self.changed.emit()

    def _row_frame(self, name: str, i: int, fields) -> QWidget:
        """Row ``i``: its number, ``fields`` as (widget, stretch) (a None widget: a stretch), then its
        buttons."""
        row = QWidget(objectName=name)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(f"{i + 1}."))
        for widget, stretch in fields:
            if widget is None:
                layout.addStretch(stretch)
            else:
                layout.addWidget(widget, stretch)
        self._add_row_buttons(layout, i)
        return row

    def _activation(self, name: str, i: int, activation: str, tip: str, shortest: int) -> QComboBox:
        """Row ``i``'s activation field, wired to its layer."""
        combo = activation_combo(name, activation, tip, shortest)
        combo.currentIndexChanged.connect(partial(self._on_activation_chosen, i))
        return combo

    def _dropout(self, name: str, i: int, dropout: float, tip: str) -> ExactSpinBox:
        """Row ``i``'s dropout field, in percent, wired to its layer."""
        spin = dropout_spin(name, dropout, tip)
        spin.valueChanged.connect(partial(self._on_dropout_changed, i, spin))
        return spin

    def _on_activation_chosen(self, i: int, index: int) -> None:
        if index >= 0:  # every row's combo lists ACTIVATION_NAMES in its order
            self._edit(i, "activation", list(ACTIVATION_NAMES)[index])

    def _on_dropout_changed(self, i: int, spin: ExactSpinBox, _shown: float) -> None:
        self._edit(i, "dropout", spin.exact_value())

    def _edit(self, i: int, field: str, value) -> None:
        new = replace(self._layers[i], **{field: value})
        if new != self._layers[i]:
            self._layers[i] = new
            self.changed.emit()

    def _add_row_buttons(self, layout, i: int) -> None:
        """Row ``i``'s buttons: move it towards the input or the output, remove it."""
        for text, tip, slot, enabled in (
                ("↑", "Move this layer towards the input", partial(self.move_layer, i, -1), i > 0),
                ("↓", "Move this layer towards the output",
                 partial(self.move_layer, i, 1), i < len(self._layers) - 1),
                ("✕", "Remove this layer", partial(self.remove_layer, i), True)):
            button = QToolButton(text=text, toolTip=tip, enabled=enabled)
            button.setAccessibleName(tip)
            button.clicked.connect(slot)
            layout.addWidget(button)


class LayersEditor(LayerList):
    """One row per hidden layer (input side first); zero rows is softmax regression.

    ``limit_changed(layer, typed)`` when the units-limit message appears or changes (layer from 1,
    the number typed), or goes ((0, 0)).
    """

    limit_changed = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("hiddenLayers")
        self._layers: list[HiddenLayer] = []
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._empty = WrappedLabel("No hidden layer: the pixels go straight to the outputs "
                                   "(softmax regression, a linear classifier).")
        self.limit_label = WrappedLabel(objectName="unitsLimitMessage")
        self.limit_label.setStyleSheet(LIMIT_STYLE)
        self.limit_label.hide()
        self.add_button = QPushButton("Add layer", objectName="addLayerButton")
        self.add_button.setToolTip("Add a hidden layer after the last one")
        self.add_button.clicked.connect(self.add_layer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._rows)
        layout.addWidget(self._empty)
        layout.addWidget(self.add_button)
        self._rebuild()

    def layers(self) -> tuple[HiddenLayer, ...]:
        return tuple(self._layers)

    def set_layers(self, layers) -> None:
        self._layers = [h if isinstance(h, HiddenLayer) else HiddenLayer(*h) for h in layers]  # keeps dropout
        self._rebuild()
        self.changed.emit()

    def add_layer(self) -> None:
        last = self._layers[-1] if self._layers else HiddenLayer(128, "relu")
        self._layers.append(HiddenLayer(last.units, last.activation))
        self._rebuild()
        self.changed.emit()

    def row_widgets(self, index: int) -> tuple[QSpinBox, QComboBox]:
        """The units spin box and activation combo of row ``index`` (for tests and automation)."""
        row = self._row_widget(index)
        return row.findChild(UnitsSpinBox), row.findChild(QComboBox)

    def row_dropout(self, index: int) -> ExactSpinBox:
        """The dropout field of row ``index``, in percent."""
        return self._row_widget(index).findChild(ExactSpinBox)

    def _row_widget(self, index: int) -> QWidget:
        return self.findChild(QWidget, f"layerRow{index}")

    def _rebuild(self) -> None:
        self._rows.removeWidget(self.limit_label)
        self._show_limit(0, 0)  # it named a row by number
        while self._rows.count():
            old = self._rows.takeAt(0).widget()
            old.hide()
            old.setObjectName("")  # deleted later: row_widgets must not find it
            old.deleteLater()
        for i, layer in enumerate(self._layers):
            self._rows.addWidget(self._row(i, layer))
        self._rows.addWidget(self.limit_label)
        self._empty.setVisible(not self._layers)
        self.add_button.setEnabled(len(self._layers) < MAX_LAYERS)

    def _row(self, i: int, layer: HiddenLayer) -> QWidget:
        units = UnitsSpinBox(objectName=f"layerUnits{i}", minimum=1, maximum=MAX_UNITS, value=layer.units)
        units.setAccelerated(True)
        units.setToolTip(f"Neurons in hidden layer {i + 1}: 1 to {MAX_UNITS:,} (more would need "
                         "too much memory and time)")
        units.valueChanged.connect(partial(self._edit, i, "units"))
        units.lineEdit().textEdited.connect(partial(self._on_units_typed, i))
        act = self._activation(f"layerActivation{i}", i, layer.activation,
                               f"Activation of hidden layer {i + 1}: what each neuron does to its sum", 8)
        dropout = self._dropout(f"layerDropout{i}", i, layer.dropout,
                                f"Dropout after hidden layer {i + 1}: the share of its outputs set to zero "
                                "in each training step (the others scaled up to make up for it), so no unit "
                                "can rely on another; never while testing. 20 to 50 % fights over-fitting "
                                "('best' uses 20 %, 'cnn' 50 %); 0 is none")
        return self._row_frame(f"layerRow{i}", i, ((units, 2), (act, 3), (dropout, 2)))

    def _on_units_typed(self, i: int, text: str) -> None:
        """Say so at once, right under the row, when the number typed is over the limit, and count
        the limit in the network (the summary then shows what the message says); quiet when it is not."""
        typed = _typed_number(text)
        over = typed > MAX_UNITS
        if over:
            self._rows.removeWidget(self.limit_label)
            self._rows.insertWidget(i + 1, self.limit_label)
        self._show_limit(i + 1 if over else 0, typed if over else 0)
        if over:
            self._edit(i, "units", MAX_UNITS)
        elif typed >= 1:  # back under the limit: the spin box keeps its value, so it may not say so
            self._edit(i, "units", typed)

    def _show_limit(self, layer: int, typed: int) -> None:
        """The message for ``typed`` units in ``layer`` (from 1) under its row; none for layer 0."""
        message = units_limit_message(layer, typed) if layer else ""
        if message == self.limit_message():
            return
        self.limit_label.setText(message)
        self.limit_label.setVisible(bool(message))
        self.limit_changed.emit(layer, typed)
        if message:
            QTimer.singleShot(0, self, self._reveal_limit)  # once the layout has made room for it

    def _reveal_limit(self) -> None:
        """Scroll the builder so the message shows, however far down the form the row is."""
        scroll = self.parent()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parent()
        if scroll is not None and self.limit_label.isVisible():
            scroll.ensureWidgetVisible(self.limit_label, 0, 8)

    def limit_message(self) -> str:
        """The units-limit message shown under the row typed in ("" when none is)."""
        return self.limit_label.text() if not self.limit_label.isHidden() else ""
