"""A scrolling gallery of dataset images with the network's top answers under each (mistakes, a confusion cell)."""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import numpy as np
from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.widgets.flow_layout import FlowLayout
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.imaging import gray_image
from mnist_gui.widgets.sizing import text_scale

THUMB = 56            # logical pixels of a thumbnail at the normal text size
MAX_GROWTH = 2.0      # tiles grow up to this much to fill the width of the gallery
SPACING = 2           # logical pixels around each tile
CACHE_SIZE = 2000     # thumbnails kept as pixmaps
RIGHT, WRONG = QColor(46, 160, 67), QColor(215, 58, 73)


class GalleryModel(QAbstractListModel):
    """Test images by index into the split, each with its true class and the network's top 3.

    Thumbnails are made when first shown, so a gallery of thousands of images opens at once.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._images = np.zeros((0, 1, 1), dtype=np.uint8)
        self._indices = np.zeros(0, dtype=np.int64)
        self._true = self._top_classes = self._top_probs = None
        self._names: tuple[str, ...] = ()
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()
        self.dpr = 1.0
        self.side = THUMB  # logical pixels of the thumbnails made
        self._number_of = int  # the number a tooltip gives an image of index i (set_numbering)

    def set_numbering(self, number_of=None) -> None:
        """How the tooltips number the images: ``number_of(index)`` (a network of some classes: the
        image's index in the whole test set), the index itself for None."""
        self._number_of = int if number_of is None else number_of

    def set_thumbnail_side(self, side: int) -> None:
        """Thumbnails ``side`` logical pixels square from now on (the ones made are dropped)."""
        if side != self.side:
            self.side = side
            self._cache.clear()

    def set_device_pixel_ratio(self, dpr: float) -> None:
        """Thumbnails for a screen of ``dpr`` device pixels per logical one (the ones made are dropped)."""
        if dpr != self.dpr:
            self.dpr = dpr
            self._cache.clear()

    def set_items(self, images, indices, true, top_classes, top_probs, names):
        """``images``: the whole split (read only); the rest are per item: (n,), (n,), (n, k), (n, k).

        The thumbnails made are kept while ``images`` is the same split (they are keyed by index
        into it): a new evaluation of the same test images (every epoch of a run) makes only those
        of images it shows for the first time. The same images in the same order with new answers
        are redrawn in place (the selection stays); other items reset the model.
        """
        indices = np.asarray(indices, dtype=np.int64)
        if images is not self._images:
            self._cache.clear()
        if images is self._images and tuple(names) == self._names and np.array_equal(indices, self._indices) \
                and self._true is not None and len(indices):
            self._update_answers(true, top_classes, top_probs)
            return
        self.beginResetModel()
        self._images, self._indices = images, indices
        self._true, self._top_classes, self._top_probs = true, top_classes, top_probs
        self._names = tuple(names)
        self.endResetModel()

    def _update_answers(self, true, top_classes, top_probs):
        """New answers for the items shown: the rows whose answers changed are redrawn."""
        changed = np.flatnonzero((np.asarray(true) != self._true)
                                 | np.any(np.asarray(top_classes) != self._top_classes, axis=1)
                                 | np.any(np.asarray(top_probs) != self._top_probs, axis=1))
        self._true, self._top_classes, self._top_probs = true, top_classes, top_probs
        if len(changed):
            self.dataChanged.emit(self.index(int(changed[0])), self.index(int(changed[-1])))

    def indices(self) -> np.ndarray:
        return self._indices.copy()

    def name(self, cls: int) -> str:
        return self._names[cls] if 0 <= cls < len(self._names) else str(cls)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's own signature)
        return 0 if parent.isValid() else len(self._indices)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.DecorationRole:
            return self._pixmap(int(self._indices[row]))
        if role == Qt.UserRole:
            return int(self._indices[row])
        if role == Qt.UserRole + 1:
            return self.answer(row)
        if role == Qt.ToolTipRole:
            true, top = self.answer(row)
            ranked = ", ".join(f"{self.name(c)} {p:.1%}" for c, p in top)
            return (f"Test image #{self._number_of(int(self._indices[row])):,}: really a {self.name(true)}, "
                    f"the network said {self.name(top[0][0])}.\nTop 3: {ranked}\n"
                    "Double-click: open on the drawing canvas")
        return None

    def answer(self, row: int) -> tuple[int, list[tuple[int, float]]]:
        """(true class, [(class, probability), ...] best first) of item ``row``."""
        top = [(int(c), float(p)) for c, p in zip(self._top_classes[row], self._top_probs[row])]
        return int(self._true[row]), top

    def image(self, row: int) -> np.ndarray:
        return self._images[int(self._indices[row])].copy()

    def _pixmap(self, i: int) -> QPixmap:
        pixmap = self._cache.get(i)
        if pixmap is None:
            side = max(1, round(self.side * self.dpr))
            image = gray_image(self._images[i]).scaled(side, side, Qt.KeepAspectRatio,
                                                       Qt.FastTransformation)
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.dpr)
            self._cache[i] = pixmap
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return pixmap


