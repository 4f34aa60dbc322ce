"""Experiments: the grid of configurations, their JSON form, and running them into session runs."""

import itertools
import json
import time

import numpy as np
import pytest

import engine.experiments as experiments
from engine.experiments import (
    EXPERIMENTS,
    Axis,
    Configuration,
    ConfiguredRun,
    Experiment,
    RunFinished,
    RunStarted,
    epochs_trained,
    images_seen,
    run_configuration,
    run_experiment,
)
from engine.files.session_file import load_session, save_session
from engine.network import HiddenLayer, NetworkSpec
from engine.training import BatchEnd, EpochEnd, RunEnd, TimePoint, TrainConfig, evaluate

from synthetic import make_dataset

BASE_SPEC = NetworkSpec(hidden=[(16, "relu")], seed=1)
BASE_CONFIG = TrainConfig(epochs=2, batch_size=20, optimiser="sgd", lr=0.1)


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_train=120, n_test=40, shape=(8, 8))


def test_a_two_axis_grid_in_order_with_labels():
    e = Experiment("d", "", BASE_SPEC, BASE_CONFIG, (Axis("depth", [1, 3]), Axis("activation", ["sigmoid", "tanh"])))
    configs = e.configurations()
    assert [c.label for c in configs] == ["1 layer · sigmoid", "1 layer · tanh", "3 layers · sigmoid",
                                          "3 layers · tanh"]
    assert configs[2].spec.hidden == (HiddenLayer(16, "sigmoid"),) * 3
    assert all(c.config == BASE_CONFIG for c in configs)
    swapped = Experiment("d", "", BASE_SPEC, BASE_CONFIG, (Axis("activation", ["tanh"]), Axis("depth", [2])))
    assert swapped.configurations()[0].spec.hidden == (HiddenLayer(16, "tanh"),) * 2


@pytest.mark.parametrize("axis, labels, check", [
    (Axis("lr", [0.1, 1e-3]), ["lr 0.1", "lr 0.001"], lambda c: c.config.lr == 0.1),
    (Axis("batch_size", [None, 1]), ["full batch", "batch 1"], lambda c: c.config.batch_size is None),
    (Axis("init", ["zeros", ["normal", 0.01]]), ["init zeros", "init normal (0.01)"], lambda c: c.spec.init == "zeros"),
    (Axis("optimiser", ["adam", "sgd"]), ["adam", "sgd"], lambda c: c.config.optimiser == "adam"),
    (Axis("hidden_units", [32, [8, 4]]), ["32 units", "units 8-4"], lambda c: c.spec.hidden[0].units == 32),
    (Axis("train_size", [50, 100]), ["50 images", "100 images"], lambda c: c.train_size == 50),
    (Axis("epochs", [1, 5]), ["1 epoch", "5 epochs"], lambda c: c.config.epochs == 1),
    (Axis("depth_activation", [[0, "relu"], [2, "tanh"]]), ["no hidden layer · relu", "2 layers · tanh"],
     lambda c: c.spec.hidden == ()),
    (Axis("classes", [[7, 3], "all"]), ["3 and 7", "all classes"],
     lambda c: c.spec.class_labels == (3, 7) and c.spec.classes == 2),
    (Axis("classes", ["0 1 2", None]), ["0, 1 and 2", "all classes"], lambda c: c.spec.classes == 3),
])
def test_each_setting(axis, labels, check):
    configs = Experiment("x", "", BASE_SPEC, BASE_CONFIG, (axis,)).configurations()
    assert [c.label for c in configs] == labels
    assert check(configs[0]) and not check(configs[1])


def test_json_round_trip():
    for e in [*EXPERIMENTS.values(),
              Experiment("t", "tiny", BASE_SPEC, BASE_CONFIG, (Axis("init", [["normal", 0.1]]),), 2.5, 60)]:
        back = Experiment.from_json(e.to_json())
        assert back == e
        assert back.configurations() == e.configurations()


def spoil(**changes) -> str:
    d = json.loads(Experiment("t", "", BASE_SPEC, BASE_CONFIG, (Axis("lr", [0.1]),)).to_json())
    d.update(changes)
    return json.dumps(d)


