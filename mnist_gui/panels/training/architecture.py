"""A small drawing of a network: one column per layer, its height growing with the number of units."""

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

    A column's height grows with the square root of its units, relative to the widest layer, so
    784 inputs, 128 hidden units and 10 outputs are all visible at once. Colours come from the
    palette, so it reads on light and dark themes alike.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("architectureView")
        self._sizes: list[int] = [784, 10]
        self._activations: list[str] = []
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.setToolTip("The network you are building: the input pixels on the left, each hidden "
                        "layer, and one output per class on the right. Each band between two "
                        "columns is a weight matrix.")

    def set_layers(self, sizes: list[int], activations: list[str]) -> None:
        """``sizes`` from input to output (e.g. [784, 128, 10]); one activation per hidden layer."""
        self._sizes, self._activations = list(sizes), list(activations)
        self.setAccessibleDescription(self.text())
        self.update()

    def text(self) -> str:
        """The drawing in words: 'input 784 → 128 ReLU → output 10'."""
        hidden = [f"{n} {SHORT_ACTIVATIONS.get(a, a)}" for n, a in zip(self._sizes[1:-1], self._activations)]
        return " → ".join([f"input {self._sizes[0]}", *hidden, f"output {self._sizes[-1]}"])

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
        n = len(self._sizes)
        slot = self.width() / n
        width = min(28.0, slot * 0.35)
        largest = math.sqrt(max(self._sizes))
        rects = []
        for i, units in enumerate(self._sizes):
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
        for i, rect in enumerate(columns):
            inner = 0 < i < last
            painter.setPen(text)
            painter.setBrush(palette.color(QPalette.Highlight) if inner else palette.color(QPalette.Mid))
            painter.drawRoundedRect(rect, 3, 3)
            below = QRectF(rect.center().x() - 60, rect.bottom() + 2, 120, self.fontMetrics().height())
            painter.drawText(below, Qt.AlignHCenter | Qt.AlignTop, f"{self._sizes[i]:,}")
            above = QRectF(rect.center().x() - 60, rect.top() - self.fontMetrics().height() - 2, 120,
                           self.fontMetrics().height())
            painter.drawText(above, Qt.AlignHCenter | Qt.AlignBottom, self._caption(i, last))

    def _caption(self, i: int, last: int) -> str:
        if i == 0:
            return "input"
        if i == last:
            return "output"
        act = self._activations[i - 1] if i - 1 < len(self._activations) else ""
        return SHORT_ACTIVATIONS.get(act, act)

