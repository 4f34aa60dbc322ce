"""Open in Inside: an image from the Data browser or Evaluate's mistakes becomes the Inside panel's input."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.data import DataPanel
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.panels.evaluate.view import EvaluateView
from mnist_gui.panels.inside import InsideView
from mnist_gui.state.focus import FocusedImage, ImageFocus, describe
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.runs import RunsModel

from gui import open_window
from synthetic import make_dataset, make_idx_folder

TIMEOUT = 20000

@pytest.fixture(scope="module")
def data():
    return make_dataset(n_train=200, n_test=300)


@pytest.fixture
def hub(qtbot, datasets, data):
    """An untrained network on the synthetic data: it makes plenty of mistakes, and traces fine."""
    datasets.set_dataset(data)
    hub = ModelHub()
    hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(16),), seed=4)), "a test network")
    return hub


@pytest.fixture
def focus(qtbot):
    return ImageFocus()


@pytest.fixture
def inside(qtbot, datasets, hub, focus):
    view = InsideView(datasets, hub, RunsModel(), focus)
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    yield view
    assert view.shutdown(5000)


@pytest.fixture
def data_panel(qtbot, datasets, data, focus):
    datasets.set_dataset(data)
    panel = DataPanel(datasets, focus)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def traced_input(qtbot, inside, image):
    """Wait for the step traced on ``image`` and return it."""
    step = inside.step_view
    qtbot.waitUntil(lambda: step.trace() is not None and not step.runner.is_busy()
                    and np.allclose(step.trace().image * 255, image, atol=1e-3), timeout=TIMEOUT)
    return step.trace()


def looked_at(qtbot, inside):
    """Wait for the saliency view's result on its current image and return it."""
    view = inside.saliency_view
    inside.show_tab("saliency")
    qtbot.waitUntil(lambda: view.saliency() is not None and view.saliency().image is view.image()
                    and not view.runner.is_busy(), timeout=TIMEOUT)
    return view.saliency()


def tile_position(browser, image_index):
    """The centre of the tile of ``image_index`` in the browser's viewport (scrolled into view)."""
    browser.select_image(image_index)
    return browser.visualRect(browser.model().index(browser.thumbnails().row_of(image_index))).center()


def trigger(menu, text):
    action = next(a for a in menu.actions() if a.text() == text)
    assert action.toolTip() and menu.toolTipsVisible()
    action.trigger()


def test_a_focused_image_is_a_read_only_copy_with_what_it_is(qtbot, focus):
    image = np.arange(784, dtype=np.uint8).reshape(28, 28)
    with qtbot.waitSignal(focus.opened) as opened:
        focused = focus.open(image, np.int64(7), describe("train", 1234, "7"), "train", 1234)
    assert opened.args == [focused] and focus.current is focused
    image[0, 0] = 99
    assert focused.image[0, 0] == 0 and not focused.image.flags.writeable
    assert (focused.label, focused.split, focused.index) == (7, "train", 1234)
    assert type(focused.label) is int
    assert focused.description == "training image 1,234 (a 7)"
    assert describe("test", 56, "4", "9") == "test image 56: a 4 read as 9"
    with pytest.raises(ValueError):
        FocusedImage(np.zeros((2, 28, 28), np.uint8), None, "a stack")


def test_the_browser_and_the_canvas_are_asked_for_through_the_focus(qtbot, focus):
    image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    with qtbot.waitSignal(focus.canvas_requested) as asked:
        focus.put_on_canvas(image)
    image[0, 0] = 99
    assert asked.args[0][0, 0] == 0 and not asked.args[0].flags.writeable
    with qtbot.waitSignal(focus.browse_requested) as browsed:
        focus.show_in_browser("test", np.int64(12))
    assert browsed.args == ["test", 12]
    with qtbot.assertNotEmitted(focus.opened):  # only "Open in Inside" opens an image for Inside
        focus.show_in_browser("train", 3)
    assert focus.current is None
    with pytest.raises(ValueError, match="unknown split 'validation'"):
        focus.show_in_browser("validation", 3)
    with pytest.raises(ValueError):
        focus.put_on_canvas(np.zeros((2, 8, 8), np.uint8))


def test_the_data_panel_shows_the_image_the_focus_is_asked_for(qtbot, data, data_panel, focus):
    focus.show_in_browser("test", 41)
    assert data_panel.current_split() == "test" and data_panel.browser.selected_image() == 41
    focus.show_in_browser("train", 7)
    assert data_panel.current_split() == "train" and data_panel.browser.selected_image() == 7


