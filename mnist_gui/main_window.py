"""The main window: assembles the state, the panels, the menus and the status bar; it computes nothing."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QWidget,
)

from engine.files.onnx_export import export_onnx
from engine.files.session_file import keeps_replay_by_default
from mnist_gui import about, glossary
from mnist_gui.icons import app_icon
from mnist_gui.panels import Panel
from mnist_gui.panels.data import DataPanel
from mnist_gui.panels.draw import DrawView
from mnist_gui.panels.evaluate import EvaluateView
from mnist_gui.panels.inside import InsideView
from mnist_gui.panels.means import MeansPanel
from mnist_gui.panels.training import TrainingView
from mnist_gui.report import ReportWriter
from mnist_gui.settings import AppSettings, usable_geometry
from mnist_gui.state.data_source import DOWNLOAD_FAILED, DataSource
from mnist_gui.state.dataset_hub import DatasetHub
from mnist_gui.state.draft import DraftSettings
from mnist_gui.state.drawing import Drawing
from mnist_gui.state.evaluation import TestEvaluation
from mnist_gui.state.focus import ImageFocus
from mnist_gui.state.model_hub import ModelHub
from mnist_gui.state.presentation import Presentation
from mnist_gui.state.runs import RunsModel
from mnist_gui.state.training import TrainingSession
from mnist_gui.widgets.dialogs import DialogFit, TextDialog
from mnist_gui.widgets.navigation import PanelNavigator
from mnist_gui.widgets.panel_area import PanelArea
from mnist_gui.widgets.save_dialog import ask_save_with_choice
from mnist_gui.widgets.status_bar import SAVED_MESSAGE_MS, DataStatusBar, saved_text
from mnist_gui.widgets.warning import WarningSlot
from mnist_gui.widgets.wheel_guard import WheelGuard
from mnist_gui.widgets.zoom import apply_zoom
from mnist_gui.workers.evaluation import evaluate_job
from mnist_gui.workers.files import SessionReader
from mnist_gui.workers.worker import TaskRunner, shutdown_all

SHUTDOWN_TIMEOUT_MS = 1500  # then a job still running is left to end after the window has gone
SMALL_SCREEN_WIDTH = 1600  # below it, the window first opens as large as the screen allows
SESSION_FILTER = "Sessions saved by mnist-gui (*.npz)"
SAVE_REPLAY_TIP = ("Each run's network kept at log-spaced steps, for the Replay slider once the "
                   "session is opened again. Without it the file is much smaller and the runs open "
                   "without replay; their curves, figures and final networks are kept either way. "
                   "Ticked unless the file would pass 25 MB with it.")
ONNX_FILTER = "ONNX models, for Netron and other runtimes (*.onnx)"
REPORT_FILTER = "Web pages, readable offline (*.html)"
REMOTE_TITLES = {"mnist": "Download &MNIST (11 MB)", "fashion-mnist": "Download &Fashion-MNIST (30 MB)"}


class MainWindow(QMainWindow):
    """The app's window. ``MainWindow(data_dir=None)`` shows at once and loads in the background.

    It creates the state every panel shares (``datasets``, ``hub``, ``runs``, ``training`` (the
    TrainingSession), ``draft`` (the next run's settings), ``drawing`` (the user's drawing),
    ``evaluation`` (the test-set evaluation) and ``focus``, the image opened with "Open in
    Inside") and hands each panel the state it uses in its constructor; panels connect to it
    themselves.
    """

    dataset_changed = Signal(object)  # engine.dataset.Dataset

    def __init__(self, data_dir: str | Path | None = None, *, settings: QSettings | None = None,
                 mirrors: list[str] | None = None, load: bool = True,
                 download_if_missing: bool = True, close_timeout_ms: int = SHUTDOWN_TIMEOUT_MS):
        super().__init__()
        # ends with the app's name: the title bar then adds no second one (Qt adds the display
        # name, "— MNIST GUI", to a title that does not end with it)
        self.setWindowTitle(f"How a neural network learns — {about.APP_NAME}")
        self.setWindowIcon(app_icon())
        self._closing = False
        self._close_timeout_ms = close_timeout_ms
        self._errors = WarningSlot(self, "datasetErrorDialog")
        self._session_errors = WarningSlot(self, "sessionErrorDialog")
        self._export_errors = WarningSlot(self, "exportErrorDialog")
        self._panel_actions: dict[str, QAction] = {}
        self.settings = AppSettings(settings)
        self.presentation = Presentation(*self.settings.presentation(), parent=self)
        self.navigator = PanelNavigator(self)
        self.setCentralWidget(self.navigator)
        self.status = DataStatusBar(self)
        self.setStatusBar(self.status)
        # a long dataset path, zoomed, would make the window wider than the screen: it is cut instead
        self.status.dataset_label.setMinimumWidth(1)
        self.status.dataset_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._wheel_guard = WheelGuard(self)
        QApplication.instance().installEventFilter(self._wheel_guard)
        self._dialog_fit = DialogFit(self.presentation.zoom, self)  # every dialog: the zoom, on the screen
        QApplication.instance().installEventFilter(self._dialog_fit)
        self.datasets = DatasetHub(self)
        self.source = DataSource(self.datasets, self.settings, mirrors, download_if_missing, self)
        self.loader = self.source.loader
        self.datasets.dataset_changed.connect(self.dataset_changed)
        self.datasets.dataset_changed.connect(self.status.set_dataset)
        self.hub = ModelHub(self)
        self.runs = RunsModel(self)
        self.training = TrainingSession(self.runs, self.hub, self)
        self.draft = DraftSettings(self)
        self.drawing = Drawing(self)
        self.evaluation = TestEvaluation(self.datasets, self.hub, evaluate_job, self)
        self.focus = ImageFocus(self)
        self.report_writer = ReportWriter(self)
        self.report_writer.written.connect(self._on_report_written)
        self.report_writer.failed.connect(partial(self._export_errors.show, "The lesson report could not be written"))
        self._build_menus()
        self._add_default_panels()
        self._connect_loader()
        self.session_reader = SessionReader(self)
        self._connect_session_reader()
        self.presentation.changed.connect(self._on_presentation_changed)
        self.navigator.panel_changed.connect(self._zoom_new_widgets)
        if self.presentation.zoom != 1.0:
            apply_zoom(self, self.presentation.zoom)
        self._restore_geometry()
        if load:
            QTimer.singleShot(0, partial(self._start_up, data_dir))

    # --- assembling -------------------------------------------------------------------------

    def _add_default_panels(self):
        self.data_panel = DataPanel(self.datasets, self.focus, self.source)
        self.means_panel = MeansPanel(self.datasets)
        self.add_panel("data", "Data", self.data_panel, "data", "Ctrl+1",
                       "Browse every image of the dataset")
        self.add_panel("means", "Mean digits", self.means_panel, "means", "Ctrl+2",
                       "The average digit of each class and the simplest classifier")
        self.training_view = TrainingView(self.datasets, self.hub, session=self.training, draft=self.draft)
        self.draw_view = DrawView(self.datasets, self.hub, self.drawing, focus=self.focus)
        self.evaluate_view = EvaluateView(self.datasets, self.hub, self.focus, self.evaluation, self.drawing)
        self.add_panel("training", "Network and training", self.training_view, "network", "Ctrl+3",
                       "Build a network, train it and watch it learn")
        self.add_panel("draw", "Draw", self.draw_view, "draw", "Ctrl+4",
                       "Draw a digit and see what the network reads")
        self.add_panel("evaluate", "Evaluate", self.evaluate_view, "evaluate", "Ctrl+5",
                       "Confusion matrix, mistakes, and what the hidden units learned")
        self.inside_view = InsideView(self.datasets, self.hub, self.runs, self.focus, self.drawing)
        self.add_panel("inside", "Inside the network", self.inside_view, "inside", "Ctrl+6",
                       "One gradient step in slow motion, gradients per layer, the hidden space, saliency")
        self._connect_model_panels()
        self.data_panel.choose_folder_requested.connect(self.choose_folder)
        self.navigator.show_panel("data")

    def _connect_model_panels(self):
        """Model files in the File menu; an image sent to the browser, the canvas or Inside brings
        that panel to the front (the panels themselves listen to ``focus``, and the drawing reaches
        Evaluate and Inside through ``drawing``)."""
        for action in self.training_view.file_actions():
            self.file_menu.insertAction(self._model_separator, action)
        self.status.addPermanentWidget(self.training_view.status_widget())
        self.model_status = QLabel("Model: none yet", objectName="modelStatus")
        self.model_status.setToolTip("The network that Draw, Evaluate and Inside use: the run "
                                     "training now, or the one chosen with 'Use its network'")
        self.status.addPermanentWidget(self.model_status)
        self.hub.network_changed.connect(self._on_model_changed)
        self.training_view.saved.connect(self._on_saved)
        self.inside_view.preset_requested.connect(self.use_preset)
        self.focus.opened.connect(self._on_image_opened)
        self.focus.browse_requested.connect(self._on_browse_requested)
        self.focus.canvas_requested.connect(self._on_canvas_requested)

    def _on_image_opened(self, _image):
        self.show_panel("inside")

    def _on_browse_requested(self, _split, _index):
        self.show_panel("data")

    def _on_canvas_requested(self, _image):
        self.show_panel("draw")

    def use_preset(self, name: str):
        """Make an engine preset the next run's settings and show the builder, ready to Start."""
        self.draft.set_preset(name)
        self.show_panel("training")

    def add_panel(self, key: str, title: str, widget: QWidget, icon=None, shortcut: str | None = None,
                  tooltip: str = "") -> QWidget | None:
        """Add a panel (or replace the panel with the same key). Returns the replaced widget.

        widget : a QWidget keeping the ``panels.Panel`` protocol (TypeError otherwise).
        icon : a name of an SVG in ``resources`` or a QIcon; shortcut : e.g. ``"Ctrl+3"``.
        """
        if not isinstance(widget, Panel):
            raise TypeError(f"{type(widget).__name__} is not a panel: it has no shutdown(timeout_ms)")
        # in an area that scrolls when the window is smaller than the panel (zoomed, small screen)
        old = self.navigator.set_panel(key, title, PanelArea(widget), icon, tooltip)
        if old is not None:
            area, old = old, old.takeWidget()
            area.deleteLater()
            self._retire(old)
        action = self._panel_actions.get(key)
        if action is None:
            action = QAction(self)
            action.triggered.connect(partial(self._on_panel_action, key))
            self._panel_actions[key] = action
            self.view_menu.insertAction(self._view_separator, action)
            self.addAction(action)
        action.setText(title.replace("&", "&&"))
        action.setShortcut(QKeySequence(shortcut) if shortcut else action.shortcut())
        action.setToolTip(tooltip or title)
        return old

    def _on_panel_action(self, key: str, _checked: bool = False):
        self.show_panel(key)

    def _retire(self, old: QWidget):
        """A replaced panel: its timers and jobs are stopped first."""
        old.shutdown(SHUTDOWN_TIMEOUT_MS)
        old.deleteLater()

    def panel(self, key: str) -> QWidget:
        return self.navigator.panel(key).panel()

    def panels(self) -> list[QWidget]:
        """Every panel, in the order of the sidebar."""
        keys = self.navigator.keys()  # a list of the sidebar's keys
        return [self.panel(key) for key in keys]

    def current_panel(self) -> QWidget | None:
        """The panel on screen (inside its scroll area)."""
        area = self.navigator.stack.currentWidget()
        return area.panel() if area is not None else None

    def show_panel(self, key: str):
        self.navigator.show_panel(key)

    def _build_menus(self):
        file_menu = self.file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open dataset folder…", self.choose_folder, QKeySequence.Open,
                     "Load MNIST or Fashion-MNIST files (IDX .gz or CSV) from a folder")
        for key, title in REMOTE_TITLES.items():
            self._action(file_menu, title, partial(self.download, key), None,
                         "Download once into the cache, then load it")
        self._action(file_menu, "Use &offline digits", self.use_offline_digits, None,
                     "1,797 small 8×8 digits built into the app")
        file_menu.addSeparator()
        self._model_separator = file_menu.addSeparator()  # Save / Load model go in between
        self.save_session_action = self._action(
            file_menu, "Save &session…", self._ask_save_session, "Ctrl+Shift+S",
            "Every run of this session (settings, curves and networks) in one file, to show again later")
        self.save_session_action.setObjectName("saveSessionAction")
        self.open_session_action = self._action(
            file_menu, "Open s&ession…", self._ask_open_session, "Ctrl+Shift+O",
            "Restore the runs of a saved session (from the app or mnist-train --experiment)")
        self.open_session_action.setObjectName("openSessionAction")
        file_menu.addSeparator()
        self.export_onnx_action = self._action(
            file_menu, "Export network to O&NNX…", self._ask_export_onnx, None,
            "Save the current network as an ONNX model, to open in Netron or run elsewhere")
        self.export_onnx_action.setEnabled(False)
        self._action(file_menu, "Export &lesson report…", self._ask_export_report, None,
                     "One web page of the lesson's runs, results and plots, readable offline")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit, "Close the app")
        self.view_menu = self.menuBar().addMenu("&View")
        self._view_separator = self.view_menu.addSeparator()
        self._build_zoom_actions()
        self._action(self.view_menu, "&Full screen", self._toggle_full_screen, "F11",
                     "Fill the screen (for a projector)")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Start here", self.show_start_here, QKeySequence.HelpContents,
                     "A short tour of the panels and the words they use (F1)"
                     ).setObjectName("startHereAction")
        self._action(help_menu, "&About MNIST GUI", self.show_about, None, "Versions and credits")

    def _build_zoom_actions(self):
        p = self.presentation
        self.presentation_action = self._action(
            self.view_menu, "&Presentation mode", p.set_presenting, "F5",
            "Everything larger, to be read from the back of a classroom (remembered)")
        self.presentation_action.setObjectName("presentationAction")
        self.presentation_action.setCheckable(True)
        self.presentation_action.setChecked(p.presenting)
        self.zoom_in_action = self._action(self.view_menu, "Zoom &in", p.zoom_in, QKeySequence.ZoomIn,
                                           "Larger text, lines and markers (Ctrl+Plus)")
        self.zoom_in_action.setObjectName("zoomInAction")
        self.zoom_in_action.setShortcuts([QKeySequence.ZoomIn, QKeySequence("Ctrl+=")])
        self.zoom_out_action = self._action(self.view_menu, "Zoom &out", p.zoom_out, QKeySequence.ZoomOut,
                                            "Smaller text, lines and markers (Ctrl+Minus)")
        self.zoom_out_action.setObjectName("zoomOutAction")
        self._action(self.view_menu, "&Actual size", p.reset_zoom, "Ctrl+0",
                     "The normal size of this mode (Ctrl+0)").setObjectName("zoomResetAction")
        self.view_menu.addSeparator()

    def _zoom_new_widgets(self, _key: str = ""):
        """Widgets made since the last zoom (a panel's first showing) get the zoom too."""
        if self.presentation.zoom != 1.0:
            apply_zoom(self, self.presentation.zoom)

    def _on_presentation_changed(self, zoom: float, presenting: bool):
        self.presentation_action.setChecked(presenting)
        self.settings.set_presentation(zoom, presenting)
        self._dialog_fit.set_zoom(zoom)
        apply_zoom(self, zoom)

    def _action(self, menu, text, slot, shortcut, tip) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _connect_loader(self):
        self.loader.progressed.connect(self.status.show_progress)
        self.loader.busy.connect(partial(self.status.set_busy, True))
        self.loader.idle.connect(partial(self.status.set_busy, False))
        self.status.cancel_requested.connect(self.source.cancel)
        self.source.message.connect(self.status.showMessage)
        self.source.error.connect(self.show_error)
        self.source.notice_changed.connect(self._on_notice_changed)

    def _connect_session_reader(self):
        reader = self.session_reader
        reader.read.connect(self._on_session_read)
        reader.failed.connect(self._on_session_failed)
        reader.progressed.connect(self.status.show_progress)
        reader.busy.connect(partial(self.status.set_busy, True))
        reader.idle.connect(self._on_file_job_idle)
        reader.cancelled.connect(self._on_session_cancelled)
        self.status.cancel_requested.connect(reader.cancel)
        hub = self.hub  # Load model reads in a job too: the hub says so, whichever panel reads
        hub.loading_progressed.connect(self.status.show_progress)
        hub.loading_changed.connect(self._on_model_loading)
        self.status.cancel_requested.connect(hub.cancel_loading)

    def _on_model_loading(self, loading: bool):
        if loading:
            self.status.set_busy(True)
        else:
            self._on_file_job_idle()

    def _on_file_job_idle(self):
        self.status.set_busy(self.loader.is_busy())

    def _on_session_failed(self, _path: str, message: str):
        self._session_errors.show("The session could not be opened", message, "The runs you had are still here.")

    def _on_session_cancelled(self):
        self.status.showMessage("Opening the session cancelled: the runs you had are still here", 5000)

    # --- the dataset ------------------------------------------------------------------------

    @property
    def dataset(self):
        """The dataset every panel shows (None until the first one loads)."""
        return self.datasets.dataset

    def set_dataset(self, dataset, source: str | None = None):
        """Make ``dataset`` current; ``source`` (if given) is remembered for the next start."""
        self.source.set_dataset(dataset, source)

    def _start_up(self, data_dir):
        if not self._closing:
            self.source.start_up(data_dir)

    def open_folder(self, folder: str | Path):
        """Load a folder in the background; on failure a dialog names the file and the problem."""
        self.source.open_folder(folder)

    def download(self, key: str):
        self.source.download(key)

    def use_offline_digits(self):
        self.source.use_offline()

    def choose_folder(self):
        source = self.dataset.source if self.dataset is not None else ""
        start = source if source and Path(source).is_dir() else str(Path.home())  # not "built in: …"
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder with MNIST files", start)
        if folder:
            self.open_folder(folder)

    def _on_notice_changed(self, notice):
        if notice.kind == DOWNLOAD_FAILED:  # the banner on the Data panel says why, and the ways out
            self.show_panel("data")

    def _on_model_changed(self, network):
        self.model_status.setText(f"Model: {self.hub.description or 'none yet'}"
                                  if network is not None else "Model: none yet")
        self.export_onnx_action.setEnabled(network is not None)

    # --- sessions ---------------------------------------------------------------------------

    def save_session(self, path, replay: bool = True) -> Path:
        """Write every finished run to ``path`` (a .npz session file), with what is shown of them
        (ticked runs, results tables, the model) and, if ``replay``, their replay snapshots; the
        status bar says so. ValueError/OSError on failure."""
        written = self.runs.save(path, model=self.hub.run, replay=replay)
        n, tables = sum(not run.status.active for run in self.runs), len(self.runs.results())
        what = f"the session ({n:,} run{'s' * (n != 1)}" + (
            f", {tables} results table{'s' * (tables != 1)}" if tables else "") + (
            ")" if replay or not self.runs.replay_total() else ", without replay)")
        self._on_saved(saved_text(what, written))
        return written

    def _on_saved(self, text: str):
        self.status.showMessage(text, SAVED_MESSAGE_MS)

    def open_session(self, path) -> list:
        """Replace the runs by those of the session file ``path``, shown as they were saved;
        ValueError (naming the file) if it is not a good one, and then nothing changes.
        (File > Open session reads in the background instead: :meth:`open_session_in_background`.)"""
        from engine.files.session_file import read_session
        if self.runs.active is not None:
            raise ValueError("Stop the training run before opening a session.")
        return self._show_session(path, *self.runs.take_session(read_session(path)))

    def open_session_in_background(self, path):
        """Read the session file ``path`` in a job, with progress and Cancel in the status bar; its
        runs replace the current ones once all are read (``session_reader.read``), or a dialog says
        why not and nothing changes."""
        if self.runs.active is not None:
            raise ValueError("Stop the training run before opening a session.")
        self.session_reader.open(path)

    def _on_session_read(self, path: str, session):
        if self.runs.active is not None:  # a run was started while the file was read
            self._session_errors.show("The session could not be opened", f"{path}: a run is training; "
                                      "stop it and open the session again.", "The runs you had are still here.")
            return
        self._show_session(path, *self.runs.take_session(session))

    def _show_session(self, path, runs: list, model=None) -> list:
        """The model is the run that was when the session was saved; in a session that does not
        say (an older file, or the model was a loaded file), the last run with a network."""
        with_network = [run for run in runs if run.network is not None]
        if not (model is not None and self.hub.show_run(model)) and with_network:
            self.hub.show_run(with_network[-1])
        hidden = sum(not run.visible for run in runs)  # a long session shows its last runs only
        self.status.showMessage(f"Opened {Path(path).name}: {len(runs):,} run(s)" + (
            f", the last {len(runs) - hidden} on the plots (tick others in the runs list)." if hidden else "."), 10000)
        return runs

    def _ask_save_session(self):
        rest, replay = self.runs.saved_size()
        if replay:
            choice = f"Keep the replay (adds {_megabytes(replay)}; {_megabytes(rest)} without it)"
        else:
            choice = "Keep the replay (no run has one)"
        path, keep = ask_save_with_choice(self, "Save the session", "lesson.session.npz", SESSION_FILTER,
                                          choice, SAVE_REPLAY_TIP, keeps_replay_by_default(rest, replay))
        if path:
            self._guard("The session could not be saved", partial(self.save_session, path, keep))

    def _ask_open_session(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open a session", "", SESSION_FILTER)
        if path:
            self._guard("The session could not be opened", lambda: self.open_session_in_background(path))

    # --- exports ----------------------------------------------------------------------------

    def export_onnx(self, path) -> Path:
        """Write the current network to ``path`` as ONNX (atomically). ValueError without a
        network, ImportError (saying what to install) without the onnx package, OSError."""
        network, dataset = self.hub.network, self.datasets.dataset
        if network is None:
            raise ValueError("There is no network to export yet: train one or load a model first.")
        names = dataset.class_names if dataset is not None else ()
        written = export_onnx(network, path, tuple(names) if len(names) == network.spec.classes else None)
        self.status.showMessage(f"Exported {self.hub.description or 'the network'} to {written.name}: "
                                "open it in Netron to see its graph", 10000)
        return written

    def export_report(self, path) -> None:
        """Write the lesson report to ``path``: gathered now, built and written in a job."""
        self.report_writer.write(path, self.runs, self.datasets, self.hub, self.evaluation)
        self.status.showMessage(f"Writing the lesson report {Path(path).name}…")

    def _on_report_written(self, path: str):
        self.status.showMessage(f"Wrote the lesson report {Path(path).name}: open it in any web browser, "
                                "no internet needed", 10000)

    def _ask_export_onnx(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export the network to ONNX", "network.onnx", ONNX_FILTER)
        if path:
            try:
                self.export_onnx(path)
            except (OSError, ValueError, ImportError) as exc:
                self._export_errors.show("The network could not be exported", str(exc))

    def _ask_export_report(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export the lesson report", "lesson-report.html",
                                              REPORT_FILTER)
        if path:
            self.export_report(path)

    def _guard(self, title: str, action):
        try:
            action()
        except (OSError, ValueError) as exc:
            self._session_errors.show(title, str(exc), "The runs you had are still here.")

    def show_error(self, title: str, message: str):
        """A non-blocking warning dialog (objectName ``datasetErrorDialog``)."""
        self._errors.show(title, message, "Nothing was changed: the data you had is still loaded.")

    def error_dialog(self) -> QMessageBox | None:
        return self._errors.dialog

    # --- window -----------------------------------------------------------------------------

    def show_start_here(self):
        box = TextDialog("Start here", glossary.start_here_html(), self)
        box.setObjectName("startHereDialog")
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def show_about(self):
        QMessageBox.about(self, f"About {about.APP_NAME}", about.about_html())

    def _toggle_full_screen(self):
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _restore_geometry(self):
        """The remembered geometry if it fits a screen and is not tiny (it may be garbage), else
        the first launch's size, centred on the screen if a bad one was restored."""
        geometry = self.settings.geometry()
        restored = geometry is not None and self.restoreGeometry(geometry)
        screens = [s.availableGeometry() for s in QApplication.screens()]
        if restored and usable_geometry(self.geometry(), screens):
            return
        screen = QApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        self.setWindowState(Qt.WindowNoState)
        self.resize(first_size(avail.size() if avail else None))
        if restored and avail is not None:
            self.move(avail.center() - self.rect().center())

    def shutdown(self, timeout_ms: int) -> bool:
        """Ask every job to stop, then wait for them all, ``timeout_ms`` in all. True if all ended.

        A job that cannot stop in time (a blocking read on a stalled network share) is left to
        end by itself: ``mnist_gui.app`` waits for it after the window has closed.
        """
        ok = shutdown_all(self.findChildren(TaskRunner), timeout_ms)  # every job, asked at once
        return all([panel.shutdown(0) for panel in self.panels()]) and ok  # their timers; jobs ended

    def closeEvent(self, event):
        """Remember the geometry, ask every worker to stop, and wait for them (with a timeout).

        The app (``mnist_gui.app.main``) passes ``close_timeout_ms=0``: the window then goes at
        once, and the app waits for the jobs after its event loop has ended, when nothing is on
        the screen any more. The settings are on disk before that wait.
        """
        self._closing = True
        self.settings.set_geometry(self.saveGeometry())
        self.settings.qsettings.sync()
        self.shutdown(self._close_timeout_ms)
        self._errors.close()
        self._session_errors.close()
        super().closeEvent(event)


def first_size(available: QSize | None) -> QSize:
    """The window's size at its first launch: the whole of a small screen (a 1280x720 laptop or
    projector: the training panel needs its width to show the settings beside the plots), else
    92 % of it, at most 1800x1150."""
    if available is None:
        return QSize(1280, 760)
    if available.width() < SMALL_SCREEN_WIDTH:
        return QSize(available)
    return QSize(min(1800, int(available.width() * 0.92)), min(1150, int(available.height() * 0.92)))


def _megabytes(n: int) -> str:
    """A file's size as a Save dialog says it: '1.3 MB', '45 MB'."""
    return f"{n / 1e6:.1f} MB" if n < 1e7 else f"{n / 1e6:.0f} MB"
