"""The step's convolution stages for a CNN: one filter sliding over the digit, forward and backward.

``FilterSlide`` (in ``filter_slide``) holds which convolution, filter, input map and window position
the pages show. ``ConvForwardPage`` shows the window on the input, the multiply-and-add with its
numbers and the feature map filling in; ``FeatureMapsPage`` every map of the
image; ``ConvBackwardPage`` where the filter's dL/dW comes from (the windows weighted by the map's
error, summed, against backprop's own). Every number is an engine ``FilterTrace``'s, only formatted here.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine.filter_trace import FilterTrace
from mnist_gui.panels.inside.conv_parts import NumberGrid, WindowTile
from mnist_gui.panels.inside.filter_slide import FilterSlide, SlideControls
from mnist_gui.panels.inside.step_stages import StagePage, mono
from mnist_gui.widgets.feature_maps import FeatureMapStrip
from mnist_gui.widgets.imaging import diverging_rgb, heat_rgb, rgb_image
from mnist_gui.widgets.number_text import signed
from mnist_gui.widgets.wrapped_label import WrappedLabel

NOT_YET = (150, 150, 150)  # a map cell the window has not reached yet
LISTED_MAPS = 8  # a later convolution's per-map sums are listed up to this many input maps
NO_CONV = ("This network has no convolution, so there is no filter to slide: choose the 'lenet' or "
           "'cnn' preset on the Network and training panel to see one.")


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


class _Arrangement(QObject):
    """A sliding page's body: captioned tiles side by side, groups of number grids (and the operators
    between them), and the formula below.

    The groups go under the tiles, in rows, or (``movable``) beside them, in columns, whichever makes
    the tiles larger: beside them on a projector's 720 pixels at zoom 1.6, where a second row has no
    room, under them on a large screen, where one row would leave the page's height empty.
    """

    UNDER_SHRINK = 0.75

    def __init__(self, body: QWidget, tiles, groups, formula: QWidget, movable: bool = False):
        super().__init__(body)
        self.body, self.formula = body, formula
        self.grid = QGridLayout(body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.captions = [QLabel(caption, alignment=Qt.AlignCenter, wordWrap=True) for caption, _ in tiles]
        self.tiles = [_captioned(label, tile) for label, (_, tile) in zip(self.captions, tiles)]
        self.groups = [_group(*widgets) for widgets in groups]
        self.under: bool | None = None
        self.arrange(True)
        if movable:
            body.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.body and event.type() == QEvent.Resize:
            self.arrange(self._larger_under())
        return False

    def _larger_under(self) -> bool:
        """Whether the tiles are larger with the groups under them (half the width each, the height
        the grids and the formula leave) than beside them (3/10 of the width, the height above the
        formula), the numbers under them still at least ``UNDER_SHRINK`` of their size."""
        width, height = self.body.width(), self.body.height()
        spacing = self.grid.verticalSpacing()
        above = self.captions[0].sizeHint().height() + self.formula.minimumSizeHint().height() + 2 * spacing
        grids = max(w.sizeHint().height() for g in self.groups for w in g.findChildren(NumberGrid))
        readable = all(width / len(self.groups) >= self.UNDER_SHRINK * g.sizeHint().width() for g in self.groups)
        return readable and min(width / 2, height - above - grids - spacing) > 1.1 * min(0.3 * width, height - above)

    def arrange(self, under: bool) -> None:
        if under == self.under:
            return
        self.under = under
        for widget in (*self.tiles, *self.groups, self.formula):
            self.grid.removeWidget(widget)
        for group in self.groups:
            group.layout().setDirection(QBoxLayout.LeftToRight if under else QBoxLayout.TopToBottom)
        for column, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, 0, column)
        n = len(self.tiles)
        if under:  # one group spans the tiles, two go one under each
            span = n // len(self.groups)
            for k, group in enumerate(self.groups):
                self.grid.addWidget(group, 1, k * span, 1, span)
            self.grid.addWidget(self.formula, 2, 0, 1, n)
        else:
            for k, group in enumerate(self.groups):
                self.grid.addWidget(group, 0, n + k)
            self.grid.addWidget(self.formula, 1, 0, 1, n + len(self.groups))
        for column in range(n + len(self.groups)):  # the pictures take the room the numbers do not need
            self.grid.setColumnStretch(column, (1 if column < n else 0) if under else (3 if column < n else 2))
        for row, stretch in enumerate((3, 1, 0) if under else (1, 0, 0)):  # under: a third for the numbers
            self.grid.setRowStretch(row, stretch)


def _captioned(caption: QLabel, tile: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(caption)  # narrow: two lines
    layout.addWidget(tile, 1)  # its image at the top: the caption stays on it
    return box


def _group(*widgets) -> QWidget:
    """Number grids and the operators between them, the grids squeezed (or grown) first."""
    group = QWidget()
    layout = QBoxLayout(QBoxLayout.LeftToRight, group)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, NumberGrid) else 0)
    return group


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
        self.arrangement = _Arrangement(
            self.body, (("input x", self.input_tile), ("feature map a", self.map_tile)),
            ((self.weights, _operator("×"), self.patch, _operator("="), self.products),), self.formula)
        self.input_caption = self.arrangement.captions[0]

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
        self.formula.setToolTip("" if trace.n_channels <= LISTED_MAPS else
                                f"Σ w·x of each of the {trace.n_channels} maps: {_map_sums(trace, i, j)}")


def _forward_formula(trace: FilterTrace, i: int, j: int) -> str:
    """z = Σ w·x + b and a = f(z); for a later convolution, one Σ w·x per input map (this one's bold),
    or past ``LISTED_MAPS`` maps this one's and the others' together (every map's in ``_map_sums``)."""
    last = f"a[{i}, {j}] = {trace.activation}(z) = {signed(trace.a[i, j])}"
    z, b = signed(trace.z[i, j]), signed(trace.bias)
    if trace.n_channels == 1:
        return f"z[{i}, {j}] = Σ w·x + b = {signed(trace.weighted_sum(i, j))} + ({b}) = {z}<br>{last}"
    sums = trace.channel_sums(i, j)
    if trace.n_channels <= LISTED_MAPS:
        terms = _map_sums(trace, i, j)
    else:  # 32 maps' sums would fill the page: this map's, then the rest added up
        others = float(np.sum(sums)) - float(sums[trace.channel])
        terms = (f"<b>{signed(float(sums[trace.channel]), 2)}</b> (map {trace.channel + 1}) "
                 f"{signed(others, 2)} (the other {trace.n_channels - 1})")
    return f"z[{i}, {j}] = Σ over {trace.n_channels} maps + b = {terms} + ({b}) = {z}<br>{last}"


def _map_sums(trace: FilterTrace, i: int, j: int) -> str:
    """Every input map's Σ w·x at (i, j), the map shown in bold."""
    sums = [signed(float(x), 2) for x in trace.channel_sums(i, j)]
    sums[trace.channel] = f"<b>{sums[trace.channel]}</b>"
    return " ".join(sums)


class FeatureMapsPage(StagePage):
    TITLE = "Forward: every feature map"
    NOTE = ("Every filter of every convolution does the same, each filling its own map; pooling keeps the "
            "largest value of each 2×2 patch. The next convolution's filters look at all the maps below "
            "at once. Each map is scaled to its own peak (dark 0, bright its largest value).")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.maps = FeatureMapStrip(columns=4, max_cell=640)  # a large screen: two rows of large maps
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
        self.arrangement = _Arrangement(
            self.body, (("error δ = dL/dz", self.delta_tile), ("input x", self.input_tile)),
            ((self.patch, self.scale, self.contribution), (self.so_far, _operator("vs"), self.backprop)),
            self.formula, movable=True)
        self.input_caption = self.arrangement.captions[1]

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
