"""Pieces the four Inside views share: refresh-when-visible, probability bars, vector strips, class
colours, the dataset as the network sees it."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from engine.classes import as_network_sees
from mnist_gui.widgets.image_tile import ImageTile
from mnist_gui.widgets.imaging import diverging_image, heat_image
from mnist_gui.widgets.plot_style import follow_palette
from mnist_gui.widgets.wrapped_label import WrappedLabel

#: Ten distinct class colours (Tableau 10), readable on light and dark plot backgrounds.
CLASS_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                 "#ff9da7", "#9c755f", "#bab0ac")
#: One colour per layer, input side first (layers beyond ten reuse them).
LAYER_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf")
STRIP_WIDTH = 64  # units per row of a vector strip
STRIP_CELL = 16   # pixels per unit in a strip, at most


class SeenDataset:
    """The dataset as a network sees it (``engine.classes.as_network_sees``): for a network of some
    classes (3 vs 7) only their images, labelled by output unit (0 is a 3, 1 a 7) and named after
    them; the dataset itself for a network of every class. Remade only when the dataset or the
    network's classes change (``of`` is called on every refresh)."""

    def __init__(self):
        self._dataset, self._labels, self._seen = None, (), None

    def of(self, dataset, network):
        """The dataset ``network`` (or None: every class) sees; None without a dataset."""
        labels = () if network is None else tuple(network.spec.class_labels)
        if dataset is not self._dataset or labels != self._labels:
            self._dataset, self._labels = dataset, labels
            try:
                self._seen = dataset if dataset is None or not labels else as_network_sees(dataset, network.spec)
            except ValueError:  # classes this dataset has not: the views say the network does not fit
                self._seen = dataset
        return self._seen


def apply_palette(plot: pg.PlotWidget, palette: QPalette) -> None:
    """``follow_palette``, and a legend on a veil of the background: points behind stay visible."""
    follow_palette(plot, palette)
    item = plot.getPlotItem()
    if item.legend is not None:
        veil = QColor(palette.color(QPalette.Base))
        veil.setAlpha(180)  # the points behind the legend stay faintly visible
        item.legend.setBrush(pg.mkBrush(veil))


def layer_colour(i: int) -> str:
    return LAYER_COLOURS[i % len(LAYER_COLOURS)]


def title_label(text: str = "", scale: float = 1.3, name: str = "") -> QLabel:
    """A bold heading label, ``scale`` times the normal font size."""
    label = WrappedLabel(text, objectName=name)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


class LazyView(QWidget):
    """A view that computes only while it is on screen: ``mark_stale()`` now, ``refresh()`` when shown.

    During training the network changes every epoch; a hidden view only remembers that it must
    catch up, so it costs the training nothing.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._stale = True

    def mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self._stale = False
            self.refresh()

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()

    def refresh(self) -> None:  # pragma: no cover - every view overrides it
        raise NotImplementedError


class SquareTile(ImageTile):
    """An image tile as tall as it is wide, so a row of them fills the width without gaps below."""

    def __init__(self, parent: QWidget | None = None, largest: int = 360):
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMaximumSize(largest, largest)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width


class StripTile(ImageTile):
    """One layer's vector (units,) as a strip of coloured cells, ``STRIP_WIDTH`` units a row.

    ``set_values(v, kind)``: "signed" (blue-white-red about 0) or "positive" (dark to bright).
    Cells are at most ``STRIP_CELL`` pixels, from the left: ten output units stay ten small cells.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(120, STRIP_CELL)
        self.setFixedHeight(STRIP_CELL + 2)

    def sizeHint(self) -> QSize:
        return QSize(STRIP_WIDTH * STRIP_CELL, self.height())

    def _cell(self, columns: int) -> float:
        return min((self.width() - 2) / max(columns, 1), STRIP_CELL)

    def _target(self) -> QRectF:
        w, h = self._image.width(), self._image.height()
        cell = min(self._cell(w), (self.height() - 2) / h)
        return QRectF(1, 1, w * cell, h * cell)

    def _fit_height(self):
        """As tall as the strip drawn at the current width: no empty band under narrow cells."""
        if self._image is not None:
            self.setFixedHeight(math.ceil(self._image.height() * self._cell(self._image.width())) + 2)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_height()

    def set_values(self, values: np.ndarray | None, kind: str = "signed") -> None:
        if values is None:
            self.set_image(None)
            return
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        width = min(STRIP_WIDTH, len(values))
        rows = math.ceil(len(values) / width)
        grid = np.full(rows * width, np.nan, dtype=np.float32)
        grid[:len(values)] = values
        grid = np.nan_to_num(grid.reshape(rows, width))
        peak = float(np.max(np.abs(values))) if len(values) else 1.0
        image = diverging_image(grid, peak) if kind == "signed" else heat_image(grid, peak)
        self.set_image(image)
        self._fit_height()


class ProbabilityBars(pg.PlotWidget):
    """The probability of every class as bars; optionally a second set ("after") beside the first.

    ``set_probabilities(before, after=None, marked=None)``: ``marked`` (a class) is outlined.
    """

    def __init__(self, parent: QWidget | None = None, height: int = 150):
        super().__init__(parent)
        self.setMinimumHeight(height)
        self.setMaximumHeight(max(height, 380))
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.setYRange(0, 1, padding=0.02)
        self.getPlotItem().setLabel("left", "p")
        self._before = pg.BarGraphItem(x=[], height=[], width=0.4, brush="#9aa5b1")
        self._after = pg.BarGraphItem(x=[], height=[], width=0.4, brush="#3b82f6")
        self.addItem(self._before)
        self.addItem(self._after)
        self._legend = self.getPlotItem().addLegend(offset=(-10, 5))
        self._names: tuple[str, ...] = ()

    def set_class_names(self, names) -> None:
        self._names = tuple(str(n) for n in names)

    def set_probabilities(self, before: np.ndarray, after: np.ndarray | None = None,
                          marked: int | None = None) -> None:
        k = np.arange(len(before))
        pens = [pg.mkPen("#111111", width=2) if c == marked else pg.mkPen(None) for c in k]
        self._legend.clear()
        if after is None:
            self._before.setOpts(x=k, height=before, width=0.7, brush="#3b82f6", pens=pens)
            self._after.setOpts(x=[], height=[])
        else:
            self._before.setOpts(x=k - 0.2, height=before, width=0.4, brush="#9aa5b1", pens=pens)
            self._after.setOpts(x=k + 0.2, height=after, width=0.4, brush="#3b82f6", pens=pens)
            self._legend.addItem(self._before, "before")
            self._legend.addItem(self._after, "after")
        names = self._names if len(self._names) == len(k) else tuple(str(c) for c in k)
        self.getPlotItem().getAxis("bottom").setTicks([list(zip(k.tolist(), names))])
        self.setXRange(-0.6, len(k) - 0.4, padding=0)
