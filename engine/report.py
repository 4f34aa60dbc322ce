"""The lesson report: one self-contained HTML file of a lesson's runs, results and plots.

Built from plain data (text, numbers, PNG bytes), so anything can make one and a test can read it
back. Self-contained means readable offline, years later: the styles are inline, every picture is
a ``data:image/png;base64,...`` URI, and there is no link, script or font from elsewhere. Every text
that comes from a user (run names, dataset names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.files.atomic import write_bytes_atomically

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; } td.text, th.text { text-align: left; }
table.confusion td { min-width: 2.6em; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption, p.note { color: #555; font-size: 0.92em; }
"""


@dataclass(frozen=True)
class Picture:
    """A plot for the report: its title, the PNG file's bytes, and a sentence under it."""

    title: str
    png: bytes
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A results table: a title, the column headings, rows of cells (text or numbers already
    formatted as text), and a sentence under it. The first column is read as text, left-aligned."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class RunSection:
    """One run: its name, and its settings and final figures as (label, value) pairs."""

    name: str
    settings: tuple[tuple[str, str], ...]
    figures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LessonReport:
    """Everything the report shows, as plain data.

    confusion : (C, C) counts, ``confusion[true, predicted]``, of the network on the test split,
    or None; class_names : C labels for its rows and columns.
    """

    title: str
    subtitle: str = ""
    runs: tuple[RunSection, ...] = ()
    tables: tuple[Table, ...] = ()
    pictures: tuple[Picture, ...] = ()
    confusion: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    confusion_caption: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def report_html(report: LessonReport) -> str:
    """The report as one HTML document (a str), every text escaped, every picture inline."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{_text(report.title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{_text(report.title)}</h1>"]
    if report.subtitle:
        parts.append(f'<p class="note">{_text(report.subtitle)}</p>')
    parts += [f"<p>{_text(note)}</p>" for note in report.notes]
    parts += [table_html(table) for table in report.tables]
    if report.confusion is not None:
        parts.append(confusion_html(report.confusion, report.class_names, report.confusion_caption))
    parts += [picture_html(picture) for picture in report.pictures]
    if report.runs:
        parts.append("<h2>The runs</h2>")
        parts += [run_html(run) for run in report.runs]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: LessonReport, path: str | os.PathLike) -> Path:
    """Write ``report_html(report)`` to ``path`` as UTF-8, whole or not at all (OSError naming it)."""
    return write_bytes_atomically(path, report_html(report).encode("utf-8"))


def table_html(table: Table) -> str:
    head = "".join(f'<th{_first(i)}>{_text(h)}</th>' for i, h in enumerate(table.header))
    body = "".join("<tr>" + "".join(f"<td{_first(i)}>{_text(cell)}</td>" for i, cell in enumerate(row))
                   + "</tr>" for row in table.rows)
    caption = f'<p class="note">{_text(table.caption)}</p>' if table.caption else ""
    return f"<h2>{_text(table.title)}</h2><table><tr>{head}</tr>{body}</table>{caption}"


def confusion_html(confusion: np.ndarray, class_names: Sequence[str], caption: str = "") -> str:
    """The confusion matrix as a table, rows the true class and columns the answer; each cell is
    shaded by its share of its row (the diagonal blue, mistakes red), so it reads without colour
    too: the counts are written in every cell."""
    counts = np.asarray(confusion, dtype=np.int64)
    names = list(class_names) if len(class_names) == len(counts) else [str(c) for c in range(len(counts))]
    head = '<th class="text">true \\ read as</th>' + "".join(f"<th>{_text(n)}</th>" for n in names)
    rows = []
    for t, row in enumerate(counts):
        total = max(1, int(row.sum()))
        cells = "".join(f'<td style="background: {_shade(int(n) / total, t == p)}">{int(n):,}</td>'
                        for p, n in enumerate(row))
        rows.append(f'<tr><th class="text">{_text(names[t])}</th>{cells}</tr>')
    note = f'<p class="note">{_text(caption)}</p>' if caption else ""
    return f'<h2>Confusion matrix</h2><table class="confusion"><tr>{head}</tr>{"".join(rows)}</table>{note}'


def picture_html(picture: Picture) -> str:
    data = base64.b64encode(picture.png).decode("ascii")
    caption = f"<figcaption>{_text(picture.caption)}</figcaption>" if picture.caption else ""
    return (f"<h2>{_text(picture.title)}</h2><figure>"
            f'<img alt="{_text(picture.title)}" src="data:image/png;base64,{data}">{caption}</figure>')


def run_html(run: RunSection) -> str:
    rows = "".join(f'<tr><th class="text">{_text(k)}</th><td class="text">{_text(v)}</td></tr>'
                   for k, v in (*run.settings, *run.figures))
    return f"<h3>{_text(run.name)}</h3><table>{rows}</table>"


def percent(value: float | None) -> str:
    """0.9712 as ``97.12 %``; None or nan as an en dash."""
    return "–" if value is None or not np.isfinite(value) else f"{100 * value:.2f} %"


def _text(value) -> str:
    return html.escape(str(value), quote=True)


def _first(column: int) -> str:
    return ' class="text"' if column == 0 else ""


def _shade(share: float, correct: bool) -> str:
    """A light background whose strength is ``share`` (0..1): blue on the diagonal, red elsewhere."""
    alpha = 0.08 + 0.6 * min(1.0, share * (1 if correct else 4))  # mistakes are rarer: scaled up
    if share == 0:
        return "transparent"
    return f"rgba(0, 114, 178, {alpha:.2f})" if correct else f"rgba(213, 94, 0, {alpha:.2f})"
