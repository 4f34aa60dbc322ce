"""My drawings: saved with a label into one .npz (atomically, no pickles), scored by the network in one click."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from engine.network import HiddenLayer, Network, NetworkSpec
from engine.preprocessing import preprocess_drawing
from mnist_gui.panels.draw.my_drawings import STORE_SIDE, DrawingStore, score_drawings
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.state.model_hub import ModelHub


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "my_drawings.npz"


@pytest.fixture
def view(qtbot, path, datasets):
    view = DrawView(datasets, ModelHub(), drawings_path=path)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    yield view
    assert view.shutdown(5000)


def bar(x0: float) -> list[tuple[float, float]]:
    return [(x0, 0.2 + 0.1 * i) for i in range(7)]


def draw(qtbot, canvas, points):
    qtbot.mousePress(canvas, Qt.LeftButton, pos=canvas.position_of(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(canvas, canvas.position_of(*point))
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=canvas.position_of(*points[-1]))


def save_as(qtbot, view, label: int):
    view.findChild(QComboBox, "drawingLabel").setCurrentIndex(label)
    qtbot.mouseClick(view.findChild(QPushButton, "saveDrawingButton"), Qt.LeftButton)


def test_a_saved_drawing_is_kept_with_its_label_and_the_canvas_cleared(qtbot, view, path):
    draw(qtbot, view.canvas, bar(0.5))
    expected = view.canvas.render_ink(STORE_SIDE)
    save_as(qtbot, view, 1)
    assert view.canvas.is_empty()
    assert "Saved as 1" in view.findChild(QLabel, "myDrawingsResult").text()
    with np.load(path, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["images"], expected[None])
        np.testing.assert_array_equal(data["labels"], [1])
    assert not list(path.parent.glob("*.tmp"))
    again = DrawingStore(path)
    assert len(again) == 1 and again.labels[0] == 1 and again.load_error == ""


def test_saving_an_empty_canvas_saves_nothing(qtbot, view, path):
    save_as(qtbot, view, 3)
    assert not path.exists()
    assert "Draw a digit first" in view.findChild(QLabel, "myDrawingsResult").text()


def test_score_my_drawings_uses_the_current_network(qtbot, view):
    for x0, label in ((0.3, 1), (0.6, 7)):
        draw(qtbot, view.canvas, bar(x0))
        save_as(qtbot, view, label)
    score = view.findChild(QPushButton, "scoreDrawingsButton")
    qtbot.mouseClick(score, Qt.LeftButton)
    result = view.findChild(QLabel, "myDrawingsResult")
    assert "Train a network" in result.text()
    net = Network(NetworkSpec(hidden=(HiddenLayer(16),)))
    view.hub.set_network(net, "untrained")
    qtbot.mouseClick(score, Qt.LeftButton)
    inputs = np.stack([preprocess_drawing(image).image for image in view.store.images])
    correct = int(np.count_nonzero(net.predict(inputs) == np.array([1, 7])))
    assert f"reads {correct} of your 2 drawings" in result.text()
    assert view.drawings.strip.captions()[0].startswith("1")


def test_score_drawings_preprocesses_to_the_networks_size():
    images = np.zeros((3, STORE_SIDE, STORE_SIDE), dtype=np.uint8)
    images[:, 20:90, 50:60] = 255
    net = Network(NetworkSpec(input_size=64, hidden=(), classes=10))
    score = score_drawings(net, images, np.array([1, 1, 2]), size=8)
    expected = net.predict(preprocess_drawing(images[0], size=8).image[None])[0]
    np.testing.assert_array_equal(score.predicted, [expected] * 3)
    assert score.total == 3 and score.correct == (2 if expected == 1 else int(expected == 2))


def test_a_damaged_file_is_reported_and_replaced_on_the_next_save(path):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip file")
    store = DrawingStore(path)
    assert len(store) == 0 and "could not be read" in store.load_error
    store.add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 4)
    assert len(DrawingStore(path)) == 1


def test_a_file_holding_pickled_objects_is_not_loaded(path):
    path.parent.mkdir(parents=True)
    np.savez(path, images=np.array([object()], dtype=object), labels=np.array([1]))
    store = DrawingStore(path)
    assert len(store) == 0 and store.load_error
