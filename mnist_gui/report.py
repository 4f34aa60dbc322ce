"""File > Export lesson report: the lesson's runs, results and plots in one HTML file to take home.

On the GUI thread only what must be there: the runs' figures read from the state, and the plots
drawn with pyqtgraph and exported as PNG bytes (``pyqtgraph.exporters.ImageExporter``). The rest
runs as a job (``workers.worker.TaskRunner``): scoring the network on the test images if the
Evaluate panel has not yet, comparing it with the baseline, building the HTML
(``engine.report``) and writing it atomically. Only copies cross: a copy of the network, plain
numbers and bytes; the dataset is read, never written.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, Signal
from PySide6.QtGui import QFont

from engine.baseline import network_vs_baseline
from engine.evaluation import evaluate_network
from engine.report import (
    LessonReport,
    Picture,
    ResultRow,
    RunSection,
    Table,
    comparison_bars,
    experiment_table,
    percent,
    run_section,
    runs_table,
    write_report,
)
from mnist_gui.workers.worker import TaskRunner

PLOT_SIZE = (1100, 440)  # pixels of each plot, exported as they are (a scaled export draws the
EXPORT_WIDTH = PLOT_SIZE[0]  # ticks twice as large but leaves the legend's text small)
LABEL_STYLE = {"font-size": "12pt", "color": "#000"}
BASELINE_PEN = pg.mkPen("#555555", width=1.5, style=Qt.DashLine)


@dataclass(frozen=True)
class ReportInputs:
    """What the job needs, gathered on the GUI thread: plain data, PNG bytes, a network copy."""

    title: str
    runs: tuple[RunSection, ...]
    experiments: tuple[Table, ...]  # the experiments' results tables, oldest first
    pictures: tuple[Picture, ...]
    network: object            # a copy of the hub's engine Network, or None
    network_name: str
    dataset: object            # the engine Dataset (read only), or None
    evaluation: object         # the engine Evaluation already made for ``network``, or None
    baseline: object           # the L2 BaselineReport, or None
    baseline_l1: object        # the L1 BaselineReport, or None


def gather(runs, datasets, hub, evaluation) -> ReportInputs:
    """The report's inputs from the window's state (RunsModel, DatasetHub, ModelHub,
    TestEvaluation). GUI thread: it draws the plots."""
    dataset = datasets.dataset
    baseline = datasets.baseline
    reports = {} if baseline is None else dict(baseline.reports)
    records = [run for run in runs.runs() if run.epochs]
    sections = tuple(run_section(run.name, run.spec, run.config, run.epochs, run.end, run.dataset_name)
                     for run in runs.runs())
    base_accuracy = reports["l2"].accuracy if "l2" in reports else None
    pictures = []
    if records:
        pictures.append(Picture("Accuracy per epoch", plot_png(records, "accuracy", base_accuracy),
                                "Validation accuracy after each epoch of every run; the dashed line is "
                                "the mean-digit baseline's test accuracy."))
        pictures.append(Picture("Training loss per epoch", plot_png(records, "loss"),
                                "The loss averaged over each epoch's batches: lower is better."))
    network = hub.network
    now = datetime.datetime.now().strftime("%d %B %Y, %H:%M")
    name = dataset.name if dataset is not None else "no dataset"
    experiments = tuple(experiment_table(title, [result_row(run) for run in table])
                        for title, table in runs.results())
    return ReportInputs(f"Lesson report: {name} ({now})", sections, experiments, tuple(pictures),
                        None if network is None else network.copy(), hub.description or "the current network",
                        dataset, evaluation.evaluation if network is not None else None,
                        reports.get("l2"), reports.get("l1"))


def result_row(run) -> ResultRow:
    """A RunRecord of an experiment as its results table's row (its label without "Run n · ")."""
    return ResultRow(run.name.split(" · ", 1)[-1], run.test_accuracy, run.train_seconds,
                     run.epochs_trained, run.images_seen, run.spec.n_params, run.diverging)


