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
    assert [view.confusion.matrix._label(k) for k in (0, 1)] == ["3", "7"]  # not "0 3", "1 7"
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
    n = int(np.isin(datasets.dataset.train_labels, (3, 7)).sum())
    n_val = round(n * b.config().validation_fraction)
    assert f"on Synthetic · 3 and 7 ({n - n_val:,} training and {n_val:,} validation images)" in \
        view.controls.hint.text()
    with qtbot.waitSignal(view.run_finished, timeout=20000) as finished:
        view.controls.start_button.click()
    run = finished.args[0]
    assert run.spec.class_labels == (3, 7) and run.network.spec.classes == 2
    assert (run.spec, run.config) == (b.spec(), b.config())
    assert view.shutdown(5000)


def test_an_experiment_over_classes_shows_the_baseline_on_each_runs_classes(qtbot, datasets, settings):
    from engine.baseline import evaluate_baseline
    from engine.classes import dataset_with_classes
    from engine.experiments import Experiment
    from engine.training import TrainConfig
    from mnist_gui.panels.training.experiments import ExperimentDialog, ExperimentResults
    from mnist_gui.panels.training.view import TrainingView

    data = make_dataset(300, 120, seed=2)
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(data)
    qtbot.waitUntil(lambda: datasets.baseline is not None, timeout=20000)  # the fitted means
    dialog = ExperimentDialog(view.draft.spec(), TrainConfig(epochs=1, batch_size=32), view)
    qtbot.addWidget(dialog)
    dialog.choice.setCurrentText("Design your own…")
    dialog.setting1.setCurrentIndex(dialog.setting1.findData("classes"))
    dialog.values1.setText("3 7, 0 1 2, all")
    experiment = dialog.experiment()
    assert [c.spec.class_labels for c in experiment.configurations()] == [(3, 7), (0, 1, 2), ()]
    experiment = Experiment(experiment.name, "", NetworkSpec(hidden=(HiddenLayer(8),)), experiment.config,
                            experiment.axes)
    with qtbot.waitSignal(view.session.experiment_finished, timeout=30000) as finished:
        view.start_experiment(experiment)
    runs = finished.args[1]
    qtbot.waitUntil(lambda: view.results.rowCount() == 3)
    column = ExperimentResults.COLUMNS.index("Baseline")
    assert column == ExperimentResults.COLUMNS.index("Test accuracy") + 1  # beside the network's
    assert not view.results.isColumnHidden(column)
    expected = [evaluate_baseline(dataset_with_classes(data, chosen)) for chosen in ((3, 7), (0, 1, 2))]
    expected.append(evaluate_baseline(data))
    assert [view.results.item(row, column).text() for row in range(3)] == [
        f"{100 * e.accuracy:.2f} %" for e in expected]
    assert [r.spec.classes for r in runs] == [2, 3, 10]
    assert view.results.item(0, 1).text() == f"{100 * runs[0].test_accuracy:.2f} %"
    view.results.show_runs([runs[2]])  # no run of some classes: no such column
    assert view.results.isColumnHidden(column)
    assert view.shutdown(5000)


def test_the_built_in_two_classes_then_more_is_offered_with_its_runs(qtbot, settings):
    from engine.network import NetworkSpec as Spec
    from engine.training import TrainConfig
    from mnist_gui.panels.training.experiments import ExperimentDialog

    dialog = ExperimentDialog(Spec(), TrainConfig())
    qtbot.addWidget(dialog)
    dialog.choice.setCurrentText("two-classes-then-more")
    assert "Two classes, then more" in dialog.description.text() and "(7 runs)" in dialog.description.text()
    assert [c.label for c in dialog.experiment().configurations()][:2] == ["3 and 7", "4 and 9"]


def test_draw_reads_a_drawing_with_the_baseline_of_the_same_classes(dataset, network):
    from engine.baseline import MeanDigitClassifier
    from mnist_gui.panels.draw.view import read_drawing

    baseline = MeanDigitClassifier().fit(dataset.train_images, dataset.train_labels, 10)
    seven = dataset.test_images[int(np.flatnonzero(dataset.test_labels == 7)[0])]
    reading = read_drawing(seven, 28, network, baseline)
    distances = baseline.distances(reading.pre.image[None])[0]
    assert reading.baseline_class == int(distances[[3, 7]].argmin())  # 0 is a 3, 1 a 7: the network's units
    assert reading.baseline_class in (0, 1) and len(reading.probabilities) == 2


