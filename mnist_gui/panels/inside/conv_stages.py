"""The step's convolution stages for a CNN: one filter sliding over the digit, forward and backward.

``FilterSlide`` (in ``filter_slide``) holds which convolution, filter, input map and window position
the pages show. ``ConvForwardPage`` shows the window on the input, the multiply-and-add with its
numbers and the feature map filling in; ``FeatureMapsPage`` every map of the
image; ``ConvBackwardPage`` where the filter's dL/dW comes from (the windows weighted by the map's
error, summed, against backprop's own). Every number is an engine ``FilterTrace``'s, only formatted here.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.filter_trace import FilterTrace
from mnist_gui.panels.inside.filter_slide import FilterSlide, SlideControls
from mnist_gui.panels.inside.parts import SquareTile
from mnist_gui.panels.inside.step_stages import StagePage, mono
from mnist_gui.widgets.feature_maps import FeatureMapStrip
from mnist_gui.widgets.imaging import diverging_rgb, heat_rgb, rgb_image
from mnist_gui.widgets.number_text import signed
from mnist_gui.widgets.wrapped_label import WrappedLabel

WINDOW_COLOUR = QColor(255, 196, 0)
NOT_YET = (150, 150, 150)  # a map cell the window has not reached yet
NO_CONV = ("This network has no convolution, so there is no filter to slide: choose the 'lenet' or "
           "'cnn' preset on the Network and training panel to see one.")


class WindowTile(SquareTile):
    """An image with a square outlined on it: the window (row, col, size), in pixels of the image."""

    def __init__(self, parent: QWidget | None = None, largest: int = 260):
        super().__init__(parent, largest)
        self.setMinimumSize(90, 90)
        self._window: tuple[int, int, int] | None = None

    def set_window(self, image: QImage | None, window: tuple[int, int, int] | None) -> None:
        self._window = window
        self.set_image(image)

    def window(self) -> tuple[int, int, int] | None:
        return self._window

    def paintEvent(self, event):
        super().paintEvent(event)
        if self._image is None or self._window is None:
            return
        target = self._target()
        cell = target.width() / self._image.width()
        row, col, size = self._window
        rect = QRectF(target.left() + col * cell, target.top() + row * cell, size * cell, size * cell)
        painter = QPainter(self)
        for pen in (QPen(QColor(0, 0, 0), 4), QPen(WINDOW_COLOUR, 2)):  # a dark halo: visible on ink
            painter.setPen(pen)
            painter.drawRect(rect)
        painter.end()


class NumberGrid(QWidget):
    """A small (k, k) array as coloured cells with their numbers, under a title.

    ``set_values(values, kind, limit)``: "signed" (blue negative, white 0, red positive, to ±limit) or
    "gray" (black to white over ``limit`` = (low, high), like the image). Small numbers share a factor
    written in the title ("×10⁻³") so every cell stays readable.
    """

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
        title = self.fontMetrics().elidedText(self.title(), Qt.ElideRight, self.width())
        painter.drawText(QRectF(0, 0, self.width(), self._title_height()), Qt.AlignLeft | Qt.AlignVCenter, title)
        if self._values is None or self._colours is None:
            painter.end()
            return
        k_rows, k_cols = self._values.shape
        full, top = self._cell(), self._title_height()
        fit = min(1.0, (self.width() - 2) / (k_cols * full.width()),
                  (self.height() - top - 2) / (k_rows * full.height()))
        cell = QSize(int(full.width() * fit), int(full.height() * fit))
        if fit < 1:  # squeezed: smaller numbers in smaller cells
            font = QFont(self.font())
            font.setPointSizeF(max(5.0, font.pointSizeF() * fit))
            painter.setFont(font)
        for r in range(k_rows):
            for c in range(k_cols):
                rect = QRectF(1 + c * cell.width(), top + r * cell.height(), cell.width(), cell.height())
                red, green, blue = (int(x) for x in self._colours[r, c])
                painter.fillRect(rect, QColor(red, green, blue))
                light = 0.299 * red + 0.587 * green + 0.114 * blue > 140
                painter.setPen(QColor(0, 0, 0) if light else QColor(255, 255, 255))
                painter.drawText(rect, Qt.AlignCenter, self._texts[r * k_cols + c])
        painter.setPen(QPen(pal.color(QPalette.Mid), 1))
        painter.drawRect(QRectF(1, top, k_cols * cell.width(), k_rows * cell.height()))
        painter.end()


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


def input_image(trace: FilterTrace) -> QImage:
    """The padded input x, black at its smallest value and white at its largest."""
    x = trace.image
    low, high = float(x.min()), float(x.max())
    t = np.clip((x - low) / max(high - low, 1e-12), 0, 1)
    return rgb_image(np.repeat(np.rint(t * 255)[..., None], 3, axis=-1).astype(np.uint8))


def map_image(values: np.ndarray, whole: np.ndarray) -> QImage:
    """A feature map in the colours of the whole map ``whole``; NaN cells (not reached yet) grey."""
    if np.nanmin(whole) < 0:
        rgb = diverging_rgb(np.nan_to_num(values), float(np.max(np.abs(whole))))
    else:
        rgb = heat_rgb(np.nan_to_num(values), float(np.max(whole)))
    rgb[np.isnan(values)] = NOT_YET
    return rgb_image(rgb)


class _SlidePage(StagePage):
    """A page that follows a ``FilterSlide`` (given by the step view with ``set_slide``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slide: FilterSlide | None = None
        self.controls: SlideControls | None = None
        self.problem = WrappedLabel(NO_CONV, objectName="convProblem")
        self.body = QWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.problem)
        layout.addWidget(self.body, 1)
        self.problem.hide()

    def set_slide(self, slide: FilterSlide) -> None:
        self.slide = slide
        self.controls = SlideControls(slide)
        self.layout().insertWidget(0, self.controls)
        slide.changed.connect(self._on_slide_changed)
        self._on_slide_changed()

    def show_trace(self, trace) -> None:  # the step's own trace: these pages draw the slide's
        pass

    def hideEvent(self, event):
        if self.slide is not None:
            self.slide.stop()  # no window slides off screen
        super().hideEvent(event)

    def _on_slide_changed(self) -> None:
        trace = None if self.slide is None else self.slide.trace
        self.problem.setVisible(trace is None)
        self.body.setVisible(trace is not None)
        if self.controls is not None:
            self.controls.setVisible(trace is not None)
        if trace is not None:
            self.draw(trace, self.slide.position)

    def draw(self, trace: FilterTrace, n: int) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError


