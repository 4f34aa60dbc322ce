"""The Draw panel: strokes are read by the network (and the baseline), Clear and Undo, live reading, pasting."""


import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from engine.baseline import MeanDigitClassifier
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.preprocessing import preprocess_drawing, preprocess_framed
from engine.training import TrainConfig, Trainer
from mnist_gui.panels.draw.canvas import DrawCanvas, ink_array
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.state.model_hub import ModelHub

from synthetic import make_dataset

TIMEOUT = 10000


@pytest.fixture(scope="module")
def synthetic():
    return make_dataset(n_train=200, n_test=60)


@pytest.fixture(scope="module")
def network(synthetic):
    """A small network trained for a moment on the synthetic digits."""
    net = Network(NetworkSpec(hidden=(HiddenLayer(32),)))
    trainer = Trainer(net, TrainConfig(epochs=3, batch_size=32, validation_fraction=0),
                      synthetic.train_images, synthetic.train_labels)
    for _ in trainer.run():
        pass
    return net


@pytest.fixture
def hub(qtbot):
    return ModelHub()


@pytest.fixture
def view(qtbot, hub, tmp_path, datasets):
    view = DrawView(datasets, hub, drawings_path=tmp_path / "my_drawings.npz")
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    yield view
    assert view.shutdown(5000)


def draw_stroke(qtbot, canvas: DrawCanvas, points):
    """Press at the first point, move through the others, release at the last (units of the side)."""
    positions = [canvas.position_of(x, y) for x, y in points]
    qtbot.mousePress(canvas, Qt.LeftButton, pos=positions[0])
    for pos in positions[1:]:
        qtbot.mouseMove(canvas, pos)
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=positions[-1])


ONE = [(0.5, 0.2 + 0.05 * i) for i in range(13)]          # a vertical bar
BAR = [(0.3 + 0.05 * i, 0.5) for i in range(9)]           # a horizontal bar


def test_the_names_for_automation_are_there(view):
    for name, cls in (("drawCanvas", DrawCanvas), ("clearCanvasButton", QPushButton),
                      ("predictionLabel", QLabel), ("probabilityPlot", QWidget)):
        assert isinstance(view.findChild(cls, name), cls), name


def test_an_empty_canvas_shows_no_prediction(view, hub, network):
    hub.set_network(network, "test network")
    assert view.canvas.is_empty()
    assert view.findChild(QLabel, "predictionLabel").text() == ""
    assert len(view.prediction.plot.values()) == 0
    assert view.reading() is None


def test_a_stroke_is_read_and_clear_empties_it(qtbot, view, hub, network):
    hub.set_network(network, "test network")
    with qtbot.waitSignal(view.drawing.changed) as drawn:
        draw_stroke(qtbot, view.canvas, ONE)
    label = view.findChild(QLabel, "predictionLabel")
    probabilities = view.prediction.plot.values()
    assert label.text() == str(int(np.argmax(probabilities)))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    expected = network.predict_proba(preprocess_drawing(view.canvas.ink()).image[None])[0]
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)
    assert drawn.args[0].shape == (28, 28) and drawn.args[0].dtype == np.uint8
    with qtbot.waitSignal(view.drawing.changed) as cleared:
        qtbot.mouseClick(view.findChild(QPushButton, "clearCanvasButton"), Qt.LeftButton)
    assert cleared.args == [None]
    assert label.text() == "" and len(view.prediction.plot.values()) == 0
    assert view.canvas.is_empty() and view.canvas.ink().max() == 0


def test_the_drawing_state_is_news_only_when_the_drawing_changes(qtbot, view, hub, network):
    """Draw puts the network's input in its Drawing; a new network reads the same pixels again,
    which Evaluate and Inside are not told about."""
    hub.set_network(network, "test network")
    with qtbot.waitSignal(view.drawing.changed) as drawn:
        draw_stroke(qtbot, view.canvas, ONE)
    np.testing.assert_array_equal(view.drawing.image, view.reading().pre.image)
    assert drawn.args[0] is view.drawing.image and not view.drawing.image.flags.writeable
    with qtbot.assertNotEmitted(view.drawing.changed):
        hub.set_network(network.copy(), "the same weights again")
    assert view.reading() is not None


