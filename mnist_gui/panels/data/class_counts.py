"""A small bar chart of how many images each class has; the filtered class stands out."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

LABEL_GAP = 6  # pixels at least between two count labels
MAX_LABEL_ROWS = 3  # beyond that a label that would touch another is left out
MIN_BAR_HEIGHT = 40  # pixels of bar the chart keeps under its labels


class ClassCounts(QWidget):
    """Bars of counts per class, with the count above and the class name below. Click a bar to filter.

    The counts never run into each other: '5,958' where the bars are wide enough, '6.0k' where
    they are not, and the short labels on alternating rows on a narrow chart (presentation
    mode on a small screen). ``count_labels`` says where each one goes.
    """

    class_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._counts = np.zeros(0, dtype=np.int64)
        self._names: tuple[str, ...] = ()
        self._highlight: int | None = None
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.setToolTip("How many images of each class this split holds. Click a bar to show only that class.")

    def minimumSizeHint(self) -> QSize:
        """Rows of counts, the names and some bar, in the widget's font (it grows with a zoom)."""
        return QSize(120, (MAX_LABEL_ROWS + 1) * self.fontMetrics().height() + MIN_BAR_HEIGHT)

    def sizeHint(self) -> QSize:
        return QSize(360, max(140, self.minimumSizeHint().height() + 30))

    def changeEvent(self, event):
        """A new font (a zoom) needs more room for the labels."""
        if event.type() == QEvent.FontChange:
            self.updateGeometry()
        super().changeEvent(event)

    def set_counts(self, counts: np.ndarray, names: tuple[str, ...]):
        self._counts = np.asarray(counts, dtype=np.int64).copy()
        self._names = tuple(names)
        self.update()

    def counts(self) -> np.ndarray:
        return self._counts.copy()

    def set_highlight(self, cls: int | None):
        self._highlight = cls
        self.update()

    def _slot(self) -> float:
        return self.width() / len(self._counts)

    def _label_texts(self) -> tuple[list[str], int]:
        """The count labels and on how many rows they go: full numbers if each fits over its bar,
        else thousands ('6.0k'), on one row if they fit, else on two or three alternating rows."""
        fm, slot = self.fontMetrics(), self._slot()
        for texts in ([f"{c:,}" for c in self._counts], [_short_count(c) for c in self._counts]):
            widest = max(fm.horizontalAdvance(t) for t in texts) + LABEL_GAP
            if widest <= slot:
                return texts, 1
        return texts, min(MAX_LABEL_ROWS, math.ceil(widest / slot))

    def _bar_rect(self, i: int, rows: int) -> QRectF:
        text_h = self.fontMetrics().height()
        slot = self._slot()
        top, bottom = rows * text_h + 4, self.height() - text_h - 4
        frac = self._counts[i] / max(1, self._counts.max())
        height = max(0.0, bottom - top) * frac
        return QRectF(i * slot + slot * 0.15, bottom - height, slot * 0.7, height)

    def count_labels(self) -> list[tuple[QRectF, str]]:
        """(rectangle, text) of each count shown over its bar; a label that would still touch
        another (a very narrow chart) is left out rather than drawn over it."""
        if not len(self._counts):
            return []
        fm, slot = self.fontMetrics(), self._slot()
        texts, rows = self._label_texts()
        text_h = fm.height()
        shown: list[tuple[QRectF, str]] = []
        for i, text in enumerate(texts):
            width = fm.horizontalAdvance(text)
            left = min(max(0.0, (i + 0.5) * slot - width / 2), self.width() - width)
            # one row: right over its bar; more: bands over all the bars, the first one lowest,
            # so that the labels of neighbours alternate
            top = (self._bar_rect(i, rows).top() - text_h - 2 if rows == 1
                   else 2 + (rows - 1 - i % rows) * text_h)
            rect = QRectF(left, top, width, text_h)
            if not any(rect.adjusted(-LABEL_GAP / 2, 0, LABEL_GAP / 2, 0).intersects(other)
                       for other, _ in shown):
                shown.append((rect, text))
        return shown

    def paintEvent(self, event):
        if not len(self._counts):
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        pal = self.palette()
        text_h = painter.fontMetrics().height()
        slot = self._slot()
        rows = self._label_texts()[1]
        short = self._names and max(len(n) for n in self._names) > 3
        for i in range(len(self._counts)):
            on = self._highlight is None or self._highlight == i
            painter.fillRect(self._bar_rect(i, rows), pal.color(QPalette.Highlight if on else QPalette.Mid))
        painter.setPen(pal.color(QPalette.WindowText))
        for rect, text in self.count_labels():
            painter.drawText(rect, Qt.AlignCenter, text)
        for i in range(len(self._counts)):
            name = self._names[i] if i < len(self._names) else str(i)
            below = QRectF(i * slot, self.height() - text_h - 2, slot, text_h)
            painter.drawText(below, Qt.AlignCenter, str(i) if short else name)
        painter.end()

    def _class_at(self, x: float) -> int:
        return min(max(int(x / self._slot()), 0), len(self._counts) - 1)

    def event(self, event):
        """The tooltip over a bar gives its exact count (the label may say '6.0k', or be left out)."""
        if event.type() == QEvent.ToolTip and len(self._counts):
            i = self._class_at(event.pos().x())
            name = self._names[i] if i < len(self._names) else str(i)
            QToolTip.showText(event.globalPos(), f"<b>{name}</b>: {self._counts[i]:,} images<br>"
                                                 f"{self.toolTip()}", self)
            return True
        return super().event(event)

    def mousePressEvent(self, event):
        if len(self._counts):
            self.class_clicked.emit(self._class_at(event.position().x()))


def _short_count(count: int) -> str:
    """6131 -> '6.1k', 123456 -> '123k', 950 -> '950': short enough for a narrow bar."""
    if count < 1000:
        return str(count)
    return f"{count / 1000:.1f}k" if count < 10_000 else f"{count / 1000:.0f}k"
