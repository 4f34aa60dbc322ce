"""Session files: an exact round trip, and one ValueError starting with the path for any bad file."""

import json
import zipfile

import numpy as np
import pytest
from bombs import QUICK_SECONDS, measure

from engine.files.session_file import (
    RunData,
    SessionFileError,
    SessionView,
    load_session,
    read_session,
    save_session,
)
from engine.network import Network, NetworkSpec
from engine.training import EpochEnd, RunEnd, TrainConfig, Trainer

from synthetic import make_dataset

SPEC = NetworkSpec(input_size=64, hidden=[(16, "tanh"), (8, "relu")], seed=4)


def trained_run(name="a", group="", epochs=2) -> RunData:
    """A real run on 8x8 synthetic digits: every batch loss, every epoch, the end and the network."""
    data = make_dataset(n_train=60, n_test=20, shape=(8, 8))
    config = TrainConfig(epochs=epochs, batch_size=16, lr=0.01, test_every_epoch=True)
    net = Network(SPEC)
    xs, losses, history, end = [], [], [], None
    for event in Trainer(net, config, data.train_images, data.train_labels, data.test_images,
                         data.test_labels).run():
        if isinstance(event, EpochEnd):
            history.append(event)
        elif isinstance(event, RunEnd):
            end = event
        else:
            xs.append(event.epoch - 1 + event.batch / event.n_batches)
            losses.append(event.loss)
    return RunData(name, SPEC, config, dataset_name=data.name, message=end.message, group=group,
                   batch_x=np.array(xs), batch_loss=np.array(losses), epochs=tuple(history), end=end,
                   network=net)


@pytest.fixture(scope="module")
def runs():
    diverged = RunData("lr 10", NetworkSpec(input_size=64, hidden=()), TrainConfig(lr=10.0), status="diverged",
                       message="The loss became nan", batch_x=[0.1, 0.2], batch_loss=[2.3, np.inf])
    return [trained_run("a"), trained_run("b · ünïcode", group="depth", epochs=1), diverged]


@pytest.fixture(scope="module")
def session(runs, tmp_path_factory):
    return save_session(tmp_path_factory.mktemp("s") / "good.session.npz", runs)


def assert_same_run(a: RunData, b: RunData):
    for name in ("name", "spec", "config", "dataset_name", "status", "message", "group", "epochs", "end"):
        assert getattr(a, name) == getattr(b, name), name
    assert b.batch_x.dtype == b.batch_loss.dtype == np.float64
    np.testing.assert_array_equal(a.batch_x, b.batch_x)
    np.testing.assert_array_equal(a.batch_loss, b.batch_loss)
    assert (a.network is None) == (b.network is None)
    if a.network is not None:
        assert a.network.spec == b.network.spec and a.network.dtype == b.network.dtype
        for p, q in zip(a.network.parameters, b.network.parameters):
            assert p.name == q.name and p.value.dtype == q.value.dtype
            np.testing.assert_array_equal(p.value, q.value)


def test_round_trip_is_exact(runs, session):
    loaded = load_session(session)
    assert len(loaded) == 3
    for a, b in zip(runs, loaded):
        assert_same_run(a, b)
    x = np.random.default_rng(0).random((5, 64)).astype(np.float32)
    np.testing.assert_array_equal(runs[0].network.logits(x), loaded[0].network.logits(x))
    assert loaded[0].end.history == loaded[0].epochs


def test_an_end_whose_history_differs_from_the_epochs_and_an_empty_session(runs, tmp_path):
    run = runs[0]
    odd = RunData(run.name, run.spec, run.config, epochs=run.epochs[:1], end=run.end)
    (back,) = load_session(save_session(tmp_path / "odd.npz", [odd]))
    assert back.end == run.end and back.epochs == run.epochs[:1]
    assert load_session(save_session(tmp_path / "empty.npz", [])) == []


def test_run_data_checks_its_fields():
    with pytest.raises(ValueError, match="status must be one of"):
        RunData("x", SPEC, TrainConfig(), status="exploded")
    with pytest.raises(ValueError, match="one length"):
        RunData("x", SPEC, TrainConfig(), batch_x=[1.0], batch_loss=[])