def test_undo_removes_the_last_stroke_and_keys_work(qtbot, view):
    draw_stroke(qtbot, view.canvas, ONE)
    one = view.canvas.ink()
    draw_stroke(qtbot, view.canvas, BAR)
    assert view.canvas.stroke_count() == 2
    assert (view.canvas.ink() > one).any()
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert view.canvas.stroke_count() == 1
    np.testing.assert_array_equal(view.canvas.ink(), one)
    qtbot.keyClick(view.canvas, Qt.Key_Delete)
    assert view.canvas.is_empty()
    draw_stroke(qtbot, view.canvas, BAR)
    qtbot.keyClick(view.canvas, Qt.Key_Backspace)
    assert view.canvas.is_empty()


def test_the_drawing_is_read_while_the_stroke_goes_on(qtbot, view, hub, network):
    hub.set_network(network, "test network")
    canvas = view.canvas
    qtbot.mousePress(canvas, Qt.LeftButton, pos=canvas.position_of(*ONE[0]))
    for point in ONE[1:]:
        qtbot.mouseMove(canvas, canvas.position_of(*point))
    assert canvas.is_drawing()
    qtbot.waitUntil(lambda: view.reading() is not None, timeout=TIMEOUT)
    assert view.findChild(QLabel, "predictionLabel").text() != ""
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=canvas.position_of(*ONE[-1]))
    assert canvas.stroke_count() == 1


