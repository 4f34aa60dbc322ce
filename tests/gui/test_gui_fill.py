"""Classroom sizes: the confusion matrix and the image grids fill the room they are given, and a
zoomed window still fits a 1280x720 screen."""

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from engine.evaluation import evaluate_network
from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.data.browser import DatasetBrowser
from mnist_gui.panels.evaluate.confusion import ConfusionMatrix, ConfusionView
from mnist_gui.state.presentation import MAX_ZOOM, PRESENTING_ZOOM
from mnist_gui.widgets.image_gallery import SPACING, THUMB, AnswerDelegate, ImageGallery
from mnist_gui.widgets.panel_area import PanelArea
from mnist_gui.widgets.zoom import apply_zoom

from gui import open_window
from synthetic import make_dataset, make_idx_folder


@pytest.fixture(scope="module")
def synthetic():
    return make_dataset(n_train=60, n_test=300)


@pytest.fixture(scope="module")
def evaluation(synthetic):
    network = Network(NetworkSpec(hidden=(HiddenLayer(16),), seed=5))  # untrained: many cells used
    return evaluate_network(network, synthetic.test_images, synthetic.test_labels, 10)


def shown(qtbot, widget: QWidget, width: int, height: int) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    return widget


# --- the confusion matrix ------------------------------------------------------------------


def test_the_matrix_grows_with_its_widget_and_keeps_the_models_numbers(qtbot, evaluation):
    small, big = (shown(qtbot, ConfusionMatrix(), w, h) for w, h in ((360, 330), (1200, 1000)))
    for matrix in (small, big):
        matrix.set_confusion(evaluation.confusion, tuple(str(c) for c in range(10)))
    small_cell, big_cell = small.cell_rect(0, 0), big.cell_rect(0, 0)
    assert big_cell.width() > 2.5 * small_cell.width()
    assert big_cell.width() == big_cell.height()            # square cells
    assert big.cell_rect(9, 9).bottom() <= big.height()     # all of it on the widget
    assert big.cell_rect(9, 9).right() < big.width()
    assert big.number_font().pixelSize() > small.number_font().pixelSize() >= 7
    for t, p in ((0, 0), (3, 5), (9, 2)):
        assert big.cell_text(t, p) == small.cell_text(t, p) == f"{evaluation.confusion[t, p]:,}"
    big.set_normalised(True)
    row = evaluation.confusion[3]
    if row[5]:
        assert big.cell_text(3, 5).endswith("%") and big.cell_text(3, 5)[0].isdigit()


def test_the_widest_number_fits_its_cell(qtbot):
    from PySide6.QtGui import QFontMetricsF
    matrix = shown(qtbot, ConfusionMatrix(), 420, 380)
    counts = np.full((10, 10), 7, dtype=np.int64)
    counts[1, 1] = 11_350
    matrix.set_confusion(counts, tuple(str(c) for c in range(10)))
    text = matrix.cell_text(1, 1)
    assert text == "11,350"
    assert QFontMetricsF(matrix.number_font(text)).horizontalAdvance(text) <= matrix.cell_rect(1, 1).width()
    assert matrix.number_font("7").pixelSize() > matrix.number_font(text).pixelSize()  # others keep theirs


def test_the_matrix_takes_most_of_a_wide_view(qtbot, evaluation, synthetic):
    view = shown(qtbot, ConfusionView(), 1800, 1000)
    view.set_evaluation(evaluation, synthetic.test_images, tuple(str(c) for c in range(10)))
    QApplication.processEvents()
    assert view.matrix.cell_rect(0, 0).width() > 60
    assert view.matrix.width() > view.cell_images.width()


# --- the image grids -----------------------------------------------------------------------


def gallery_with_items(qtbot, width: int, evaluation, synthetic) -> ImageGallery:
    gallery = shown(qtbot, ImageGallery("testGallery"), width, 600)
    order = np.arange(60)
    gallery.set_items(synthetic.test_images, order, evaluation.true[order],
                      evaluation.top_classes[order], evaluation.top_probs[order],
                      tuple(str(c) for c in range(10)))
    QApplication.processEvents()
    return gallery


def row_of_tiles(view) -> list:
    rects = [view.visualRect(view.model().index(i)) for i in range(view.model().rowCount())]
    return [r for r in rects if r.top() == rects[0].top()]


def test_gallery_tiles_grow_to_fill_the_width(qtbot, evaluation, synthetic):
    probe = ImageGallery("probe")
    qtbot.addWidget(probe)
    fm = probe.view.fontMetrics()
    natural = AnswerDelegate.natural_size(fm, THUMB).width() + 2 * SPACING
    edges = 30  # the scroll bar and the frame
    narrow = gallery_with_items(qtbot, int(2.1 * natural) + edges, evaluation, synthetic)  # 2 columns
    wide = gallery_with_items(qtbot, int(2.9 * natural) + edges, evaluation, synthetic)   # still 2
    assert len(row_of_tiles(narrow.view)) == len(row_of_tiles(wide.view)) == 2
    assert wide.thumbnail_side() > narrow.thumbnail_side() * 1.25
    assert wide.tile_size().height() > narrow.tile_size().height()
    for gallery in (narrow, wide):
        row = row_of_tiles(gallery.view)
        assert row[0].size() == gallery.tile_size()
        spare = gallery.view.viewport().width() - (row[-1].right() - row[0].left())
        assert 0 <= spare < 0.25 * gallery.tile_size().width()  # no empty band on the right
        pixmap = gallery.model.data(gallery.model.index(0), 1)  # Qt.DecorationRole
        assert round(pixmap.width() / pixmap.devicePixelRatio()) == gallery.thumbnail_side()
    narrow.resize(wide.size())  # a splitter moved: the tiles follow
    qtbot.waitUntil(lambda: narrow.thumbnail_side() == wide.thumbnail_side())
    assert row_of_tiles(narrow.view)[0].size() == wide.tile_size()


