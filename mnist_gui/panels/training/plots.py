"""The live loss and accuracy plots (pyqtgraph): one set of curves per run, created once, fed by setData.

The parts live beside it: each run's plot items (``curves.py``), the ranges the plots frame
(``ranges.py``), the hover read-out (``hover.py``) and the picture for slides (``export.py``).
Which runs repeat which is the engine's ``run_comparison``, kept by the runs model.
"""

from __future__ import annotations

import html
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.classes import describe_choice
from mnist_gui.glossary import tip
from mnist_gui.panels.training.curves import RunCurves, pen
from mnist_gui.panels.training.export import PlotsPicture
from mnist_gui.panels.training.hover import Hover
from mnist_gui.panels.training.ranges import (
    ACCURACY_TOP,
    RangeKeeper,
    accuracy_range,
    loss_range,
    nice_ceiling,
    run_extent,
)
from mnist_gui.panels.training.title_row import fit_title_row, title_row, title_width
from mnist_gui.state.runs import RunRecord, RunsModel, short_name
from mnist_gui.widgets.fitting_note import FittingNote
from mnist_gui.widgets.flow_layout import FlowLayout
from mnist_gui.widgets.moment_marker import MomentMarker
from mnist_gui.widgets.plot_style import decade_axes, follow_palette

LABEL_STYLE = {"font-size": "12pt"}
RIGHT_MARGIN = 12  # pixels between a plot's axes box and its right edge
#: The x axis choices: (what the combo says, the axis's label, RunRecord's axis name).
X_AXES = (("epochs", "epoch", "epochs"), ("seconds", "seconds of training", "seconds"),
          ("images seen", "images seen", "images"))
X_AXIS_TIP = ("What the x axis measures. Epochs: passes over the training set. Seconds: training time "
              "(no evaluation, no pauses), the fair way to compare runs at equal time. Images seen: "
              "how much data the network has learned from, whatever the batch size. On seconds and "
              "images the validation curves are measured about every second of training on 500 "
              "validation images, so a run that never finishes an epoch still shows. An experiment "
              "at equal time starts on seconds.")
TRAINING_LAGS = ("Training accuracy and loss are averaged over each epoch while the network is "
                 "still improving, so at epoch 1 training can look worse than validation, which "
                 "is measured at the end of the epoch.")


def legend_names(runs: list[RunRecord]) -> list[str]:
    """What the legend calls each run, short and never two alike: 'Run 3', a name given by hand,
    or for an experiment's run what it varied ('lr 0.1'); the whole name where two would read the
    same, and its number too where even whole names are alike."""
    names = [run.name.split(" · ", 1)[-1] if run.group else short_name(run) for run in runs]
    for better in ([run.name for run in runs], [f"{run.name} (#{run.number})" for run in runs]):
        seen = [n for n in names]
        names = [b if seen.count(n) > 1 else n for n, b in zip(seen, better)]
    return names


#: The baselines' line styles, one per class set shown, and how the legend draws each.
BASELINE_STYLES = (Qt.DotLine, Qt.DashLine, Qt.DashDotLine, Qt.DashDotDotLine)
BASELINE_SAMPLES = ("┅┅┅", "╺━╸╺━", "━·━·", "━··━")


def baseline_text(class_labels, accuracy: float) -> str:
    """What the legend says of a baseline line: 'mean-digit baseline 82.0 %' (every class),
    'baseline on 3, 7: 96.6 %' (a network of some classes)."""
    if not class_labels:
        return f"mean-digit baseline {100 * accuracy:.1f} %"
    return f"baseline on {describe_choice(class_labels)}: {100 * accuracy:.1f} %"


