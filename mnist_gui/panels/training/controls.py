"""The training control bar: Start, Pause/Resume, Step, Stop, the progress bar and a message banner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.widgets.wrapped_label import WrappedLabel

#: Which buttons are enabled in each state of the panel (Start also needs valid settings and data).
ENABLED = {
    "idle": {"start", "step"},
    "running": {"pause", "stop", "step"},
    "stepping": {"pause", "stop"},
    "paused": {"pause", "stop", "step"},
    "stopping": set(),
}
PROGRESS_ROOM = "Run 7 of 7 · epoch 10 of 10"  # the progress bar's room beside all the buttons


def format_duration(seconds: float) -> str:
    """42 -> '0:42', 3725 -> '1:02:05'."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingControls(QWidget):
    """Buttons and progress; it only sends intent (signals) and shows the state it is given."""

    start_requested = Signal()
    pause_toggled = Signal()
    step_requested = Signal()
    stop_requested = Signal()
    suggestion_accepted = Signal()
    experiment_requested = Signal()
    lr_finder_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._state = "idle"
        self._start_blocked = ""
        self._build_buttons()
        self._build_banner()
        self.progress = QProgressBar(objectName="trainingProgress")
        self.progress.setToolTip("Epoch and batch of the run")
        self.progress.setFormat("Not training")
        self.progress.setValue(0)
        self.progress.setMinimumWidth(160)
        self.hint = WrappedLabel(objectName="trainingHint", least_lines=2)  # no jumps at 1 or 2 lines
        self.hint.setTextFormat(Qt.RichText)
        self.hint.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        row = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.step_button, self.stop_button):
            row.addWidget(button)
        row.addWidget(self.progress, 1)
        self.experiment_button = QPushButton("Experiment…", objectName="experimentButton")
        self.experiment_button.setToolTip(
            "Compare settings in one click: deeper networks, learning rates, batch sizes, "
            "initialisations… Each becomes a run, overlaid on the plots, with a results table")
        self.experiment_button.clicked.connect(self.experiment_requested)
        self.lr_finder_button = QPushButton("Find a learning rate", objectName="lrFinderButton")
        self.lr_finder_button.setToolTip(
            "A short test run on a copy of the network with the learning rate growing from tiny "
            "to huge: the loss falls, then blows up. The best rate is on the falling part")
        self.lr_finder_button.clicked.connect(self.lr_finder_requested)
        second = QHBoxLayout()
        second.addWidget(self.hint, 1)
        second.addWidget(self.experiment_button, 0, Qt.AlignTop)
        second.addWidget(self.lr_finder_button, 0, Qt.AlignTop)
        self._rows, self._tools_up = (row, second), False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(second)
        layout.addWidget(self.banner)
        self.set_state("idle")

    # --- where Experiment… and Find a learning rate go ---------------------------------------

    def _tools_width(self) -> int:
        return sum(b.sizeHint().width() for b in self._tools()) + 2 * self._rows[0].spacing()

    def _tools(self) -> tuple[QPushButton, QPushButton]:
        return self.experiment_button, self.lr_finder_button

    def _place_tools(self) -> None:
        """Experiment… and Find a learning rate at the end of the first row where it has room
        beside a progress bar that keeps PROGRESS_ROOM on one line, so the hint has the whole
        width (zoomed at 1280x720 it had two thirds and took three lines); else beside the hint."""
        row, second = self._rows
        buttons = (self.start_button, self.pause_button, self.step_button, self.stop_button)
        first = sum(b.sizeHint().width() for b in buttons) + len(buttons) * row.spacing()
        progress = self.progress.fontMetrics().horizontalAdvance(PROGRESS_ROOM) + 16
        up = self.width() >= first + progress + self._tools_width()
        if up == self._tools_up:
            return
        self._tools_up = up
        for button in self._tools():
            (second if up else row).removeWidget(button)
            if up:
                row.addWidget(button)
            else:
                second.addWidget(button, 0, Qt.AlignTop)

    def minimumSizeHint(self) -> QSize:
        """As narrow as with the two buttons beside the hint: where they go follows the width,
        never the other way round (else, side by side, the panel would turn to tabs for them)."""
        hint = super().minimumSizeHint()
        if self._tools_up:
            hint.setWidth(max(hint.width() - self._tools_width(),
                              self.hint.minimumSizeHint().width() + self._tools_width()))
        return hint

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._place_tools()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoom: the buttons' widths change after this
            QTimer.singleShot(0, self, self._place_tools)

    def _button(self, name: str, text: str, icon, tip: str, signal) -> QPushButton:
        button = QPushButton(self.style().standardIcon(icon), text, objectName=name)
        button.setToolTip(tip)
        font = QFont(button.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        button.setFont(font)
        button.clicked.connect(signal)
        return button

    def _build_buttons(self):
        self.start_button = self._button(
            "startButton", "Start", QStyle.SP_MediaPlay,
            "Train a new network with the settings on the left (Ctrl+Enter)", self.start_requested)
        self.start_button.setDefault(True)
        self.pause_button = self._button(
            "pauseButton", "Pause", QStyle.SP_MediaPause,
            "Hold the run between two batches; press again to resume (Space)", self.pause_toggled)
        self.step_button = self._button(
            "stepButton", "Step", QStyle.SP_MediaSeekForward,
            "Train one epoch, then pause: watch the network learn one pass at a time (Ctrl+E)",
            self.step_requested)
        self.stop_button = self._button(
            "stopButton", "Stop", QStyle.SP_MediaStop,
            "End the run after the current batch; it stays in the runs list (Esc)", self.stop_requested)
        self.shortcuts = {}
        # Start and Step work wherever the focus is while the panel is on screen (a hidden panel's
        # shortcuts are off), right after Ctrl+3 too; Space and Esc only inside the panel, where
        # they cannot be wanted by another widget's text
        for key, keys, slot, context in (
                ("start", ("Ctrl+Return", "Ctrl+Enter"), self.start_button.click, Qt.WindowShortcut),
                ("pause", ("Space",), self.pause_button.click, Qt.WidgetWithChildrenShortcut),
                ("step", ("Ctrl+E",), self.step_button.click, Qt.WindowShortcut),
                ("stop", ("Escape",), self.stop_button.click, Qt.WidgetWithChildrenShortcut)):
            for sequence in keys:
                shortcut = QShortcut(QKeySequence(sequence), self.parentWidget() or self)
                shortcut.setContext(context)
                shortcut.activated.connect(slot)
                self.shortcuts.setdefault(key, []).append(shortcut)

    def _build_banner(self):
        self.banner = QFrame(objectName="trainingBanner")
        self.banner.setFrameShape(QFrame.StyledPanel)
        self.banner.setAutoFillBackground(True)
        self.banner.setBackgroundRole(QPalette.ToolTipBase)
        self.banner.setForegroundRole(QPalette.ToolTipText)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxWarning).pixmap(32, 32))
        self.banner_text = WrappedLabel(objectName="trainingBannerText")
        self.banner_text.setForegroundRole(QPalette.ToolTipText)
        font = QFont(self.banner_text.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.banner_text.setFont(font)
        self.suggestion_button = QPushButton(objectName="suggestionButton")
        self.suggestion_button.clicked.connect(self.suggestion_accepted)
        close = QPushButton("Dismiss", objectName="dismissBanner")
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide_banner)
        layout = QHBoxLayout(self.banner)
        layout.addWidget(icon, 0, Qt.AlignTop)
        layout.addWidget(self.banner_text, 1)
        layout.addWidget(self.suggestion_button)
        layout.addWidget(close)
        self.banner.hide()

    # --- showing state ----------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, state: str) -> None:
        """"idle", "running", "stepping", "paused" or "stopping"."""
        self._state = state
        enabled = ENABLED[state]
        self.start_button.setEnabled("start" in enabled and not self._start_blocked)
        self.pause_button.setEnabled("pause" in enabled)
        self.step_button.setEnabled("step" in enabled and not (state == "idle" and self._start_blocked))
        self.stop_button.setEnabled("stop" in enabled)
        for button in (self.experiment_button, self.lr_finder_button):
            button.setEnabled(state == "idle" and not self._start_blocked)
        resume = state == "paused"
        self.pause_button.setText("Resume" if resume else "Pause")
        self.pause_button.setIcon(self.style().standardIcon(
            QStyle.SP_MediaPlay if resume else QStyle.SP_MediaPause))
        for key in ("pause", "stop"):
            for shortcut in self.shortcuts[key]:
                shortcut.setEnabled(state in ("running", "stepping", "paused"))

    def block_start(self, reason: str) -> None:
        """Disable Start (and Step) with ``reason`` as their tooltip; "" allows them again."""
        self._start_blocked = reason
        tip = "Train a new network with the settings on the left (Ctrl+Enter)"
        self.start_button.setToolTip(f"Cannot start: {reason}" if reason else tip)
        self.set_state(self._state)

    def show_banner(self, text: str, suggestion: str = "") -> None:
        """A prominent message under the buttons, with an optional one-click suggestion."""
        self.banner_text.setText(text)
        self.suggestion_button.setText(suggestion)
        self.suggestion_button.setVisible(bool(suggestion))
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()

    def show_progress(self, epoch: int, epochs: int, batch: int, n_batches: int) -> None:
        self.progress.setRange(0, max(1, epochs * n_batches))
        self.progress.setValue((epoch - 1) * n_batches + batch)
        full = f"Epoch {epoch} of {epochs} · batch {batch:,} of {n_batches:,}"
        self.progress.setToolTip(full)
        self.progress.setFormat(self._fitting(
            full, f"Epoch {epoch}/{epochs} · batch {batch:,}/{n_batches:,}",
            f"{epoch}/{epochs} · {batch:,}/{n_batches:,}"))

    def show_experiment_progress(self, run: int, runs: int, epoch: int, epochs: int, batch: int,
                                 n_batches: int) -> None:
        """One bar for a whole experiment: run ``run`` of ``runs``, and how far that run is."""
        per_run = max(1, epochs * n_batches)
        self.progress.setRange(0, runs * per_run)
        self.progress.setValue((run - 1) * per_run + (epoch - 1) * n_batches + batch)
        full = f"Run {run} of {runs} · epoch {epoch} of {epochs}"
        self.progress.setToolTip(f"{full} · batch {batch:,} of {n_batches:,}")
        self.progress.setFormat(self._fitting(full, f"Run {run}/{runs} · epoch {epoch}/{epochs}",
                                              f"{run}/{runs} · {epoch}/{epochs}"))

    def _fitting(self, *texts: str) -> str:
        """The first of ``texts`` that fits the progress bar on one line (else the last):
        wrapped, it was clipped to '... batch 339 / of 430' at 1280x720."""
        room = self.progress.contentsRect().width() - 8
        metrics = self.progress.fontMetrics()
        return next((t for t in texts if metrics.horizontalAdvance(t) <= room), texts[-1])
