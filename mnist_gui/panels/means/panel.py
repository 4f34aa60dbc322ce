"""The Mean digits panel: the average image of each class, their spread, differences, and the nearest-mean baseline."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QRadioButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.widgets.color_bar import ColorBar
from mnist_gui.widgets.image_strip import ImageStrip
from mnist_gui.widgets.image_tile import note
from mnist_gui.widgets.imaging import diverging_image, gray_image, heat_image, scaled_gray_image
from mnist_gui.widgets.pixel_view import PixelView
from mnist_gui.widgets.sizing import text_scale
from mnist_gui.widgets.wrapped_label import WrappedLabel
from mnist_gui.workers.baseline import Baseline

# the largest a mean (or an example) is drawn, in logical pixels: big enough to fill a projector
# in presentation mode; the strips are as large as their room allows up to that
MAX_MEAN_CELL, MAX_EXAMPLE_CELL = 320, 160
HOVER_HINT = "Hover a pixel: mean A minus mean B"
MEANS_NOTE = ("Each mean is every training image of the class averaged, pixel by pixel. The spread "
              "(standard deviation) is bright where writers disagree, dark where they agree.")
BASELINE_NOTE = ("Call an image the class whose mean it is nearest to, pixel by pixel. "
                 "L2 adds up squared differences, L1 absolute ones.")
# (key, label, object name, tooltip) of the means box's choice
SHOWN = (("means", "Means", "showMeans", "The average image of each class"),
         ("spread", "Spread", "showStd",
          "The standard deviation of each class: bright where the writers of a class disagree, "
          "dark where they all agree"),
         ("both", "Both", "showBoth", "The means and, below them, the spreads (smaller)"))
COLUMN_SHARES = {False: (2, 1), True: (3, 2)}  # both grids shown? the stretch of the two columns
SHOWN_UNCHOSEN = {False: "both", True: "means"}  # zoomed for a room? what is shown until a choice
EXAMPLES_NOTE = "The training images nearest to the class's mean (L2 distance) and furthest from it"
ZOOMED = 1.3  # a text scale from which the panel is taken to be shown to a room: notes become tooltips
METRICS = (("l2", "L2 (sum of squared differences)"), ("l1", "L1 (sum of absolute differences)"))


def _metric_title(key: str) -> str:
    return {"l2": "L2 distance", "l1": "L1 distance"}[key]


def percent(accuracy: float) -> str:
    """0.8203 -> '82.03 %' (the format of the ``baselineAccuracy`` label; a no-break space, so a
    narrow zoomed label never puts the % sign on a line of its own)."""
    return f"{accuracy * 100:.2f}\u00a0%"


class MeansPanel(QWidget):
    """Shows the DatasetHub's baseline of the current dataset; a busy bar while it is computed."""

    computed = Signal(object)  # the complete Baseline

    def __init__(self, datasets, parent=None):
        super().__init__(parent)
        self.setObjectName("meanDigits")
        self.datasets = datasets
        self._dataset = None
        self._result: Baseline | None = None
        self._build()
        self.busy.hide()
        self._clear()
        self.mean_strip.set_placeholder("The mean digits appear when a dataset is loaded.")
        datasets.dataset_changed.connect(self._on_dataset_changed)
        datasets.baseline_changed.connect(self._on_baseline_changed)
        datasets.baseline_failed.connect(self._on_failed)
        if datasets.dataset is not None:
            self._on_dataset_changed(datasets.dataset)
            self._on_baseline_changed(datasets.baseline)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """The panel runs no job and no timer of its own (the DatasetHub fits the baseline)."""
        return True

    # --- building ---------------------------------------------------------------------------

    def _build(self):
        """Two columns: means and baseline on the left, difference and examples on the right."""
        left = QVBoxLayout()
        left.addWidget(self._build_means_box(), 1)
        left.addWidget(self._build_baseline_box())
        right = QVBoxLayout()
        right.addWidget(self._build_difference_box(), 1)
        right.addWidget(self._build_examples_box())
        self.columns = columns = QHBoxLayout()
        columns.addLayout(left)
        columns.addLayout(right)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_header())
        layout.addLayout(columns, 1)
        self._check_shown(SHOWN_UNCHOSEN[False])  # the strips and columns built: their sizes set

    def _build_header(self) -> QHBoxLayout:
        self.status = WrappedLabel("Load a dataset to see its mean digits.", objectName="meansStatus")
        self.busy = QProgressBar(objectName="meansBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(200)
        self.busy.setToolTip("Computing in the background: the app stays usable")
        self.busy.hide()
        header = QHBoxLayout()
        header.addWidget(self.status, 1)
        header.addWidget(self.busy)
        return header

    def _build_means_box(self) -> QGroupBox:
        self.means_box = box = QGroupBox("Mean and spread of each class")
        self.mean_strip = ImageStrip(columns=10, max_cell=MAX_MEAN_CELL)
        self.mean_strip.setObjectName("meanStrip")
        self.mean_strip.setToolTip("Click a mean to see the training images closest to and furthest from it")
        self.std_strip = ImageStrip(columns=10, max_cell=MAX_MEAN_CELL)
        self.std_strip.setObjectName("stdStrip")
        self.std_strip.setToolTip("Click a spread to see the training images closest to and "
                                  "furthest from its class's mean")
        for strip in (self.mean_strip, self.std_strip):
            strip.clicked.connect(self._on_strip_clicked)
        self.means_note = note(MEANS_NOTE)
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.means_note)
        box_layout.addLayout(self._build_shown_choice())
        box_layout.addWidget(self.mean_strip, 1)
        box_layout.addWidget(self.std_strip, 1)
        return box

    def _build_shown_choice(self) -> QHBoxLayout:
        """Means, spread or both. Until one is chosen, both at zoom 1 and the means alone when
        zoomed for a room, where one grid needs all the box's height to be seen."""
        self.shown = QButtonGroup(self)
        self._chosen: str | None = None  # None: the shown grids follow the zoom
        row = QHBoxLayout()
        row.addWidget(QLabel("Show"))
        for key, text, name, tip in SHOWN:
            button = QRadioButton(text, objectName=name)
            button.setToolTip(tip)
            button.setProperty("shown", key)
            button.toggled.connect(self._on_shown_toggled)
            self.shown.addButton(button)
            row.addWidget(button)
        row.addStretch(1)
        self.shown.buttonClicked.connect(self._on_shown_clicked)  # by the user only
        self.show_means, self.show_std, self.show_both = self.shown.buttons()
        return row

    def showing(self) -> str:
        """What the means box shows: "means", "spread" or "both"."""
        return str(self.shown.checkedButton().property("shown"))

    def set_showing(self, key: str):
        """Show ``key`` ("means", "spread" or "both") from now on, at every zoom, as a click does."""
        self._check_shown(key)
        self._chosen = key

    def _check_shown(self, key: str):
        for button in self.shown.buttons():
            if button.property("shown") == key:
                button.setChecked(True)
                return
        raise ValueError(f"the means box shows one of {[k for k, *_ in SHOWN]}, not {key!r}")

    def _on_shown_clicked(self, button: QRadioButton):
        self._chosen = str(button.property("shown"))

    def _on_shown_toggled(self, checked: bool):
        if checked:  # the button turned off toggles too: act once per choice
            self._show_chosen_strips()

    def _show_chosen_strips(self):
        """One grid is as large as the left column is wide: it takes two thirds of the width
        (119 px, not 101, at 1280x720 in F5); two are as large as it is high, and take three fifths."""
        key = self.showing()
        self.mean_strip.setVisible(key != "spread")
        self.std_strip.setVisible(key != "means")
        for index, share in enumerate(COLUMN_SHARES[key == "both"]):
            self.columns.setStretch(index, share)

    def _on_strip_clicked(self, label: int):
        self.example_class.setCurrentIndex(label)  # built after the strips

    def _build_difference_box(self) -> QGroupBox:
        box = QGroupBox("Difference of two means")
        self.class_a, self.class_b = QComboBox(objectName="classA"), QComboBox(objectName="classB")
        self.class_a.setToolTip("Class A: red where A has more ink on average")
        self.class_b.setToolTip("Class B: blue where B has more ink on average")
        self.difference = PixelView(value_format="{:+.0f}")
        self.difference.setObjectName("differenceView")
        self.difference.setMinimumSize(160, 160)
        self.color_bar = ColorBar()
        self.difference_readout = WrappedLabel(HOVER_HINT)
        self.difference.hovered.connect(self._on_difference_hovered)
        self.class_a.currentIndexChanged.connect(self._show_difference)
        self.class_b.currentIndexChanged.connect(self._show_difference)
        pick = QHBoxLayout()
        pick.addWidget(self.class_a, 1)
        pick.addWidget(QLabel("minus"))
        pick.addWidget(self.class_b, 1)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(pick)
        box_layout.addWidget(self.difference, 1)
        box_layout.addWidget(self.color_bar)
        box_layout.addWidget(self.difference_readout)
        return box

    def _build_baseline_box(self) -> QGroupBox:
        box = QGroupBox("Nearest-mean classifier: accuracy on the test images")
        self.baseline_box = box
        self.baseline_note = explain = note(BASELINE_NOTE)
        # wrapped: side by side they set the panel's width when zoomed
        self.accuracy = WrappedLabel(objectName="baselineAccuracy")
        self.accuracy_l1 = WrappedLabel(objectName="baselineAccuracyL1")
        for label in (self.accuracy, self.accuracy_l1):
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            font.setBold(True)
            label.setFont(font)
            label.setTextFormat(Qt.PlainText)
        self.accuracy.setToolTip("Share of test images whose nearest class mean (sum of squared "
                                 "pixel differences) has the right label")
        self.accuracy_l1.setToolTip("The same with the sum of absolute pixel differences")
        self.per_class = QTableWidget(len(METRICS), 10, objectName="baselinePerClass")
        self.per_class.setVerticalHeaderLabels([name.split(" ")[0] for _, name in METRICS])
        self.per_class.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.per_class.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.per_class.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.per_class.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.per_class.setToolTip("Test accuracy per class (%): which digits does pixel "
                                  "similarity confuse most?")
        box_layout = QGridLayout(box)
        box_layout.addWidget(explain, 0, 0, 1, 2)
        box_layout.addWidget(self.accuracy, 1, 0)
        box_layout.addWidget(self.accuracy_l1, 1, 1)
        box_layout.addWidget(self.per_class, 2, 0, 1, 2)
        return box

    def _build_examples_box(self) -> QGroupBox:
        self.examples_box = box = QGroupBox("Most and least typical training images")
        self.example_class = QComboBox(objectName="exampleClass")
        self.example_class.setToolTip("The class whose images are compared with its mean")
        self.example_class.currentIndexChanged.connect(self._show_examples)
        self.closest = ImageStrip(columns=8, max_cell=MAX_EXAMPLE_CELL)
        self.furthest = ImageStrip(columns=8, max_cell=MAX_EXAMPLE_CELL)
        for strip in (self.closest, self.furthest):
            strip.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.closest.setObjectName("closestStrip")
        self.furthest.setObjectName("furthestStrip")
        grid = QGridLayout(box)
        grid.addWidget(QLabel("Class"), 0, 0)
        pick = QHBoxLayout()
        pick.addWidget(self.example_class)
        # one short line beside the class: a wrapped note below it took the height the difference
        # box above needs when the panel is zoomed on a small screen
        self.examples_note = explain = QLabel("nearest its mean (L2), furthest")
        explain.setToolTip(EXAMPLES_NOTE)
        pick.addWidget(explain, 1)
        pick.addStretch(1)  # zoomed, the note is a tooltip: the class box keeps its width
        grid.addLayout(pick, 0, 1)
        for row, (text, strip, tip) in enumerate((
                ("Closest", self.closest, "The most typical: nearest to the mean"),
                ("Furthest", self.furthest, "The most unusual: furthest from the mean")), start=1):
            label = QLabel(text)
            label.setToolTip(tip)
            strip.setToolTip(tip)
            grid.addWidget(label, row, 0)
            grid.addWidget(strip, row, 1)
        grid.setColumnStretch(1, 1)
        return box

    # --- state in ---------------------------------------------------------------------------

    def _on_dataset_changed(self, dataset):
        """The old figures are cleared at once; the hub computes the new ones."""
        self._dataset, self._result = dataset, None
        names = [f"{i}: {n}" if n != str(i) else n for i, n in enumerate(dataset.class_names)]
        for combo, current in ((self.class_a, 3), (self.class_b, 7), (self.example_class, 0)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(min(current, len(names) - 1))
            combo.blockSignals(False)
        self._clear()
        self.status.setText(f"Computing the mean digits of {dataset.name}…")

    def _on_baseline_changed(self, baseline: Baseline | None):
        self.busy.setVisible(baseline is None or not baseline.complete)
        if baseline is None:
            return
        self._show_result(baseline)
        if baseline.complete:
            self._on_done(baseline)

    def result(self) -> Baseline | None:
        return self._result

    def means(self) -> np.ndarray | None:
        return None if self._result is None else self._result.means.copy()

    def is_busy(self) -> bool:
        return self._result is None or not self._result.complete

    # --- showing ----------------------------------------------------------------------------

    def _clear(self):
        for strip in (self.mean_strip, self.std_strip, self.closest, self.furthest):
            strip.set_items([])
        self.mean_strip.set_placeholder("Computing…")
        self.difference.set_image(None, None)
        for key, label in (("l2", self.accuracy), ("l1", self.accuracy_l1)):
            label.setText(f"{_metric_title(key)}: …")
        self.per_class.clearContents()

    def _show_result(self, result: Baseline):
        self._result = result
        names = self._dataset.class_names
        self.mean_strip.set_items([(scaled_gray_image(m, 255), n, f"Mean of class {n}")
                                   for m, n in zip(result.means, names)])
        vmax = float(result.stds.max()) if result.stds.size else 1.0
        self.std_strip.set_items([(heat_image(s, vmax), n,
                                   f"Standard deviation of class {n}: black 0, "
                                   f"yellow {vmax:.0f} (writers disagree most)")
                                  for s, n in zip(result.stds, names)])
        self._show_reports(result.reports)
        self._show_difference()
        self._show_examples()

    def _show_reports(self, reports: dict):
        n = self._dataset.n_classes
        self.per_class.setColumnCount(n)
        self.per_class.setHorizontalHeaderLabels([str(i) for i in range(n)])
        for row, (key, name) in enumerate(METRICS):
            label = self.accuracy if key == "l2" else self.accuracy_l1
            report = reports.get(key)
            if report is None:
                label.setText(f"{_metric_title(key)}: computing…")
                continue
            label.setText(f"{_metric_title(key)}: {percent(report.accuracy)}")
            for cls, acc in enumerate(report.per_class_accuracy):
                item = QTableWidgetItem("–" if math.isnan(acc) else f"{acc * 100:.1f}")
                item.setTextAlignment(Qt.AlignCenter)
                item.setToolTip(f"{name}, class {self._dataset.class_names[cls]}")
                self.per_class.setItem(row, cls, item)
        self._fit_table()

    def _fit_table(self):
        """Exactly as tall as its rows: it never scrolls and never leaves a gap."""
        table = self.per_class
        table.resizeRowsToContents()
        height = table.horizontalHeader().sizeHint().height() + table.verticalHeader().length()
        table.setFixedHeight(height + 2 * table.frameWidth())

    def showEvent(self, event):
        self._fit_table()
        super().showEvent(event)

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:
            self._fit_to_zoom()

    def _fit_to_zoom(self):
        """Zoomed for a room, the means alone (unless a choice was made) and the explanations as
        their boxes' tooltips: the spreads and the lines of large text over the means and the
        baseline took the means' height, the note beside the typical images' class their width
        (at 1280x720 in presentation mode the means were 42 px)."""
        zoomed = text_scale(self) >= ZOOMED
        if self._chosen is None:
            self._check_shown(SHOWN_UNCHOSEN[zoomed])
        for box, label, text in ((self.means_box, self.means_note, MEANS_NOTE),
                                 (self.baseline_box, self.baseline_note, BASELINE_NOTE),
                                 (self.examples_box, self.examples_note, EXAMPLES_NOTE)):
            label.setVisible(not zoomed)
            box.setToolTip(text if zoomed else "")

    def _show_difference(self):
        if self._result is None:
            return
        a, b = self.class_a.currentIndex(), self.class_b.currentIndex()
        diff = self._result.means[a] - self._result.means[b]
        limit = max(1.0, float(np.abs(diff).max()))
        self.difference.set_image(diff, diverging_image(diff, limit))
        names = self._dataset.class_names
        self.color_bar.set_scale(limit, f"more ink in {names[b]}", f"more ink in {names[a]}")

    def _on_difference_hovered(self, row: int, col: int, value: float):
        if row < 0 or math.isnan(value):
            self.difference_readout.setText(HOVER_HINT)
        else:
            self.difference_readout.setText(f"row {row}, column {col}: {value:+.1f}")

    def _show_examples(self):
        if self._result is None:
            return
        cls = self.example_class.currentIndex()
        self.mean_strip.set_selected(cls)
        self.std_strip.set_selected(cls)
        images = self._dataset.train_images
        for strip, indices, what in ((self.closest, self._result.closest[cls], "closest"),
                                     (self.furthest, self._result.furthest[cls], "furthest")):
            strip.set_items([(gray_image(images[i]), f"#{i}", f"Training image #{i:,}: {rank + 1}. {what}")
                             for rank, i in enumerate(indices) if i >= 0])

    def _on_done(self, result: Baseline):
        d = self._dataset
        self.status.setText(f"Mean digits of {d.name}, from {len(d.train_labels):,} training images; "
                            f"accuracy measured on {len(d.test_labels):,} test images.")
        self.computed.emit(result)

    def _on_failed(self, error: str):
        self.busy.hide()
        self.status.setText(f"Could not compute the mean digits: {error}")
