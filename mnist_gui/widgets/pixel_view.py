"""A large view of one image whose pixels look like pixels: hover to read a value, or print them all."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MIN_CELL_FOR_VALUES = 14  # logical pixels per image pixel below which printed values are unreadable


class PixelView(QWidget):
    """Paints an image scaled up with nearest-neighbour, square pixels, centred.

    ``set_image(values, image)`` takes the numbers (for hover and printing) and the QImage that
    shows them (grey, or a colour map). ``hovered(row, col, value)`` follows the mouse; row -1
    means the mouse left the image.
    """

    hovered = Signal(int, int, float)

    def __init__(self, parent: QWidget | None = None, value_format: str = "{:.0f}"):
        super().__init__(parent)
        self._values: np.ndarray | None = None
        self._image: QImage | None = None
        self._show_values = False
        self._value_format = value_format
        self._placeholder = ""
        self._hover: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setToolTip("Hover a pixel to read its value")

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def set_image(self, values: np.ndarray | None, image: QImage | None):
        self._values = None if values is None else np.array(values, copy=True)
        self._image = image
        self.update()

    def values(self) -> np.ndarray | None:
        return self._values

    def set_placeholder(self, text: str):
        """Text shown when there is no image."""
        self._placeholder = text
        self.update()

    def set_show_values(self, show: bool):
        self._show_values = bool(show)
        self.update()

    def show_values(self) -> bool:
        return self._show_values

    def can_print_values(self) -> bool:
        """True if the cells are big enough for printed values to be read."""
        return self._image is not None and self._cell() >= MIN_CELL_FOR_VALUES

    def _cell(self) -> float:
        if self._image is None or self._image.isNull():
            return 0.0
        return min(self.width() / self._image.width(), self.height() / self._image.height())

    def _target(self) -> QRectF:
        cell = math.floor(self._cell() * self.devicePixelRatioF()) / self.devicePixelRatioF()
        w, h = cell * self._image.width(), cell * self._image.height()
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(row, col) of the image pixel under a widget position, or None outside."""
        if self._image is None or self._cell() <= 0:
            return None
        target = self._target()
        if not target.contains(pos):
            return None
        col = int((pos.x() - target.left()) / target.width() * self._image.width())
        row = int((pos.y() - target.top()) / target.height() * self._image.height())
        return min(row, self._image.height() - 1), min(col, self._image.width() - 1)

    def paintEvent(self, event):
        painter = QPainter(self)
        if self._image is None or self._image.isNull():
            painter.setPen(self.palette().color(QPalette.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self._placeholder)
            return
        painter.setRenderHint(QPainter.SmoothPixmapTransform, False)
        target = self._target()
        painter.drawImage(target, self._image)
        if self._show_values and self.can_print_values() and self._values is not None:
            self._paint_values(painter, target)
        if self._hover is not None:
            self._paint_hover(painter, target)
        painter.end()

    def _paint_hover(self, painter: QPainter, target: QRectF):
        row, col = self._hover
        cw, ch = target.width() / self._image.width(), target.height() / self._image.height()
        cell = QRectF(target.left() + col * cw, target.top() + row * ch, cw, ch)
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(self.palette().color(QPalette.Highlight), 2))
        painter.drawRect(cell)

    def _paint_values(self, painter: QPainter, target: QRectF):
        rows, cols = self._values.shape
        cw, ch = target.width() / cols, target.height() / rows
        font = QFont(self.font())
        longest = max(len(self._value_format.format(v)) for v in (self._values.min(),
                                                                  self._values.max()))
        font.setPixelSize(max(6, int(min(ch * 0.45, cw * 1.6 / max(longest, 2)))))
        painter.setFont(font)
        painter.setPen(QPen(QColor(128, 128, 128, 70), 0))
        for r in range(rows + 1):
            painter.drawLine(QPointF(target.left(), target.top() + r * ch),
                             QPointF(target.right(), target.top() + r * ch))
        for c in range(cols + 1):
            painter.drawLine(QPointF(target.left() + c * cw, target.top()),
                             QPointF(target.left() + c * cw, target.bottom()))
        for r in range(rows):
            for c in range(cols):
                light = self._image.pixelColor(c, r).lightness() > 140
                color = QColor(0, 0, 0) if light else QColor(255, 255, 255)
                if self._values[r, c] == 0:
                    color.setAlpha(90)  # zeros are the background: keep them quiet
                painter.setPen(color)
                cell = QRectF(target.left() + c * cw, target.top() + r * ch, cw, ch)
                painter.drawText(cell, Qt.AlignCenter, self._value_format.format(self._values[r, c]))

    def mouseMoveEvent(self, event):
        where = self.cell_at(event.position())
        if where != self._hover:
            self._hover = where
            self.update()
        if where is None or self._values is None:
            self.hovered.emit(-1, -1, float("nan"))
        else:
            self.hovered.emit(where[0], where[1], float(self._values[where]))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event):
        self._hover = None
        self.update()
        self.hovered.emit(-1, -1, float("nan"))
        super().leaveEvent(event)
