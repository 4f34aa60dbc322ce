"""A network of some classes (3 vs 7) in the app (issue 23): Evaluate scores it on those classes'
test images only, with their names, and Draw names its outputs after them."""

import numpy as np
import pytest

from engine.classes import as_network_sees, with_classes
from engine.evaluation import evaluate_network
from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.panels.evaluate.view import EvaluateView
from mnist_gui.state.model_hub import ModelHub
from tests.synthetic import make_dataset


@pytest.fixture(scope="module")
def dataset():
    return make_dataset(n_train=100, n_test=300)


@pytest.fixture(scope="module")
def network():
    return Network(with_classes(NetworkSpec(hidden=(HiddenLayer(12),), seed=3), [3, 7]))


def test_evaluate_scores_a_3_vs_7_network_on_3s_and_7s_only(qtbot, datasets, dataset, network):
    hub = ModelHub()
    view = EvaluateView(datasets, hub)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.evaluated, timeout=10000) as blocker:
        datasets.set_dataset(dataset)
        hub.set_network(network, "3 vs 7")
    evaluation = blocker.args[0]
    seen = as_network_sees(dataset, network.spec)
    want = evaluate_network(network, seen.test_images, seen.test_labels, 2)
    assert evaluation.confusion.shape == (2, 2)
    np.testing.assert_array_equal(evaluation.confusion, want.confusion)
    assert len(evaluation.true) == np.isin(dataset.test_labels, (3, 7)).sum()
    assert f"on {len(seen.test_labels):,} " in view.summary.text()
    assert view.mistakes.gallery is not None
    assert view.shutdown(5000)


def test_draw_names_the_outputs_after_the_networks_classes(qtbot, datasets, dataset, network):
    hub = ModelHub()
    view = DrawView(datasets, hub)
    qtbot.addWidget(view)
    datasets.set_dataset(dataset)
    hub.set_network(network, "3 vs 7")
    assert view._class_names() == ("3", "7")
    assert view.shutdown(5000)
