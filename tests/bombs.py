"""Small files that decompress to a lot: decompression bombs made in the test, a chunk at a time."""

import time
import tracemalloc
import zlib
from contextlib import contextmanager
from pathlib import Path

CHUNK = 1 << 20
# A bound on a refusal's CPU time that no machine breaks (a refusal takes milliseconds): it catches
# a hang or a loop that inflates without end; the memory peak is what shows nothing is held.
QUICK_SECONDS = 5.0


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
    """Peak traced memory (bytes) and CPU time (seconds) of a ``with measure()`` block: CPU time,
    not wall time, so that other processes on a busy machine do not count."""

    peak = 0
    seconds = 0.0


@contextmanager
def measure():
    """Measure the Python and NumPy allocations and the time of the block."""
    cost = Cost()
    tracemalloc.start()
    t0 = time.process_time()
    try:
        yield cost
    finally:
        cost.seconds = time.process_time() - t0
        cost.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
