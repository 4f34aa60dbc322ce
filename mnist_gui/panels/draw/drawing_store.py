"""The file of the user's own drawings, ``my_drawings.npz``: read warily, written whole, never lost.

The file is an ``np.savez_compressed`` archive of ``images`` (n, 112, 112) uint8 and ``labels``
(n,) uint8. Reading trusts nothing in it: each member's ``.npy`` header is checked (shape, dtype,
at most ``MAX_DRAWINGS``, the size the archive gives the member) before a byte of values is read,
and only the declared bytes are read, straight into their array, so a damaged or hostile file
costs at most what that many drawings need. A file that cannot be read is set aside (renamed
``my_drawings.npz.bad-<time>``, never deleted) and the store starts empty, so a bad file never
stops the app from starting.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import numpy as np

from engine.files.archive import READ_ERRORS, open_archive, read_into, read_npy_header
from engine.files.atomic import write_atomically

STORE_SIDE = 112      # drawings are kept at 112x112: small, and enough for any network's size
MAX_DRAWINGS = 10_000  # 125 MB of drawings; a class saves a few hundred


class DrawingsFileError(ValueError):
    """The file is not a drawings file mnist-gui wrote; the message says what is wrong."""


def read_drawings(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 112, 112) uint8, labels (n,) uint8) from ``path``; DrawingsFileError if bad."""
    try:
        with open_archive(path, DrawingsFileError) as archive:
            labels = _read_member(archive, "labels", lambda shape: len(shape) == 1
                                  and shape[0] <= MAX_DRAWINGS, "(n,) with n at most "
                                  f"{MAX_DRAWINGS:,}")
            n = len(labels)
            images = _read_member(archive, "images", lambda shape: shape == (n, STORE_SIDE, STORE_SIDE),
                                  f"({n}, {STORE_SIDE}, {STORE_SIDE}), one per label")
    except DrawingsFileError:
        raise
    except READ_ERRORS as err:
        text = str(err) or type(err).__name__
        raise DrawingsFileError(text if len(text) <= 200 else text[:200] + "...") from err
    return images, labels


def _read_member(archive: zipfile.ZipFile, name: str, shape_ok, wanted: str) -> np.ndarray:
    """Member ``name`` as uint8 values, its header checked by ``shape_ok`` before they are read."""
    try:
        info = archive.getinfo(name + ".npy")
    except KeyError:
        raise DrawingsFileError(f"it has no {name}") from None
    with archive.open(info) as member:
        shape, dtype = read_npy_header(member, f"its {name}", DrawingsFileError, "a drawings file")
        if dtype != np.uint8:
            raise DrawingsFileError(f"its {name} should be bytes (uint8), found {dtype}")
        if not shape_ok(shape):
            raise DrawingsFileError(f"its {name} have shape {shape}, expected {wanted}")
        stored = info.file_size - member.tell()
        if stored != int(np.prod(shape, dtype=object)):
            raise DrawingsFileError(f"its {name} take {stored:,} bytes in the archive for "
                                    f"{int(np.prod(shape, dtype=object)):,} values")
        return read_into(member, np.empty(shape, dtype=np.uint8), f"its {name}", DrawingsFileError)


def set_aside(path: Path) -> Path:
    """Rename ``path`` to ``<name>.bad-<date-time>`` beside it (never over another file)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
    os.rename(path, target)
    return target


class DrawingStore:
    """Drawings (n, 112, 112) uint8, ink high, with labels (n,): loaded at once, saved on each change.

    A file that cannot be read is set aside and the store starts empty; ``load_error`` says so,
    once (the next start finds no bad file). Saving writes the whole file atomically.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.load_error = ""
        self._may_write = True
        self.images = np.zeros((0, STORE_SIDE, STORE_SIDE), dtype=np.uint8)
        self.labels = np.zeros(0, dtype=np.uint8)
        try:
            present = self.path.exists()
        except OSError as err:  # a folder the user may not enter: start empty, save nothing
            self._may_write = False
            self.load_error = f"{self.path} cannot be reached ({err.strerror or err}); your " \
                              "drawings will not be saved."
            return
        if present:
            self._load()

    def __len__(self) -> int:
        return len(self.labels)

    def _load(self):
        try:
            self.images, self.labels = read_drawings(self.path)
        except DrawingsFileError as exc:
            self._set_aside(str(exc))

    def _set_aside(self, reason: str):
        try:
            target = set_aside(self.path)
        except OSError as err:
            self._may_write = False  # never write over a file we could not keep
            self.load_error = (f"{self.path} could not be read ({reason}), nor set aside "
                               f"({err.strerror or err}); your drawings will not be saved.")
            return
        self.load_error = (f"{self.path.name} could not be read ({reason}). It was kept as "
                           f"{target.name} in {target.parent}, and a new, empty set of drawings "
                           "was started.")

    def add(self, image: np.ndarray, label: int):
        """Append a (112, 112) uint8 drawing with its label and save the file (OSError if not)."""
        if image.shape != (STORE_SIDE, STORE_SIDE):
            raise ValueError(f"a drawing must be {STORE_SIDE}x{STORE_SIDE}, got {image.shape}")
        if not 0 <= label <= 255:
            raise ValueError(f"label must be 0..255, got {label}")
        if len(self) >= MAX_DRAWINGS:
            raise OSError(f"{self.path} holds {MAX_DRAWINGS:,} drawings, the most it can")
        self._save(np.concatenate([self.images, image[None].astype(np.uint8)]),
                   np.append(self.labels, np.uint8(label)))

    def remove_last(self):
        if len(self):
            self._save(self.images[:-1], self.labels[:-1])

    def save(self):
        self._save(self.images, self.labels)

    def _save(self, images: np.ndarray, labels: np.ndarray):
        """Write ``images`` and ``labels`` whole; they become the store's only once written."""
        if not self._may_write:
            raise OSError(f"{self.path} could not be read, and is kept as it is; move it away first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, lambda out: np.savez_compressed(out, images=images, labels=labels))
        self.images, self.labels = images, labels
        self.load_error = ""
