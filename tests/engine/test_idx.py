"""IDX reading and writing: the byte layout, round trips for every type, every kind of bad file."""

import gzip
import os
import re

import numpy as np
import pytest
from bombs import QUICK_SECONDS, measure, write_gzip_bomb

from engine.files import idx
from engine.files.idx import IdxError, read_idx, read_idx_bytes, write_idx

DTYPES = ["u1", "i1", ">i2", ">i4", ">f4", ">f8"]


def header(code: int, *dims: int) -> bytes:
    return bytes([0, 0, code, len(dims)]) + np.array(dims, dtype=">u4").tobytes()


def sample(dtype: str, shape=(3, 4, 5)) -> np.ndarray:
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    rng = np.random.default_rng(1)
    if info is not None:
        values = rng.integers(info.min, info.max, size=shape, endpoint=True)
    else:
        values = rng.normal(size=shape) * 1e3
    return values.astype(dtype)


def test_reads_hand_built_uint8_file(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(header(0x08, 2, 3) + bytes(range(6)))
    array = read_idx(path)
    assert array.dtype == np.uint8 and array.shape == (2, 3)
    np.testing.assert_array_equal(array, [[0, 1, 2], [3, 4, 5]])
    array[0, 0] = 9  # writable: callers may normalise in place


def test_reads_big_endian_int16_into_native_order(tmp_path):
    path = tmp_path / "shorts"
    path.write_bytes(header(0x0B, 2) + b"\x01\x02\xff\xfe")
    array = read_idx(path)
    assert array.dtype == np.int16 and array.dtype.isnative
    np.testing.assert_array_equal(array, [0x0102, -2])


def test_writes_the_documented_byte_layout(tmp_path):
    path = tmp_path / "ints"
    write_idx(path, np.array([[1, -2]], dtype="<i4"))
    assert path.read_bytes() == header(0x0C, 1, 2) + b"\x00\x00\x00\x01\xff\xff\xff\xfe"


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(tmp_path, dtype, gz):
    original = sample(dtype)
    path = tmp_path / ("data.idx.gz" if gz else "data.idx")
    write_idx(path, original)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz
    back = read_idx(path)
    assert back.dtype == original.dtype.newbyteorder("=") and back.dtype.isnative
    np.testing.assert_array_equal(back, original)


@pytest.mark.parametrize("shape", [(7,), (2, 3), (2, 1, 3, 4)])
def test_round_trip_shapes(tmp_path, shape):
    original = sample("u1", shape)
    write_idx(tmp_path / "a", original)
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), original)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    original = sample("u1")
    write_idx(tmp_path / "x.gz", original)
    os.rename(tmp_path / "x.gz", tmp_path / "no-suffix")
    np.testing.assert_array_equal(read_idx(tmp_path / "no-suffix"), original)


def test_gzip_output_is_deterministic(tmp_path):
    write_idx(tmp_path / "a.gz", sample("u1"))
    write_idx(tmp_path / "b.gz", sample("u1"))
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_read_idx_bytes_names_the_source_in_errors():
    np.testing.assert_array_equal(read_idx_bytes(header(0x08, 2) + b"\x05\x06", "x"), [5, 6])
    with pytest.raises(IdxError, match=r"^http://mirror/f\.gz: .*truncated"):
        read_idx_bytes(header(0x08, 3) + b"\x05", "http://mirror/f.gz")


@pytest.mark.parametrize("dtype", ["i8", "u2", "bool", "c8"])
def test_write_rejects_types_idx_cannot_store(tmp_path, dtype):
    with pytest.raises(ValueError, match=f"cannot store dtype {np.dtype(dtype)}"):
        write_idx(tmp_path / "a", np.zeros(3, dtype=dtype))
    assert list(tmp_path.iterdir()) == []


def test_write_rejects_zero_dimensions(tmp_path):
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "a", np.uint8(3))


