"""A small drawing of a network: a stack of squares per feature map (a CNN's convolutions and pooling),
then one column per dense layer, its height growing with the number of units."""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

SHORT_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
                     "leaky_relu": "leaky ReLU", "identity": "linear"}


class ArchitectureView(QWidget):
    """Draws ``input -> hidden ... -> output`` as columns joined by bands (the weight matrices).

    A CNN starts with its image and feature maps, ``(caption, (channels, height, width))`` each:
    squares (a few stacked for several channels) whose side follows the maps' height, then the
    flattened maps as the first column.

    A column's height grows with the square root of its units, relative to the widest layer, so
    784 inputs, 128 hidden units and 10 outputs are all visible at once. Colours come from the
    palette, so it reads on light and dark themes alike.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("architectureView")
        self._sizes: list[int] = [784, 10]
        self._activations: list[str] = []
        self._maps: list[tuple[str, tuple[int, int, int]]] = []
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.setToolTip("The network you are building: the input pixels on the left, each hidden "
                        "layer, and one output per class on the right. Each band between two "
                        "columns is a weight matrix.")

    def set_layers(self, sizes: list[int], activations: list[str],
                   maps: list[tuple[str, tuple[int, int, int]]] | None = None) -> None:
        """``sizes`` of the dense layers from their input to the output (e.g. [784, 128, 10]); one
        activation per hidden layer; for a CNN, ``maps``: the image then each feature layer's output
        as (caption, (channels, height, width)), and ``sizes[0]`` is their flattened size."""
        self._sizes, self._activations = list(sizes), list(activations)
        self._maps = list(maps or [])
        self.setAccessibleDescription(self.text())
        self.update()

    def text(self) -> str:
        """The drawing in words: 'input 784 → 128 ReLU → output 10'."""
        hidden = [f"{n} {SHORT_ACTIVATIONS.get(a, a)}" for n, a in zip(self._sizes[1:-1], self._activations)]
        maps = [f"{caption} {h}×{w}×{c}" for caption, (c, h, w) in self._maps]
        first = f"flatten {self._sizes[0]}" if maps else f"input {self._sizes[0]}"
        return " → ".join([*maps, first, *hidden, f"output {self._sizes[-1]}"])

    def sizeHint(self) -> QSize:
        return QSize(320, 150)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        columns = self._columns()
        self._paint_bands(painter, columns)
        self._paint_columns(painter, columns)
        painter.end()

    def _columns(self) -> list[QRectF]:
        """One rectangle per layer, centred vertically in the drawing area."""
        line = self.fontMetrics().height()
        top, bottom = line + 4, self.height() - line - 4
        area = max(bottom - top, 8)
        n = len(self._maps) + len(self._sizes)
        slot = self.width() / n
        width = min(28.0, slot * 0.35)
        largest = math.sqrt(max(self._sizes))
        rects = []
        for i, (_, (_, height, _)) in enumerate(self._maps):
            side = max(4.0, min(area, slot * 0.6) * height / self._maps[0][1][1])
            x = slot * (i + 0.5) - side / 2
            rects.append(QRectF(x, top + (area - side) / 2, side, side))
        for i, units in enumerate(self._sizes, len(self._maps)):
            h = max(4.0, area * math.sqrt(units) / largest)
            x = slot * (i + 0.5) - width / 2
            rects.append(QRectF(x, top + (area - h) / 2, width, h))
        return rects

    def _paint_bands(self, painter: QPainter, columns: list[QRectF]):
        band = QColor(self.palette().color(QPalette.Highlight))
        band.setAlpha(60)
        painter.setPen(Qt.NoPen)
        painter.setBrush(band)
        for a, b in itertools.pairwise(columns):
            path = QPainterPath(a.topRight())
            path.lineTo(b.topLeft())
            path.lineTo(b.bottomLeft())
            path.lineTo(a.bottomRight())
            path.closeSubpath()
            painter.drawPath(path)

    def _paint_columns(self, painter: QPainter, columns: list[QRectF]):
        palette = self.palette()
        text = palette.color(QPalette.WindowText)
        last = len(columns) - 1
        first_dense = len(self._maps)
        for i, rect in enumerate(columns):
            inner = 0 < i < last
            painter.setPen(text)
            painter.setBrush(palette.color(QPalette.Highlight) if inner else palette.color(QPalette.Mid))
            if i < first_dense:
                channels, height, width = self._maps[i][1]
                lift = self._paint_stack(painter, rect, channels)
                caption, size = self._maps[i][0], f"{height}×{width}×{channels}"
            else:
                painter.drawRoundedRect(rect, 3, 3)
                lift, size = 0.0, f"{self._sizes[i - first_dense]:,}"
                caption = self._caption(i - first_dense, last - first_dense)
            self._paint_text(painter, rect.adjusted(0, -lift, 0, 0), caption, size)

    def _paint_stack(self, painter: QPainter, rect: QRectF, channels: int) -> float:
        """A feature map's square, with up to two more behind it when it has several channels;
        returns how far above ``rect`` the stack reaches."""
        behind = min(channels, 3) - 1
        for k in range(behind, 0, -1):
            painter.drawRect(rect.translated(3 * k, -3 * k))
        painter.drawRect(rect)
        return 3.0 * behind

    def _paint_text(self, painter: QPainter, rect: QRectF, caption: str, size: str) -> None:
        line = self.fontMetrics().height()
        below = QRectF(rect.center().x() - 60, rect.bottom() + 2, 120, line)
        painter.drawText(below, Qt.AlignHCenter | Qt.AlignTop, size)
        above = QRectF(rect.center().x() - 60, rect.top() - line - 2, 120, line)
        painter.drawText(above, Qt.AlignHCenter | Qt.AlignBottom, caption)

    def _caption(self, i: int, last: int) -> str:
        """The caption of dense column ``i`` of ``0..last``: the input (flattened maps for a CNN),
        a hidden layer's activation, or the output."""
        if i == 0:
            return "flatten" if self._maps else "input"
        if i == last:
            return "output"
        act = self._activations[i - 1] if i - 1 < len(self._activations) else ""
        return SHORT_ACTIVATIONS.get(act, act)

