"""A subset of the classes (engine.classes): the right images kept, labels renumbered by their place
in the choice, names kept, the baseline and a network train on it as on any dataset; bad choices
refused with what is valid."""

import numpy as np
import pytest

from engine.baseline import MeanDigitClassifier
from engine.classes import check_classes, dataset_with_classes, parse_classes, subset_classes
from tests.synthetic import make_dataset


def test_the_images_of_the_chosen_classes_are_kept_and_renumbered():
    labels = np.array([0, 3, 7, 3, 9, 7, 1], dtype=np.uint8)
    images = np.arange(len(labels), dtype=np.uint8)[:, None, None] * np.ones((1, 2, 2), np.uint8)
    kept, new = subset_classes(images, labels, (3, 7))
    assert kept[:, 0, 0].tolist() == [1, 2, 3, 5]
    assert new.tolist() == [0, 1, 0, 1] and new.dtype == np.uint8


def test_a_dataset_of_two_classes_is_named_and_sized_as_such():
    dataset = make_dataset(200, 100)
    two = dataset_with_classes(dataset, [7, 3])
    assert two.class_names == ("3", "7") and two.name == "Synthetic · 3 and 7"
    assert len(two.train_labels) == np.isin(dataset.train_labels, (3, 7)).sum()
    np.testing.assert_array_equal(two.test_images, dataset.test_images[np.isin(dataset.test_labels, (3, 7))])
    assert set(two.test_labels.tolist()) == {0, 1}
    baseline = MeanDigitClassifier().fit(two.train_images, two.train_labels, 2)
    assert np.mean(baseline.predict(two.test_images) == two.test_labels) == 1.0  # blocks: easy


@pytest.mark.parametrize(("classes", "message"), [
    ([3], "at least 2 classes"),
    ([3, 3], "each class may be chosen once"),
    ([3, 12], "classes must be 0 to 9"),
    ([3.5, 7], "whole numbers"),
    (["a", 1], "whole numbers"),
])
def test_bad_choices_are_refused_with_what_is_valid(classes, message):
    with pytest.raises(ValueError, match=message):
        check_classes(classes, 10)


def test_classes_are_read_from_text():
    assert parse_classes("7,3") == (3, 7)
    assert parse_classes(" 0 1 2 ") == (0, 1, 2)
    with pytest.raises(ValueError, match=r"e\.g\. 3,7"):
        parse_classes("3-7")


def test_a_network_of_two_classes_trains_through_the_one_runner_and_keeps_them_in_its_file(tmp_path):
    from engine.classes import with_classes
    from engine.experiments import Configuration, run_configuration
    from engine.network import HiddenLayer, Network, NetworkSpec
    from engine.training import TrainConfig

    dataset = make_dataset(400, 200, shape=(12, 12))
    spec = with_classes(NetworkSpec(input_size=144, hidden=(HiddenLayer(8, "relu"),)), [2, 5])
    assert spec.classes == 2 and spec.class_labels == (2, 5)
    run = run_configuration(Configuration("2 vs 5", spec, TrainConfig(epochs=3, batch_size=16, lr=0.01)), dataset)
    assert run.network.spec.class_labels == (2, 5) and run.network.spec.classes == 2
    assert run.end.test_accuracy > 0.9
    assert len(run.end.history) == 3
    path = run.network.save(tmp_path / "two.npz")
    assert Network.load(path).spec.class_labels == (2, 5)
    assert "class_labels" not in NetworkSpec().to_dict()  # every class: the JSON as before


def test_a_spec_whose_classes_disagree_with_its_outputs_is_refused():
    from engine.network import NetworkSpec

    with pytest.raises(ValueError, match="2 classes chosen"):
        NetworkSpec(classes=10, class_labels=(3, 7))
    with pytest.raises(ValueError, match="increasing order"):
        NetworkSpec(classes=2, class_labels=[7, 3])