@pytest.mark.parametrize("text, problem", [
    (spoil(axes=[{"setting": "colour", "values": [1]}]), "unknown setting 'colour'"),
    (spoil(axes=[{"setting": "lr", "values": [-1]}]), "Learning rate: -1 is not a valid value; give a number above 0"),
    (spoil(axes=[{"setting": "lr", "values": []}]), "give at least one value"),
    (spoil(axes=[{"setting": "lr", "values": "0.1"}]), "values must be a list"),
    (spoil(axes=[{"setting": "activation", "values": ["swish"]}]), "one of"),
    (spoil(axes=[{"setting": "init", "values": ["magic"]}]), "init magic: unknown initialiser 'magic'"),
    (spoil(axes=[{"setting": "depth", "values": [True]}]), "Hidden layers: True is not a valid value"),
    (spoil(axes=[{"setting": "init", "values": [["normal", "big"]]}]), "Initialiser: ['normal', 'big'] is not a valid"),
    (spoil(axes=[{"setting": "lr", "values": [1]}] * 3), "one or two settings"),
    (spoil(axes=[{"setting": "lr", "values": [1]}] * 2), "both vary lr"),
    (spoil(axes=[{"setting": "lr", "values": list(range(1, 9))},
                 {"setting": "epochs", "values": list(range(1, 9))}]), "64 runs is too many"),
    (spoil(axes=[]), "one or two settings"),
    (spoil(axes=[{"setting": "classes", "values": [[3]]}]), "Classes: [3] is not a valid value; give 2 to 10"),
    (spoil(axes=[{"setting": "classes", "values": [[3, 3]]}]), "Classes: [3, 3] is not a valid value"),
    (spoil(axes=[{"setting": "classes", "values": ["3, 12"]}]), "Classes: '3, 12' is not a valid value"),
    (spoil(time_limit=-1), "time limit must be a number of seconds"),
    (spoil(train_size=0), "Training images: 0 is not a valid value; give a whole number of images from 1"),
    (spoil(training={"epochs": "5"}), "epochs should be int"),
    (spoil(network={"hidden": 5}), "hidden layers must be a list"),
    (spoil(colour="red"), "unknown fields: colour"),
    (spoil(format="other"), "not an experiment"),
    (spoil(name=""), "needs a name"),
    ("[1, 2]", "must be an object"),
    ("{oops", "not valid JSON"),
])
def test_bad_json_is_refused_with_a_message(text, problem):
    with pytest.raises(ValueError) as info:
        Experiment.from_json(text)
    assert problem in str(info.value)


def test_the_built_ins():
    assert {name: e.runs for name, e in EXPERIMENTS.items()} == {
        "depth": 15, "batch-size": 3, "learning-rate": 6, "initialisation": 4, "overfitting": 4, "mlp-vs-cnn": 2,
        "two-classes-then-more": 7}
    depth = EXPERIMENTS["depth"].configurations()
    assert depth[0].label == "1 layer · sigmoid" and depth[-1].label == "5 layers · relu"
    assert [len(c.spec.hidden) for c in depth[::3]] == [1, 2, 3, 4, 5]
    sizes = [c.config.batch_size for c in EXPERIMENTS["batch-size"].configurations()]
    assert sizes == [None, 128, 1]
    assert all(c.time_limit for c in EXPERIMENTS["batch-size"].configurations())
    lrs = [c.config.lr for c in EXPERIMENTS["learning-rate"].configurations()]
    assert lrs == sorted(lrs) and lrs[0] <= 1e-4 and lrs[-1] >= 10
    inits = [c.spec.init for c in EXPERIMENTS["initialisation"].configurations()]
    assert inits == ["zeros", "normal", "xavier", "he"]
    assert len(EXPERIMENTS["initialisation"].spec.hidden) >= 4
    classes = [c.spec.class_labels for c in EXPERIMENTS["two-classes-then-more"].configurations()]
    assert classes[:4] == [(3, 7), (4, 9), (0, 1), (5, 8)] and [len(c) for c in classes[4:]] == [3, 5, 0]


