"""Replay: a timeline under the runs list that shows the model run's network as it was at any kept step.

The run keeps its network at log-spaced steps (``engine.replay``); dragging the slider (or Play)
puts that snapshot into the model hub, so Draw, Evaluate, Inside and What it learned all show the
network of that moment (the training plots mark it). The slider's end is the final network again.
Play moves on to the next snapshot once the views that work on each network (Evaluate scoring
the test set: ``ModelHub.follow``) are done with this one, and no sooner than ``PLAY_INTERVAL_MS``.
A run without a replay (saved without it, or thinned away) shows the bar greyed out, its tooltip
saying why. "Rerun with one change..." asks for the run's settings, its seed included, in the
builder (``rerun_requested``): the rerun starts from the same initial weights, so one change
explains the difference; what the rerun changes so far is said under the bar (``set_rerun_hint``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from engine.replay import network_at
from mnist_gui.widgets.wrapped_label import WrappedLabel

PLAY_INTERVAL_MS = 700  # at least 0.7 s a snapshot: time for the views to redraw and a class to see it
TIP = ("The network kept at log-spaced steps of its run (more steps early, when it learns fastest): "
       "drag to show it as it was in every panel")


class ReplayBar(QWidget):
    """The model run's snapshots on a slider, Play/Pause and End; hidden when the model is no run's.

    hub : the ModelHub. Only a run's own networks are offered (``hub.run`` with ``snapshots``);
    a run with none greys the bar out (``replay_note`` says why).
    """

    rerun_requested = Signal(object)  # the RunRecord to rerun from its initial weights with one change
    settings_requested = Signal()     # the hint's link: show the settings (the panel in tabs)

    def __init__(self, hub, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.hub = hub
        self._run = None
        self._snapshots: tuple = ()  # the run's snapshots when it was shown (the budget may thin them later)
        self._setting = False  # the hub's change is our own
        self._due = False      # Play: the interval has passed, the next step waits for the views
        self.title = QLabel("Replay", objectName="replayTitle")
        self.slider = QSlider(Qt.Horizontal, objectName="replaySlider")
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_moved)
        self.play_button = QPushButton("Play", objectName="replayPlay", checkable=True)
        self.play_button.setToolTip("Step through the run's snapshots from its first step to its end, "
                                    "each once every panel has shown it")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.end_button = QPushButton("End", objectName="replayEnd")
        self.end_button.setToolTip("Back to the run's final network")
        self.end_button.clicked.connect(self.go_to_end)
        self.rerun_button = QPushButton("Rerun with one change…", objectName="replayRerun")
        self.rerun_button.setToolTip(
            "Put this run's settings, its seed too, into the builder: change one thing (learning "
            "rate, batch size, optimiser, ...) and press Start. The new run starts from the same "
            "initial weights, so the difference between the two runs is that change's doing.")
        self.rerun_button.clicked.connect(self._on_rerun_clicked)
        self.where = QLabel(objectName="replayWhere")
        self.rerun_hint = WrappedLabel(objectName="replayRerunHint")
        self.rerun_hint.setTextFormat(Qt.RichText)
        self.rerun_hint.linkActivated.connect(self._on_link)
        self.rerun_hint.hide()
        self.timer = QTimer(self, interval=PLAY_INTERVAL_MS, singleShot=True, objectName="replayTimer")
        self.timer.timeout.connect(self._on_interval)
        self._next = QTimer(self, interval=0, singleShot=True, objectName="replayNext")
        self._next.timeout.connect(self._advance_if_ready)  # after the views' news is all relayed
        hub.settled.connect(self._on_settled)
        self._build_layout()
        hub.network_changed.connect(self._on_network_changed)
        self._fit_widths()
        self._on_network_changed(hub.network)

    def _build_layout(self) -> None:
        self.row = QWidget(objectName="replayRow")
        row = QHBoxLayout(self.row)
        row.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.title, 0), (self.slider, 1), (self.where, 0), (self.play_button, 0),
                                (self.end_button, 0), (self.rerun_button, 0)):
            row.addWidget(widget, stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.row)
        layout.addWidget(self.rerun_hint)

    @property
    def run(self):
        """The run being replayed (None when the model has no snapshots)."""
        return self._run

    def is_playing(self) -> bool:
        return self.play_button.isChecked()

    def waiting_for_views(self) -> bool:
        """Playing, the interval passed, and a view still works on the network shown."""
        return self.is_playing() and self._due and not self.hub.is_settled()

    def _on_network_changed(self, _network) -> None:
        if self._setting:
            return
        run = self.hub.run
        snapshots = tuple(getattr(run, "snapshots", ())) if run is not None else ()
        self.stop()
        self._run, self._snapshots = None, ()
        if run is None or run.network is None:
            self.row.setVisible(False)
            self._update_visible()
            return
        self.row.setVisible(True)
        self._update_visible()
        if len(snapshots) < 2:
            self._without_replay(run)
            return
        self._run, self._snapshots = run, snapshots
        self._set_enabled(True, TIP)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(snapshots) - 1)
        self.slider.setValue(len(snapshots) - 1)
        self.slider.blockSignals(False)
        self._fit_widths()
        self._label(len(snapshots) - 1)

    def _without_replay(self, run) -> None:
        """The bar greyed out, saying why (Rerun stays: it needs no snapshots)."""
        why = getattr(run, "replay_note", "") or "No replay: this run kept no snapshots of its network."
        self._set_enabled(False, why)
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.where.setText("no replay")
        self.rerun_button.setEnabled(True)

    def _set_enabled(self, enabled: bool, tip: str) -> None:
        for widget in (self.title, self.slider, self.where, self.play_button, self.end_button):
            widget.setEnabled(enabled)
        for widget in (self.title, self.slider, self.where):
            widget.setToolTip(tip)

    def _update_visible(self) -> None:
        self.setVisible(not self.row.isHidden() or not self.rerun_hint.isHidden())

    def _on_moved(self, index: int) -> None:
        run = self._run
        if run is None:
            return
        last = len(self._snapshots) - 1
        snapshot = None
        if index >= last:
            network = run.network
            description = f"{run.name} ({len(run.epochs)} epochs)"
        else:
            snapshot = self._snapshots[index]
            network = network_at(run.network.spec, snapshot, run.network.dtype)
            description = f"{run.name} at step {snapshot.step:,} (epoch {snapshot.epoch:.2f})"
        self._setting = True
        try:
            self.hub.set_network(network, description, run, snapshot)
        finally:
            self._setting = False
        self._label(index)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.FontChange:  # zoom: the widths follow the text
            self._fit_widths()
        super().changeEvent(event)

    def _fit_widths(self) -> None:
        """Room for the read-out's longest text, so the slider keeps its width while it moves; Play
        and End as wide as their words (the style's 80-pixel buttons would widen the training
        column: it is no wider than before the Rerun button came)."""
        last = self._snapshots[-1] if self._snapshots else None
        longest = f"step {last.step:,} · epoch {last.epoch:.2f}" if last else "step 1 · epoch 0.00"
        metrics = self.where.fontMetrics()
        self.where.setMinimumWidth(metrics.horizontalAdvance(longest) + 4)
        for button, words in ((self.play_button, ("Play", "Pause")), (self.end_button, ("End",))):
            button.setFixedWidth(max(metrics.horizontalAdvance(w) for w in words) + metrics.height() + 4)

    def _label(self, index: int) -> None:
        """The step and epoch shown; End is greyed out at the end, which is the final network."""
        s = self._snapshots[index]
        self.where.setText(f"step {s.step:,} · epoch {s.epoch:.2f}")
        self.end_button.setEnabled(index < len(self._snapshots) - 1)

    def _on_rerun_clicked(self) -> None:
        run = self._run if self._run is not None else self.hub.run
        if run is not None:
            self.rerun_requested.emit(run)

    def set_rerun_hint(self, html: str) -> None:
        """What the rerun the builder holds changes so far (rich text), under the bar; "" hides it."""
        self.rerun_hint.setText(html)
        self.rerun_hint.setVisible(bool(html))
        self._update_visible()

    def _on_link(self, _link: str) -> None:
        self.settings_requested.emit()

    def go_to(self, index: int) -> None:
        self.slider.setValue(index)

    def go_to_end(self) -> None:
        self.stop()
        self.slider.setValue(self.slider.maximum())

    # --- Play: a step at least every interval, each once the views are done with the last -----

    def _on_play_toggled(self, playing: bool) -> None:
        if not playing:
            self.stop()
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self._due = False
        self.timer.start()
        self.play_button.setText("Pause")

    def _on_interval(self) -> None:
        self._due = True
        self._advance_if_ready()

    def _on_settled(self) -> None:
        if self.is_playing() and self._due:
            self._next.start()  # not within the job's news: its result is still being handed out

    def _advance_if_ready(self) -> None:
        if not (self.is_playing() and self._due) or not self.hub.is_settled():
            return  # not yet: the interval, or the views (settled calls again)
        self._due = False
        if self.slider.value() < self.slider.maximum():
            self.slider.setValue(self.slider.value() + 1)
        if self.slider.value() >= self.slider.maximum():
            self.stop()
        else:
            self.timer.start()

    def stop(self) -> None:
        """Stop playing (the timers too)."""
        self.timer.stop()
        self._next.stop()
        self._due = False
        self.play_button.blockSignals(True)
        self.play_button.setChecked(False)
        self.play_button.blockSignals(False)
        self.play_button.setText("Play")

    def shutdown(self, timeout_ms: int = 0) -> bool:
        self.stop()
        return True
