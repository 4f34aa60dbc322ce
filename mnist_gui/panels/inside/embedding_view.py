"""The hidden space: the last hidden layer of ~2,000 test images in 2-D (PCA), beside the raw pixels' map.

Each new network (every epoch of a run) gives a new map, computed in a job and aligned to the
previous one so the axes stay put and the classes are seen pulling apart. Hover or click a point
to see its image; the drawing on the Draw panel appears as a star on both maps.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from engine.classes import EVERY_CLASS, places
from mnist_gui.panels.inside.parts import CLASS_COLOURS, LazyView, SeenDataset
from mnist_gui.widgets.image_tile import ImageTile, note
from mnist_gui.widgets.imaging import gray_image
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.inside import MapSample, MapsResult, map_sample, maps_job, place_drawing
from mnist_gui.workers.worker import TaskRunner

NOTE = ("Each dot is a test image, placed by the two directions along which its activations vary most "
        "(PCA). Left: the last hidden layer, where the network has re-arranged the images so that a "
        "straight cut separates the classes; it changes every epoch. Right: the raw pixels, the same for "
        "every network. Hover or click a dot to see the image; the star is your drawing.")


STRIP_HEIGHT = 0.6  # a 1-D map spreads each class's points over this share of its row
DRAWING_ROW = -1    # a 1-D map's row for the drawing's star, below the classes'


class _Map:
    """One scatter plot: one item per class (for the legend and the colours), plus the drawing's star.

    A 1-D map (a layer of one unit) is drawn as a strip per class: x the coordinate, one row per class.
    """

    def __init__(self, name: str, title: str, on_point):
        self.widget = pg.PlotWidget()
        self.widget.setObjectName(name)
        self.title = title
        self.dimensions = 2
        self._names: list[str] = []
        item = self.widget.getPlotItem()
        item.setTitle(title)
        item.getAxis("bottom").enableAutoSIPrefix(False)
        # no grid: PCA's coordinates have no meaning to read off, and the grid's lines were half of
        # each live redraw's time (36 -> 21 ms a tick for 2,000 points)
        self.legend = item.addLegend(offset=(5, 5), labelTextSize="9pt", colCount=2)
        self.items: list[pg.ScatterPlotItem] = []
        self._on_point = on_point
        self.star = pg.ScatterPlotItem(symbol="star", size=26, pen=pg.mkPen("#000000", width=1.5),
                                       brush=pg.mkBrush("#ffd400"), name="your drawing")
        self.star.setZValue(10)
        self.widget.addItem(self.star)
        self.widget.setMinimumSize(280, 260)

    def set_classes(self, names, digits=None):
        """One scatter per class of ``names``, coloured by ``digits`` (the class each stands for in
        the whole dataset: a 3-vs-7 map's 3s and 7s have the colours of the 10-class map's)."""
        for scatter in self.items:
            self.widget.removeItem(scatter)
        self.legend.clear()
        self.items = []
        self._names = [str(name) for name in names]
        digits = range(len(names)) if digits is None or len(digits) != len(names) else digits
        for name, digit in zip(names, digits):
            colour = CLASS_COLOURS[digit % len(CLASS_COLOURS)]
            scatter = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(colour), hoverable=True,
                                         hoverSize=11, hoverPen=pg.mkPen("#000000", width=1.5),
                                         name=str(name))
            scatter.sigHovered.connect(self._hovered)
            scatter.sigClicked.connect(self._hovered)
            self.widget.addItem(scatter)
            self.items.append(scatter)
        self.legend.addItem(self.star, "your drawing")

    def set_points(self, coordinates: np.ndarray, labels: np.ndarray):
        self._set_dimensions(coordinates.shape[1])
        for k, scatter in enumerate(self.items):
            rows = np.flatnonzero(labels == k)
            y = coordinates[rows, 1] if self.dimensions == 2 else k + strip_offsets(rows)
            scatter.setData(x=coordinates[rows, 0], y=y, data=rows)

    def clear_points(self):
        self._set_dimensions(2)
        for scatter in self.items:
            scatter.setData([], [])
        self.set_star(None)

    def set_star(self, at: np.ndarray | None):
        if at is None:
            self.star.setData([], [])
            return
        y = at[:, 1] if at.shape[1] == 2 else np.full(len(at), float(DRAWING_ROW))
        self.star.setData(at[:, 0], y)

    def _set_dimensions(self, dimensions: int):
        if dimensions == self.dimensions:
            return
        self.dimensions = dimensions
        item = self.widget.getPlotItem()
        left = item.getAxis("left")
        if dimensions == 1:
            item.setTitle(f"{self.title}: one unit, so one axis")
            item.setLabel("bottom", "the unit's activation (centred)")
            item.setLabel("left", "class")
            left.setTicks([[(float(DRAWING_ROW), "drawing")] + [(float(k), n) for k, n in enumerate(self._names)]])
        else:
            item.setTitle(self.title)
            item.setLabel("bottom", "")
            item.setLabel("left", "")
            left.setTicks(None)

    def point_count(self) -> int:
        return sum(len(s.data) for s in self.items)

    def _hovered(self, _item, points, _event=None):
        if len(points):
            self._on_point(int(points[0].data()))


def strip_offsets(rows: np.ndarray) -> np.ndarray:
    """A fixed spread within a class's row for points ``rows`` (golden-ratio steps: no two alike,
    the same every time), so the points of a 1-D map do not hide one another."""
    return ((rows * 0.6180339887) % 1.0 - 0.5) * STRIP_HEIGHT


class EmbeddingView(LazyView):
    """``EmbeddingView(datasets, hub)``: the maps of the hub's network, refreshed when it changes."""

    def __init__(self, datasets, hub, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("embeddingView")
        self.datasets, self.hub = datasets, hub
        self._sample: MapSample | None = None
        self._seen = SeenDataset()  # a 3-vs-7 network's map shows only 3s and 7s
        self._sampled = None  # the dataset (as the network sees it) the sample is drawn from
        self._places = EVERY_CLASS  # where its test images are in the whole test set, and their digits
        self._result: MapsResult | None = None
        self._drawing: np.ndarray | None = None
        self._pending = False  # the network changed while a map was being made
        self._description = ""
        self.runner = TaskRunner(self, "inside-maps")
        self.runner.succeeded.connect(self._on_maps)
        self.runner.idle.connect(self._on_idle)
        self.runner.failed.connect(self._on_failed)
        self._build()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        hub.network_changed.connect(self.mark_stale)
        self._on_dataset_changed(datasets.dataset)

    def _on_failed(self, error):
        self.status.setText(f"The maps could not be made: {error}")

    def _build(self):
        self.hidden = _Map("embeddingMap", "Last hidden layer", self._show_point)
        self.pixels = _Map("pixelMap", "Raw pixels", self._show_point)
        self.status = WrappedLabel(objectName="embeddingStatus")
        self.point_image = ImageTile()
        self.point_image.setObjectName("embeddingPointImage")
        self.point_image.setToolTip("The image under the mouse (or last clicked) on either map")
        self.point_image.setFixedSize(140, 140)
        self.point_text = WrappedLabel("Hover over a dot (or click it) to see its image here.",
                                       objectName="embeddingPointText", alignment=Qt.AlignHCenter)
        self.point_text.setMaximumWidth(140)
        side = QVBoxLayout()
        side.addWidget(self.point_image)
        side.addWidget(self.point_text)
        side.addStretch(1)
        maps = QHBoxLayout()
        maps.addWidget(self.hidden.widget, 3)
        maps.addWidget(self.pixels.widget, 2)
        maps.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(maps, 1)
        layout.addWidget(note(NOTE))

    def _on_dataset_changed(self, dataset):
        self._pending = False
        self.runner.cancel()  # a map of the old dataset is of no use
        self._sample_from(self._seen.of(dataset, self.hub.network), dataset, self.hub.network)
        self.mark_stale()

    def _sample_from(self, dataset, whole, network):
        """The maps' sample and classes from ``dataset``: ``whole`` as ``network`` sees it (for a
        network of some classes, only theirs, named after its outputs, in their digits' colours)."""
        self._sampled = dataset
        self._sample = None if dataset is None else map_sample(dataset)
        self._result = None
        names = [] if dataset is None else list(dataset.class_names)
        classes = () if network is None or dataset is whole else tuple(network.spec.class_labels)
        self._places = places(whole.test_labels, classes) if whole is not None else EVERY_CLASS
        self.hidden.set_classes(names, self._places.classes or None)
        self.pixels.set_classes(names, self._places.classes or None)

    def set_drawing(self, image: np.ndarray | None):
        self._drawing = image
        result = self._result
        if result is None:
            return
        if image is not None and image.size != result.sample.images[0].size:
            image = None
        at_hidden, at_pixels = place_drawing(result.hidden, result.pixels, result.network, image)
        self.hidden.set_star(at_hidden)
        self.pixels.set_star(at_pixels)

    def refresh(self):
        """Make the maps of the current network, after the one being made (a map is never thrown away
        half made: during training a new network can come sooner than a map takes)."""
        network = self.hub.network
        dataset = self._seen.of(self.datasets.dataset, network)
        if dataset is not self._sampled:  # a network of other classes: their images
            if self.runner.is_busy():
                self._pending = True
                return
            self._sample_from(dataset, self.datasets.dataset, network)
        sample = self._sample
        if dataset is None or sample is None:
            self._pending = False
            self.runner.cancel()
            self.status.setText("Load a dataset to see its images on the maps.")
            return
        if self.runner.is_busy():
            self._pending = True
            return
        self._description = self.hub.description or "the current network"
        previous = self._result
        same_data = previous is not None and previous.dataset is dataset
        hidden_before = previous.hidden if same_data else None
        pixels = previous.pixels if same_data else None
        drawing = self._drawing if self._drawing is not None and self._drawing.size == sample.images[0].size \
            else None
        self.status.setText("Placing the test images on the maps…")
        self.runner.start(lambda job: maps_job(dataset, network, sample, hidden_before, pixels, drawing, job))

    def _on_idle(self):
        if self._pending:
            self._pending = False
            self.mark_stale()

    def _on_maps(self, result: MapsResult):
        if result.dataset is not self._sampled:
            return
        previous, self._result = self._result, result
        if previous is None or previous.pixels is not result.pixels:  # the same all run long: not redrawn
            self.pixels.set_points(result.pixels.coordinates, result.pixels.labels)
            self.pixels.set_star(result.drawing_pixels)
        self.status.setText(maps_text(result, self._description))
        if result.hidden is None:
            self.hidden.clear_points()
            return
        self.hidden.set_points(result.hidden.coordinates, result.hidden.labels)
        self.hidden.set_star(result.drawing_hidden)

    def _on_failed(self, error: str):
        """The maps could not be made: what was shown stays (the pixel map most of all)."""
        self.status.setText(f"The maps could not be made: {error}")

    def _show_point(self, row: int):
        result = self._result
        if result is None or not 0 <= row < len(result.sample.labels):
            return
        dataset = result.dataset
        label = int(result.sample.labels[row])
        name = dataset.class_names[label] if label < len(dataset.class_names) else str(label)
        self.point_image.set_image(gray_image(result.sample.images[row]))
        index = self._places.index(int(result.sample.indices[row]))  # in the whole test set
        self.point_text.setText(f"test image {index:,}<br>label <b>{name}</b>")

    def maps(self) -> MapsResult | None:
        """The maps shown (None before the first)."""
        return self._result

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)


def maps_text(result: MapsResult, description: str) -> str:
    """The status line: how many images, which layer of which network, the variance the axes hold;
    without a hidden map, why."""
    n = f"{len(result.sample.labels):,} test images"
    pix = " + ".join(f"{v:.0%}" for v in result.pixels.projection.explained)
    if result.hidden is None and result.hidden_problem:
        return f"{n}. No map of the hidden space: {result.hidden_problem}. (Pixels' axes: {pix} of their variance.)"
    if result.hidden is None:
        return f"{n}. Train or load a network to see its hidden layer's map beside the pixels'."
    layer = f"{n} · {result.hidden.layer} of {description}"
    if result.hidden.dimensions == 1:
        return (f"{layer}: a layer of one unit, so a map of one axis, each class on a row of its own "
                f"and placed by the unit's activation (pixels' axes: {pix} of their variance)")
    explained = " + ".join(f"{v:.0%}" for v in result.hidden.projection.explained)
    return f"{layer}: the two axes hold {explained} of its variance (pixels: {pix})"
