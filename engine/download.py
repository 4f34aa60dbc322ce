"""Download MNIST or Fashion-MNIST from public mirrors into the cache, verifying every file.

A file only ever appears under its final name after its SHA-256 matched and it parsed as IDX:
it is streamed into a hidden temporary file in the destination folder, checked, then renamed.
Progress and cancellation go through plain callables so any front end (or none) can drive it.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import gzip
import zlib

from engine.idx import GZIP_MAGIC, IdxError, read_idx_bytes
from engine.sources import cache_dir

CHUNK_SIZE = 64 * 1024
USER_AGENT = "mnist-gui/0.1 (Python urllib; dataset downloader)"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a remote dataset and how to recognise a good copy of it.

    Attributes
    ----------
    name : str
        Name on the mirrors and in the destination folder, e.g. ``"train-images-idx3-ubyte.gz"``.
    content_sha256 : str or None
        SHA-256 (hex) of the decompressed content. Preferred: it holds whatever gzip settings a
        mirror used.
    gz_sha256 : str or None
        SHA-256 (hex) of the file exactly as downloaded. Used only when ``content_sha256`` is
        None, so a mirror that recompresses such a file is rejected even if its content is right.
    """

    name: str
    content_sha256: str | None
    gz_sha256: str | None = None

    def __post_init__(self):
        if self.content_sha256 is None and self.gz_sha256 is None:
            raise ValueError(f"{self.name}: a remote file needs content_sha256 or gz_sha256, "
                             "otherwise a download cannot be verified")


@dataclass(frozen=True)
class RemoteDataset:
    """A dataset's files and the mirrors (base URLs ending in "/") that serve all of them."""

    key: str
    name: str
    files: tuple[RemoteFile, ...]
    mirrors: tuple[str, ...]


