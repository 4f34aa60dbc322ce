"""What the network read in a drawing: the top class large, the 10 probabilities, and the preprocessing steps."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mnist_gui.widgets.image_tile import ImageTile, note
from mnist_gui.widgets.imaging import gray_image, scaled_gray_image
from mnist_gui.widgets.wrapped_label import WrappedLabel

COM_COLOUR = QColor(230, 60, 60)       # the drawing's centre of mass
CENTRE_COLOUR = QColor(60, 160, 255)   # the centre of the frame, where it must go
BAR_COLOUR, TOP_COLOUR = QColor(150, 150, 150), QColor(42, 130, 218)
HEADROOM = 1.12  # the least top of the probability axis: room for the percentage over a 100 % bar


def percent(p: float) -> str:
    """``p`` to 0.1 %, never rounded to a certainty it is not: '99.7 %', '>99.9 %', '<0.1 %'."""
    if 0.9995 <= p < 1:
        return ">99.9 %"
    if 0 < p < 0.0005:
        return "<0.1 %"
    return f"{p * 100:.1f} %"


class ProbabilityPlot(pg.PlotWidget):
    """One bar per class, the most probable highlighted, percentages over the tall bars."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("probabilityPlot")
        self.setMinimumHeight(130)
        self.setBackground(self.palette().color(QPalette.Base))
        item = self.getPlotItem()
        item.setMouseEnabled(False, False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setYRange(0, HEADROOM, padding=0)
        item.getViewBox().sigResized.connect(self._fit_headroom)
        item.getAxis("left").setLabel("probability")
        item.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.5, 1.0)]])  # fit a short plot
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen(self.palette().color(QPalette.WindowText))
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.75)
        item.addItem(self._bars)
        self._texts: list[pg.TextItem] = []
        self._values = np.zeros(0)
        self.setToolTip("How sure the network is of each class: the probabilities add up to 100 %")

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoom: the percentages grow
            self._fit_headroom()

    def _fit_headroom(self, *_):
        """Keep one line of text (at the current zoom) above a 100 % bar, however short the plot."""
        box = self.getPlotItem().getViewBox().height()
        line = QFontMetrics(self.font()).height() + 4
        top = box / (box - line) if box > 2 * line else 2.0
        self.getPlotItem().setYRange(0, max(HEADROOM, top), padding=0)

    def headroom(self) -> float:
        """The top of the probability axis (1.0 is a 100 % bar)."""
        return self.getPlotItem().getViewBox().viewRange()[1][1]

    def values(self) -> np.ndarray:
        """The probabilities shown (empty when none)."""
        return self._values.copy()

    def set_classes(self, names: tuple[str, ...]):
        short = [n if len(n) <= 3 else str(i) for i, n in enumerate(names)]
        item = self.getPlotItem()
        item.getAxis("bottom").setTicks([list(enumerate(short))])
        item.setXRange(-0.6, len(names) - 0.4, padding=0)
        colour = self.palette().color(QPalette.WindowText)
        while len(self._texts) < len(names):  # made once and then only moved: no scene churn
            text = pg.TextItem("", anchor=(0.5, 1.0), color=colour)
            text.hide()
            item.addItem(text)
            self._texts.append(text)

    def set_probabilities(self, probabilities: np.ndarray | None):
        if probabilities is None:
            self._values = np.zeros(0)
            self._bars.setOpts(x=[], height=[], brushes=[])
        else:
            self._values = np.asarray(probabilities, dtype=float).copy()
            top = int(np.argmax(self._values))
            brushes = [TOP_COLOUR if i == top else BAR_COLOUR for i in range(len(self._values))]
            self._bars.setOpts(x=np.arange(len(self._values)), height=self._values,
                               brushes=brushes)
        for i, text in enumerate(self._texts):
            p = self._values[i] if i < len(self._values) else 0.0
            text.setVisible(bool(p >= 0.05))
            if p >= 0.05:
                text.setText(percent(p))
                text.setPos(i, p + 0.01)


