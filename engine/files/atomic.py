"""Write files whole or not at all, with the permissions the user's umask gives, and check a
destination before spending time on what will be written there.

A file is written to a temporary file in the destination's folder, flushed to disk, given the
permissions a plain ``open(path, "w")`` would give (``0o666 & ~umask``; ``mkstemp`` makes 0600),
and then renamed over the destination. A crash, a full disk or a kill mid-write leaves the previous
file untouched and no temporary file behind. Errors name the user's path, never the temporary one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

NAME_MAX = 255  # bytes in a file name on Linux, macOS and Windows file systems, if not told
TEMP_EXTRA = len("..XXXXXXXX.tmp")  # what mkstemp adds around the name: dots, 8 random characters


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows.

    ``os.umask`` can only be read by setting it, which briefly affects files other threads
    create; Linux shows it in /proc/self/status, so that is tried first.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass  # not Linux, or an old kernel: fall back to the set-and-restore below
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permission bits a new file gets from ``open()``: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def check_writable(path: str | os.PathLike) -> Path:
    """Raise OSError naming ``path`` unless a file could be written there; return it as a Path.

    Checks that the folder exists, is a folder and is writable, and that ``path`` is not a folder,
    so a long computation does not end by failing to save its result.
    """
    path = Path(path).expanduser()
    folder = path.parent
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder; give a file name such as {path / 'model.npz'}")
    if not folder.exists():
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist; create it first "
                                "or choose another place")
    if not folder.is_dir():
        raise NotADirectoryError(f"{path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"{path}: cannot write in the folder {folder} (permission denied)")
    return path


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Create or replace ``path`` with what ``write(file)`` writes, whole or not at all.

    Parameters
    ----------
    path : str or path-like
        The destination. Its folder must exist.
    write : callable(binary file) -> anything
        Writes the content into the open temporary file it is given.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        The folder is missing or read-only, the disk is full, ...; the message names ``path``.
        Whatever ``write`` raises propagates unchanged. Either way ``path`` is left as it was.
    """
    path = Path(path).expanduser()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{temporary_stem(path)}.", suffix=".tmp")
    except OSError as err:
        raise _naming(err, path) from err
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _naming(err, path) from err
    except BaseException:
        # Do not leave a half-written temporary file behind; the original error is what matters.
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def temporary_stem(path: Path) -> str:
    """``path``'s name, cut (at a character boundary) so that ``.{name}.XXXXXXXX.tmp`` fits in the
    folder's limit on a file name's bytes whenever the name itself does."""
    try:
        name_max = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows) or no answer
        name_max = NAME_MAX
    encoded = os.fsencode(path.name)
    room = max(1, (name_max if name_max > 0 else NAME_MAX) - TEMP_EXTRA)
    if len(encoded) <= room:
        return path.name
    return _cut(encoded, room)


def _cut(encoded: bytes, room: int) -> str:
    """The longest start of ``encoded`` within ``room`` bytes that is whole characters."""
    for end in range(room, max(0, room - 4), -1):
        try:
            return encoded[:end].decode(sys.getfilesystemencoding(), "strict")
        except UnicodeDecodeError:
            continue
    return os.fsdecode(encoded[:room])


def write_bytes_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """:func:`write_atomically` for content already in memory."""
    return write_atomically(path, lambda out: out.write(data))


def _naming(err: OSError, path: Path) -> OSError:
    """The same kind of OSError, its message naming ``path`` instead of a temporary file."""
    reason = err.strerror or str(err) or type(err).__name__
    if err.errno:  # OSError(errno, ...) gives the matching subclass, e.g. FileNotFoundError
        return OSError(err.errno, f"cannot write {path}: {reason}")
    return OSError(f"cannot write {path}: {reason}")
