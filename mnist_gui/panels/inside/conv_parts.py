"""The pieces of the convolution pages: an image with the sliding window outlined, and a small array as
coloured cells with their numbers."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mnist_gui.widgets.image_tile import ImageTile
from mnist_gui.widgets.imaging import diverging_rgb

WINDOW_COLOUR = QColor(255, 196, 0)


class WindowTile(ImageTile):
    """An image with a square outlined on it: the window (row, col, size), in pixels of the image.

    The image is as large as the tile's width and height allow (square pixels), at the top: the tile
    takes the room its page has, so a large screen shows a large digit and a projector still fits."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(90, 90)
        self._window: tuple[int, int, int] | None = None

    def sizeHint(self) -> QSize:
        return QSize(260, 260)

    def set_window(self, image: QImage | None, window: tuple[int, int, int] | None) -> None:
        self._window = window
        self.set_image(image)

    def window(self) -> tuple[int, int, int] | None:
        return self._window

    def _target(self) -> QRectF:
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, 0, w * scale, h * scale)

    def paintEvent(self, event):
        if self._image is None or self._image.isNull():
            return
        painter = QPainter(self)
        target = self._target()
        painter.drawImage(target, self._image)
        painter.setPen(QPen(self.palette().color(QPalette.Mid), 1))
        painter.drawRect(target)
        if self._window is not None:
            cell = target.width() / self._image.width()
            row, col, size = self._window
            rect = QRectF(target.left() + col * cell, target.top() + row * cell, size * cell, size * cell)
            for pen in (QPen(QColor(0, 0, 0), 4), QPen(WINDOW_COLOUR, 2)):  # a dark halo: visible on ink
                painter.setPen(pen)
                painter.drawRect(rect)
        painter.end()


class NumberGrid(QWidget):
    """A small (k, k) array as coloured cells with their numbers, under a title.

    ``set_values(values, kind, limit)``: "signed" (blue negative, white 0, red positive, to ±limit) or
    "gray" (black to white over ``limit`` = (low, high), like the image). Small numbers share a factor
    written in the title ("×10⁻³") so every cell stays readable. Given more room than its numbers
    need, the cells grow (up to ``GROW`` times, the numbers with them), centred.
    """

    GROW = 1.8

    def __init__(self, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._title = title
        self._values: np.ndarray | None = None
        self._colours: np.ndarray | None = None
        self._texts: list[str] = []
        self._factor = ""
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    def set_title(self, title: str) -> None:
        self._title = title
        self.update()

    def title(self) -> str:
        return self._title + self._factor

    def texts(self) -> list[str]:
        """The numbers shown, row by row (as written in the cells)."""
        return list(self._texts)

    def set_values(self, values: np.ndarray | None, kind: str = "signed", limit=None) -> None:
        self._values = None if values is None else np.asarray(values, dtype=np.float64)
        if self._values is None:
            self._texts, self._factor, self._colours = [], "", None
        else:
            v = self._values
            if kind == "gray":
                low, high = limit
                t = np.clip((v - low) / max(high - low, 1e-12), 0, 1)
                self._colours = np.repeat(np.rint(t * 255)[..., None], 3, axis=-1).astype(np.uint8)
            else:
                peak = float(np.max(np.abs(v))) if limit is None else float(limit)
                self._colours = diverging_rgb(v, peak if peak > 0 else 1.0)
            self._texts, self._factor = _cell_texts(v)
        self.updateGeometry()
        self.update()

    def _cell(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance("−0.00") + 6, metrics.height() + 4)

    def _title_height(self) -> int:
        return self.fontMetrics().height() + 4

    def sizeHint(self) -> QSize:
        k = 5 if self._values is None else self._values.shape[0]
        cell = self._cell()
        width = max(k * cell.width(), self.fontMetrics().horizontalAdvance(self.title()) + 4)
        return QSize(width + 2, k * cell.height() + self._title_height() + 2)

    def minimumSizeHint(self) -> QSize:
        """Down to 55 % of the cells' size: the numbers are then drawn smaller (the title elided)."""
        k = 5 if self._values is None else self._values.shape[0]
        cell = self._cell()
        return QSize(k * cell.width() + 2, k * cell.height() + 2) * 0.55 + QSize(0, self._title_height())

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self.updateGeometry()

    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        painter.setPen(pal.color(QPalette.WindowText))
        cells = self.cells_rect()
        title = self.fontMetrics().elidedText(self.title(), Qt.ElideRight, self.width())
        left = cells.left() if self.fontMetrics().horizontalAdvance(title) <= self.width() - cells.left() else 0
        painter.drawText(QRectF(left, 0, self.width() - left, self._title_height()), Qt.AlignLeft | Qt.AlignVCenter,
                         title)
        if self._values is None or self._colours is None:
            painter.end()
            return
        k_cols = self._values.shape[1]
        fit, cell, _ = self._geometry()
        if fit != 1:  # smaller or larger numbers in smaller or larger cells
            font = QFont(self.font())
            font.setPointSizeF(max(5.0, font.pointSizeF() * fit))
            painter.setFont(font)
        for n, text in enumerate(self._texts):
            r, c = divmod(n, k_cols)
            rect = QRectF(cells.left() + c * cell.width(), cells.top() + r * cell.height(), cell.width(), cell.height())
            red, green, blue = (int(x) for x in self._colours[r, c])
            painter.fillRect(rect, QColor(red, green, blue))
            light = 0.299 * red + 0.587 * green + 0.114 * blue > 140
            painter.setPen(QColor(0, 0, 0) if light else QColor(255, 255, 255))
            painter.drawText(rect, Qt.AlignCenter, text)
        painter.setPen(QPen(pal.color(QPalette.Mid), 1))
        painter.drawRect(cells)
        painter.end()

    def _geometry(self) -> tuple[float, QSize, int]:
        """(scale, cell size, left edge) of the cells: their full size times what the widget allows,
        at most ``GROW``, centred across the width."""
        k_rows, k_cols = self._values.shape
        full, top = self._cell(), self._title_height()
        fit = min(self.GROW, (self.width() - 2) / (k_cols * full.width()),
                  (self.height() - top - 2) / (k_rows * full.height()))
        cell = QSize(int(full.width() * fit), int(full.height() * fit))
        return fit, cell, max(1, (self.width() - k_cols * cell.width()) // 2)

    def cells_rect(self) -> QRectF:
        """Where the cells are drawn (empty without values)."""
        if self._values is None:
            return QRectF()
        k_rows, k_cols = self._values.shape
        _, cell, left = self._geometry()
        return QRectF(left, self._title_height(), k_cols * cell.width(), k_rows * cell.height())


def _cell_texts(values: np.ndarray) -> tuple[list[str], str]:
    """Each value with two decimals; values all below 0.1 as multiples of a shared 10^-m (the factor
    returned for the title, "" if none)."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    power = 0 if peak >= 0.1 or peak == 0 else -math.floor(math.log10(peak))
    scaled = values * 10.0 ** power
    texts = [f"{x:.2f}".replace("-", "−") if abs(x) >= 0.005 else "0" for x in scaled.reshape(-1)]
    return texts, (f" (×10⁻{_superscript(power)})" if power else "")


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
