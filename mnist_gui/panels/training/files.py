"""The training panel's files: Save model / Load model (the File menu's), and the curves and plots exported.

``PanelFiles(panel, hub, session, draft, plots)`` owns the two actions and the dialogs; a failed
save, load or export shows one non-blocking warning naming the file the user chose, a good one
says so in ``saved`` (for the status bar), naming the file.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from engine.network import Network
from mnist_gui.state.runs import write_csv
from mnist_gui.widgets.status_bar import saved_text
from mnist_gui.widgets.warning import WarningSlot
from mnist_gui.workers.files import read_model_job
from mnist_gui.workers.worker import TaskRunner

MODEL_FILTER = "Models saved by mnist-gui (*.npz)"


class PanelFiles(QObject):
    """Model files and exports of the training panel ``panel`` (the dialogs' parent).

    ``dataset()`` gives the dataset trained on (None before one loads); ``hint(html)`` says in the
    panel what happened. ``saved(text)``: a file was written ("Saved the plots to training.png
    in /home/ann"), after every save or export.
    """

    saved = Signal(str)

    def __init__(self, panel: QWidget, hub, session, draft, plots, dataset: Callable[[], object],
                 hint: Callable[[str], None]):
        super().__init__(panel)
        self.panel, self.hub, self.session, self.draft, self.plots = panel, hub, session, draft, plots
        self._dataset, self._hint = dataset, hint
        self._errors = WarningSlot(panel, "fileErrorDialog")
        self.model_runner = TaskRunner(self, "model")  # Load model reads in a job
        self._model_path = ""
        self.model_runner.succeeded.connect(self._on_model_read)
        self.model_runner.failed.connect(self._on_model_failed)
        self.model_runner.progressed.connect(hub.report_loading)  # the status bar shows it
        self.model_runner.busy.connect(partial(hub.set_loading, True))
        self.model_runner.idle.connect(partial(hub.set_loading, False))
        hub.cancel_requested.connect(self.model_runner.cancel)
        self.save_action = self._action("&Save model…", "saveModelAction", QKeySequence.Save,
                                        "Write the trained network (its layers and weights) to a .npz file",
                                        self._ask_save)
        self.load_action = self._action("&Load model…", "loadModelAction", QKeySequence("Ctrl+L"),
                                        "Read a network saved by mnist-gui or mnist-train: evaluate "
                                        "it and draw on it at once", self._ask_load)
        panel.addActions([self.save_action, self.load_action])  # shortcuts work in the panel too
        hub.network_changed.connect(self.update_actions)
        session.state_changed.connect(self.update_actions)
        self.update_actions()

    def _action(self, text: str, name: str, keys, tip: str, slot) -> QAction:
        action = QAction(text, self.panel, objectName=name)
        action.setShortcut(keys)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def update_actions(self, *_):
        self.save_action.setEnabled(self.hub.network is not None)
        self.load_action.setEnabled(not self.session.is_busy())

    # --- what the files hold ----------------------------------------------------------------

    def save_model(self, path) -> Path:
        """Write the current network (the last trained or loaded one) to ``path`` (.npz)."""
        network = self.hub.network
        if network is None:
            raise ValueError("There is no trained model to save yet: train one first.")
        written = network.save(path)
        self._say_saved(f"the model ({self.hub.description or network.spec.describe()})", written)
        return written

    def load_model(self, path) -> Network:
        """Read a saved network, make its layers the draft's and make it current everywhere.
        (Load model reads in the background instead: :meth:`load_model_in_background`.)"""
        if self.session.is_busy():
            raise ValueError("Stop the training run before loading a model.")
        return self._use_model(path, Network.load(path))

    def load_model_in_background(self, path) -> None:
        """:meth:`load_model`, the file read in a job (``model_runner``: progress, Cancel)."""
        if self.session.is_busy():
            raise ValueError("Stop the training run before loading a model.")
        self._model_path = str(path)
        self.model_runner.start(partial(read_model_job, str(path)))

    def _on_model_failed(self, error: Exception):
        self._guard("The model could not be loaded", self._model_path, partial(_raise, error))

    def _on_model_read(self, network):
        self._guard("The model could not be loaded", self._model_path,
                    partial(self._use_model, self._model_path, network))

    def _use_model(self, path, network) -> Network:
        if self.session.is_busy():
            raise ValueError("Stop the training run before loading a model.")
        d, spec = self._dataset(), network.spec
        if d is not None and (spec.input_size, spec.classes) != (d.input_size, d.n_classes):
            raise ValueError(f"{Path(path).name} takes {spec.input_size} pixels and {spec.classes} "
                             f"classes, but {d.name} has {d.input_size} pixels and {d.n_classes} "
                             "classes. Load a matching dataset first.")
        self.draft.set_spec(spec)
        self.hub.set_network(network, Path(path).name)
        self._hint(f"Loaded <b>{Path(path).name}</b>: {spec.describe()}, {network.n_params:,} "
                   "parameters. Evaluate it or draw on it now, or press Start to train a new one "
                   "with these layers.")
        return network

    def export_csv(self, path) -> Path:
        """Every curve of every run of the session as one CSV (run, series, epoch, value)."""
        runs = self.session.runs.runs()
        written = write_csv(path, runs)
        self._say_saved(f"the curves of {_count(len(runs), 'run')}", written)
        return written

    def export_png(self, path, scale: float | None = None) -> Path:
        """The two plots alone, at slide resolution (``TrainingPlots.export_png``); ValueError
        while they show no run (the picture would be empty)."""
        shown = [run for run in self.session.runs.runs() if run.visible and run.has_curves]
        if not shown:
            raise ValueError("The plots show no run yet: train one, or tick one in the runs list, "
                             "then save the plots.")
        written = self.plots.export_png(path, scale)
        self._say_saved(f"the plots of {_count(len(shown), 'run')}", written)
        return written

    def _say_saved(self, what: str, path: Path) -> None:
        self.saved.emit(saved_text(what, path))

    # --- dialogs ----------------------------------------------------------------------------

    def _ask_save(self):
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save the model", "model.npz", MODEL_FILTER)
        if path:
            self._guard("The model could not be saved", path, lambda: self.save_model(path))

    def _ask_load(self):
        path, _ = QFileDialog.getOpenFileName(self.panel, "Load a model", "", MODEL_FILTER)
        if path:
            self._guard("The model could not be loaded", path, partial(self.load_model_in_background, path))

    def ask_export_csv(self):
        path, _ = QFileDialog.getSaveFileName(self.panel, "Export the curves", "runs.csv", "CSV (*.csv)")
        if path:
            self._guard("The curves could not be exported", path, lambda: self.export_csv(path))

    def ask_export_png(self):
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save the plots", "training.png", "PNG (*.png)")
        if path:
            self._guard("The plots could not be saved", path, lambda: self.export_png(path))

    def _guard(self, title: str, path: str, action):
        """Run ``action``; if it fails, one dialog names the file the user chose and says why."""
        try:
            action()
        except (OSError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            self._errors.show(title, reason if str(path) in reason else f"{path}: {reason}")

    def error_dialog(self) -> QMessageBox | None:
        """The dialog of the last failed save, load or export, while it is shown."""
        return self._errors.dialog


def _raise(error: Exception):
    raise error


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"