def _row(*widgets) -> QHBoxLayout:
    """Number grids and the operators between them, in one row that squeezes the grids first."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget, 1 if isinstance(widget, NumberGrid) else 0)
    row.addStretch(0)
    return row


def _operator(text: str) -> QLabel:
    label = QLabel(text, alignment=Qt.AlignCenter)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    label.setFont(font)
    return label


def _window_tile(name: str, tip: str) -> WindowTile:
    tile = WindowTile()
    tile.setObjectName(name)
    tile.setToolTip(tip)
    return tile


def _grid(title: str, name: str) -> NumberGrid:
    grid = NumberGrid(title)
    grid.setObjectName(name)
    return grid


def _lay_out(body: QWidget, tiles, columns, grids, formula: QWidget) -> list[QLabel]:
    """A sliding page: captioned tiles and beside them ``columns`` of widgets (the number grids
    stretching), then a row of number ``grids`` (if any), then the formula. Returns the tiles'
    caption labels. One row of tiles and columns keeps a page within a 720-pixel screen at zoom 1.6."""
    row, captions = QHBoxLayout(), []
    for caption, tile in tiles:
        box = QVBoxLayout()
        captions.append(QLabel(caption, alignment=Qt.AlignCenter, wordWrap=True))  # narrow: two lines
        box.addWidget(captions[-1])
        box.addWidget(tile)
        box.addStretch(1)  # the caption stays on its tile when the page is taller than the tiles
        row.addLayout(box, 3)  # the pictures take the room the numbers do not need
    for widgets in columns:
        column = QVBoxLayout()
        for widget in widgets:
            column.addWidget(widget, 1 if isinstance(widget, NumberGrid) else 0)
        row.addLayout(column, 2)
    layout = QVBoxLayout(body)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(row, 1)
    if grids:
        layout.addLayout(_row(*grids))
    layout.addWidget(formula)
    return captions


def _input_caption(trace: FilterTrace) -> str:
    """"input x", or for a later convolution which of the maps below it the tile shows."""
    if trace.n_channels == 1:
        return "input x"
    return f"{trace.input_name.split(' (')[0]} map {trace.channel + 1}/{trace.n_channels}"


def _of_map(trace: FilterTrace) -> str:
    return f", map {trace.channel + 1}" if trace.n_channels > 1 else ""


class ConvForwardPage(_SlidePage):
    TITLE = "Forward: one filter slides over the digit"
    NOTE = ("Each pixel of the window times its weight, added up, plus the bias, gives z; a = f(z) is one "
            "pixel of the feature map. Slid over every position, the filter fills its map in.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.input_tile = _window_tile("convInput", "The input x as the network computes it (padded with "
                                       "zeros), the window outlined")
        self.map_tile = _window_tile("convMap", "The filter's feature map a = f(z), filled in up to the "
                                     "window's position (grey: not reached yet)")
        self.weights = _grid("the filter w", "convWeights")
        self.patch = _grid("the window x", "convPatch")
        self.products = _grid("w · x", "convProducts")
        self.formula = mono(WrappedLabel(objectName="convFormula"), 1.15)
        self.input_caption, _ = _lay_out(
            self.body, (("input x", self.input_tile), ("feature map a", self.map_tile)), (),
            (self.weights, _operator("×"), self.patch, _operator("="), self.products), self.formula)

    def draw(self, trace: FilterTrace, n: int) -> None:
        i, j = trace.position(n)
        k, s = trace.kernel, trace.stride
        self.input_caption.setText(_input_caption(trace))
        self.input_tile.set_window(input_image(trace), (s * i, s * j, k))
        self.map_tile.set_window(map_image(trace.map_so_far(n + 1), trace.a), (i, j, 1))
        self.weights.set_title(f"the filter w{_of_map(trace)}")
        self.weights.set_values(trace.weights)
        image_range = (float(trace.image.min()), float(trace.image.max()))
        self.patch.set_values(trace.window(i, j), "gray", image_range)
        self.products.set_values(trace.products(i, j))
        self.formula.setText(_forward_formula(trace, i, j))


def _forward_formula(trace: FilterTrace, i: int, j: int) -> str:
    """z = Σ w·x + b and a = f(z); for a later convolution, one Σ w·x per input map (this one's bold)."""
    last = f"a[{i}, {j}] = {trace.activation}(z) = {signed(trace.a[i, j])}"
    z, b = signed(trace.z[i, j]), signed(trace.bias)
    if trace.n_channels == 1:
        return f"z[{i}, {j}] = Σ w·x + b = {signed(trace.weighted_sum(i, j))} + ({b}) = {z}<br>{last}"
    sums = [signed(float(x), 2) for x in trace.channel_sums(i, j)]
    sums[trace.channel] = f"<b>{sums[trace.channel]}</b>"
    return f"z[{i}, {j}] = Σ over {trace.n_channels} maps + b = {' '.join(sums)} + ({b}) = {z}<br>{last}"


class FeatureMapsPage(StagePage):
    TITLE = "Forward: every feature map"
    NOTE = ("Every filter of every convolution does the same, each filling its own map; pooling keeps the "
            "largest value of each 2×2 patch. The next convolution's filters look at all the maps below "
            "at once. Each map is scaled to its own peak (dark 0, bright its largest value).")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.maps = FeatureMapStrip(columns=4, max_cell=260)
        self.maps.setObjectName("stepFeatureMaps")
        self.maps.setToolTip("The feature maps of this image after each convolution and pooling layer")
        self.maps.set_placeholder(NO_CONV)
        layout = QVBoxLayout(self)
        layout.addWidget(self.maps, 1)

    def show_trace(self, trace) -> None:
        pass  # the maps come with the step's result (``set_maps``)

    def set_maps(self, named_maps) -> None:
        self.maps.set_maps(named_maps)
        if not named_maps:
            self.maps.set_placeholder(NO_CONV)


class ConvBackwardPage(_SlidePage):
    TITLE = "Backward: a filter's dL/dW"
    NOTE = ("δ = dL/dz: what the loss wants of each pixel of the map (red: lower, blue: higher). The filter's "
            "gradient is every window weighted by its δ, added up: dL/dW = Σ δ[i, j] · window(i, j).")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.delta_tile = _window_tile("convDelta", "δ = dL/dz of this filter's map, the position outlined")
        self.input_tile = _window_tile("convBackInput", "The input x, the window of the position outlined")
        self.patch = _grid("the window x", "convBackPatch")
        self.contribution = _grid("δ · x", "convContribution")
        self.so_far = _grid("Σ so far", "convGradientSoFar")
        self.backprop = _grid("backprop's dL/dW", "convBackprop")
        self.scale = _operator("× δ")
        self.formula = mono(WrappedLabel(objectName="convBackFormula"), 1.15)
        _, self.input_caption = _lay_out(
            self.body, (("error δ = dL/dz", self.delta_tile), ("input x", self.input_tile)),
            ((self.patch, self.scale, self.contribution), (self.so_far, _operator("vs"), self.backprop)), (),
            self.formula)

    def draw(self, trace: FilterTrace, n: int) -> None:
        i, j = trace.position(n)
        k, s = trace.kernel, trace.stride
        self.input_caption.setText(_input_caption(trace))
        self.delta_tile.set_window(map_image(trace.delta, trace.delta), (i, j, 1))
        self.input_tile.set_window(input_image(trace), (s * i, s * j, k))
        self.patch.set_values(trace.window(i, j), "gray", (float(trace.image.min()), float(trace.image.max())))
        self.scale.setText(f"× δ = {signed(trace.delta[i, j], 3)}")
        limit = float(np.max(np.abs(trace.backprop_gradient)))
        self.contribution.set_values(trace.contribution(i, j))
        self.so_far.set_title(f"Σ of {n + 1} of {trace.n_positions}")
        self.so_far.set_values(trace.gradient_so_far(n + 1), limit=limit)
        self.backprop.set_title(f"backprop's dL/dW{_of_map(trace)}")
        self.backprop.set_values(trace.backprop_gradient, limit=limit)
        u, v = trace.largest_gradient
        done = n + 1 == trace.n_positions
        self.formula.setText(  # short lines: three of them at zoom 1.6 on a 1280x720 screen
            f"dL/dw[{_index(trace)}{u},{v}]: {signed(float(trace.gradient_so_far(n + 1)[u, v]))}"
            f"{'' if done else ' so far'}, backprop {signed(float(trace.backprop_gradient[u, v]))}<br>"
            f"all {trace.n_positions}: Σ δ·x = dL/dW to {trace.gradient_mismatch:.0e}<br>"
            f"dL/db = Σ δ = {signed(trace.bias_gradient, 6)}, backprop {signed(trace.backprop_bias_gradient, 6)}")


def _index(trace: FilterTrace) -> str:
    """The input map's index in a weight's name, for a later convolution ("3," in w[3,u,v])."""
    return f"{trace.channel}," if trace.n_channels > 1 else ""