class StepsView(QWidget):
    """The three preprocessing steps side by side, each with a caption saying what happened."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.cropped, self.fitted, self.final = ImageTile(), ImageTile(), ImageTile()
        self.cropped.setObjectName("stepCropped")
        self.fitted.setObjectName("stepFitted")
        self.final.setObjectName("networkInput")
        self._captions = [WrappedLabel(alignment=Qt.AlignHCenter | Qt.AlignTop)
                          for _ in range(3)]
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for col, (tile, caption) in enumerate(zip((self.cropped, self.fitted, self.final),
                                                  self._captions)):
            grid.addWidget(tile, 0, 2 * col)
            grid.addWidget(caption, 1, 2 * col)
            grid.setColumnStretch(2 * col, 1)
            if col < 2:
                arrow = QLabel("→", alignment=Qt.AlignCenter)
                arrow.setFont(_scaled_font(arrow.font(), 1.8))
                grid.addWidget(arrow, 0, 2 * col + 1)
        self.clear()

    def clear(self):
        for tile in (self.cropped, self.fitted, self.final):
            tile.set_image(None)
        texts = ("1. Cropped to the ink", "2. Scaled to fit the box", "3. Centred: the network's input")
        for caption, text in zip(self._captions, texts):
            caption.setText(text)

    def show_steps(self, pre):
        """``pre``: an engine ``Preprocessed`` with ink (``pre.empty`` is False)."""
        size = pre.image.shape[0]
        top, left, bottom, right = pre.bbox
        self.cropped.set_image(scaled_gray_image(pre.cropped, 1.0))
        self.fitted.set_image(scaled_gray_image(pre.fitted, float(pre.fitted.max())),
                              [(*pre.centre_of_mass, COM_COLOUR)])
        self.final.set_image(gray_image(pre.image), [(*pre.centre, CENTRE_COLOUR)])
        box = max(int(np.count_nonzero(pre.fitted.any(axis=1))),
                  int(np.count_nonzero(pre.fitted.any(axis=0))))
        dy, dx = pre.shift
        # short: three captions side by side, four lines each at most in presentation mode
        self._captions[0].setText(f"1. Cropped to the ink: {right - left}×{bottom - top}\u00a0px")
        self._captions[1].setText(f"2. Scaled to {box}×{box}\nred +: centre of mass")
        self._captions[2].setText(f"3. Moved {_move_text(dx, dy)} to the centre (blue +)")
        self._captions[2].setToolTip(f"The centre of mass (red + in step 2) is moved to the centre of "
                                     f"the {size}×{size} frame (blue +), as in the dataset's images")


def _move_text(dx: int, dy: int) -> str:
    parts = []
    if dx:
        parts.append(f"{abs(dx)}\u00a0px {'right' if dx > 0 else 'left'}")
    if dy:
        parts.append(f"{abs(dy)}\u00a0px {'down' if dy > 0 else 'up'}")
    return ", ".join(parts) if parts else "0\u00a0px"


def _scaled_font(font: QFont, factor: float, bold: bool = False) -> QFont:
    font = QFont(font)
    font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    return font


class PredictionView(QWidget):
    """The network's answer for the current drawing, the baseline's beside it, and how it got there."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.prediction = QLabel(objectName="predictionLabel", alignment=Qt.AlignCenter)
        self.prediction.setFont(_scaled_font(self.font(), 6.0, bold=True))
        self.prediction.setMinimumWidth(self.prediction.fontMetrics().horizontalAdvance("00") + 16)
        self.prediction.setToolTip("The class the network gives the highest probability")
        self.prediction.setFrameShape(QFrame.StyledPanel)
        self.confidence = WrappedLabel(objectName="predictionConfidence")
        self.confidence.setFont(_scaled_font(self.font(), 1.3, bold=True))
        self.baseline = WrappedLabel(objectName="baselinePrediction")
        self.baseline.setFont(_scaled_font(self.font(), 1.3))
        self.baseline.setToolTip("The mean-digit classifier: the class whose average training "
                                 "image is nearest to the drawing (L2). The score to beat.")
        self.detail = note("")
        self.detail.setObjectName("predictionDetail")
        self.plot = ProbabilityPlot()
        self.steps = StepsView()
        self.recipe = note("")
        self.recipe.setObjectName("preprocessingRecipe")
        self._build()
        self.set_classes(tuple(str(d) for d in range(10)))
        self.clear()

    def _build(self):
        answer = QVBoxLayout()
        answer.addWidget(self.confidence)
        answer.addWidget(self.baseline)
        answer.addWidget(self.detail)
        answer.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.prediction)
        top.addLayout(answer, 1)
        heading = QLabel("<b>How your drawing became the network's input</b>")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 3)
        layout.addWidget(heading)
        layout.addWidget(self.recipe)
        layout.addWidget(self.steps, 2)

    def set_classes(self, names: tuple[str, ...]):
        self._names = tuple(names)
        self.plot.set_classes(self._names)

    def set_framing(self, framing):
        """Say how the drawing is framed: ``framing`` is the engine ``Framing`` in use."""
        self.recipe.setText(f"Like the dataset's images, the drawing is cropped, "
                            f"{framing.describe()}.")

    def clear(self, message: str = "Draw a digit on the canvas: the network reads it as you draw."):
        """Nothing drawn: no answer, no bars, no steps."""
        self.prediction.setText("")
        self.confidence.setText("")
        self.baseline.setText("")
        self.detail.setText(message)
        self.plot.set_probabilities(None)
        self.steps.clear()

    def show_answer(self, pre, probabilities: np.ndarray | None, baseline_class: int | None,
                    detail: str):
        """Show a non-empty drawing's reading. ``probabilities`` is None without a network."""
        self.steps.show_steps(pre)
        self.plot.set_probabilities(probabilities)
        if probabilities is None:
            self.prediction.setText("")
            self.confidence.setText("No network yet")
        else:
            top = int(np.argmax(probabilities))
            self.prediction.setText(self._names[top])
            self.confidence.setText(f"The network says {self._names[top]}, "
                                    f"{percent(probabilities[top])} sure")
        self.baseline.setText("" if baseline_class is None else
                              f"Mean-digit baseline says {self._names[baseline_class]}")
        self.detail.setText(detail)
