"""Untrusted files (engine.files.archive): what a fuzzed .npy header raises is caught by every reader;
members are inflated only as far as a valid file needs, whatever their zip entry declares; and
anything but a regular file (a FIFO, /dev/zero) is refused before a byte is read."""

import io
import os
import random
import struct
import sys
import zipfile
import zlib

import numpy as np
import pytest
from bombs import measure

from engine.files import archive, model_file, session_file
from engine.files.archive import read_text_file
from engine.files.model_file import ModelFileError
from engine.files.session_file import RunData, SessionFileError, load_session, save_session
from engine.network import Network, NetworkSpec
from engine.training import TrainConfig

SPEC = NetworkSpec(input_size=64, hidden=[(16, "tanh")], seed=4)
MODEL_READERS = {"model": (Network.load, ModelFileError), "session": (load_session, SessionFileError)}


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    net = Network(SPEC)
    run = RunData("a", SPEC, TrainConfig(), batch_x=[0.1, 0.2], batch_loss=[1.0, 2.0], network=net)
    return {"model": net.save(folder / "model.npz").read_bytes(),
            "session": save_session(folder / "session.npz", [run]).read_bytes()}


def rezip(data: bytes, change) -> bytes:
    """The archive ``data`` with every member's bytes passed through ``change(name, bytes)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)))
    return out.getvalue()


def header_end(member: bytes) -> int:
    return 10 + int.from_bytes(member[8:10], "little")


def test_every_reader_uses_the_one_list_of_read_errors():
    assert model_file.READ_ERRORS is session_file.READ_ERRORS is archive.READ_ERRORS


@pytest.mark.parametrize("kind", MODEL_READERS)
def test_a_header_cut_inside_its_dict_is_refused_by_name(kind, good_files, tmp_path):
    read, error = MODEL_READERS[kind]
    for cut in (12, 20, 40, 60):  # inside "{'descr': '<f4', 'fortran_order': False, 'shape': (64, 16), }"
        path = tmp_path / f"cut{cut}.npz"
        path.write_bytes(rezip(good_files[kind], lambda _name, b, cut=cut: b[:cut]))
        with pytest.raises(error) as info:
            read(path)
        assert str(info.value).startswith(f"{path}: "), info.value


@pytest.mark.parametrize("kind", MODEL_READERS)
def test_fuzzed_headers_always_give_the_readers_own_error(kind, good_files, tmp_path):
    """Random bytes changed in the members' .npy headers (200 seeded trials): whatever numpy's
    parser raises (ValueError, SyntaxError, tokenize.TokenError, ...) becomes the reader's error."""
    read, error = MODEL_READERS[kind]
    rng = random.Random(20)
    path = tmp_path / "fuzzed.npz"

    def scramble(_name, b):
        b, end = bytearray(b), header_end(b)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(8, end)] = rng.randrange(256)
        return bytes(b)

    for _ in range(200):
        path.write_bytes(rezip(good_files[kind], scramble))
        try:
            read(path)
        except error as err:
            assert str(err).startswith(f"{path}: ")


