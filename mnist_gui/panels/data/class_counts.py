"""A small bar chart of how many images each class has; the filtered class stands out."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class ClassCounts(QWidget):
    """Bars of counts per class, with the count above and the class name below. Click a bar to filter."""

    class_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._counts = np.zeros(0, dtype=np.int64)
        self._names: tuple[str, ...] = ()
        self._highlight: int | None = None
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.setToolTip("How many images of each class this split holds. Click a bar to show only that class.")

    def sizeHint(self) -> QSize:
        return QSize(360, 140)

    def set_counts(self, counts: np.ndarray, names: tuple[str, ...]):
        self._counts = np.asarray(counts, dtype=np.int64).copy()
        self._names = tuple(names)
        self.update()

    def counts(self) -> np.ndarray:
        return self._counts.copy()

    def set_highlight(self, cls: int | None):
        self._highlight = cls
        self.update()

    def _bar_rect(self, i: int, text_h: float) -> QRectF:
        n = len(self._counts)
        slot = self.width() / n
        top, bottom = text_h + 4, self.height() - text_h - 4
        frac = self._counts[i] / max(1, self._counts.max())
        height = (bottom - top) * frac
        return QRectF(i * slot + slot * 0.15, bottom - height, slot * 0.7, height)

    def paintEvent(self, event):
        if not len(self._counts):
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        pal = self.palette()
        text_h = painter.fontMetrics().height()
        slot = self.width() / len(self._counts)
        short = self._names and max(len(n) for n in self._names) > 3
        for i, count in enumerate(self._counts):
            bar = self._bar_rect(i, text_h)
            on = self._highlight is None or self._highlight == i
            color = pal.color(QPalette.Highlight if on else QPalette.Mid)
            painter.fillRect(bar, color)
            painter.setPen(pal.color(QPalette.WindowText))
            above = QRectF(i * slot, bar.top() - text_h - 2, slot, text_h)
            painter.drawText(above, Qt.AlignCenter, _short_count(count))
            name = self._names[i] if i < len(self._names) else str(i)
            below = QRectF(i * slot, self.height() - text_h - 2, slot, text_h)
            painter.drawText(below, Qt.AlignCenter, str(i) if short else name)
        painter.end()

    def mousePressEvent(self, event):
        if len(self._counts):
            i = int(event.position().x() / (self.width() / len(self._counts)))
            self.class_clicked.emit(min(max(i, 0), len(self._counts) - 1))


def _short_count(count: int) -> str:
    """6131 -> '6,131'; stays short enough for a narrow bar."""
    return f"{count:,}" if count < 100_000 else f"{count / 1000:.0f}k"
