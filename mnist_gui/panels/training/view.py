"""The "Network and training" panel: build a network, train it in a worker thread, watch the live plots.

``TrainingView(hub)`` assembles the builder, the control bar, the plots and the runs list, and
connects them to a TrainingController (the worker thread). It keeps no training maths: the
engine trains, the worker reports, this view shows.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from engine.baseline import evaluate_baseline
from engine.network import Network

from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.state.runs import RUN_COLOURS, RunRecord, write_csv
from mnist_gui.panels.training.runs_list import RunsList
from mnist_gui.panels.training.controls import TrainingControls, format_duration
from mnist_gui.panels.training.plots import TrainingPlots
from mnist_gui.workers.training import BatchProgress, TrainingController
from mnist_gui.workers.worker import TaskRunner

MODEL_FILTER = "Models saved by mnist-gui (*.npz)"


class TrainingView(QWidget):
    """The panel. Give it datasets with ``set_dataset``; stop it with ``shutdown(timeout_ms)``.

    ``file_actions()`` are the Save model / Load model actions for the File menu;
    ``status_widget()`` is a label for the status bar (samples/s and time left while training).
    """

    status_changed = Signal(str)   # the status-bar text: speed and time left, or "" when idle
    run_finished = Signal(object)  # the RunRecord of a run that just ended (any reason)

    def __init__(self, hub, parent=None):
        super().__init__(parent)
        self.hub = hub
        self._dataset = None
        self._baseline: float | None = None
        self._runs: list[RunRecord] = []
        self._current: RunRecord | None = None
        self._suggested_lr: float | None = None
        self.controller = TrainingController(hub, self)
        self._baseline_runner = TaskRunner(self)
        self._build()
        self._build_actions()
        self._connect()
        self._on_validity(self.builder.problem())
        self._show_ready()

    # --- building ---------------------------------------------------------------------------

    def _build(self):
        self.builder = NetworkBuilder()
        scroll = QScrollArea(objectName="builderScroll")
        scroll.setWidget(self.builder)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(self.builder.minimumSizeHint().width() + 24)
        self.controls = TrainingControls(self)
        self.plots = TrainingPlots()
        self.runs_list = RunsList()
        self._status = QLabel(objectName="trainingStatus")
        self._status.setToolTip("Training speed and the time left in the run")
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.plots)
        right.addWidget(self.runs_list)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(self.controls)
        column_layout.addWidget(right, 1)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(column)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([self.builder.sizeHint().width() + 24, 1000])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

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
        c, ctl = self.controller, self.controls
        c.progressed.connect(self._on_progress)
        c.epoch_ended.connect(self._on_epoch)
        c.held.connect(self._on_held)
        c.run_ended.connect(self._on_run_ended)
        c.failed.connect(self._on_failed)
        ctl.start_requested.connect(self.start)
        ctl.pause_toggled.connect(self.toggle_pause)
        ctl.step_requested.connect(self.step)
        ctl.stop_requested.connect(self.stop)
        ctl.suggestion_accepted.connect(self._accept_suggestion)
        self.builder.validity_changed.connect(self._on_validity)
        self.builder.changed.connect(self._on_builder_changed)
        self.runs_list.visibility_changed.connect(self.plots.update_run)
        self.runs_list.use_settings_requested.connect(self._use_settings)
        self.runs_list.remove_requested.connect(self.remove_run)
        self.runs_list.export_csv_requested.connect(self._ask_export_csv)
        self.runs_list.export_png_requested.connect(self._ask_export_png)
        self.hub.network_changed.connect(self._update_actions)
        self._baseline_runner.succeeded.connect(self._on_baseline)

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
        return self.controls.state

    def runs(self) -> list[RunRecord]:
        return list(self._runs)

    @property
    def current_run(self) -> RunRecord | None:
        """The run being trained (None when idle)."""
        return self._current

    def set_dataset(self, dataset) -> None:
        """Train on ``dataset`` from now on (a run in progress is stopped first)."""
        if self.controller.is_busy():
            self.stop()
        self._dataset = dataset
        self.builder.set_data_shape(dataset.input_size, dataset.n_classes, len(dataset.train_labels),
                                    dataset.image_shape)
        self._baseline = None
        self.plots.set_baseline(None)
        if len(dataset.test_labels):
            self._baseline_runner.start(lambda job, d=dataset: (d, evaluate_baseline(d, "l2").accuracy))
        self._on_validity(self.builder.problem())
        self._show_ready()

    def start(self, step: bool = False) -> RunRecord | None:
        """Train a new network with the builder's settings (``step``: pause after one epoch)."""
        if self.controller.is_busy() or self._start_problem():
            return None
        spec, config = self.builder.spec(), self.builder.config()
        n = len(self._runs) + 1
        name = f"Run {n} · {self.builder.preset_name()}" + (" (modified)" if self.builder.is_modified() else "")
        run = RunRecord(n, name, spec, config, self._dataset.name, RUN_COLOURS[(n - 1) % len(RUN_COLOURS)])
        self._runs.append(run)
        self._current = run
        self.plots.add_run(run)
        self.runs_list.add_run(run)
        self.controls.hide_banner()
        self.controller.start(spec, config, self._dataset, step=step)
        run.status = "running"
        self.runs_list.update_run(run)
        self.controls.show_progress(1, config.epochs, 0, 1)
        self._set_state("stepping" if step else "running")
        self._hint(f"Training <b>{spec.describe()}</b> on {self._dataset.name}: {config.describe()}.")
        return run

    def toggle_pause(self) -> None:
        if self.state in ("running", "stepping"):
            self.pause()
        elif self.state == "paused":
            self.resume()

    def pause(self) -> None:
        """Hold the run before its next batch."""
        if self.state in ("running", "stepping"):
            self.controller.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused":
            self.controller.resume()
            self._set_state("running")

    def step(self) -> None:
        """Train one more epoch, then pause (starts a run if none is going on)."""
        if self.state == "idle":
            self.start(step=True)
        elif self.state in ("running", "paused"):
            self.controller.step_epoch()
            self._set_state("stepping")

    def stop(self) -> None:
        """End the run after the current batch; ``run_finished`` follows."""
        if self.controller.is_busy() and self.state != "stopping":
            self.controller.stop()
            self._set_state("stopping")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop training and the baseline job and wait for their threads. True if all ended in time."""
        ok = self.controller.shutdown(timeout_ms)
        return self._baseline_runner.shutdown(timeout_ms) and ok

    def remove_run(self, run: RunRecord) -> None:
        """Forget a finished run: its row and its curves."""
        if run is self._current:
            return
        self._runs.remove(run)
        self.runs_list.remove_run(run)
        self.plots.remove_run(run)

    def save_model(self, path) -> Path:
        """Write the current network (the last trained or loaded one) to ``path`` (.npz)."""
        network = self.hub.network
        if network is None:
            raise ValueError("There is no trained model to save yet: train one first.")
        return network.save(path)

    def load_model(self, path) -> Network:
        """Read a saved network, show its layers in the builder and make it current everywhere."""
        if self.controller.is_busy():
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
        return write_csv(path, self._runs)

    def export_png(self, path) -> bool:
        return self.plots.export_png(path)

    # --- training events --------------------------------------------------------------------

    @Slot(object)
    def _on_progress(self, p: BatchProgress):
        run = self._current
        if run is None:
            return
        run.add_batch_loss(p.x, p.loss)
        self.plots.update_batches(run)
        self.controls.show_progress(p.epoch, p.epochs, p.batch, p.n_batches)
        left = "" if p.seconds_left is None else f" · about {format_duration(p.seconds_left)} left"
        self._set_status(f"{p.samples_per_second:,.0f} samples/s{left}")

    @Slot(object)
    def _on_epoch(self, event):
        run = self._current
        if run is None:
            return
        run.add_epoch(event)
        self.plots.update_epochs(run)
        self.runs_list.update_run(run)

    @Slot(int)
    def _on_held(self, _step):
        if self.state == "stepping":
            self._set_state("paused")
        if self.state == "paused" and self._current is not None:
            self._set_status("Paused")
            self._hint(f"Paused after {len(self._current.epochs)} epoch(s). Resume, Step one more "
                       "epoch, or Stop.")

    @Slot(object)
    def _on_run_ended(self, end):
        run, self._current = self._current, None
        self._set_state("idle")
        self._set_status("")
        if run is None:
            return
        run.finish(end)
        self.plots.update_epochs(run)
        self.runs_list.update_run(run)
        if end.reason == "diverged":
            lr = run.config.lr / 10
            self.controls.show_banner(f"<b>Training diverged.</b> {end.message} A smaller learning "
                                      "rate takes smaller, safer steps.", f"Use learning rate {lr:g}")
            self._suggested_lr = lr
        self._hint(self._end_text(run))
        self.run_finished.emit(run)

    @Slot(str)
    def _on_failed(self, message):
        run, self._current = self._current, None
        self._set_state("idle")
        self._set_status("")
        if run is not None:
            run.status, run.message = "failed", message
            self.runs_list.update_run(run)
            self.run_finished.emit(run)
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

    def _set_state(self, state: str):
        self.controls.set_state(state)
        if self._current is not None and state in ("running", "paused"):
            self._current.status = state
            self.runs_list.update_run(self._current)
        self._update_actions()

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
        if self.state == "idle" and self._current is None and not self.controls.banner.isVisible():
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
        self.load_action.setEnabled(not self.controller.is_busy())

    # --- dialogs ----------------------------------------------------------------------------

    def _ask_save(self):
        path, _ = QFileDialog.getSaveFileName(self, "Save the model", "model.npz", MODEL_FILTER)
        if path:
            self._guard("The model could not be saved", lambda: self.save_model(path))

    def _ask_load(self):
        path, _ = QFileDialog.getOpenFileName(self, "Load a model", "", MODEL_FILTER)
        if path:
            self._guard("The model could not be loaded", lambda: self.load_model(path))

    def _ask_export_csv(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export the curves", "runs.csv", "CSV (*.csv)")
        if path:
            self._guard("The curves could not be exported", lambda: self.export_csv(path))

    def _ask_export_png(self):
        path, _ = QFileDialog.getSaveFileName(self, "Save the plots", "training.png", "PNG (*.png)")
        if path:
            self._guard("The plots could not be saved", lambda: self.export_png(path))

    def _guard(self, title: str, action):
        try:
            action()
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, title, str(exc))
