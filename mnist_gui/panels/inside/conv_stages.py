"""The step's convolution stages for a CNN: one filter sliding over the digit, forward and backward.

``FilterSlide`` holds which filter of the first convolution and which window position the pages show,
and the Play timer that moves the window. ``ConvForwardPage`` shows the window on the input, the
multiply-and-add with its numbers and the feature map filling in; ``FeatureMapsPage`` every map of the
image; ``ConvBackwardPage`` where the filter's dL/dW comes from (the windows weighted by the map's
error, summed, against backprop's own). Every number is an engine ``FilterTrace``'s, only formatted here.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.filter_trace import FilterTrace
from mnist_gui.panels.inside.parts import SquareTile
from mnist_gui.panels.inside.step_stages import StagePage, mono
from mnist_gui.widgets.feature_maps import FeatureMapStrip
from mnist_gui.widgets.imaging import diverging_rgb, heat_rgb, rgb_image
from mnist_gui.widgets.wrapped_label import WrappedLabel

SPEEDS = (("slowly", 600), ("quickly", 120), ("very quickly", 20))  # ms between window positions
WINDOW_COLOUR = QColor(255, 196, 0)
NOT_YET = (150, 150, 150)  # a map cell the window has not reached yet
NO_CONV = ("This network has no convolution, so there is no filter to slide: choose the 'lenet' or "
           "'cnn' preset on the Network and training panel to see one.")


class FilterSlide(QObject):
    """Which filter (``filter``, 0-based) and window position (``position``, reading order) the
    convolution pages show; ``changed`` fires when either, the traces or playing changes.

    ``play()`` moves the window one position every ``interval`` ms until the last; ``stop()``
    (on hide and shutdown) halts the timer.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.traces: tuple[FilterTrace, ...] = ()
        self.filter = 0
        self.position = 0
        self.timer = QTimer(self, objectName="filterSlideTimer", interval=SPEEDS[0][1])
        self.timer.timeout.connect(self._on_tick)

    @property
    def trace(self) -> FilterTrace | None:
        return self.traces[self.filter] if self.traces else None

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_traces(self, traces) -> None:
        """Every filter's trace of a new step (``()`` for a network without convolution)."""
        self.traces = tuple(traces)
        self.filter = min(self.filter, max(len(self.traces) - 1, 0))
        if not self.traces:
            self.timer.stop()
            self.position = 0
        else:
            self.position = min(self.position, self.traces[self.filter].n_positions - 1)
        self.changed.emit()

    def set_filter(self, k: int) -> None:
        if 0 <= k < len(self.traces) and k != self.filter:
            self.filter = k
            self.changed.emit()

    def set_position(self, n: int) -> None:
        trace = self.trace
        n = 0 if trace is None else min(max(int(n), 0), trace.n_positions - 1)
        if n != self.position:
            self.position = n
            self.changed.emit()

    def step(self, by: int = 1) -> None:
        self.set_position(self.position + by)

    def set_interval(self, ms: int) -> None:
        self.timer.setInterval(ms)

    def play(self) -> None:
        trace = self.trace
        if trace is None:
            return
        if self.position >= trace.n_positions - 1:
            self.position = 0  # from the start again
        self.timer.start()
        self.changed.emit()

    def stop(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.changed.emit()

    def toggle(self) -> None:
        self.stop() if self.playing else self.play()

    def _on_tick(self) -> None:
        trace = self.trace
        if trace is None or self.position >= trace.n_positions - 1:
            self.stop()
        else:
            self.step(1)
            if self.position >= trace.n_positions - 1:
                self.stop()


class SlideControls(QWidget):
    """The filter, Play/Pause, one position back or on, the speed, and a slider over the positions."""

    def __init__(self, slide: FilterSlide, parent: QWidget | None = None):
        super().__init__(parent)
        self.slide = slide
        self.filter = QSpinBox(objectName="slideFilter", minimum=1, maximum=1, keyboardTracking=False)
        self.filter.setToolTip("Which filter of the first convolution slides over the image")
        self.back_button = QPushButton("◀", objectName="slideBack")
        self.back_button.setToolTip("The window one position back")
        self.play_button = QPushButton("Play", objectName="slidePlay")
        self.play_button.setToolTip("Slide the window over the image, position after position")
        self.step_button = QPushButton("▶", objectName="slideStep")
        self.step_button.setToolTip("The window one position on")
        self.speed = QComboBox(objectName="slideSpeed")
        for text, ms in SPEEDS:
            self.speed.addItem(text, ms)
        self.speed.setToolTip("How fast Play moves the window")
        self.slider = QSlider(Qt.Horizontal, objectName="slidePosition")
        self.slider.setToolTip("Drag to move the window; the map fills in up to it")
        self.where = QLabel(objectName="slideWhere")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        for widget in (QLabel("filter"), self.filter, self.back_button, self.play_button, self.step_button,
                       self.speed):
            top.addWidget(widget)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.where)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self.filter.valueChanged.connect(self._on_filter_chosen)
        self.back_button.clicked.connect(self._on_back)
        self.step_button.clicked.connect(self._on_step)
        self.play_button.clicked.connect(slide.toggle)
        self.speed.currentIndexChanged.connect(self._on_speed_chosen)
        self.slider.valueChanged.connect(slide.set_position)
        slide.changed.connect(self._on_slide_changed)
        self._on_slide_changed()

    def _on_filter_chosen(self, value: int) -> None:
        self.slide.set_filter(value - 1)

    def _on_back(self) -> None:
        self.slide.step(-1)

    def _on_step(self) -> None:
        self.slide.step(1)

    def _on_speed_chosen(self) -> None:
        self.slide.set_interval(int(self.speed.currentData()))

    def _on_slide_changed(self) -> None:
        slide, trace = self.slide, self.slide.trace
        for widget in (self.filter, self.back_button, self.play_button, self.step_button, self.slider):
            widget.setEnabled(trace is not None)
        if trace is None:
            self.where.setText("")
            return
        for widget, (low, high, value) in ((self.filter, (1, len(slide.traces), slide.filter + 1)),
                                          (self.slider, (0, trace.n_positions - 1, slide.position))):
            widget.blockSignals(True)
            widget.setRange(low, high)
            widget.setValue(value)
            widget.blockSignals(False)
        self.filter.setSuffix(f" of {len(slide.traces)}")
        self.play_button.setText("Pause" if slide.playing else "Play")
        i, j = trace.position(slide.position)
        self.where.setText(f"position ({i}, {j}): {slide.position + 1} of {trace.n_positions}")


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
        """Down to 60 % of the size it asks for: the numbers are then drawn smaller."""
        return self.sizeHint() * 0.6

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self.updateGeometry()

    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        painter.setPen(pal.color(QPalette.WindowText))
        painter.drawText(QRectF(0, 0, self.width(), self._title_height()), Qt.AlignLeft | Qt.AlignVCenter,
                         self.title())
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


