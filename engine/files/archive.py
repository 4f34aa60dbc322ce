"""Reading untrusted files: regular files only, every read bounded, one list of what can go wrong.

Model, session and drawings files are zip archives of ``.npy`` members (``np.savez``); designs
are JSON. Whatever reads them opens them here: a named pipe, a device or a folder is refused
before a byte is read (a pipe on a stalled share would block for ever, /dev/zero never ends); a
zip entry claiming more bytes than the file has is refused; and members are inflated a chunk at
a time into a buffer of the size they must have, never by the size their zip entry declares.
"""

from __future__ import annotations

import os
import stat
import tokenize
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from io import BufferedReader

import numpy as np

NPY_HEADER_MAX = 64 * 1024
CHUNK = 1 << 20  # inflated at a time: zipfile would otherwise inflate a whole read at once
#: What a damaged or hostile archive can raise from zipfile, zlib, numpy's ``.npy`` header parser
#: (it tokenizes and evaluates a Python literal: a header cut inside its dict raises TokenError)
#: or json; found by fuzzing headers and archives (tests/engine/test_archive.py).
READ_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, SyntaxError, RecursionError,
               RuntimeError, NotImplementedError, OverflowError, MemoryError, zipfile.BadZipFile,
               zlib.error, tokenize.TokenError)

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def open_regular(path: str | os.PathLike, error=ValueError) -> BufferedReader:
    """``path`` opened for binary reading if it is a regular file (after following links).

    The file is opened without blocking (opening a FIFO with no writer would wait for ever) and
    checked with ``fstat``, so what is checked is what is read. Anything else raises ``error``
    (a ValueError class) with a message that does not name the file; OSError if it cannot be
    opened (missing, permission denied), with the path.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise error(f"it is {kind}, not a regular file; mnist-gui reads only regular files")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_text_file(path: str | os.PathLike, max_bytes: int, error=ValueError) -> str:
    """The UTF-8 text of the regular file ``path``, refused if longer than ``max_bytes``.

    Raises ``error`` (a ValueError class; its message does not name the file) for a file that is
    not regular, too long or not UTF-8, OSError if it cannot be read.
    """
    with open_regular(path, error) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(f"it is larger than {max_bytes:,} bytes, more than this kind of file holds")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"it is not UTF-8 text ({err})") from None


@contextmanager
def open_archive(path: str | os.PathLike, error=ValueError) -> Iterator[zipfile.ZipFile]:
    """The zip archive in the regular file ``path``, each entry checked to fit in the file.

    ``error`` (a ValueError class) is raised for a file that is not regular or an entry that
    claims more bytes than the file has; zipfile's own errors (READ_ERRORS) for the rest.
    """
    with open_regular(path, error) as f:
        size = os.fstat(f.fileno()).st_size
        with zipfile.ZipFile(f) as archive:
            for info in archive.infolist():
                if info.header_offset + info.compress_size > size:
                    raise error(f"its entry {info.filename!r:.80} claims {info.compress_size:,} "
                                f"bytes, more than the {size:,} bytes of the whole file")
            yield archive


def read_npy_header(member, name: str, error=ValueError,
                    kind: str = "this file") -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a ``.npy`` header; refuses object dtypes and Fortran order.

    kind : what the archive is, for the messages (``"a model file"``, ``"a session file"``).
    """
    version = np.lib.format.read_magic(member)
    read = {(1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read is None:
        raise error(f"{name} has an unknown .npy version {version}")
    shape, fortran, dtype = read(member, max_header_size=NPY_HEADER_MAX)
    if dtype.hasobject:
        raise error(f"{name} holds Python objects, which {kind} never does")
    if fortran and len(shape) > 1:
        raise error(f"{name} is stored in Fortran order, which mnist-gui never writes")
    return tuple(shape), dtype


def read_into(member, values: np.ndarray, name: str, error=ValueError) -> np.ndarray:
    """Fill ``values`` (C-contiguous) from ``member`` a chunk at a time, then check nothing is left.

    The bytes inflated are bounded by ``values.nbytes`` plus one chunk, whatever the zip entry
    declares; ``error`` names ``name`` if the member is shorter or longer.
    """
    buffer = values.reshape(-1).data.cast("B") if values.nbytes else memoryview(b"")
    got = 0
    while got < len(buffer):
        n = member.readinto(buffer[got:got + CHUNK])
        if not n:
            raise error(f"{name} is truncated: {got:,} of {len(buffer):,} bytes")
        got += n
    if member.read(1):
        raise error(f"{name} holds more bytes than its header declares")
    return values


def check_inflation(info: zipfile.ZipInfo, limit: int, ratio: float, free: int, name: str,
                    why: str, error=ValueError) -> int:
    """The most bytes member ``info`` may inflate to: ``limit``, and at most ``ratio`` times its
    compressed size plus ``free`` bytes; ``error`` if its entry declares more (``why`` says why
    that cannot be, e.g. "real curves never compress that well"). Returns the bound, for the
    caller to check the size the ``.npy`` header asks for against it."""
    bound = min(limit, int(ratio * info.compress_size) + free)
    if info.file_size > bound:
        raise error(f"{name} inflates from {info.compress_size:,} to {info.file_size:,} bytes "
                    f"(at most {bound:,} accepted); {why}")
    return bound


def describe_error(err: BaseException, kind: str = "this file") -> str:
    """The error's message, never numpy's advice to allow pickles (our files never need them)."""
    text = str(err) or type(err).__name__
    if "pickle" in text:
        return f"it holds Python objects, which {kind} never does"
    return text if len(text) <= 200 else text[:200] + "..."