def test_mnist_train_takes_classes_and_prints_the_baseline_beside(capsys):
    import io

    from engine.cli import build_parser, run

    args = build_parser().parse_args(["--data", "offline", "--classes", "3,7", "--epochs", "2",
                                      "--layers", "16:relu"])
    out = io.StringIO()
    summary = run(args, out)
    assert summary["network"]["class_labels"] == [3, 7] and summary["network"]["classes"] == 2
    assert 0.5 < summary["baseline_accuracy"] <= 1.0
    assert "the nearest-mean baseline on the same classes gets" in out.getvalue()
    bad = build_parser().parse_args(["--data", "offline", "--classes", "3"])
    from engine.cli import CliError
    with pytest.raises(CliError, match="--classes: choose at least 2 classes"):
        run(bad, io.StringIO())


def test_a_choice_is_read_as_people_type_it_and_written_back():
    from engine.classes import describe_choice, parse_choice

    assert parse_choice("all") == parse_choice("") == parse_choice(" ALL ") == ()
    assert parse_choice("7, 3") == (3, 7) and describe_choice((3, 7)) == "3, 7"
    assert parse_choice(",".join(map(str, range(10)))) == ()  # every class is no choice
    assert describe_choice(()) == "all" and parse_choice(describe_choice((0, 4, 9))) == (0, 4, 9)
    for bad, message in (("3", "at least 2"), ("3,3", "once"), ("3,x", "numbers"), ("3,10", "0 to 9")):
        with pytest.raises(ValueError, match=message) as caught:
            parse_choice(bad)
        assert "Choose 2 to 10 different classes 0 to 9" in str(caught.value)


@pytest.mark.parametrize("classes", [(3, 7), (0, 1, 2), ()])
def test_the_baseline_on_classes_from_the_fitted_means_equals_a_fit_on_those_classes(classes):
    from engine.baseline import evaluate_baseline
    from engine.classes import baseline_on_classes

    rng = np.random.default_rng(4)
    dataset = make_dataset(300, 150)
    noisy = dataset.train_images.astype(np.int64) + rng.integers(0, 120, dataset.train_images.shape)
    from dataclasses import replace
    dataset = replace(dataset, train_images=np.clip(noisy, 0, 255).astype(np.uint8))
    expected = evaluate_baseline(dataset_with_classes(dataset, classes) if classes else dataset)
    fitted = MeanDigitClassifier().fit(dataset.train_images, dataset.train_labels, 10)
    for report in (baseline_on_classes(dataset, classes), baseline_on_classes(dataset, classes, fitted)):
        assert report.accuracy == expected.accuracy
        np.testing.assert_array_equal(report.confusion, expected.confusion)
    assert len(expected.confusion) == (len(classes) or 10)


def test_mnist_train_prints_an_experiment_over_classes_beside_the_baseline(tmp_path):
    import io

    from engine.cli import build_parser, run
    from engine.experiments import Axis, Experiment
    from engine.network import HiddenLayer, NetworkSpec
    from engine.training import TrainConfig

    design = tmp_path / "pairs.json"
    design.write_text(Experiment("pairs", "", NetworkSpec(hidden=(HiddenLayer(8),)), TrainConfig(epochs=1),
                                 (Axis("classes", [[3, 7], "all"]),)).to_json())
    out = io.StringIO()
    run(build_parser().parse_args(["--data", "offline", "--experiment", str(design),
                                   "--session-out", str(tmp_path / "s.npz")]), out)
    text = out.getvalue()
    assert "the nearest-mean baseline's on the same ones" in text
    from engine.baseline import evaluate_baseline
    from engine.files.sources import load_offline_digits

    expected = evaluate_baseline(dataset_with_classes(load_offline_digits(), (3, 7))).accuracy
    row = text.splitlines()[-2]
    assert row.startswith("3 and 7") and row.split()[-1] == f"{expected:.2%}"


def test_places_give_each_kept_images_index_in_the_split_and_each_outputs_digit():
    from engine.classes import places

    data = make_dataset(n_train=50, n_test=200)
    seen = dataset_with_classes(data, (3, 7))
    where = places(data.test_labels, (3, 7))
    assert len(where.indices) == len(seen.test_labels)
    for k in range(len(seen.test_labels)):  # the same image, and its label read back as the digit
        np.testing.assert_array_equal(seen.test_images[k], data.test_images[where.index(k)])
        assert where.label(seen.test_labels[k]) == data.test_labels[where.index(k)]
    assert (where.label(0), where.label(1)) == (3, 7)
    every = places(data.test_labels, ())
    assert (every.index(17), every.label(4)) == (17, 4)
