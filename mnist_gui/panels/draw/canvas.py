"""The drawing canvas: strokes with the mouse or a pen, kept as a list and rendered white on black.

What the user sees is exactly what the engine gets: white ink (255) on black (0), like MNIST.
Strokes are stored in units of the canvas side (0..1), so the canvas can be any size on any
screen and still hand the engine the same drawing; the raster is re-rendered from them when
the widget is resized.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from mnist_gui.widgets.imaging import gray_image

REFERENCE_SIDE = 280      # logical pixels at which brush widths are quoted
DEFAULT_BRUSH = 20        # at REFERENCE_SIDE: about MNIST's stroke once scaled to the 20x20 box
BRUSH_RANGE = (6, 40)
MIN_RASTER, MAX_RASTER = 280, 1024  # pixels of the image handed to the engine, whatever the widget
MIN_PRESSURE_SCALE = 0.25           # the thinnest a light pen touch makes the brush
ERASER_SCALE = 1.5                  # the eraser is wider than the brush: rubbing out is coarse


@dataclass
class Stroke:
    """One press-drag-release: ``points`` are (x, y, pressure), x and y in units of the side."""

    width: float  # fraction of the canvas side
    points: list[tuple[float, float, float]] = field(default_factory=list)
    erase: bool = False  # paints background (0) instead of ink


def ink_array(image: QImage) -> np.ndarray:
    """A (h, w) uint8 copy of a Grayscale8 QImage, skipping the padding at the end of each line."""
    h, w = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return rows.reshape(h, image.bytesPerLine())[:, :w].copy()


class DrawCanvas(QWidget):
    """A square drawing area (centred in the widget). Left button or pen draws; the right button
    erases, and so does the left one while ``set_erasing(True)``.

    ``stroke_moved`` fires as ink is added during a stroke (for live reading); ``changed`` fires
    when the drawing settles: a stroke ended, Undo, Clear, or an image was shown.
    """

    stroke_moved = Signal()
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("drawCanvas")
        self.setFocusPolicy(Qt.StrongFocus)
        self.setCursor(Qt.CrossCursor)
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAttribute(Qt.WA_TabletTracking, False)
        self.setContextMenuPolicy(Qt.PreventContextMenu)  # the right button erases
        self.setToolTip("Draw a digit with the mouse or a pen; the right button erases. "
                        "Ctrl+Z undoes the last stroke, Delete clears.")
        self._strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self._base: np.ndarray | None = None
        self._brush = DEFAULT_BRUSH
        self._erasing = False
        self._raster = self._render(self._raster_side())

    def sizeHint(self) -> QSize:
        return QSize(REFERENCE_SIDE + 40, REFERENCE_SIDE + 40)

    # --- state ------------------------------------------------------------------------------

    def brush_width(self) -> int:
        """Brush width in logical pixels of a 280-pixel canvas (it scales with the canvas)."""
        return self._brush

    def set_brush_width(self, width: int):
        self._brush = int(min(max(width, BRUSH_RANGE[0]), BRUSH_RANGE[1]))

    def is_erasing(self) -> bool:
        """True when the left button (and a pen) erases instead of drawing."""
        return self._erasing

    def set_erasing(self, erasing: bool):
        self._erasing = bool(erasing)
        self.setCursor(Qt.PointingHandCursor if self._erasing else Qt.CrossCursor)

    def is_empty(self) -> bool:
        """True when there is nothing on the canvas (no stroke and no image shown)."""
        return not self._strokes and self._current is None and self._base is None

    def stroke_count(self) -> int:
        return len(self._strokes) + (self._current is not None)

    def is_drawing(self) -> bool:
        return self._current is not None

    def ink(self) -> np.ndarray:
        """The drawing as the engine reads it: (side, side) uint8, ink 255 on background 0."""
        self._ensure_raster()
        return ink_array(self._raster)

    def render_ink(self, side: int) -> np.ndarray:
        """The same drawing rendered at ``side`` x ``side`` pixels (for saving it small)."""
        return ink_array(self._render(side))

    # --- editing ----------------------------------------------------------------------------

    def clear(self):
        """Remove every stroke and any image shown."""
        if self.is_empty():
            return
        self._strokes, self._current, self._base = [], None, None
        self._rerender()

    def undo(self):
        """Remove the last stroke (or, when only a shown image is left, that image)."""
        if self._current is not None:
            self._current = None
        elif self._strokes:
            self._strokes.pop()
        elif self._base is not None:
            self._base = None
        else:
            return
        self._rerender()

    def show_image(self, image: np.ndarray):
        """Put a dataset image (h, w) uint8 on the canvas, scaled up, replacing the drawing."""
        image = np.asarray(image)
        if image.ndim != 2 or image.size == 0:
            raise ValueError(f"show_image needs a (height, width) image, got shape {image.shape}")
        self._strokes, self._current = [], None
        self._base = np.ascontiguousarray(image, dtype=np.uint8).copy()
        self._rerender()

    def _rerender(self):
        self._raster = self._render(self._raster_side())
        self.update()
        self.changed.emit()

    # --- rendering --------------------------------------------------------------------------

    def _square(self) -> QRectF:
        """The drawing area in widget coordinates: the largest centred square, whole pixels."""
        side = float(min(self.width(), self.height()) - 2)
        return QRectF((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _raster_side(self) -> int:
        device_side = round(self._square().width() * self.devicePixelRatioF())
        return int(min(max(device_side, MIN_RASTER), MAX_RASTER))

    def _ensure_raster(self):
        if self._raster.width() != self._raster_side():
            self._raster = self._render(self._raster_side())

    def _render(self, side: int) -> QImage:
        image = QImage(side, side, QImage.Format_Grayscale8)
        image.fill(0)
        painter = QPainter(image)
        if self._base is not None:
            h, w = self._base.shape
            scale = side / max(h, w)
            target = QRectF((side - w * scale) / 2, (side - h * scale) / 2, w * scale, h * scale)
            painter.drawImage(target, gray_image(self._base))  # nearest neighbour: square pixels
        painter.setRenderHint(QPainter.Antialiasing)
        for stroke in self._strokes + ([self._current] if self._current else []):
            for i in range(len(stroke.points)):
                self._paint_segment(painter, stroke, i, side)
        painter.end()
        return image

    @staticmethod
    def _paint_segment(painter: QPainter, stroke: Stroke, i: int, side: int) -> QRectF:
        """Paint the segment ending at point ``i`` (a dot for the first); returns its bounds."""
        x, y, pressure = stroke.points[i]
        width = stroke.width * side * (MIN_PRESSURE_SCALE + (1 - MIN_PRESSURE_SCALE) * pressure)
        level = 0 if stroke.erase else 255
        painter.setPen(QPen(QColor(level, level, level), width, Qt.SolidLine, Qt.RoundCap,
                            Qt.RoundJoin))
        end = QPointF(x * side, y * side)
        if i == 0:
            painter.drawPoint(end)
            start = end
        else:
            px, py, _ = stroke.points[i - 1]
            start = QPointF(px * side, py * side)
            painter.drawLine(start, end)
        return QRectF(start, end).normalized().adjusted(-width, -width, width, width)

    def paintEvent(self, event):
        painter = QPainter(self)
        square = self._square()
        painter.setRenderHint(QPainter.SmoothPixmapTransform, True)
        painter.drawImage(square, self._raster)
        painter.setPen(QPen(self.palette().color(QPalette.Mid), 1))
        painter.drawRect(square.adjusted(-0.5, -0.5, 0.5, 0.5))
        if self.is_empty():
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(square, Qt.AlignCenter | Qt.TextWordWrap,
                             "Draw a digit here\nwith the mouse or a pen")
        painter.end()

    def resizeEvent(self, event):
        self._ensure_raster()
        super().resizeEvent(event)

    # --- input ------------------------------------------------------------------------------

    def position_of(self, x: float, y: float) -> QPoint:
        """The widget position of a point given in units of the drawing area (0..1 each way)."""
        square = self._square()
        return QPointF(square.left() + x * square.width(), square.top() + y * square.height()).toPoint()

    def _unit(self, pos: QPointF) -> tuple[float, float]:
        square = self._square()
        return ((pos.x() - square.left()) / square.width(),
                (pos.y() - square.top()) / square.height())

    def _begin(self, pos: QPointF, pressure: float, erase: bool = False):
        self._ensure_raster()
        hint_shown = self.is_empty()
        width = self._brush * (ERASER_SCALE if erase else 1) / REFERENCE_SIDE
        self._current = Stroke(width, erase=erase)
        self._extend(pos, pressure)
        if hint_shown:
            self.update()  # the whole canvas: the "Draw a digit here" hint goes away

    def _extend(self, pos: QPointF, pressure: float):
        x, y = self._unit(pos)
        self._current.points.append((x, y, float(min(max(pressure, 0.0), 1.0))))
        painter = QPainter(self._raster)
        painter.setRenderHint(QPainter.Antialiasing)
        side = self._raster.width()
        dirty = self._paint_segment(painter, self._current, len(self._current.points) - 1, side)
        painter.end()
        square, scale = self._square(), self._square().width() / side
        self.update(QRectF(square.left() + dirty.left() * scale, square.top() + dirty.top() * scale,
                           dirty.width() * scale, dirty.height() * scale).toAlignedRect()
                    .adjusted(-2, -2, 2, 2))
        self.stroke_moved.emit()

    def _end(self):
        if self._current is None:
            return
        self._strokes.append(self._current)
        self._current = None
        self.changed.emit()

    def mousePressEvent(self, event):
        if event.button() in (Qt.LeftButton, Qt.RightButton) and self._current is None:
            erase = self._erasing or event.button() == Qt.RightButton
            self._begin(event.position(), 1.0, erase)
        event.accept()

    def mouseMoveEvent(self, event):
        if self._current is not None:
            self._extend(event.position(), 1.0)
        event.accept()

    def mouseReleaseEvent(self, event):
        if event.button() in (Qt.LeftButton, Qt.RightButton):
            self._end()
        event.accept()

    def tabletEvent(self, event):
        """A pen: its pressure scales the brush. Accepted, so no mouse events are synthesised."""
        kind = event.type()
        if kind == QEvent.TabletPress and self._current is None:
            self._begin(event.position(), event.pressure(), self._erasing)
        elif kind == QEvent.TabletMove and self._current is not None:
            self._extend(event.position(), event.pressure())
        elif kind == QEvent.TabletRelease:
            self._end()
        event.accept()
