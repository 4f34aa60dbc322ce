"""The runs of this session side by side: show, hide, rename and compare them, and export their curves."""

from __future__ import annotations

import html
from functools import partial

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.run_comparison import same_settings
from mnist_gui.glossary import tip
from mnist_gui.state.runs import RunRecord, RunsModel, short_name
from mnist_gui.widgets.flow_layout import FlowLayout

COLUMNS = ("Show", "Name", "Status", "Epochs", "Train loss", "Val. accuracy", "Test accuracy",
           "Time", "Samples/s", "Network", "Training", "Replay")
COLUMN_TIPS = (
    "Tick to overlay this run on the plots, in the colour of its swatch",
    "Double-click to rename",
    "How the run ended (or that it is still going); 'repeats Run 1': the same run as Run 1 again",
    "Epochs trained of those asked for; a run at equal time: the epochs it got through in its time",
    "Training loss of the last epoch. " + tip("loss"),
    "Validation accuracy of the last epoch. " + tip("validation"),
    "Test accuracy at the end of the run: images never used for training or choosing",
    "Training time (evaluation and pauses excluded)",
    "Training speed",
    "Layers from input to output",
    "Optimiser, learning rate, schedule, batch size",
    "The memory the run's replay takes (its network kept at log-spaced steps); the header: all runs' "
    "together, of the session's budget (older runs are thinned to keep within it)",
)
# one line each, the whole names in the tooltips: on two lines the header took a row's height
# from the table zoomed at 1280x720
SHORT_HEADERS = {"Val. accuracy": "Val. acc.", "Test accuracy": "Test acc."}
HEADERS = tuple(SHORT_HEADERS.get(c, c) for c in COLUMNS)  # one per column, whatever columns come
ROWS_SHOWN = 4  # rows the table is sized for by default
REPLAY_COLUMN = 11
OPTIONAL_COLUMNS = (10, 9, 8, 7, REPLAY_COLUMN)  # hidden in this order when the table is too narrow
NUMBER_COLUMNS = (*range(3, 9), REPLAY_COLUMN)
NAME_COLUMN = 1
EPOCHS_COLUMN = 3
NAME_CHARACTERS = 12  # the name column keeps room for this many before optional columns go
SETTINGS_COLUMNS = (9, 10)
STATUS_TEXT = {"starting": "starting…", "running": "running", "stepping": "one epoch…",
               "paused": "paused", "stopping": "stopping…",
               "completed": "completed", "stopped": "stopped", "diverged": "diverged!",
               "failed": "failed"}


PNG_TIP = ("Save the loss and accuracy plots as they are shown, without the buttons or the hover "
           "read-out, as a sharp PNG image for slides (at least 1920 pixels wide)")
PNG_NOTHING_TIP = ("Nothing to save yet: the plots show no run. Train a run, or tick one in the "
                   "Show column, and its curves can be saved as a picture.")


def status_text(run: RunRecord) -> str:
    """'running', 'completed', 'diverged!', and 'diverging!' for a run whose loss blew up
    (a run that ended at chance after its loss blew up: 'diverged!')."""
    if run.diverging:
        return "diverging!" if run.status.active else STATUS_TEXT["diverged"]
    return STATUS_TEXT.get(run.status, str(run.status))


def _percent(value) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def row_texts(run: RunRecord) -> list[str]:
    """The table's text for ``run``, column by column (the Show column has none)."""
    last, c = run.last_epoch, run.config
    batches = "full batch" if c.batch_size is None else f"batch {c.batch_size}"
    rate = run.samples_per_second
    return [
        "", run.name, status_text(run),
        epochs_text(run),
        "—" if last is None else f"{last.train_loss:.4f}",
        _percent(None if last is None else last.val_accuracy),
        _percent(run.test_accuracy),
        f"{run.train_seconds:.1f} s" if run.epochs or run.points or run.end is not None else "—",
        "—" if rate is None else f"{rate:,.0f}",
        run.spec.describe(),
        f"{c.optimiser} lr {c.lr:g} ({c.schedule}), {batches}",
        replay_text(run),
    ]


