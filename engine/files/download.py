"""Download MNIST or Fashion-MNIST from public mirrors into the cache, verifying every file.

A file only ever appears under its final name after its SHA-256 matched and it parsed as IDX:
it is streamed into a hidden temporary file in the destination folder, checked, then renamed.
Progress and cancellation go through plain callables so any front end (or none) can drive it.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import time
import urllib.error
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from engine.files.atomic import file_mode
from engine.files.http_stream import Limits, TransferCancelled, TransferFailed, stream
from engine.files.idx import GZIP_MAGIC, MAX_IDX_BYTES, IdxError, parse_header
from engine.files.sources import cache_dir
from engine.version import __version__

CHUNK_SIZE = 64 * 1024
#: Longest wait between looks at cancel, the deadline and the rate: cancel acts within this.
POLL_SECONDS = 0.25
#: Hidden ``.part`` files of interrupted downloads older than this are deleted.
STALE_PART_SECONDS = 3600
USER_AGENT = f"mnist-gui/{__version__} (Python urllib; dataset downloader)"


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
    max_size : int
        Most bytes a good copy can have (with room for other gzip settings); a server that says
        or sends more is cut off there.
    """

    name: str
    content_sha256: str | None
    gz_sha256: str | None = None
    max_size: int = 64 * 2**20

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
                   "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", max_size=16 * 2**20),
        RemoteFile("train-labels-idx1-ubyte.gz",
                   "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", max_size=2**20),
        RemoteFile("t10k-images-idx3-ubyte.gz",
                   "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", max_size=4 * 2**20),
        RemoteFile("t10k-labels-idx1-ubyte.gz",
                   "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", max_size=2**20),
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
                   "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc", max_size=48 * 2**20),
        RemoteFile("train-labels-idx1-ubyte.gz", None,
                   "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc", max_size=2**20),
        RemoteFile("t10k-images-idx3-ubyte.gz", None,
                   "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229", max_size=8 * 2**20),
        RemoteFile("t10k-labels-idx1-ubyte.gz", None,
                   "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf", max_size=2**20),
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
             timeout: float = 30.0, deadline: float = 3600.0, min_rate: float = 1024.0,
             rate_window: float = 30.0) -> Path:
    """Download and verify every file of ``remote`` into ``dest``; return ``dest``.

    Each file is tried on each mirror in turn until one delivers a copy that verifies: the
    SHA-256 of its decompressed content when ``content_sha256`` is known, otherwise the SHA-256
    of the .gz bytes (so a mirror that recompresses Fashion-MNIST is rejected), and in both cases
    it must be IDX of the length its header declares. Hashes are computed as the bytes arrive;
    nothing is read back whole. Files already in ``dest`` that verify are not downloaded again;
    ones that do not verify are deleted first, and so are ``.part`` files older than
    :data:`STALE_PART_SECONDS` left by interrupted downloads. Afterwards
    ``engine.files.sources.load_folder(dest)`` works.

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
        Polled at least every :data:`POLL_SECONDS`, whatever the server does; when it returns
        True the download stops with DownloadCancelled.
    timeout : float
        Seconds a server may stay silent (connecting, or between data) before the next mirror.
    deadline : float
        Seconds one file may take from one mirror.
    min_rate, rate_window : float
        A mirror sending fewer than ``min_rate`` bytes a second over ``rate_window`` seconds
        is abandoned.

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
    remove_stale_parts(dest)
    limits = Limits(timeout, deadline, min_rate, rate_window)
    for index, remote_file in enumerate(remote.files):
        report = _reporter(progress, index, len(remote.files), remote_file.name)
        if not _keep_existing(dest / remote_file.name, remote_file, report):
            _fetch(remote, remote_file, dest, mirrors, report, cancelled,
                   replace(limits, max_size=remote_file.max_size))
    return dest


def remove_stale_parts(folder: Path, older_than: float = STALE_PART_SECONDS) -> list[Path]:
    """Delete hidden ``.part`` files of interrupted downloads not written to for ``older_than``
    seconds (a live download writes at least every ``timeout``); returns those deleted."""
    removed = []
    now = time.time()
    for part in folder.glob(".*.part"):
        # Another process may delete or finish it at the same moment: then there is nothing to do.
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > older_than:
                part.unlink()
                removed.append(part)
    return removed


def _reporter(progress: ProgressCallback | None, index: int, n_files: int,
              name: str) -> Callable[[int, int], None]:
    """A ``report(done, total)`` function that sends DownloadProgress for one file, if wanted."""
    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(DownloadProgress(index, n_files, name, done, total))
    return report


class _BadCopy(Exception):
    """What is wrong with the bytes received so far (not gzip, corrupt, longer than declared)."""


class FileCheck:
    """Verify a file fed a chunk at a time: its SHA-256, and for .gz that of its content, which
    must be IDX of the length its header declares (inflated a bounded piece at a time)."""

    def __init__(self, remote_file: RemoteFile):
        self.remote_file = remote_file
        self.file_hash, self.content_hash = hashlib.sha256(), hashlib.sha256()
        self.gzipped = remote_file.name.endswith(".gz")
        self.inflater = zlib.decompressobj(wbits=31)  # used only if gzipped
        self.size = self.content_size = 0
        self.head = b""
        self.expected: int | None = None
        self.not_gzip = False

    def update(self, data: bytes) -> None:
        """Take the next bytes of the file; _BadCopy as soon as they cannot be a good copy."""
        start = data[:max(2 - self.size, 0)]
        if self.gzipped and start != GZIP_MAGIC[self.size:self.size + len(start)]:
            self.not_gzip = True  # said at the end: the size cap bounds what is received
        self.size += len(data)
        self.file_hash.update(data)
        if self.not_gzip:
            return
        if not self.gzipped:
            self._content(data)
            return
        try:
            while data and not self.inflater.eof:
                self._content(self.inflater.decompress(data, CHUNK_SIZE))
                data = self.inflater.unconsumed_tail
        except zlib.error as err:
            raise _BadCopy(f"corrupt gzip data ({err})") from err
        if self.inflater.eof and (data or self.inflater.unused_data):
            raise _BadCopy("data after the end of the gzip stream")

    def _content(self, data: bytes) -> None:
        self.content_hash.update(data)
        self.content_size += len(data)
        if self.expected is None and len(self.head) < 4 + 4 * 255:
            self.head += data[:4 + 4 * 255 - len(self.head)]
            self._parse_head()
        if self.expected is not None and self.content_size > self.expected:
            raise _BadCopy(f"the content is longer than the {self.expected:,} bytes its IDX "
                           "header declares")

    def _parse_head(self) -> None:
        if len(self.head) < 4 or len(self.head) < 4 + 4 * self.head[3]:
            return
        try:
            dtype, dims, header_size = parse_header(self.head, self.remote_file.name)
        except IdxError as err:
            raise _BadCopy(str(err)) from err
        self.expected = header_size + int(np.prod(dims, dtype=object)) * dtype.itemsize
        if self.expected > MAX_IDX_BYTES:
            raise _BadCopy(f"its IDX header declares {self.expected:,} bytes, more than the "
                           f"{MAX_IDX_BYTES:,}-byte limit")

    def problem(self) -> str | None:
        """After the last chunk: why this is not a good copy, or None if it is."""
        wanted = self.remote_file
        if self.not_gzip:
            return "not gzip data (perhaps an error page)"
        if self.gzipped and not self.inflater.eof:
            return "corrupt gzip data (it ends before the end of the gzip stream)"
        if wanted.content_sha256 is None and self.file_hash.hexdigest() != wanted.gz_sha256:
            return f"SHA-256 of the file is {self.file_hash.hexdigest()}, expected {wanted.gz_sha256}"
        if wanted.content_sha256 is not None and self.content_hash.hexdigest() != wanted.content_sha256:
            return (f"SHA-256 of the content is {self.content_hash.hexdigest()}, "
                    f"expected {wanted.content_sha256}")
        if self.expected is None:
            return f"the content is only {self.content_size} bytes, too short for an IDX header"
        if self.content_size != self.expected:
            return (f"the content is {self.content_size:,} bytes but its IDX header declares "
                    f"{self.expected:,}; it is truncated")
        return None


def verify(data: bytes, remote_file: RemoteFile, name: str = "") -> str | None:
    """Why ``data`` (the whole file as downloaded) is not a good copy of ``remote_file``, or None."""
    check = FileCheck(remote_file)
    try:
        for start in range(0, len(data), CHUNK_SIZE):
            check.update(data[start:start + CHUNK_SIZE])
    except _BadCopy as err:
        return str(err)
    return check.problem()


def _keep_existing(target: Path, remote_file: RemoteFile, report) -> bool:
    """True if ``target`` already holds a verified copy; deletes it if it holds a bad one.

    The file is checked a chunk at a time, never read whole into memory.
    """
    if not target.is_file():
        return False
    check = FileCheck(remote_file)
    try:
        with open(target, "rb") as f:
            while check.size <= remote_file.max_size and (chunk := f.read(CHUNK_SIZE)):
                check.update(chunk)
        good = check.size <= remote_file.max_size and check.problem() is None
    except _BadCopy:
        good = False
    if good:
        report(check.size, check.size)
        return True
    # A bad file under the final name would pass the cache's cheap existence check later.
    target.unlink()
    return False


def _fetch(remote: RemoteDataset, remote_file: RemoteFile, dest: Path, mirrors: tuple[str, ...],
           report, cancelled: CancelledCallback | None, limits: Limits) -> None:
    """Get one file from the first mirror that delivers a verified copy, else DownloadError."""
    failures = []
    for mirror in mirrors:
        url = (mirror if mirror.endswith("/") else mirror + "/") + remote_file.name
        fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=f".{remote_file.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                problem = _stream_to(url, out, FileCheck(remote_file), report, cancelled, limits)
            if problem is None:
                os.chmod(tmp, file_mode())  # mkstemp made it 0600
                os.replace(tmp, dest / remote_file.name)
                return
            failures.append(f"{url} sent a bad file: {problem}")
        except TransferCancelled:
            raise DownloadCancelled(f"download of {remote.name} cancelled; the unfinished file "
                                    "was discarded") from None
        except TransferFailed as err:
            failures.append(f"{url} failed: {err}")
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            failures.append(f"{url} failed: {_describe(err)}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DownloadError(f"could not download {remote_file.name} of {remote.name} from any of "
                        f"{len(mirrors)} mirror(s): " + "; ".join(failures)
                        + f". Check the internet connection and try again, or copy the files "
                        f"into {dest} yourself.")


def _stream_to(url: str, out, check: FileCheck, report, cancelled, limits: Limits) -> str | None:
    """Copy ``url`` into the open file ``out``, checking as it goes; returns the problem or None."""
    try:
        for chunk, total in stream(url, {"User-Agent": USER_AGENT}, limits, cancelled):
            out.write(chunk)
            check.update(chunk)
            report(check.size, total)
    except _BadCopy as err:
        return str(err)
    return check.problem()


def _describe(err: Exception) -> str:
    """A short human reason for a network or file error."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(err) or type(err).__name__
