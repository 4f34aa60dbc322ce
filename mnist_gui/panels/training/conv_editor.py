"""The convolutional rows of the network builder: convolutions and max-pooling, added, removed, reordered."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.network import MAX_CHANNELS, MAX_KERNEL, ConvLayer, PoolLayer
from mnist_gui.panels.training.layers_editor import LayerList
from mnist_gui.widgets.number_fields import ExactSpinBox
from mnist_gui.widgets.wrapped_label import WrappedLabel

MAX_FEATURE_LAYERS = 8


class ConvEditor(LayerList):
    """One row per convolution or pooling layer (input side first); zero rows is an MLP.

    A row keeps what it has no field for (a convolution's stride); its dropout is a field, as in
    the hidden-layers editor.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("convLayers")
        self._layers: list[ConvLayer | PoolLayer] = []
        self._rows = QVBoxLayout()
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._empty = WrappedLabel("No convolutional layer: the pixels go straight to the dense "
                                   "layers (a multi-layer perceptron).", objectName="convEmpty")
        self.add_conv_button = QPushButton("Add convolution", objectName="addConvButton")
        self.add_conv_button.setToolTip("Add a convolution (a bank of filters slid over the image) "
                                        "after the last convolutional layer")
        self.add_conv_button.clicked.connect(self.add_conv)
        self.add_pool_button = QPushButton("Add pooling", objectName="addPoolButton")
        self.add_pool_button.setToolTip("Add 2x2 max-pooling: keeps the largest value of each window, "
                                        "halving the height and width")
        self.add_pool_button.clicked.connect(self.add_pool)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_conv_button)
        buttons.addWidget(self.add_pool_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._rows)
        layout.addWidget(self._empty)
        layout.addLayout(buttons)
        self._rebuild()

    def layers(self) -> tuple[ConvLayer | PoolLayer, ...]:
        return tuple(self._layers)

    def set_layers(self, layers) -> None:
        self._layers = list(layers)
        self._rebuild()
        self.changed.emit()

    def add_conv(self) -> None:
        last = next((layer for layer in reversed(self._layers) if isinstance(layer, ConvLayer)), None)
        self._append(ConvLayer(last.channels * 2, last.kernel, last.padding, activation=last.activation)
                     if last else ConvLayer(6, 5))

    def add_pool(self) -> None:
        self._append(PoolLayer(2))

    def row_spins(self, index: int) -> list[QSpinBox]:
        """The spin boxes of row ``index``: channels, kernel, padding (a convolution) or size (pooling)."""
        return self._rows.itemAt(index).widget().findChildren(QSpinBox)

    def row_dropout(self, index: int) -> ExactSpinBox:
        """The dropout field of row ``index``, in percent."""
        return self._rows.itemAt(index).widget().findChild(ExactSpinBox)

    def row_activation(self, index: int) -> QComboBox:
        return self._rows.itemAt(index).widget().findChild(QComboBox)

    def _append(self, layer: ConvLayer | PoolLayer) -> None:
        self._layers.append(layer)
        self._rebuild()
        self.changed.emit()

    def _rebuild(self) -> None:
        while self._rows.count():
            old = self._rows.takeAt(0).widget()
            old.hide()
            old.deleteLater()
        for i, layer in enumerate(self._layers):
            self._rows.addWidget(self._row(i, layer))
        self._empty.setVisible(not self._layers)
        room = len(self._layers) < MAX_FEATURE_LAYERS
        self.add_conv_button.setEnabled(room)
        self.add_pool_button.setEnabled(room)

    def _row(self, i: int, layer: ConvLayer | PoolLayer) -> QWidget:
        if isinstance(layer, ConvLayer):
            fields = self._conv_fields(i, layer)
        else:  # the stretch stands for a convolution's kernel, padding and activation: dropouts line up
            fields = ((self._spin(f"poolSize{i}", i, "size", 1, MAX_KERNEL, layer.size, "max-pool ",
                                  f"Layer {i + 1}: the side of each pooling window (its stride too): 2 halves "
                                  "the height and width"), 2), (None, 4))
        dropout = self._dropout(f"convDropout{i}", i, layer.dropout,
                                f"Dropout after layer {i + 1}: the share of its feature-map values set to "
                                "zero in each training step, never while testing ('cnn' drops 25 % after "
                                "its last pooling); 0 is none")
        return self._row_frame(f"convRow{i}", i, (*fields, (dropout, 1)))

    def _conv_fields(self, i: int, layer: ConvLayer) -> tuple:
        """(widget, stretch) of a convolution's channels, kernel, padding and activation."""
        return (
            (self._spin(f"convChannels{i}", i, "channels", 1, MAX_CHANNELS, layer.channels, "conv ",
                        f"Layer {i + 1}: how many filters, so how many feature maps it outputs (channels)"), 2),
            (self._spin(f"convKernel{i}", i, "kernel", 1, MAX_KERNEL, layer.kernel, "kernel ",
                        f"Layer {i + 1}: the side of each filter in pixels (5 is a 5x5 window); a filter "
                        "must fit its input"), 1),
            (self._spin(f"convPadding{i}", i, "padding", 0, MAX_KERNEL, layer.padding, "pad ",
                        f"Layer {i + 1}: zeros added on every side of its input; padding (kernel - 1) / 2 "
                        "keeps the height and width"), 1),
            (self._activation(f"convActivation{i}", i, layer.activation,
                              f"Activation of layer {i + 1}: what is done to each value of its feature maps", 5), 2))

    def _spin(self, name: str, i: int, field: str, low: int, high: int, value: int, prefix: str,
              tip: str) -> QSpinBox:
        spin = QSpinBox(objectName=name, minimum=low, maximum=high, value=value, prefix=prefix,
                        suffix=" filters" if field == "channels" else "")
        spin.setToolTip(f"{tip} ({low} to {high})")
        spin.valueChanged.connect(partial(self._edit, i, field))
        return spin
