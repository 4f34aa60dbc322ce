"""Evaluate > Network vs baseline: each class's accuracy for the network beside the mean-digit
baseline's, the same figures the engine computes, in the bars and in the table."""

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from engine.baseline import evaluate_baseline
from engine.evaluation import evaluate_network
from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.evaluate.view import EvaluateView
from mnist_gui.state.model_hub import ModelHub

from synthetic import make_dataset

TIMEOUT = 10000


@pytest.fixture(scope="module")
def synthetic():
    return make_dataset(n_train=200, n_test=300)


@pytest.fixture
def view(qtbot, datasets):
    hub = ModelHub()
    view = EvaluateView(datasets, hub)
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    qtbot.waitExposed(view)
    view.tabs.setCurrentWidget(view.versus_baseline)
    yield view, hub
    assert view.shutdown(5000)


def shown(qtbot, view, hub, datasets, network, dataset):
    """Load ``dataset``, show ``network``, and wait until the tab has both figures."""
    datasets.set_dataset(dataset)
    qtbot.waitUntil(lambda: datasets.baseline is not None and datasets.baseline.complete, timeout=TIMEOUT)
    with qtbot.waitSignal(view.evaluated, timeout=TIMEOUT):
        hub.set_network(network, "test network")
    qtbot.waitUntil(lambda: view.versus_baseline.comparison() is not None, timeout=TIMEOUT)
    return view.versus_baseline


def test_the_tab_shows_the_engine_figures_per_class(qtbot, view, datasets, synthetic):
    view, hub = view
    network = Network(NetworkSpec(hidden=(HiddenLayer(24),), seed=3))  # untrained: below the baseline
    tab = shown(qtbot, view, hub, datasets, network, synthetic)
    assert view.findChild(QWidget, "versusBaselineView") is tab
    expected_net = evaluate_network(network, synthetic.test_images, synthetic.test_labels, 10).per_class
    expected_base = evaluate_baseline(synthetic).per_class_accuracy
    comparison = tab.comparison()
    np.testing.assert_allclose(comparison.network, expected_net)
    np.testing.assert_allclose(comparison.baseline, expected_base)
    # the bars: network left of each class, baseline right, heights in percent
    np.testing.assert_allclose(tab.network_bars.opts["height"], 100 * expected_net)
    np.testing.assert_allclose(tab.baseline_bars.opts["height"], 100 * expected_base)
    assert tab.network_bars.opts["x"][3] < 3 < tab.baseline_bars.opts["x"][3]
    # the table: one row per class with both figures and the gain
    assert tab.table.rowCount() == 10
    for c in range(10):
        cells = [tab.table.item(c, k).text() for k in range(5)]
        assert cells[0] == synthetic.class_names[c]
        assert cells[2] == f"{100 * expected_net[c]:.1f} %" and cells[3] == f"{100 * expected_base[c]:.1f} %"
        assert cells[4] == f"{100 * (expected_net[c] - expected_base[c]):+.1f}"
    best = int(np.argmax(expected_net - expected_base))
    assert f"most on {synthetic.class_names[best]}" in tab.summary.text()


def test_without_a_network_the_tab_says_it_waits(qtbot, view, datasets, synthetic):
    view, _hub = view
    datasets.set_dataset(synthetic)
    qtbot.waitUntil(lambda: datasets.baseline is not None and datasets.baseline.complete, timeout=TIMEOUT)
    tab = view.versus_baseline
    assert tab.comparison() is None
    assert tab.table.rowCount() == 0 and len(tab.network_bars.opts["height"]) == 0
    assert "Waiting" in tab.summary.text()


@pytest.mark.real_data
@pytest.mark.slow
def test_on_real_mnist_the_baseline_bars_range_from_69_on_5_to_96_on_1(qtbot, view, datasets, mnist):
    view, hub = view
    network = Network(NetworkSpec(hidden=()))
    tab = shown(qtbot, view, hub, datasets, network, mnist)
    heights = tab.baseline_bars.opts["height"]
    assert round(heights[5]) == 69 and round(heights[1]) == 96
    assert tab.table.item(5, 3).text() == "68.6 %"  # 612 of the 892 fives
