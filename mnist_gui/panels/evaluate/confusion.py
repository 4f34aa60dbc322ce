"""The confusion matrix as a clickable heatmap (counts or row percentages), and the images of the chosen cell."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QSizePolicy,
    QSplitter,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine.evaluation import cell_indices, cell_shades, row_shares, worst_confusion
from mnist_gui.panels.evaluate.open_inside import gallery_of_test_images
from mnist_gui.widgets.image_gallery import RIGHT, WRONG
from mnist_gui.widgets.wrapped_label import WrappedLabel

WHITE = QColor(255, 255, 255)


def _mix(colour: QColor, t: float) -> QColor:
    """White at t = 0, ``colour`` at t = 1."""
    t = float(min(max(t, 0.0), 1.0))
    return QColor(round(255 + (colour.red() - 255) * t), round(255 + (colour.green() - 255) * t),
                  round(255 + (colour.blue() - 255) * t))


class ConfusionMatrix(QWidget):
    """Rows are true classes, columns predicted ones; a last column gives each class's accuracy.

    Correct answers (the diagonal) are green by the share of their row; mistakes are red, the
    most frequent mistake darkest, so the few errors stand out beside thousands of right answers
    (``engine.evaluation.cell_shades``). The matrix is drawn once into a pixmap for its counts, size,
    font and palette; a repaint (a click on a cell, the window uncovered) only copies it and
    outlines the chosen cell.
    """

    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setMouseTracking(True)
        self.setMinimumSize(320, 300)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._counts = np.zeros((0, 0), dtype=np.int64)
        self._names: tuple[str, ...] = ()
        self._normalised = False
        self._selected: tuple[int, int] | None = None
        self._placeholder = ""
        self._picture: QPixmap | None = None  # the matrix drawn, all but the chosen cell's outline

    def sizeHint(self) -> QSize:
        return QSize(560, 520)

    def set_confusion(self, counts: np.ndarray, names: tuple[str, ...]):
        """``counts[true, predicted]`` (C, C) integers."""
        self._counts = np.array(counts, dtype=np.int64, copy=True)
        self._names = tuple(names)
        if self._selected and max(self._selected) >= len(self._counts):
            self._selected = None
        self._redraw()

    def confusion(self) -> np.ndarray:
        return self._counts.copy()

    def set_normalised(self, on: bool):
        self._normalised = bool(on)
        self._redraw()

    def set_placeholder(self, text: str):
        self._placeholder = text
        self.update()

    def _redraw(self):
        """The matrix changed: drawn again at the next paint."""
        self._picture = None
        self.update()

    def resizeEvent(self, event):
        self._picture = None
        super().resizeEvent(event)

    def changeEvent(self, event):
        if event.type() in (QEvent.FontChange, QEvent.PaletteChange, QEvent.StyleChange):
            self._picture = None  # zoom, theme
        super().changeEvent(event)

    def selected(self) -> tuple[int, int] | None:
        return self._selected

    def set_selected(self, cell: tuple[int, int] | None):
        self._selected = cell
        self.update()

    # --- geometry ---------------------------------------------------------------------------

    def _label(self, cls: int) -> str:
        name = self._names[cls] if cls < len(self._names) else str(cls)
        # a digit names itself (a 3-vs-7 network's row 0 is "3", not "0 3"); words get their number
        return name if name == str(cls) or name.isdigit() else f"{cls} {name}"

    def _layout(self) -> tuple[float, float, float]:
        """(left, top, cell): where the grid starts and the side of one cell."""
        fm, n = self.fontMetrics(), max(1, len(self._counts))
        labels = max((fm.horizontalAdvance(self._label(c)) for c in range(n)), default=0)
        left = min(labels, 120) + fm.height() + 14
        top = 2 * fm.height() + 8
        right = fm.horizontalAdvance("100.0 %") + 16
        cell = min((self.width() - left - right) / n, (self.height() - top - 6) / n)
        return left, top, max(cell, 8.0)

    def cell_rect(self, true: int, predicted: int) -> QRectF:
        """Where cell (true, predicted) is drawn, in widget coordinates."""
        left, top, cell = self._layout()
        return QRectF(left + predicted * cell, top + true * cell, cell, cell)

    def cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        left, top, cell = self._layout()
        n = len(self._counts)
        col, row = int((pos.x() - left) // cell), int((pos.y() - top) // cell)
        return (row, col) if 0 <= row < n and 0 <= col < n else None

    # --- painting ---------------------------------------------------------------------------

    def _values(self) -> np.ndarray:
        return row_shares(self._counts) if self._normalised else self._counts.astype(float)

    def _colours(self, values: np.ndarray) -> list[list[QColor]]:
        shades = cell_shades(self._counts, values)
        n = len(values)
        return [[_mix(RIGHT if t == p else WRONG, shades[t, p]) for p in range(n)] for t in range(n)]

    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        if not len(self._counts):
            painter.setPen(pal.color(QPalette.PlaceholderText))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.AlignCenter | Qt.TextWordWrap,
                             self._placeholder)
            return
        ratio = self.devicePixelRatioF()
        if self._picture is None or self._picture.devicePixelRatio() != ratio:
            self._picture = self._render(ratio)
        painter.drawPixmap(0, 0, self._picture)
        if self._selected is not None:
            painter.setPen(QPen(pal.color(QPalette.Highlight), 3))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(self.cell_rect(*self._selected).adjusted(1, 1, -1, -1))
        painter.end()

    def _render(self, ratio: float) -> QPixmap:
        """The headers, cells, grid and accuracies on a transparent pixmap of the widget's size."""
        picture = QPixmap(self.size() * ratio)
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.transparent)
        painter = QPainter(picture)
        self._paint_headers(painter)
        values = self._values()
        colours = self._colours(values)
        layout = self._layout()  # once: the cells' text, fonts and rectangles all follow from it
        font = self.number_font()
        fonts = (font, QFontMetricsF(font), {})  # each text's font, measured once (many cells read alike)
        for t in range(len(values)):
            for p in range(len(values)):
                self._paint_cell(painter, t, p, colours[t][p], fonts, layout)
        self._paint_grid(painter, layout)
        self._paint_accuracy(painter)
        painter.end()
        return picture

    def cell_text(self, true: int, predicted: int) -> str:
        """The number written in a cell: a count, or a share of its row."""
        count = int(self._counts[true, predicted])
        if not self._normalised or count == 0:
            return f"{count:,}"
        return _percent(count / self._counts[true].sum())

    def number_font(self, text: str = "") -> QFont:
        """The font of the numbers in the cells: a third of a cell high, or as large as the labels
        if that is larger (up to half a cell), so they grow with the matrix; narrowed until
        ``text`` fits its cell."""
        cell = self._layout()[2]
        font = QFont(self.font())
        label_px = QFontMetricsF(font).height() * 0.75  # the labels' text size, in pixels
        size = max(7.0, cell * 0.32, min(label_px, cell * 0.5))
        font.setPixelSize(round(size))
        advance = QFontMetricsF(font).horizontalAdvance(text)
        if advance > cell - 6:
            font.setPixelSize(max(7, int(size * (cell - 6) / advance)))
        return font

    def _paint_cell(self, painter, t, p, colour, fonts, layout):
        """``fonts``: (the cells' font, its metrics, the font chosen for each text so far)."""
        font, metrics, chosen = fonts
        left, top, cell = layout
        rect = QRectF(left + p * cell, top + t * cell, cell, cell)
        painter.fillRect(rect, colour)
        dark = colour.lightness() < 150
        if self._counts[t, p] == 0:
            painter.setPen(QColor(190, 190, 190))
        else:
            painter.setPen(WHITE if dark else QColor(30, 30, 30))
        text = self.cell_text(t, p)
        if text not in chosen:
            fits = metrics.horizontalAdvance(text) <= rect.width() - 6
            chosen[text] = font if fits else self.number_font(text)
        painter.setFont(chosen[text])
        painter.drawText(rect, Qt.AlignCenter, text)

    def _paint_grid(self, painter, layout):
        """The cells' outlines: a faint line along each edge, as one-pixel rectangles on whole
        pixels (a stroked rectangle per cell took 2 ms of the 8 for a hundred cells, stroked lines
        3 ms; filled rectangles take under 1)."""
        left, top, cell = layout
        n = len(self._counts)
        x0, y0, side = round(left), round(top), round(n * cell)
        faint = QColor(0, 0, 0, 30)
        for k in range(n + 1):
            painter.fillRect(round(left + k * cell), y0, 1, side, faint)
            painter.fillRect(x0, round(top + k * cell), side, 1, faint)

    def _paint_headers(self, painter):
        fm, pal = self.fontMetrics(), self.palette()
        left, top, cell = self._layout()
        n = len(self._counts)
        painter.setPen(pal.color(QPalette.WindowText))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(left, 0, n * cell, fm.height() + 2), Qt.AlignCenter,
                         "predicted class →")
        painter.drawText(QRectF(left + n * cell + 4, 0, 200, fm.height() + 2), Qt.AlignLeft,
                         "accuracy")
        painter.save()
        painter.translate(2, top + n * cell / 2)
        painter.rotate(-90)
        painter.drawText(QRectF(-n * cell / 2, 0, n * cell, fm.height() + 2), Qt.AlignCenter,
                         "← true class")
        painter.restore()
        painter.setFont(self.font())
        for c in range(n):
            painter.drawText(QRectF(left + c * cell, fm.height() + 4, cell, fm.height()),
                             Qt.AlignCenter, str(c) if len(self._label(c)) > 3 else self._label(c))
            painter.drawText(QRectF(fm.height() + 6, top + c * cell, left - fm.height() - 12, cell),
                             Qt.AlignRight | Qt.AlignVCenter,
                             fm.elidedText(self._label(c), Qt.ElideRight, 120))

    def _paint_accuracy(self, painter):
        left, top, cell = self._layout()
        n, totals = len(self._counts), self._counts.sum(axis=1)
        painter.setFont(self.font())  # the width kept for it (_layout) is in this font
        painter.setPen(self.palette().color(QPalette.WindowText))
        for c in range(n):
            rect = QRectF(left + n * cell + 4, top + c * cell, 200, cell)
            text = _percent(self._counts[c, c] / totals[c]) if totals[c] else "–"
            painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter, text)

    # --- interaction ------------------------------------------------------------------------

    def mousePressEvent(self, event):
        where = self.cell_at(event.position())
        if where is not None and event.button() == Qt.LeftButton:
            self.set_selected(where)
            self.cell_clicked.emit(*where)

    def event(self, event):
        if event.type() == QEvent.ToolTip and len(self._counts):
            where = self.cell_at(QPointF(event.pos()))
            if where is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe(*where), self)
            return True
        return super().event(event)

    def describe(self, true: int, predicted: int) -> str:
        """One sentence about a cell, for its tooltip and the caption of its images."""
        count, total = int(self._counts[true, predicted]), int(self._counts[true].sum())
        share = f" ({_percent(count / total)} of them)" if total else ""
        what = "read correctly" if true == predicted else f"read as {self._label(predicted)}"
        return f"{count:,} of the {total:,} test images of {self._label(true)} {what}{share}"


