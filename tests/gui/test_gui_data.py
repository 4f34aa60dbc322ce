"""The Data panel: the thumbnail grid follows the filters, selecting shows the image and its pixels."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QListView

from mnist_gui.panels.data.browser import IMAGE_INDEX_ROLE

from gui import open_window
from synthetic import make_idx_folder


@pytest.fixture
def window(qtbot, settings, tmp_path):
    return open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)


def widgets(window):
    return (window.findChild(QListView, "datasetBrowser"), window.findChild(QComboBox, "labelFilter"),
            window.findChild(QComboBox, "splitSelector"))


def test_named_widgets_have_the_promised_items(window):
    browser, label_filter, split = widgets(window)
    assert [label_filter.itemText(i) for i in range(label_filter.count())] == \
        ["All"] + [str(d) for d in range(10)]
    assert [split.itemText(i) for i in range(split.count())] == ["train", "test"]
    assert browser.model().rowCount() == 120


def test_rows_follow_label_and_split(window):
    browser, label_filter, split = widgets(window)
    for split_name in ("train", "test"):
        split.setCurrentText(split_name)
        _, labels = window.dataset.split(split_name)
        for digit in range(10):
            label_filter.setCurrentText(str(digit))
            model = browser.model()
            assert model.rowCount() == np.count_nonzero(labels == digit)
            shown = [model.index(r).data(IMAGE_INDEX_ROLE) for r in range(model.rowCount())]
            assert np.all(labels[shown] == digit)
        label_filter.setCurrentText("All")
        assert browser.model().rowCount() == len(labels)
    counts = window.data_panel.counts.counts()
    assert counts.tolist() == np.bincount(window.dataset.test_labels, minlength=10).tolist()


def test_selecting_shows_the_image_and_its_label(qtbot, window):
    browser, label_filter, _ = widgets(window)
    label_filter.setCurrentText("7")
    row = 2
    index = browser.model().index(row)
    browser.setCurrentIndex(index)
    image_index = index.data(IMAGE_INDEX_ROLE)
    detail = window.data_panel.detail
    np.testing.assert_array_equal(detail.values(), window.dataset.train_images[image_index])
    info = window.data_panel.info.text()
    assert f"#{image_index:,}" in info and "label <b>7</b>" in info
    assert f"#{image_index:,}" in index.data(Qt.ToolTipRole)
    pixmap = index.data(Qt.DecorationRole)
    drawn = browser.model().thumbnail_size()  # at least the zoom's size: thumbnails fill the width
    assert pixmap.width() == round(drawn * pixmap.devicePixelRatio())
    assert window.data_panel.zoom.value() <= drawn < browser.gridSize().width()


def test_hover_reads_a_pixel_and_values_can_be_printed(qtbot, window):
    window.resize(1400, 900)
    detail = window.data_panel.detail
    browser, _, _ = widgets(window)
    browser.setCurrentIndex(browser.model().index(5))
    qtbot.waitUntil(lambda: detail.width() > 300)
    values = detail.values()
    hovered = []
    detail.hovered.connect(lambda *args: hovered.append(list(args)))
    target = detail._target()
    cell = target.width() / 28
    row, col = 13, 9
    pos = QPoint(int(target.left() + (col + 0.5) * cell), int(target.top() + (row + 0.5) * cell))
    qtbot.mouseMove(detail, pos)
    qtbot.waitUntil(lambda: hovered and hovered[-1][:2] == [row, col], timeout=2000)
    assert hovered[-1][2] == values[row, col]
    assert f"row {row}, column {col}: <b>{values[row, col]}</b>" in window.data_panel.readout.text()
    window.data_panel.show_values.setChecked(True)
    assert detail.show_values() and detail.can_print_values()
    detail.grab()  # paints the printed values without error


def test_go_to_index_clears_a_hiding_filter(window):
    browser, label_filter, _ = widgets(window)
    label_filter.setCurrentText("3")
    target = int(np.flatnonzero(window.dataset.train_labels == 5)[1])
    assert window.data_panel.go_to(target)
    assert label_filter.currentText() == "All"
    assert browser.currentIndex().data(IMAGE_INDEX_ROLE) == target


def test_zoom_changes_the_thumbnail_size(window):
    panel = window.data_panel
    panel.set_zoom(100)
    assert panel.browser.gridSize().width() > 100
    panel.set_zoom(10_000)
    assert panel.zoom.value() == panel.zoom.maximum()


def test_real_mnist_counts_and_selection(qtbot, settings, mnist_dir):
    window = open_window(qtbot, mnist_dir, settings)
    browser, label_filter, split = widgets(window)
    assert browser.model().rowCount() == 60_000
    label_filter.setCurrentText("3")
    assert browser.model().rowCount() == 6_131
    assert window.data_panel.shown_count.text() == "6,131 of 60,000 images"
    split.setCurrentText("test")
    assert browser.model().rowCount() == 1_010
    label_filter.setCurrentText("All")
    assert browser.model().rowCount() == 10_000
    assert window.data_panel.go_to(9_999)
    np.testing.assert_array_equal(window.data_panel.detail.values(), window.dataset.test_images[9_999])
    assert f"label <b>{window.dataset.test_labels[9_999]}</b>" in window.data_panel.info.text()



def first_row(browser):
    """(columns, width they take) of the grid's first row, as laid out."""
    model = browser.model()
    top = browser.visualRect(model.index(0)).top()
    rects = [browser.visualRect(model.index(i)) for i in range(min(model.rowCount(), 60))]
    row = [r for r in rects if r.top() == top]
    pitch = row[1].left() - row[0].left() if len(row) > 1 else browser.gridSize().width()
    return len(row), len(row) * pitch


def test_showing_pixel_values_keeps_the_grid_and_the_chart(qtbot, window):
    window.resize(1280, 720)
    panel = window.data_panel
    panel.set_zoom(52)
    qtbot.waitUntil(lambda: panel.browser.width() > 300)
    columns = first_row(panel.browser)[0]
    panel.show_values.setChecked(True)
    QApplication.processEvents()
    assert first_row(panel.browser)[0] == columns
    assert panel.counts.isVisible() and panel.counts.height() > 40
    panel.show_values.setChecked(False)
    QApplication.processEvents()
    assert first_row(panel.browser)[0] == columns


def test_the_grid_cells_share_the_width_at_any_zoom(qtbot, window):
    panel = window.data_panel
    for zoom in (52, 120, 160):
        panel.set_zoom(zoom)
        QApplication.processEvents()
        columns, right = first_row(panel.browser)
        spare = panel.browser.viewport().width() - right
        assert 0 <= spare <= columns, zoom   # no band a thumbnail wide on the right
