"""Read and write IDX files, the binary array format MNIST and Fashion-MNIST are distributed in.

An IDX file is a header followed by the array's values in big-endian order, row-major::

    byte 0-1   0x00 0x00
    byte 2     data type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
               0x0E float64)
    byte 3     number of dimensions, ndim
    then       ndim dimension sizes, each a big-endian uint32
    then       prod(dims) values

Files are often gzipped; the reader recognises gzip by its magic bytes, not by the file name.
Reading streams: values are decompressed straight into the array the header declares, and a
header declaring more than :data:`MAX_IDX_BYTES`, or a gzip file declaring over
:data:`MAX_GZIP_RATIO` times its own size (a decompression bomb), is refused before allocating.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from io import BufferedIOBase  # a file, a GzipFile or BytesIO: what has readinto
from pathlib import Path

import numpy as np

from .archive import open_regular
from .atomic import write_bytes_atomically

GZIP_MAGIC = b"\x1f\x8b"
#: Largest IDX content (header plus values) read by default: room for EMNIST Digits' 240,000
#: training images (180 MiB); real MNIST's largest file is 45 MiB.
MAX_IDX_BYTES = 192 * 2**20
#: Real image data compresses at most about 10:1 (MNIST 4.7:1); deflate can reach 1032:1.
MAX_GZIP_RATIO = 100
#: Content up to this size is never refused for its compression ratio (small or blank files).
RATIO_FREE_BYTES = 16 * 2**20
READ_CHUNK = 1 << 20
#: Most dimensions read: MNIST's labels have 1, its images 3 (4 leaves room for colour images).
MAX_IDX_DIMS = 4

# Type code -> big-endian dtype of the values on disk.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


class IdxError(ValueError):
    """A file is not a valid IDX file; the message names the file and what is wrong with it."""


def read_idx(path: str | os.PathLike, max_bytes: int | None = None) -> np.ndarray:
    """Read an IDX file, raw or gzipped, into an array, streaming and bounded.

    Gzip is decompressed a chunk at a time straight into the array the header declares, so a
    file never costs more memory than the array it holds: a header declaring more than
    ``max_bytes``, a gzip file declaring over :data:`MAX_GZIP_RATIO` times its own size, and
    content longer than declared are refused as soon as they are seen.

    Parameters
    ----------
    path : str or path-like
        The file. Gzip is detected from the content (bytes ``1f 8b``), so names do not matter.
    max_bytes : int, optional
        Largest content (header plus values) accepted; default :data:`MAX_IDX_BYTES`.

    Returns
    -------
    ndarray, shape given by the header, native byte order
        ``uint8`` for MNIST images ``(n, 28, 28)`` and labels ``(n,)``.

    Raises
    ------
    IdxError
        The file is empty, corrupt gzip, too large, or its header or length is wrong.
    OSError
        The file cannot be opened. (Anything but a regular file is an IdxError.)
    """
    path = Path(path)
    try:
        f = open_regular(path, IdxError)  # a FIFO or /dev/zero would block or never end
    except IdxError as err:
        raise IdxError(f"{path}: {err}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        return _read_idx_file(f, size, str(path), max_bytes)


def read_idx_bytes(data: bytes, name: str, max_bytes: int | None = None) -> np.ndarray:
    """Parse the content of an IDX file held in memory (gzipped or not), as :func:`read_idx`.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    name : str
        What to call the file in error messages (a path or a URL).
    """
    return _read_idx_file(io.BytesIO(data), len(data), name, max_bytes)


def _read_idx_file(f: BufferedIOBase, size: int, name: str, max_bytes: int | None) -> np.ndarray:
    """The array in the open file ``f`` of ``size`` bytes on disk, gzipped or not."""
    limit = MAX_IDX_BYTES if max_bytes is None else max_bytes
    if f.read(2) != GZIP_MAGIC:
        f.seek(0)
        return _read_idx_stream(f, IdxSource(name, False, size), limit)
    f.seek(0)
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as content:
            return _read_idx_stream(content, IdxSource(name, True, size), limit)
    except (OSError, EOFError, zlib.error) as err:
        raise IdxError(f"{name}: corrupt gzip data ({err})") from err


@dataclass(frozen=True)
class IdxSource:
    """What is known of a file before its content is read: its name, whether it is gzipped, and
    its size on disk (for a raw file, the content's size)."""

    name: str
    compressed: bool
    size: int


def _read_idx_stream(stream: BufferedIOBase, source: IdxSource, limit: int) -> np.ndarray:
    """Header, checks, then the values read straight into their array, then a check for more."""
    name = source.name
    head = stream.read(4)
    if not head:
        raise IdxError(f"{name}: file is empty" + (" after decompression" if source.compressed
                                                    else ""))
    if len(head) == 4 and head[:2] == b"\0\0":
        head += stream.read(4 * head[3])
    dtype, dims, header_size = parse_header(head, name)
    expected = header_size + int(np.prod(dims, dtype=object)) * dtype.itemsize
    _check_declared_size(expected, dims, source, limit)
    if not source.compressed:
        _check_length(source.size, dims, dtype.itemsize, header_size, name, False)
    values = np.empty(int(np.prod(dims, dtype=object)), dtype=dtype)
    got = _read_into(stream, values.data.cast("B"))
    if got < values.nbytes:
        _check_length(header_size + got, dims, dtype.itemsize, header_size, name,
                      source.compressed)
    if stream.read(1):  # for gzip this also reads to the end of the stream and checks its CRC
        _refuse_longer(expected, dims, source)
    if not values.dtype.isnative:
        values = values.byteswap(inplace=True).view(values.dtype.newbyteorder("="))
    return values.reshape(dims)


def _check_declared_size(expected: int, dims: tuple[int, ...], source: IdxSource,
                         limit: int) -> None:
    """Refuse, before allocating, a header declaring more than ``limit`` bytes, or a gzip file
    declaring far more than real data ever compresses to (a decompression bomb)."""
    shape = "x".join(str(d) for d in dims)
    if expected > limit:
        raise IdxError(f"{source.name}: header declares {shape} values, {expected:,} bytes, more "
                       f"than the {limit:,}-byte limit for a dataset file; this is not an "
                       "MNIST-like file (or is far larger than this app can hold)")
    if (source.compressed and expected > RATIO_FREE_BYTES
            and expected > MAX_GZIP_RATIO * source.size):
        raise IdxError(f"{source.name}: header declares {shape} values, {expected:,} bytes, from "
                       f"only {source.size:,} bytes of gzip: over {MAX_GZIP_RATIO}:1, which real "
                       "image data never compresses to; refusing it as a decompression bomb")


def _refuse_longer(expected: int, dims: tuple[int, ...], source: IdxSource) -> None:
    """IdxError for content that goes on past its declared size (not read to its end)."""
    if not source.compressed:  # the raw file's whole size is known: say exactly how much more
        extra = source.size - expected
        raise IdxError(f"{source.name}: file is {source.size} bytes but its header declares "
                       f"{expected} bytes; it has {extra} extra bytes at the end")
    shape = "x".join(str(d) for d in dims)
    raise IdxError(f"{source.name}: decompressed content is longer than the {expected} bytes its "
                   f"header declares ({shape} values and the header); it has extra bytes at the "
                   "end, so it was not read further")


def _read_into(stream: BufferedIOBase, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream`` a chunk at a time; returns the bytes read (less at EOF)."""
    done = 0
    while done < len(buffer):
        n = stream.readinto(buffer[done:done + READ_CHUNK])
        if not n:
            break
        done += n
    return done


def parse_header(data: bytes, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
    """(on-disk dtype, dims, header size in bytes) from the start of an IDX file."""
    if len(data) < 4:
        raise IdxError(f"{name}: file is only {len(data)} bytes, too short for the 4-byte "
                       "IDX magic number")
    if data[0] != 0 or data[1] != 0:
        raise IdxError(f"{name}: not an IDX file: it should start with two zero bytes, "
                       f"found {data[:2].hex(' ')}")
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise IdxError(f"{name}: unknown IDX data type code 0x{code:02X} (known: {known})")
    if ndim < 1:
        raise IdxError(f"{name}: header declares 0 dimensions; an IDX array needs at least 1")
    if ndim > MAX_IDX_DIMS:
        raise IdxError(f"{name}: header declares {ndim} dimensions; a dataset file has at most "
                       f"{MAX_IDX_DIMS} (MNIST's labels have 1, its images 3), so this is not one")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxError(f"{name}: header declares {ndim} dimensions, which need {header_size} "
                       f"header bytes, but the file is only {len(data)} bytes")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    return IDX_DTYPES[code], dims, header_size


def _check_length(size: int, dims: tuple[int, ...], itemsize: int, header_size: int,
                  name: str, compressed: bool) -> None:
    """Raise IdxError unless the file holds exactly the values its header declares."""
    expected = header_size + int(np.prod(dims, dtype=object)) * itemsize
    if size == expected:
        return
    what = "decompressed content" if compressed else "file"
    shape = "x".join(str(d) for d in dims)
    extra = size - expected
    problem = ("it is truncated" if extra < 0
               else f"it has {extra} extra byte{'s' if extra > 1 else ''} at the end")
    raise IdxError(f"{name}: {what} is {size} bytes but its header declares {shape} values of "
                   f"{itemsize} byte(s) = {expected} bytes including the {header_size}-byte "
                   f"header; {problem}")


def idx_bytes(array: np.ndarray) -> bytes:
    """The uncompressed IDX encoding of ``array`` (header plus big-endian values).

    Parameters
    ----------
    array : ndarray, 1 to 255 dimensions
        dtype uint8, int8, int16, int32, float32 or float64, any byte order.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of "
                         "uint8, int8, int16, int32, float32, float64")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, got an array with {array.ndim}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"IDX dimensions must be below 2**32, got shape {array.shape}")
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzipped when ``path`` ends with ``.gz``.

    The file appears whole or not at all: it is written to a temporary file in the same folder
    and then renamed over ``path``.

    Parameters
    ----------
    path : str or path-like
        Where to write.
    array : ndarray, see :func:`idx_bytes` for the dtypes and shapes IDX can store.
    """
    path = Path(path)
    data = idx_bytes(array)
    if path.name.endswith(".gz"):
        # mtime=0 so the same array always gives the same bytes (stable hashes in tests).
        data = gzip.compress(data, compresslevel=6, mtime=0)
    write_bytes_atomic(path, data)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; see :func:`engine.files.atomic.write_atomically`."""
    write_bytes_atomically(path, data)
