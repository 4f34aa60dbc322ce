"""Dataset sources: IDX and CSV folders, their error messages, built-in digits, cache, locate()."""

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bombs import QUICK_SECONDS, measure, write_gzip_bomb

from engine.dataset import DIGIT_NAMES, FASHION_NAMES
from engine.files import sources
from engine.files.idx import write_idx
from engine.files.sources import (
    DatasetError,
    cache_dir,
    find_cached,
    load_csv,
    load_folder,
    load_offline_digits,
    locate,
)

from synthetic import make_csv_folder, make_dataset, make_idx_folder, make_split, write_csv


def assert_matches_synthetic(data, n_train=120, n_test=40, shape=(28, 28)):
    expected = make_dataset(n_train, n_test, shape)
    for split in ("train", "test"):
        np.testing.assert_array_equal(data.split(split)[0], expected.split(split)[0])
        np.testing.assert_array_equal(data.split(split)[1], expected.split(split)[1])
    assert data.train_images.dtype == np.uint8 and data.train_labels.dtype == np.uint8


# --- IDX folders -------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_load_idx_folder(tmp_path, gz):
    folder = make_idx_folder(tmp_path / "data", gz=gz)
    data = load_folder(folder)
    assert_matches_synthetic(data)
    assert data.name == "MNIST" and data.class_names == DIGIT_NAMES
    assert data.source == str(folder.absolute())
    assert data.image_shape == (28, 28)