def test_the_ink_is_white_on_black_where_it_was_drawn(qtbot, view):
    draw_stroke(qtbot, view.canvas, [(0.1, 0.1), (0.3, 0.1)])
    ink = view.canvas.ink()
    side = ink.shape[0]
    assert ink.shape == (side, side) and ink.dtype == np.uint8 and side >= 280
    assert ink.max() == 255
    rows, cols = np.nonzero(ink)
    assert rows.max() < side * 0.25 and cols.max() < side * 0.4   # only the top-left was touched
    assert ink[side // 2, side // 2] == 0


def test_the_brush_width_sets_the_stroke_width(qtbot, view):
    widths = []
    for brush in (8, 30):
        view.canvas.clear()
        view.brush.setValue(brush)
        draw_stroke(qtbot, view.canvas, [(0.2, 0.5), (0.8, 0.5)])
        ink = view.canvas.ink()
        widths.append(np.count_nonzero(ink[:, ink.shape[1] // 2] > 127) / ink.shape[0])
    assert widths[0] == pytest.approx(8 / 280, abs=0.01)
    assert widths[1] == pytest.approx(30 / 280, abs=0.01)


def test_pen_pressure_scales_the_brush(qtbot, view):
    canvas, device = view.canvas, QPointingDevice.primaryPointingDevice()

    def tablet(kind, x, y, pressure):
        pos = QPointF(canvas.position_of(x, y))
        event = QTabletEvent(kind, device, pos, QPointF(canvas.mapToGlobal(pos)), pressure, 0.0,
                             0.0, 0.0, 0.0, 0.0, Qt.NoModifier, Qt.LeftButton, Qt.LeftButton)
        QApplication.sendEvent(canvas, event)

    widths = []
    for pressure in (1.0, 0.2):
        canvas.clear()
        tablet(QEvent.TabletPress, 0.2, 0.5, pressure)
        tablet(QEvent.TabletMove, 0.8, 0.5, pressure)
        tablet(QEvent.TabletRelease, 0.8, 0.5, pressure)
        ink = canvas.ink()
        widths.append(np.count_nonzero(ink[:, ink.shape[1] // 2] > 127))
    assert canvas.stroke_count() == 1
    assert widths[1] < 0.6 * widths[0]


def test_without_a_network_it_says_what_to_do_and_the_baseline_answers(qtbot, view, synthetic, datasets):
    with qtbot.waitSignal(view.baseline_ready, timeout=TIMEOUT):
        datasets.set_dataset(synthetic)
    draw_stroke(qtbot, view.canvas, ONE)
    assert view.findChild(QLabel, "predictionLabel").text() == ""
    assert "Train a network" in view.status.text()
    assert "Train a network" in view.prediction.detail.text()
    assert "baseline says" in view.prediction.baseline.text()
    assert view.reading().probabilities is None


def test_the_baseline_answer_is_the_engines(qtbot, view, hub, network, synthetic, datasets):
    hub.set_network(network, "test network")
    with qtbot.waitSignal(view.baseline_ready, timeout=TIMEOUT):
        datasets.set_dataset(synthetic)
    draw_stroke(qtbot, view.canvas, BAR)
    reference = MeanDigitClassifier("l2").fit(synthetic.train_images, synthetic.train_labels, 10)
    image = preprocess_framed(view.canvas.ink(), view.framing()).image  # the dataset's framing
    assert view.reading().baseline_class == int(reference.predict(image[None])[0])
    assert view.prediction.baseline.text().endswith(f"says {view.reading().baseline_class}")


def test_a_new_network_reads_the_drawing_again(qtbot, view, hub, network):
    draw_stroke(qtbot, view.canvas, ONE)
    assert view.findChild(QLabel, "predictionLabel").text() == ""
    hub.set_network(network, "epoch 3 of 3")
    assert view.findChild(QLabel, "predictionLabel").text() != ""
    assert "epoch 3 of 3" in view.prediction.detail.text()
    hub.set_network(None)
    assert view.findChild(QLabel, "predictionLabel").text() == ""


def test_an_image_shown_on_the_canvas_goes_through_the_preprocessing(qtbot, view, hub, network):
    hub.set_network(network, "test network")
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[6:22, 12:16] = 255
    with qtbot.waitSignal(view.drawing.changed) as shown:
        view.show_image(digit)
    # the shown image, scaled up onto the canvas, comes back through the preprocessing as the digit
    # itself, but for a pixel where its centre falls on a half pixel (a bar of 16 rows: Qt's scaling
    # to the canvas rounds that half either way, by version and canvas size)
    read, direct = shown.args[0], preprocess_drawing(digit).image
    for axis in (0, 1):
        mine, theirs = np.flatnonzero(read.any(axis=axis)), np.flatnonzero(direct.any(axis=axis))
        assert abs(len(mine) - len(theirs)) <= 1 and abs(mine[0] - theirs[0]) <= 1
    assert np.count_nonzero(read != direct) <= 28  # at most one row or column of 28
    view.canvas.undo()  # undo takes the shown image away too
    assert view.canvas.is_empty() and view.reading() is None


def test_ink_array_skips_the_line_padding():
    image = QImage(283, 5, QImage.Format_Grayscale8)   # 283 bytes of pixels in 284-byte lines
    image.fill(0)
    image.setPixel(282, 4, 0xFFFFFFFF)
    assert image.bytesPerLine() > 283
    ink = ink_array(image)
    assert ink.shape == (5, 283) and ink[4, 282] == 255 and ink.sum() == 255


@pytest.mark.real_data
def test_a_pasted_mnist_test_image_is_read_like_the_test_image(qtbot, view, hub, mnist):
    net = Network(NetworkSpec(hidden=(HiddenLayer(64),)))
    config = TrainConfig(epochs=1, batch_size=128, lr=2e-3, validation_fraction=0)
    for _ in Trainer(net, config, mnist.train_images[:20000], mnist.train_labels[:20000]).run():
        pass
    hub.set_network(net, "1 epoch")
    images = mnist.test_images[:100]
    expected = net.predict(images)
    read, same_input = [], 0
    for image in images:
        view.show_image(image)
        reading = view.reading()
        read.append(int(np.argmax(reading.probabilities)))
        same_input += int(np.abs(reading.pre.image.astype(int) - image).mean() < 4)
    assert np.mean(np.array(read) == expected) >= 0.97
    assert same_input >= 90  # most MNIST digits come back through the preprocessing unchanged


def test_the_right_button_and_the_eraser_remove_ink(qtbot, view):
    draw_stroke(qtbot, view.canvas, BAR)
    before = int(view.canvas.ink().astype(int).sum())
    middle = [(0.5, 0.4), (0.5, 0.6)]   # across the bar's middle
    positions = [view.canvas.position_of(*p) for p in middle]
    qtbot.mousePress(view.canvas, Qt.RightButton, pos=positions[0])
    qtbot.mouseMove(view.canvas, positions[1])
    qtbot.mouseRelease(view.canvas, Qt.RightButton, pos=positions[1])
    ink = view.canvas.ink()
    side = ink.shape[0]
    assert ink[side // 2, side // 2] == 0 and int(ink.astype(int).sum()) < before
    assert ink[side // 2, int(side * 0.32)] == 255   # the rest of the bar is still there
    view.findChild(QPushButton, "eraserButton").click()
    assert view.canvas.is_erasing()
    draw_stroke(qtbot, view.canvas, BAR)             # the left button now erases too
    assert view.canvas.ink().max() == 0
    assert "no ink" in view.prediction.detail.text()
    view.canvas.undo()
    assert view.canvas.ink().max() == 255


def test_this_is_a_defaults_to_the_networks_answer(qtbot, view, hub, network):
    hub.set_network(network, "test network")
    draw_stroke(qtbot, view.canvas, ONE)
    answer = int(np.argmax(view.reading().probabilities))
    assert view.drawings.label.currentIndex() == answer
    other = (answer + 1) % 10
    view.drawings.label.setCurrentIndex(other)
    view.drawings.label.activated.emit(other)        # the user picks: it is not overridden
    draw_stroke(qtbot, view.canvas, BAR)
    assert view.drawings.label.currentIndex() == other


def test_saving_the_first_drawing_does_not_move_the_canvas(qtbot, view):
    assert len(view.store) == 0
    before = view.canvas.mapTo(view, view.canvas.rect().topLeft()), view.canvas.size()
    draw_stroke(qtbot, view.canvas, ONE)
    qtbot.mouseClick(view.findChild(QPushButton, "saveDrawingButton"), Qt.LeftButton)
    assert len(view.store) == 1 and view.drawings.strip.isVisible()
    QApplication.processEvents()
    after = view.canvas.mapTo(view, view.canvas.rect().topLeft()), view.canvas.size()
    assert after == before


def test_probabilities_are_shown_to_a_tenth_of_a_percent():
    from mnist_gui.panels.draw.prediction import PredictionView, percent
    assert percent(0.997) == "99.7 %" and percent(0.99993) == ">99.9 %"
    assert percent(1.0) == "100.0 %" and percent(0.0001) == "<0.1 %" and percent(0.0) == "0.0 %"
    view = PredictionView()
    p = np.full(10, 0.003 / 9)
    p[3] = 0.997
    view.show_answer(preprocess_drawing(np.eye(28, dtype=np.uint8) * 255), p, None, "")
    assert "99.7 %" in view.confidence.text()
    assert view.plot._texts[3].textItem.toPlainText() == "99.7 %"


def test_the_offline_canvas_image_matches_the_offline_digits_ink_extent(qtbot, view, datasets):
    from engine.files.sources import load_offline_digits
    from engine.preprocessing import measure_framing
    digits = load_offline_digits()
    datasets.set_dataset(digits)
    framing = measure_framing(digits.train_images)
    assert (framing.size, framing.box) == (8, 8)     # the offline digits fill their frame
    draw_stroke(qtbot, view.canvas, [(0.45, 0.2 + 0.05 * i) for i in range(13)]
                + [(0.45 + 0.03 * i, 0.8) for i in range(8)])   # an L: tall, narrower
    image = view.reading().pre.image
    assert image.shape == (8, 8)
    rows = np.flatnonzero(image.any(axis=1))
    assert rows[-1] - rows[0] + 1 == 8                # as tall as the dataset's digits, not 6
    text = view.prediction.recipe.text()
    assert "8×8" in text and "20×20" not in text and "28×28" not in text
    qtbot.waitUntil(lambda: view.baseline() is not None, timeout=TIMEOUT)
