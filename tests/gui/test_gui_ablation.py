"""Evaluate's "Switch units off" tab (issue 23): what it shows is what engine.ablation computes, a
click on a unit switches it off and the per-class bars follow at once, and switching all back on
gives the network's own figures."""

import numpy as np
import pytest

from engine.ablation import accuracy_by_class, knock_out_curve, layer_outputs, unit_importance
from engine.network import HiddenLayer, Network, NetworkSpec
from engine.projection import balanced_sample
from engine.training import TrainConfig, Trainer
from mnist_gui.panels.evaluate.ablation import SAMPLE, AblationView
from tests.synthetic import make_dataset


@pytest.fixture(scope="module")
def trained():
    dataset = make_dataset(400, 1200, shape=(12, 12))
    network = Network(NetworkSpec(input_size=144, hidden=(HiddenLayer(16, "relu"), HiddenLayer(8, "tanh")), seed=2))
    for _ in Trainer(network, TrainConfig(epochs=4, batch_size=32, lr=0.01), dataset.train_images,
                     dataset.train_labels).run():
        pass
    return network, dataset


@pytest.fixture
def view(qtbot):
    view = AblationView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    yield view
    assert view.shutdown(5000)


def _measured(qtbot, view, network, dataset):
    with qtbot.waitSignal(view.runner.succeeded, timeout=30000):
        view.set_network(network, dataset)
        view.show()


def test_the_tab_shows_the_engines_figures_and_a_click_switches_a_unit_off(qtbot, view, trained):
    network, dataset = trained
    _measured(qtbot, view, network, dataset)
    chosen = balanced_sample(dataset.test_labels, SAMPLE, np.random.default_rng(0))
    kept = layer_outputs(network, dataset.test_images[chosen], dataset.test_labels[chosen], 0)
    importance = unit_importance(network, kept)
    np.testing.assert_allclose(view.result.importance, importance)
    curve = knock_out_curve(network, kept, importance, np.random.default_rng(1))
    x, y = view.by_importance.getData()
    np.testing.assert_array_equal(x, curve.removed)
    np.testing.assert_allclose(y, 100 * curve.by_importance)
    base, per_class = accuracy_by_class(network, kept)
    np.testing.assert_allclose(view.on_bars.opts["height"], 100 * per_class)
    np.testing.assert_allclose(view.off_bars.opts["height"], 100 * per_class)  # nothing off yet
    j = int(np.argmax(importance))
    centre = view.grid.cell_rect(j).center().toPoint()
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    QTest.mouseClick(view.grid, Qt.LeftButton, Qt.NoModifier, centre)
    assert view.off == {j}
    _, want = accuracy_by_class(network, kept, [j])
    np.testing.assert_allclose(view.off_bars.opts["height"], 100 * want)
    assert f"1 of 16 units off: accuracy {base:.1%}" in view.figures.text()
    assert view.now.value() == 1
    QTest.mouseClick(view.grid, Qt.LeftButton, Qt.NoModifier, centre)  # on again
    assert view.off == set()


def test_the_quick_buttons_and_the_second_layer(qtbot, view, trained):
    network, dataset = trained
    _measured(qtbot, view, network, dataset)
    view.top_off.click()
    assert view.off == set(np.argsort(-view.result.importance, kind="stable")[:10].tolist())
    view.all_on.click()
    assert view.off == set()
    with qtbot.waitSignal(view.runner.succeeded, timeout=30000):
        view.layer.setCurrentIndex(1)
    assert len(view.result.importance) == 8 and view.result.kept.layer == 1
    view.random_off.click()
    assert len(view.off) == 8  # ten asked, the layer has eight


def test_a_network_without_hidden_layers_says_why(qtbot, view, trained):
    _, dataset = trained
    view.show()
    view.set_network(Network(NetworkSpec(input_size=144, hidden=())), dataset)
    assert "no hidden units" in view.message.text()
    assert not view.runner.is_busy()