def test_the_draw_panel_reads_the_image_the_focus_puts_on_the_canvas(qtbot, datasets, hub, data, focus, tmp_path):
    draw = DrawView(datasets, hub, drawings_path=tmp_path / "d.npz", focus=focus)
    qtbot.addWidget(draw)
    assert draw.canvas.is_empty()
    focus.put_on_canvas(data.test_images[4])
    np.testing.assert_array_equal(draw.canvas.render_ink(28), data.test_images[4])  # the very image
    draw.read_now()
    assert draw.reading() is not None and draw.drawing.image is not None
    assert draw.shutdown(5000)


def test_open_in_inside_from_the_data_browser_menu_traces_that_very_image(qtbot, data, data_panel, inside):
    inside.show_tab("dynamics")
    browser = data_panel.browser
    menu = browser.open_menu(tile_position(browser, 37))
    assert browser.open_menu(browser.viewport().rect().bottomRight()) is None  # off a tile: no menu
    trigger(menu, "Open in Inside")
    assert inside.tabs.currentWidget() is inside.step_view  # from a tab that shows no image
    step = inside.step_view
    label = int(data.train_labels[37])
    assert step.source.currentData() == "opened" and step.source.currentText() == "The opened image"
    assert step.opened_label.isVisible() and step.opened_label.text() == f"training image 37 (a {label})"
    trace = traced_input(qtbot, inside, data.train_images[37])
    assert trace.label == label and step.label.currentData() == label
    np.testing.assert_array_equal(step.image()[0], data.train_images[37])
    saliency = looked_at(qtbot, inside)
    np.testing.assert_array_equal(inside.saliency_view.image(), data.train_images[37])
    np.testing.assert_allclose(saliency.saliency.image * 255, data.train_images[37], atol=1e-3)
    assert "training image 37 (a" in inside.saliency_view.status.text()


def test_double_click_and_the_button_open_the_selected_tile(qtbot, data, data_panel, focus):
    data_panel.split_selector.setCurrentText("test")
    browser = data_panel.browser
    pos = tile_position(browser, 5)
    qtbot.mouseClick(browser.viewport(), Qt.LeftButton, pos=pos)  # a double-click's first press
    with qtbot.waitSignal(focus.opened) as opened:
        qtbot.mouseDClick(browser.viewport(), Qt.LeftButton, pos=pos)
    assert (opened.args[0].split, opened.args[0].index) == ("test", 5)
    np.testing.assert_array_equal(opened.args[0].image, data.test_images[5])
    button = data_panel.open_inside_button
    assert button.isEnabled() and "inside the network" in button.toolTip()
    data_panel.go_to(9)
    with qtbot.waitSignal(focus.opened) as opened:
        qtbot.mouseClick(button, Qt.LeftButton)
    assert opened.args[0].index == 9 and opened.args[0].label == int(data.test_labels[9])
    assert opened.args[0].description.startswith("test image 9 (a ")


def test_a_data_panel_without_a_focus_offers_no_open_in_inside(qtbot, datasets, data):
    panel = DataPanel(datasets)
    qtbot.addWidget(panel)
    assert not hasattr(panel, "open_inside_button")
    assert panel.browser.contextMenuPolicy() != Qt.CustomContextMenu


def evaluated_view(qtbot, datasets, hub, focus):
    """An Evaluate view with the focus, shown, and the evaluation it made."""
    evaluate = EvaluateView(datasets, hub, focus)
    qtbot.addWidget(evaluate)
    with qtbot.waitSignal(evaluate.evaluated, timeout=TIMEOUT) as done:
        evaluate.show()
    return evaluate, done.args[0]


def test_open_in_inside_from_evaluates_mistakes(qtbot, datasets, hub, data, focus, inside):
    evaluate, evaluation = evaluated_view(qtbot, datasets, hub, focus)
    gallery = evaluate.mistakes.gallery
    index = int(gallery.indices()[2])
    true, read_as = int(data.test_labels[index]), int(evaluation.predicted[index])
    assert true != read_as
    trigger(gallery.image_menu(2), "Open in Inside")
    step = inside.step_view
    assert step.opened_label.text() == f"test image {index}: a {true} read as {read_as}"
    trace = traced_input(qtbot, inside, data.test_images[index])
    assert trace.label == true
    looked_at(qtbot, inside)
    np.testing.assert_array_equal(inside.saliency_view.image(), data.test_images[index])
    button = evaluate.mistakes.open_inside_button
    gallery.view.setCurrentIndex(gallery.model.index(0))
    first = int(gallery.indices()[0])
    with qtbot.waitSignal(focus.opened) as opened:
        qtbot.mouseClick(button, Qt.LeftButton)
    np.testing.assert_array_equal(opened.args[0].image, data.test_images[first])
    assert evaluate.shutdown(5000)


