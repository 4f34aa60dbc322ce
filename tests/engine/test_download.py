"""The downloader against a local HTTP server: verification, fallback, cancel, progress, skip."""

import contextlib
import gzip
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from engine.files import download as dl
from engine.files.download import (
    FASHION_MNIST,
    MNIST,
    REMOTES,
    DownloadCancelled,
    DownloadError,
    RemoteDataset,
    RemoteFile,
    download,
)
from engine.files.sources import IDX_FILES, find_cached, find_idx_files, load_folder

from synthetic import make_dataset, make_idx_folder

PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class Handler(BaseHTTPRequestHandler):
    """Serves ``server.mirrors[prefix][name]`` at ``/prefix/name``; records every request."""

    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        _, prefix, name = self.path.split("/", 2)
        mirror = server.mirrors.get(prefix)
        if mirror is None or name not in mirror["files"]:
            self.send_error(404)
            return
        body = mirror["files"][name]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mirror["send_length"]:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the client cancelled and hung up: the cancel tests
            self.wfile.write(body)

    def log_message(self, format, *args):  # keep test output clean
        return


class MirrorServer:
    """Test-side handle on the running server: add mirrors, read the request log."""

    def __init__(self, httpd: ThreadingHTTPServer):
        self._httpd = httpd
        httpd.mirrors, httpd.requests = {}, []

    def add_mirror(self, prefix: str, files: dict[str, bytes], send_length: bool = True) -> str:
        self._httpd.mirrors[prefix] = {"files": files, "send_length": send_length}
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{prefix}/"

    @property
    def requests(self) -> list[str]:
        return self._httpd.requests


@pytest.fixture
def server(monkeypatch):
    for var in PROXY_VARS:  # a proxy from the environment must not intercept 127.0.0.1
        monkeypatch.delenv(var, raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval so shutdown() returns quickly.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                              name="test-mirror-server")
    thread.start()
    try:
        yield MirrorServer(httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def synthetic(tmp_path):
    """(files name -> .gz bytes, RemoteDataset with their content hashes) of a fake dataset.

    200 training images make train-images about 120 KiB, so it arrives in several chunks.
    """
    folder = make_idx_folder(tmp_path / "source", n_train=200, n_test=40)
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    remote = RemoteDataset(
        key="synthetic", name="Synthetic",
        files=tuple(RemoteFile(name + ".gz", sha256(gzip.decompress(files[name + ".gz"])))
                    for name in IDX_FILES.values()),
        mirrors=("http://127.0.0.1:9/never-used/",))
    return files, remote


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/down/"


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def gz_names(files) -> list[str]:
    return sorted(files)


def test_download_success_with_progress(server, synthetic, tmp_path):
    files, remote = synthetic
    url = server.add_mirror("good", files)
    events = []
    dest = download(remote, tmp_path / "dest", mirrors=[url], progress=events.append)
    assert dest == tmp_path / "dest"
    assert names_in(dest) == gz_names(files)  # no temporary files left over
    for name, data in files.items():
        assert (dest / name).read_bytes() == data
    data = load_folder(dest)
    np.testing.assert_array_equal(data.train_images, make_dataset(200, 40).train_images)
    assert sorted(server.requests) == sorted(f"/good/{name}" for name in files)
    assert {e.file_index for e in events} == {0, 1, 2, 3}
    for index, remote_file in enumerate(remote.files):
        mine = [e for e in events if e.file_index == index]
        assert all(e.name == remote_file.name and e.n_files == 4 for e in mine)
        done = [e.done for e in mine]
        assert done == sorted(set(done))  # strictly increasing
        assert done[-1] == mine[-1].total == len(files[remote_file.name])
        assert all(b - a <= dl.CHUNK_SIZE for a, b in zip([0, *done], done))
    assert len([e for e in events if e.file_index == 0]) >= 2  # train images: several chunks


def test_default_destination_is_the_cache(server, synthetic, tmp_path, monkeypatch):
    files, remote = synthetic
    monkeypatch.setenv("MNIST_GUI_CACHE", str(tmp_path / "cache"))
    dest = download(remote, mirrors=[server.add_mirror("good", files)])
    assert dest == tmp_path / "cache" / "synthetic"
    assert find_cached("synthetic") == dest


def test_unknown_length_reports_total_minus_one(server, synthetic, tmp_path):
    files, remote = synthetic
    events = []
    download(remote, tmp_path / "dest", mirrors=[server.add_mirror("nolen", files, False)],
             progress=events.append)
    assert events and all(e.total == -1 for e in events)
    assert len(load_folder(tmp_path / "dest").train_labels) == 200


def corrupted(files: dict[str, bytes], kind: str) -> dict[str, bytes]:
    """The same file names with bad content of the given kind."""
    if kind == "html":
        return {name: b"<html>503 Service Unavailable</html>" for name in files}
    if kind == "truncated":
        return {name: data[: len(data) // 2] for name, data in files.items()}
    if kind == "other-content":  # valid gzip IDX, but not the data the hashes describe
        other = {}
        for name, data in files.items():
            content = bytearray(gzip.decompress(data))
            content[-1] ^= 0xFF
            other[name] = gzip.compress(bytes(content))
        return other
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["html", "truncated", "other-content"])
def test_corrupt_first_mirror_falls_back_to_second(server, synthetic, tmp_path, kind):
    files, remote = synthetic
    bad = server.add_mirror("bad", corrupted(files, kind))
    good = server.add_mirror("good", files)
    dest = download(remote, tmp_path / "dest", mirrors=[bad, good])
    assert names_in(dest) == gz_names(files)
    for name, data in files.items():
        assert (dest / name).read_bytes() == data  # the corrupt copy never landed
        assert server.requests.count(f"/bad/{name}") == 1
        assert server.requests.count(f"/good/{name}") == 1
    assert len(load_folder(dest).test_labels) == 40


def test_all_mirrors_down(server, synthetic, tmp_path):
    _files, remote = synthetic
    refused = closed_port_url()
    missing = server.add_mirror("empty", {})
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError) as info:
        download(remote, dest, mirrors=[refused, missing], timeout=5)
    message = str(info.value)
    assert "could not download train-images-idx3-ubyte.gz of Synthetic from any of 2 mirror" \
        in message
    assert f"{refused}train-images-idx3-ubyte.gz failed: " in message
    assert f"{missing}train-images-idx3-ubyte.gz failed: HTTP 404" in message
    assert names_in(dest) == []


def test_bad_only_mirror_leaves_nothing_that_looks_valid(server, synthetic, tmp_path):
    files, remote = synthetic
    # The first two files are fine, the third is served corrupt, so the set stays incomplete.
    served = dict(files)
    served["t10k-images-idx3-ubyte.gz"] = corrupted(files, "other-content")[
        "t10k-images-idx3-ubyte.gz"]
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError, match=r"t10k-images-idx3-ubyte.gz sent a bad file: SHA-256 "
                                            "of the content is [0-9a-f]{64}, expected"):
        download(remote, dest, mirrors=[server.add_mirror("partly", served)])
    assert names_in(dest) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    for name in names_in(dest):
        assert (dest / name).read_bytes() == files[name]
    assert len(find_idx_files(dest)) == 2  # so find_cached would not offer it as a dataset


