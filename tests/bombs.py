"""Small files that decompress to a lot: decompression bombs made in the test, a chunk at a time."""

import time
import tracemalloc
import zlib
from contextlib import contextmanager
from pathlib import Path

CHUNK = 1 << 20


def write_gzip_bomb(path: Path, head: bytes, n_zeros: int, tail: bytes = b"") -> Path:
    """A gzip file of ``head``, then ``n_zeros`` zero bytes, then ``tail``, compressed streaming
    (the test never holds the inflated content)."""
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        out.write(gz.compress(head))
        zeros = bytes(CHUNK)
        for start in range(0, n_zeros, CHUNK):
            out.write(gz.compress(zeros[:min(CHUNK, n_zeros - start)]))
        out.write(gz.compress(tail))
        out.write(gz.flush())
    return path


class Cost:
    """Peak traced memory (bytes) and wall time (seconds) of a ``with measure()`` block."""

    peak = 0
    seconds = 0.0


@contextmanager
def measure():
    """Measure the Python and NumPy allocations and the time of the block."""
    cost = Cost()
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - t0
        cost.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
