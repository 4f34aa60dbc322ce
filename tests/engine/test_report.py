"""The lesson report's HTML: parsed back, it names every run, shows every table and picture inline,
escapes what users typed, and links to nothing outside the file."""

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from engine.report import LessonReport, Picture, RunSection, Table, percent, report_html, write_report

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")  # a 1x1 PNG


class Parsed(HTMLParser):
    """The parts of an HTML document a test looks at: tags, attributes, text and the table cells."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.headings: list[str] = []
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(k, v or "") for k, v in attrs]
        self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())
            if self._in and self._in[-1] in ("h1", "h2", "h3"):
                self.headings.append(data.strip())


def lesson(**changes) -> LessonReport:
    fields = dict(
        title="Lesson 3: hidden layers", subtitle="MNIST, 10,000 test images",
        runs=(RunSection("Run 1 · Default", (("Network", "784-128(relu)-10"), ("Optimiser", "adam, lr 0.001")),
                         (("Test accuracy", percent(0.9712)),)),
              RunSection("Run 2 <b>bold</b> & co", (("Network", "784-10"),))),
        tables=(Table("Network vs baseline, per class", ("class", "network", "baseline"),
                      (("5", percent(0.95), percent(0.69)), ("1", percent(0.99), percent(0.96)))),),
        pictures=(Picture("Training curves", PNG, "loss and accuracy per epoch"),),
        confusion=np.array([[8, 2], [1, 9]]), class_names=("zero", "one"))
    fields.update(changes)
    return LessonReport(**fields)


def test_the_report_parses_back_and_names_every_run_table_and_picture():
    parsed = Parsed(report_html(lesson()))
    assert parsed.tags[0] == "html" and "style" in parsed.tags
    assert {"Run 1 · Default", "Run 2 <b>bold</b> & co"} <= set(parsed.headings)
    assert {"Network vs baseline, per class", "Confusion matrix", "Training curves", "The runs"} <= set(parsed.headings)
    assert "97.12 %" in parsed.text and "69.00 %" in parsed.text
    for count in ("8", "2", "1", "9"):
        assert count in parsed.text
    sources = [v for k, v in parsed.attributes if k == "src"]
    assert sources == ["data:image/png;base64," + base64.b64encode(PNG).decode()]


def test_text_users_typed_is_escaped_not_markup():
    text = report_html(lesson())
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt; &amp; co" in text
    assert Parsed(text).tags.count("b") == 0


def test_the_report_is_self_contained_no_url_no_script_no_link():
    text = report_html(lesson())
    assert not re.search(r"https?://", text)
    tags = set(Parsed(text).tags)
    assert not tags & {"script", "link", "iframe", "object", "embed"}
    for key, value in Parsed(text).attributes:
        if key in ("src", "href"):
            assert value.startswith("data:image/png;base64,")


def test_a_url_in_a_run_name_stays_text_not_a_link():
    text = report_html(lesson(runs=(RunSection("see https://example.org", ()),)))
    assert "href" not in text and "https://example.org" in Parsed(text).headings[-1]


def test_confusion_cells_are_shaded_by_their_share_of_the_row():
    text = report_html(lesson(confusion=np.array([[10, 0], [5, 5]]), class_names=("a", "b")))
    assert "transparent" in text  # the empty cell
    assert "rgba(0, 114, 178, 0.68)" in text  # a whole row right: full blue
    assert "rgba(213, 94, 0, 0.68)" in text   # half the row wrong: mistakes scaled up, capped


def test_the_file_is_written_whole_in_utf8(tmp_path):
    path = write_report(lesson(), tmp_path / "lesson.html")
    assert path.read_bytes().decode("utf-8") == report_html(lesson())
    with pytest.raises(OSError, match="cannot write"):
        write_report(lesson(), tmp_path / "no such folder" / "lesson.html")


def test_percent_of_missing_figures_is_a_dash():
    assert percent(None) == percent(float("nan")) == "–"
    assert percent(0.5) == "50.00 %"


def test_paired_bars_are_as_wide_as_their_figures():
    from engine.report import PairedBars

    bars = PairedBars("Network vs baseline", ("5", "1"), (0.95, 0.99), (0.686, float("nan")), "network", "baseline")
    text = report_html(lesson(bars=(bars,)))
    widths = re.findall(r'class="(first|second)" style="width: ([\d.]+)%"', text)
    assert widths == [("first", "95.0"), ("second", "68.6"), ("first", "99.0"), ("second", "0")]
    assert "68.60 %" in Parsed(text).text and "–" in Parsed(text).text


def test_runs_are_summarised_from_the_engines_settings_and_history():
    from engine.evaluation import compare_per_class
    from engine.network import NetworkSpec
    from engine.report import comparison_bars, run_section, runs_table
    from engine.training import EpochEnd, RunEnd, TrainConfig

    history = [EpochEnd(e, 2, 0.5 / e, 0.8 + 0.05 * e, 0.3, 0.85 + 0.05 * e, None, None, 1.5, 1000.0, 1e-3)
               for e in (1, 2)]
    end = RunEnd("completed", "", 2, 3.0, 1000.0, 0.25, 0.93, tuple(history))
    run = run_section("Run 1", NetworkSpec(), TrainConfig(epochs=2, lr=0.01), history, end, "MNIST")
    values = dict(run.settings) | dict(run.figures)
    assert values["Network"] == "784-128(relu)-10" and values["Learning rate"] == "0.01"
    assert values["Dataset"] == "MNIST" and values["Parameters"] == "101,770"
    assert values["Validation accuracy"] == "95.00 %" and values["Test accuracy"] == "93.00 %"
    assert values["Training time"] == "3.0 s" and values["Ended"] == "completed"
    table = runs_table([run, run_section("Run 2", NetworkSpec(hidden=()), TrainConfig(), [])])
    assert table.rows[0] == ("Run 1", "784-128(relu)-10", "2", "90.00 %", "95.00 %", "93.00 %", "3.0 s")
    assert table.rows[1][:3] == ("Run 2", "784-10", "0") and table.rows[1][3] == "–"
    comparison = compare_per_class(np.array([[9, 1], [0, 10]]), np.array([[5, 5], [1, 9]]))
    bars = comparison_bars(comparison, ("zero", "one"))
    assert bars.first == (0.9, 1.0) and bars.second == (0.5, 0.9)
    assert "most on zero (+40.0 points)" in bars.caption and "least on one (+10.0 points)" in bars.caption


def test_an_experiments_table_marks_its_best_run_and_says_diverged():
    from engine.report import ResultRow, experiment_table

    rows = [ResultRow("lr 0.001", 0.61, 2.04, 1.0, 50_000, 101_770),
            ResultRow("lr 0.1", 0.93, 1.96, 0.5, 25_000, 101_770),
            ResultRow("lr 10", 0.99, 0.5, 0.04, 2_000, 101_770, diverged=True)]
    table = experiment_table("rates", rows)
    assert table.title == "Experiment: rates" and table.best == 1  # a diverged run is never the best
    assert table.rows[0] == ("lr 0.001", "61.00 %", "2.0 s", "1", "50,000", "101,770")
    assert table.rows[1][3] == "0.50" and table.rows[2][1] == "diverged"
    text = report_html(lesson(tables=(table,)))
    assert text.count('<tr class="best">') == 1 and "in bold: lr 0.1." in text
    assert experiment_table("untested", [ResultRow("a", None, 0.0, 0.0, 0, 10)]).best is None
