"""A session run's history (issue 23): time points, replay snapshots and the time limit round-trip
exactly; a version 1 file without them opens; a tampered or oversized history is refused, by name."""

import math
from dataclasses import replace

import numpy as np
import pytest
from test_session_file import assert_refused, description, members, rewrite

from engine.experiments import Configuration, run_configuration
from engine.files.session_file import (
    KEEP_REPLAY_UP_TO,
    RunData,
    estimated_size,
    keeps_replay_by_default,
    read_session,
    save_session,
    within_budget,
)
from engine.network import HiddenLayer, NetworkSpec
from engine.replay import MAX_BYTES, network_at, replay_bytes
from engine.training import TimePoint, TrainConfig

from synthetic import make_dataset

SPEC = NetworkSpec(hidden=(HiddenLayer(8, "relu"),), seed=1)


@pytest.fixture(scope="module")
def dataset():
    return make_dataset(240, 60)


@pytest.fixture(scope="module")
def runs(dataset):
    """A run of its epochs, and one at equal time (a limit it reaches in its first epoch)."""
    epochs = run_configuration(Configuration("epochs", SPEC, TrainConfig(epochs=3, batch_size=16)), dataset)
    timed = run_configuration(Configuration("timed", SPEC, TrainConfig(epochs=1000, batch_size=1),
                                            time_limit=0.05), dataset)
    # a point with every figure and one with None (as the first point of a run has), on the timed run
    points = (*timed.points, TimePoint(0.5, 300, 1.25, 0.75, None, 0.5))
    return [epochs, replace(timed, points=points)]


@pytest.fixture(scope="module")
def session(runs, tmp_path_factory):
    return save_session(tmp_path_factory.mktemp("h") / "history.session.npz", runs)


def test_time_points_snapshots_and_the_time_limit_round_trip_exactly(runs, session, dataset):
    back = read_session(session).runs
    for a, b in zip(runs, back):
        assert b.points == a.points and len(b.points) >= 2
        assert b.time_limit == a.time_limit
        assert [(s.step, s.epoch) for s in b.snapshots] == [(s.step, s.epoch) for s in a.snapshots]
        for s, t in zip(a.snapshots, b.snapshots):
            for x, y in zip(s.weights + s.biases, t.weights + t.biases):
                assert x.dtype == y.dtype and x.shape == y.shape
                np.testing.assert_array_equal(x, y)
    assert back[0].time_limit is None and back[1].time_limit == 0.05
    assert back[1].points[-1] == TimePoint(0.5, 300, 1.25, 0.75, None, 0.5)
    assert back[0].points[0].train_loss is None  # the untrained network's point
    assert len(back[0].snapshots) > 8 and back[0].snapshots[1].weights[0].dtype == np.float16
    assert back[0].snapshots[0].weights[0].dtype == np.float32  # the initial weights, exactly
    last = back[0].snapshots[-1]
    assert last.weights[0].dtype == np.float32  # the final network, exactly
    images = dataset.test_images
    np.testing.assert_array_equal(network_at(SPEC, last).logits(images), back[0].network.logits(images))


def test_the_history_is_beside_the_runs_old_keys_and_a_version_2_mark(session):
    doc = description(members(session))
    assert doc["version"] == 2
    run = doc["runs"][0]
    assert run["time_points"] == len(read_session(session).runs[0].points)
    assert set(run["snapshots"]) == {"steps", "epochs", "exact"} and run["snapshots"]["exact"][-1] is True
    assert {"run0.time_points", "run0.replay16.dense0.W", "run0.replay32.dense1.b"} <= set(members(session))


def old_file(session, path):
    """``session`` as version 1 wrote it: no history keys, no history members."""
    arrays = members(session)
    doc = description(arrays)
    doc["version"] = 1
    for run in doc["runs"]:
        for key in ("time_points", "snapshots", "time_limit"):
            del run[key]
    arrays = {k: v for k, v in arrays.items() if "replay" not in k and "time_points" not in k}
    return rewrite(path, arrays, doc)