def mib(n: int) -> str:
    """Bytes as the runs list says them: '9.8 MiB' ('0.3 MiB' for a small network's)."""
    return f"{n / 2**20:.1f} MiB"


def replay_text(run: RunRecord) -> str:
    """'9.8 MiB' of replay; 'none' for an ended run without any; '—' while it trains."""
    if run.status.active:
        return "—"
    return mib(run.replay_bytes) if run.snapshots else "none"


def replay_tip(run: RunRecord, total: int, budget: int) -> str:
    """What the run's replay holds and why it is as it is, and the session's total."""
    if run.snapshots:
        first, last = run.snapshots[0], run.snapshots[-1]
        said = (f"Replay: {len(run.snapshots)} snapshots, steps {first.step:,} to {last.step:,}, "
                f"{mib(run.replay_bytes)}.")
    elif run.status.active:
        said = "Replay: kept as the run trains, ready when it ends."
    else:
        said = ""
    note = " ".join(t for t in (said, run.replay_note) if t) or "No replay."
    return f"{note}\nAll runs' replay: {mib(total)} of the {mib(budget)} the session keeps."


def epochs_text(run: RunRecord) -> str:
    """'3 / 10' epochs of those asked for; a run trained for a time: '0.07 in 10 s' (the part of an
    epoch it got through: '0 / 1000' said nothing of what it did)."""
    if not run.timed:
        return f"{len(run.epochs)} / {run.config.epochs}"
    seconds = run.time_limit if run.time_limit is not None else run.train_seconds
    return f"{_fraction(run.epochs_trained)} in {seconds:.3g} s"


def epochs_tip(run: RunRecord) -> str:
    """What the run did: '12.3 s of training, 4,200 images seen (0.08 epochs); its limit: 10 s'."""
    limit = "" if run.time_limit is None else f"; its limit: {run.time_limit:g} s"
    return (f"{run.train_seconds:.1f} s of training, {run.images_seen:,} images seen "
            f"({_fraction(run.epochs_trained)} epochs of {run.config.epochs:,} asked for){limit}")


def _fraction(epochs: float) -> str:
    """'3' for whole epochs, '0.07' for a part of one."""
    return f"{epochs:.0f}" if float(epochs).is_integer() else f"{epochs:.2f}"