MNIST = RemoteDataset(
    key="mnist",
    name="MNIST",
    files=(
        RemoteFile("train-images-idx3-ubyte.gz",
                   "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        RemoteFile("train-labels-idx1-ubyte.gz",
                   "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        RemoteFile("t10k-images-idx3-ubyte.gz",
                   "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        RemoteFile("t10k-labels-idx1-ubyte.gz",
                   "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
)

# Only the SHA-256 of the published .gz files is known for Fashion-MNIST, so its downloads are
# checked byte for byte: a mirror that recompresses the files is rejected.
FASHION_MNIST = RemoteDataset(
    key="fashion-mnist",
    name="Fashion-MNIST",
    files=(
        RemoteFile("train-images-idx3-ubyte.gz", None,
                   "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc"),
        RemoteFile("train-labels-idx1-ubyte.gz", None,
                   "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc"),
        RemoteFile("t10k-images-idx3-ubyte.gz", None,
                   "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229"),
        RemoteFile("t10k-labels-idx1-ubyte.gz", None,
                   "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf"),
    ),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
)

REMOTES = {"mnist": MNIST, "fashion-mnist": FASHION_MNIST}


class DownloadError(RuntimeError):
    """No mirror delivered a good copy of a file; the message lists each mirror and its failure."""


class DownloadCancelled(DownloadError):
    """The caller cancelled; no partial file was kept (files completed before remain, verified)."""


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands: file ``file_index`` of ``n_files``, ``done`` of ``total`` bytes.

    ``total`` is -1 when the server did not say how big the file is.
    """

    file_index: int
    n_files: int
    name: str
    done: int
    total: int


ProgressCallback = Callable[[DownloadProgress], None]
CancelledCallback = Callable[[], bool]


def download(remote: RemoteDataset, dest: str | os.PathLike | None = None, *,
             mirrors: tuple[str, ...] | list[str] | None = None,
             progress: ProgressCallback | None = None,
             cancelled: CancelledCallback | None = None,
             timeout: float = 30.0) -> Path:
    """Download and verify every file of ``remote`` into ``dest``; return ``dest``.

    Each file is tried on each mirror in turn until one delivers a copy that verifies: the
    SHA-256 of its decompressed content when ``content_sha256`` is known, otherwise the SHA-256
    of the .gz bytes (so a mirror that recompresses Fashion-MNIST is rejected), and in both cases
    it must parse as IDX. Files already in ``dest`` that verify are not downloaded again; ones
    that do not verify are deleted first. Afterwards ``engine.sources.load_folder(dest)`` works.

    Parameters
    ----------
    remote : RemoteDataset
        What to download, e.g. :data:`MNIST` or :data:`FASHION_MNIST`.
    dest : path, optional
        Destination folder, created if needed; default ``cache_dir() / remote.key``.
    mirrors : sequence of str, optional
        Base URLs to use instead of ``remote.mirrors``.
    progress : callable(DownloadProgress), optional
        Called after each chunk of at most 64 KiB, and once for a file that was already present.
        ``done`` starts again from 0 when a file falls back to the next mirror.
    cancelled : callable() -> bool, optional
        Polled between chunks; when it returns True the download stops.
    timeout : float
        Seconds to wait for a server to connect or send data.

    Raises
    ------
    DownloadCancelled
        ``cancelled()`` returned True. The file in progress is discarded.
    DownloadError
        Some file could not be fetched from any mirror, or ``dest`` cannot be created.
    """
    dest = Path(dest) if dest is not None else cache_dir() / remote.key
    mirrors = tuple(remote.mirrors if mirrors is None else mirrors)
    if not mirrors:
        raise ValueError(f"no mirrors to download {remote.name} from")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(f"cannot create the download folder {dest} ({err}); choose a "
                            "folder you can write to") from err
    for index, remote_file in enumerate(remote.files):
        report = _reporter(progress, index, len(remote.files), remote_file.name)
        if not _keep_existing(dest / remote_file.name, remote_file, report):
            _fetch(remote, remote_file, dest, mirrors, report, cancelled, timeout)
    return dest


def _reporter(progress: ProgressCallback | None, index: int, n_files: int,
              name: str) -> Callable[[int, int], None]:
    """A ``report(done, total)`` function that sends DownloadProgress for one file, if wanted."""
    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(DownloadProgress(index, n_files, name, done, total))
    return report


def verify(data: bytes, remote_file: RemoteFile, name: str) -> str | None:
    """Why ``data`` is not a good copy of ``remote_file``, or None if it is.

    Parameters
    ----------
    data : bytes
        The file as downloaded (gzipped if its name ends with ``.gz``).
    remote_file : RemoteFile
        Gives the expected hashes.
    name : str
        The file or URL, for messages.
    """
    if remote_file.name.endswith(".gz") and data[:2] != GZIP_MAGIC:
        return "not gzip data (perhaps an error page)"
    if remote_file.content_sha256 is None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != remote_file.gz_sha256:
            return f"SHA-256 of the file is {digest}, expected {remote_file.gz_sha256}"
    try:
        content = gunzip_if_needed(data, name)
        if remote_file.content_sha256 is not None:
            digest = hashlib.sha256(content).hexdigest()
            if digest != remote_file.content_sha256:
                return (f"SHA-256 of the content is {digest}, "
                        f"expected {remote_file.content_sha256}")
        read_idx_bytes(content, name)
    except IdxError as err:
        return str(err)
    return None


def gunzip_if_needed(data: bytes, name: str) -> bytes:
    """``data`` decompressed if it starts with the gzip magic bytes, else unchanged."""
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as err:
        raise IdxError(f"{name}: corrupt gzip data ({err})") from err


def _keep_existing(target: Path, remote_file: RemoteFile, report) -> bool:
    """True if ``target`` already holds a verified copy; deletes it if it holds a bad one."""
    if not target.is_file():
        return False
    data = target.read_bytes()
    if verify(data, remote_file, str(target)) is None:
        report(len(data), len(data))
        return True
    # A bad file under the final name would pass the cache's cheap existence check later.
    target.unlink()
    return False


def _fetch(remote: RemoteDataset, remote_file: RemoteFile, dest: Path, mirrors: tuple[str, ...],
           report, cancelled: CancelledCallback | None, timeout: float) -> None:
    """Get one file from the first mirror that delivers a verified copy, else DownloadError."""
    failures = []
    for mirror in mirrors:
        url = mirror if mirror.endswith("/") else mirror + "/"
        url += remote_file.name
        fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=f".{remote_file.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                _stream(url, out, report, cancelled, remote.name, timeout)
            problem = verify(tmp.read_bytes(), remote_file, url)
            if problem is None:
                os.replace(tmp, dest / remote_file.name)
                return
            failures.append(f"{url} sent a bad file: {problem}")
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            failures.append(f"{url} failed: {_describe(err)}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DownloadError(f"could not download {remote_file.name} of {remote.name} from any of "
                        f"{len(mirrors)} mirror(s): " + "; ".join(failures)
                        + f". Check the internet connection and try again, or copy the files "
                        f"into {dest} yourself.")


def _stream(url: str, out, report, cancelled: CancelledCallback | None, what: str,
            timeout: float) -> None:
    """Copy ``url`` into the open file ``out`` chunk by chunk, reporting and polling cancel."""
    _check_cancelled(cancelled, what)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else -1
        done = 0
        while chunk := response.read(CHUNK_SIZE):
            out.write(chunk)
            done += len(chunk)
            report(done, total)
            _check_cancelled(cancelled, what)


def _check_cancelled(cancelled: CancelledCallback | None, what: str) -> None:
    if cancelled is not None and cancelled():
        raise DownloadCancelled(f"download of {what} cancelled; the unfinished file was discarded")


def _describe(err: Exception) -> str:
    """A short human reason for a network or file error."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(err) or type(err).__name__
