"""Where datasets come from: a folder of IDX or CSV files, the download cache, the built-in digits.

Nothing here touches the network; :mod:`engine.files.download` fills the cache that :func:`find_cached`
and :func:`locate` look in.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from engine.dataset import DIGIT_NAMES, FASHION_NAMES, Dataset
from engine.files.csv_table import CsvError, parse_csv_stream, read_csv_file
from engine.files.idx import IdxError, read_idx

DATA_DIR_ENV = "MNIST_DATA_DIR"
CACHE_ENV = "MNIST_GUI_CACHE"
N_CLASSES = 10

# (split, kind) -> canonical IDX file name, without ".gz".
IDX_FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
# (train, test) file names that make a folder a CSV dataset, in order of preference.
CSV_PAIRS = (("mnist_train.csv", "mnist_test.csv"), ("train.csv", "test.csv"))

OFFLINE_NAME = "Offline digits (8x8)"
OFFLINE_SOURCE = "built in: scikit-learn's 1,797 UCI digits"
OFFLINE_N_TRAIN = 1437


class DatasetError(ValueError):
    """A dataset cannot be loaded; the message names the folder or file, the problem and a fix."""


class DataDirError(DatasetError):
    """$MNIST_DATA_DIR names a folder that does not load; the message names the variable, the
    folder and what is wrong with it."""


def load_folder(folder: str | os.PathLike) -> Dataset:
    """Load MNIST-like data from a folder of four IDX files or a train/test pair of CSV files.

    IDX names are ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each raw or ``.gz``, also with a
    dot before ``idx`` (``train-images.idx3-ubyte``). CSV pairs are ``mnist_train.csv`` +
    ``mnist_test.csv`` or ``train.csv`` + ``test.csv`` (see :func:`load_csv`).

    Parameters
    ----------
    folder : str or path-like

    Returns
    -------
    Dataset
        Named "Fashion-MNIST" (with clothing class names) if the folder's name contains
        "fashion", otherwise "MNIST"; ``source`` is the folder's absolute path.

    Raises
    ------
    DatasetError
        The folder is missing, lacks files, or holds invalid or inconsistent data.
    """
    folder = Path(folder).expanduser().absolute()
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder; choose the folder that holds the four "
                           "MNIST IDX files (train-images-idx3-ubyte.gz and the others)")
    idx_paths = find_idx_files(folder)
    csv_pair = _find_csv_pair(folder)
    if len(idx_paths) == len(IDX_FILES):
        splits = {split: _load_idx_split(idx_paths, split) for split in ("train", "test")}
    elif csv_pair is not None:
        splits = {"train": _load_csv_split(csv_pair[0]), "test": _load_csv_split(csv_pair[1])}
    else:
        raise _missing_files_error(folder, idx_paths)
    if splits["train"][0].shape[1:] != splits["test"][0].shape[1:]:
        raise DatasetError(f"{folder}: train images are {splits['train'][0].shape[1:]} pixels but "
                           f"test images are {splits['test'][0].shape[1:]}; both splits must "
                           "come from the same dataset")
    fashion = "fashion" in folder.name.lower()
    return Dataset(
        name="Fashion-MNIST" if fashion else "MNIST",
        train_images=splits["train"][0], train_labels=splits["train"][1],
        test_images=splits["test"][0], test_labels=splits["test"][1],
        class_names=FASHION_NAMES if fashion else DIGIT_NAMES,
        source=str(folder),
    )


def find_idx_files(folder: Path) -> dict[tuple[str, str], Path]:
    """The IDX files present in ``folder``: (split, kind) -> path, for those that exist."""
    found = {}
    for key, name in IDX_FILES.items():
        dotted = name.replace("-idx", ".idx")
        for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
            if (folder / candidate).is_file():
                found[key] = folder / candidate
                break
    return found


def _find_csv_pair(folder: Path) -> tuple[Path, Path] | None:
    for train, test in CSV_PAIRS:
        if (folder / train).is_file() and (folder / test).is_file():
            return folder / train, folder / test
    return None


def _missing_files_error(folder: Path, found: dict) -> DatasetError:
    missing = [name + "(.gz)" for key, name in IDX_FILES.items() if key not in found]
    csv = " or ".join(f"{a} + {b}" for a, b in CSV_PAIRS)
    return DatasetError(f"{folder}: missing {', '.join(missing)}; expected the four MNIST IDX "
                        f"files ({', '.join(IDX_FILES.values())}, raw or .gz) or a CSV pair "
                        f"({csv}), so copy them there or choose another folder")


def _load_idx_split(paths: dict, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, h, w) uint8, labels (n,) uint8) of one split, validated."""
    image_path, label_path = paths[(split, "images")], paths[(split, "labels")]
    images, labels = _read_idx_checked(image_path), _read_idx_checked(label_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DatasetError(f"{image_path}: expected uint8 images of shape (n, height, width), "
                           f"found {images.dtype} {images.shape}; is it an image file?")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DatasetError(f"{label_path}: expected uint8 labels of shape (n,), found "
                           f"{labels.dtype} {labels.shape}; is it a label file?")
    _check_not_empty(images, image_path)
    if len(images) != len(labels):
        raise DatasetError(f"{image_path.parent}: {image_path.name} has {len(images)} images "
                           f"but {label_path.name} has {len(labels)} labels; the two files "
                           "must come from the same download")
    _check_labels(labels, label_path)
    return images, labels


def _check_not_empty(images: np.ndarray, path: Path) -> None:
    """DatasetError naming ``path`` for a split of 0 images or images of 0 pixels."""
    if len(images) == 0:
        raise DatasetError(f"{path}: holds 0 images; a dataset needs at least one image per split")
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise DatasetError(f"{path}: images are {images.shape[1]}x{images.shape[2]} pixels; "
                           "an image needs at least one pixel")


def _read_idx_checked(path: Path) -> np.ndarray:
    try:
        return read_idx(path)
    except IdxError as err:
        message = f"{err}; replace this file with a good copy (download it again)"
        raise DatasetError(message) from err


def _check_labels(labels: np.ndarray, path: Path) -> None:
    if len(labels) and int(labels.max()) >= N_CLASSES:
        bad = int(np.argmax(labels >= N_CLASSES))
        raise DatasetError(f"{path}: label {int(labels[bad])} at index {bad} is out of range; "
                           f"labels must be 0..{N_CLASSES - 1}, so this is not an MNIST-like "
                           "label file")


def _load_csv_split(path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_csv(path)
    _check_not_empty(images, path)
    _check_labels(labels, path)
    return images, labels


def load_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read images from a CSV file: one image per row, the label first, then the pixels.

    An optional header row is skipped (detected by its first field not being an integer). The file
    may be gzipped.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    images : ndarray, shape (n, side, side), uint8
        The pixel count per row must be a perfect square ``side * side``.
    labels : ndarray, shape (n,), uint8

    Raises
    ------
    DatasetError
        Unreadable rows (with the line number), values outside 0..255, non-square images, no rows.
    """
    path = Path(path)
    try:
        table = read_csv_file(path)
    except CsvError as err:
        raise DatasetError(str(err)) from err
    n_pixels = table.shape[1] - 1
    side = math.isqrt(n_pixels)
    if n_pixels < 1 or side * side != n_pixels:
        raise DatasetError(f"{path}: rows have {n_pixels} pixel values after the label, which "
                           "is not a square image (784 = 28x28 for MNIST); is the label the "
                           "first column?")
    return table[:, 1:].reshape(-1, side, side), table[:, 0].copy()


def parse_csv(text: str, name: str) -> np.ndarray:
    """Parse comma-separated integers 0..255 into an array, skipping a header row if present.

    Parameters
    ----------
    text : str
        The CSV content.
    name : str
        The file, for error messages.

    Returns
    -------
    ndarray, shape (n_rows, n_columns), uint8
    """
    try:
        return parse_csv_stream(io.BytesIO(text.encode("utf-8")), name)
    except CsvError as err:
        raise DatasetError(str(err)) from err


def load_offline_digits() -> Dataset:
    """The 1,797 8x8 handwritten digits scikit-learn ships, so the app works with no download.

    Pixels 0..16 are scaled to 0..255 (``round(v * 255 / 16)``). A fixed permutation
    (``np.random.default_rng(0)``) splits them into 1,437 train and 360 test images, the same on
    every call.

    Returns
    -------
    Dataset
        Images (n, 8, 8) uint8, labels (n,) uint8, digit class names.
    """
    resource = resources.files("engine") / "data" / "digits.csv.gz"
    name = "engine/data/digits.csv.gz"
    table = parse_csv(gzip.decompress(resource.read_bytes()).decode("ascii"), name)
    if table.shape[1] != 65:
        raise DatasetError(f"{name}: expected 64 pixels and a label per row, found "
                           f"{table.shape[1]} columns; reinstall the package")
    images = np.rint(table[:, :64] * (255 / 16)).astype(np.uint8).reshape(-1, 8, 8)
    labels = table[:, 64].copy()
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:OFFLINE_N_TRAIN], order[OFFLINE_N_TRAIN:]
    return Dataset(
        name=OFFLINE_NAME,
        train_images=images[train], train_labels=labels[train],
        test_images=images[test], test_labels=labels[test],
        source=OFFLINE_SOURCE,
    )


def cache_dir() -> Path:
    """Folder where downloads are kept: $MNIST_GUI_CACHE, else the platform's user cache.

    Linux ``$XDG_CACHE_HOME/mnist-gui`` (default ``~/.cache/mnist-gui``), macOS
    ``~/Library/Caches/mnist-gui``, Windows ``%LOCALAPPDATA%\\mnist-gui\\Cache``. Not created here.
    """
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "mnist-gui" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "mnist-gui"
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec says to ignore relative paths.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / "mnist-gui"


def find_cached(key: str = "mnist") -> Path | None:
    """``cache_dir() / key`` if all four IDX files exist there (content not checked), else None."""
    folder = cache_dir() / key
    if folder.is_dir() and len(find_idx_files(folder)) == len(IDX_FILES):
        return folder
    return None


def locate(data_dir: str | os.PathLike | None = None) -> Dataset:
    """Find and load MNIST without downloading: ``data_dir``, then $MNIST_DATA_DIR, then the cache.

    A folder named by the caller or by the environment variable must load: its errors propagate
    rather than falling through to the next place.

    Raises
    ------
    DataDirError (a DatasetError)
        $MNIST_DATA_DIR names a folder that does not load.
    DatasetError
        The folder given is bad, or nothing was found anywhere.
    """
    if data_dir is not None:
        return load_folder(data_dir)
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return load_data_dir_env(from_env)
    cached = find_cached("mnist")
    if cached is not None:
        return load_folder(cached)
    raise DatasetError(f"no MNIST data found (no folder given, ${DATA_DIR_ENV} not set, nothing "
                       f"in the cache {cache_dir() / 'mnist'}); choose a folder with the four IDX "
                       f"files, set {DATA_DIR_ENV}, download MNIST, or use the offline digits")


def load_data_dir_env(value: str) -> Dataset:
    """The dataset in the folder ``value`` of $MNIST_DATA_DIR; DataDirError naming the variable,
    the folder and what is wrong with it (missing, a file, unreadable, lacking files)."""
    folder = Path(value).expanduser().absolute()
    try:
        if not folder.exists():
            problem = "that folder does not exist"
        elif not folder.is_dir():
            problem = "that is a file, not a folder"
        else:
            return load_folder(folder)
    except DatasetError as err:
        problem = str(err)
    except OSError as err:  # a folder we may not enter, a stalled share
        problem = f"it cannot be read ({err.strerror or err})"
    raise DataDirError(f"${DATA_DIR_ENV} is set to {folder}, but {problem}. Point {DATA_DIR_ENV} "
                       "at the folder that holds the four MNIST files, or unset it")
