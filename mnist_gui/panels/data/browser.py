"""The thumbnail grid over a whole split: a list model that renders pixmaps on demand, and its view."""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import numpy as np
from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QListView, QMenu, QStyle, QStyledItemDelegate

from mnist_gui.state.focus import OPEN_IN_INSIDE_TIP
from mnist_gui.widgets.imaging import gray_image
from mnist_gui.widgets.sizing import text_scale

IMAGE_INDEX_ROLE = Qt.UserRole          # the row's index into the split
LABEL_ROLE = Qt.UserRole + 1            # the row's class index
CACHE_SIZE = 4000                       # rendered thumbnails kept; a screenful is a few hundred
PADDING = 3                             # logical pixels around each thumbnail


class ThumbnailModel(QAbstractListModel):
    """One row per image shown: the split filtered by label, rendered lazily with a bounded cache."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._images = np.zeros((0, 1, 1), dtype=np.uint8)
        self._labels = np.zeros(0, dtype=np.uint8)
        self._class_names: tuple[str, ...] = ()
        self._rows = np.zeros(0, dtype=np.int64)
        self._label_filter: int | None = None
        self._size = 56
        self._dpr = 1.0
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()

    def set_split(self, images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...]):
        """Show a new split (arrays are kept by reference, they are never written)."""
        self.beginResetModel()
        self._images, self._labels, self._class_names = images, labels, tuple(class_names)
        self._cache.clear()
        self._rows = self._filtered_rows()
        self.endResetModel()

    def set_label_filter(self, label: int | None):
        """Show only images of class ``label``; None shows all."""
        self.beginResetModel()
        self._label_filter = label
        self._rows = self._filtered_rows()
        self.endResetModel()

    def label_filter(self) -> int | None:
        return self._label_filter

    def _filtered_rows(self) -> np.ndarray:
        if self._label_filter is None:
            return np.arange(len(self._labels), dtype=np.int64)
        return np.flatnonzero(self._labels == self._label_filter)

    def set_thumbnail_size(self, size: int, device_pixel_ratio: float = 1.0):
        """Size of a thumbnail in logical pixels; cached pixmaps are dropped."""
        if (size, device_pixel_ratio) == (self._size, self._dpr):
            return
        self._size, self._dpr = int(size), float(device_pixel_ratio)
        self._cache.clear()
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1),
                                  [Qt.DecorationRole])

    def thumbnail_size(self) -> int:
        return self._size

    def image_index(self, row: int) -> int:
        return int(self._rows[row])

    def row_of(self, image_index: int) -> int:
        """The row showing ``image_index``, or -1 if the filter hides it."""
        row = int(np.searchsorted(self._rows, image_index))
        return row if row < len(self._rows) and self._rows[row] == image_index else -1

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's own signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        i = int(self._rows[index.row()])
        if role == Qt.DecorationRole:
            return self._pixmap(i)
        if role == Qt.ToolTipRole:
            return f"#{i:,} · label {self._class_names[self._labels[i]]}"
        if role == IMAGE_INDEX_ROLE:
            return i
        if role == LABEL_ROLE:
            return int(self._labels[i])
        return None

    def thumbnail(self, row: int) -> QPixmap:
        """The rendered thumbnail of ``row`` (what DecorationRole returns, without a QVariant)."""
        return self._pixmap(int(self._rows[row]))

    def _pixmap(self, i: int) -> QPixmap:
        pixmap = self._cache.get(i)
        if pixmap is not None:
            self._cache.move_to_end(i)
            return pixmap
        side = max(1, round(self._size * self._dpr))
        image = gray_image(self._images[i]).scaled(side, side, Qt.IgnoreAspectRatio,
                                                   Qt.FastTransformation)
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self._dpr)
        self._cache[i] = pixmap
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return pixmap


class ThumbnailDelegate(QStyledItemDelegate):
    """Paints a thumbnail and a selection frame: cheaper than the styled icon item, same size always."""

    def __init__(self, model: ThumbnailModel, parent=None):
        super().__init__(parent)
        self._model = model

    def sizeHint(self, option, index) -> QSize:
        side = self._model.thumbnail_size() + 2 * PADDING
        view = self.parent()  # as wide as the view's grid cell: the thumbnail is centred in it
        width = view.gridSize().width() if isinstance(view, QListView) else side
        return QSize(max(side, width), max(side, width))

    def paint(self, painter: QPainter, option, index):
        pixmap = self._model.thumbnail(index.row())
        side = self._model.thumbnail_size()
        left = option.rect.x() + (option.rect.width() - side) // 2  # cells share the spare width
        target = QRect(left, option.rect.y() + PADDING, side, side)
        painter.drawPixmap(target, pixmap)
        if option.state & QStyle.State_Selected:
            pen = QPen(option.palette.color(QPalette.Highlight), PADDING)
            painter.setPen(pen)
            painter.drawRect(target.adjusted(-PADDING + 1, -PADDING + 1, PADDING - 2, PADDING - 2))


class DatasetBrowser(QListView):
    """The grid view. Ctrl+wheel zooms; ``zoom_requested(+1 | -1)`` asks the panel to change size."""

    zoom_requested = Signal(int)
    image_selected = Signal(int)   # index into the split, -1 when nothing is selected

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("datasetBrowser")
        self._model = ThumbnailModel(self)
        self.setModel(self._model)
        self.setItemDelegate(ThumbnailDelegate(self._model, self))
        self.setViewMode(QListView.ListMode)   # IconMode lays out every item; ListMode+wrap does not
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.Adjust)
        self.setUniformItemSizes(True)
        self.setMovement(QListView.Static)
        self.setSelectionMode(QListView.SingleSelection)
        self.setVerticalScrollMode(QListView.ScrollPerPixel)
        self.setToolTip("Every image of the split. Click one to see it large; "
                        "Ctrl+wheel or Ctrl+= / Ctrl+- to zoom.")
        self._size = self._model.thumbnail_size()  # the zoom slider's size: the smallest drawn
        self._side = self._size + 2 * PADDING
        self.selectionModel().currentChanged.connect(self._on_current_changed)

    def thumbnails(self) -> ThumbnailModel:
        return self._model

    def set_thumbnail_size(self, size: int):
        """The smallest size a thumbnail is drawn (the zoom slider), before the text zoom."""
        self._size = int(size)
        self._fit_grid()

    def columns(self) -> int:
        """Thumbnails per row: as many whole cells of the chosen size as the width holds."""
        return max(1, (self.viewport().width() - 1) // self._side)

    def _fit_grid(self):
        """Square cells as wide as the width shared by the columns: the thumbnails grow to fill
        the width (no empty band on the right, up to a whole thumbnail wide at high zoom), and
        with the text in presentation mode. The columns are those of the chosen size."""
        self._side = round(self._size * text_scale(self)) + 2 * PADDING
        # one pixel short: Qt wraps a row that would fill the width exactly
        width = max(self._side, (self.viewport().width() - 1) // self.columns())
        self._model.set_thumbnail_size(width - 2 * PADDING, self.devicePixelRatioF())
        if self.gridSize() != QSize(width, width):
            self.setGridSize(QSize(width, width))
            self.verticalScrollBar().setSingleStep(max(1, width // 3))

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoomed: the thumbnails keep their size to the text
            self._fit_grid()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_grid()

    def select_image(self, image_index: int) -> bool:
        """Select and scroll to ``image_index``; False if the filter hides it."""
        row = self._model.row_of(image_index)
        if row < 0:
            return False
        index = self._model.index(row)
        self.setCurrentIndex(index)
        self.scrollTo(index, QListView.PositionAtCenter)
        return True

    def selected_image(self) -> int:
        index = self.currentIndex()
        return self._model.image_index(index.row()) if index.isValid() else -1

    def _on_current_changed(self, current: QModelIndex, _previous):
        self.image_selected.emit(self._model.image_index(current.row()) if current.isValid() else -1)

    def wheelEvent(self, event):
        if event.modifiers() & Qt.ControlModifier:
            self.zoom_requested.emit(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    # --- opening an image in the Inside panel ------------------------------------------------

    open_requested = Signal(int)   # index into the split: "Open in Inside" (menu or double-click)

    def offer_open_in_inside(self):
        """A right-click menu with "Open in Inside" on every tile; a double-click opens it too."""
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_open_menu)
        self.doubleClicked.connect(self._on_double_clicked)
        self.setToolTip(self.toolTip() + " Double-click (or right-click) one to open it in Inside the network.")

    def _on_double_clicked(self, index):
        self.open_requested.emit(self._model.image_index(index.row()))

    def open_menu(self, pos) -> QMenu | None:
        """The context menu of the tile at ``pos`` (viewport coordinates), which it selects; None off a tile."""
        index = self.indexAt(pos)
        if not index.isValid():
            return None
        self.setCurrentIndex(index)
        image_index = self._model.image_index(index.row())
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        action = menu.addAction("Open in Inside", partial(self._request_open, image_index))
        action.setToolTip(OPEN_IN_INSIDE_TIP)
        return menu

    def _request_open(self, image_index: int, _checked: bool = False):
        self.open_requested.emit(image_index)

    def _show_open_menu(self, pos):
        menu = self.open_menu(pos)
        if menu is not None:
            menu.exec(self.viewport().mapToGlobal(pos))
            menu.deleteLater()
