"""Replay: a timeline under the runs list that shows the model run's network as it was at any kept step.

The run keeps its network at log-spaced steps (``engine.replay``); dragging the slider (or Play)
puts that snapshot into the model hub, so Draw, Evaluate, Inside and What it learned all show the
network of that moment (the training plots mark it). The slider's end is the final network again.
"Rerun with one change..." asks for the run's settings, its seed included, in the builder
(``rerun_requested``): the rerun starts from the same initial weights, so one change explains the
difference.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from engine.replay import network_at

PLAY_INTERVAL_MS = 700  # a snapshot every 0.7 s: time for the views to redraw and a class to see it


class ReplayBar(QWidget):
    """The model run's snapshots on a slider, Play/Pause and End; hidden when the model has none.

    hub : the ModelHub. Only a run's own networks are offered (``hub.run`` with ``snapshots``).
    """

    rerun_requested = Signal(object)  # the RunRecord to rerun from its initial weights with one change

    def __init__(self, hub, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("replayBar")
        self.hub = hub
        self._run = None
        self._setting = False  # the hub's change is our own
        self.title = QLabel("Replay", objectName="replayTitle")
        self.title.setToolTip("The network kept at log-spaced steps of its run (more steps early, "
                              "when it learns fastest): drag to show it as it was in every panel")
        self.slider = QSlider(Qt.Horizontal, objectName="replaySlider")
        self.slider.setToolTip(self.title.toolTip())
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._on_moved)
        self.play_button = QPushButton("Play", objectName="replayPlay", checkable=True)
        self.play_button.setToolTip("Step through the run's snapshots from its first step to its end")
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
        self.timer = QTimer(self, interval=PLAY_INTERVAL_MS, objectName="replayTimer")
        self.timer.timeout.connect(self._advance)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.where)
        layout.addWidget(self.play_button)
        layout.addWidget(self.end_button)
        layout.addWidget(self.rerun_button)
        hub.network_changed.connect(self._on_network_changed)
        self._fit_widths()
        self._on_network_changed(hub.network)

    @property
    def run(self):
        """The run being replayed (None when the model has no snapshots)."""
        return self._run

    def _on_network_changed(self, _network) -> None:
        if self._setting:
            return
        run = self.hub.run
        snapshots = getattr(run, "snapshots", ()) if run is not None else ()
        self.stop()
        if len(snapshots) < 2 or run.network is None:
            self._run = None
            self.setVisible(False)
            return
        self._run = run
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(snapshots) - 1)
        self.slider.setValue(len(snapshots) - 1)
        self.slider.blockSignals(False)
        self._fit_widths()
        self._label(len(snapshots) - 1)
        self.setVisible(True)

    def _on_moved(self, index: int) -> None:
        run = self._run
        if run is None:
            return
        last = len(run.snapshots) - 1
        snapshot = None
        if index >= last:
            network = run.network
            description = f"{run.name} ({len(run.epochs)} epochs)"
        else:
            snapshot = run.snapshots[index]
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
        last = self._run.snapshots[-1] if self._run is not None else None
        longest = f"step {last.step:,} · epoch {last.epoch:.2f}" if last else "step 1 · epoch 0.00"
        metrics = self.where.fontMetrics()
        self.where.setMinimumWidth(metrics.horizontalAdvance(longest) + 4)
        for button, words in ((self.play_button, ("Play", "Pause")), (self.end_button, ("End",))):
            button.setFixedWidth(max(metrics.horizontalAdvance(w) for w in words) + metrics.height() + 4)

    def _label(self, index: int) -> None:
        """The step and epoch shown; End is greyed out at the end, which is the final network."""
        s = self._run.snapshots[index]
        self.where.setText(f"step {s.step:,} · epoch {s.epoch:.2f}")
        self.end_button.setEnabled(index < len(self._run.snapshots) - 1)

    def _on_rerun_clicked(self) -> None:
        if self._run is not None:
            self.rerun_requested.emit(self._run)

    def go_to(self, index: int) -> None:
        self.slider.setValue(index)

    def go_to_end(self) -> None:
        self.stop()
        self.slider.setValue(self.slider.maximum())

    def _on_play_toggled(self, playing: bool) -> None:
        if not playing:
            self.timer.stop()
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self.timer.start()
        self.play_button.setText("Pause")

    def _advance(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.stop()
            return
        self.slider.setValue(self.slider.value() + 1)
        if self.slider.value() >= self.slider.maximum():
            self.stop()

    def stop(self) -> None:
        """Stop playing (the timer too)."""
        self.timer.stop()
        self.play_button.blockSignals(True)
        self.play_button.setChecked(False)
        self.play_button.blockSignals(False)
        self.play_button.setText("Play")

    def shutdown(self, timeout_ms: int = 0) -> bool:
        self.stop()
        return True
