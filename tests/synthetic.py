"""Small, seeded, MNIST-shaped fake datasets for tests: in memory, as IDX files, or as CSV files.

Each class is a bright block at its own place in the image on a noisy background, so a
nearest-mean classifier separates them easily and a network that learns anything beats chance.
Labels cycle 0, 1, ..., n_classes - 1, 0, 1, ... so every class appears in every split.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from engine.dataset import Dataset
from engine.files.idx import write_idx
from engine.files.sources import IDX_FILES


def make_split(n: int, shape: tuple[int, int] = (28, 28), n_classes: int = 10,
               rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fake images and labels.

    Parameters
    ----------
    n : int
        Number of images.
    shape : (height, width)
    n_classes : int
    rng : numpy Generator, seeded by the caller (default seed 0).

    Returns
    -------
    images : ndarray, shape (n, height, width), uint8
        Background noise in 0..63; class ``k``'s block (cell ``k`` of a square grid) in 160..255.
    labels : ndarray, shape (n,), uint8
        ``arange(n) % n_classes``.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    height, width = shape
    labels = (np.arange(n) % n_classes).astype(np.uint8)
    images = rng.integers(0, 64, size=(n, height, width), dtype=np.uint8)
    cells = math.ceil(math.sqrt(n_classes))
    cell_h, cell_w = max(1, height // cells), max(1, width // cells)
    for k in range(n_classes):
        row, col = divmod(k, cells)
        block = (labels == k, slice(row * cell_h, (row + 1) * cell_h),
                 slice(col * cell_w, (col + 1) * cell_w))
        images[block] = rng.integers(160, 256, size=images[block].shape, dtype=np.uint8)
    return images, labels


def make_dataset(n_train: int = 120, n_test: int = 40, shape: tuple[int, int] = (28, 28),
                 n_classes: int = 10, seed: int = 0, name: str = "Synthetic") -> Dataset:
    """A fake :class:`Dataset` in memory (see :func:`make_split`), classes named "0", "1", ..."""
    rng = np.random.default_rng(seed)
    train_images, train_labels = make_split(n_train, shape, n_classes, rng)
    test_images, test_labels = make_split(n_test, shape, n_classes, rng)
    names = tuple(str(k) for k in range(n_classes))
    return Dataset(name, train_images, train_labels, test_images, test_labels,
                   class_names=names, source="synthetic")


def make_idx_folder(folder: str | Path, n_train: int = 120, n_test: int = 40,
                    shape: tuple[int, int] = (28, 28), n_classes: int = 10, seed: int = 0,
                    gz: bool = True) -> Path:
    """Write the four MNIST-named IDX files of a fake dataset into ``folder`` (created if needed).

    Returns the folder. ``gz`` chooses ``.gz`` files or raw ones.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = make_dataset(n_train, n_test, shape, n_classes, seed)
    suffix = ".gz" if gz else ""
    for (split, kind), name in IDX_FILES.items():
        images, labels = data.split(split)
        write_idx(folder / (name + suffix), images if kind == "images" else labels)
    return folder


def make_csv_folder(folder: str | Path, n_train: int = 120, n_test: int = 40,
                    shape: tuple[int, int] = (28, 28), n_classes: int = 10, seed: int = 0,
                    header: bool = False,
                    names: tuple[str, str] = ("mnist_train.csv", "mnist_test.csv")) -> Path:
    """Write a fake dataset as two CSV files (label, then pixels, one image per row).

    ``header`` adds a ``label,1x1,1x2,...`` first row as Kaggle-style files have.
    Returns the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = make_dataset(n_train, n_test, shape, n_classes, seed)
    for split, name in zip(("train", "test"), names):
        images, labels = data.split(split)
        write_csv(folder / name, images, labels, header=header)
    return folder


def write_csv(path: Path, images: np.ndarray, labels: np.ndarray, header: bool = False) -> None:
    """Write ``labels`` (n,) and ``images`` (n, h, w) as CSV rows ``label,p0,p1,...``."""
    height, width = images.shape[1:]
    rows = np.column_stack([labels, images.reshape(len(images), -1)])
    lines = [",".join(map(str, row)) for row in rows.tolist()]
    if header:
        columns = [f"{r}x{c}" for r in range(1, height + 1) for c in range(1, width + 1)]
        lines.insert(0, ",".join(["label", *columns]))
    path.write_text("\n".join(lines) + "\n")