def _percent(fraction: float) -> str:
    value = 100 * fraction
    return f"{value:.1f} %" if value < 99.95 and value != 0 else f"{value:.0f} %"


class ConfusionView(QWidget):
    """The matrix with a counts / row-percentages switch, and the images of the clicked cell."""

    def __init__(self, focus=None, parent: QWidget | None = None):
        super().__init__(parent)
        self._evaluation = self._images = None
        self._cells: list | None = None  # every cell's images, ranked (engine.evaluation.cell_orders)
        self._names: tuple[str, ...] = ()
        self.matrix = ConfusionMatrix()
        self.normalised = QCheckBox("Row percentages", objectName="normaliseConfusion")
        self.normalised.setToolTip("Show each cell as a share of its true class (its row) "
                                   "instead of a count of images")
        self.normalised.toggled.connect(self.matrix.set_normalised)
        self.cell_caption = WrappedLabel(objectName="confusionCellCaption")
        self.cell_images = gallery_of_test_images(self, "confusionCellImages", focus, "cellOpenInInside")
        self.matrix.cell_clicked.connect(self.show_cell)
        self._build()

    def _build(self):
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(WrappedLabel("Rows: the true class. Columns: the network's answer. "
                                   "Click a cell to see its images."), 1)
        bar.addWidget(self.normalised)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.matrix, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.cell_caption)
        right_layout.addWidget(self.cell_images, 1)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def clear(self, message: str):
        self._evaluation = None
        self.matrix.set_confusion(np.zeros((0, 0), dtype=np.int64), ())
        self.matrix.set_placeholder(message)
        self.cell_caption.setText("")
        self.cell_images.clear()

    def set_evaluation(self, evaluation, images: np.ndarray, names: tuple[str, ...], places=None,
                       cells: list | None = None):
        """Show ``evaluation``'s confusion matrix; keep the chosen cell, or pick the worst mistake.
        ``cells``: its ``cell_orders``, if the job made them (else a cell's images are found here)."""
        # places: where the images are in the whole test set and what the classes are (a network of
        # some classes: engine.classes.places), for what the gallery sends on
        if self.image_sender is not None:
            self.image_sender.set_places(places)
        self._evaluation, self._images, self._names = evaluation, images, tuple(names)
        self._cells = cells
        self.matrix.set_confusion(evaluation.confusion, self._names)
        cell = self.matrix.selected() or worst_confusion(evaluation.confusion)
        self.show_cell(*cell)

    def show_cell(self, true: int, predicted: int):
        """Select a cell and show its images: the test images of ``true`` called ``predicted``."""
        ev = self._evaluation
        if ev is None:
            return
        self.matrix.set_selected((true, predicted))
        # a mistake cell: the most confident first
        indices = cell_indices(ev, true, predicted) if self._cells is None else self._cells[true][predicted]
        self.cell_images.set_items(self._images, indices, ev.true[indices],
                                   ev.top_classes[indices], ev.top_probs[indices], self._names)
        self.cell_images.set_placeholder("No test image in this cell.")
        self.cell_caption.setText(f"<b>{self.matrix.describe(true, predicted)}</b>")

    def cell_indices(self) -> np.ndarray:
        """Test-split indices of the images shown for the chosen cell."""
        return self.cell_images.indices()
