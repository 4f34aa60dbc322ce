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


def test_the_builders_classes_field_sizes_the_output_and_says_what_is_valid(qtbot, settings):
    from mnist_gui.panels.training.builder import NetworkBuilder

    b = NetworkBuilder()
    qtbot.addWidget(b)
    assert b.classes_edit.text() == "all" and b.spec().class_labels == () and b.spec().classes == 10
    b.classes_edit.setText("7, 3")
    spec = b.spec()
    assert spec.class_labels == (3, 7) and spec.classes == 2 and spec.layer_sizes[-1] == 2
    assert b.output_label.text() == "2 units (softmax): the classes 3, 7"
    assert b.shape_table.rows()[-1][:2] == ("output", "2")
    assert b.is_modified() and not b.problem()
    for bad, message in (("3", "choose at least 2 classes"), ("3, 3", "each class may be chosen once"),
                         ("3, 10", "classes must be 0 to 9")):
        b.classes_edit.setText(bad)
        assert message in b.error_label("classes").text()
        assert "Choose 2 to 10 different classes 0 to 9" in b.problem()
        with pytest.raises(ValueError):
            b.spec()
    b.classes_edit.setText("0,1,2,3,4,5,6,7,8,9")  # every class is no choice
    assert b.spec().class_labels == () and not b.problem() and not b.is_modified()
    b.set_spec(with_classes(NetworkSpec(hidden=(HiddenLayer(12),)), [4, 9]))  # a loaded model's classes
    assert b.classes_edit.text() == "4, 9" and b.spec().class_labels == (4, 9)
    b.set_preset("default")
    assert b.classes_edit.text() == "all"


def test_the_validator_lets_only_digits_commas_and_all_be_typed(qtbot, settings):
    from PySide6.QtGui import QValidator

    from mnist_gui.panels.training.data_section import ClassesEdit

    edit = ClassesEdit()
    qtbot.addWidget(edit)
    acceptable = [edit.validator().validate(text, 0)[0] for text in ("3,7", "3 7", "all", "ALL", "", "0, 1, 2")]
    assert all(state == QValidator.Acceptable for state in acceptable)
    assert all(edit.validator().validate(text, 0)[0] == QValidator.Invalid for text in ("3-7", "x", "3,a"))


def test_a_run_of_the_classes_typed_trains_on_them(qtbot, datasets, settings):
    from mnist_gui.panels.training.view import TrainingView

    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(make_dataset(300, 100))
    b = view.builder
    b.epochs_spin.setValue(1)
    b.layers.set_layers([HiddenLayer(8, "relu")])
    b.classes_edit.setText("3,7")
    with qtbot.waitSignal(view.run_finished, timeout=20000) as finished:
        view.controls.start_button.click()
    run = finished.args[0]
    assert run.spec.class_labels == (3, 7) and run.network.spec.classes == 2
    assert (run.spec, run.config) == (b.spec(), b.config())
    assert view.shutdown(5000)
