"""File > Export network to ONNX and File > Export lesson report, in the window: enabled when they
can work, written atomically, confirmed in the status bar, and an error that says what to do."""

import re
import sys
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from engine.network import HiddenLayer, Network, NetworkSpec
from engine.presets import PRESETS
from engine.report import percent
from engine.training import EpochEnd, RunEnd

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder


@pytest.fixture
def window(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "synthetic", n_train=200, n_test=100), settings)
    qtbot.waitUntil(lambda: window.datasets.baseline is not None and window.datasets.baseline.complete,
                    timeout=TIMEOUT)
    return window


def add_run(window, name: str, epochs: int = 3):
    """A made-up completed run (no training) whose final network the hub shows."""
    config = replace(PRESETS["default"].training, epochs=epochs)
    spec = NetworkSpec(hidden=(HiddenLayer(16),), seed=2)
    run = window.runs.new_run(name, spec, config, "synthetic")
    for e in range(1, epochs + 1):
        loss = 0.5 / e
        window.runs.add_epoch(run, EpochEnd(e, epochs, loss, 1 - loss / 2, loss, 0.7 + 0.05 * e, None, None,
                                            1.0, 1000.0, 1e-3))
    network = Network(spec)
    window.runs.finish(run, RunEnd("completed", "", epochs, 3.0, 1000.0, 0.4, 0.81, tuple(run.epochs)), network)
    window.hub.show_run(run)
    return run


def test_export_onnx_is_enabled_with_a_model_and_writes_a_file_confirmed_in_the_status_bar(qtbot, window, tmp_path):
    onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install 'mnist-gui[onnx]')")
    assert not window.export_onnx_action.isEnabled()
    add_run(window, "Run 1 · tiny")
    assert window.export_onnx_action.isEnabled()
    path = window.export_onnx(tmp_path / "net.onnx")
    model = onnx.load(str(path))
    assert [n.name for n in model.graph.node][-3:] == ["dense1_relu", "output", "probabilities"]
    assert "net.onnx" in window.status.currentMessage() and "Netron" in window.status.currentMessage()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    window.hub.set_network(None)
    assert not window.export_onnx_action.isEnabled()


def test_without_onnx_the_menu_says_how_to_install_it(qtbot, window, tmp_path, monkeypatch):
    add_run(window, "Run 1")
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setattr("mnist_gui.main_window.QFileDialog.getSaveFileName",
                        lambda *_args, **_kw: (str(tmp_path / "net.onnx"), ""))
    window.export_onnx_action.trigger()
    box = window.findChild(QMessageBox, "exportErrorDialog")
    assert box is not None and 'pip install "mnist-gui[onnx]"' in box.text()
    assert not (tmp_path / "net.onnx").exists()
    box.close()