def test_write_is_atomic_when_replace_fails(tmp_path, monkeypatch):
    path = tmp_path / "a.gz"
    write_idx(path, np.arange(4, dtype=np.uint8))
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(idx.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_idx(path, np.arange(9, dtype=np.uint8))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.gz"]  # temporary file removed


def test_write_overwrites_existing_file_without_leftovers(tmp_path):
    path = tmp_path / "a"
    write_idx(path, np.arange(4, dtype=np.uint8))
    write_idx(path, np.arange(2, dtype=np.uint8))
    np.testing.assert_array_equal(read_idx(path), [0, 1])
    assert [p.name for p in tmp_path.iterdir()] == ["a"]


GOOD = header(0x08, 2, 2, 2) + bytes(8)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


BAD_FILES = {
    # name: (content, regex the message must match after "<path>: ")
    "empty": (b"", "file is empty"),
    "empty-gzip": (gz(b""), "file is empty after decompression"),
    "too-short-for-magic": (b"\x00\x00", "too short for the 4-byte IDX magic"),
    "truncated": (GOOD[:-3], r"file is 21 bytes but its header declares 2x2x2 .* = 24 bytes.*"
                             "truncated"),
    "truncated-gz": (gz(GOOD[:-3]), "decompressed content is 21 bytes.*truncated"),
    "too-long": (GOOD + b"\x00", "file is 25 bytes .* = 24 bytes.*1 extra byte at the end"),
    "nonzero-first-bytes": (b"\x00\x01" + GOOD[2:], "not an IDX file.*two zero bytes.*00 01"),
    "text-file": (b"hello, this is not IDX", "not an IDX file.*68 65"),
    "unknown-type": (b"\x00\x00\x07\x03" + GOOD[4:], "unknown IDX data type code 0x07"),
    "zero-dims": (b"\x00\x00\x08\x00", "0 dimensions"),
    "255-dims": (header(0x08, *[1] * 255) + b"\x00", "header declares 255 dimensions; a dataset file "
                 r"has at most 4 \(MNIST's labels have 1, its images 3\)"),
    "5-dims-gz": (gz(header(0x08, 1, 1, 1, 1, 1) + b"\x00"), "header declares 5 dimensions"),
    "dims-do-not-fit": (b"\x00\x00\x08\x03" + GOOD[4:10],
                        "3 dimensions.*16 header bytes.*10 bytes"),
    "dims-disagree-with-length": (header(0x08, 60000, 28, 28) + bytes(1000),
                                  "60000x28x28 .* = 47040016 bytes.*truncated"),
    "wide-type-length": (header(0x0D, 3) + bytes(3 * 4 - 1), r"3 values of 4 byte\(s\)"),
    "corrupt-gzip-body": (b"\x1f\x8b\x08\x00" + bytes(6) + b"garbage!" * 4, "corrupt gzip"),
    "truncated-gzip": (gz(GOOD)[:-6], "corrupt gzip"),
    "gzip-bad-crc": (gz(GOOD)[:-8] + b"\x00\x00\x00\x00" + gz(GOOD)[-4:], "corrupt gzip.*CRC"),
    "bad-gzip-header": (b"\x1f\x8b\x09" + gz(GOOD)[3:], "corrupt gzip"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_raise_idx_error_naming_file_and_problem(tmp_path, case):
    content, problem = BAD_FILES[case]
    path = tmp_path / f"{case}-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(IdxError) as info:
        read_idx(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert re.search(problem, message), message
    assert isinstance(info.value, ValueError)


def test_missing_file_is_an_os_error_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        read_idx(tmp_path / "nope")


# Decompression bombs: refused in bounded memory and time, whatever they inflate to.

def test_gzip_longer_than_its_header_stops_at_the_declared_size(tmp_path):
    path = write_gzip_bomb(tmp_path / "bomb-idx3-ubyte.gz", GOOD, 200 * 2**20)  # 200 MiB of zeros
    assert path.stat().st_size < 1 << 20
    with measure() as cost, pytest.raises(IdxError, match=r"longer than the 24 bytes its header "
                                                          "declares.*extra bytes at the end"):
        read_idx(path)
    assert cost.peak < 2 * 2**20 and cost.seconds < QUICK_SECONDS


def test_header_declaring_more_than_the_limit_is_refused_before_reading(tmp_path):
    path = write_gzip_bomb(tmp_path / "huge-idx3-ubyte.gz", header(0x08, 4_000_000, 28, 28),
                           1 << 20)
    with measure() as cost, pytest.raises(IdxError, match=r"4000000x28x28 values, 3,136,000,016 "
                                                          r"bytes, more than the .*limit"):
        read_idx(path)
    assert cost.peak < 1 << 20
    raw = tmp_path / "huge-raw-idx3-ubyte"
    raw.write_bytes(header(0x0E, 2**31, 2**31))  # terabytes, declared by a 12-byte file
    with pytest.raises(IdxError, match="more than the"):
        read_idx(raw)


def test_gzip_declaring_far_more_than_real_data_compresses_to_is_a_bomb(tmp_path):
    # 120 MB of zero images in a ~120 KB file: legal IDX, but 1000:1 is no real image data
    path = write_gzip_bomb(tmp_path / "zeros-idx3-ubyte.gz", header(0x08, 150_000, 28, 28),
                           150_000 * 784)
    with measure() as cost, pytest.raises(IdxError, match=r"over 100:1.*decompression bomb"):
        read_idx(path)
    assert cost.peak < 1 << 20 and cost.seconds < QUICK_SECONDS


def test_a_limit_can_be_given(tmp_path):
    path = tmp_path / "small-idx1-ubyte"
    path.write_bytes(header(0x08, 100) + bytes(100))
    assert read_idx(path, max_bytes=200).shape == (100,)
    with pytest.raises(IdxError, match="108 bytes, more than the 50-byte limit"):
        read_idx(path, max_bytes=50)


def test_reading_a_big_gzip_costs_about_its_array(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(5000, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "big-idx3-ubyte.gz", images)
    with measure() as cost:
        loaded = read_idx(tmp_path / "big-idx3-ubyte.gz")
    np.testing.assert_array_equal(loaded, images)
    assert cost.peak < images.nbytes + 2 * 2**20  # the array plus a few chunk buffers


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_or_a_device_is_refused_naming_it(tmp_path):
    fifo = tmp_path / "train-images-idx3-ubyte"
    os.mkfifo(fifo)  # nobody writes: reading it would block for ever
    with pytest.raises(IdxError, match=f"^{re.escape(str(fifo))}: it is a named pipe"):
        read_idx(fifo)
    if os.path.exists("/dev/zero"):
        (tmp_path / "zeros").symlink_to("/dev/zero")
        with pytest.raises(IdxError, match="zeros: it is a device, not a regular file"):
            read_idx(tmp_path / "zeros")