def test_source_is_absolute_for_relative_folder(tmp_path, monkeypatch):
    make_idx_folder(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    assert load_folder("data").source == str(tmp_path / "data")


def test_dotted_file_names_are_accepted(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    for path in folder.iterdir():
        path.rename(folder / path.name.replace("-idx", ".idx"))
    assert sorted(p.name for p in folder.iterdir())[0] == "t10k-images.idx3-ubyte.gz"
    assert_matches_synthetic(load_folder(folder))


def test_fashion_folder_gets_fashion_name_and_classes(tmp_path):
    data = load_folder(make_idx_folder(tmp_path / "My-FASHION-mnist"))
    assert data.name == "Fashion-MNIST"
    assert data.class_names == FASHION_NAMES


def test_other_image_sizes_load(tmp_path):
    data = load_folder(make_idx_folder(tmp_path / "d", n_train=30, n_test=10, shape=(12, 12)))
    assert data.image_shape == (12, 12) and len(data.train_labels) == 30


def test_synthetic_classes_beat_chance_with_nearest_mean():
    data = make_dataset(n_train=200, n_test=100)
    x_train = data.train_images.reshape(200, -1).astype(float)
    means = np.stack([x_train[data.train_labels == k].mean(0) for k in range(10)])
    x_test = data.test_images.reshape(100, -1).astype(float)
    predicted = np.argmin(((x_test[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert np.mean(predicted == data.test_labels) > 0.9
    assert set(data.test_labels.tolist()) == set(range(10))


# --- IDX folder errors ---------------------------------------------------------------------------

def test_missing_file_is_listed_with_what_was_expected(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError) as info:
        load_folder(folder)
    message = str(info.value)
    assert message.startswith(f"{folder}: missing t10k-labels-idx1-ubyte(.gz);")
    assert "train-images-idx3-ubyte" in message.split(";", 1)[1]  # in "expected ..."
    assert "mnist_train.csv" in message


def test_empty_folder_lists_all_four_missing(tmp_path):
    with pytest.raises(DatasetError, match=r"missing train-images-idx3-ubyte.*, "
                                           "train-labels.*, t10k-images.*, t10k-labels"):
        load_folder(tmp_path)


def test_not_a_folder(tmp_path):
    with pytest.raises(DatasetError, match=f"{re.escape(str(tmp_path / 'nope'))} is not a folder"):
        load_folder(tmp_path / "nope")


def test_labels_out_of_range(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    labels = np.arange(40, dtype=np.uint8) % 10
    labels[7] = 10
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte\.gz: label 10 at index 7 "
                                           r"is out of range; labels must be 0\.\.9"):
        load_folder(folder)


def test_image_and_label_counts_must_agree(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(119, dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz has 120 images but "
                                           "train-labels-idx1-ubyte.gz has 119 labels"):
        load_folder(folder)


def test_images_must_be_3d_uint8(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((120, 784), dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte\.gz: expected uint8 "
                                           r"images of shape \(n, height, width\), "
                                           r"found uint8 \(120, 784\)"):
        load_folder(folder)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((120, 28, 28), dtype=np.float32))
    with pytest.raises(DatasetError, match="found float32"):
        load_folder(folder)


def test_labels_must_be_1d_uint8(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros((40, 1), dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte\.gz: expected uint8 labels"):
        load_folder(folder)


def test_train_and_test_shapes_must_agree(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((40, 20, 20), dtype=np.uint8))
    with pytest.raises(DatasetError, match=r"train images are \(28, 28\) pixels but test images "
                                           r"are \(20, 20\)"):
        load_folder(folder)


def test_corrupt_idx_file_becomes_dataset_error_naming_it(tmp_path):
    folder = make_idx_folder(tmp_path / "data")
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError, match=f"^{re.escape(str(path))}: corrupt gzip.*download it "
                                           "again") as info:
        load_folder(folder)
    assert isinstance(info.value.__cause__, sources.IdxError)


# --- CSV ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [False, True], ids=["no-header", "header"])
def test_load_csv_folder(tmp_path, header):
    folder = make_csv_folder(tmp_path / "csv", header=header)
    first_line = (folder / "mnist_train.csv").read_text().split("\n", 1)[0]
    assert first_line.startswith("label,1x1") == header
    data = load_folder(folder)
    assert_matches_synthetic(data)
    assert data.name == "MNIST"


def test_kaggle_style_train_test_names(tmp_path):
    folder = make_csv_folder(tmp_path / "fashion-csv", names=("train.csv", "test.csv"),
                             header=True)
    data = load_folder(folder)
    assert data.name == "Fashion-MNIST"
    assert_matches_synthetic(data)


def test_load_csv_reads_gzip_and_square_images(tmp_path):
    images, labels = make_split(5, (5, 5))
    write_csv(tmp_path / "a.csv", images, labels)
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress((tmp_path / "a.csv").read_bytes()))
    got_images, got_labels = load_csv(tmp_path / "a.csv.gz")
    assert got_images.shape == (5, 5, 5) and got_images.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_csv_non_square_images(tmp_path):
    path = tmp_path / "mnist_train.csv"
    path.write_text("1,0,0,0\n2,0,0,0\n")
    with pytest.raises(DatasetError, match=r"mnist_train\.csv: rows have 3 pixel values .* not "
                                           "a square image"):
        load_csv(path)


BAD_CSV = {
    "letter": ("1,2,3,4,5\n1,2,x,4,5\n", r"line 2, column 3: 'x' is not an integer 0\.\.255"),
    "too-big": ("1,2,3,4,5\n1,2,3,4,5\n1,256,3,4,5\n", r"line 3, column 2: '256'"),
    "negative": ("1,2,3,4,5\n1,-2,3,4,5\n", r"line 2, column 2: '-2'"),
    "ragged": ("1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n", "line 3 has 4 values but earlier rows have 5"),
    "header-counts-as-line-1": ("label,a,b,c,d\n1,2,3,4,5\n1,2,3.5,4,5\n", r"line 3, column 3"),
    "empty": ("", "the file has no data rows"),
    "header-only": ("label,p1,p2,p3,p4\n", "the file has no data rows"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_rows_name_file_and_line(tmp_path, case):
    text, problem = BAD_CSV[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=f"^{re.escape(str(path))}: {problem}"):
        load_csv(path)


def test_csv_label_out_of_range_in_folder(tmp_path):
    folder = make_csv_folder(tmp_path / "csv", n_train=20, n_test=10)
    with open(folder / "mnist_test.csv", "a") as f:
        f.write("12," + ",".join(["0"] * 784) + "\n")
    with pytest.raises(DatasetError,
                       match=r"mnist_test\.csv: label 12 at index 10 is out of range"):
        load_folder(folder)


# --- built-in digits ---------------------------------------------------------------------------

def test_offline_digits():
    data = load_offline_digits()
    assert (len(data.train_labels), len(data.test_labels)) == (1437, 360)
    assert data.image_shape == (8, 8) and data.train_images.dtype == np.uint8
    assert data.name == "Offline digits (8x8)"
    assert data.source == "built in: scikit-learn's 1,797 UCI digits"
    assert data.train_images.max() == 255 and data.test_images.min() == 0
    allowed = {round(v * 255 / 16) for v in range(17)}
    assert set(np.unique(data.train_images).tolist()) <= allowed
    for labels in (data.train_labels, data.test_labels):
        assert set(labels.tolist()) == set(range(10))
    # scikit-learn's digits have between 174 and 183 images of each class.
    counts = np.bincount(np.concatenate([data.train_labels, data.test_labels]))
    assert counts.min() == 174 and counts.max() == 183


def test_offline_digits_split_is_deterministic():
    a, b = load_offline_digits(), load_offline_digits()
    np.testing.assert_array_equal(a.train_images, b.train_images)
    np.testing.assert_array_equal(a.test_labels, b.test_labels)
    assert a.train_images is not b.train_images  # callers may modify their copy


# --- cache folder ------------------------------------------------------------------------------

@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """No $MNIST_DATA_DIR and an empty cache in tmp_path/cache."""
    monkeypatch.delenv(sources.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_dir_env_override_is_not_created(no_env):
    assert cache_dir() == no_env
    assert not no_env.exists()


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_CACHE_HOME": "/xdg"}, "/xdg/mnist-gui"),
    ("linux", {"XDG_CACHE_HOME": "relative/ignored"}, "/home/u/.cache/mnist-gui"),
    ("linux", {}, "/home/u/.cache/mnist-gui"),
    ("darwin", {}, "/home/u/Library/Caches/mnist-gui"),
    ("win32", {"LOCALAPPDATA": "/appdata"}, "/appdata/mnist-gui/Cache"),
])
def test_cache_dir_per_platform(monkeypatch, platform, env, expected):
    monkeypatch.delenv(sources.CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", "/home/u")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sources.sys, "platform", platform)
    assert cache_dir() == Path(expected)


def test_find_cached(no_env):
    assert find_cached() is None
    folder = make_idx_folder(no_env / "mnist", n_train=10, n_test=10)
    assert find_cached("mnist") == folder
    assert find_cached("fashion-mnist") is None
    (folder / "train-images-idx3-ubyte.gz").unlink()
    assert find_cached() is None


# --- locate ------------------------------------------------------------------------------------

def test_locate_prefers_argument_then_env_then_cache(no_env, tmp_path, monkeypatch):
    make_idx_folder(no_env / "mnist", n_train=10, n_test=10)
    assert len(locate().train_labels) == 10
    env_folder = make_idx_folder(tmp_path / "env", n_train=20, n_test=10)
    monkeypatch.setenv(sources.DATA_DIR_ENV, str(env_folder))
    assert len(locate().train_labels) == 20
    arg_folder = make_idx_folder(tmp_path / "arg", n_train=30, n_test=10)
    data = locate(arg_folder)
    assert len(data.train_labels) == 30 and data.source == str(arg_folder)


def test_locate_named_folder_errors_do_not_fall_through(no_env, tmp_path, monkeypatch):
    make_idx_folder(no_env / "mnist", n_train=10, n_test=10)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="empty: missing"):
        locate(empty)
    monkeypatch.setenv(sources.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(sources.DataDirError, match="nowhere, but that folder does not exist"):
        locate()


def test_a_wrong_data_dir_env_names_the_variable_the_folder_and_the_fault(no_env, tmp_path, monkeypatch):
    make_idx_folder(no_env / "mnist", n_train=10, n_test=10)  # the cache is never tried instead
    (tmp_path / "file").write_text("x")
    (tmp_path / "empty").mkdir()
    for name, fault in (("nowhere", "that folder does not exist"), ("file", "that is a file, not a folder"),
                        ("empty", "missing train-images-idx3-ubyte")):
        monkeypatch.setenv(sources.DATA_DIR_ENV, str(tmp_path / name))
        with pytest.raises(sources.DataDirError) as info:
            locate()
        message = str(info.value)
        assert message.startswith(f"$MNIST_DATA_DIR is set to {tmp_path / name}, but "), message
        assert fault in message and message.endswith("or unset it"), message


def test_locate_with_nothing_found_says_what_to_do(no_env):
    with pytest.raises(DatasetError) as info:
        locate()
    message = str(info.value)
    assert message.startswith("no MNIST data found")
    for hint in ("MNIST_DATA_DIR", str(no_env / "mnist"), "download", "offline digits"):
        assert hint in message


# --- real MNIST ----------------------------------------------------------------------------------

@pytest.mark.real_data
def test_real_mnist(mnist, mnist_dir):
    assert (len(mnist.train_labels), len(mnist.test_labels)) == (60000, 10000)
    assert mnist.image_shape == (28, 28) and mnist.name == "MNIST"
    assert int(np.sum(mnist.train_labels == 3)) == 6131
    assert mnist.train_images.max() == 255 and mnist.train_images.dtype == np.uint8
    assert np.bincount(mnist.test_labels).tolist()[:2] == [980, 1135]
    assert mnist.source == str(Path(mnist_dir).absolute())


@pytest.mark.parametrize("separator, called", [(";", "semicolons"), ("\t", "tabs")])
def test_csv_with_other_separators_says_so_briefly(tmp_path, separator, called):
    path = tmp_path / "mnist_train.csv"
    row = separator.join(["5"] + ["0"] * 784)
    path.write_text(f"label{separator}pixels\n{row}\n{row}\n")
    with pytest.raises(DatasetError) as info:
        load_csv(path)
    message = str(info.value)
    assert message.startswith(f"{path}: values are separated by {called}, not commas")
    assert len(message) < 300


def test_csv_bad_field_is_quoted_briefly(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("1,2,3,4,5\n1,2," + "x" * 3000 + ",4,5\n")
    with pytest.raises(DatasetError, match="line 2, column 3") as info:
        load_csv(path)
    assert len(str(info.value)) < 300


def test_csv_rows_over_several_blocks_keep_their_line_numbers(tmp_path, monkeypatch):
    from engine.files import csv_table
    monkeypatch.setattr(csv_table, "BLOCK_BYTES", 64)  # many blocks, cut mid-line
    images, labels = make_split(30, (3, 3))
    write_csv(tmp_path / "a.csv", images, labels, header=True)
    got_images, got_labels = load_csv(tmp_path / "a.csv")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    with open(tmp_path / "a.csv", "a") as f:
        f.write("1,2,3\n")
    with pytest.raises(DatasetError, match="line 32 has 3 values but earlier rows have 10"):
        load_csv(tmp_path / "a.csv")


def test_gzipped_csv_bomb_is_refused_in_bounded_memory(tmp_path):
    row = ("0," * 784 + "0\n").encode()
    # a real-looking first row, then 300 MB of zeros with no line end
    path = write_gzip_bomb(tmp_path / "mnist_train.csv.gz", row, 300 * 2**20)
    with measure() as cost, pytest.raises(DatasetError, match=r"longer than|decompression bomb"):
        load_csv(path)
    assert cost.peak < 32 * 2**20 and cost.seconds < QUICK_SECONDS
    # many blank-image rows: valid CSV, but 1000:1 is no real image data
    rows = tmp_path / "rows.csv.gz"
    with gzip.open(rows, "wb", compresslevel=9) as f:
        block = row * 1000
        for _ in range(30):  # 47 MB of text
            f.write(block)
    with measure() as cost, pytest.raises(DatasetError, match="decompression bomb"):
        load_csv(rows)
    assert cost.peak < 40 * 2**20


def test_datasets_of_no_images_or_no_pixels_are_refused(tmp_path):
    folder = make_idx_folder(tmp_path / "empty", n_train=20, n_test=5)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((0, 28, 28), np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(0, np.uint8))
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz: holds 0 images"):
        load_folder(folder)
    folder = make_idx_folder(tmp_path / "tiny", n_train=20, n_test=5)
    for split, n in (("train", 20), ("t10k", 5)):
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.zeros((n, 0, 0), np.uint8))
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz: images are 0x0 pixels"):
        load_folder(folder)
    with pytest.raises(ValueError, match="at least one pixel"):
        sources.Dataset("x", np.zeros((0, 2, 2), np.uint8), np.zeros(0, np.uint8),
                        np.zeros((1, 2, 2), np.uint8), np.zeros(1, np.uint8))


def csv_bytes(labels: np.ndarray, images: np.ndarray) -> bytes:
    """``label,p0,p1,...`` rows with no padding, built without a Python loop per value."""
    values = np.column_stack([labels, images.reshape(len(images), -1)]).astype(np.int64).ravel()
    n_digits = 1 + (values >= 10) + (values >= 100)
    ends = np.cumsum(n_digits + 1)
    out = np.full(ends[-1], ord(","), dtype=np.uint8)
    out[ends[images[0].size::images[0].size + 1] - 1] = ord("\n")
    starts = ends - n_digits - 1
    for k in range(3):
        has = n_digits > k
        power = 10 ** (n_digits[has] - 1 - k)
        out[starts[has] + k] = values[has] // power % 10 + ord("0")
    return out.tobytes()


def test_csv_bytes_helper_writes_plain_csv(tmp_path):
    images, labels = make_split(4, (3, 3))
    write_csv(tmp_path / "a.csv", images, labels)
    assert csv_bytes(labels, images) == (tmp_path / "a.csv").read_bytes()


@pytest.mark.slow
@pytest.mark.real_data
def test_full_mnist_as_csv_loads_in_well_under_600_mb(mnist, tmp_path):
    path = tmp_path / "mnist_train.csv"
    with open(path, "wb") as f:
        for start in range(0, 60_000, 5_000):
            stop = start + 5_000
            f.write(csv_bytes(mnist.train_labels[start:stop], mnist.train_images[start:stop]))
    # VmHWM: the child's own peak (ru_maxrss can carry the forking parent's peak over on Linux)
    script = ("import re, sys, time; from engine.files.sources import load_csv; t = time.time(); "
              "images, labels = load_csv(sys.argv[1]); seconds = time.time() - t; "
              "peak = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read())[1]; "
              "print(images.shape, peak, seconds)")
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                            text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr
    shape, peak_kib, seconds = result.stdout.replace("(", "").replace(")", "").rsplit(" ", 2)
    print(f"CSV {path.stat().st_size / 1e6:.0f} MB: peak RSS {int(peak_kib) / 1024:.0f} MiB, "
          f"{float(seconds):.1f} s")
    assert shape == "60000, 28, 28"
    assert int(peak_kib) < 300 * 1024


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_csv_that_is_a_fifo_is_refused_naming_it(tmp_path):
    fifo = tmp_path / "mnist_train.csv"
    os.mkfifo(fifo)
    with pytest.raises(DatasetError, match=f"{fifo}: it is a named pipe \\(FIFO\\), not a regular file"):
        sources.load_csv(fifo)
