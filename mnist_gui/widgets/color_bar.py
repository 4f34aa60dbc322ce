"""A small legend for the diverging colour map: what blue, white and red mean, and the scale."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from mnist_gui.widgets.imaging import diverging_color


class ColorBar(QWidget):
    """A horizontal blue-white-red bar from ``-limit`` to ``+limit`` with words under its ends."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._limit = 255.0
        self._left, self._right = "more ink in B", "more ink in A"
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setFixedHeight(16 + 2 * self.fontMetrics().height() + 8)
        self.setToolTip("Colour scale of the difference image: white means both classes have the "
                        "same average ink there")

    def sizeHint(self) -> QSize:
        return QSize(260, self.height())

    def set_scale(self, limit: float, left: str, right: str):
        self._limit, self._left, self._right = float(limit), left, right
        self.update()

    def paintEvent(self, event):
        painter = QPainter(self)
        fm = painter.fontMetrics()
        bar = QRectF(4, 2, self.width() - 8, 16)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for i in range(11):
            gradient.setColorAt(i / 10, diverging_color(i / 5 - 1))
        painter.fillRect(bar, gradient)
        painter.setPen(self.palette().color(QPalette.Mid))
        painter.drawRect(bar)
        painter.setPen(self.palette().color(QPalette.WindowText))
        y = bar.bottom() + 2
        line = QRectF(bar.left(), y, bar.width(), fm.height())
        limit = f"{self._limit:.0f}" if self._limit >= 10 else f"{self._limit:.3g}"  # weights: 0.123
        painter.drawText(line, Qt.AlignLeft, f"−{limit}")
        painter.drawText(line, Qt.AlignHCenter, "0")
        painter.drawText(line, Qt.AlignRight, f"+{limit}")
        line.translate(0, fm.height())
        painter.drawText(line, Qt.AlignLeft, self._left)
        painter.drawText(line, Qt.AlignRight, self._right)
        painter.end()
