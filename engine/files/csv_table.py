"""Read a CSV of small integers (MNIST as CSV: a label, then the pixels) a block of lines at a time.

The file, raw or gzipped, is read in blocks of about 4 MiB cut at line ends and each block is
parsed straight to uint8, so memory stays near the size of the result (full MNIST, 110 MB of
text, becomes a 47 MB array) and never holds the whole text. Content over :data:`MAX_CSV_BYTES`,
gzip inflating more than :data:`MAX_GZIP_RATIO` times, and lines over 1 MiB are refused
as soon as they are seen.
"""

from __future__ import annotations

import gzip
import io
import zlib
from io import BufferedIOBase  # a file, a GzipFile or BytesIO
from pathlib import Path

import numpy as np

from .archive import open_regular
from .idx import GZIP_MAGIC, RATIO_FREE_BYTES

#: Largest CSV content read: full MNIST's training file is 110 MB.
MAX_CSV_BYTES = 256 * 2**20
BLOCK_BYTES = 4 * 2**20
MAX_LINE_BYTES = 2**20
#: MNIST as CSV text gzips about 7:1; rows of blank images about 1000:1.
MAX_GZIP_RATIO = 25
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs", " ": "spaces", "|": "vertical bars"}


class CsvError(ValueError):
    """The text is not a CSV of integers 0..255; the message names the file, the line and the fault."""


def read_csv_file(path: Path) -> np.ndarray:
    """The table in the CSV file ``path`` (gzip detected by content), as :func:`parse_csv_stream`."""
    try:
        f = open_regular(path, CsvError)  # a FIFO or /dev/zero would block or never end
    except CsvError as err:
        raise CsvError(f"{path}: {err}") from None
    with f:
        size = f.seek(0, io.SEEK_END)
        f.seek(0)
        if f.read(2) != GZIP_MAGIC:
            f.seek(0)
            return parse_csv_stream(f, str(path))
        f.seek(0)
        try:
            with gzip.GzipFile(fileobj=f, mode="rb") as content:
                return parse_csv_stream(content, str(path), compressed_size=size)
        except (OSError, EOFError, zlib.error) as err:
            raise CsvError(f"{path}: corrupt gzip data ({err}); is it really a CSV file?") from err


def parse_csv_stream(stream: BufferedIOBase, name: str, compressed_size: int | None = None) -> np.ndarray:
    """Comma-separated integers 0..255 from ``stream``, skipping a header row if present.

    Parameters
    ----------
    stream : binary file
        UTF-8 text (a byte-order mark is allowed).
    name : str
        The file, for error messages.
    compressed_size : int, optional
        Size on disk of a gzipped file, to refuse implausible compression ratios.

    Returns
    -------
    ndarray, shape (n_rows, n_columns), uint8
        The header row, if the first field of the first line is not an integer, is skipped.
    """
    reader = _Blocks(stream, name, compressed_size)
    tables: list[np.ndarray] = []
    header, first_line = None, 1
    for text in reader:
        if header is None:
            header = _check_first_lines(text, name)
        table = _parse_block(text, name, first_line, header and first_line == 1,
                             tables[0].shape[1] if tables else None)
        if len(table):
            tables.append(table)
        first_line += text.count("\n")
    if not tables:
        raise CsvError(f"{name}: the file has no data rows; expected one image per row")
    return tables[0] if len(tables) == 1 else np.concatenate(tables)


class _Blocks:
    """Iterate over the decoded text of ``stream`` in blocks that end at a line end."""

    def __init__(self, stream: BufferedIOBase, name: str, compressed_size: int | None):
        self.stream, self.name, self.compressed_size = stream, name, compressed_size
        self.total = 0

    def __iter__(self):
        rest, first = b"", True
        while True:
            chunk = self.stream.read(BLOCK_BYTES)
            self._count(len(chunk))
            data = rest + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if cut == 0 and len(data) > MAX_LINE_BYTES:
                raise CsvError(f"{self.name}: a line is longer than {MAX_LINE_BYTES:,} bytes "
                               "(an MNIST row is about 3 KB); is it really a CSV of images?")
            block, rest = data[:cut], data[cut:]
            if block:
                yield self._decode(block, first)
                first = False
            if not chunk:
                return

    def _count(self, n: int) -> None:
        self.total += n
        if self.total > MAX_CSV_BYTES:
            raise CsvError(f"{self.name}: more than {MAX_CSV_BYTES:,} bytes of text, larger than "
                           "any MNIST-like CSV; refusing to read further")
        if (self.compressed_size is not None and self.total > RATIO_FREE_BYTES
                and self.total > MAX_GZIP_RATIO * self.compressed_size):
            raise CsvError(f"{self.name}: {self.compressed_size:,} bytes of gzip inflate to over "
                           f"{self.total:,} bytes, more than {MAX_GZIP_RATIO}:1, which real "
                           "image data never compresses to; refusing it as a decompression bomb")

    def _decode(self, block: bytes, first: bool) -> str:
        try:
            return block.decode("utf-8-sig" if first else "utf-8")
        except UnicodeDecodeError as err:
            raise CsvError(f"{self.name}: cannot be read as text ({err}); is it really a CSV "
                           "file?") from err


def _check_first_lines(text: str, name: str) -> bool:
    """Whether the first line is a header; CsvError if the values are not separated by commas."""
    lines = text.splitlines()[:2]
    header = bool(lines) and not _is_integer(lines[0].split(",")[0])
    for line in lines:
        if "," in line:
            continue
        for separator, called in OTHER_SEPARATORS.items():
            if line.strip().count(separator) >= 1:
                raise CsvError(f"{name}: values are separated by {called}, not commas; save the "
                               "file as comma-separated values (a label, then the pixels)")
    return header


def _parse_block(text: str, name: str, first_line: int, skip_header: bool,
                 n_columns: int | None) -> np.ndarray:
    """The rows of one block as uint8; CsvError naming the line of the first bad row."""
    lines = text.splitlines()[1 if skip_header else 0:]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return np.empty((0, n_columns or 0), dtype=np.uint8)
    try:
        table = np.loadtxt(lines, delimiter=",", dtype=np.uint8, ndmin=2)
    except ValueError as err:
        raise CsvError(_find_bad_row(text, name, first_line, skip_header, n_columns)
                       or f"{name}: {str(err)[:200]}") from err
    if n_columns is not None and table.shape[1] != n_columns:
        raise CsvError(_find_bad_row(text, name, first_line, skip_header, n_columns)
                       or f"{name}: rows have different numbers of values")
    return table


def _is_integer(field: str) -> bool:
    try:
        int(field)
    except ValueError:
        return False
    return True


def _find_bad_row(text: str, name: str, first_line: int, skip_header: bool,
                  n_columns: int | None) -> str | None:
    """Error message for the first row that is not the same number of integers 0..255, if any.

    Only runs after the fast parser failed, to say which line is at fault.
    """
    for number, line in enumerate(text.splitlines(), start=first_line):
        if (skip_header and number == first_line) or not line.strip():
            continue
        fields = line.split(",")
        if n_columns is None:
            n_columns = len(fields)
        if len(fields) != n_columns:
            return (f"{name}: line {number} has {len(fields)} values but earlier rows have "
                    f"{n_columns}; fix or delete that row")
        for column, field in enumerate(fields, start=1):
            if not _is_integer(field) or not 0 <= int(field) <= 255:
                return (f"{name}: line {number}, column {column}: {field.strip()[:40]!r} is not "
                        "an integer 0..255; fix or delete that row")
    return None