def test_a_version_1_session_without_history_still_opens(runs, session, tmp_path):
    old = read_session(old_file(session, tmp_path / "v1.npz"))
    assert old.version == 1 and read_session(session).version == 2
    back = old.runs
    assert [r.name for r in back] == ["epochs", "timed"]
    assert all(r.points == () and r.snapshots == () and r.time_limit is None for r in back)
    np.testing.assert_array_equal(back[0].batch_loss, runs[0].batch_loss)


def test_a_session_saved_without_its_replay_keeps_everything_else_and_its_size_is_foretold(runs, session,
                                                                                         tmp_path):
    rest, replay = estimated_size(runs)
    without = save_session(tmp_path / "without.npz", [replace(r, snapshots=()) for r in runs])
    assert without.stat().st_size == pytest.approx(rest, rel=0.05)
    assert session.stat().st_size == pytest.approx(rest + replay, rel=0.05)
    back = read_session(without)
    assert back.version == 2 and all(r.snapshots == () for r in back.runs)
    for a, b in zip(runs, back.runs):
        assert b.points == a.points and b.epochs == a.epochs and b.time_limit == a.time_limit
        np.testing.assert_array_equal(b.network.parameters[0].value, a.network.parameters[0].value)
    assert not [m for m in members(without) if "replay" in m]


def test_a_session_of_runs_is_thinned_to_the_shared_replay_budget(runs):
    first, timed = runs
    size = replay_bytes(first.snapshots)
    fitted = within_budget([first, first, first], int(2.5 * size))
    assert sum(replay_bytes(r.snapshots) for r in fitted) <= 2.5 * size
    assert fitted[-1] is first and 2 < len(fitted[0].snapshots) < len(first.snapshots)
    assert fitted[0].points == first.points and fitted[0].network is first.network
    assert within_budget([first, timed]) == [first, timed]  # within 96 MiB: the runs themselves


def test_save_session_keeps_the_replay_by_default_while_the_file_stays_small():
    assert keeps_replay_by_default(10**6, 20 * 10**6)
    assert not keeps_replay_by_default(10**6, KEEP_REPLAY_UP_TO)  # 26 MB with it: left out unless ticked
    assert not keeps_replay_by_default(10**6, 0)  # no replay to keep


def tampered(session, path, change=None, **arrays_changed):
    arrays = members(session)
    doc = description(arrays)
    if change is not None:
        change(doc["runs"][1])
    arrays.update(arrays_changed)
    return rewrite(path, arrays, doc)


def set_key(key, value):
    def change(run):
        run[key] = value
    return change


def set_snapshots(**values):
    def change(run):
        run["snapshots"].update(values)
    return change


@pytest.mark.parametrize("change, problem", [
    (set_key("time_points", -1), "run 2: time_points must be a whole number 0 to 1,000,000"),
    (set_key("time_points", 10**9), "run 2: time_points must be a whole number"),
    (set_key("time_limit", "soon"), "run 2: time_limit must be a number of seconds"),
    (set_key("time_limit", 0), "run 2: time_limit must be a number of seconds above 0"),
    (set_key("snapshots", {"steps": []}), "run 2: snapshots lacks epochs, exact"),
    (set_snapshots(steps=[3, 2]), "run 2: snapshots must give a step, an epoch and exact"),
    (set_snapshots(steps=[0] * 50_000), "at most 10,000 entries"),
    (set_key("network", None), "run 2: it has snapshots but no network"),
])
def test_a_tampered_history_is_refused_naming_the_file_and_the_fault(session, tmp_path, change, problem):
    assert_refused(tampered(session, tmp_path / "bad.npz", change), problem)


def test_steps_out_of_order_and_epochs_that_are_not_numbers(session, tmp_path):
    n = len(description(members(session))["runs"][1]["snapshots"]["steps"])
    steps = list(range(n))
    steps[1], steps[2] = steps[2], steps[1]
    assert_refused(tampered(session, tmp_path / "a.npz", set_snapshots(steps=steps)),
                   "run 2: the snapshots' steps must be whole numbers from 0 up, each above the one before")
    assert_refused(tampered(session, tmp_path / "b.npz", set_snapshots(epochs=[None] * n)),
                   "run 2: the snapshots' epochs must be numbers from 0 up")