def build_report(inputs: ReportInputs, worker=None) -> LessonReport:
    """The LessonReport of ``inputs``: the job's work (it may score the network on the test split)."""
    tables = ([runs_table(inputs.runs)] if inputs.runs else []) + list(inputs.experiments)
    notes = [] if inputs.runs else ["No run has been trained in this lesson yet."]
    bars, confusion, names, caption = (), None, (), ""
    if inputs.baseline is not None:
        tables.append(Table("Mean-digit baseline", ("Distance", "Test accuracy"),
                            tuple((label, percent(report.accuracy)) for label, report in
                                  (("Euclidean (L2)", inputs.baseline), ("Manhattan (L1)", inputs.baseline_l1))
                                  if report is not None),
                            "Each test image is called the class whose average training digit is nearest."))
    dataset, network = inputs.dataset, inputs.network
    if network is not None and dataset is not None and len(dataset.test_labels) \
            and network.spec.input_size == dataset.input_size:
        evaluation = inputs.evaluation
        if evaluation is None:
            step = None if worker is None else (lambda done, n: worker.check())
            evaluation = evaluate_network(network, dataset.test_images, dataset.test_labels,
                                          dataset.n_classes, step)
        n = len(evaluation.confusion)
        names = tuple(dataset.class_names) if len(dataset.class_names) == n else tuple(map(str, range(n)))
        confusion = evaluation.confusion
        caption = (f"{inputs.network_name} on {len(evaluation.true):,} test images: "
                   f"{percent(evaluation.accuracy)} right. Rows: the true class; columns: what the network read.")
        notes.append(f"The network shown: {inputs.network_name}, test accuracy {percent(evaluation.accuracy)}.")
        if inputs.baseline is not None:
            try:
                bars = (comparison_bars(network_vs_baseline(confusion, inputs.baseline), names),)
            except ValueError:
                bars = ()
    return LessonReport(inputs.title, "Made with mnist-gui: how a neural network learns.", inputs.runs,
                        tuple(tables), bars, inputs.pictures, confusion, names, caption, tuple(notes))


def plot_png(records, what: str, baseline: float | None = None) -> bytes:
    """A plot of every run's ``what`` ("accuracy": validation accuracy in %; "loss": training loss)
    per epoch, in the run's colour, on a white page; as the bytes of a PNG file."""
    plot = pg.PlotWidget(background="w")
    plot.setAttribute(Qt.WA_DontShowOnScreen)
    try:
        item = plot.getPlotItem()
        item.addLegend(offset=(-10, 10) if what == "loss" else (-10, -10), labelTextColor="k",
                       labelTextSize="11pt")
        item.showGrid(x=True, y=True, alpha=0.2)
        for side in ("left", "bottom"):
            item.getAxis(side).setPen("k")
            item.getAxis(side).setTextPen("k")
            item.getAxis(side).setStyle(tickFont=QFont("sans-serif", 11))  # as large as the legend's
        item.setLabel("bottom", "epoch", **LABEL_STYLE)
        item.getAxis("bottom").setTickSpacing(5, 1)  # whole epochs
        item.setLabel("left", "validation accuracy (%)" if what == "accuracy" else "training loss", **LABEL_STYLE)
        for run in records:
            x = np.array([e.epoch for e in run.epochs], dtype=float)
            y = np.array([(100 * e.val_accuracy if e.val_accuracy is not None else np.nan)
                          if what == "accuracy" else e.train_loss for e in run.epochs], dtype=float)
            item.plot(x, y, pen=pg.mkPen(run.colour, width=2.5), symbol="o", symbolSize=6,
                      symbolBrush=run.colour, symbolPen=run.colour, name=run.name)
        if baseline is not None:
            item.addItem(pg.InfiniteLine(100 * baseline, angle=0, pen=BASELINE_PEN))
            item.legend.addItem(pg.PlotDataItem(pen=BASELINE_PEN), "mean-digit baseline")
        plot.resize(*PLOT_SIZE)
        plot.show()
        return _png(plot)
    finally:
        plot.close()
        plot.deleteLater()


def _png(plot: pg.PlotWidget) -> bytes:
    exporter = ImageExporter(plot.getPlotItem())
    exporter.parameters()["width"] = EXPORT_WIDTH
    image = exporter.export(toBytes=True)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return data.data()


class ReportWriter(QObject):
    """``write(path, runs, datasets, hub, evaluation)`` gathers on the GUI thread and builds and
    writes in a job; ``written(path)`` or ``failed(message)`` when done."""

    written = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = TaskRunner(self, "lesson report")
        self.runner.succeeded.connect(self._on_written)
        self.runner.failed.connect(self._on_failed)

    def write(self, path: str | os.PathLike, runs, datasets, hub, evaluation) -> None:
        inputs = gather(runs, datasets, hub, evaluation)
        target = Path(path)
        self.runner.start(lambda worker: write_report(build_report(inputs, worker), target))

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        return self.runner.shutdown(timeout_ms)

    def _on_written(self, path):
        self.written.emit(str(path))

    def _on_failed(self, error):
        self.failed.emit(str(error) or type(error).__name__)