def _signed(x: float, digits: int = 4) -> str:
    return f"{x:+.{digits}g}".replace("-", "−")


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


class ConvForwardPage(_SlidePage):
    TITLE = "Forward: one filter slides over the digit"
    NOTE = ("The filter's weights meet one window of the image: each pixel times its weight, added up, plus "
            "the bias, gives z; a = f(z) is one pixel of the feature map. Slid over every position, the "
            "filter fills its map in.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.input_tile = WindowTile()
        self.input_tile.setObjectName("convInput")
        self.input_tile.setToolTip("The input x as the network computes it (padded with zeros), the window outlined")
        self.map_tile = WindowTile()
        self.map_tile.setObjectName("convMap")
        self.map_tile.setToolTip("The filter's feature map a = f(z), filled in up to the window's position "
                                 "(grey: not reached yet)")
        self.weights = NumberGrid("the filter w")
        self.weights.setObjectName("convWeights")
        self.patch = NumberGrid("the window x")
        self.patch.setObjectName("convPatch")
        self.products = NumberGrid("w · x")
        self.products.setObjectName("convProducts")
        self.formula = mono(WrappedLabel(objectName="convFormula"), 1.15)
        tiles = QHBoxLayout()
        for caption, tile in (("input x", self.input_tile), ("feature map a", self.map_tile)):
            box = QVBoxLayout()
            box.addWidget(QLabel(caption, alignment=Qt.AlignCenter))
            box.addWidget(tile, 1)
            tiles.addLayout(box)
        grids = _row(self.weights, _operator("×"), self.patch, _operator("="), self.products)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(tiles, 1)
        layout.addLayout(grids)
        layout.addWidget(self.formula)

    def draw(self, trace: FilterTrace, n: int) -> None:
        i, j = trace.position(n)
        k, s = trace.kernel, trace.stride
        self.input_tile.set_window(input_image(trace), (s * i, s * j, k))
        self.map_tile.set_window(map_image(trace.map_so_far(n + 1), trace.a), (i, j, 1))
        self.weights.set_values(trace.weights)
        image_range = (float(trace.image.min()), float(trace.image.max()))
        self.patch.set_values(trace.window(i, j), "gray", image_range)
        self.products.set_values(trace.products(i, j))
        total = trace.weighted_sum(i, j)
        self.formula.setText(
            f"z[{i}, {j}] = Σ w·x + b = {_signed(total)} + ({_signed(trace.bias)}) = {_signed(trace.z[i, j])}<br>"
            f"a[{i}, {j}] = {trace.activation}(z) = {_signed(trace.a[i, j])}")


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
    TITLE = "Backward: where a filter's dL/dW comes from"
    NOTE = ("δ = dL/dz is what the loss wants of each pixel of the map (red: lower, blue: higher). The "
            "filter's gradient is every window weighted by its δ, added up: dL/dW = Σ δ[i, j] · window(i, j); "
            "at the end the sum is backprop's.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.delta_tile = WindowTile()
        self.delta_tile.setObjectName("convDelta")
        self.delta_tile.setToolTip("δ = dL/dz of this filter's map, the position outlined")
        self.input_tile = WindowTile()
        self.input_tile.setObjectName("convBackInput")
        self.input_tile.setToolTip("The input x, the window of the position outlined")
        self.patch = NumberGrid("the window x")
        self.patch.setObjectName("convBackPatch")
        self.contribution = NumberGrid("δ · x")
        self.contribution.setObjectName("convContribution")
        self.so_far = NumberGrid("Σ so far")
        self.so_far.setObjectName("convGradientSoFar")
        self.backprop = NumberGrid("backprop's dL/dW")
        self.backprop.setObjectName("convBackprop")
        self.scale = _operator("× δ")
        self.formula = mono(WrappedLabel(objectName="convBackFormula"), 1.15)
        tiles = QHBoxLayout()
        for caption, tile in (("error δ = dL/dz", self.delta_tile), ("input x", self.input_tile)):
            box = QVBoxLayout()
            box.addWidget(QLabel(caption, alignment=Qt.AlignCenter))
            box.addWidget(tile, 1)
            tiles.addLayout(box)
        weighted = QVBoxLayout()  # this position's window, times its error
        for widget in (self.patch, self.scale, self.contribution):
            weighted.addWidget(widget, 0 if widget is self.scale else 1)
        tiles.addLayout(weighted)
        grids = _row(self.so_far, _operator("vs"), self.backprop)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(tiles, 1)
        layout.addLayout(grids)
        layout.addWidget(self.formula)

    def draw(self, trace: FilterTrace, n: int) -> None:
        i, j = trace.position(n)
        k, s = trace.kernel, trace.stride
        self.delta_tile.set_window(map_image(trace.delta, trace.delta), (i, j, 1))
        self.input_tile.set_window(input_image(trace), (s * i, s * j, k))
        self.patch.set_values(trace.window(i, j), "gray", (float(trace.image.min()), float(trace.image.max())))
        self.scale.setText(f"× δ[{i}, {j}] = {_signed(trace.delta[i, j], 3)}")
        limit = float(np.max(np.abs(trace.backprop_gradient)))
        self.contribution.set_values(trace.contribution(i, j))
        self.so_far.set_title(f"Σ of {n + 1} of {trace.n_positions}")
        self.so_far.set_values(trace.gradient_so_far(n + 1), limit=limit)
        self.backprop.set_values(trace.backprop_gradient, limit=limit)
        u, v = trace.largest_gradient
        done = n + 1 == trace.n_positions
        self.formula.setText(
            f"dL/dw[{u}, {v}]: Σ of the weighted windows {'= ' if done else 'so far '}"
            f"{_signed(float(trace.gradient_so_far(n + 1)[u, v]), 6)}, "
            f"backprop {_signed(float(trace.backprop_gradient[u, v]), 6)}<br>"
            f"all {trace.n_positions} positions: Σ δ · window = dL/dW to within "
            f"{trace.gradient_mismatch:.1e} (rounding)<br>"
            f"dL/db = Σ δ = {_signed(trace.bias_gradient, 6)}, backprop {_signed(trace.backprop_bias_gradient, 6)}")