def test_snapshots_that_pass_the_replay_budget_are_refused_before_reading(session, tmp_path):
    """10,000 float16 snapshots of a 784-1000-10 network would be 150 MiB: refused from the JSON."""
    def change(run):
        big = NetworkSpec(hidden=(HiddenLayer(1000, "relu"),)).to_dict()
        run["network"]["spec"] = run["spec"] = big
        run["snapshots"] = {"steps": list(range(10_000)), "epochs": [0.0] * 10_000, "exact": [False] * 10_000}
    message = assert_refused(tampered(session, tmp_path / "big.npz", change), "run 2: its snapshots would take")
    assert f"more than the {MAX_BYTES / 2**20:.0f} MiB a run keeps" in message


def spoiled(old: np.ndarray, how: str) -> np.ndarray:
    value = old.copy()
    if how == "float32":
        return old.astype(np.float32)
    if how == "nan":
        value.reshape(-1)[0] = math.nan
    elif how == "negative":
        value[1, 0] = -1.0
    elif how == "half an image":
        value[1, 1] = 2.5
    elif how == "infinite loss":
        value[1, 3] = math.inf
    elif how == "objects":
        value = np.full(old.shape, None, dtype=object)
    return value


@pytest.mark.parametrize("member, how, problem", [
    ("run1.replay16.dense0.b", "float32", "run1.replay16.dense0.b should hold float16 values, found float32"),
    ("run1.replay32.dense0.W", "nan", "run1.replay32.dense0.W contains NaN"),
    ("run1.time_points", "negative", "run1.time_points holds seconds, images or epochs that are not numbers"),
    ("run1.time_points", "half an image", "run1.time_points holds a number of images that is not a whole"),
    ("run1.time_points", "infinite loss", "run1.time_points holds an infinite loss"),
    ("run1.time_points", "objects", "holds Python objects"),
])
def test_corrupt_history_arrays_are_refused_by_name(session, tmp_path, member, how, problem):
    arrays = members(session)
    arrays[member] = spoiled(arrays[member], how)
    assert_refused(rewrite(tmp_path / "bad.npz", arrays), problem)


def test_a_snapshot_stack_of_the_wrong_shape_is_refused(session, tmp_path):
    arrays = members(session)
    arrays["run1.replay16.dense0.W"] = np.zeros((1, 784, 8), np.float16)
    assert_refused(rewrite(tmp_path / "bad.npz", arrays), "run1.replay16.dense0.W should have shape (")


def test_a_history_member_the_json_does_not_call_for_is_refused(session, tmp_path):
    arrays = members(session)
    arrays["run1.replay16.dense5.W"] = np.zeros((1, 2), np.float16)
    assert_refused(rewrite(tmp_path / "extra.npz", arrays),
                   "a member a session never has: 'run1.replay16.dense5.W.npy'")
    del arrays["run1.replay16.dense5.W"]
    del arrays["run1.time_points"]
    assert_refused(rewrite(tmp_path / "missing.npz", arrays), "run1.time_points is missing")


def test_save_refuses_snapshots_that_do_not_fit_the_network(runs, tmp_path):
    run = runs[0]
    with pytest.raises(ValueError, match=r"run 1 \(epochs\): it has snapshots but no network"):
        save_session(tmp_path / "s.npz", [replace(run, network=None, status="diverged")])
    other = run_configuration(Configuration("other", replace(SPEC, hidden=(HiddenLayer(4, "relu"),)),
                                            TrainConfig(epochs=1, batch_size=64)), make_dataset(64, 8))
    with pytest.raises(ValueError, match=r"is not float(16|32) of shape"):
        save_session(tmp_path / "s.npz", [RunData(**{**run.__dict__, "snapshots": other.snapshots})])
    assert not (tmp_path / "s.npz").exists()


def test_save_refuses_snapshots_out_of_order(runs, tmp_path):
    run = runs[0]
    shuffled = (run.snapshots[1], run.snapshots[0], *run.snapshots[2:])
    with pytest.raises(ValueError, match="each above the one before"):
        save_session(tmp_path / "s.npz", [replace(run, snapshots=shuffled)])
    assert not (tmp_path / "s.npz").exists()
