"""The "Network and training" panel: build a network, train it in a worker thread, watch the live plots.

``TrainingView(datasets, hub, runs)`` assembles the builder, the control bar, the plots and the
runs list around a TrainingSession (the state machine of training, on the one worker). It keeps
no training maths and no run state: the engine trains, the session keeps the runs, this view shows.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QSplitterHandle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.memory import check_training_fits
from engine.network import Network
from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.panels.training.controls import TrainingControls, format_duration
from mnist_gui.panels.training.experiments import ExperimentDialog, ExperimentResults
from mnist_gui.panels.training.lr_finder import LRFinderDialog
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.state.runs import RunRecord, RunsModel, write_csv
from mnist_gui.state.training import IDLE, TrainingSession
from mnist_gui.widgets.warning import WarningSlot
from mnist_gui.workers.training import BatchProgress
from mnist_gui.workers.worker import TaskRunner

MODEL_FILTER = "Models saved by mnist-gui (*.npz)"


class TrainingView(QWidget):
    """The panel: trains on the DatasetHub's dataset; stop it with ``shutdown(timeout_ms)``.

    ``file_actions()`` are the Save model / Load model actions for the File menu;
    ``status_widget()`` is a label for the status bar (samples/s and time left while training).
    """

    status_changed = Signal(str)   # the status-bar text: speed and time left, or "" when idle

    def __init__(self, datasets, hub, runs: RunsModel | None = None, parent=None):
        super().__init__(parent)
        self.datasets, self.hub = datasets, hub
        self.runs_model = runs if runs is not None else RunsModel(self)
        self._dataset = None
        self._baseline: float | None = None
        self._suggested_lr: float | None = None
        self._errors = WarningSlot(self, "fileErrorDialog")
        self.session = TrainingSession(self.runs_model, hub, self)
        self.lr_runner = TaskRunner(self, "lr-finder")
        self._experiment_at = (1, 1)  # the experiment's run under way, and how many runs in all
        self.lr_dialog: LRFinderDialog | None = None
        self._build()
        self._build_actions()
        self._connect()
        self._on_validity(self.builder.problem())
        self._show_ready()
        datasets.dataset_changed.connect(self._on_dataset_changed)
        datasets.baseline_changed.connect(self._on_baseline_changed)
        if datasets.dataset is not None:
            self._on_dataset_changed(datasets.dataset)
            self._on_baseline_changed(datasets.baseline)

    # --- building ---------------------------------------------------------------------------

    def _build(self):
        self.builder = NetworkBuilder()
        self.builder_scroll = BuilderScroll(self.builder)
        self.controls = TrainingControls(self)
        self.plots = TrainingPlots(self.runs_model)
        self.runs_list = RunsList(self.runs_model)
        self.results = ExperimentResults(self.runs_model)
        self.results.hide()
        self._status = QLabel(objectName="trainingStatus")
        self._status.setToolTip("Training speed and the time left in the run")
        right = GripSplitter(Qt.Vertical, objectName="plotsSplitter")
        right.addWidget(self.plots)
        right.addWidget(self.runs_list)
        right.addWidget(self.results)
        right.setHandleWidth(9)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([600, 400, 300])  # proportions: the runs list had 2.5 rows, now 5 at 1280x720; drag to resize
        self.training_column = QWidget(objectName="trainingColumn")
        column_layout = QVBoxLayout(self.training_column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(self.controls)
        column_layout.addWidget(right, 1)
        self.splitter = QSplitter(Qt.Horizontal, objectName="builderSplitter")
        self.tabs = QTabWidget(objectName="trainingTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.hide()
        self._splitter_sizes = [self.builder.sizeHint().width() + 24, 1000]
        self._place_side_by_side()
        layout = QHBoxLayout(self)
        layout.addWidget(self.splitter)
        layout.addWidget(self.tabs)

    # --- side by side, or in two tabs when the panel is too narrow (zoom, small screen) ------

    def is_tabbed(self) -> bool:
        """True while the settings and the plots are two tabs (the panel is narrower than both)."""
        return not self.tabs.isHidden()

    def side_by_side_width(self) -> int:
        """The least width that shows the settings beside the plots."""
        margins = self.layout().contentsMargins()
        return (_least_width(self.builder_scroll) + self.splitter.handleWidth()
                + _least_width(self.training_column) + margins.left() + margins.right())

    def minimumSizeHint(self) -> QSize:
        """As narrow as the tabs can be: below the side-by-side width the panel turns into tabs."""
        hint = super().minimumSizeHint()
        if self.is_tabbed():
            return hint
        margins = self.layout().contentsMargins()
        tabbed = (max(_least_width(self.builder_scroll), _least_width(self.training_column))
                  + margins.left() + margins.right() + 8)  # 8: the tab page's frame
        return QSize(min(hint.width(), tabbed), hint.height())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._arrange()

    def event(self, event) -> bool:
        if event.type() == QEvent.LayoutRequest:  # a minimum width changed (zoom, a new run)
            self._arrange()
        return super().event(event)

    def _arrange(self):
        tabbed = self.width() < self.side_by_side_width()
        if tabbed != self.is_tabbed():
            self._place_in_tabs() if tabbed else self._place_side_by_side()

    def _place_in_tabs(self):
        if self.splitter.isVisible():  # the shares as shown (dragged, maybe), for coming back
            self._splitter_sizes = self.splitter.sizes()
        self.splitter.hide()
        self.tabs.addTab(self.builder_scroll, "Network and settings")
        self.tabs.addTab(self.training_column, "Training and plots")
        self.tabs.setTabToolTip(0, "The layers and the training settings (beside the plots when "
                                   "the window is wide enough)")
        self.tabs.setTabToolTip(1, "Start, Step and Stop, the live plots and the runs")
        self.tabs.setCurrentIndex(1)  # a presentation watches the plots
        self.tabs.show()

    def _place_side_by_side(self):
        while self.tabs.count():
            self.tabs.removeTab(0)
        self.tabs.hide()
        for index, widget in enumerate((self.builder_scroll, self.training_column)):
            self.splitter.insertWidget(index, widget)
            widget.show()
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes(self._splitter_sizes)
        self.splitter.show()

    def _build_actions(self):
        self.save_action = QAction("&Save model…", self, objectName="saveModelAction")
        self.save_action.setShortcut(QKeySequence.Save)
        self.save_action.setStatusTip("Write the trained network (its layers and weights) to a .npz file")
        self.save_action.setToolTip(self.save_action.statusTip())
        self.save_action.triggered.connect(self._ask_save)
        self.load_action = QAction("&Load model…", self, objectName="loadModelAction")
        self.load_action.setShortcut(QKeySequence("Ctrl+L"))
        self.load_action.setStatusTip("Read a network saved by mnist-gui or mnist-train: evaluate "
                                      "it and draw on it at once")
        self.load_action.setToolTip(self.load_action.statusTip())
        self.load_action.triggered.connect(self._ask_load)
        self.addActions([self.save_action, self.load_action])  # shortcuts work in the panel too
        self._update_actions()

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
        self.lr_runner.progressed.connect(self._on_lr_progress)
        self.lr_runner.succeeded.connect(self._on_lr_found)
        self.lr_runner.failed.connect(self._on_lr_failed)
        self.builder.validity_changed.connect(self._on_validity)
        self.builder.changed.connect(self._on_builder_changed)
        self.runs_list.use_settings_requested.connect(self._use_settings)
        self.runs_list.use_network_requested.connect(self.use_run)
        self.runs_list.run_selected.connect(self.plots.set_selected_run)
        self.runs_list.remove_requested.connect(self.remove_run)
        self.runs_list.export_csv_requested.connect(self._ask_export_csv)
        self.runs_list.export_png_requested.connect(self._ask_export_png)
        self.hub.network_changed.connect(self._update_actions)

    def _on_lr_failed(self, error):
        if self.lr_dialog:
            self.lr_dialog.show_failure(str(error))

    # --- public API -------------------------------------------------------------------------

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
        self.builder.set_data_shape(dataset.input_size, dataset.n_classes, len(dataset.train_labels),
                                    dataset.image_shape)
        self._on_validity(self.builder.problem())
        self._show_ready()

    def _on_baseline_changed(self, baseline) -> None:
        self._baseline = None if baseline is None else baseline.accuracy
        self.plots.set_baseline(self._baseline)

    def start(self, step: bool = False) -> RunRecord | None:
        """Train a new network with the builder's settings (``step``: pause after one epoch)."""
        if self.session.is_busy() or self._start_problem():
            return None
        spec, config = self.builder.spec(), self.builder.config()
        try:  # the memory free now, which may be less than when the settings were checked
            check_training_fits(spec, config, len(self._dataset.train_labels))
        except ValueError as exc:
            self.controls.show_banner(f"<b>The run cannot start.</b> {exc}")
            return None
        name = "Run {n} · " + self.builder.preset_name().replace("{", "(").replace("}", ")") + (
            " (modified)" if self.builder.is_modified() else "")
        self.controls.hide_banner()
        run = self.session.start(name, spec, config, self._dataset, step=step)
        self.controls.show_progress(1, config.epochs, 0, 1)
        self.tabs.setCurrentWidget(self.training_column)  # in tabs: watch it train
        self._hint(f"Training <b>{spec.describe()}</b> on {self._dataset.name}: {config.describe()}.")
        return run

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
        """Stop training (and a learning-rate test) and wait for their threads. True if all ended."""
        ok = self.session.shutdown(timeout_ms)
        return self.lr_runner.shutdown(timeout_ms) and ok

    # --- experiments and the learning-rate finder -----------------------------------------------

    def start_experiment(self, experiment) -> None:
        """Queue every configuration of an engine ``Experiment`` on the builder's dataset."""
        if self.session.is_busy() or self._dataset is None:
            return
        self.controls.hide_banner()
        configurations = experiment.configurations()
        problems = self.session.start_experiment(experiment.name, configurations, self._dataset)
        cannot = "".join(f"<br>{html.escape(label)} cannot run: {html.escape(why)}" for label, why in problems)
        self._hint(f"Experiment <b>{html.escape(experiment.name)}</b>: {len(configurations)} runs, one after "
                   f"another. Stop ends the current run and the rest.{cannot}")

    def find_learning_rate(self) -> None:
        """Run the range test on a copy of the builder's network; the dialog shows the curve."""
        if self.session.is_busy() or self._start_problem():
            return
        from engine.lr_finder import find_learning_rate
        spec, config, d = self.builder.spec(), self.builder.config(), self._dataset
        images, labels = d.train_images, d.train_labels

        def job(worker):
            return find_learning_rate(Network(spec), config, images, labels, check=worker.check,
                                      progress=lambda done, total: worker.progress(done, total))

        if self.lr_dialog is None:
            self.lr_dialog = LRFinderDialog(self)
            self.lr_dialog.use_requested.connect(self.builder.lr_spin.set_exact)
        self.lr_dialog.show()
        self.lr_runner.start(job)

    def _on_lr_progress(self, done: int, total: int, _text: str):
        if self.lr_dialog is not None:
            self.lr_dialog.show_progress(done, total)

    def _on_lr_found(self, result):
        if self.lr_dialog is not None:
            self.lr_dialog.show_result(result)

    def _ask_experiment(self):
        dialog = ExperimentDialog(self.builder.spec(), self.builder.config(), self)
        if dialog.exec():
            self.start_experiment(dialog.experiment())

    def _on_experiment_progressed(self, number: int, count: int, label: str):
        self._experiment_at = (number, count)
        self._hint(f"Experiment <b>{self.session.experiment}</b>: run {number} of {count}, "
                   f"<b>{label}</b>.")

    def _on_experiment_finished(self, name: str, runs: list):
        self.results.show_runs(runs)
        self.results.setVisible(bool(runs))
        best = self.results.best_row()
        if best >= 0:
            run = runs[best]
            self._hint(f"Experiment <b>{name}</b> done: {len(runs)} runs. The best is "
                       f"<b>{run.name}</b> ({100 * (run.test_accuracy or 0):.2f} % test accuracy).")

    def use_run(self, run: RunRecord) -> None:
        """Make ``run``'s final network the model that Draw and Evaluate use (selecting its row).

        A run in progress or without a network (diverged, or stopped before its first epoch)
        changes nothing: the hub keeps what it shows.
        """
        if run.status.active or run.network is None or self.hub.network is run.network:
            return
        self.hub.set_network(run.network, f"{run.name} ({len(run.epochs)} epochs)")
        self._hint(f"<b>{run.name}</b> is now the model in the Draw and Evaluate panels.")

    def remove_run(self, run: RunRecord) -> None:
        """Forget a finished run: its row, its curves and its network."""
        self.runs_model.remove(run)

    def save_model(self, path) -> Path:
        """Write the current network (the last trained or loaded one) to ``path`` (.npz)."""
        network = self.hub.network
        if network is None:
            raise ValueError("There is no trained model to save yet: train one first.")
        return network.save(path)

    def load_model(self, path) -> Network:
        """Read a saved network, show its layers in the builder and make it current everywhere."""
        if self.session.is_busy():
            raise ValueError("Stop the training run before loading a model.")
        network = Network.load(path)
        d, spec = self._dataset, network.spec
        if d is not None and (spec.input_size, spec.classes) != (d.input_size, d.n_classes):
            raise ValueError(f"{Path(path).name} takes {spec.input_size} pixels and {spec.classes} "
                             f"classes, but {d.name} has {d.input_size} pixels and {d.n_classes} "
                             "classes. Load a matching dataset first.")
        self.builder.set_spec(spec)
        self.hub.set_network(network, Path(path).name)
        self._hint(f"Loaded <b>{Path(path).name}</b>: {spec.describe()}, {network.n_params:,} "
                   "parameters. Evaluate it or draw on it now, or press Start to train a new one "
                   "with these layers.")
        return network

    def export_csv(self, path) -> Path:
        """Every curve of every run of the session as one CSV (run, series, epoch, value)."""
        return write_csv(path, self.runs_model.runs())

    def export_png(self, path, scale: float | None = None) -> Path:
        """The two plots alone, at slide resolution (``TrainingPlots.export_png``)."""
        return self.plots.export_png(path, scale)

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
        self._update_actions()
        if state == IDLE:
            self._set_status("")

    @Slot(int)
    def _on_held(self, _step):
        run = self.current_run
        if self.state == "paused" and run is not None:
            self._set_status("Paused")
            self._hint(f"Paused after {len(run.epochs)} epoch(s). Resume, Step one more "
                       "epoch, or Stop.")

    @Slot(object)
    def _on_run_finished(self, run: RunRecord):
        end = run.end
        if end is None:  # failed: _on_failed says why
            return
        if end.reason == "diverged" and not run.group:  # an experiment's runs may diverge on purpose
            lr = run.config.lr / 10
            self.controls.show_banner(f"<b>Training diverged.</b> {end.message} A smaller learning "
                                      "rate takes smaller, safer steps.", f"Use learning rate {lr:g}")
            self._suggested_lr = lr
        self._hint(self._end_text(run))

    @Slot(str)
    def _on_failed(self, message):
        self.controls.show_banner(f"<b>The run could not train.</b> {message}")

    def _end_text(self, run: RunRecord) -> str:
        text = {"completed": "Finished", "stopped": "Stopped", "diverged": "Diverged"}[run.status]
        text = f"{text} after {len(run.epochs)} epoch(s)."
        if run.test_accuracy is not None:
            text += f" Test accuracy <b>{100 * run.test_accuracy:.2f} %</b>"
            if self._baseline is not None:
                text += f" (the mean-digit baseline gets {100 * self._baseline:.1f} %)"
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
        return self.builder.problem()

    def _on_validity(self, _problem: str = ""):
        self.controls.block_start(self._start_problem())

    def _on_builder_changed(self):
        if self.state == IDLE and not self.controls.banner.isVisible():
            self._show_ready()

    def _show_ready(self):
        if self._dataset is None:
            self._hint("Load a dataset (Data panel or File menu) to train a network.")
            return
        problem = self.builder.problem()
        if problem:
            self._hint(f"Fix the settings first: {problem}")
            return
        d, c = self._dataset, self.builder.config()
        n_val = round(len(d.train_labels) * c.validation_fraction)
        self._hint(f"Ready: a {self.builder.spec().n_params:,}-parameter network on {d.name} "
                   f"({len(d.train_labels) - n_val:,} training and {n_val:,} validation images). "
                   "Press <b>Start</b> (Ctrl+Enter), or <b>Step</b> to train one epoch at a time.")

    def _on_baseline(self, result):
        dataset, accuracy = result
        if dataset is self._dataset:
            self._baseline = accuracy
            self.plots.set_baseline(accuracy)

    def _accept_suggestion(self):
        if self._suggested_lr is not None:
            self.builder.lr_spin.set_exact(self._suggested_lr)
        self.controls.hide_banner()

    def _use_settings(self, run: RunRecord):
        self.builder.set_spec(run.spec, run.config)

    def _update_actions(self, *_):
        self.save_action.setEnabled(self.hub.network is not None)
        self.load_action.setEnabled(not self.session.is_busy())

    # --- dialogs ----------------------------------------------------------------------------

    def _ask_save(self):
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", "model.npz", MODEL_FILTER)
        if path:
            self._guard("The model could not be saved", path, lambda: self.save_model(path))

    def _ask_load(self):
        path, _ = QFileDialog.getOpenFileName(self, "Load a model", "", MODEL_FILTER)
        if path:
            self._guard("The model could not be loaded", path, lambda: self.load_model(path))

    def _ask_export_csv(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export the curves", "runs.csv", "CSV (*.csv)")
        if path:
            self._guard("The curves could not be exported", path, lambda: self.export_csv(path))

    def _ask_export_png(self):
        path, _ = QFileDialog.getSaveFileName(self, "Save the plots", "training.png", "PNG (*.png)")
        if path:
            self._guard("The plots could not be saved", path, lambda: self.export_png(path))

    def _guard(self, title: str, path: str, action):
        """Run ``action``; if it fails, one dialog names the file the user chose and says why."""
        try:
            action()
        except (OSError, ValueError) as exc:
            self._show_error(title, path, str(exc) or type(exc).__name__)

    def _show_error(self, title: str, path: str, reason: str):
        """A non-blocking warning (objectName ``fileErrorDialog``), one at a time."""
        self._errors.show(title, reason if str(path) in reason else f"{path}: {reason}")

    def error_dialog(self) -> QMessageBox | None:
        """The dialog of the last failed save, load or export, while it is shown."""
        return self._errors.dialog


class BuilderScroll(QScrollArea):
    """The settings form, scrolling up and down but never sideways: at least as wide as the form."""

    def __init__(self, builder: QWidget, parent: QWidget | None = None):
        super().__init__(parent, objectName="builderScroll")
        self.setWidget(builder)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        width = (self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                 + 2 * self.frameWidth())
        return QSize(width, hint.height())


def _least_width(widget: QWidget) -> int:
    """How narrow a layout lets ``widget`` be (its minimum size, else its minimum size hint)."""
    return widget.minimumWidth() or widget.minimumSizeHint().width()


class GripHandle(QSplitterHandle):
    """A splitter handle that shows it can be dragged: a row of dots across its middle."""

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(self.palette().color(QPalette.PlaceholderText))
        centre = QPointF(self.rect().center())
        for step in range(-3, 4):
            offset = QPointF(0, 6 * step) if self.orientation() == Qt.Horizontal else QPointF(6 * step, 0)
            painter.drawEllipse(centre + offset, 1.5, 1.5)
        painter.end()


class GripSplitter(QSplitter):
    """A QSplitter whose handles are visible (dots) and say what dragging them does."""

    def createHandle(self) -> QSplitterHandle:
        handle = GripHandle(self.orientation(), self)
        side = "height" if self.orientation() == Qt.Vertical else "width"
        handle.setToolTip(f"Drag to share the {side} between the parts on either side")
        return handle
