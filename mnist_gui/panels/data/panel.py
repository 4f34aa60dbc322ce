"""The Data panel: browse every image of a split, filter by label, and look at one image pixel by pixel."""

from __future__ import annotations

import math
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.panels.data.browser import DatasetBrowser
from mnist_gui.panels.data.class_counts import ClassCounts
from mnist_gui.panels.data.source_banner import SourceBanner
from mnist_gui.state.data_source import DOWNLOAD_FAILED, DOWNLOADING, MISSING, DataSource, SourceNotice
from mnist_gui.state.focus import OPEN_IN_INSIDE_TIP, describe
from mnist_gui.widgets.imaging import gray_image
from mnist_gui.widgets.pixel_view import PixelView

ZOOM_MIN, ZOOM_MAX, ZOOM_DEFAULT, ZOOM_STEP = 20, 160, 52, 8


class DataPanel(QWidget):
    """Thumbnails of a whole split on the left, the selected image large on the right.

    Never loads files: it shows the DatasetHub's dataset. Given the ``source`` (a DataSource),
    its banner says what the source's notice says (MNIST missing, downloading, a failed
    download) and its buttons ask the source to download or use the offline digits;
    ``choose_folder_requested`` asks the window for a folder dialog. Given an ImageFocus
    (``focus``), an image to look inside the network with goes there, and an image another panel
    asks for (``browse_requested``) is selected here.
    """

    image_shown = Signal(str, int)  # split, index into it (-1 for none)
    choose_folder_requested = Signal()

    def __init__(self, datasets, focus=None, source: DataSource | None = None, parent=None):
        super().__init__(parent)
        self.datasets = datasets
        self.focus = focus  # an ImageFocus: "Open in Inside" sends images there (none: no such action)
        self.source = source
        self._dataset = None
        self.banner = SourceBanner(self)
        self.banner.choose_folder_requested.connect(self.choose_folder_requested)
        if source is not None:
            self.banner.download_requested.connect(source.download)
            self.banner.offline_requested.connect(source.use_offline)
            source.notice_changed.connect(self._on_notice_changed)
            self._on_notice_changed(source.notice)
        self.browser = DatasetBrowser(self)
        self.detail = PixelView(self)
        self.detail.set_placeholder("Click an image on the left to see it here, pixel by pixel.")
        self.counts = ClassCounts(self)
        self._build_controls()
        self._build_layout()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        if datasets.dataset is not None:
            self._on_dataset_changed(datasets.dataset)
        self._connect()
        self.set_zoom(ZOOM_DEFAULT)
        if focus is not None:
            self._offer_open_in_inside()
            focus.browse_requested.connect(self._on_browse_requested)

    def _build_controls(self):
        self.split_selector = QComboBox(objectName="splitSelector")
        self.split_selector.addItems(["train", "test"])
        self.split_selector.setToolTip("Training images teach the network; test images check it "
                                       "on digits it has never seen")
        self.label_filter = QComboBox(objectName="labelFilter")
        self.label_filter.setToolTip("Show only the images of one class")
        self._fill_label_filter(tuple(str(d) for d in range(10)))
        self.zoom = QSlider(Qt.Horizontal, objectName="thumbnailZoom")
        self.zoom.setRange(ZOOM_MIN, ZOOM_MAX)
        self.zoom.setToolTip("Thumbnail size (Ctrl+wheel, Ctrl+= and Ctrl+- too)")
        self.goto_index = QSpinBox(objectName="gotoIndex")
        self.goto_index.setToolTip("Index of an image in the split; Enter jumps to it")
        self.goto_index.setGroupSeparatorShown(True)
        self.goto_button = QPushButton("Go", objectName="gotoButton")
        self.goto_button.setToolTip("Jump to this image (shows all labels if needed)")
        self.shown_count = QLabel(objectName="shownCount")
        self.info = QLabel("No image selected", objectName="imageInfo")
        self.info.setTextFormat(Qt.RichText)
        self.readout = QLabel("Hover a pixel to read its value", objectName="pixelReadout")
        self.readout.setToolTip("The value of the pixel under the mouse: 0 is background, 255 full ink")
        self.show_values = QCheckBox("Show pixel values", objectName="showPixelValues")
        self.show_values.setToolTip("Print each pixel's value (0-255) on it, as in course notes")

    def _build_layout(self):
        bar = QHBoxLayout()
        for text, widget in (("Split", self.split_selector), ("Label", self.label_filter),
                             ("Go to #", self.goto_index)):
            bar.addWidget(QLabel(text, buddy=widget))
            bar.addWidget(widget)
        bar.addWidget(self.goto_button)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Zoom", buddy=self.zoom))
        self.zoom.setMaximumWidth(240)
        bar.addWidget(self.zoom, 1)
        bar.addStretch(0)
        bar.addWidget(self.shown_count)
        right = QWidget()
        side = self._side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        self._detail_header = QHBoxLayout()
        self._detail_header.addWidget(self.info, 1)
        side.addLayout(self._detail_header)
        side.addWidget(self.detail, 3)
        row = QHBoxLayout()
        row.addWidget(self.readout, 1)
        row.addWidget(self.show_values)
        side.addLayout(row)
        self.counts_title = QLabel("<b>Images per class</b>")
        side.addWidget(self.counts_title)
        side.addWidget(self.counts, 1)
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(self.browser)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    def _connect(self):
        self.split_selector.currentTextChanged.connect(self._show_split)
        self.label_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.zoom.valueChanged.connect(self.browser.set_thumbnail_size)
        self.browser.zoom_requested.connect(self._zoom_by)
        self.browser.image_selected.connect(self._show_image)
        self.goto_button.clicked.connect(self._on_goto_clicked)
        self.goto_index.editingFinished.connect(self._on_goto_edited)
        self.detail.hovered.connect(self._on_hovered)
        self.show_values.toggled.connect(self._on_show_values)
        self.counts.class_clicked.connect(self._on_class_clicked)
        for keys, step in (("Ctrl+=", 1), ("Ctrl++", 1), ("Ctrl+-", -1)):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.WidgetWithChildrenShortcut)
            shortcut.activated.connect(partial(self._zoom_by, step))

    def _zoom_by(self, steps: int):
        self.set_zoom(self.zoom.value() + steps * ZOOM_STEP)

    def _on_goto_clicked(self):
        self.go_to(self.goto_index.value())

    def _on_class_clicked(self, label: int):
        self.label_filter.setCurrentIndex(label + 1)  # after "All"

    def _fill_label_filter(self, names: tuple[str, ...]):
        self.label_filter.blockSignals(True)
        current = self.label_filter.currentIndex()
        self.label_filter.clear()
        self.label_filter.addItem("All")
        self.label_filter.setItemData(0, "Every class", Qt.ToolTipRole)
        for i, name in enumerate(names):
            self.label_filter.addItem(str(i))
            self.label_filter.setItemData(i + 1, name, Qt.ToolTipRole)
        self.label_filter.setCurrentIndex(current if 0 <= current <= len(names) else 0)
        self.label_filter.blockSignals(False)

    # --- state in -------------------------------------------------------------------------

    def _on_dataset_changed(self, dataset):
        """Show ``dataset`` (an engine.dataset.Dataset); keeps the split and the label filter."""
        self._dataset = dataset
        self._fill_label_filter(dataset.class_names)
        self._show_split(self.split_selector.currentText())

    def _on_notice_changed(self, notice: SourceNotice):
        """The banner says what the data source has to say, or hides."""
        if notice.kind == MISSING:
            self.banner.show_missing(showing_offline=True, problem=notice.problem)
        elif notice.kind == DOWNLOADING:
            self.banner.show_downloading(notice.name, "11 MB")
        elif notice.kind == DOWNLOAD_FAILED:
            self.banner.show_download_failed(notice.key, notice.name, notice.reason, notice.showing,
                                             offer_offline=notice.offer_offline)
        else:
            self.banner.hide()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """The panel runs no job and no timer: nothing to stop."""
        return True

    def set_zoom(self, size: int):
        self.zoom.setValue(min(max(int(size), ZOOM_MIN), ZOOM_MAX))

    def go_to(self, image_index: int) -> bool:
        """Select image ``image_index`` of the current split, clearing the filter if it hides it."""
        if self._dataset is None:
            return False
        if not self.browser.select_image(image_index):
            self.label_filter.setCurrentIndex(0)
            return self.browser.select_image(image_index)
        return True

    def show_image(self, split: str, image_index: int) -> bool:
        """Switch to ``split`` ("train" or "test") and select image ``image_index`` there."""
        if self.split_selector.findText(split) < 0:
            return False
        self.split_selector.setCurrentText(split)
        return self.go_to(image_index)

    def _on_browse_requested(self, split: str, image_index: int) -> None:
        self.show_image(split, image_index)

    def current_split(self) -> str:
        return self.split_selector.currentText()

    def current_label(self) -> int | None:
        i = self.label_filter.currentIndex()
        return None if i <= 0 else i - 1

    # --- reactions ------------------------------------------------------------------------

    def _show_split(self, split: str):
        if self._dataset is None:
            return
        images, labels = self._dataset.split(split)
        self.browser.thumbnails().set_split(images, labels, self._dataset.class_names)
        self.browser.thumbnails().set_label_filter(self.current_label())
        self.goto_index.setRange(0, max(0, len(labels) - 1))
        self.counts.set_counts(self._dataset.class_counts(split), self._dataset.class_names)
        self._after_rows_changed()

    def _on_filter_changed(self, _index: int):
        keep = self.browser.selected_image()
        self.browser.thumbnails().set_label_filter(self.current_label())
        self._after_rows_changed(keep)

    def _after_rows_changed(self, keep: int = -1):
        model = self.browser.thumbnails()
        self.counts.set_highlight(self.current_label())
        n = model.rowCount()
        total = len(self._dataset.split(self.current_split())[1])
        self.shown_count.setText(f"{n:,} of {total:,} images")
        if not (keep >= 0 and self.browser.select_image(keep)):
            if n:
                self.browser.select_image(model.image_index(0))
            else:
                self._show_image(-1)

    def _on_goto_edited(self):
        if self.goto_index.hasFocus():
            self.go_to(self.goto_index.value())

    def _show_image(self, image_index: int):
        split = self.current_split()
        if self._dataset is None or image_index < 0:
            self.detail.set_image(None, None)
            self.info.setText("No image selected")
            self.image_shown.emit(split, -1)
            return
        images, labels = self._dataset.split(split)
        pixels = images[image_index]
        self.detail.set_image(pixels, gray_image(pixels))
        name = self._dataset.class_names[labels[image_index]]
        self.info.setText(f"<span style='font-size:large'><b>#{image_index:,}</b> of the {split} "
                          f"split · label <b>{name}</b></span>")
        self.goto_index.blockSignals(True)
        self.goto_index.setValue(image_index)
        self.goto_index.blockSignals(False)
        self.image_shown.emit(split, image_index)

    def _on_hovered(self, row: int, col: int, value: float):
        if row < 0 or math.isnan(value):
            self.readout.setText("Hover a pixel to read its value")
        else:
            self.readout.setText(f"row {row}, column {col}: <b>{value:.0f}</b>")

    def _on_show_values(self, on: bool):
        """Print the values in the large image, giving it some of the chart's height; the grid
        keeps its width (moving the splitter reflowed it) and the chart stays."""
        self._side.setStretchFactor(self.detail, 8 if on else 3)
        self.counts.setMinimumHeight(64 if on else 110)  # at 1280x720 the values then fit
        self._side.activate()  # lay out now, so the check below sees the new size
        self.detail.set_show_values(on)
        if on and not self.detail.can_print_values():
            self.readout.setText("Make the window larger to read every value")

    # --- "Open in Inside": the selected image goes to the ImageFocus -------------------------

    def _offer_open_in_inside(self):
        self.open_inside_button = QPushButton("Open in Inside", objectName="openInInsideButton")
        self.open_inside_button.setToolTip(OPEN_IN_INSIDE_TIP + " (or double-click or right-click a tile)")
        self.open_inside_button.clicked.connect(self._on_open_inside_clicked)
        self.open_inside_button.setEnabled(self.browser.selected_image() >= 0)
        self.browser.image_selected.connect(self._on_image_selected)
        self._detail_header.addWidget(self.open_inside_button)
        self.browser.offer_open_in_inside()
        self.browser.open_requested.connect(self.open_in_inside)

    def _on_open_inside_clicked(self):
        self.open_in_inside(self.browser.selected_image())

    def _on_image_selected(self, image_index: int):
        self.open_inside_button.setEnabled(image_index >= 0)

    def open_in_inside(self, image_index: int) -> bool:
        """Open image ``image_index`` of the current split in the focus (the Inside panel looks at it)."""
        if self.focus is None or self._dataset is None or image_index < 0:
            return False
        split = self.current_split()
        images, labels = self._dataset.split(split)
        label = int(labels[image_index])
        self.focus.open(images[image_index], label,
                        describe(split, image_index, str(self._dataset.class_names[label])), split, image_index)
        return True
