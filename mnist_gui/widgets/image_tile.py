"""A small image scaled up with square pixels (and marks on it), and an explanatory note label."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from mnist_gui.widgets.wrapped_label import WrappedLabel


def note(text: str) -> QLabel:
    """A wrapped explanatory sentence in the palette's secondary text colour (never squeezed to
    fewer lines than its text needs, see ``WrappedLabel``)."""
    label = WrappedLabel(text)
    label.setForegroundRole(QPalette.PlaceholderText)
    return label


class ImageTile(QWidget):
    """A small image scaled up with square pixels, with optional marks (crosses) on it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self._marks: list[tuple[float, float, QColor]] = []
        self.setMinimumSize(84, 84)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(140, 140)

    def set_image(self, image: QImage | None, marks=()):
        """``marks``: (row, col, colour), in pixel indices of the image (centre of pixel = index)."""
        self._image, self._marks = image, list(marks)
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def _target(self) -> QRectF:
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2,
                      w * scale, h * scale)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.Base))
        if self._image is None or self._image.isNull():
            painter.end()
            return
        target = self._target()
        painter.drawImage(target, self._image)
        painter.setPen(QPen(self.palette().color(QPalette.Mid), 1))
        painter.drawRect(target)
        cell = target.width() / self._image.width()
        for row, col, colour in self._marks:
            centre = QPointF(target.left() + (col + 0.5) * cell, target.top() + (row + 0.5) * cell)
            arm = max(5.0, cell * 1.3)
            for pen in (QPen(QColor(0, 0, 0), 5), QPen(colour, 3)):  # a dark halo: visible on ink
                painter.setPen(pen)
                painter.drawLine(centre - QPointF(arm, 0), centre + QPointF(arm, 0))
                painter.drawLine(centre - QPointF(0, arm), centre + QPointF(0, arm))
        painter.end()
