"""Evaluate's work off the GUI thread (issue 22): the job copies the network, ranks every confusion
cell's images and the mistakes; the panel shows those very arrays and paints the matrix once per
evaluation, in the engine's shades."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from engine.evaluation import cell_orders, cell_shades, ranked_mistakes, row_shares
from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.evaluate.confusion import _mix
from mnist_gui.panels.evaluate.view import EvaluateView
from mnist_gui.state.evaluation import TestEvaluation
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.widgets.image_gallery import RIGHT, WRONG
from mnist_gui.workers.evaluation import evaluate_job

from synthetic import make_dataset

TIMEOUT = 10000


@pytest.fixture(scope="module")
def synthetic():
    return make_dataset(n_train=100, n_test=300)


@pytest.fixture(scope="module")
def network():
    """Untrained: its answers are spread over many cells of the confusion matrix."""
    return Network(NetworkSpec(hidden=(HiddenLayer(24),), seed=3))


@pytest.fixture
def view(qtbot, datasets):
    view = EvaluateView(datasets, ModelHub())
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    qtbot.waitExposed(view)
    yield view
    assert view.shutdown(5000)


def evaluated(qtbot, view, network, dataset):
    with qtbot.waitSignal(view.test_evaluation.evaluated, timeout=TIMEOUT) as blocker:
        view.datasets.set_dataset(dataset)
        view.hub.set_network(network, "test network")
    return blocker.args[0]


def test_the_job_scores_a_copy_made_on_its_own_thread(qtbot, datasets, network, synthetic):
    seen = []

    def job(copy, dataset, worker):
        seen.append((copy, threading.get_ident()))
        return evaluate_job(copy, dataset, worker)
    hub = ModelHub()
    state = TestEvaluation(datasets, hub, job)
    datasets.set_dataset(synthetic)
    hub.set_network(network, "a network")
    with qtbot.waitSignal(state.evaluated, timeout=TIMEOUT):
        state.set_watched(True)
    (copy, thread), = seen
    assert copy is not network and thread != threading.get_ident()  # not the GUI thread
    for mine, theirs in zip(copy.weighted_layers, network.weighted_layers):
        assert mine.W is not theirs.W
        np.testing.assert_array_equal(mine.W, theirs.W)
    assert state.shutdown(5000)


def test_the_panel_shows_the_cells_and_mistakes_the_job_ranked(qtbot, view, network, synthetic, monkeypatch):
    import mnist_gui.panels.evaluate.confusion as confusion_module
    import mnist_gui.panels.evaluate.mistakes as mistakes_module
    ranked_here = []  # what the GUI thread ranks itself

    def recorded(function):
        def call(*args):
            ranked_here.append(function.__name__)
            return function(*args)
        return call
    monkeypatch.setattr(confusion_module, "cell_indices", recorded(confusion_module.cell_indices))
    monkeypatch.setattr(mistakes_module, "ranked_mistakes", recorded(mistakes_module.ranked_mistakes))
    result = evaluated(qtbot, view, network, synthetic)
    evaluation = result.evaluation
    assert len(result.cells) == 10 and all(len(row) == 10 for row in result.cells)
    for t, p in ((0, 0), (3, 5), (9, 2)):
        np.testing.assert_array_equal(result.cells[t][p], cell_orders(evaluation)[t][p])
    np.testing.assert_array_equal(result.mistakes, ranked_mistakes(evaluation))
    true, predicted = view.confusion.matrix.selected()  # the worst mistake, chosen for us
    np.testing.assert_array_equal(view.confusion.cell_indices(), result.cells[true][predicted])
    np.testing.assert_array_equal(view.mistakes.gallery.indices(), result.mistakes)
    cell = view.confusion.matrix.cell_rect(2, 2).center().toPoint()
    qtbot.mouseClick(view.confusion.matrix, Qt.LeftButton, pos=cell)
    np.testing.assert_array_equal(view.confusion.cell_indices(), result.cells[2][2])
    assert ranked_here == []  # the job's arrays, shown as they came
    view.mistakes.filter.setCurrentIndex(4)  # one true class: ranked here, on request
    np.testing.assert_array_equal(view.mistakes.gallery.indices(), ranked_mistakes(evaluation, 3))
    assert ranked_here == ["ranked_mistakes"]


def colour_at(widget, point: QPoint):
    return widget.grab().toImage().pixelColor(point)


def test_the_matrix_is_painted_in_the_engines_shades_and_once_per_evaluation(qtbot, view, network, synthetic):
    result = evaluated(qtbot, view, network, synthetic)
    matrix = view.confusion.matrix
    counts = result.evaluation.confusion
    # a corner of each cell, clear of its number and the grid: its shade as the engine has it
    for values in (counts, row_shares(counts)):
        matrix.set_normalised(values is not counts)
        shades = cell_shades(counts, values)
        for t, p in ((0, 0), (1, 4), (7, 7), *np.argwhere(counts == counts.max())[:1]):
            corner = matrix.cell_rect(t, p).topLeft().toPoint() + QPoint(3, 3)
            want = _mix(RIGHT if t == p else WRONG, shades[t, p])
            assert colour_at(matrix, corner).getRgb()[:3] == want.getRgb()[:3]
    matrix.grab()
    picture = matrix._picture
    qtbot.mouseClick(matrix, Qt.LeftButton, pos=matrix.cell_rect(5, 6).center().toPoint())
    matrix.grab()
    assert matrix._picture is picture  # choosing a cell only outlines it
    matrix.resize(matrix.width() - 40, matrix.height())
    matrix.grab()
    assert matrix._picture is not picture  # a new size: drawn again