def test_cancel_discards_the_partial_file(server, synthetic, tmp_path):
    files, remote = synthetic
    events = []
    with pytest.raises(DownloadCancelled, match="cancelled"):
        download(remote, tmp_path / "dest", mirrors=[server.add_mirror("good", files)],
                 progress=events.append, cancelled=lambda: len(events) >= 1)
    assert len(events) == 1 and events[0].done < events[0].total
    assert names_in(tmp_path / "dest") == []
    assert issubclass(DownloadCancelled, DownloadError)


def test_cancel_in_a_later_file_keeps_the_verified_ones(server, synthetic, tmp_path):
    files, remote = synthetic
    events = []
    with pytest.raises(DownloadCancelled):
        download(remote, tmp_path / "dest", mirrors=[server.add_mirror("good", files)],
                 progress=events.append,
                 cancelled=lambda: bool(events) and events[-1].file_index == 1)
    assert names_in(tmp_path / "dest") == ["train-images-idx3-ubyte.gz"]


def test_present_files_are_skipped(server, synthetic, tmp_path):
    files, remote = synthetic
    url = server.add_mirror("good", files)
    download(remote, tmp_path / "dest", mirrors=[url])
    server.requests.clear()
    events = []
    download(remote, tmp_path / "dest", mirrors=[url], progress=events.append)
    assert server.requests == []
    assert [(e.file_index, e.done == e.total == len(files[e.name])) for e in events] == \
        [(0, True), (1, True), (2, True), (3, True)]


