"""What an experiment came to, under the runs list: its results table, a choice of table, the shift plot.

``ExperimentOutcome(runs_model)`` shows the latest experiment's results table (the session keeps
every one; a choice beside the table offers the others), with the nearest-mean baseline on each
run's classes and, for an experiment with a shift test, the accuracy-vs-shift plot beside it.
It computes nothing itself: the baselines come from ``engine.experiments.baseline_accuracies``,
the shift curves from the ShiftPlot's job.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QTabWidget, QWidget

from engine.experiments import EXPERIMENTS, baseline_accuracies
from engine.files.session_file import MAX_NAME, bounded
from mnist_gui.panels.training.experiments import ExperimentResults
from mnist_gui.panels.training.shift_plot import ShiftPlot


class ExperimentOutcome(QWidget):
    """The results table of one experiment (``choice`` picks which), and its shift plot.

    ``results_shown(bool)`` says when it gets its first table or loses its last (the panel shows
    or hides its tab), ``table_added`` when a new table arrives (an experiment ended, a session
    opened; not when a table only lost a removed run). ``set_dataset`` / ``set_baseline`` follow the panel's
    dataset and the hub's fitted nearest-mean classifier.
    """

    results_shown = Signal(bool)
    table_added = Signal()

    def __init__(self, runs_model, parent=None):
        super().__init__(parent, objectName="experimentOutcome")
        self.runs_model = runs_model
        self._dataset = None
        self._baseline_model = None  # the hub's fitted nearest-mean classifier
        self._shift_tests: dict[str, int] = {}  # pixels: each experiment's shift test (0: none)
        self._tables_shown: list = []  # the results tables the choice offers: (name, runs)
        self.results = ExperimentResults(runs_model)
        self.choice = QComboBox(objectName="resultsChoice")  # shown for two tables or more
        self.choice.setToolTip("Which experiment's results the table shows: the session "
                               "keeps the table of every experiment, also once reopened")
        self.choice.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.choice.hide()
        self.choice.currentIndexChanged.connect(self._on_chosen)
        self.shift_plot = ShiftPlot()  # beside the results, for an experiment with a shift test
        self.shift_plot.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.choice, 0, Qt.AlignTop)  # beside the table: no row of height
        layout.addWidget(self.results, 3)
        layout.addWidget(self.shift_plot, 2)
        self._has_results = False
        runs_model.results_changed.connect(self.refresh)

    def set_dataset(self, dataset) -> None:
        self._dataset = dataset

    def set_baseline(self, classifier) -> None:
        """The hub's fitted nearest-mean classifier (None: not fitted yet); the table follows."""
        self._baseline_model = classifier
        if self.results.runs():
            self.refresh()

    def note_shift_test(self, experiment) -> None:
        """Remember the shift test (pixels, 0 for none) of an engine ``Experiment`` about to run."""
        self._shift_tests[bounded(experiment.name, MAX_NAME)] = experiment.shift_test

    def refresh(self) -> None:
        """The latest experiment's results table, the others a choice away; the one chosen stays
        chosen while only its runs change (one removed)."""
        tables = self.runs_model.results()
        names = [f"{name} ({len(runs)} run{'s' * (len(runs) != 1)})" for name, runs in tables]
        before = [name for name, _ in self._tables_shown]
        added = has_new_table(tables, self._tables_shown)
        kept = before == [name for name, _ in tables] and self.choice.currentIndex() >= 0
        index = self.choice.currentIndex() if kept else len(tables) - 1
        self._tables_shown = tables
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItems(names)
        self.choice.setCurrentIndex(index)
        self.choice.blockSignals(False)
        self.choice.setVisible(len(tables) > 1)
        self._show(*tables[index] if tables else ("", []))
        if added:
            self.table_added.emit()

    def _on_chosen(self, index: int) -> None:
        tables = self.runs_model.results()
        if 0 <= index < len(tables):
            self._show(*tables[index])

    def _show(self, name: str, runs: list) -> None:
        """Experiment ``name``'s ``runs``, in its table's order, in the results table and the shift
        plot (its shift test: the one it ran with, or a built-in experiment's of that name)."""
        self.results.show_runs(runs, self.baselines(runs))
        if bool(runs) != self._has_results:
            self._has_results = bool(runs)
            self.results_shown.emit(self._has_results)
        builtin = EXPERIMENTS.get(name)
        shift = self._shift_tests.get(name, builtin.shift_test if builtin is not None else 0)
        shifted = self._dataset is not None and self.shift_plot.test(runs, shift, self._dataset)
        self.shift_plot.setVisible(shifted)

    def baselines(self, runs) -> list[float | None]:
        """The nearest-mean baseline's test accuracy on each run's classes, from the hub's fitted
        means (None until they are fitted, or for a run of other images)."""
        if self._baseline_model is None or self._dataset is None or not any(r.spec.class_labels for r in runs):
            return [None] * len(runs)
        return baseline_accuracies([r.spec for r in runs], self._dataset, self._baseline_model)

    def baseline_of(self, spec) -> float | None:
        """The nearest-mean baseline's test accuracy on ``spec``'s classes (the plots' line for a
        run of some classes), from the hub's fitted means; None until they are fitted."""
        if self._baseline_model is None or self._dataset is None:
            return None
        return baseline_accuracies([spec], self._dataset, self._baseline_model)[0]

    def shutdown(self, timeout_ms: int) -> bool:
        """Stop the shift plot's job; True if it ended."""
        return self.shift_plot.shutdown(timeout_ms)



