"""The Draw panel: strokes are read by the network (and the baseline), Clear and Undo, live reading, pasting."""


import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from engine.baseline import MeanDigitClassifier
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.preprocessing import preprocess_drawing
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
    with qtbot.waitSignal(view.drawing_changed) as drawn:
        draw_stroke(qtbot, view.canvas, ONE)
    label = view.findChild(QLabel, "predictionLabel")
    probabilities = view.prediction.plot.values()
    assert label.text() == str(int(np.argmax(probabilities)))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    expected = network.predict_proba(preprocess_drawing(view.canvas.ink()).image[None])[0]
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)
    assert drawn.args[0].shape == (28, 28) and drawn.args[0].dtype == np.uint8
    with qtbot.waitSignal(view.drawing_changed) as cleared:
        qtbot.mouseClick(view.findChild(QPushButton, "clearCanvasButton"), Qt.LeftButton)
    assert cleared.args == [None]
    assert label.text() == "" and len(view.prediction.plot.values()) == 0
    assert view.canvas.is_empty() and view.canvas.ink().max() == 0


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
    image = preprocess_drawing(view.canvas.ink()).image
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
    with qtbot.waitSignal(view.drawing_changed) as shown:
        view.show_image(digit)
    np.testing.assert_array_equal(shown.args[0], preprocess_drawing(digit).image)
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
