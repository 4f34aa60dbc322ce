"""What the network learned: first-layer weights as images (a CNN's later convolutions' kernels per input map),
and every hidden layer's activations for a drawing."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine.filter_trace import FilterBank, filter_bank
from engine.network import feature_names
from mnist_gui.widgets.color_bar import ColorBar
from mnist_gui.widgets.feature_maps import FeatureMapStrip
from mnist_gui.widgets.image_tile import ImageTile, note
from mnist_gui.widgets.imaging import diverging_rgb, gray_image, rgb_image, scaled_gray_image
from mnist_gui.widgets.sizing import text_scale
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.evaluation import GAP, MAX_TILES, WeightMosaics, grid_shape, mosaic

INPUT_SIDE = 120       # logical pixels of the drawing beside the activations, at the normal text size
TOP_UNITS = 8          # units outlined on the weight grid: the most active for the drawing
HIGHLIGHT = QColor(255, 196, 0)
DRAWING_NOTE = ("Each cell is a hidden unit; the brighter, the more active. The outlined tiles on the left "
                "are the first layer's most active units.")
CNN_DRAWING_NOTE = ("Each filter slides over the drawing and lights up its feature map where it finds its "
                    "stroke; pooling keeps the strongest of each 2x2 patch. Then the dense layers' units: "
                    "the brighter, the more active. The outlined filters on the left are the most active.")
PIXEL_LEGEND = ("Red: ink on this pixel makes the unit fire more. Blue: ink there holds it back. White: the "
                "pixel does not matter.")
FILTER_LEGEND = ("Red: a positive weight, a bright pixel under it makes the filter fire more. Blue: a negative "
                 "weight holds it back. White: a weight near 0.")
MAP_LEGEND = ("Red: a high value of that map there makes the filter fire more; blue holds it back. "
              "Outlined: each filter's strongest map.")


class WeightGrid(QWidget):
    """The mosaic, scaled with square pixels; hover names a unit; some units may be outlined.
    ``unit_clicked(j)`` when tile j is clicked."""

    unit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCursor(Qt.PointingHandCursor)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._image: QImage | None = None
        self._tile_shape = (1, 1)
        self._n = 0
        self._columns: int | None = None
        self._outlined: list[int] = []
        self._placeholder = ""
        self._describe = None

    def sizeHint(self) -> QSize:
        return QSize(560, 560)

    def set_mosaic(self, image: QImage | None, n: int, tile_shape: tuple[int, int], describe=None,
                   columns: int | None = None):
        """``describe(j)`` gives the tooltip of unit j; ``columns``: the mosaic's (None: near square)."""
        self._image, self._n, self._tile_shape, self._describe = image, n, tile_shape, describe
        self._columns = columns
        self.update()

    def set_outlined(self, units: list[int]):
        """Outline ``units``: those the mosaic has, now or once it arrives (the drawing is read
        as soon as the network is, its weights' mosaic comes later from a job)."""
        self._outlined = list(units)
        self.update()

    def outlined(self) -> list[int]:
        """The units outlined on the tiles shown."""
        return [u for u in self._outlined if u < self._n]

    def set_placeholder(self, text: str):
        self._placeholder = text
        self.update()

    def _target(self) -> QRectF:
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                      w * scale, h * scale)

    def tile_rect(self, j: int) -> QRectF:
        """Where unit j's tile is drawn, in widget coordinates."""
        target, (h, w) = self._target(), self._tile_shape
        scale = target.width() / self._image.width()
        r, c = divmod(j, self._columns or grid_shape(self._n)[1])
        return QRectF(target.left() + (GAP + c * (w + GAP)) * scale,
                      target.top() + (GAP + r * (h + GAP)) * scale, w * scale, h * scale)

    def unit_at(self, pos: QPointF) -> int:
        if self._image is None:
            return -1
        for j in range(self._n):
            if self.tile_rect(j).contains(pos):
                return j
        return -1

    def paintEvent(self, event):
        painter = QPainter(self)
        if self._image is None:
            painter.setPen(self.palette().color(QPalette.PlaceholderText))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.AlignCenter | Qt.TextWordWrap,
                             self._placeholder)
            return
        painter.drawImage(self._target(), self._image)
        painter.setPen(QPen(HIGHLIGHT, 2))
        for j in self.outlined():
            painter.drawRect(self.tile_rect(j).adjusted(-1, -1, 1, 1))
        painter.end()

    def mousePressEvent(self, event):
        j = self.unit_at(event.position()) if event.button() == Qt.LeftButton else -1
        if j >= 0:
            self.unit_clicked.emit(j)
        event.accept()

    def event(self, event):
        if event.type() == QEvent.ToolTip:
            j = self.unit_at(QPointF(event.pos()))
            if j >= 0 and self._describe is not None:
                QToolTip.showText(event.globalPos(), self._describe(j), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class ActivationsView(QWidget):
    """One band per hidden layer: a cell per unit, black at 0 and white at the layer's largest value."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._layers: list[tuple[str, np.ndarray]] = []
        self._placeholder = ""

    def set_layers(self, layers: list[tuple[str, np.ndarray]]):
        self._layers = [(name, np.array(values, copy=True)) for name, values in layers]
        self.update()

    def layers(self) -> list[tuple[str, np.ndarray]]:
        return [(name, values.copy()) for name, values in self._layers]

    def set_placeholder(self, text: str):
        self._placeholder = text
        self.update()

    def _bands(self) -> list[tuple[QRectF, QRectF, int]]:
        """(caption rect, cells rect, units per row) per layer."""
        line = self.fontMetrics().height() + 4
        width = self.width() - 8
        bands, y = [], 2.0
        for _, values in self._layers:
            per_row = min(len(values), 32)
            cell = min(width / per_row, 22.0)
            height = math.ceil(len(values) / per_row) * cell
            bands.append((QRectF(4, y, width, line), QRectF(4, y + line, per_row * cell, height),
                          per_row))
            y += line + height + 10
        return bands

    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        if not self._layers:
            painter.setPen(pal.color(QPalette.PlaceholderText))
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), Qt.AlignCenter | Qt.TextWordWrap,
                             self._placeholder)
            return
        for i, ((name, values), (caption, cells, per_row)) in enumerate(zip(self._layers,
                                                                            self._bands())):
            painter.setPen(pal.color(QPalette.WindowText))
            painter.drawText(caption, Qt.AlignLeft | Qt.AlignVCenter, _layer_caption(i, name, values))
            grid = np.zeros(math.ceil(len(values) / per_row) * per_row, dtype=np.float32)
            grid[:len(values)] = values
            grid = grid.reshape(-1, per_row)
            peak = float(np.abs(values).max()) or 1.0
            image = (rgb_image(diverging_rgb(grid, peak)) if values.min() < 0
                     else scaled_gray_image(grid, peak))
            painter.drawImage(cells, image)
            painter.setPen(QPen(pal.color(QPalette.Mid), 1))
            painter.drawRect(cells)
        painter.end()

    def sizeHint(self) -> QSize:
        bands = self._bands()
        return QSize(360, int(bands[-1][1].bottom() + 8) if bands else 160)


# what "on" means for each activation: (threshold, words); sigmoid units are never below 0
ON = {"relu": (0.0, "active (above 0)"), "leaky_relu": (0.0, "active (above 0)"),
      "sigmoid": (0.5, "above 0.5 (more on than off)"), "tanh": (0.5, "strongly on (above 0.5)"),
      "identity": (0.0, "positive")}


def _layer_caption(i: int, name: str, values: np.ndarray) -> str:
    threshold, words = ON.get(name, (0.0, "above 0"))
    on = int(np.count_nonzero(values > threshold))
    return (f"Hidden layer {i + 1}: {len(values)} {name} units, {on} {words}, "
            f"largest {float(values.max()):.2f}")


class UnitDialog(QDialog):
    """One first-layer unit's weights, or one filter's (one kernel of a later convolution's), large,
    with the colour scale they are drawn in."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("unitDialog")
        self.tile = ImageTile()
        self.tile.setObjectName("unitWeights")
        self.tile.setMinimumSize(320, 320)
        self.scale = ColorBar()
        self.scale.setToolTip("The colour scale of these weights: white is 0")
        self.text = WrappedLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.tile, 1)
        layout.addWidget(self.scale)
        layout.addWidget(buttons)

    def show_weights(self, name: str, weights: np.ndarray, description: str, scale: tuple[str, str]):
        """The weights (h, w) of ``name`` ("Unit 6", "Filter 3, map 5"), coloured on their own
        -max..+max scale, whose ends ``scale`` = (negative, positive) explains."""
        limit = float(np.abs(weights).max()) or 1.0
        self.setWindowTitle(f"{name}: weights")
        self.text.setText(f"<b>{name}</b>: {description.replace(chr(10), '<br>')}")
        self.tile.set_image(rgb_image(diverging_rgb(weights, limit)))
        self.scale.set_scale(limit, *scale)
        self.show()
        self.raise_()


class WeightsView(QWidget):
    """``set_network(network, mosaics)`` draws the first layer's weights (mosaics made by the
    evaluate job, off the GUI thread); ``set_drawing(image)`` the hidden activations."""

    unit_count_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("weightsView")
        self._network = None
        self._mosaics: WeightMosaics | None = None
        self._pending = False  # the mosaics of the current network are being made
        self._tiles = np.zeros((0, 1, 1), dtype=np.float32)
        self._drawing: np.ndarray | None = None
        self.grid = WeightGrid()
        self.grid.unit_clicked.connect(self.show_unit)
        self.unit_dialog: UnitDialog | None = None
        self.same_scale = QCheckBox("One colour scale for all units", objectName="weightsSameScale")
        self.same_scale.setToolTip("Off: each tile uses its own scale, to show its pattern. "
                                   "On: tiles can be compared: faint ones matter less.")
        self.same_scale.toggled.connect(self._show_tiles)
        self.heading = WrappedLabel(objectName="weightsHeading")
        self.layer_choice = QComboBox(objectName="weightsLayer")
        self.layer_choice.setToolTip("Which convolution's filters to show: the first looks at pixels, a "
                                     "later one at the maps of the layer below it")
        self.layer_choice.currentIndexChanged.connect(self._show_tiles)
        self.layer_label = QLabel("Filters of")
        self._bank: FilterBank | None = None  # a later convolution's, while one is shown
        self.input_tile = ImageTile()
        self.input_tile.setMaximumSize(INPUT_SIDE, INPUT_SIDE)
        self.activations = ActivationsView()
        self.activations.setObjectName("activationsView")
        self.feature_maps = FeatureMapStrip(columns=4, max_cell=220)
        self.feature_maps.setObjectName("featureMapsView")
        self.feature_maps.setToolTip("A CNN's feature maps for your drawing: for each convolution and "
                                     "pooling layer, every channel's map (bright: the filter found its "
                                     "pattern there), each scaled to its own peak")
        self.feature_maps.hide()
        self._build()
        self.set_network(None)

    def _build(self):
        left = QVBoxLayout()
        choice = QHBoxLayout()
        choice.addWidget(self.layer_label)
        choice.addWidget(self.layer_choice)
        choice.addStretch(1)
        left.addLayout(choice)
        left.addWidget(self.heading)
        left.addWidget(self.grid, 1)
        legend = QHBoxLayout()
        self.legend = note(PIXEL_LEGEND)
        legend.addWidget(self.legend, 1)
        legend.addWidget(self.same_scale)
        left.addLayout(legend)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>For your drawing</b> (from the Draw panel)"))
        self.drawing_note = note(DRAWING_NOTE)
        right.addWidget(self.drawing_note)
        right.addWidget(self.input_tile, 0, Qt.AlignLeft)
        right.addWidget(self.feature_maps, 1)
        right.addWidget(self.activations, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoomed: the drawing keeps its size to the text
            side = round(INPUT_SIDE * text_scale(self))
            self.input_tile.setMaximumSize(side, side)

    def set_network(self, network):
        """Show ``network``'s activations now; its weights when ``set_mosaics`` brings them."""
        self._network, self._mosaics, self._pending = network, None, network is not None
        tiles = "filters" if network is not None and network.spec.features else "units"
        self.same_scale.setText(f"One colour scale for all {tiles}")
        self._show_layer_choice()
        self._show_tiles()
        self._show_activations()

    def set_mosaics(self, mosaics: WeightMosaics | None):
        """The first layer's weights as images, made off the GUI thread (None: not drawable)."""
        self._mosaics, self._pending = mosaics, False
        self._show_tiles()

    def set_drawing(self, image: np.ndarray | None):
        """The network input of the current drawing, (h, w) uint8, or None."""
        self._drawing = None if image is None else np.array(image, copy=True)
        self._show_activations()

    def tiles(self) -> np.ndarray:
        """The weight images shown, (n_units, h, w), a copy."""
        return self._tiles.copy()

    def _show_layer_choice(self):
        """One item per convolution, when the network has more than one (the choice kept if it can be)."""
        net = self._network
        names = [] if net is None else [name for name in feature_names(net.spec) if name.startswith("conv")]
        combo = self.layer_choice
        if [combo.itemText(n) for n in range(combo.count())] != names:
            at = combo.currentIndex()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(at if 0 <= at < len(names) else 0)
            combo.blockSignals(False)
        for widget in (self.layer_label, combo):
            widget.setVisible(len(names) > 1)

    def _later_layer(self) -> int:
        """The convolution chosen past the first (0: the first layer's weights, from the job)."""
        net = self._network
        at = self.layer_choice.currentIndex()
        return at if net is not None and 0 < at < len(net.conv_layers) else 0

    def _show_tiles(self):
        net, mosaics = self._network, self._mosaics
        self._bank = None
        self.legend.setText(PIXEL_LEGEND)
        if self._later_layer():
            self._show_later_filters(filter_bank(net, self._later_layer()))
            return
        if net is None or mosaics is None:
            self._tiles = np.zeros((0, 1, 1), dtype=np.float32)
            self.heading.setText("")
            self.grid.set_mosaic(None, 0, (1, 1))
            self.grid.set_placeholder(
                "Train a network on the Network and training panel, or load one with File > "
                "Load model, to see what its first layer learned." if net is None else
                "Drawing the first layer's weights…" if self._pending else
                "This network's input is not a square image, so its weights cannot be drawn.")
            self.unit_count_changed.emit(0)
            return
        self._tiles = mosaics.tiles
        self.legend.setText(FILTER_LEGEND if net.spec.features else PIXEL_LEGEND)
        rgb = mosaics.same_scale if self.same_scale.isChecked() else mosaics.own_scale
        self.grid.set_mosaic(rgb_image(rgb), len(self._tiles), self._tiles.shape[1:],
                             self._describe_unit)
        self.heading.setText(self._heading(mosaics.n_units))
        self.unit_count_changed.emit(len(self._tiles))

    def _show_later_filters(self, bank: FilterBank):
        """A later convolution: one column per filter, one row per input map, tile (m, f) the kernel W[f, m]
        (the engine's ``filter_bank``); wider than tall, as the area is."""
        self._bank = bank
        f, c, k = bank.weights.shape[:3]
        self._tiles = np.ascontiguousarray(bank.weights.transpose(1, 0, 2, 3).reshape(c * f, k, k), np.float32)
        rgb = mosaic(self._tiles, self.same_scale.isChecked(), columns=f)
        self.grid.set_mosaic(rgb_image(rgb), len(self._tiles), (k, k), self._describe_unit, columns=f)
        self.grid.set_outlined([int(m * f + column) for column, m in enumerate(bank.strongest_inputs)])
        self.legend.setText(MAP_LEGEND)
        self.heading.setText(
            f"<b>Convolution {bank.layer + 1}: {f} filters of {c} kernels {k}×{k}.</b> Each column is one filter. "
            f"It looks not at pixels but at the {c} maps of {bank.input_name.split(' (')[0]}: row m is the kernel "
            f"it lays on map m, and it adds up what all {c} find at each place. Click a tile to enlarge it.")
        self.unit_count_changed.emit(f)

    def _heading(self, n_units: int) -> str:
        h, w = self._tiles.shape[1:]
        if self._network.spec.features:
            return (f"<b>First convolution: {n_units:,} filters.</b> Each tile is one filter's {h * w} "
                    f"weights, drawn as a {h}×{w} image: the stroke it looks for, slid over every "
                    "place of the digit. Click a tile to enlarge it.")
        hidden = bool(self._network.spec.hidden)
        what = "hidden unit" if hidden else "output (one per class: there is no hidden layer)"
        shown = f" (the first {MAX_TILES:,} shown)" if n_units > MAX_TILES else ""
        return (f"<b>First layer: {n_units:,} units{shown}.</b> Each tile is one {what}'s "
                f"{h * w} input weights, drawn as a {h}×{w} image: the pattern it looks for. "
                "Click a tile to enlarge it.")

    def show_unit(self, j: int):
        """Tile ``j``'s weights enlarged, in a window of their own: a unit's, a filter's, or one kernel
        of a later convolution's filter."""
        if not 0 <= j < len(self._tiles):
            return
        if self.unit_dialog is None:
            self.unit_dialog = UnitDialog(self)
        name, description = self._describe_unit(j).split(": ", 1)
        self.unit_dialog.show_weights(name, self._tiles[j], description, self._scale_words())

    def _scale_words(self) -> tuple[str, str]:
        """What the ends of the enlarged tile's colour scale mean: ink for a unit that reads pixels, a
        filter's negative and positive weights for a convolution (the text above says on which map)."""
        if self._network is not None and self._network.spec.features:
            return "negative weight: holds it back", "positive weight: makes it fire"
        return "ink here holds it back", "ink here makes it fire"

    def _describe_unit(self, j: int) -> str:
        tile, bank = self._tiles[j], self._bank
        if bank is not None:
            m, f = divmod(j, bank.weights.shape[0])
            return (f"Filter {f + 1}, map {m + 1}: its kernel on map {m + 1} of {bank.input_name}, weights "
                    f"from {tile.min():+.3f} to {tile.max():+.3f}; {bank.shares[f, m]:.0%} of the filter's weight "
                    f"(its strongest map: {bank.strongest_inputs[f] + 1})")
        what = "Filter" if self._network is not None and self._network.spec.features else "Unit"
        text = f"{what} {j + 1}: weights from {tile.min():+.3f} to {tile.max():+.3f}"
        layers = self.activations.layers()
        if what == "Unit" and layers and self._network is not None and self._network.spec.hidden:
            text += f"\nIts activation for your drawing: {layers[0][1][j]:.3f}"
        return text

    def _show_feature_maps(self, net, image):
        """A CNN's feature maps of the drawing, one mosaic per layer (the engine's ``feature_maps``)."""
        cnn = net is not None and bool(net.spec.features)
        self.feature_maps.setVisible(cnn)
        self.drawing_note.setText(CNN_DRAWING_NOTE if cnn else DRAWING_NOTE)
        if not cnn or image is None or image.size != net.spec.input_size:
            self.feature_maps.set_items([])
            self.feature_maps.set_placeholder("Draw a digit on the Draw panel to see its feature maps." if cnn else "")
            return
        self.feature_maps.set_maps([(name, maps[0]) for name, maps in net.feature_maps(image[None])])

    def _show_activations(self):
        net, image = self._network, self._drawing
        self._show_feature_maps(net, image)
        if net is None or image is None or image.size != net.spec.input_size:
            self.input_tile.set_image(None)
            self.activations.set_layers([])
            self.activations.set_placeholder(
                "Draw a digit on the Draw panel to see which hidden units it switches on."
                if net is not None else "")
            if not self._later_layer():
                self.grid.set_outlined([])
            return
        outputs = net.activations(image[None])[:-1]  # the engine's forward pass; the last is the logits
        layers = [(layer.activation, values[0]) for layer, values in zip(net.spec.hidden, outputs)]
        self.input_tile.set_image(gray_image(image))
        self.activations.set_layers(layers)
        if not layers:
            self.activations.set_placeholder("This network has no hidden layer.")
        if not self._later_layer():  # a later convolution outlines each filter's strongest map
            self.grid.set_outlined(_most_active(net, image, layers))
        self.activations.updateGeometry()


def _most_active(network, image: np.ndarray, layers) -> list[int]:
    """The tiles to outline: the first hidden layer's most active units for the drawing, or for a
    CNN the first convolution's filters with the strongest feature maps (their mean activation)."""
    if network.spec.features:  # a few filters only: outlining most of them would say nothing
        strength = network.feature_maps(image[None])[0][1][0].mean(axis=(1, 2))
        return [int(j) for j in np.argsort(-strength)[:max(1, len(strength) // 3)] if strength[j] > 0]
    if layers:
        strength = layers[0][1]
    else:
        return []
    return [int(j) for j in np.argsort(-strength)[:TOP_UNITS] if strength[j] > 0]
