"""A bad my_drawings.npz never blocks the app: it is set aside (renamed, never deleted), said once,
and the store starts empty; reading is bounded by what the headers declare; writes are atomic."""

import errno
import io
import os
import tracemalloc
import zipfile

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel

from mnist_gui.panels.draw import drawing_store
from mnist_gui.panels.draw.drawing_store import MAX_DRAWINGS, STORE_SIDE, DrawingStore
from mnist_gui.panels.draw.view import DrawView
from mnist_gui.state.model_hub import ModelHub


@pytest.fixture
def path(tmp_path):
    return tmp_path / "data" / "my_drawings.npz"


def good_bytes(n: int = 3) -> bytes:
    out = io.BytesIO()
    images = np.arange(n * STORE_SIDE * STORE_SIDE, dtype=np.uint8).reshape(n, STORE_SIDE, STORE_SIDE)
    np.savez_compressed(out, images=images, labels=np.arange(n, dtype=np.uint8))
    return out.getvalue()


def npz_bytes(**arrays) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def bomb_bytes(n: int, megabytes: int = 4) -> bytes:
    """A zip whose images.npy declares ``n`` drawings and holds ``megabytes`` of deflated zeros
    (a thousandth of that on disk)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                  "shape": (n, STORE_SIDE, STORE_SIDE)})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("labels.npy", _npy(np.zeros(n if n <= MAX_DRAWINGS else 1, np.uint8)))
        with archive.open("images.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(zeros)
    return out.getvalue()


def _npy(array) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def cut_headers(data: bytes, length: int) -> bytes:
    """The archive ``data`` with each member cut to its first ``length`` bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info)[:length])
    return out.getvalue()


