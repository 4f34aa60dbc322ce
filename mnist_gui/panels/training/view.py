"""The "Network and training" panel: build a network, train it in a worker thread, watch the live plots.

``TrainingView(datasets, hub, session=session, draft=draft)`` assembles the builder (the form
of the DraftSettings), the control bar, the plots and the runs list around a TrainingSession
(the state machine of training, on the one worker). It keeps no training maths and no run state:
the engine trains, the session keeps the runs, the draft the next run's settings, this view shows.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.classes import describe, describe_choice, images_of
from engine.memory import check_training_fits
from mnist_gui.panels.training.arrangement import BuilderScroll, GripHandle, GripSplitter, SideBySideOrTabs
from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.panels.training.controls import TrainingControls, format_duration
from mnist_gui.panels.training.experiments import ExperimentDialog
from mnist_gui.panels.training.files import PanelFiles
from mnist_gui.panels.training.finder import LearningRateFinder
from mnist_gui.panels.training.landscape import LossLandscape
from mnist_gui.panels.training.outcome import ExperimentOutcome, RunsAndResults
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.panels.training.replay import ReplayBar
from mnist_gui.panels.training.rerun import rerun_hint, rerun_name, rerun_note
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.state.draft import DraftSettings
from mnist_gui.state.runs import RunRecord, RunsModel
from mnist_gui.state.training import IDLE, TrainingSession
from mnist_gui.widgets.number_text import readable, rounded
from mnist_gui.workers.training import BatchProgress

__all__ = ["GripHandle", "TrainingView"]


class TrainingView(SideBySideOrTabs, QWidget):
    """The panel: trains on the DatasetHub's dataset; stop it with ``shutdown(timeout_ms)``.

    ``session`` (a TrainingSession) and ``draft`` (a DraftSettings) are the state it shows and
    sends intent to; without them (a panel on its own, in a test) it makes its own, on ``runs``.

    ``file_actions()`` are the Save model / Load model actions for the File menu (``files``, a
    PanelFiles, saves, loads and exports); ``status_widget()`` is a label for the status bar
    (samples/s and time left while training). It lays out side by side or in tabs
    (``arrangement.py``); the learning-rate finder is ``finder`` (``finder.py``).
    """

    status_changed = Signal(str)   # the status-bar text: speed and time left, or "" when idle
    saved = Signal(str)            # a file was saved or exported: "Saved the plots to training.png in /home/ann"

    def __init__(self, datasets, hub, runs: RunsModel | None = None, *,
                 session: TrainingSession | None = None, draft: DraftSettings | None = None, parent=None):
        super().__init__(parent)
        self.datasets, self.hub = datasets, hub
        if session is None:
            session = TrainingSession(runs if runs is not None else RunsModel(self), hub, self)
        self._own_session = session.parent() is self
        self.session, self.runs_model = session, session.runs
        self.draft = draft if draft is not None else DraftSettings(self)
        self._dataset = None
        self._baseline: float | None = None
        self._suggested_lr: float | None = None
        self._rerun_of: RunRecord | None = None  # the run whose settings the builder holds for a rerun
        self.finder = LearningRateFinder(self)
        self.landscape = LossLandscape(self)
        self._experiment_at = (1, 1)  # the experiment's run under way, and how many runs in all
        self._build()
        self.files = PanelFiles(self, hub, self.session, self.draft, self.plots, lambda: self._dataset,
                                self._hint)
        self.save_action, self.load_action = self.files.save_action, self.files.load_action
        self.files.saved.connect(self.saved)
        self._connect()
        self._on_validity(self.draft.problem())
        self._show_ready()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        datasets.baseline_changed.connect(self._on_baseline_changed)
        if datasets.dataset is not None:
            self._on_dataset_changed(datasets.dataset)
            self._on_baseline_changed(datasets.baseline)

    # --- building ---------------------------------------------------------------------------

    def _build(self):
        self.builder = NetworkBuilder(self.draft)
        self.builder_scroll = BuilderScroll(self.builder)
        self.controls = TrainingControls(self)
        self.plots = TrainingPlots(self.runs_model)
        self.runs_list = RunsList(self.runs_model)
        self.outcome = ExperimentOutcome(self.runs_model)  # an experiment's results, beside the runs
        self.results, self.results_choice = self.outcome.results, self.outcome.choice
        self.shift_plot = self.outcome.shift_plot
        self.lower = RunsAndResults(self.runs_list, self.outcome)  # tabs under the plots
        self._status = QLabel(objectName="trainingStatus")
        self._status.setToolTip("Training speed and the time left in the run")
        right = self.plots_splitter = GripSplitter(Qt.Vertical, objectName="plotsSplitter")
        right.addWidget(self.plots)
        right.addWidget(self.lower)  # one tab at a time: at 1280x720 zoomed, both under the plots scrolled
        right.setHandleWidth(9)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([600, 400])  # proportions: the runs list had 2.5 rows, now 5 at 1280x720; drag to resize
        self.plots_splitter = right  # the plots keep their share of the height (arrangement.py)
        self.training_column = QWidget(objectName="trainingColumn")
        column_layout = QVBoxLayout(self.training_column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.setSpacing(4)  # zoomed at 1280x720, every pixel of height is the plots'
        column_layout.addWidget(self.controls)
        column_layout.addWidget(right, 1)
        self.replay_bar = ReplayBar(self.hub)
        column_layout.addWidget(self.replay_bar)
        self.splitter = QSplitter(Qt.Horizontal, objectName="builderSplitter")
        self.tabs = QTabWidget(objectName="trainingTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.hide()
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._splitter_sizes = [self.builder.sizeHint().width() + 24, 1000]
        self._place_side_by_side()
        layout = QHBoxLayout(self)
        layout.addWidget(self.splitter)
        layout.addWidget(self.tabs)

    def _connect(self):
        s, ctl = self.session, self.controls
        s.progressed.connect(self._on_progress)
        s.state_changed.connect(self._on_state_changed)
        s.held.connect(self._on_held)
        s.run_finished.connect(self._on_run_finished)
        s.failed.connect(self._on_failed)
        ctl.start_requested.connect(self.start)
        ctl.pause_toggled.connect(self.toggle_pause)
        ctl.step_requested.connect(self.step)
        ctl.stop_requested.connect(self.stop)
        ctl.suggestion_accepted.connect(self._accept_suggestion)
        ctl.experiment_requested.connect(self._ask_experiment)
        ctl.lr_finder_requested.connect(self.find_learning_rate)
        s.experiment_progressed.connect(self._on_experiment_progressed)
        s.experiment_finished.connect(self._on_experiment_finished)
        self.outcome.refresh()
        self.finder.use_requested.connect(self.draft.set_lr)
        self.draft.validity_changed.connect(self._on_validity)
        self.draft.changed.connect(self._on_draft_changed)
        self.runs_list.use_settings_requested.connect(self._use_settings)
        self.replay_bar.rerun_requested.connect(self.rerun)
        self.replay_bar.settings_requested.connect(self._show_settings)
        self.runs_model.run_removed.connect(self._on_runs_removed)
        self.runs_model.runs_removed.connect(self._on_runs_removed)
        self.runs_list.use_network_requested.connect(self.use_run)
        self.runs_list.run_selected.connect(self.plots.set_selected_run)
        self.runs_list.remove_requested.connect(self.remove_run)
        self.runs_list.export_csv_requested.connect(self.files.ask_export_csv)
        self.runs_list.export_png_requested.connect(self.files.ask_export_png)
        self.runs_list.landscape_requested.connect(self.show_landscape)
        self.hub.network_changed.connect(self._on_network_changed)

    # --- public API -------------------------------------------------------------------------

    def plot_height(self) -> int:
        """The height of the smaller of the two plots, in pixels."""
        return min(self.plots.loss_plot.height(), self.plots.accuracy_plot.height())

    def file_actions(self) -> list[QAction]:
        """[Save model, Load model] for the main window's File menu."""
        return [self.save_action, self.load_action]

    def status_widget(self) -> QLabel:
        """A label for the status bar: samples/s and time left while a run trains."""
        return self._status

    @property
    def dataset(self):
        return self._dataset

    @property
    def state(self) -> str:
        """"idle", "running", "stepping", "paused" or "stopping"."""
        return self.session.state

    @property
    def run_finished(self):
        """Signal: the RunRecord of a run that just ended (any reason)."""
        return self.session.run_finished

    def runs(self) -> list[RunRecord]:
        return self.runs_model.runs()

    @property
    def current_run(self) -> RunRecord | None:
        """The run being trained (None when idle)."""
        return self.session.current_run

    def _on_dataset_changed(self, dataset) -> None:
        """Train on ``dataset`` from now on (a run in progress is stopped first)."""
        self.stop()
        self._dataset = dataset
        self.outcome.set_dataset(dataset)
        self.draft.set_data_shape(dataset.input_size, dataset.n_classes, len(dataset.train_labels),
                                  dataset.image_shape)
        self._on_validity(self.draft.problem())
        self._show_ready()

    def _on_network_changed(self, _network) -> None:
        """A run's network shown (chosen here, or a session opened): its row is selected, and a
        replayed moment of it is marked on the plots."""
        run = self.hub.run
        self.plots.show_moment(run, self.hub.snapshot)
        if run is not None and run in self.runs_list.runs() and self.runs_list.selected_run() is not run:
            self.runs_list.select_run(run)

    def _on_baseline_changed(self, baseline) -> None:
        self._baseline = None if baseline is None else baseline.accuracy
        self.outcome.set_baseline(None if baseline is None else baseline.classifier)
        self.plots.set_baseline(self._baseline, self.outcome.baseline_of)

    def start(self, step: bool = False) -> RunRecord | None:
        """Train a new network with the builder's settings (``step``: pause after one epoch)."""
        if self.session.is_busy() or self._start_problem():
            return None
        spec, config = self.draft.spec(), self.draft.config()
        try:  # the memory free now, which may be less than when the settings were checked
            check_training_fits(spec, config, len(self._dataset.train_labels))
        except ValueError as exc:
            self.controls.show_banner(f"<b>The run cannot start.</b> {exc}")
            return None
        name = "Run {n} · " + self.draft.preset_name.replace("{", "(").replace("}", ")") + (
            " (modified)" if self.draft.is_modified() else "")
        rerun = self._rerun_text(spec, config)
        if rerun:
            name = "Run {n} · " + rerun_name(self._rerun_of, spec, config).replace("{", "(").replace("}", ")")
        self._rerun_of = None
        self.replay_bar.set_rerun_hint("")
        self.controls.hide_banner()
        run = self.session.start(name, spec, config, self._dataset, step=step)
        self.controls.show_progress(1, config.epochs, 0, 1)
        self.tabs.setCurrentWidget(self.training_column)  # in tabs: watch it train
        self.lower.setCurrentWidget(self.runs_list)  # its row, not an older experiment's results
        self._hint(f"Training <b>{spec.describe()}</b> on {self._dataset.name}: {config.describe()}.{rerun}")
        return run

    def rerun(self, run: RunRecord) -> None:
        """Put ``run``'s settings, its seed too, into the builder for a rerun with one change: the
        next Start names the run after what changed ("Run 3 · as Run 1, learning rate 0.5")."""
        self.draft.set_spec(run.spec, run.config)
        self._rerun_of = run
        self._show_ready()
        self._show_rerun_hint()

    def _show_rerun_hint(self) -> None:
        """What the rerun changes so far, under the Replay bar where Rerun was clicked (in tabs the
        settings are a click away, on its link: the hint stays in sight)."""
        run = self._rerun_run()
        text = "" if run is None else rerun_note(run, self.draft.spec(), self.draft.config())
        if text and self.is_tabbed():
            text += ' <a href="settings">Show the settings</a>'
        self.replay_bar.set_rerun_hint(text)

    def _on_runs_removed(self, _runs) -> None:
        if self._rerun_of is not None:  # its run gone (removed, a session opened): no rerun hint
            self._show_rerun_hint()

    def _show_settings(self) -> None:
        if self.is_tabbed():
            self.tabs.setCurrentWidget(self.builder_scroll)

    def _rerun_run(self) -> RunRecord | None:
        """The run whose rerun the builder holds (None for none, or if that run was removed)."""
        if self._rerun_of is not None and self._rerun_of not in self.runs_model.runs():
            self._rerun_of = None
        return self._rerun_of

    def _rerun_text(self, spec, config) -> str:
        """The hint's words on the rerun the builder holds ("" for none, or if its run was removed)."""
        run = self._rerun_run()
        return "" if run is None else rerun_hint(run, spec, config)

    def toggle_pause(self) -> None:
        if self.state in ("running", "stepping"):
            self.pause()
        elif self.state == "paused":
            self.resume()

    def pause(self) -> None:
        """Hold the run before its next batch."""
        self.session.pause()

    def resume(self) -> None:
        self.session.resume()
        if self.state == "running":
            self._hint(f"Training <b>{self.current_run.spec.describe()}</b> again.")

    def step(self) -> None:
        """Train one more epoch, then pause (starts a run if none is going on)."""
        if self.state == IDLE:
            self.start(step=True)
        else:
            self.session.step_epoch()

    def stop(self) -> None:
        """End the run after the current batch; ``run_finished`` follows."""
        self.session.stop()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop a learning-rate test, a model being read (and training, if the session is the
        panel's own) and wait for their threads. True if all ended."""
        ok = self.session.shutdown(timeout_ms) if self._own_session else True
        ok = self.outcome.shutdown(timeout_ms) and ok
        ok = self.files.model_runner.shutdown(timeout_ms) and ok  # Load model's job is the panel's own
        self.replay_bar.shutdown()
        finder_ok = self.finder.shutdown(timeout_ms)
        return self.landscape.shutdown(timeout_ms) and finder_ok and ok

    # --- experiments and the learning-rate finder -----------------------------------------------

    def start_experiment(self, experiment) -> None:
        """Queue every configuration of an engine ``Experiment`` on the builder's dataset."""
        if self.session.is_busy() or self._dataset is None:
            return
        self.controls.hide_banner()
        configurations = experiment.configurations()
        self.outcome.note_shift_test(experiment)
        problems = self.session.start_experiment(experiment.name, configurations, self._dataset)
        self.lower.setCurrentWidget(self.runs_list)  # its runs' rows as they train; the results after
        cannot = "".join(f"<br>{html.escape(label)} cannot run: {html.escape(why)}" for label, why in problems)
        self._hint(f"Experiment <b>{html.escape(experiment.name)}</b>: {len(configurations)} runs, one after "
                   f"another. Stop ends the current run and the rest.{cannot}")

    def find_learning_rate(self) -> None:
        """Run the range test on a copy of the builder's network; the dialog shows the curve."""
        if self.session.is_busy() or self._start_problem():
            return
        self.finder.start(self.draft.spec(), self.draft.config(), self._dataset)

    def show_landscape(self, runs) -> None:
        """The loss-landscape dialog for one or two ended runs (computed when the user asks)."""
        if self._dataset is not None and len(self._dataset.test_labels):
            self.landscape.open(runs, self._dataset)
        else:
            self._hint("The loss landscape is measured on test images: this dataset has none.")

    @property
    def lr_runner(self):
        """The learning-rate finder's TaskRunner."""
        return self.finder.runner

    @property
    def lr_dialog(self):
        """The learning-rate finder's dialog (None until first used)."""
        return self.finder.dialog

    def _ask_experiment(self):
        dialog = ExperimentDialog(self.draft.spec(), self.draft.config(), self)
        if dialog.exec():
            self.start_experiment(dialog.experiment())

    def _on_experiment_progressed(self, number: int, count: int, label: str):
        self._experiment_at = (number, count)
        self._hint(f"Experiment <b>{self.session.experiment}</b>: run {number} of {count}, "
                   f"<b>{label}</b>.")

    def _on_experiment_finished(self, name: str, runs: list):
        best = self.results.best_row()
        if best >= 0:
            run = runs[best]
            count = f"{len(runs)} run{'s' * (len(runs) != 1)}"
            self._hint(f"Experiment <b>{name}</b> done: {count}. The best is "
                       f"<b>{run.name}</b> ({100 * (run.test_accuracy or 0):.2f} % test accuracy).")

    def use_run(self, run: RunRecord) -> None:
        """Make ``run``'s final network the model that Draw and Evaluate use (selecting its row).

        A run in progress or without a network (diverged, or stopped before its first epoch)
        changes nothing: the hub keeps what it shows.
        """
        if self.hub.network is not run.network and self.hub.show_run(run):
            self._hint(f"<b>{run.name}</b> is now the model in the Draw and Evaluate panels.")

    def remove_run(self, run: RunRecord) -> None:
        """Forget a finished run: its row, its curves and its network."""
        self.runs_model.remove(run)

    def save_model(self, path):
        """Write the current network to ``path`` (.npz): ``PanelFiles.save_model``."""
        return self.files.save_model(path)

    def load_model(self, path):
        """Read a saved network and make it current everywhere: ``PanelFiles.load_model``."""
        return self.files.load_model(path)

    @property
    def model_runner(self):
        """The job that reads a model for Load model (``PanelFiles.model_runner``)."""
        return self.files.model_runner

    def export_csv(self, path):
        return self.files.export_csv(path)

    def export_png(self, path, scale: float | None = None):
        return self.files.export_png(path, scale)

    def error_dialog(self) -> QMessageBox | None:
        """The dialog of the last failed save, load or export, while it is shown."""
        return self.files.error_dialog()

    # --- training events --------------------------------------------------------------------

    @Slot(object)
    def _on_progress(self, p: BatchProgress):
        if self.session.experiment:
            run, runs = self._experiment_at
            self.controls.show_experiment_progress(run, runs, p.epoch, p.epochs, p.batch, p.n_batches)
        else:
            self.controls.show_progress(p.epoch, p.epochs, p.batch, p.n_batches)
        left = "" if p.seconds_left is None else f" · about {format_duration(p.seconds_left)} left"
        self._set_status(f"{p.samples_per_second:,.0f} samples/s{left}")

    @Slot(str)
    def _on_state_changed(self, state: str):
        self.controls.set_state(state)
        if state == IDLE:
            self._set_status("")

    @Slot(int)
    def _on_held(self, _step):
        run = self.current_run
        if self.state == "paused" and run is not None:
            self._set_status("Paused")
            self._hint(f"Paused after {epochs_text(len(run.epochs))}. Resume, Step one more "
                       "epoch, or Stop.")

    @Slot(object)
    def _on_run_finished(self, run: RunRecord):
        end = run.end
        if end is None:  # failed: _on_failed says why
            return
        if end.reason == "diverged" and not run.group:  # an experiment's runs may diverge on purpose
            lr = rounded(run.config.lr / 10)  # the rate the banner says
            self.controls.show_banner(f"<b>Training diverged.</b> {end.message} A smaller learning "
                                      "rate takes smaller, safer steps.", f"Use learning rate {readable(lr)}")
            self._suggested_lr = lr
        self._hint(self._end_text(run))

    @Slot(str)
    def _on_failed(self, message):
        self.controls.show_banner(f"<b>The run could not train.</b> {message}")

    def _end_text(self, run: RunRecord) -> str:
        text = {"completed": "Finished", "stopped": "Stopped", "diverged": "Diverged"}[run.status]
        text = f"{text} after {epochs_text(len(run.epochs))}."
        if run.test_accuracy is not None:
            text += f" Test accuracy <b>{100 * run.test_accuracy:.2f} %</b>"
            baseline = self.outcome.baseline_of(run.spec) if run.spec.class_labels else self._baseline
            if baseline is not None:
                on = f" on {describe_choice(run.spec.class_labels)}" if run.spec.class_labels else ""
                text += f" (the mean-digit baseline{on} gets {100 * baseline:.1f} %)"
            text += ". The network is now in the Draw and Evaluate panels."
        return text

    # --- other reactions --------------------------------------------------------------------

    def _set_status(self, text: str):
        self._status.setText(text)
        self.status_changed.emit(text)

    def _hint(self, html: str):
        self.controls.hint.setText(html)

    def _start_problem(self) -> str:
        if self._dataset is None:
            return "no dataset is loaded yet"
        return self.draft.problem()

    def _on_validity(self, _problem: str = ""):
        self.controls.block_start(self._start_problem())

    def _on_draft_changed(self):
        if self.state == IDLE and not self.controls.banner.isVisible():
            self._show_ready()
        if self._rerun_of is not None:
            self._show_rerun_hint()

    def _show_ready(self):
        if self._dataset is None:
            self._hint("Load a dataset (Data panel or File menu) to train a network.")
            return
        problem = self.draft.problem()
        if problem:
            self._hint(f"Fix the settings first: {problem}")
            return
        d, c, spec = self._dataset, self.draft.config(), self.draft.spec()
        n = min(self.draft.train_images(), images_of(d.train_labels, spec.class_labels))  # its classes' only
        n_val = round(n * c.validation_fraction)
        on = f"{d.name} · {describe([d.class_names[k] for k in spec.class_labels])}" if spec.class_labels else d.name
        self._hint(f"Ready: a {spec.n_params:,}-parameter network on {on} "
                   f"({n - n_val:,} training and {n_val:,} validation images). "
                   "Press <b>Start</b> (Ctrl+Enter), or <b>Step</b> to train one epoch at a time.")

    def _accept_suggestion(self):
        if self._suggested_lr is not None:
            self.draft.set_lr(self._suggested_lr)
        self.controls.hide_banner()

    def _use_settings(self, run: RunRecord):
        self.draft.set_spec(run.spec, run.config)


def epochs_text(n: int) -> str:
    """``n`` epochs as a sentence says it: "1 epoch", "3 epochs"."""
    return f"{n} epoch{'s' * (n != 1)}"