def test_the_training_plots_draw_the_baseline_of_the_shown_runs_classes(qtbot, dataset):
    """A 3-vs-7 run is compared with the baseline on 3s and 7s, not with the all-classes figure;
    runs of different classes each get their line, named in the legend."""
    from dataclasses import replace

    from engine.baseline import MeanDigitClassifier, evaluate_baseline
    from engine.classes import dataset_with_classes
    from engine.experiments import baseline_accuracies
    from engine.training import TrainConfig
    from mnist_gui.panels.training.plots import TrainingPlots
    from mnist_gui.state.runs import RunsModel

    noise = np.random.default_rng(1).normal(0, 400, dataset.test_images.shape)  # not every image right
    dataset = replace(dataset, test_images=np.clip(dataset.test_images + noise, 0, 255).astype(np.uint8))
    fitted = MeanDigitClassifier().fit(dataset.train_images, dataset.train_labels, 10)
    every = evaluate_baseline(dataset).accuracy
    on_37 = evaluate_baseline(dataset_with_classes(dataset, (3, 7))).accuracy
    assert abs(on_37 - every) > 0.001  # the two lines can be told apart
    model = RunsModel()
    plots = TrainingPlots(model)
    qtbot.addWidget(plots)

    def lookup(spec):
        return baseline_accuracies([spec], dataset, fitted)[0]

    def shown():
        return [line.value() for line in plots.baselines if line.isVisible()]

    plots.set_baseline(every, lookup)
    assert plots.run_legend.texts() == [f"mean-digit baseline {100 * every:.1f} %"]
    pair = model.new_run("pair", with_classes(NetworkSpec(), [3, 7]), TrainConfig())
    assert plots.run_legend.texts()[-1] == f"baseline on 3, 7: {100 * on_37:.1f} %"
    assert shown() == [pytest.approx(100 * on_37)]
    model.new_run("all", NetworkSpec(), TrainConfig())
    assert plots.run_legend.texts()[-2:] == [f"baseline on 3, 7: {100 * on_37:.1f} %",
                                             f"mean-digit baseline {100 * every:.1f} %"]
    assert shown() == [pytest.approx(100 * on_37), pytest.approx(100 * every)]
    assert plots.baselines[0].pen.style() != plots.baselines[1].pen.style()
    model.set_visible(pair, False)
    assert shown() == [pytest.approx(100 * every)]
    assert plots.run_legend.texts()[-1] == f"mean-digit baseline {100 * every:.1f} %"


def test_runs_of_many_class_sets_show_the_selected_runs_baseline(qtbot, dataset):
    """Two-classes-then-more has 7 sets of classes: 7 lines would be a tangle; the selected run's is drawn."""
    from engine.baseline import MeanDigitClassifier, evaluate_baseline
    from engine.classes import dataset_with_classes
    from engine.experiments import baseline_accuracies
    from engine.training import TrainConfig
    from mnist_gui.panels.training.plots import BASELINE_STYLES, TrainingPlots
    from mnist_gui.state.runs import RunsModel

    fitted = MeanDigitClassifier().fit(dataset.train_images, dataset.train_labels, 10)
    model = RunsModel()
    plots = TrainingPlots(model)
    qtbot.addWidget(plots)
    def lookup(spec):
        return baseline_accuracies([spec], dataset, fitted)[0]

    plots.set_baseline(evaluate_baseline(dataset).accuracy, lookup)
    sets = [(3, 7), (4, 9), (0, 1), (5, 8), (0, 1, 2)]
    runs = [model.new_run(f"r{k}", with_classes(NetworkSpec(), c), TrainConfig()) for k, c in enumerate(sets)]
    assert len(sets) > len(BASELINE_STYLES)
    plots.set_selected_run(runs[3])
    on_58 = evaluate_baseline(dataset_with_classes(dataset, (5, 8))).accuracy
    assert [line.isVisible() for line in plots.baselines].count(True) == 1
    assert plots.baseline.value() == pytest.approx(100 * on_58)
    assert plots.run_legend.texts()[-1] == f"baseline on 5, 8: {100 * on_58:.1f} % (the selected run's classes)"
    model.set_visible(runs[4], False)  # four sets: a line each
    assert [line.isVisible() for line in plots.baselines].count(True) == 4
    assert plots.run_legend.texts()[-1].startswith("baseline on 5, 8: ")