BAD_FILES = {
    "empty": b"",
    "truncated": good_bytes()[:300],
    "text": b"these are not drawings\n" * 20,
    "png": b"\x89PNG\r\n\x1a\n" + bytes(200),
    "a lone .npy": _npy(np.zeros((2, STORE_SIDE, STORE_SIDE), np.uint8)),
    "float images": npz_bytes(images=np.zeros((2, STORE_SIDE, STORE_SIDE)), labels=np.zeros(2, np.uint8)),
    "wrong size": npz_bytes(images=np.zeros((2, 28, 28), np.uint8), labels=np.zeros(2, np.uint8)),
    "labels do not match": npz_bytes(images=np.zeros((2, STORE_SIDE, STORE_SIDE), np.uint8),
                                     labels=np.zeros(3, np.uint8)),
    "no labels": npz_bytes(images=np.zeros((2, STORE_SIDE, STORE_SIDE), np.uint8)),
    "pickled objects": npz_bytes(images=np.array([object()], dtype=object), labels=np.array([1])),
    "a bomb of a million drawings": bomb_bytes(1_000_000),
    "more bytes than declared": bomb_bytes(100, megabytes=4),
    "a header cut inside its dict": cut_headers(good_bytes(), 40),  # tokenize.TokenError in numpy
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_set_aside_said_once_and_the_store_starts_empty(path, kind):
    path.parent.mkdir(parents=True)
    path.write_bytes(BAD_FILES[kind])
    store = DrawingStore(path)
    assert len(store) == 0
    aside = list(path.parent.glob("my_drawings.npz.bad-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == BAD_FILES[kind]  # kept, byte for byte
    assert not path.exists()
    assert "my_drawings.npz could not be read" in store.load_error and aside[0].name in store.load_error
    again = DrawingStore(path)  # the next start is silent
    assert again.load_error == "" and len(again) == 0
    store.add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 4)
    assert len(DrawingStore(path)) == 1 and aside[0].exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_as_the_drawings_file_is_set_aside_at_once(path):
    """A named pipe nobody writes to (a stalled share) would block the app's start for ever."""
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    store = DrawingStore(path)
    assert len(store) == 0 and "it is a named pipe (FIFO), not a regular file" in store.load_error
    assert not path.exists() and len(list(path.parent.glob("my_drawings.npz.bad-*"))) == 1
    store.add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 1)
    assert len(DrawingStore(path)) == 1


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_link_to_dev_zero_is_set_aside_unread(path):
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/zero")
    tracemalloc.start()
    try:
        store = DrawingStore(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20 and "it is a device, not a regular file" in store.load_error
    (aside,) = path.parent.glob("my_drawings.npz.bad-*")
    assert aside.is_symlink() and os.readlink(aside) == "/dev/zero"  # the link kept, as it was


def test_a_bad_file_found_twice_in_one_second_keeps_both(path):
    path.parent.mkdir(parents=True)
    for n in range(2):
        path.write_bytes(b"bad %d" % n)
        DrawingStore(path)
    kept = sorted(p.read_bytes() for p in path.parent.glob("my_drawings.npz.bad-*"))
    assert kept == [b"bad 0", b"bad 1"]


def test_a_good_file_reads_back(path):
    path.parent.mkdir(parents=True)
    path.write_bytes(good_bytes(3))
    store = DrawingStore(path)
    assert store.load_error == "" and len(store) == 3
    assert store.images.shape == (3, STORE_SIDE, STORE_SIDE) and list(store.labels) == [0, 1, 2]
    assert store.images[1, 0, 0] == (STORE_SIDE * STORE_SIDE) % 256


def test_reading_a_bomb_stays_within_what_its_declared_drawings_need(path):
    """A file declaring a million drawings is refused from its header; one declaring 6,000 (75 MB
    of drawings) while its archive holds 64 MB is refused from the sizes, and would cost no more
    than those 75 MB if it got further."""
    path.parent.mkdir(parents=True)
    for n, limit in ((1_000_000, 2_000_000), (6_000, 6_000 * STORE_SIDE**2 + 4_000_000)):
        path.write_bytes(bomb_bytes(n, megabytes=64))
        tracemalloc.start()
        try:
            store = DrawingStore(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < limit, f"{n} drawings declared: peak {peak / 1e6:.1f} MB"
        print(f"{n:,} drawings declared: peak {peak / 1e6:.1f} MB")
        assert len(store) == 0 and store.load_error
        path.parent.joinpath(store.load_error.split(" It was kept as ")[1].split()[0]).unlink()


def test_the_draw_panel_says_once_that_the_file_was_set_aside(qtbot, path, datasets):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    view = DrawView(datasets, ModelHub(), drawings_path=path)
    qtbot.addWidget(view)
    text = view.findChild(QLabel, "myDrawingsResult").text()
    assert "could not be read" in text and "my_drawings.npz.bad-" in text
    later = DrawView(datasets, ModelHub(), drawings_path=path)
    qtbot.addWidget(later)
    assert "could not be read" not in later.findChild(QLabel, "myDrawingsResult").text()


def test_a_failed_save_keeps_the_file_and_the_drawings(path, monkeypatch):
    path.parent.mkdir(parents=True)
    path.write_bytes(good_bytes(2))
    store = DrawingStore(path)

    def full_disk(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match=str(path)) as caught:
        store.add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 7)
    assert ".tmp" not in str(caught.value)
    assert len(store) == 2 and path.read_bytes() == good_bytes(2)
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_file_that_cannot_be_set_aside_is_never_written_over(path, monkeypatch):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"bad")
    monkeypatch.setattr(drawing_store.os, "rename", lambda *a: (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied")))
    store = DrawingStore(path)
    assert "nor set aside" in store.load_error
    with pytest.raises(OSError):
        store.add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 1)
    assert path.read_bytes() == b"bad"


def test_the_file_follows_the_umask(path):
    old = os.umask(0o027)
    try:
        DrawingStore(path).add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 1)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_file_that_cannot_be_reached_does_not_stop_the_start(path, monkeypatch):
    def no_entry(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(type(path), "exists", no_entry)
    store = DrawingStore(path)
    assert len(store) == 0 and "cannot be reached" in store.load_error
    with pytest.raises(OSError):
        store.add(np.zeros((STORE_SIDE, STORE_SIDE), np.uint8), 1)