def test_open_in_inside_from_a_confusion_matrix_cell(qtbot, datasets, hub, data, focus, inside):
    evaluate, evaluation = evaluated_view(qtbot, datasets, hub, focus)
    confusion = evaluate.confusion
    cell = confusion.cell_indices()  # the cell of the most frequent mistake, chosen on evaluation
    assert len(cell) and np.all(evaluation.predicted[cell] != evaluation.true[cell])
    with qtbot.waitSignal(focus.opened) as opened:
        trigger(confusion.cell_images.image_menu(0), "Open in Inside")
    np.testing.assert_array_equal(opened.args[0].image, data.test_images[cell[0]])
    assert opened.args[0].label == int(data.test_labels[cell[0]])
    assert inside.step_view.opened_label.text().startswith(f"test image {cell[0]}: a ")
    assert evaluate.shutdown(5000)


def test_a_3_vs_7_networks_images_go_on_with_their_digit_and_test_set_index(qtbot, datasets, data, focus):
    """Evaluate scores a 3-vs-7 network on the 3s and 7s relabelled 0 and 1: Inside gets the digit
    (not output 0 or 1) and the browser the image's index in the whole test set."""
    from engine.classes import places, with_classes

    datasets.set_dataset(data)
    hub = ModelHub()
    hub.set_network(Network(with_classes(NetworkSpec(hidden=(HiddenLayer(8),), seed=4), [3, 7])), "3 vs 7")
    evaluate, _evaluation = evaluated_view(qtbot, datasets, hub, focus)
    where = places(data.test_labels, (3, 7))
    gallery = evaluate.mistakes.gallery
    assert len(gallery.indices()), "an untrained network gets some wrong"
    for row in range(min(3, len(gallery.indices()))):
        index = where.index(int(gallery.indices()[row]))  # in the whole test set
        true = int(data.test_labels[index])
        assert true in (3, 7)
        with qtbot.waitSignal(focus.opened) as opened:
            trigger(gallery.image_menu(row), "Open in Inside")
        image = opened.args[0]
        np.testing.assert_array_equal(image.image, data.test_images[index])
        assert (image.label, image.index) == (true, index)
        assert image.description == f"test image {index:,}: a {true} read as {10 - true}"
        tooltip = gallery.model.data(gallery.model.index(row), Qt.ToolTipRole)
        assert tooltip.startswith(f"Test image #{index:,}: really a {true}")
        with qtbot.waitSignal(focus.browse_requested) as browsed:
            trigger(gallery.image_menu(row), "Show in the data browser")
        assert browsed.args == ["test", index]
    cell = evaluate.confusion.cell_images
    if len(cell.indices()):
        with qtbot.waitSignal(focus.opened) as opened:
            trigger(cell.image_menu(0), "Open in Inside")
        assert opened.args[0].index == where.index(int(cell.indices()[0]))
        assert opened.args[0].label == int(data.test_labels[opened.args[0].index])
    assert evaluate.shutdown(5000)


def test_the_drawing_again_keeps_the_opened_image_a_new_drawing_replaces_it(qtbot, data, focus, inside):
    drawing = np.zeros((28, 28), np.uint8)
    drawing[8:20, 12:16] = 255
    inside.drawing.set_image(drawing)
    focus.open(data.train_images[3], int(data.train_labels[3]), "training image 3", "train", 3)
    with qtbot.assertNotEmitted(inside.drawing.changed):
        inside.drawing.set_image(drawing.copy())  # what the Draw panel reads with each new network
    np.testing.assert_array_equal(inside.saliency_view.image(), data.train_images[3])
    assert inside.step_view.source.currentData() == "opened"
    drawing[8:20, 16:18] = 255
    inside.drawing.set_image(drawing.copy())
    np.testing.assert_array_equal(inside.saliency_view.image(), drawing)


def test_another_dataset_forgets_the_opened_image(qtbot, datasets, data, focus, inside):
    focus.open(data.train_images[3], int(data.train_labels[3]), "training image 3", "train", 3)
    datasets.set_dataset(make_dataset(n_train=50, n_test=20, seed=5))
    step = inside.step_view
    assert step.image() == (None, None) and step.opened_label.text() == "(nothing opened yet)"
    assert inside.saliency_view.image() is None
    qtbot.waitUntil(lambda: "Open in Inside" in step.summary.text(), timeout=TIMEOUT)


def test_the_main_window_shows_the_inside_panel_with_the_opened_image(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "synthetic"), settings)
    window.hub.set_network(Network(NetworkSpec(hidden=(HiddenLayer(16),), seed=4)), "a test network")
    assert window.navigator.current_key() == "data"
    browser = window.data_panel.browser
    trigger(browser.open_menu(tile_position(browser, 11)), "Open in Inside")
    assert window.navigator.current_key() == "inside"
    assert window.current_panel() is window.inside_view
    assert window.focus.current.index == 11
    traced_input(qtbot, window.inside_view, window.dataset.train_images[11])
    np.testing.assert_array_equal(window.inside_view.saliency_view.image(), window.dataset.train_images[11])