class RunLegend(QWidget):
    """Under both plots, the runs they show: a line in the run's colour and its name (short, never
    cut, never two alike: ``legend_names``; the whole name and settings in its tooltip), one entry
    per shown run, wrapping onto more rows; then the mean-digit baseline's dotted line.

    One legend for both plots (the line styles, train dashed and validation solid, are in each
    plot's own legend); the picture for slides draws it too.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("runLegend")
        self._layout = FlowLayout(self)
        self.setContentsMargins(8, 2, 8, 6)  # off the edges of an exported picture
        self.entries: list[QLabel] = []
        self.setToolTip("The runs on the plots, each in its colour: tick or untick them in the "
                        "runs list")

    def show_runs(self, runs: list[RunRecord], baselines, of_selected: bool = False) -> None:
        """``runs`` and the baselines' lines: (class labels, accuracy) pairs (``baseline_lines``),
        or one accuracy (every class), or None; ``of_selected``: the one line is the selected run's
        (the runs have too many sets of classes to draw each)."""
        for label in self.entries:
            self._layout.removeWidget(label)
            label.deleteLater()
        self.entries = []
        for run, name in zip(runs, legend_names(runs)):
            self._add(f"<span style='color:{run.colour}; font-weight:bold'>━━━</span>&nbsp;"
                      f"{html.escape(name)}", f"{run.name}: {run.settings_text()}")
        if baselines is not None and not isinstance(baselines, (list, tuple)):
            baselines = [((), baselines)]
        for (labels, accuracy), sample in zip(baselines or [], BASELINE_SAMPLES):
            self._add(f"<span style='color:#888888'>{sample}</span>&nbsp;"
                      f"{html.escape(baseline_text(labels, accuracy))}"
                      + (" (the selected run's classes)" if of_selected else ""),
                      "Test accuracy of the mean-digit classifier: each image goes to the class whose "
                      "mean digit is closest" + (f" (of the classes {describe_choice(labels)} only, "
                                                 "scored on their test images)" if labels else ""))
        self.setVisible(bool(self.entries))
        self.updateGeometry()

    def _add(self, text: str, tooltip: str) -> None:
        label = QLabel(text, self)
        label.setTextFormat(Qt.RichText)
        label.setToolTip(tooltip)
        self._layout.addWidget(label)
        self.entries.append(label)

    def texts(self) -> list[str]:
        """The entries as plain text: 'Run 1', 'lr 0.1', 'mean-digit baseline 84.2 %'."""
        return [label.text().split("&nbsp;", 1)[1].replace("&amp;", "&").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&quot;", '"').replace("&#x27;", "'")
                for label in self.entries]


class TrainingPlots(QWidget):
    """``lossPlot`` and ``accuracyPlot`` side by side, with a log-scale toggle, a choice of what
    the epoch axis frames (every shown run, or the selected one) and hover read-outs."""

    def __init__(self, runs: RunsModel, parent=None):
        super().__init__(parent)
        self._curves: dict[int, RunCurves] = {}
        self._runs: dict[int, RunRecord] = {}
        self._selected: RunRecord | None = None
        # While another panel is on screen the plots are not redrawn: the runs whose curves are out
        # of date wait here, and the plots are brought up to date when shown (``catch_up``).
        self._out_of_date: dict[int, RunRecord] = {}
        self._behind = False  # a change was put off while hidden
        self.loss_plot = self._make_plot("lossPlot", "Loss", "loss")
        self.accuracy_plot = self._make_plot("accuracyPlot", "Accuracy", "accuracy (%)")
        self.accuracy_plot.getPlotItem().setLimits(yMin=0, yMax=ACCURACY_TOP)
        self._baseline_value: float | None = None  # on every class
        self._baseline_of = None  # spec -> the baseline's accuracy on its classes (set_baseline_lookup)
        self._baseline_cache: dict[tuple[int, ...], float | None] = {}
        self._baseline_lines: list[tuple[tuple[int, ...], float]] = []
        self._ranges = (RangeKeeper(self.loss_plot, self.fit),
                        RangeKeeper(self.accuracy_plot, self.fit))
        # the baseline is named in the legend, not by a label on the line (it covered curves)
        # one dotted line per class set of the shown runs (``baseline_lines``); the first is ``baseline``
        self.baselines: list[pg.InfiniteLine] = []
        for style in BASELINE_STYLES:
            line = pg.InfiniteLine(angle=0, movable=False, pen=pen("#888888", 2, style))
            line.setVisible(False)
            self.accuracy_plot.addItem(line, ignoreBounds=True)
            self.baselines.append(line)
        self.baseline = self.baselines[0]
        self._legend_key = None
        self.moment = MomentMarker(self.loss_plot.getPlotItem(), self.accuracy_plot.getPlotItem())
        self._moment: tuple = (None, None)  # (RunRecord, engine.replay.Snapshot) replayed
        self.log_scale = QCheckBox("Log scale", objectName="logScale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis: late, small improvements "
                                  "become visible")
        self.log_scale.toggled.connect(self.set_log_scale)
        self.frame_selected = QCheckBox("Frame selected run", objectName="frameSelected")
        self.frame_selected.setToolTip(
            "Fit the epoch axis to the run selected in the runs table instead of the longest shown "
            "run: compare a 10-epoch run with the first 10 epochs of a 100-epoch run. Hiding the "
            "long run (untick it in the table) frames the others too.")
        self.frame_selected.toggled.connect(self._refit)
        self.x_axis = QComboBox(objectName="xAxis")
        for text, _label, axis in X_AXES:
            self.x_axis.addItem(text, axis)
        self.x_axis.setToolTip(X_AXIS_TIP)
        self.x_axis.currentIndexChanged.connect(self._on_x_axis_changed)
        self._auto_axis = "epochs"  # the axis last chosen for the user (a choice of theirs is kept)
        self._legends()
        self.run_legend = RunLegend()
        self._hover = [Hover(self, self.loss_plot, "loss"),
                       Hover(self, self.accuracy_plot, "accuracy")]
        self.picture = PlotsPicture(self, (self.loss_plot, self.accuracy_plot), self._hover,
                                    self.run_legend)
        self._layout()
        self.apply_palette()
        self._model = runs
        runs.run_added.connect(self._on_run_added)
        runs.runs_added.connect(self._on_runs_added)
        runs.run_changed.connect(self._on_run_changed)
        runs.batches_added.connect(self._on_batches_added)
        runs.run_removed.connect(self._on_run_removed)
        runs.runs_removed.connect(self._on_runs_removed)
        self._on_runs_added(runs.runs())

    def _make_plot(self, name: str, title: str, y_label: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(axisItems=decade_axes("left"))  # the loss may go logarithmic
        plot.setObjectName(name)
        item = plot.getPlotItem()
        item.setTitle(title, size="13pt")
        item.setLabel("bottom", "epoch", **LABEL_STYLE)
        item.setLabel("left", y_label, **LABEL_STYLE)
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setMenuEnabled(True)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        # room right of the axes box, so the box, its grid and the last epoch's label are not on
        # the very edge of the plot (nor of an exported picture)
        item.layout.setContentsMargins(1, 1, RIGHT_MARGIN, 1)
        font = QFont()
        font.setPointSize(11)
        for side in ("left", "bottom"):
            item.getAxis(side).setTickFont(font)
            item.getAxis(side).enableAutoSIPrefix(False)
        plot.setToolTip(f"{title} as the network learns. Hover to read values; drag to pan, wheel "
                        "to zoom, right-click for more (A: fit everything)")
        plot.setMinimumHeight(180)
        item.getAxis("bottom").setToolTip(tip("epoch"))
        item.getAxis("left").setToolTip(tip("loss") if y_label == "loss" else
                                        "Share of the images classified correctly. " + tip("validation"))
        return plot

    def _legends(self):
        """Beside each plot's title, outside the curves (inside, they covered the start of the
        curves on a 1280x720 screen; under the axis they took a row from the curves, which had
        42 pixels at 1280x720 in presentation mode); ``_fit_legends`` gives them as many columns
        as fit."""
        grey = "#888888"
        for plot, entries in (
                (self.loss_plot, (("batches", pen(grey, 2), None, "Every batch's loss, smoothed"),
                                  ("train", pen(grey, 2, Qt.DashLine), "o",
                                   "Training loss, averaged over each epoch. " + TRAINING_LAGS),
                                  ("val.", pen(grey, 3), "s",
                                   "Validation loss at the end of each epoch"))),
                (self.accuracy_plot, (("train", pen(grey, 2, Qt.DashLine), "o",
                                       "Training accuracy. " + TRAINING_LAGS),
                                      ("val.", pen(grey, 3), "s",
                                       "Validation accuracy at the end of each epoch"),
                                      ("test", None, "star",
                                       "Test accuracy when the run ends")))):
            item = plot.getPlotItem()
            legend = pg.LegendItem(labelTextSize="10pt", colCount=len(entries), frame=False)
            legend.layout.setContentsMargins(4, 0, 0, 0)
            title_row(item, legend)
            item.legend = legend  # where zoom finds it
            for text, line, symbol, tooltip in entries:
                sample = pg.PlotDataItem([], [], pen=line, symbol=symbol, symbolBrush=grey,
                                         symbolPen=grey)
                legend.addItem(sample, text)
                legend.items[-1][1].setToolTip(tooltip)
                legend.items[-1][0].setToolTip(tooltip)
            plot.legend = legend

    def _update_legends(self):
        """The run legend: one entry per shown run, its name whole in its colour, and the
        mean-digit baseline of each class set shown; remade only when they change."""
        runs = self.visible_runs()
        lines = self._show_baselines()
        of_selected = len(self._baseline_sets()) > len(BASELINE_STYLES)
        key = (tuple((r.number, r.name, r.colour) for r in runs), tuple(lines), of_selected)
        if key != self._legend_key:
            self._legend_key = key
            self.run_legend.show_runs(runs, lines, of_selected)

    def baseline_lines(self) -> list[tuple[tuple[int, ...], float]]:
        """The baselines drawn: (class labels, test accuracy) for each set of classes the shown runs
        are trained on, in the order of the runs (() for every class); every class's alone when no
        run is shown. More sets than ``BASELINE_STYLES`` would be a tangle of lines: then only the
        selected run's (or the first shown run's). A set whose baseline is not known (not fitted
        yet, other images) has no line."""
        sets = self._baseline_sets()
        if len(sets) > len(BASELINE_STYLES):
            selected = self._selected
            chosen = selected if selected is not None and selected.visible and selected.number in self._runs \
                else self.visible_runs()[0]
            sets = [tuple(chosen.spec.class_labels)]
        lines = []
        for labels in sets:
            accuracy = self._baseline_value if not labels else self._baseline_on(labels)
            if accuracy is not None:
                lines.append((labels, accuracy))
        return lines

    def _baseline_sets(self) -> list[tuple[int, ...]]:
        """The sets of classes of the shown runs, in their order ([()] when none is shown)."""
        return list(dict.fromkeys(tuple(run.spec.class_labels) for run in self.visible_runs())) or [()]

    def _baseline_on(self, labels: tuple[int, ...]) -> float | None:
        if labels not in self._baseline_cache:
            run = next(r for r in self.visible_runs() if tuple(r.spec.class_labels) == labels)
            self._baseline_cache[labels] = None if self._baseline_of is None else self._baseline_of(run.spec)
        return self._baseline_cache[labels]

    def _show_baselines(self) -> list[tuple[tuple[int, ...], float]]:
        lines = self.baseline_lines()
        self._baseline_lines = lines
        for i, line in enumerate(self.baselines):
            line.setVisible(i < len(lines))
            if i < len(lines):
                line.setValue(100 * lines[i][1])
        return lines

    def _fit_legends(self):
        """As many legend columns as the plot's width holds: one row when it can."""
        for plot in (self.loss_plot, self.accuracy_plot):
            legend = plot.legend
            # entries fill the legend's grid row by row: a column is as wide as its widest entry
            # (sample, spacing, text). The legend's own width is its layout cell's, no measure.
            widths = [30 + label.item.boundingRect().width() for _, label in legend.items]
            # beside the title: less its width, the legend's left margin (4) and the plot's
            # margins (1 + RIGHT_MARGIN), plus the last spacing (5)
            room = plot.width() - title_width(plot.getPlotItem()) - (4 + 1 + RIGHT_MARGIN - 5)
            columns = next((c for c in range(len(widths), 0, -1)
                            if sum(max(widths[j::c]) for j in range(c)) <= room), 1)
            if columns != legend.columnCount:
                legend.setColumnCount(columns)
            fit_title_row(plot.getPlotItem(), legend)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_legends()

    def sizeHint(self) -> QSize:
        """Modest, so the runs list below gets its rows by default (the splitter gives more)."""
        return QSize(640, 300)

    def _layout(self):
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot, 1)
        plots.addWidget(self.accuracy_plot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)  # the axis label and the legend have their own margins
        layout.addLayout(plots, 1)
        layout.addWidget(self.run_legend)
        # short: beside the row's three controls it wraps, and each line is taken from the plots
        self.caption = FittingNote("Training is an epoch's average: at epoch 1 it can trail validation.",
                                   "Training, an epoch's average, can trail at epoch 1",
                                   objectName="trainingCaption")
        self.caption.setToolTip(TRAINING_LAGS)
        row = QHBoxLayout()
        row.addWidget(self.x_axis)
        row.addWidget(self.log_scale)
        row.addWidget(self.frame_selected)
        row.addWidget(self.caption, 1)
        layout.addLayout(row)

    # --- colours ----------------------------------------------------------------------------

    def apply_palette(self):
        """Plot background and text from the widget palette (light or dark)."""
        for plot in (self.loss_plot, self.accuracy_plot):
            follow_palette(plot, self.palette())
        self.moment.set_colour(self.palette().text().color(), self.palette().base().color())

    def changeEvent(self, event):
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()
        elif event.type() == event.Type.FontChange:  # zoom: the legends' text grows after this
            QTimer.singleShot(0, self, self._fit_legends)
        super().changeEvent(event)

    # --- runs -------------------------------------------------------------------------------

    def _on_run_added(self, run: RunRecord):
        """A new run: on seconds if it trains for a time (an experiment at equal time), else on
        epochs, unless the user chose the axis since it was last chosen for them."""
        if run.status.active and self.axis == self._auto_axis:
            self._auto_axis = "seconds" if run.time_limit is not None else "epochs"
            self.set_x_axis(self._auto_axis)
        self._on_runs_added([run])

    @property
    def axis(self) -> str:
        """What x measures: "epochs", "seconds" (of training) or "images" (seen)."""
        return self.x_axis.currentData()

    def set_x_axis(self, axis: str) -> None:
        self.x_axis.setCurrentIndex(self.x_axis.findData(axis))

    def _on_x_axis_changed(self, _index: int) -> None:
        axis = self.axis
        label = next(label for _text, label, a in X_AXES if a == axis)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.getPlotItem().setLabel("bottom", label, **LABEL_STYLE)
            plot.getPlotItem().getAxis("bottom").setToolTip(tip("epoch") if axis == "epochs" else X_AXIS_TIP)
        self.hide_hover()
        for number, curves in self._curves.items():
            curves.set_axis(self._runs[number], axis)
        self._place_moment()
        self._refit()

    def _on_runs_added(self, runs: list[RunRecord]):
        """Take the runs in; a shown run's curves are made now, a hidden run's when first shown
        (making them is most of the cost of opening a session). Repeats and ranges: once."""
        if not runs:
            return
        self.hide_hover()
        for run in runs:
            self._runs[run.number] = run
        if self._put_off(runs):
            return
        for run in runs:
            self._update_curves(run)
        self._mark_repeats()
        self._update_legends()
        self.fit()

    def _update_curves(self, run: RunRecord):
        """Bring the run's curves up to date; made the first time the run is shown, and then kept
        until it is removed."""
        curves = self._curves.get(run.number)
        if curves is None:
            if not run.visible:
                return
            curves = self._curves[run.number] = RunCurves(run, self.loss_plot.getPlotItem(),
                                                           self.accuracy_plot.getPlotItem())
        curves.set_colour(run.colour)
        curves.set_axis(run, self.axis)
        curves.update_batches(run)
        curves.update_epochs(run)
        curves.set_visible(run.visible)

    def _on_batches_added(self, run: RunRecord):
        if self._put_off([run]):
            return
        curves = self._curves.get(run.number)
        if curves is not None:
            curves.update_batches(run)
        self.fit()

    def hide_hover(self) -> None:
        for hover in self._hover:
            hover.hide()

    def _on_run_changed(self, run: RunRecord):
        self.hide_hover()  # its names and values may be out of date now
        self._place_moment()  # two lines moved: cheap, even for plots not on screen
        if self._put_off([run] if run.number in self._runs else []):
            return
        if run.number in self._runs:
            self._update_curves(run)
        self._mark_repeats()
        self._update_legends()
        self.fit()

    def _on_run_removed(self, run: RunRecord):
        self._on_runs_removed([run])

    def _on_runs_removed(self, runs: list[RunRecord]):
        for run in runs:
            curves = self._curves.pop(run.number, None)
            self._out_of_date.pop(run.number, None)
            if self._runs.get(run.number) is run:
                del self._runs[run.number]
            if run is self._selected:
                self._selected = None
            if curves is not None:
                curves.remove(self.loss_plot.getPlotItem(), self.accuracy_plot.getPlotItem())
        self._place_moment()
        if self._put_off([]):
            return
        self._mark_repeats()
        self._update_legends()
        self.fit()

    # --- put off while another panel is on screen ---------------------------------------------

    def _put_off(self, runs) -> bool:
        """True (and ``runs`` noted as out of date) while the window is on screen and these plots
        are not (another panel is): making curves, feeding them and framing the plots would cost
        the GUI thread for a picture nobody sees; ``showEvent`` catches up. A window not shown (a
        test, an export before any showing) is updated at once."""
        if self.isVisible() or not self.window().isVisible():
            return False
        for run in runs:
            self._out_of_date[run.number] = run
        self._behind = True
        return True

    def is_behind(self) -> bool:
        """True while changes put off while hidden wait for the plots to be shown."""
        return self._behind

    def catch_up(self) -> None:
        """Bring the curves, legends and ranges up to date with what was put off while hidden."""
        if not self._behind:
            return
        runs, self._out_of_date, self._behind = list(self._out_of_date.values()), {}, False
        for run in runs:
            if self._runs.get(run.number) is run:
                self._update_curves(run)
        self._mark_repeats()
        self._update_legends()
        self.fit()

    def showEvent(self, event):
        self.catch_up()  # before the first paint, so the plots never show what was
        super().showEvent(event)

    def _mark_repeats(self):
        """Draw a shown run whose curves are those of an earlier shown run as a repeat (dashed)."""
        repeats = self._model.repeats(visible_only=True)
        for number, curves in self._curves.items():
            curves.set_repeat(self._runs[number].visible and number in repeats)

    def set_selected_run(self, run: RunRecord | None) -> None:
        """The run selected in the runs table: what "Frame selected run" frames."""
        self._selected = run
        if len(self._baseline_sets()) > len(BASELINE_STYLES):  # the selected run's baseline is drawn
            self._update_legends()
            self.fit()
        elif self.frame_selected.isChecked():
            self._refit()

    def show_moment(self, run: RunRecord | None, snapshot) -> None:
        """Mark the replayed moment of ``run`` (an ``engine.replay.Snapshot``; None: its end, no marker)."""
        self._moment = (run, snapshot)
        self._place_moment()

    def _place_moment(self) -> None:
        """The marker at the snapshot's epoch, as the x axis measures it; hidden if its run is not shown."""
        run, snapshot = self._moment
        if snapshot is None or run is None or self._runs.get(run.number) is not run or not run.visible:
            self.moment.hide()
            return
        self.moment.show(float(run.along([snapshot.epoch], self.axis)[0]), f"step {snapshot.step:,}")

    def _refit(self):
        """Frame again, even after a pan or zoom by hand (the user asked for a framing)."""
        for keeper in self._ranges:
            keeper.reset()
        self.fit()

    def framed_runs(self) -> list[RunRecord]:
        """The runs the epoch axis spans: the selected run if asked and shown, else every shown run."""
        selected = self._selected
        if self.frame_selected.isChecked() and selected is not None and selected.visible \
                and selected.number in self._runs:
            return [selected]
        return self.visible_runs()

    def fit(self):
        """Frame the visible runs: x over the length of the framed runs (a running run's planned
        epochs), y over the values of every shown run."""
        runs, axis = self.visible_runs(), self.axis
        x_high = max((run_extent(run, axis) for run in self.framed_runs()), default=1.0)
        if axis == "epochs":
            x_high = max(1.0, x_high)
            x_range = (0.0, x_high + max(0.4, 0.06 * x_high))  # room for the last marker and test star
        else:
            x_high = nice_ceiling(x_high) if x_high > 0 else 1.0
            x_range = (0.0, 1.06 * x_high)
        loss, accuracy = self._ranges
        loss.apply(x_range, loss_range(runs, self.log_scale.isChecked(), axis))
        low = min((a for _, a in self._baseline_lines), default=None)
        accuracy.apply(x_range, accuracy_range(runs, low, axis))

    def curves(self, run: RunRecord) -> RunCurves | None:
        """The run's plot items, None for a run never shown yet (its curves are made when it is)."""
        self.catch_up()
        return self._curves.get(run.number)

    def visible_runs(self) -> list[RunRecord]:
        return [run for run in self._runs.values() if run.visible]

    def set_baseline(self, accuracy: float | None, lookup=None):
        """The mean-digit classifier's test accuracy on every class (None: not known), drawn as a
        horizontal line while the shown runs are of every class; ``lookup`` (a NetworkSpec -> its
        accuracy on the spec's classes, or None: ``engine.experiments.baseline_accuracies``) gives
        the line of a run trained on some classes."""
        self._baseline_value = accuracy
        self._baseline_of = lookup
        self._baseline_cache = {}
        self._update_legends()
        self.fit()

    def set_log_scale(self, on: bool):
        self.log_scale.setChecked(on)
        self.loss_plot.getPlotItem().setLogMode(y=on)
        self._ranges[0].resume()

    # --- export (export.py) -------------------------------------------------------------------

    def plots_rect(self) -> QRect:
        """Where the two plots are drawn in this widget: what an exported picture shows."""
        return self.picture.rect()

    def export_scale(self) -> float:
        """Pixels per screen pixel of an exported picture: 2, or more for a 1920-pixel-wide slide."""
        return self.picture.scale()

    def render_image(self, scale: float | None = None) -> QImage:
        """The two plots alone, ``scale`` (default ``export_scale()``) times their size on screen."""
        self.catch_up()
        return self.picture.render(scale)

    def export_png(self, path, scale: float | None = None) -> Path:
        """The plots alone as a PNG image at slide resolution, written whole or not at all."""
        self.catch_up()
        return self.picture.png(path, scale)