# --- bad files ---------------------------------------------------------------------------------

def members(path) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def description(arrays) -> dict:
    return json.loads(arrays["session"].tobytes().decode())


def rewrite(path, arrays, doc=None):
    if doc is not None:
        arrays = dict(arrays, session=np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8))
    np.savez(path, **arrays)
    return path


def assert_refused(path, *patterns):
    with pytest.raises(ValueError) as info:
        load_session(path)
    message = str(info.value)
    assert isinstance(info.value, SessionFileError)
    assert message.startswith(f"{path}: "), message
    assert "allow_pickle" not in message
    for pattern in patterns:
        assert pattern in message, message
    return message


def test_empty_truncated_text_and_model_files(session, tmp_path):
    data = session.read_bytes()
    cases = {"empty.npz": b"", "text.npz": b"notes\n", "half.npz": data[:len(data) // 2], "cut.npz": data[:-30]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        assert_refused(tmp_path / name, "not a session saved by mnist-gui")
    Network(SPEC).save(tmp_path / "model.npz")
    assert_refused(tmp_path / "model.npz", "session is missing")
    assert_refused(tmp_path / "nowhere.npz", "No such file")
    assert_refused(tmp_path, "it is a folder, not a regular file")


def edit(doc, run, **changes):
    doc = json.loads(json.dumps(doc))
    doc["runs"][run].update(changes)
    return doc


@pytest.mark.parametrize("change, problem", [
    (lambda d: edit(d, 0, status="exploded"), "run 1: unknown status 'exploded'"),
    (lambda d: edit(d, 0, name=7), "run 1: name should be str"),
    (lambda d: edit(d, 1, batch_points=-1), "run 2: batch_points must be a whole number"),
    (lambda d: edit(d, 1, batch_points=10**12), "run 2: batch_points must be a whole number"),
    (lambda d: edit(d, 0, spec={"hidden": "lots"}), "run 1: hidden layers must be a list"),
    (lambda d: edit(d, 0, config={"epochs": "5"}), "run 1: training settings: epochs should be int"),
    (lambda d: edit(d, 0, config={"batch_size": 2.5}), "batch_size should be int | None"),
    (lambda d: edit(d, 0, config={"colour": "red"}), "training settings has unknown fields: colour"),
    (lambda d: edit(d, 0, epochs=[{"epoch": 1}]), "epochs[0] lacks"),
    (lambda d: edit(d, 0, epochs="many"), "epochs must be a list"),
    (lambda d: edit(d, 0, end={"reason": 3}), "end"),
    (lambda d: edit(d, 0, colour="red"), "the run has unknown fields: colour"),
    (lambda d: edit(d, 0, network={"spec": d["runs"][0]["spec"], "dtype": "int8"}), "network dtype must be"),
    (lambda d: {**d, "version": 99}, "format version 99"),
    (lambda d: {**d, "format": "other"}, "no session format mark"),
    (lambda d: [1, 2], "no session format mark"),
    (lambda d: {**d, "runs": {}}, "list of runs is missing"),
])
def test_a_tampered_description_is_refused(session, tmp_path, change, problem):
    arrays = members(session)
    assert_refused(rewrite(tmp_path / "bad.npz", arrays, change(description(arrays))), problem)


def test_description_that_is_not_json_or_not_bytes(session, tmp_path):
    arrays = members(session)
    arrays["session"] = np.frombuffer(b"{not json", dtype=np.uint8)
    assert_refused(rewrite(tmp_path / "a.npz", arrays), "not valid JSON")
    arrays["session"] = np.frombuffer(b"[" * 100_000, dtype=np.uint8)
    assert_refused(rewrite(tmp_path / "b.npz", arrays), "not valid JSON")
    arrays["session"] = np.array("text")
    assert_refused(rewrite(tmp_path / "c.npz", arrays), "should be bytes of text")


@pytest.mark.parametrize("name, value, problem", [
    ("run0.batch_x", np.zeros(3), "run0.batch_x should have shape"),
    ("run0.batch_loss", np.zeros(6, np.float32)[:0], "run0.batch_loss should have shape"),
    ("run0.dense0.W", np.zeros((16, 64), np.float32), "run0.dense0.W should have shape (64, 16)"),
    ("run0.dense0.W", np.zeros((64, 16), np.float64), "should hold float32 values, found float64"),
    ("run0.dense1.b", np.full(8, np.nan, np.float32), "run0.dense1.b contains NaN"),
    ("run0.batch_x", None, "holds Python objects"),
])
def test_arrays_of_the_wrong_shape_type_or_value(session, tmp_path, name, value, problem):
    arrays = members(session)
    if value is None:
        value = np.full(arrays[name].shape, None, dtype=object)
    arrays[name] = value
    assert_refused(rewrite(tmp_path / "bad.npz", arrays), problem)


def test_a_missing_member_and_an_extra_one(session, tmp_path):
    arrays = members(session)
    del arrays["run1.batch_loss"]
    assert_refused(rewrite(tmp_path / "a.npz", arrays), "run1.batch_loss is missing")
    arrays = members(session)
    arrays["notes"] = np.zeros(2)
    assert_refused(rewrite(tmp_path / "b.npz", arrays), "a member a session never has: 'notes.npy'")


def test_an_extra_member_that_inflates_to_gigabytes_is_never_read(session, tmp_path):
    path = tmp_path / "bomb.npz"
    path.write_bytes(session.read_bytes())
    zeros = bytes(1 << 20)
    with (zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
          archive.open("junk.npy", "w", force_zip64=True) as junk):
        for _ in range(256):
            junk.write(zeros)
    with measure() as cost:
        assert_refused(path, "junk.npy")
    assert cost.peak < 2 << 20 and cost.seconds < QUICK_SECONDS


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_headers_that_claim_terabytes_or_values_cut_short(session, tmp_path):
    from test_model_file import npy_header
    path = tmp_path / "huge.npz"
    path.write_bytes(session.read_bytes())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("run0.dense0.W.npy", npy_header((2**40, 2**40)))
    with measure() as cost:
        assert_refused(path, "should have shape (64, 16)")
    assert cost.peak < 2 << 20
    path.write_bytes(session.read_bytes())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("run0.dense0.W.npy", npy_header((64, 16)) + bytes(100))
    assert_refused(path, "run0.dense0.W is truncated")


def test_a_network_too_big_for_memory_is_refused_before_reading(session, tmp_path):
    arrays = members(session)
    doc = description(arrays)
    huge = NetworkSpec(input_size=784, hidden=[(4096, "relu")] * 1000).to_dict()
    doc["runs"][0]["network"]["spec"] = huge
    for j in range(1001):
        arrays[f"run0.dense{j}.W"] = arrays[f"run0.dense{j}.b"] = np.zeros(1, np.float32)
    with measure() as cost:
        assert_refused(rewrite(tmp_path / "huge.npz", arrays, doc), "needs about", "GB")
    assert cost.seconds < QUICK_SECONDS


def test_save_names_the_users_path(runs, tmp_path):
    with pytest.raises(OSError) as info:
        save_session(tmp_path / "no-such-folder" / "s.npz", runs)
    assert str(tmp_path / "no-such-folder" / "s.npz") in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_curve_that_inflates_like_a_bomb_is_refused_before_reading(session, tmp_path):
    arrays = members(session)
    doc = description(arrays)
    n = 5_000_000  # 40 MB of zeros per curve, a few tens of KB compressed
    doc["runs"][1]["batch_points"] = n
    arrays["run1.batch_x"] = arrays["run1.batch_loss"] = np.zeros(n)
    arrays["session"] = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, **arrays)
    assert path.stat().st_size < 1 << 20
    with measure() as cost:
        assert_refused(path, "run1.batch_x inflates from", "never compress that well")
    assert cost.peak < 2 << 20


def test_a_compressed_session_still_opens(runs, session, tmp_path):
    path = tmp_path / "compressed.npz"
    np.savez_compressed(path, **members(session))
    for a, b in zip(runs, load_session(path)):
        assert_same_run(a, b)


def test_long_texts_are_cut_where_the_session_is_read(tmp_path):
    """A 1 MB run name froze the app for 17 s: names and notes are bounded for the CLI and the app alike."""
    from dataclasses import replace

    from engine.files.session_file import MAX_NAME, MAX_NOTE
    long = replace(trained_run("x" * 1_000_000), message="m" * 100_000, group="g" * 5_000)
    (read,) = load_session(save_session(tmp_path / "long.session.npz", [long]))
    assert len(read.name) == len(read.group) == MAX_NAME and read.name.endswith("…")
    assert len(read.message) == MAX_NOTE and read.message.startswith("mmm")


# --- what the class saw: the view --------------------------------------------------------------

VIEW = SessionView(shown=(False, True, True), model=1, results=(("depth", (1, 0)), ("lr · ünï", (2,))))


def test_the_view_round_trips_with_the_runs(runs, tmp_path):
    back = read_session(save_session(tmp_path / "view.npz", runs, VIEW))
    assert back.view == VIEW
    assert [r.name for r in back.runs] == [r.name for r in runs]
    assert load_session(tmp_path / "view.npz")[1].name == runs[1].name  # the runs alone, as before


def test_a_file_without_a_view_still_opens_and_says_nothing_of_it(session):
    """Files written before views were saved (the module's session has none): the app chooses."""
    back = read_session(session)
    assert back.view == SessionView() and back.view.shown is None and back.view.model is None
    assert "view" not in description(members(session))


def test_a_file_with_a_view_opens_in_a_reader_that_ignores_it(runs, tmp_path):
    """The view is beside the runs, not in them: each run's JSON keeps exactly its old keys."""
    doc = description(members(save_session(tmp_path / "v.npz", runs, VIEW)))
    assert all(set(run) == set(description(members(save_session(tmp_path / "o.npz", runs)))["runs"][0])
               for run in doc["runs"])
    assert doc["view"] == {"shown": [False, True, True], "model": 1,
                           "results": [{"name": "depth", "runs": [1, 0]}, {"name": "lr · ünï", "runs": [2]}]}


@pytest.mark.parametrize("view, problem", [
    (SessionView(shown=(True,)), "shows or hides 1 runs, but the session has 3"),
    (SessionView(model=3), "model must be a run 0 to 2"),
    (SessionView(results=(("depth", (0, 0)),)), "must name each of its runs once"),
    (SessionView(results=(("depth", (5,)),)), "must name each of its runs once"),
])
def test_save_refuses_a_view_of_runs_that_are_not_there(runs, tmp_path, view, problem):
    with pytest.raises(ValueError, match=problem):
        save_session(tmp_path / "bad.npz", runs, view)
    assert not (tmp_path / "bad.npz").exists()


def with_view(doc, view):
    return {**doc, "view": view}


@pytest.mark.parametrize("view, problem", [
    ("all", "the view must be an object"),
    ({"colours": []}, "the view has unknown fields: colours"),
    ({"shown": [True, 1, False]}, "shown runs must be a list of true or false"),
    ({"shown": [True]}, "shows or hides 1 runs, but the session has 3"),
    ({"model": True}, "model must be a run 0 to 2"),
    ({"model": 7}, "model must be a run 0 to 2"),
    ({"model": "1"}, "model must be a run 0 to 2"),
    ({"results": {}}, "results tables must be a list"),
    ({"results": [{"name": "a", "runs": [0]}] * 1001}, "results tables must be a list of at most 1,000"),
    ({"results": [{"name": 3, "runs": [0]}]}, "a results table's name should be str"),
    ({"results": [{"name": "a"}]}, "a results table lacks runs"),
    ({"results": [{"name": "a", "runs": [0.5]}]}, "runs must be a list of at most"),
    ({"results": [{"name": "a", "runs": [0, 9]}]}, "must name each of its runs once"),
])
def test_a_tampered_view_is_refused(session, tmp_path, view, problem):
    arrays = members(session)
    assert_refused(rewrite(tmp_path / "bad.npz", arrays, with_view(description(arrays), view)), problem)


def test_a_long_results_name_is_cut_where_the_session_is_read(session, tmp_path):
    arrays = members(session)
    doc = with_view(description(arrays), {"results": [{"name": "x" * 10_000, "runs": [0]}]})
    (name, runs), = read_session(rewrite(tmp_path / "long.npz", arrays, doc)).view.results
    assert len(name) == 200 and name.endswith("…") and runs == (0,)
