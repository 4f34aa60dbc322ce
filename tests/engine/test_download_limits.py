"""The downloader's limits against a misbehaving local server: trickle, silence, endless bodies,
cancel at any moment, stale .part files and file permissions. Every server loop ends by itself."""

import os
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_download import PROXY_VARS, sha256

from engine.files.download import (
    DownloadCancelled,
    DownloadError,
    RemoteDataset,
    RemoteFile,
    download,
    remove_stale_parts,
)

MAX_SERVE_SECONDS = 30  # no handler runs longer, whatever the client does (they stop at teardown)
# A limit, not the server, ended the download: far less than the server would have lasted, and a
# bound that a busy machine cannot break (the limits act in 0.5 to 1.5 s).
ENDED_BY_THE_LIMIT = MAX_SERVE_SECONDS / 2


class MisbehavingHandler(BaseHTTPRequestHandler):
    """``/trickle/x``: one byte every 0.5 s; ``/silent/x``: headers never come;
    ``/endless/x``: zeros with no Content-Length; ``/steady/x``: 64 KiB every 20 ms;
    ``/huge/x``: says 10 GB, sends zeros.

    Bodies start with a valid IDX header declaring 50 MB, so only the limits can stop them.
    """

    def do_GET(self):
        kind = self.path.split("/")[1]
        if kind == "silent":
            self._wait(MAX_SERVE_SECONDS)
            return
        self.send_response(200)
        if kind == "huge":
            self.send_header("Content-Length", str(10 * 10**9))
        self.end_headers()
        deadline = time.monotonic() + MAX_SERVE_SECONDS
        chunk = b"\x00" if kind == "trickle" else bytes(64 * 1024)
        try:
            self.wfile.write(IDX_HEAD)
            while time.monotonic() < deadline and not self.server.closing.is_set():
                self.wfile.write(chunk)
                if kind in ("trickle", "steady"):
                    self._wait(0.5 if kind == "trickle" else 0.02)
        except (ConnectionError, OSError):  # the client hung up: what the tests expect
            return

    def _wait(self, seconds):
        self.server.closing.wait(seconds)

    def log_message(self, format, *args):
        return


@pytest.fixture
def bad_server(monkeypatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), MisbehavingHandler)
    httpd.closing = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.closing.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


IDX_HEAD = b"\x00\x00\x08\x01" + (50_000_000).to_bytes(4, "big")
REMOTE = RemoteDataset("x", "X", (RemoteFile("x-idx1-ubyte", "0" * 64, max_size=2 * 2**20),), ())


def timed_download(tmp_path, url, remote=REMOTE, **kwargs):
    t0 = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download(remote, tmp_path / "dest", mirrors=[url], **kwargs)
    return info.value, time.monotonic() - t0


def test_a_trickling_server_fails_by_the_minimum_rate(bad_server, tmp_path):
    err, seconds = timed_download(tmp_path, f"{bad_server}/trickle/", min_rate=100, rate_window=1.5)
    assert "too slow" in str(err) and not isinstance(err, DownloadCancelled)
    assert seconds < ENDED_BY_THE_LIMIT
    assert list((tmp_path / "dest").iterdir()) == []


def test_a_trickling_server_fails_by_the_deadline(bad_server, tmp_path):
    err, seconds = timed_download(tmp_path, f"{bad_server}/trickle/", min_rate=0, deadline=1.0)
    assert "not finished after 1 s" in str(err) and seconds < ENDED_BY_THE_LIMIT


def test_a_silent_server_fails_by_the_timeout(bad_server, tmp_path):
    err, seconds = timed_download(tmp_path, f"{bad_server}/silent/", timeout=1.0)
    assert "failed" in str(err) and seconds < ENDED_BY_THE_LIMIT


@pytest.mark.parametrize("kind", ["silent", "trickle", "steady"])
def test_cancel_takes_effect_whatever_the_server_does(bad_server, tmp_path, kind):
    t0 = time.monotonic()
    remote = RemoteDataset("x", "X", (RemoteFile("x-idx1-ubyte", "0" * 64, max_size=60 * 10**6),), ())
    err, seconds = timed_download(tmp_path, f"{bad_server}/{kind}/", remote, timeout=MAX_SERVE_SECONDS,
                                  cancelled=lambda: time.monotonic() - t0 > 0.5)
    assert isinstance(err, DownloadCancelled) and "cancelled" in str(err)
    assert seconds < ENDED_BY_THE_LIMIT  # within a second here; not by the socket timeout
    assert list((tmp_path / "dest").iterdir()) == []


@pytest.mark.parametrize("kind, message", [("endless", "sent more than the 2,097,152 bytes"),
                                           ("huge", "offers 10,000,000,000 bytes")])
def test_an_enormous_response_stops_at_the_expected_size(bad_server, tmp_path, kind, message):
    err, seconds = timed_download(tmp_path, f"{bad_server}/{kind}/")
    assert message in str(err) and seconds < ENDED_BY_THE_LIMIT
    assert list((tmp_path / "dest").iterdir()) == []


def test_stale_part_files_are_removed_and_fresh_ones_kept(tmp_path):
    old = tmp_path / ".train-images-idx3-ubyte.gz.abc123.part"
    fresh = tmp_path / ".train-labels-idx1-ubyte.gz.def456.part"
    other = tmp_path / "notes.part"
    for path in (old, fresh, other):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    assert remove_stale_parts(tmp_path) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, other.name])


def test_downloads_clean_stale_parts_and_follow_the_umask(tmp_path, monkeypatch):
    from test_download import Handler, MirrorServer  # the well-behaved server
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        import gzip

        import numpy as np

        from engine.files.idx import idx_bytes
        content = idx_bytes(np.arange(10, dtype=np.uint8))
        remote = RemoteDataset("y", "Y", (RemoteFile("y.gz", sha256(content)),), ())
        url = MirrorServer(httpd).add_mirror("m", {"y.gz": gzip.compress(content)})
        dest = tmp_path / "dest"
        dest.mkdir()
        stale = dest / ".y.gz.zzz.part"
        stale.write_bytes(b"half")
        os.utime(stale, (time.time() - 7200,) * 2)
        old = os.umask(0o027)
        try:
            download(remote, dest, mirrors=[url])
        finally:
            os.umask(old)
        assert [p.name for p in dest.iterdir()] == ["y.gz"]
        assert stat.S_IMODE((dest / "y.gz").stat().st_mode) == 0o640
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
