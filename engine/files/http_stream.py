"""Stream an HTTP(S) download under limits: a deadline, a minimum rate, a size cap, and cancel.

urllib blocks in connect, in waiting for headers and in every read, for as long as its socket
timeout. So the request runs in a daemon thread that hands chunks over a small queue, and the
caller's loop wakes at least every :data:`POLL_SECONDS` to look at cancel, the deadline and the
rate, whatever the server does. On leaving, the connection is shut so the thread ends at once; a
thread still connecting ends by its own socket timeout, and being a daemon never holds up exit.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

POLL_SECONDS = 0.25
CHUNK_SIZE = 64 * 1024
QUEUE_CHUNKS = 8


class TransferFailed(Exception):
    """The server broke a limit: too slow, too long, too big, or silent."""


class TransferCancelled(Exception):
    """``cancelled()`` returned True."""


@dataclass(frozen=True)
class Limits:
    """timeout: seconds without any data; deadline: seconds for the whole transfer; min_rate:
    bytes a second, averaged over each ``rate_window`` seconds; max_size: most bytes accepted."""

    timeout: float = 30.0
    deadline: float = 3600.0
    min_rate: float = 1024.0
    rate_window: float = 30.0
    max_size: int = 64 * 2**20


def stream(url: str, headers: dict, limits: Limits,
           cancelled: Callable[[], bool] | None = None) -> Iterator[tuple[bytes, int]]:
    """Yield ``(chunk, total)`` as ``url`` arrives; ``total`` is the Content-Length or -1.

    Raises TransferCancelled, TransferFailed, or what urllib raises (URLError, HTTPException,
    OSError). Chunks are at most :data:`CHUNK_SIZE` bytes.
    """
    fetcher = _Fetcher(urllib.request.Request(url, headers=headers), limits.timeout)
    try:
        yield from _watch(fetcher, limits, cancelled)
    finally:
        fetcher.stop()


def _watch(fetcher, limits: Limits, cancelled) -> Iterator[tuple[bytes, int]]:
    """The caller's side of the queue: every limit checked at least every POLL_SECONDS."""
    started = last_data = checkpoint_time = time.monotonic()
    done = checkpoint_done = 0
    total = -1
    while True:
        if cancelled is not None and cancelled():
            raise TransferCancelled()
        kind, value = fetcher.get(POLL_SECONDS)
        now = time.monotonic()
        if kind == "error":
            raise value
        if kind == "end":
            return
        if kind == "length":
            total = value
            if total > limits.max_size:
                raise TransferFailed(f"the server offers {total:,} bytes, more than the "
                                     f"{limits.max_size:,} a good copy can have")
        elif kind == "data":
            done += len(value)
            last_data = now
            if done > limits.max_size:
                raise TransferFailed(f"the server sent more than the {limits.max_size:,} bytes "
                                     "a good copy can have")
            yield value, total
        _check_clock(limits, now - started, now - last_data)
        if now - checkpoint_time >= limits.rate_window:
            _check_rate(limits, done - checkpoint_done, now - checkpoint_time)
            checkpoint_time, checkpoint_done = now, done


def _check_clock(limits: Limits, elapsed: float, silent: float) -> None:
    """TransferFailed past the deadline, or after ``limits.timeout`` seconds without data."""
    if elapsed > limits.deadline:
        raise TransferFailed(f"not finished after {limits.deadline:g} s")
    if silent > limits.timeout:
        raise TransferFailed(f"no data for {limits.timeout:g} s")


def _check_rate(limits: Limits, received: int, seconds: float) -> None:
    """TransferFailed if ``received`` bytes in ``seconds`` are below the minimum rate."""
    rate = received / seconds
    if rate < limits.min_rate:
        raise TransferFailed(f"too slow: {rate:,.0f} bytes/s over {seconds:.0f}"
                             f" s, below the minimum of {limits.min_rate:,.0f}")


class _Fetcher:
    """A daemon thread doing the blocking urllib calls; it reports through a bounded queue:
    ("length", int), ("data", bytes)..., then ("end", None) or ("error", exception)."""

    def __init__(self, request: urllib.request.Request, timeout: float):
        self._request, self._timeout = request, timeout
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._stop = threading.Event()
        self._response = None
        self._thread = threading.Thread(target=self._run, name="mnist-gui download", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with urllib.request.urlopen(self._request, timeout=self._timeout) as response:
                self._response = response
                length = response.headers.get("Content-Length")
                self._put(("length", int(length) if length and length.isdigit() else -1))
                while not self._stop.is_set():
                    chunk = response.read1(CHUNK_SIZE)  # what has arrived, not a full chunk
                    if not chunk:
                        self._put(("end", None))
                        return
                    self._put(("data", chunk))
        except Exception as err:  # handed to the caller's thread, which raises it
            if isinstance(err, urllib.error.HTTPError):
                err.close()  # it holds the open connection; its code and reason are all we report
            self._put(("error", err))

    def _put(self, item) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def get(self, timeout: float):
        """The next report, or ("wait", None) if none came within ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return "wait", None

    def stop(self) -> None:
        """Ask the thread to end and shut its connection so a blocked read returns now."""
        self._stop.set()
        response = self._response
        raw_socket = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        if raw_socket is not None:
            # Already closed, or a platform that refuses: the thread then ends by its timeout.
            with contextlib.suppress(OSError):
                raw_socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=POLL_SECONDS)