class RunsAndResults(QTabWidget):
    """Under the plots, one at a time: the runs list and an experiment's results (an ExperimentOutcome).

    The results' tab shows while there is a table, and a new table comes to the front; the tab bar
    shows while it holds something (the results' tab or the experiments' fold buttons, its corner).
    """

    def __init__(self, runs_list, outcome: ExperimentOutcome, parent=None):
        super().__init__(parent, objectName="runsTabs")
        self.runs_list, self.outcome = runs_list, outcome
        self.setDocumentMode(True)
        self.addTab(runs_list, "Runs")
        self.addTab(outcome, "Experiment results")
        self.setTabToolTip(0, "Every run of this session: show, hide, rename, compare and export them")
        self.setTabToolTip(1, "The latest experiment's runs side by side, the best in bold")
        # the experiments' fold buttons beside the tabs, not in a row of their own above the runs
        self.setCornerWidget(runs_list.groups, Qt.TopRightCorner)
        runs_list.groups.installEventFilter(self)
        outcome.results_shown.connect(self._show_outcome_tab)
        outcome.table_added.connect(self._on_table_added)
        self._show_outcome_tab(False)

    def _on_table_added(self):
        """An experiment ended, or a session with results opened: its table to the front."""
        self.setCurrentWidget(self.outcome)

    def _show_outcome_tab(self, shown: bool):
        """The results' tab shown or not (a new table brings it to the front; a run started, the
        runs: the panel's ``start``)."""
        self.setTabVisible(1, shown)
        if not shown:
            self.setCurrentWidget(self.runs_list)
        self._show_tab_bar()

    def _show_tab_bar(self):
        """The tab bar while it holds something: the results' tab or the experiments' fold
        buttons; without, the runs list alone (as before experiments)."""
        self.tabBar().setVisible(self.isTabVisible(1) or not self.runs_list.groups.isHidden())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.runs_list.groups and event.type() in (QEvent.ShowToParent, QEvent.HideToParent):
            self._show_tab_bar()
        return super().eventFilter(watched, event)


def has_new_table(tables, before) -> bool:
    """True if ``tables`` (results tables: (name, runs)) hold one not in ``before``: an experiment
    ended, or a session with results was opened; not when a table only lost a removed run."""
    old = [(name, {id(run) for run in runs}) for name, runs in before]
    return any(not any(name == was and {id(run) for run in runs} <= had for was, had in old)
               for name, runs in tables)
