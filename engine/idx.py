"""Read and write IDX files, the binary array format MNIST and Fashion-MNIST are distributed in.

An IDX file is a header followed by the array's values in big-endian order, row-major::

    byte 0-1   0x00 0x00
    byte 2     data type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
               0x0E float64)
    byte 3     number of dimensions, ndim
    then       ndim dimension sizes, each a big-endian uint32
    then       prod(dims) values

Files are often gzipped; the reader recognises gzip by its magic bytes, not by the file name.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"

# Type code -> big-endian dtype of the values on disk.
IDX_DTYPES = {
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


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, raw or gzipped, into an array.

    Parameters
    ----------
    path : str or path-like
        The file. Gzip is detected from the content (bytes ``1f 8b``), so names do not matter.

    Returns
    -------
    ndarray, shape given by the header, native byte order
        ``uint8`` for MNIST images ``(n, 28, 28)`` and labels ``(n,)``.

    Raises
    ------
    IdxError
        The file is empty, corrupt gzip, or its header or length is wrong.
    OSError
        The file cannot be opened.
    """
    path = Path(path)
    data = path.read_bytes()
    return read_idx_bytes(data, str(path))


def read_idx_bytes(data: bytes, name: str) -> np.ndarray:
    """Parse the content of an IDX file held in memory (gzipped or not).

    Parameters
    ----------
    data : bytes
        The file's bytes.
    name : str
        What to call the file in error messages (a path or a URL).

    Returns
    -------
    ndarray, native byte order, as :func:`read_idx`.
    """
    compressed = data[:2] == GZIP_MAGIC
    data = gunzip_if_needed(data, name)
    if not data:
        raise IdxError(f"{name}: file is empty" + (" after decompression" if compressed else ""))
    dtype, dims, header_size = _parse_header(data, name)
    _check_length(len(data), dims, dtype.itemsize, header_size, name, compressed)
    values = np.frombuffer(data, dtype=dtype, count=int(np.prod(dims)), offset=header_size)
    # One copy: to native byte order for wider types, and to a writable array for uint8.
    return values.astype(dtype.newbyteorder("="), copy=True).reshape(dims)


def gunzip_if_needed(data: bytes, name: str) -> bytes:
    """``data`` decompressed if it starts with the gzip magic bytes, else unchanged.

    Every way a gzip stream can be broken (bad header, bad deflate data, truncation, CRC or
    length mismatch) becomes an IdxError naming ``name``.
    """
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as err:
        raise IdxError(f"{name}: corrupt gzip data ({err})") from err


def _parse_header(data: bytes, name: str) -> tuple[np.dtype, tuple[int, ...], int]:
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
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        # Do not leave a half-written temporary file behind; the original error is what matters.
        Path(tmp).unlink(missing_ok=True)
        raise