class Text(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.parts: list[str] = []
        self.sources: list[str] = []
        self.feed(html)

    def handle_data(self, data):
        self.parts.append(data.strip())

    def handle_starttag(self, tag, attrs):
        self.sources += [v for k, v in attrs if k == "src"]


def test_the_lesson_report_names_every_run_and_holds_its_plots_and_results(qtbot, window, tmp_path):
    add_run(window, "Run 1 · first try")
    add_run(window, "Run 2 · <wider> & longer", epochs=4)
    with qtbot.waitSignal(window.report_writer.written, timeout=TIMEOUT):
        window.export_report(tmp_path / "lesson.html")
    assert "lesson.html" in window.status.currentMessage()
    html = (tmp_path / "lesson.html").read_text("utf-8")
    text = Text(html)
    assert "Run 1 · first try" in text.parts and "Run 2 · <wider> & longer" in text.parts
    assert {"Results of the runs", "Confusion matrix", "Network vs mean-digit baseline, per class",
            "Accuracy per epoch", "Training loss per epoch", "Mean-digit baseline"} <= set(text.parts)
    assert len(text.sources) == 2 and all(s.startswith("data:image/png;base64,iVBOR") for s in text.sources)
    assert not re.search(r"https?://", html)
    # the confusion matrix is the network's on the 100 test images: its cells add up to them
    cells = re.findall(r"<td style=\"background: [^\"]+\">([\d,]+)</td>", html)
    assert sum(int(c) for c in cells) == 100
    network = window.hub.network
    right = int(np.sum(network.predict(window.datasets.dataset.test_images) == window.datasets.dataset.test_labels))
    assert f"{right / 100:.2%}".replace("%", " %") in html


def test_a_report_that_cannot_be_written_says_why(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.report_writer.failed, timeout=TIMEOUT):
        window.export_report(tmp_path / "no such folder" / "lesson.html")
    box = window.findChild(QMessageBox, "exportErrorDialog")
    assert box is not None and "cannot write" in box.text()
    box.close()


def test_a_report_of_really_trained_runs_and_an_experiment_is_self_contained_and_holds_each_runs_figures(
        qtbot, window, tmp_path):
    """Two runs trained in the window and an experiment of two rates: the report links to nothing
    outside the file, and each run's own figures (from its RunRecord) stand in its row, the
    experiment's table marks its best run."""
    from engine.experiments import Axis, Experiment

    view = window.training_view
    view.builder.set_spec(NetworkSpec(hidden=(HiddenLayer(8),), seed=1),
                          replace(PRESETS["default"].training, epochs=2, batch_size=32))
    for _ in range(2):
        with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT):
            view.start()
    experiment = Experiment("rates", "two rates", view.builder.spec(), view.builder.config(),
                            (Axis("lr", (0.0001, 0.1)),))
    with qtbot.waitSignal(view.session.experiment_finished, timeout=3 * TIMEOUT):
        view.start_experiment(experiment)
    runs = window.runs.runs()
    assert len(runs) == 4 and all(run.status == "completed" for run in runs)
    with qtbot.waitSignal(window.report_writer.written, timeout=TIMEOUT):
        window.export_report(tmp_path / "lesson.html")
    html = (tmp_path / "lesson.html").read_text("utf-8")

    parsed = Parsed(html)
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(parsed.tags)
    references = [v for k, v in parsed.attributes if k in ("src", "href", "srcset", "action", "poster")]
    assert references and all(v.startswith("data:image/png;base64,") for v in references)
    outside = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)  # the pictures, inline
    assert not re.search(r"url\(|@import|https?:|file:|//[a-z]", outside)

    rows = {row[0]: row for row in parsed.rows("Results of the runs")}
    for run in runs:
        last = run.epochs[-1]
        assert rows[run.name][2:] == (str(len(run.epochs)), percent(last.train_accuracy),
                                      percent(last.val_accuracy), percent(run.end.test_accuracy),
                                      f"{sum(e.seconds for e in run.epochs):.1f} s")
    table = parsed.rows("Experiment: rates")
    slow, fast = runs[2:]
    assert [row[:2] for row in table] == [("lr 0.0001", percent(slow.test_accuracy)),
                                          ("lr 0.1", percent(fast.test_accuracy))]
    best = max((slow, fast), key=lambda r: r.test_accuracy)
    assert parsed.best_rows == [best.name.split(" · ", 1)[-1]]


class Parsed(HTMLParser):
    """Tags, attributes, and each table's rows of cell texts by the heading before it."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.tables: dict[str, list[tuple[str, ...]]] = {}
        self.best_rows: list[str] = []
        self._heading, self._row, self._cell, self._in = "", None, None, ""
        self.feed(html)

    def rows(self, heading: str) -> list[tuple[str, ...]]:
        return self.tables[heading][1:]  # without the header row

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(k, v or "") for k, v in attrs]
        self._in = tag
        if tag == "h2":
            self._heading = ""
        elif tag == "tr":
            self._row = []
            self._best = ("class", "best") in attrs
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self._heading, []).append(tuple(self._row))
            if self._best:
                self.best_rows.append(self._row[0])
            self._row = None
        self._in = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._in == "h2":
            self._heading += data
