"""A small legend for the diverging colour map: what blue, white and red mean, and the scale."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from mnist_gui.widgets.imaging import diverging_color

MARGIN = 4  # pixels around the bar and between the lines
PREFERRED_WIDTH = 260


class ColorBar(QWidget):
    """A horizontal blue-white-red bar from ``-limit`` to ``+limit`` with words under its ends.

    Its height follows its font: the bar is one line of text tall and the two lines under it
    (the scale, then what each end means) always fit, also after a zoom (presentation mode).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._limit = 255.0
        self._left, self._right = "more ink in B", "more ink in A"
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setToolTip("Colour scale of the difference image: white means both classes have the "
                        "same average ink there")

    def set_scale(self, limit: float, left: str, right: str):
        self._limit, self._left, self._right = float(limit), left, right
        self.updateGeometry()  # the words may be wider
        self.update()

    # --- size ---------------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        """Room for the bar and both lines of text (the end words are shortened with '…' if need be)."""
        scale = self.fontMetrics().horizontalAdvance(f"−{self._limit_text()}  0  +{self._limit_text()}")
        return QSize(scale + 2 * MARGIN, self._content_height())

    def sizeHint(self) -> QSize:
        """Wide enough for the end words side by side."""
        fm = self.fontMetrics()
        words = fm.horizontalAdvance(f"{self._left}   {self._right}") + 2 * MARGIN
        return QSize(max(PREFERRED_WIDTH, words, self.minimumSizeHint().width()), self._content_height())

    def changeEvent(self, event):
        """A new font (a zoom) changes the height the text needs."""
        if event.type() == QEvent.FontChange:
            self.updateGeometry()
        super().changeEvent(event)

    def _content_height(self) -> int:
        lines = self.text_rects()
        return int(lines[-1].bottom()) + MARGIN + 1

    # --- geometry and painting ----------------------------------------------------------------

    def bar_rect(self) -> QRectF:
        """Where the gradient goes: the whole width, as tall as a line of text."""
        return QRectF(MARGIN, MARGIN / 2, max(0, self.width() - 2 * MARGIN), self.fontMetrics().height())

    def text_rects(self) -> tuple[QRectF, QRectF]:
        """The two lines under the bar: the scale (−limit, 0, +limit), then the end words."""
        bar, height = self.bar_rect(), self.fontMetrics().height()
        scale = QRectF(bar.left(), bar.bottom() + MARGIN / 2, bar.width(), height)
        return scale, scale.translated(0, height)

    def end_words(self) -> tuple[str, str]:
        """The words under the ends, each shortened with '…' when both do not fit side by side."""
        fm = self.fontMetrics()
        room = self.bar_rect().width() - fm.horizontalAdvance("   ")
        if fm.horizontalAdvance(self._left) + fm.horizontalAdvance(self._right) <= room:
            return self._left, self._right
        half = int(max(0, room) / 2)
        return fm.elidedText(self._left, Qt.ElideRight, half), fm.elidedText(self._right, Qt.ElideRight, half)

    def _limit_text(self) -> str:
        return f"{self._limit:.0f}" if self._limit >= 10 else f"{self._limit:.3g}"  # weights: 0.123

    def paintEvent(self, event):
        painter = QPainter(self)
        bar = self.bar_rect()
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for i in range(11):
            gradient.setColorAt(i / 10, diverging_color(i / 5 - 1))
        painter.fillRect(bar, gradient)
        painter.setPen(self.palette().color(QPalette.Mid))
        painter.drawRect(bar)
        painter.setPen(self.palette().color(QPalette.WindowText))
        scale, words = self.text_rects()
        limit = self._limit_text()
        painter.drawText(scale, Qt.AlignLeft, f"−{limit}")
        painter.drawText(scale, Qt.AlignHCenter, "0")
        painter.drawText(scale, Qt.AlignRight, f"+{limit}")
        left, right = self.end_words()
        painter.drawText(words, Qt.AlignLeft, left)
        painter.drawText(words, Qt.AlignRight, right)
        painter.end()