class AnswerDelegate(QStyledItemDelegate):
    """A thumbnail with, beside it, the true class and the top 3 classes as small bars.

    The gallery sets ``thumb`` and ``size`` (one tile) as it fits the tiles to its width.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thumb = THUMB
        self.size = QSize()

    @staticmethod
    def natural_size(fm, thumb: int) -> QSize:
        """A tile with a ``thumb`` thumbnail and room for the text in font metrics ``fm``."""
        return QSize(thumb + 14 + fm.horizontalAdvance("0 100%") + 70, max(thumb, 4 * fm.height()) + 10)

    def sizeHint(self, option, index) -> QSize:
        return self.size if self.size.isValid() else self.natural_size(option.fontMetrics, self.thumb)

    def paint(self, painter: QPainter, option, index):
        painter.save()
        rect, pal, fm = option.rect, option.palette, option.fontMetrics
        if option.state & QStyle.State_Selected:
            painter.fillRect(rect, pal.color(QPalette.Highlight).lighter(170))
        pixmap = index.data(Qt.DecorationRole)
        painter.drawPixmap(QRect(rect.x() + 5, rect.y() + 5, self.thumb, self.thumb), pixmap)
        true, top = index.data(Qt.UserRole + 1)
        name = index.model().name
        x, line = rect.x() + self.thumb + 12, fm.height()
        width = rect.right() - x - 4
        painter.setPen(pal.color(QPalette.Text))
        painter.drawText(QRect(x, rect.y() + 4, width, line), Qt.AlignLeft,
                         fm.elidedText(f"true {name(true)}", Qt.ElideRight, width))
        # each answer: its class on the left, a bar as long as its probability, the percentage right
        name_width = min(40, max(fm.horizontalAdvance(name(c)) for c, _ in top)) + 6
        pct_width = fm.horizontalAdvance("100%") + 6
        for k, (cls, p) in enumerate(top):
            y = rect.y() + 4 + (k + 1) * line
            colour = RIGHT if cls == true else (WRONG if k == 0 else pal.color(QPalette.Mid))
            painter.drawText(QRect(x, y, name_width, line), Qt.AlignLeft,
                             fm.elidedText(name(cls), Qt.ElideRight, name_width - 4))
            bar = QRectF(x + name_width, y + 3,
                         max(1.0, (width - name_width - pct_width) * p), line - 6)
            painter.fillRect(bar, colour)
            painter.drawText(QRect(x, y, width, line), Qt.AlignRight, f"{p:.0%}")
        painter.restore()


class ImageGallery(QWidget):
    """A grid of test images with their answers; open one in the data browser or on the canvas."""

    open_in_browser = Signal(str, int)  # split, index into it
    open_on_canvas = Signal(object)     # (h, w) uint8 copy of the image

    def __init__(self, object_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = GalleryModel(self)
        self.view = QListView(objectName=object_name)
        self.view.setModel(self.model)
        self.delegate = AnswerDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setViewMode(QListView.IconMode)
        self.view.setMovement(QListView.Static)
        self.view.setResizeMode(QListView.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(SPACING)
        self.view.installEventFilter(self)  # zoomed or resized: the tiles are fitted again
        self.view.viewport().installEventFilter(self)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.selectionModel().currentChanged.connect(self._update_buttons)
        self.placeholder = note("")
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.browser_button = QPushButton("Show in the data browser")
        self.canvas_button = QPushButton("Open on the drawing canvas")
        self.browser_button.clicked.connect(self._on_browser_clicked)
        self.canvas_button.clicked.connect(self._on_canvas_clicked)
        self._extra_actions: list[tuple[str, str, object, QPushButton]] = []  # add_image_action
        buttons = self._buttons = FlowLayout()  # wraps when narrow: the gallery leaves room to what is beside it
        buttons.addWidget(QLabel("Selected image:"))
        buttons.addWidget(self.browser_button)
        buttons.addWidget(self.canvas_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.placeholder, 1)
        layout.addLayout(buttons)
        self.set_placeholder("")

    def _on_double_clicked(self, index):
        self._open_on_canvas(index.row())

    def _on_browser_clicked(self):
        self._open_in_browser(self.current_row())

    def _on_canvas_clicked(self):
        self._open_on_canvas(self.current_row())

    def eventFilter(self, watched, event) -> bool:
        if ((watched is self.view and event.type() == QEvent.FontChange)
                or (watched is self.view.viewport() and event.type() == QEvent.Resize)):
            self._fit_tiles()
        return super().eventFilter(watched, event)

    def _fit_tiles(self):
        """Tiles as wide as the columns that fit at their natural size share the width (up to
        MAX_GROWTH times that size), thumbnails growing with them; all grow with the text size.
        The number of columns is that of the natural size, so a resize reflows no more than it did."""
        thumb0 = max(1, round(THUMB * text_scale(self.view)))
        fm = self.view.fontMetrics()
        natural = AnswerDelegate.natural_size(fm, thumb0)
        room = self.view.viewport().width() - 1  # one pixel short: a full row would wrap
        columns = max(1, room // (natural.width() + 2 * SPACING))
        width = max(natural.width(), room // columns - 2 * SPACING)
        thumb = round(thumb0 * min(MAX_GROWTH, width / natural.width()))
        size = QSize(width, AnswerDelegate.natural_size(fm, thumb).height())
        if (thumb, size) != (self.delegate.thumb, self.delegate.size):
            self.delegate.thumb, self.delegate.size = thumb, size
            self.model.set_thumbnail_side(thumb)
            self.delegate.sizeHintChanged.emit(self.model.index(0, 0))

    def tile_size(self) -> QSize:
        """The size of one tile (thumbnail and answers) as laid out now."""
        return QSize(self.delegate.size)

    def thumbnail_side(self) -> int:
        return self.delegate.thumb

    def set_items(self, images, indices, true, top_classes, top_probs, names):
        self.model.set_device_pixel_ratio(self.devicePixelRatioF())
        self.model.set_items(images, indices, true, top_classes, top_probs, names)
        self.view.setVisible(len(indices) > 0)
        self.placeholder.setVisible(len(indices) == 0)
        self._update_buttons()

    def clear(self):
        self.set_items(np.zeros((0, 1, 1), np.uint8), [], None, None, None, ())

    def set_placeholder(self, text: str):
        """What an empty gallery says instead."""
        self.placeholder.setText(text)

    def indices(self) -> np.ndarray:
        """The split indices shown, in order."""
        return self.model.indices()

    def current_row(self) -> int:
        return self.view.currentIndex().row()

    def _update_buttons(self, *_):
        has = 0 <= self.current_row() < self.model.rowCount()
        self.browser_button.setEnabled(has)
        self.canvas_button.setEnabled(has)
        for *_, button in self._extra_actions:
            button.setEnabled(has)

    def _open_in_browser(self, row: int, _checked: bool = False):
        if 0 <= row < self.model.rowCount():
            self.open_in_browser.emit("test", int(self.model.indices()[row]))

    def _open_on_canvas(self, row: int, _checked: bool = False):
        if 0 <= row < self.model.rowCount():
            self.open_on_canvas.emit(self.model.image(row))

    def _menu(self, pos):
        row = self.view.indexAt(pos).row()
        if row < 0:
            return
        menu = self.image_menu(row)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def image_menu(self, row: int) -> QMenu:
        """The context menu of image ``row`` (what a right-click on it shows)."""
        menu = QMenu(self)
        menu.addAction("Show in the data browser", partial(self._open_in_browser, row))
        menu.addAction("Open on the drawing canvas", partial(self._open_on_canvas, row))
        menu.setToolTipsVisible(True)
        for text, tip, slot, _ in self._extra_actions:
            menu.addAction(text, partial(self._run_extra, slot, row)).setToolTip(tip)
        return menu

    # --- more things to do with an image, added by the panel that shows the gallery ----------

    def add_image_action(self, text: str, tip: str, slot) -> QPushButton:
        """Offer ``slot(row)`` on an image: in its context menu, and as a button for the selected one."""
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(partial(self._on_extra_clicked, slot))
        self._buttons.addWidget(button)
        self._extra_actions.append((text, tip, slot, button))
        self._update_buttons()
        return button

    def _on_extra_clicked(self, slot, _checked: bool = False):
        self._run_extra(slot, self.current_row())

    def _run_extra(self, slot, row: int, _checked: bool = False):
        if 0 <= row < self.model.rowCount():
            slot(row)