def test_present_but_bad_file_is_downloaded_again(server, synthetic, tmp_path):
    files, remote = synthetic
    url = server.add_mirror("good", files)
    download(remote, tmp_path / "dest", mirrors=[url])
    (tmp_path / "dest" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    server.requests.clear()
    download(remote, tmp_path / "dest", mirrors=[url])
    assert server.requests == ["/good/t10k-labels-idx1-ubyte.gz"]
    assert (tmp_path / "dest" / "t10k-labels-idx1-ubyte.gz").read_bytes() == \
        files["t10k-labels-idx1-ubyte.gz"]


def test_present_bad_file_is_removed_even_if_no_mirror_works(server, synthetic, tmp_path):
    files, remote = synthetic
    dest = tmp_path / "dest"
    dest.mkdir()
    # Parses as IDX, so only the hash shows it is not the expected file.
    wrong = corrupted(files, "other-content")["train-images-idx3-ubyte.gz"]
    (dest / "train-images-idx3-ubyte.gz").write_bytes(wrong)
    with pytest.raises(DownloadError):
        download(remote, dest, mirrors=[server.add_mirror("empty", {})])
    assert names_in(dest) == []


def test_gz_hash_only_rejects_a_recompressed_copy(server, synthetic, tmp_path):
    files, _ = synthetic
    # Like Fashion-MNIST: only the hash of the published .gz bytes is known.
    remote = RemoteDataset("gz-only", "GzOnly", tuple(
        RemoteFile(name, None, sha256(data)) for name, data in sorted(files.items())), ())
    recompressed = {name: gzip.compress(gzip.decompress(data), compresslevel=1, mtime=1)
                    for name, data in files.items()}
    assert recompressed != files
    first = server.add_mirror("recompressed", recompressed)
    dest = download(remote, tmp_path / "dest", mirrors=[first, server.add_mirror("good", files)])
    for name, data in files.items():
        assert (dest / name).read_bytes() == data
    with pytest.raises(DownloadError, match="sent a bad file: SHA-256 of the file is"):
        download(remote, tmp_path / "other", mirrors=[first])


def test_remote_file_needs_a_hash():
    with pytest.raises(ValueError, match="needs content_sha256 or gz_sha256"):
        RemoteFile("x.gz", None, None)


def test_known_remotes():
    assert REMOTES == {"mnist": MNIST, "fashion-mnist": FASHION_MNIST}
    for remote in REMOTES.values():
        assert [f.name for f in remote.files] == [n + ".gz" for n in IDX_FILES.values()]
        assert all(m.endswith("/") for m in remote.mirrors)
    assert all(f.content_sha256 and f.gz_sha256 is None for f in MNIST.files)
    assert all(f.content_sha256 is None and len(f.gz_sha256) == 64 for f in FASHION_MNIST.files)


@pytest.mark.real_data
def test_real_mnist_verifies_against_published_hashes(server, mnist_dir, tmp_path):
    sums = dict(line.split()[::-1] for line in (mnist_dir / "SHA256SUMS").read_text().splitlines())
    assert {f.name: f.content_sha256 for f in MNIST.files} == \
        {name + ".gz": digest for name, digest in sums.items()}
    files = {f.name: (mnist_dir / f.name).read_bytes() for f in MNIST.files}
    url = server.add_mirror("mnist", files)
    dest = download(MNIST, tmp_path / "mnist", mirrors=[url])
    assert all((dest / name).read_bytes() == data for name, data in files.items())
    data = load_folder(dest)
    assert (len(data.train_labels), len(data.test_labels)) == (60000, 10000)


def test_hashes_while_streaming_without_holding_the_file(server, tmp_path):
    from bombs import measure

    from engine.files.idx import idx_bytes
    images = np.random.default_rng(1).integers(0, 256, size=(4000, 28, 28), dtype=np.uint8)
    content = idx_bytes(images)  # 3.1 MB that gzip cannot shrink
    data = gzip.compress(content, compresslevel=1)
    remote = RemoteDataset("big", "Big", (RemoteFile("big.gz", sha256(content)),), ())
    url = server.add_mirror("big", {"big.gz": data})
    with measure() as cost:
        download(remote, tmp_path / "dest", mirrors=[url])
    assert (tmp_path / "dest" / "big.gz").read_bytes() == data
    print(f"download of {len(data):,} bytes: peak {cost.peak:,} bytes traced")
    assert cost.peak < len(data) / 3  # chunks in flight, never the whole file
    with measure() as cost:  # present: verified again from disk, a chunk at a time
        download(remote, tmp_path / "dest", mirrors=[url])
    assert cost.peak < len(data) / 3