class RunsList(QWidget):
    """A table with one row per run and buttons to use, show, hide, remove and export runs.

    Rows are selected with Shift and Ctrl as in a file list: Show, Hide and Remove act on every
    selected run. Selecting a row only selects it: "Use its network" (or a double-click outside
    the name) makes the run's network the model of the other panels, ``use_network_requested``.
    """

    visibility_changed = Signal(object)   # RunRecord
    renamed = Signal(object)              # RunRecord
    use_settings_requested = Signal(object)
    use_network_requested = Signal(object)  # RunRecord: the user asked for its network
    remove_requested = Signal(object)
    export_csv_requested = Signal()
    export_png_requested = Signal()
    run_selected = Signal(object)         # RunRecord: the user picked this row
    landscape_requested = Signal(object)  # [RunRecord]: one or two ended runs with a network

    def __init__(self, runs: RunsModel, parent=None):
        super().__init__(parent)
        self._model = runs
        self._runs: list[RunRecord] = []  # the rows, in order
        self._updating = False
        self._collapsed: set[str] = set()  # experiments whose rows are folded away
        self._groups_key = None
        self._widths: dict[int, int] = {}  # each column's width, as last measured (_fit_columns)
        self.groups = QWidget(objectName="runGroups")  # one fold button per experiment
        self._groups_layout = FlowLayout(self.groups)
        self.group_buttons: dict[str, QToolButton] = {}
        self.groups.hide()
        self.table = QTableWidget(0, len(COLUMNS), objectName="runsList")
        self.table.setToolTip("Every run of this session. Tick runs to compare them on the plots; "
                              "double-click a name to rename it.")
        self.table.setHorizontalHeaderLabels(HEADERS)
        for i, text in enumerate(COLUMN_TIPS):
            self.table.horizontalHeaderItem(i).setToolTip(text)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.table.verticalHeader().hide()
        self._size_columns()
        self.table.viewport().installEventFilter(self)
        self._fit_least_height()
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemDoubleClicked.connect(self._on_double_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self._build_buttons()
        runs.run_added.connect(self._on_run_added)
        runs.runs_added.connect(self._on_runs_added)
        runs.run_changed.connect(self._on_run_changed)
        runs.batches_added.connect(self._on_batches_added)
        runs.run_removed.connect(self._on_run_removed)
        runs.runs_removed.connect(self._on_runs_removed)
        self._on_runs_added(runs.runs())
        self._show_replay()

    def _build_buttons(self):
        self.network_button = QPushButton("Use its network", objectName="useRunNetwork")
        self.network_button.setToolTip("Make the selected run's network the model that Draw, "
                                       "Evaluate and Inside use (double-clicking its row does too); "
                                       "the status bar says which run it is")
        self.network_button.clicked.connect(self._on_network_clicked)
        self.use_button = QPushButton("Use its settings", objectName="useRunSettings")
        self.use_button.setToolTip("Copy the selected run's network and training settings into "
                                   "the builder, to change one thing and run again")
        self.use_button.clicked.connect(self._on_use_clicked)
        self.remove_button = QPushButton("Remove", objectName="removeRun")
        self.remove_button.setToolTip("Forget the selected runs (not one that is training); "
                                      "Shift- or Ctrl-click rows to select several")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.show_action = self._action("Show selected", "showRuns", "Draw the selected runs "
                                        "on the plots (Shift- or Ctrl-click rows to select several)",
                                        self._on_show_selected)
        self.hide_action = self._action("Hide selected", "hideRuns", "Take the selected runs off "
                                        "the plots; they stay in the list",
                                        self._on_hide_selected)
        self.experiment_action = self._action("Show only this experiment", "showExperiment",
                                              "Draw only the runs of the selected run's experiment "
                                              "(a run of its own: only that run)",
                                              self._on_experiment_clicked)
        self.show_all_action = self._action("Show all", "showAllRuns", "Draw every run on the plots",
                                            self._on_show_all)
        self.clear_action = self._action("Clear plots", "clearPlots", "Take every run off the plots; "
                                         "the runs stay in the list and in the session (tick them "
                                         "to show them again)", self._on_clear_plots)
        self.landscape_action = self._action(
            "Loss landscape of selected…", "landscapeRuns", "The loss around the selected run's "
            "network on a slice through its weights, with the path training took; select two runs "
            "to compare their minima side by side", self._on_landscape_clicked)
        self.plots_button = QPushButton("Plots", objectName="plotsMenu")
        self.plots_button.setToolTip("Which runs the plots show: the selected ones, one experiment's, "
                                     "all or none (right-click the table for the same)")
        menu = QMenu(self.plots_button)
        menu.addActions([self.show_action, self.hide_action, self.experiment_action])
        menu.addSeparator()
        menu.addActions([self.show_all_action, self.clear_action])
        menu.addSeparator()
        menu.addAction(self.landscape_action)
        self.plots_button.setMenu(menu)
        self.table.setContextMenuPolicy(Qt.ActionsContextMenu)
        self.table.addActions([self.show_action, self.hide_action, self.experiment_action,
                               self.show_all_action, self.clear_action, self.landscape_action])
        self.csv_button = QPushButton("Export CSV…", objectName="exportCsv")
        self.csv_button.setToolTip("Write every curve of every run to a CSV file "
                                   "(run, series, epoch, value)")
        self.csv_button.clicked.connect(self.export_csv_requested)
        self.png_button = QPushButton("Save PNG…", objectName="exportPng")
        self.png_button.setToolTip(PNG_TIP)
        self.png_button.clicked.connect(self.export_png_requested)
        buttons = FlowLayout()
        for button in (self.network_button, self.use_button, self.remove_button, self.plots_button,
                       self.csv_button, self.png_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.groups)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def _action(self, text: str, name: str, tooltip: str, slot) -> QAction:
        action = QAction(text, self, objectName=name, toolTip=tooltip, statusTip=tooltip)
        action.triggered.connect(slot)
        return action

    def _on_show_selected(self):
        self._show_only(self.selected_runs(), keep=True)

    def _on_hide_selected(self):
        self._set_shown(self.selected_runs(), False)

    def _on_show_all(self):
        self._set_shown(self._runs, True)

    def _on_clear_plots(self):
        self._set_shown(self._runs, False)

    def _on_use_clicked(self):
        self._emit_for_selected(self.use_settings_requested)

    def _on_network_clicked(self):
        self._emit_for_selected(self.use_network_requested)

    def _on_double_clicked(self, item: QTableWidgetItem):
        if item.column() not in (0, NAME_COLUMN):  # the name is renamed, the box ticked
            self.use_network_requested.emit(self._runs[item.row()])

    def _on_remove_clicked(self):
        for run in self.selected_runs():
            self.remove_requested.emit(run)

    def _on_landscape_clicked(self):
        runs = self._landscape_runs()
        if runs:
            self.landscape_requested.emit(runs)

    def _landscape_runs(self) -> list[RunRecord]:
        """The selected ended runs that have a network, if there are one or two of them."""
        runs = [r for r in self.selected_runs() if r.network is not None and not r.status.active]
        return runs if 1 <= len(runs) <= 2 else []

    def _on_experiment_clicked(self):
        run = self.selected_run()
        if run is not None:
            self._show_only([r for r in self._runs if r is run or (run.group and r.group == run.group)])

    # --- experiments: the runs they made, folded or not --------------------------------------

    def _update_groups(self):
        """A fold button per experiment of the session, in order ('▾ learning rate (4 runs)'):
        clicking it hides or shows that experiment's rows. Remade only when the groups change."""
        counts: dict[str, int] = {}
        for run in self._runs:
            if run.group:
                counts[run.group] = counts.get(run.group, 0) + 1
        key = tuple(counts.items())
        if key == self._groups_key:
            return
        self._groups_key = key
        for button in self.group_buttons.values():
            self._groups_layout.removeWidget(button)
            button.deleteLater()
        self.group_buttons = {}
        self._collapsed &= set(counts)
        for name, n in counts.items():
            button = QToolButton(self.groups, objectName="runGroup", checkable=True,
                                 autoRaise=True)
            button.setChecked(name not in self._collapsed)
            button.setToolTip(f"The {n} runs of the experiment '{name}': click to fold them out "
                              "of the table or back (their curves stay as they are)")
            button.toggled.connect(partial(self._on_group_toggled, name))
            self._groups_layout.addWidget(button)
            self.group_buttons[name] = button
            self._label_group(name)
        self.groups.setVisible(bool(counts))
        self._fold_rows()

    def _on_group_toggled(self, name: str, expanded: bool):
        self.set_collapsed(name, not expanded)

    def _label_group(self, name: str):
        n = self._groups_key and dict(self._groups_key).get(name, 0)
        arrow = "▸" if name in self._collapsed else "▾"
        self.group_buttons[name].setText(f"{arrow} {name} ({n} run{'s' * (n != 1)})")

    def set_collapsed(self, group: str, collapsed: bool) -> None:
        """Fold ``group``'s rows out of the table (or back), as its button does."""
        (self._collapsed.add if collapsed else self._collapsed.discard)(group)
        button = self.group_buttons.get(group)
        if button is not None:
            button.blockSignals(True)
            button.setChecked(not collapsed)
            button.blockSignals(False)
            self._label_group(group)
        self._fold_rows()

    def _fold_rows(self):
        for row, run in enumerate(self._runs):
            hidden = bool(run.group) and run.group in self._collapsed
            if self.table.isRowHidden(row) != hidden:
                self.table.setRowHidden(row, hidden)

    def _set_shown(self, runs: list[RunRecord], visible: bool):
        for run in list(runs):
            if run.visible != visible:
                self.set_visible(run, visible)

    def _show_only(self, runs: list[RunRecord], keep: bool = False):
        """Show ``runs``; the others are hidden unless ``keep``."""
        wanted = {id(run) for run in runs}
        if not keep:
            self._set_shown([r for r in self._runs if id(r) not in wanted], False)
        self._set_shown(runs, True)

    def _size_columns(self):
        """The name takes the room left (``_fit_columns`` hides optional columns to give it its
        whole text); the other columns are as wide as their contents."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.Stretch)
        header.setStretchLastSection(False)
        # a name too long for all the room is cut in the middle: 'Run 3 · lr…0.01' keeps the
        # number and the end that tell runs apart
        self.table.setTextElideMode(Qt.ElideMiddle)
        self.table.setWordWrap(False)  # one line, cut with '…' (it wrapped into a second line)

    def _name_room(self) -> int:
        """The narrowest the name column gets before optional columns are hidden for it."""
        fm = self.table.fontMetrics()
        return max(self.table.horizontalHeader().sectionSizeHint(NAME_COLUMN),
                   fm.horizontalAdvance("x" * NAME_CHARACTERS))

    def _table_height(self, rows: int, scroll_bar: bool = True) -> int:
        header = self.table.horizontalHeader().sizeHint().height()
        scroll = self.table.horizontalScrollBar().sizeHint().height() if scroll_bar else 0
        return header + rows * self.table.verticalHeader().defaultSectionSize() + scroll + 4

    def _fit_least_height(self):
        """Room for two rows at least, in the current font: set once at zoom 1, the table had
        1.9 rows zoomed. No scroll bar counted: columns are hidden before one shows."""
        self.table.setMinimumHeight(self._table_height(2, scroll_bar=False))

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoom: the header and rows grow after this
            QTimer.singleShot(0, self, self._fit_least_height)

    def sizeHint(self) -> QSize:
        """Tall enough for ``ROWS_SHOWN`` runs and the buttons (it showed 2.5 rows)."""
        buttons = self.use_button.sizeHint().height() + self.layout().spacing()
        return QSize(super().sizeHint().width(), self._table_height(ROWS_SHOWN) + buttons)

    def eventFilter(self, watched, event) -> bool:
        """The columns fit the table's viewport once it has its new size (in this widget's own
        resizeEvent the table still had its old one, and a column too many stayed)."""
        if watched is self.table.viewport() and event.type() == QEvent.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self):
        """Hide Training, Network, Samples/s and Time, in that order, while the other columns
        and the whole names would not fit (the name's tooltip gives the settings, the status bar
        the speed): at 1280x720 they pushed the figures out of sight. Whole names come before
        those columns (cut, two runs of an experiment read alike at zoom 1.6); a name wider than
        all the room left is cut in its middle, and the figures stay in sight."""
        header = self.table.horizontalHeader()
        widths = [max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c))
                  for c in range(len(COLUMNS))]
        # a hidden section's header has no size hint (-1): its width as last measured, or else
        # it would look narrow enough to show again, and the table would flip between the two
        widths = [max(w, self._widths.get(c, 0)) if self.table.isColumnHidden(c) else w
                  for c, w in enumerate(widths)]
        self._widths = dict(enumerate(widths))
        widths[NAME_COLUMN] = max(widths[NAME_COLUMN], self._name_room())
        room, needed = self.table.viewport().width(), sum(widths)
        hidden = set()
        for column in OPTIONAL_COLUMNS:
            if needed <= room:
                break
            hidden.add(column)
            needed -= widths[column]
        for column in OPTIONAL_COLUMNS:
            self.table.setColumnHidden(column, column in hidden)

    # --- public API -------------------------------------------------------------------------

    def runs(self) -> list[RunRecord]:
        return list(self._runs)

    def _on_run_added(self, run: RunRecord):
        self._on_runs_added([run])

    def _on_runs_added(self, runs: list[RunRecord]):
        """New rows for ``runs``, filled in one pass (a session of 1,000 runs), the last selected."""
        if not runs:
            return
        first = self.table.rowCount()
        self._runs.extend(runs)
        self._updating = True
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(first + len(runs))
        for row, run in enumerate(runs, first):
            self._make_row(row, run)
            self._fill_row(row, run)
        self.table.setUpdatesEnabled(True)
        self._updating = False
        self._show_repeats()
        self._show_replay()
        self._select_only(len(self._runs) - 1)
        self._update_groups()
        self._update_buttons()
        self._fit_columns()

    def _make_row(self, row: int, run: RunRecord):
        show = QTableWidgetItem(_swatch(run.colour), "")
        show.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
        self.table.setItem(row, 0, show)
        for column in range(1, len(COLUMNS)):
            item = QTableWidgetItem()
            flags = Qt.ItemIsEnabled | Qt.ItemIsSelectable
            item.setFlags(flags | Qt.ItemIsEditable if column == 1 else flags)
            if column in NUMBER_COLUMNS:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.table.setItem(row, column, item)

    def _on_run_changed(self, run: RunRecord):
        """Refresh the run's row (its status and final figures)."""
        self._updating = True
        self._fill_row(self._runs.index(run), run)
        self._updating = False
        self._update_groups()
        self._show_repeats()
        self._show_replay()
        self._update_buttons()
        self._fit_columns()

    def _on_batches_added(self, run: RunRecord):
        """Say 'diverging!' as soon as the run's loss blows up, not at its next epoch; the
        plots can be saved from the first batch loss of a shown run."""
        if not self.png_button.isEnabled() and run.visible:
            self._update_png_button()
        if run.diverging and run in self._runs:
            item = self.table.item(self._runs.index(run), 2)
            if item.text() != status_text(run):
                self._show_repeats()

    def _fill_row(self, row: int, run: RunRecord):
        show = self.table.item(row, 0)
        show.setCheckState(Qt.Checked if run.visible else Qt.Unchecked)
        if show.data(Qt.UserRole) != run.colour:  # a run shown again may get another colour
            show.setIcon(_swatch(run.colour))
            show.setData(Qt.UserRole, run.colour)
        for column, text in enumerate(row_texts(run)):
            if column:
                self.table.item(row, column).setText(text)
        for column in SETTINGS_COLUMNS:
            self.table.item(row, column).setToolTip(run.settings_text())
        self.table.item(row, EPOCHS_COLUMN).setToolTip(epochs_tip(run))
        group = f"Experiment: {html.escape(run.group)}<br>" if run.group else ""
        self.table.item(row, NAME_COLUMN).setToolTip(f"<b>{html.escape(run.name)}</b><br>{group}"
                                                     f"{html.escape(run.settings_text())}<br>"
                                                     "Double-click to rename")

    def _on_run_removed(self, run: RunRecord):
        row = self._runs.index(run)
        self.table.removeRow(row)
        self._runs.pop(row)
        self._update_groups()
        self._show_repeats()
        self._show_replay()
        self._update_buttons()

    def _on_runs_removed(self, runs: list[RunRecord]):
        gone = {id(run) for run in runs}
        if all(id(run) in gone for run in self._runs):  # a session replaces them all: one call
            self._runs = []
            self.table.setRowCount(0)
        for row in reversed(range(len(self._runs))):
            if id(self._runs[row]) in gone:
                self.table.removeRow(row)
                self._runs.pop(row)
        self._update_groups()
        self._show_repeats()
        self._show_replay()
        self._update_buttons()

    def _show_repeats(self):
        """Every row's status, with 'repeats Run 1' where the run's curves are an earlier run's
        (the plots draw them one over the other); its tooltip says why."""
        self._updating = True
        originals = self._model.repeats()
        for row, run in enumerate(self._runs):
            status = status_text(run)
            tooltip = run.message or status
            original = originals.get(run.number)
            if original is not None:  # "completed" goes without saying (the epochs column)
                repeats = f"repeats {short_name(original)}"
                status = repeats if run.status == "completed" else f"{status}, {repeats}"
                tooltip += "\n\n" + repeat_text(run, original)
            item = self.table.item(row, 2)
            item.setText(status)
            item.setToolTip(tooltip)
        self._updating = False

    def _show_replay(self):
        """The replay column's header says all runs' replay of the session's budget ("Replay
        48/96 MiB"); every row's tooltip says the total too."""
        total, budget = self._model.replay_total(), self._model.replay_budget
        header = self.table.horizontalHeaderItem(REPLAY_COLUMN)
        header.setText(f"Replay {total / 2**20:.0f}/{budget / 2**20:.0f} MiB")
        header.setToolTip(f"{COLUMN_TIPS[REPLAY_COLUMN]}: {mib(total)} of {mib(budget)} now")
        for row, run in enumerate(self._runs):
            self.table.item(row, REPLAY_COLUMN).setToolTip(replay_tip(run, total, budget))

    def selected_run(self) -> RunRecord | None:
        """The current row's run if it is selected, else the first selected (None if none)."""
        runs = self.selected_runs()
        current = self.table.currentRow()
        if 0 <= current < len(self._runs) and self._runs[current] in runs:
            return self._runs[current]
        return runs[0] if runs else None

    def selected_runs(self) -> list[RunRecord]:
        """Every selected run, in the table's order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self._runs[row] for row in rows if row < len(self._runs)]  # not mid-insert

    def set_visible(self, run: RunRecord, visible: bool):
        """Show or hide a run's curves, as ticking its box does."""
        self.table.item(self._runs.index(run), 0).setCheckState(Qt.Checked if visible else Qt.Unchecked)

    def rename(self, run: RunRecord, name: str):
        self.table.item(self._runs.index(run), 1).setText(name)

    # --- reacting ---------------------------------------------------------------------------

    def _on_item_changed(self, item: QTableWidgetItem):
        if self._updating:
            return
        run = self._runs[item.row()]
        if item.column() == 0:
            self._model.set_visible(run, item.checkState() == Qt.Checked)
            self.visibility_changed.emit(run)
        elif item.column() == 1:
            name = item.text().strip()
            if not name:
                self._updating = True
                item.setText(run.name)
                self._updating = False
                return
            self._model.rename(run, name)
            self.renamed.emit(run)

    def _emit_for_selected(self, signal):
        run = self.selected_run()
        if run is not None:
            signal.emit(run)

    def select_run(self, run: RunRecord) -> None:
        """Select ``run``'s row alone, as a click on it does."""
        self._select_only(self._runs.index(run))

    def _select_only(self, row: int) -> None:
        """Make ``row`` the current row and the only one selected (``selectRow`` adds it to the
        selection when several rows may be selected)."""
        flags = QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows
        self.table.selectionModel().setCurrentIndex(self.table.model().index(row, 0), flags)

    def use_network(self, run: RunRecord) -> None:
        """Select ``run`` and ask for its network, as "Use its network" does."""
        self.select_run(run)
        self.use_network_requested.emit(run)

    def _on_selection_changed(self):
        run = self.selected_run()
        if run is not None and not self._updating:
            self.run_selected.emit(run)

    def _update_buttons(self):
        run, runs = self.selected_run(), self.selected_runs()
        self.use_button.setEnabled(run is not None)
        self.network_button.setEnabled(run is not None and run.network is not None
                                       and not run.status.active)
        self.remove_button.setEnabled(any(not r.status.active for r in runs))
        self.show_action.setEnabled(any(not r.visible for r in runs))
        self.hide_action.setEnabled(any(r.visible for r in runs))
        self.experiment_action.setEnabled(run is not None)
        self.show_all_action.setEnabled(any(not r.visible for r in self._runs))
        self.clear_action.setEnabled(any(r.visible for r in self._runs))
        self.landscape_action.setEnabled(bool(self._landscape_runs()))
        self.plots_button.setEnabled(bool(self._runs))
        self.csv_button.setEnabled(bool(self._runs))
        self._update_png_button()

    def _update_png_button(self):
        """Save PNG only while the plots show a curve; its tooltip says why not otherwise."""
        plotted = any(run.visible and run.has_curves for run in self._runs)
        self.png_button.setEnabled(plotted)
        self.png_button.setToolTip(PNG_TIP if plotted else PNG_NOTHING_TIP)


def repeat_text(run: RunRecord, original: RunRecord) -> str:
    """Why ``run`` repeats ``original``, for the status column's tooltip."""
    first = short_name(original)
    if same_settings(run, original):
        why = (f"Same data, network, settings and seed ({run.config.seed}) as {original.name}: "
               f"training repeats itself, so its curves lie on (or a hair from) {first}'s. "
               "Change the seed in the builder to see how much runs really vary.")
    else:
        why = (f"Same curves as {original.name}: the settings that differ "
               "did not change how the network trained.")
    return f"{why} On the plots it is dashed, with smaller markers, over {first}."