def test_gallery_tiles_grow_with_the_zoom(qtbot, evaluation, synthetic):
    gallery = gallery_with_items(qtbot, 700, evaluation, synthetic)
    before = gallery.thumbnail_side()
    apply_zoom(gallery, PRESENTING_ZOOM)
    QApplication.processEvents()
    assert gallery.thumbnail_side() >= before * 1.3
    apply_zoom(gallery, 1.0)
    QApplication.processEvents()
    assert gallery.thumbnail_side() == before


def test_browser_thumbnails_fill_the_width_and_grow_with_the_zoom(qtbot, synthetic):
    browsers = [shown(qtbot, DatasetBrowser(), w, 500) for w in (300, 900)]
    for browser in browsers:
        browser.thumbnails().set_split(synthetic.train_images, synthetic.train_labels,
                                       tuple(str(c) for c in range(10)))
        browser.set_thumbnail_size(80)
        QApplication.processEvents()
        cell = browser.gridSize()
        assert cell.width() == cell.height()  # square
        assert browser.thumbnails().thumbnail_size() >= 80
        assert cell.width() * browser.columns() <= browser.viewport().width() < (
            cell.width() * (browser.columns() + 1))
    browser = browsers[1]
    side = browser.thumbnails().thumbnail_size()
    apply_zoom(browser, PRESENTING_ZOOM)
    QApplication.processEvents()
    assert browser.thumbnails().thumbnail_size() > side * 1.2


# --- the window ----------------------------------------------------------------------------


@pytest.mark.parametrize("zoom", [PRESENTING_ZOOM, MAX_ZOOM])
def test_a_zoomed_window_fits_a_1280x720_screen(qtbot, settings, tmp_path, zoom):
    window = open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)
    window.presentation.set_presenting(True)
    window.presentation.set_zoom(zoom)
    for key in window.navigator.keys():  # noqa: SIM118  (a navigator, not a dict); every panel laid out at this zoom
        window.show_panel(key)
        QApplication.processEvents()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, (zoom, hint)
    if zoom == PRESENTING_ZOOM:  # no need to scroll sideways to see the results
        for key in ("data", "means", "evaluate"):
            room = 1280 - window.navigator.sidebar.width()
            assert window.panel(key).minimumSizeHint().width() < room, key


def panel_with_wrapped_text() -> QWidget:
    """Wrapped text (height for width) above a plot that would like 900x700 and can do with less."""
    from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout

    class Plot(QWidget):
        def sizeHint(self):
            return QSize(900, 700)

        def minimumSizeHint(self):
            return QSize(200, 150)

    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.addWidget(QLabel("A sentence long enough to wrap onto a few lines. " * 4, wordWrap=True))
    plot = Plot()
    plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
    layout.addWidget(plot, 1)
    return panel


def test_a_panel_fills_its_area_and_scrolls_only_below_its_minimum(qtbot):
    panel = panel_with_wrapped_text()
    area = shown(qtbot, PanelArea(panel), 600, 400)
    qtbot.waitUntil(lambda: panel.size() == area.viewport().size())
    assert area.verticalScrollBar().maximum() == 0 and area.horizontalScrollBar().maximum() == 0
    area.resize(150, 120)  # smaller than the panel can be: it scrolls, at its minimum size
    qtbot.waitUntil(lambda: area.horizontalScrollBar().maximum() > 0)
    assert area.verticalScrollBar().maximum() > 0
    assert panel.width() == panel.minimumSizeHint().width()


def test_the_drawing_beside_the_activations_grows_with_the_zoom(qtbot):
    from mnist_gui.panels.evaluate.weights import INPUT_SIDE, WeightsView
    view = shown(qtbot, WeightsView(), 900, 600)
    assert view.input_tile.maximumWidth() == INPUT_SIDE
    apply_zoom(view, PRESENTING_ZOOM)
    assert view.input_tile.maximumWidth() == round(INPUT_SIDE * PRESENTING_ZOOM)


def test_tabs_are_as_tall_as_the_page_shown_not_the_tallest(qtbot):
    from PySide6.QtWidgets import QSizePolicy, QTabWidget

    from mnist_gui.widgets.panel_area import fit_current_page
    class Page(QWidget):
        def __init__(self, height):
            super().__init__()
            self.least = QSize(100, height)

        def minimumSizeHint(self):
            return self.least

    short, tall = Page(50), Page(600)
    tall.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Minimum)
    tabs = QTabWidget()
    tabs.addTab(short, "short")
    tabs.addTab(tall, "tall")
    plain_height = tabs.minimumSizeHint().height()
    assert plain_height > 600  # a plain QTabWidget: as tall as its tallest page, whichever is shown
    fit_current_page(tabs)
    shown(qtbot, tabs, 300, 300)
    assert tabs.minimumSizeHint().height() < 200
    tabs.setCurrentIndex(1)
    assert tabs.minimumSizeHint().height() >= plain_height
    assert tall.sizePolicy().horizontalPolicy() == QSizePolicy.Expanding  # its own policy, given back
    tabs.setCurrentIndex(0)
    assert tabs.minimumSizeHint().height() < 200