def deflated_member(name: str, head: bytes, n_spaces: int) -> bytes:
    """A zip holding ``name``: ``head`` and ``n_spaces`` spaces, deflated (a thousandth on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, z.open(name, "w", force_zip64=True) as member:
        member.write(head)
        for start in range(0, n_spaces, 1 << 20):
            member.write(b" " * min(1 << 20, n_spaces - start))
    return out.getvalue()


def central_entry(data: bytes, name: str) -> int:
    """Where ``name``'s entry in the zip's central directory starts."""
    start = data.index(b"PK\x01\x02")
    while data[start + 46:start + 46 + len(name)] != name.encode():
        start = data.index(b"PK\x01\x02", start + 4)
    return start


def under_declare(data: bytes, name: str, size: int) -> bytes:
    """The zip ``data`` with ``name``'s entry declaring ``size`` bytes inflated, and the CRC of
    its first ``size`` bytes, so that zipfile reads them without complaint (both headers)."""
    data = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(name)
    with archive.open(info) as member:
        crc = zlib.crc32(member.read(size))
    central = central_entry(data, name)
    struct.pack_into("<II", data, info.header_offset + 14, crc, info.compress_size)  # local header
    struct.pack_into("<I", data, info.header_offset + 22, size)
    struct.pack_into("<I", data, central + 16, crc)  # the central directory
    struct.pack_into("<I", data, central + 24, size)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name).file_size == size
    return bytes(data)


def npy_head(descr: str, shape) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False, "shape": shape})
    return out.getvalue()


def test_a_session_description_that_under_declares_its_size_is_read_no_further(tmp_path):
    """1 MB on disk, 1 GB of spaces behind a header asking for 60 MB, an entry saying 100 bytes."""
    data = deflated_member("session.npy", npy_head("|u1", (60 << 20,)), 1 << 30)
    path = tmp_path / "liar.npz"
    path.write_bytes(under_declare(data, "session.npy", 228))  # the header and 100 bytes
    with measure() as cost, pytest.raises(SessionFileError) as info:
        load_session(path)
    assert "its description is truncated: 62,914,560 bytes declared, 228 in the archive" in str(info.value)
    assert cost.peak < 4 << 20 and cost.seconds < 1


def test_a_session_description_that_inflates_like_a_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.npz"
    path.write_bytes(deflated_member("session.npy", npy_head("|u1", (60 << 20,)), 60 << 20))
    with measure() as cost, pytest.raises(SessionFileError, match=r"its description inflates from .* never compresses"):
        load_session(path)
    assert cost.peak < 4 << 20


def test_a_description_whose_header_fits_but_which_goes_on_is_read_only_that_far(tmp_path):
    """The header asks for 1,000 bytes, the entry says so too, 200 MB of spaces follow."""
    data = deflated_member("session.npy", npy_head("|u1", (1000,)), 200 << 20)
    path = tmp_path / "longer.npz"
    path.write_bytes(under_declare(data, "session.npy", 1000 + len(npy_head("|u1", (1000,)))))
    with measure() as cost, pytest.raises(SessionFileError):
        load_session(path)
    assert cost.peak < 8 << 20 and cost.seconds < 1


def test_a_model_spec_that_under_declares_its_size_is_read_no_further(tmp_path):
    """The spec's header asks for 2 GB of text, its entry says 228 bytes: refused unread."""
    data = deflated_member("spec.npy", npy_head("<U500000000", ()), 1 << 30)
    path = tmp_path / "liar.npz"
    path.write_bytes(under_declare(data, "spec.npy", 228))
    with measure() as cost, pytest.raises(ModelFileError, match="its spec is 2,000,000,000 bytes"):
        Network.load(path)
    assert cost.peak < 4 << 20 and cost.seconds < 1


def test_an_entry_claiming_more_than_the_whole_file_is_refused(good_files, tmp_path):
    data = bytearray(good_files["model"])
    struct.pack_into("<I", data, central_entry(data, "spec.npy") + 20, 1 << 31)  # its compressed size
    path = tmp_path / "claims.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="claims 2,147,483,648 bytes, more than the"):
        Network.load(path)


# --- files that are not regular files ---------------------------------------------------------

READERS = {"model": (Network.load, ModelFileError), "session": (load_session, SessionFileError),
           "design": (lambda p: read_text_file(p, 1 << 20), ValueError)}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
@pytest.mark.parametrize("kind", READERS)
def test_a_fifo_is_refused_at_once_without_blocking(kind, tmp_path):
    read, error = READERS[kind]
    fifo = tmp_path / "stalled-share.npz"
    os.mkfifo(fifo)  # nobody ever writes: a blocking open or read would wait for ever
    with measure() as cost, pytest.raises(error, match="it is a named pipe \\(FIFO\\), not a regular file"):
        read(fifo)
    assert cost.seconds < 1


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("kind", READERS)
def test_a_link_to_dev_zero_is_refused_before_reading(kind, tmp_path):
    read, error = READERS[kind]
    link = tmp_path / "endless.npz"
    link.symlink_to("/dev/zero")
    with measure() as cost, pytest.raises(error, match="it is a device, not a regular file"):
        read(link)
    assert cost.peak < 1 << 20 and cost.seconds < 1


def test_a_link_to_a_regular_file_is_followed_and_read(good_files, tmp_path):
    (tmp_path / "real.npz").write_bytes(good_files["model"])
    (tmp_path / "link.npz").symlink_to(tmp_path / "real.npz")
    assert Network.load(tmp_path / "link.npz").spec == SPEC


def test_read_text_file_bounds_and_decodes(tmp_path):
    path = tmp_path / "design.json"
    path.write_bytes(b"x" * 101)
    with pytest.raises(ValueError, match="larger than 100 bytes"):
        read_text_file(path, 100)
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_text_file(path, 100)
    path.write_text("é" * 50, encoding="utf-8")
    assert read_text_file(path, 100) == "é" * 50
    assert sys.getsizeof(read_text_file(path, 100)) < 1000
