"""Model files: every bad file gives one ValueError naming the file, in bounded memory and time."""

import json
import os
import stat
import zipfile

import numpy as np
import pytest
from bombs import QUICK_SECONDS, measure

from engine.files.model_file import ModelFileError
from engine.network import Network, NetworkSpec

SPEC = NetworkSpec(input_size=64, hidden=[(16, "tanh")], seed=4)


def good_arrays(spec: NetworkSpec = SPEC) -> dict:
    net = Network(spec)
    arrays = {p.name: p.value for p in net.parameters}
    arrays["spec"] = np.array(spec.to_json())
    return arrays


def spec_json(**changes) -> str:
    d = SPEC.to_dict()
    d.update(changes)
    return json.dumps(d)


def write_npz(path, arrays: dict):
    np.savez(path, **arrays)  # object arrays are pickled: np.savez allows it
    return path


def assert_refused(path, *patterns):
    with pytest.raises(ValueError) as info:
        Network.load(path)
    message = str(info.value)
    assert isinstance(info.value, ModelFileError)
    assert message.startswith(f"{path}: "), message
    assert "allow_pickle" not in message and ".tmp" not in message
    for pattern in patterns:
        assert pattern in message, message
    return message


def test_empty_truncated_npy_and_text_files(tmp_path):
    good = write_npz(tmp_path / "good.npz", good_arrays())
    data = good.read_bytes()
    cases = {"empty.npz": b"", "text.npz": b"just some notes\n", "half.npz": data[:len(data) // 2],
             "cut-end.npz": data[:-30]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        assert_refused(tmp_path / name, "not a model saved by mnist-gui")
    np.save(tmp_path / "weights.npy", np.zeros(3))
    assert_refused(tmp_path / "weights.npy", "not a model saved by mnist-gui")
    assert_refused(tmp_path / "missing.npz", "No such file")
    assert_refused(tmp_path, "it is a folder, not a regular file")


@pytest.mark.parametrize("spec, problem", [
    (spec_json(hidden=[{"units": "16", "activation": "tanh"}]), "units must be a whole number"),
    (spec_json(hidden=[{"units": 16.5, "activation": "tanh"}]), "units must be a whole number"),
    (spec_json(hidden=[{"units": True, "activation": "tanh"}]), "units must be a whole number"),
    (spec_json(hidden=[{"units": 16, "activation": ["relu"]}]), "unknown activation"),
    (spec_json(hidden=[16]), "hidden layer 1: expected units and an activation"),
    (spec_json(hidden={"units": 16}), "hidden layers must be a list"),
    (spec_json(seed=1.5), "seed must be a whole number"),
    (spec_json(seed=-1), "seed must be 0 to"),
    (spec_json(input_size=False), "input size must be a whole number"),
    (spec_json(init_scale="big"), "initialiser scale must be a number"),
    (spec_json(init_scale=float("inf")), "initialiser scale must be a number"),
    (spec_json(loss=None), "loss must be a name"),
    (spec_json(colour="red"), "unknown network settings: colour"),
    (json.dumps([784, [16], 10]), "must be an object"),
    ("{not json", "not valid"),
    ("[" * 100_000, "not valid"),  # nesting deep enough to exhaust the recursion limit
])
def test_specs_of_the_wrong_form_or_types(tmp_path, spec, problem):
    arrays = good_arrays()
    arrays["spec"] = np.array(spec)
    path = write_npz(tmp_path / "model.npz", arrays)
    assert_refused(path, "network settings are not valid", problem)


@pytest.mark.parametrize("weights, problem", [
    (np.zeros((64, 16), np.complex64), "should hold real numbers (floats), found complex64"),
    (np.full((64, 16), "w"), "should hold real numbers (floats), found <U1"),
    (np.zeros((64, 16), np.int32), "should hold real numbers (floats), found int32"),
    (np.full((64, 16), None, dtype=object), "holds Python objects"),
    (np.full((64, 16), np.nan, np.float32), "NaN or infinite"),
    (np.zeros((16, 64), np.float32), "should have shape (64, 16), but is shape (16, 64)"),
])
def test_weights_of_the_wrong_type_shape_or_value(tmp_path, weights, problem):
    arrays = good_arrays()
    arrays["dense0.W"] = weights
    assert_refused(write_npz(tmp_path / "model.npz", arrays), problem)


def test_spec_that_is_not_text_or_missing_members(tmp_path):
    arrays = good_arrays()
    arrays["spec"] = np.arange(3)
    assert_refused(write_npz(tmp_path / "a.npz", arrays), "spec should be text")
    arrays = good_arrays()
    del arrays["dense1.b"]
    assert_refused(write_npz(tmp_path / "b.npz", arrays), "dense1.b is missing")
    assert_refused(write_npz(tmp_path / "c.npz", {"x": np.zeros(2)}), "spec is missing")


def npy_header(shape, descr="<f4") -> bytes:
    """A version 1.0 .npy header declaring ``shape`` (the data need not follow)."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple(shape)}, }}"
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_member_whose_header_claims_terabytes(tmp_path):
    path = write_npz(tmp_path / "model.npz", good_arrays())
    with zipfile.ZipFile(path, "a") as archive:  # a later entry of the same name wins
        archive.writestr("dense0.W.npy", npy_header((2**40, 2**40)))
    with measure() as cost:
        assert_refused(path, "should have shape (64, 16), but is shape (1099511627776, 1099511627776)")
    assert cost.peak < 1 << 20


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_right_header_but_truncated_values(tmp_path):
    path = write_npz(tmp_path / "model.npz", good_arrays())
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("dense0.W.npy", npy_header((64, 16)) + bytes(100))
    assert_refused(path, "dense0.W is truncated")


def test_an_unused_member_that_inflates_to_gigabytes_is_never_read(tmp_path):
    path = write_npz(tmp_path / "model.npz", good_arrays())
    zeros = bytes(1 << 20)
    with (zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
          archive.open("junk.npy", "w", force_zip64=True) as junk):
        for _ in range(256):  # 256 MiB of zeros in a few hundred KB
            junk.write(zeros)
    assert path.stat().st_size < 2 << 20
    with measure() as cost:
        loaded = Network.load(path)
    assert loaded.spec == SPEC
    assert cost.peak < 2 << 20 and cost.seconds < QUICK_SECONDS


def test_a_spec_too_big_for_memory_is_refused_before_building(tmp_path):
    huge = NetworkSpec(input_size=784, hidden=[(4096, "relu")] * 1000)
    arrays = good_arrays()
    arrays["spec"] = np.array(huge.to_json())
    path = write_npz(tmp_path / "huge.npz", arrays)
    with measure() as cost:
        message = assert_refused(path, "784-4096(relu)-", "needs about", "GB", "available")
    assert cost.peak < 2 << 20 and cost.seconds < QUICK_SECONDS
    assert "not a model" not in message


def test_save_follows_the_umask_and_names_the_users_path(tmp_path):
    net = Network(SPEC)
    old = os.umask(0o027)
    try:
        path = net.save(tmp_path / "model.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    with pytest.raises(OSError) as info:
        net.save(tmp_path / "no-such-folder" / "model.npz")
    assert str(tmp_path / "no-such-folder" / "model.npz") in str(info.value)
    assert ".tmp" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