def test_runs_over_classes_train_on_their_classes_beside_the_baseline_on_the_same(data):
    from engine.baseline import evaluate_baseline
    from engine.classes import dataset_with_classes

    e = Experiment("c", "", BASE_SPEC, BASE_CONFIG, (Axis("classes", [[3, 7], [0, 1, 2], "all"]),))
    runs = run_experiment(e, data)
    assert [r.spec.classes for r in runs] == [2, 3, 10] and runs[0].dataset_name.endswith("3 and 7")
    assert [r.network.spec.class_labels for r in runs] == [(3, 7), (0, 1, 2), ()]
    expected = [evaluate_baseline(dataset_with_classes(data, (3, 7))).accuracy,
                evaluate_baseline(dataset_with_classes(data, (0, 1, 2))).accuracy,
                evaluate_baseline(data).accuracy]
    assert experiments.baseline_accuracies([r.spec for r in runs], data) == expected
    assert experiments.baseline_accuracies([NetworkSpec(input_size=784)], data) == [None]  # other images


def test_an_experiment_of_three_tiny_runs(data, tmp_path):
    e = Experiment("lrs", "", BASE_SPEC, BASE_CONFIG, (Axis("lr", [0.01, 0.1, 0.5]),), train_size=100)
    events = []
    runs = run_experiment(e, data, on_event=events.append)
    assert [r.name for r in runs] == ["lr 0.01", "lr 0.1", "lr 0.5"]
    assert [r.config.lr for r in runs] == [0.01, 0.1, 0.5]
    for r in runs:
        assert r.group == "lrs" and r.status == "completed" and r.dataset_name == data.name
        assert r.spec.input_size == 64 and r.spec.hidden == BASE_SPEC.hidden
        assert len(r.epochs) == 2 and r.end.test_accuracy is not None and r.network is not None
        assert len(r.batch_x) == len(r.batch_loss) > 0 and r.batch_x[-1] == pytest.approx(2.0)
        assert r.end.history == r.epochs
    assert sum(isinstance(ev, RunStarted) for ev in events) == 3
    assert [ev.run for ev in events if isinstance(ev, RunFinished)] == runs
    assert {type(ev) for ev in events} == {RunStarted, TimePoint, BatchEnd, EpochEnd, RunEnd, RunFinished}
    # the 100 images of train_size: 92 after the validation split, in batches of 20
    assert sum(isinstance(ev, BatchEnd) for ev in events) == 3 * 2 * 5
    back = load_session(save_session(tmp_path / "s.npz", runs))
    assert [r.name for r in back] == [r.name for r in runs]
    np.testing.assert_array_equal(back[2].batch_loss, runs[2].batch_loss)


def test_the_same_configuration_gives_the_same_run(data):
    c = Configuration("x", BASE_SPEC, BASE_CONFIG, train_size=80)
    a, b = run_configuration(c, data), run_configuration(c, data)
    np.testing.assert_array_equal(a.batch_loss, b.batch_loss)
    np.testing.assert_array_equal(a.network.parameters[0].value, b.network.parameters[0].value)


def test_a_time_limit_ends_the_run_as_completed(data):
    c = Configuration("t", BASE_SPEC, TrainConfig(epochs=100_000, batch_size=1), time_limit=0.2)
    run = run_configuration(c, data)
    assert run.status == "completed" and "time limit of 0.2 s" in run.message
    assert 0.2 <= run.end.train_seconds < 60 and run.end.test_accuracy is not None  # 100,000 epochs: hours
    assert run.end.samples_per_second > 0
    assert run.network is not None and 0 < run.batch_x[-1] < 100


def test_check_cancels_and_a_configuration_that_cannot_train_fails(data, monkeypatch):
    class Cancel(Exception):
        pass

    calls = []

    def check():
        calls.append(1)
        if len(calls) > 3:
            raise Cancel

    e = Experiment("x", "", BASE_SPEC, BASE_CONFIG, (Axis("lr", [0.1]),))
    with pytest.raises(Cancel):
        run_experiment(e, data, check=check)
    import engine.experiments

    def too_big(*args):
        raise ValueError("training the network needs about 9 GB")

    monkeypatch.setattr(engine.experiments, "check_training_fits", too_big)
    (run,) = run_experiment(e, data)
    assert run.status == "failed" and "needs about" in run.message and run.network is None
    assert run.group == "x" and run.end is None and run.spec.input_size == 64


