"""The sliding filter's state and controls: which convolution, filter, input map and window position
the convolution pages of the step show, and the Play timer that moves the window."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.filter_trace import FilterTrace

SPEEDS = (("slowly", 600), ("quickly", 120), ("very quickly", 20))  # ms between window positions


class FilterSlide(QObject):
    """Which convolution (``layer``), filter (``filter``), input channel (``channel``, all 0-based) and
    window position (``position``, reading order) the convolution pages show; ``changed`` fires when
    any of them, the traces or playing changes.

    ``play()`` moves the window one position every ``interval`` ms until the last; ``stop()``
    (on hide and shutdown) halts the timer.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.layers: tuple[tuple[FilterTrace, ...], ...] = ()
        self.layer = 0
        self.filter = 0
        self.channel = 0
        self.position = 0
        self.timer = QTimer(self, objectName="filterSlideTimer", interval=SPEEDS[0][1])
        self.timer.timeout.connect(self._on_tick)

    @property
    def traces(self) -> tuple[FilterTrace, ...]:
        """Every filter's trace of the chosen convolution."""
        return self.layers[self.layer] if self.layers else ()

    @property
    def trace(self) -> FilterTrace | None:
        """The chosen filter's trace, seen on the chosen input channel."""
        return self.traces[self.filter].on_channel(self.channel) if self.layers else None

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_traces(self, layers) -> None:
        """Every convolution's filters' traces of a new step, one tuple per convolution (``()`` for a
        network without convolution)."""
        self.layers = tuple(tuple(traces) for traces in layers)
        self.layer = min(self.layer, max(len(self.layers) - 1, 0))
        if not self.layers:
            self.timer.stop()
        self._clamp()
        self.changed.emit()

    def set_layer(self, n: int) -> None:
        if 0 <= n < len(self.layers) and n != self.layer:
            self.layer = n
            self._clamp()
            self.changed.emit()

    def set_filter(self, k: int) -> None:
        if 0 <= k < len(self.traces) and k != self.filter:
            self.filter = k
            self.changed.emit()

    def set_channel(self, c: int) -> None:
        if self.traces and 0 <= c < self.traces[0].n_channels and c != self.channel:
            self.channel = c
            self.changed.emit()

    def _clamp(self) -> None:
        """Filter, channel and position within the chosen convolution's (0 without one)."""
        traces = self.traces
        self.filter = min(self.filter, max(len(traces) - 1, 0))
        self.channel = min(self.channel, traces[0].n_channels - 1) if traces else 0
        self.position = min(self.position, traces[0].n_positions - 1) if traces else 0

    def set_position(self, n: int) -> None:
        trace = self.trace
        n = 0 if trace is None else min(max(int(n), 0), trace.n_positions - 1)
        if n != self.position:
            self.position = n
            self.changed.emit()

    def step(self, by: int = 1) -> None:
        self.set_position(self.position + by)

    def set_interval(self, ms: int) -> None:
        self.timer.setInterval(ms)

    def play(self) -> None:
        trace = self.trace
        if trace is None:
            return
        if self.position >= trace.n_positions - 1:
            self.position = 0  # from the start again
        self.timer.start()
        self.changed.emit()

    def stop(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.changed.emit()

    def toggle(self) -> None:
        self.stop() if self.playing else self.play()

    def _on_tick(self) -> None:
        trace = self.trace
        if trace is None or self.position >= trace.n_positions - 1:
            self.stop()
        else:
            self.step(1)
            if self.position >= trace.n_positions - 1:
                self.stop()


class SlideControls(QWidget):
    """The convolution (with more than one), the filter, the input map (for a later convolution),
    Play/Pause, one position back or on, the speed, and a slider over the positions."""

    def __init__(self, slide: FilterSlide, parent: QWidget | None = None):
        super().__init__(parent)
        self.slide = slide
        self.layer = QComboBox(objectName="slideLayer")
        self.layer.setToolTip("Which convolution's filter slides: the first reads the image, a later one "
                              "the maps of the layer before it")
        self.filter = QSpinBox(objectName="slideFilter", minimum=1, maximum=1, keyboardTracking=False)
        self.filter.setToolTip("Which filter of the convolution slides over its input")
        self.channel_label = QLabel("map")
        self.channel = QSpinBox(objectName="slideChannel", minimum=1, maximum=1, keyboardTracking=False)
        self.channel.setToolTip("A later convolution's window spans every map below it at once, one kernel "
                                "per map: which map's kernel and numbers to show (the maps' sums add up to z)")
        self.back_button = QToolButton(text="◀", objectName="slideBack")
        self.back_button.setToolTip("The window one position back")
        self.play_button = QPushButton("Play", objectName="slidePlay")
        self.play_button.setToolTip("Slide the window over the image, position after position")
        self.step_button = QToolButton(text="▶", objectName="slideStep")
        self.step_button.setToolTip("The window one position on")
        self.speed = QComboBox(objectName="slideSpeed")
        for text, ms in SPEEDS:
            self.speed.addItem(text, ms)
        self.speed.setToolTip("How fast Play moves the window")
        self.slider = QSlider(Qt.Horizontal, objectName="slidePosition")
        self.slider.setToolTip("Drag to move the window; the map fills in up to it")
        self.where = QLabel(objectName="slideWhere")
        top = QHBoxLayout()  # what slides, then how: two rows fit a 1280-pixel screen at zoom 1.6
        top.setContentsMargins(0, 0, 0, 0)
        for widget in (self.layer, QLabel("filter"), self.filter, self.channel_label, self.channel, self.speed):
            top.addWidget(widget)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        for widget in (self.back_button, self.play_button, self.step_button):
            bottom.addWidget(widget)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.where)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self.layer.currentIndexChanged.connect(slide.set_layer)
        self.filter.valueChanged.connect(self._on_filter_chosen)
        self.channel.valueChanged.connect(self._on_channel_chosen)
        self.back_button.clicked.connect(self._on_back)
        self.step_button.clicked.connect(self._on_step)
        self.play_button.clicked.connect(slide.toggle)
        self.speed.currentIndexChanged.connect(self._on_speed_chosen)
        self.slider.valueChanged.connect(slide.set_position)
        slide.changed.connect(self._on_slide_changed)
        self._on_slide_changed()

    def _on_filter_chosen(self, value: int) -> None:
        self.slide.set_filter(value - 1)

    def _on_channel_chosen(self, value: int) -> None:
        self.slide.set_channel(value - 1)

    def _on_back(self) -> None:
        self.slide.step(-1)

    def _on_step(self) -> None:
        self.slide.step(1)

    def _on_speed_chosen(self) -> None:
        self.slide.set_interval(int(self.speed.currentData()))

    def _on_slide_changed(self) -> None:
        slide, trace = self.slide, self.slide.trace
        for widget in (self.filter, self.back_button, self.play_button, self.step_button, self.slider):
            widget.setEnabled(trace is not None)
        if trace is None:
            self.where.setText("")
            return
        self._show_layers()
        self.channel.setVisible(trace.n_channels > 1)
        self.channel_label.setVisible(trace.n_channels > 1)
        for widget, (low, high, value) in ((self.filter, (1, len(slide.traces), slide.filter + 1)),
                                          (self.channel, (1, trace.n_channels, slide.channel + 1)),
                                          (self.slider, (0, trace.n_positions - 1, slide.position))):
            widget.blockSignals(True)
            widget.setRange(low, high)
            widget.setValue(value)
            widget.blockSignals(False)
        self.filter.setSuffix(f" of {len(slide.traces)}")
        self.channel.setSuffix(f" of {trace.n_channels}")
        self.play_button.setText("Pause" if slide.playing else "Play")
        i, j = trace.position(slide.position)
        self.where.setText(f"({i}, {j}): {slide.position + 1} of {trace.n_positions}")

    def _show_layers(self) -> None:
        """One item per convolution, by its name; hidden when there is only one."""
        names = [traces[0].name for traces in self.slide.layers]  # "conv 2 (16 filters 5x5)": "conv 2" shown
        self.layer.blockSignals(True)
        if [self.layer.itemData(n, Qt.ToolTipRole) for n in range(self.layer.count())] != names:
            self.layer.clear()
            for name in names:
                self.layer.addItem(name.split(" (")[0])
                self.layer.setItemData(self.layer.count() - 1, name, Qt.ToolTipRole)
        self.layer.setCurrentIndex(self.slide.layer)
        self.layer.blockSignals(False)
        self.layer.setVisible(len(names) > 1)
