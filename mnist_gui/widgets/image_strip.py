"""A row (or grid) of small images with a caption under each, painted in one widget; click to pick one."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GAP = 8  # logical pixels between cells
FRAME = 3  # room kept above the first row for a selected tile's frame (3 px wide, 2 px out)


class ImageStrip(QWidget):
    """Images in one row of ``columns``, or two rows of half as many if that makes them larger.

    Images are scaled with nearest-neighbour, centred in the widget, each with a caption.
    """

    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, columns: int = 10, max_cell: int = 140):
        super().__init__(parent)
        self._items: list[tuple[QImage, str, str]] = []
        self._columns = columns
        self._max_cell = max_cell
        self._min_cell = 28
        self._selected = -1
        self._placeholder = ""
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)

    def minimumSizeHint(self) -> QSize:
        cols = math.ceil(self._columns / 2)
        return QSize(cols * (self._min_cell + GAP), self._min_cell + self._text_h())

    def sizeHint(self) -> QSize:
        return QSize(self._columns * 56, 56 + self._text_h())

    def set_items(self, items: list[tuple[QImage, str, str]]):
        """``items``: (image, caption, tooltip) per cell."""
        self._items = list(items)
        self.update()

    def captions(self) -> list[str]:
        return [caption for _, caption, _ in self._items]

    def set_selected(self, i: int):
        self._selected = i
        self.update()

    def set_placeholder(self, text: str):
        self._placeholder = text
        self.update()

    # --- geometry ---------------------------------------------------------------------------

    def _text_h(self) -> int:
        return self.fontMetrics().height() + 6

    def _frame_room(self) -> int:
        """Pixels kept above the first row: a selected tile's frame was cut off there when the
        strip was short of height."""
        return FRAME if self._selected >= 0 else 0

    def _cell_for(self, cols: int, rows: int) -> float:
        by_width = self.width() / cols - GAP
        by_height = (self.height() - self._frame_room()) / rows - self._text_h() - GAP / 2
        return max(8.0, min(by_width, by_height, self._max_cell))

    def _grid(self) -> tuple[int, int, float]:
        """(columns, rows, cell size): one row, or two if the cells come out larger."""
        n = max(1, len(self._items))
        options = []
        for cols in sorted({min(n, self._columns), math.ceil(min(n, self._columns) / 2)}, reverse=True):
            rows = math.ceil(n / cols)
            options.append((self._cell_for(cols, rows) - 4 * (rows - 1), cols, rows))
        _cell, cols, rows = max(options)
        return cols, rows, math.floor(self._cell_for(cols, rows))

    def _rect(self, i: int, grid=None) -> QRectF:
        cols, rows, cell = grid or self._grid()
        slot_w = self.width() / cols
        slot_h = cell + self._text_h() + GAP / 2
        y0 = (self.height() + self._frame_room() - rows * slot_h) / 2
        row, col = divmod(i, cols)
        in_row = min(cols, len(self._items) - row * cols)
        x0 = (self.width() - in_row * slot_w) / 2
        x = x0 + col * slot_w + (slot_w - cell) / 2
        return QRectF(math.floor(x), math.floor(y0 + row * slot_h), cell, cell)

    # --- painting and mouse -----------------------------------------------------------------

    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        if not self._items:
            painter.setPen(pal.color(QPalette.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self._placeholder)
            return
        painter.setRenderHint(QPainter.SmoothPixmapTransform, False)
        grid = self._grid()
        slot_w = self.width() / grid[0] - 2
        painter.setFont(self._caption_font(slot_w))
        for i, (image, caption, _) in enumerate(self._items):
            rect = self._rect(i, grid)
            painter.drawImage(rect, image)
            if i == self._selected:
                painter.setPen(QPen(pal.color(QPalette.Highlight), 3))
                painter.drawRect(rect.adjusted(-2, -2, 2, 2))
            painter.setPen(pal.color(QPalette.WindowText))
            below = QRectF(rect.center().x() - slot_w / 2, rect.bottom() + 2, slot_w, self._text_h())
            text = painter.fontMetrics().elidedText(caption, Qt.ElideRight, int(slot_w))
            painter.drawText(below, Qt.AlignHCenter | Qt.AlignTop, text)
        painter.end()

    def _caption_font(self, slot_w: float) -> QFont:
        """The widget's font, made smaller (down to 7 px) if the longest caption would not fit."""
        font = QFont(self.font())
        longest = max((self.fontMetrics().horizontalAdvance(c) for c in self.captions()), default=0)
        if longest > slot_w > 0:
            size = font.pixelSize() if font.pixelSize() > 0 else font.pointSizeF() * self.logicalDpiY() / 72
            font.setPixelSize(max(7, int(size * slot_w / longest)))
        return font

    def index_at(self, pos) -> int:
        grid = self._grid()
        for i in range(len(self._items)):
            if self._rect(i, grid).adjusted(-4, -4, 4, 4).contains(pos):
                return i
        return -1

    def mouseMoveEvent(self, event):
        i = self.index_at(event.position())
        self.setToolTip(self._items[i][2] if i >= 0 else "")
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event):
        i = self.index_at(event.position())
        if i >= 0:
            self.clicked.emit(i)
