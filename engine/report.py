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
:root { color-scheme: light; }
body { font-family: sans-serif; margin: 2em auto; padding: 0 1em; max-width: 60em; color: #222;
       background: #fff; line-height: 1.4; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; } td.text, th.text { text-align: left; }
tr.best td { font-weight: bold; background: rgba(34, 197, 94, 0.25); }
table.confusion td { min-width: 2.6em; }
table.bars td.bar { width: 24em; text-align: left; } .bar div { height: 0.8em; margin: 1px 0; }
.first { background: #0072b2; } .second { background: #e69f00; }
span.key { display: inline-block; width: 1em; height: 0.8em; margin: 0 0.3em 0 1em; }
div.runs { display: flex; flex-wrap: wrap; gap: 0 2em; }
div.run { flex: 1 1 24em; } div.run table { width: 100%; } div.run td { overflow-wrap: anywhere; }
div.run th { white-space: nowrap; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption, p.note { color: #555; font-size: 0.92em; }
@media print { table, figure, div.run { break-inside: avoid; } h2 { break-after: avoid; }
               .first, .second, td { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
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
    formatted as text), and a sentence under it. The first ``text_columns`` are read as text,
    left-aligned; the figures after them right-aligned."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    best: int | None = None  # the row drawn in bold on green (an experiment's best run), if any
    text_columns: int = 1    # how many of the first columns are text (left-aligned), not figures


@dataclass(frozen=True)
class ResultRow:
    """One run of an experiment as its results table shows it (``ExperimentResults`` in the app).

    test_accuracy : 0..1, None if never tested; epochs : epochs trained (a part of one at equal
    time); images : training images seen.
    """

    label: str
    test_accuracy: float | None
    seconds: float
    epochs: float
    images: int
    parameters: int
    diverged: bool = False


@dataclass(frozen=True)
class PairedBars:
    """Two figures per label, 0..1 each, drawn as two bars side by side (``first`` above ``second``)
    with their values written beside them: a bar chart made of HTML, no picture needed."""

    title: str
    labels: tuple[str, ...]
    first: tuple[float, ...]
    second: tuple[float, ...]
    first_name: str
    second_name: str
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
    bars: tuple[PairedBars, ...] = ()
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
    parts += [bars_html(bars) for bars in report.bars]
    if report.confusion is not None:
        parts.append(confusion_html(report.confusion, report.class_names, report.confusion_caption))
    parts += [picture_html(picture) for picture in report.pictures]
    if report.runs:
        parts.append('<h2>The runs</h2><div class="runs">')
        parts += [run_html(run) for run in report.runs]
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: LessonReport, path: str | os.PathLike) -> Path:
    """Write ``report_html(report)`` to ``path`` as UTF-8, whole or not at all (OSError naming it)."""
    return write_bytes_atomically(path, report_html(report).encode("utf-8"))


def table_html(table: Table) -> str:
    text = table.text_columns
    head = "".join(f'<th{_align(i, text)}>{_text(h)}</th>' for i, h in enumerate(table.header))
    body = "".join(("<tr class=\"best\">" if r == table.best else "<tr>")
                   + "".join(f"<td{_align(i, text)}>{_text(cell)}</td>" for i, cell in enumerate(row))
                   + "</tr>" for r, row in enumerate(table.rows))
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


def bars_html(bars: PairedBars) -> str:
    """One row per label: its two bars, as wide as their share of the column, and both values."""
    key = (f'<p><span class="key first"></span>{_text(bars.first_name)}'
           f'<span class="key second"></span>{_text(bars.second_name)}</p>')
    rows = []
    for label, a, b in zip(bars.labels, bars.first, bars.second):
        bar = "".join(f'<div class="{kind}" style="width: {_width(v)}%"></div>'
                      for kind, v in (("first", a), ("second", b)))
        rows.append(f'<tr><th class="text">{_text(label)}</th><td class="bar">{bar}</td>'
                    f"<td>{_text(percent(a))}<br>{_text(percent(b))}</td></tr>")
    caption = f'<p class="note">{_text(bars.caption)}</p>' if bars.caption else ""
    return f'<h2>{_text(bars.title)}</h2>{key}<table class="bars">{"".join(rows)}</table>{caption}'


def picture_html(picture: Picture) -> str:
    data = base64.b64encode(picture.png).decode("ascii")
    caption = f"<figcaption>{_text(picture.caption)}</figcaption>" if picture.caption else ""
    return (f"<h2>{_text(picture.title)}</h2><figure>"
            f'<img alt="{_text(picture.title)}" src="data:image/png;base64,{data}">{caption}</figure>')


def run_html(run: RunSection) -> str:
    rows = "".join(f'<tr><th class="text">{_text(k)}</th><td class="text">{_text(v)}</td></tr>'
                   for k, v in (*run.settings, *run.figures))
    return f'<div class="run"><h3>{_text(run.name)}</h3><table>{rows}</table></div>'


def percent(value: float | None) -> str:
    """0.9712 as ``97.12 %``; None or nan as an en dash."""
    return "–" if value is None or not np.isfinite(value) else f"{100 * value:.2f} %"


def _width(value: float) -> str:
    """A share 0..1 as a CSS width in percent, 0 for a missing figure."""
    return f"{100 * min(1.0, max(0.0, value)):.1f}" if np.isfinite(value) else "0"


def _text(value) -> str:
    return html.escape(str(value), quote=True)


def _align(column: int, text_columns: int = 1) -> str:
    return ' class="text"' if column < text_columns else ""


def _shade(share: float, correct: bool) -> str:
    """A light background whose strength is ``share`` (0..1): blue on the diagonal, red elsewhere."""
    alpha = 0.08 + 0.6 * min(1.0, share * (1 if correct else 4))  # mistakes are rarer: scaled up
    if share == 0:
        return "transparent"
    return f"rgba(0, 114, 178, {alpha:.2f})" if correct else f"rgba(213, 94, 0, {alpha:.2f})"


# --- the pieces of a lesson, from the engine's own types -----------------------------------------

def run_section(name: str, spec, config, history: Sequence, end=None, dataset: str = "") -> RunSection:
    """A run's settings (``NetworkSpec``, ``TrainConfig``) and final figures (its ``EpochEnd``
    history and ``RunEnd``, if it ended) as the report's (label, value) pairs."""
    batch = "whole training set" if config.batch_size is None else f"{config.batch_size}"
    settings = [("Network", spec.describe()), ("Parameters", f"{spec.n_params:,}"),
                ("Input scaling", spec.input_scaling), ("Loss", spec.loss),
                ("Initialiser", spec.init), ("Optimiser", config.optimiser),
                ("Learning rate", f"{config.lr:g}"), ("Schedule", config.schedule),
                ("Batch size", batch), ("Epochs asked", f"{config.epochs}"),
                ("Weight decay", f"{config.weight_decay:g}"),
                ("Augmentation", "yes" if config.augment else "no"), ("Seed", f"{config.seed}")]
    if dataset:
        settings.insert(0, ("Dataset", dataset))
    return RunSection(name, tuple(settings), tuple(final_figures(history, end)))


def final_figures(history: Sequence, end=None) -> list[tuple[str, str]]:
    """(label, value) of a run's last epoch: accuracies, loss, time; and how it ended."""
    if not history:
        return [("Epochs trained", "0")]
    last = history[-1]
    test = end.test_accuracy if end is not None and end.test_accuracy is not None else last.test_accuracy
    figures = [("Epochs trained", f"{len(history)}"), ("Training loss", f"{last.train_loss:.4f}"),
               ("Training accuracy", percent(last.train_accuracy)),
               ("Validation accuracy", percent(last.val_accuracy)), ("Test accuracy", percent(test)),
               ("Training time", f"{sum(e.seconds for e in history):.1f} s")]
    if end is not None:
        figures.append(("Ended", f"{end.reason}" + (f": {end.message}" if end.message else "")))
    return figures


def runs_table(runs: Sequence[RunSection]) -> Table:
    """One row per run: its network and its final figures, to compare runs at a glance."""
    columns = ("Epochs trained", "Training accuracy", "Validation accuracy", "Test accuracy", "Training time")
    rows = []
    for run in runs:
        values = dict(run.settings) | dict(run.figures)
        rows.append((run.name, values.get("Network", ""), *(values.get(c, "–") for c in columns)))
    return Table("Results of the runs", ("Run", "Network", *columns), tuple(rows),
                 "Accuracies after each run's last epoch; test images were never trained on.",
                 text_columns=2)


def experiment_table(name: str, rows: Sequence[ResultRow]) -> Table:
    """An experiment's results table: one row per run, as the training panel shows it, the best
    test accuracy in bold."""
    accuracies = [-1.0 if r.test_accuracy is None or r.diverged else r.test_accuracy for r in rows]
    best = max(range(len(rows)), key=accuracies.__getitem__) if rows and max(accuracies) >= 0 else None
    cells = tuple((r.label, "diverged" if r.diverged else percent(r.test_accuracy), f"{r.seconds:.1f} s",
                   f"{r.epochs:.0f}" if float(r.epochs).is_integer() else f"{r.epochs:.2f}",
                   f"{r.images:,}", f"{r.parameters:,}") for r in rows)
    best_text = "" if best is None else f" The best test accuracy, in bold: {rows[best].label}."
    return Table(f"Experiment: {name}", ("Run", "Test accuracy", "Training time", "Epochs",
                                          "Images seen", "Parameters"), cells,
                 f"Each run of the experiment, in its order.{best_text}", best)


def comparison_bars(comparison, class_names: Sequence[str]) -> PairedBars:
    """An ``engine.evaluation.ClassComparison`` as paired bars: network above, baseline below."""
    best, worst = comparison.most_gained(), comparison.least_gained()
    return PairedBars("Network vs mean-digit baseline, per class", tuple(class_names),
                      tuple(float(v) for v in comparison.network), tuple(float(v) for v in comparison.baseline),
                      "network", "mean-digit baseline",
                      f"Learning beat pixel averaging most on {class_names[best]} "
                      f"({100 * comparison.gain[best]:+.1f} points) and least on {class_names[worst]} "
                      f"({100 * comparison.gain[worst]:+.1f} points).")