def test_one_design_reader_and_one_limit_for_the_app_and_the_cli(tmp_path):
    """A valid design of 1,000,500 bytes (past the app's old 1,000,000 characters) reads; one
    byte past MAX_DESIGN_BYTES is refused, as is anything but a regular file."""
    from engine.experiments import MAX_DESIGN_BYTES
    experiment = EXPERIMENTS["depth"]
    path = tmp_path / "padded.json"
    path.write_text(experiment.to_json() + " " * (1_000_500 - len(experiment.to_json())))
    assert path.stat().st_size == 1_000_500 and Experiment.read(path) == experiment
    path.write_text(experiment.to_json() + " " * (MAX_DESIGN_BYTES + 1 - len(experiment.to_json())))
    with pytest.raises(ValueError, match=f"larger than {MAX_DESIGN_BYTES:,} bytes"):
        Experiment.read(path)
    with pytest.raises(ValueError, match="it is a folder, not a regular file"):
        Experiment.read(tmp_path)


def test_time_points_before_training_then_by_the_second_and_at_the_end(data, monkeypatch):
    monkeypatch.setattr(experiments, "POINT_SECONDS", 0.002)
    run = ConfiguredRun(Configuration("p", BASE_SPEC, TrainConfig(epochs=3, batch_size=1), train_size=100), data)
    sample = run.trainer.validation_sample(experiments.POINT_IMAGES)
    untrained = evaluate(run.network, *sample)
    events = list(run.events())
    points = [e for e in events if isinstance(e, TimePoint)]
    first, last = points[0], points[-1]
    assert events[0] is first and (first.seconds, first.images, first.epochs, first.train_loss) == (0, 0, 0, None)
    assert (first.val_loss, first.val_accuracy) == untrained  # the untrained network, on the sample
    assert len(sample[1]) == run.trainer.n_validation == 8
    after = events[events.index(last):]  # the last point: after the last batch
    assert isinstance(events[-1], RunEnd) and not any(isinstance(e, BatchEnd) for e in after)
    assert (last.images, last.epochs) == (3 * 92, 3.0)
    assert (last.val_loss, last.val_accuracy) == evaluate(run.network, *sample)  # the final network
    assert run.result.points == tuple(points) and images_seen(points, None) == 3 * 92
    # one point as each further interval of training passes (not after every batch)
    seconds = [p.seconds for p in points]
    assert seconds == sorted(seconds) and len(points) < sum(isinstance(e, BatchEnd) for e in events)
    for a, b in itertools.pairwise(points[1:-1]):
        assert int(b.seconds / 0.002) > int(a.seconds / 0.002)
    # train_loss: the mean of the batch losses since the previous point
    losses, mean = [], []
    for e in events[1:]:
        if isinstance(e, BatchEnd):
            losses.append(e.loss)
        elif isinstance(e, TimePoint):
            mean.append(np.mean(losses))
            losses = []
    np.testing.assert_allclose([p.train_loss for p in points[1:]], mean)


def test_an_equal_time_run_that_ends_no_epoch_has_real_time_figures(monkeypatch):
    """The single-image run of the batch-size lesson: no epoch in its time, yet points, seconds and
    images; measuring the points is not training time."""
    big = make_dataset(n_train=3000, n_test=40, shape=(8, 8))
    measuring = []

    def slow_evaluate(network, images, labels):
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.02:  # measuring costs time; it must not count as training
            pass
        measuring.append(0.02)
        return evaluate(network, images, labels)

    monkeypatch.setattr(experiments, "POINT_SECONDS", 0.05)
    monkeypatch.setattr(experiments, "evaluate", slow_evaluate)
    c = Configuration("single", BASE_SPEC, TrainConfig(epochs=100_000, batch_size=1, lr=0.01),
                      time_limit=0.3)
    t0 = time.perf_counter()
    run = run_configuration(c, big)
    wall = time.perf_counter() - t0
    points = run.points
    assert run.status == "completed" and len(points) >= 0.3 / 0.05
    assert points[-1].seconds == run.end.train_seconds and 0.3 <= run.end.train_seconds < 0.3 + 0.2
    images = points[-1].images
    assert images_seen(points, run.end) == images_seen((), run.end) == images  # the RunEnd says it too
    assert epochs_trained(points, run.epochs) == points[-1].epochs == pytest.approx(points[-1].images / 2750)
    assert f"{points[-1].images:,} images" in run.message
    assert wall >= run.end.train_seconds + 0.9 * sum(measuring) and sum(measuring) >= 0.12
