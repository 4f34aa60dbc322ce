"""The pages of the step in slow motion, one per stage: each shows part of an engine ``StepTrace``.

Every page has a ``TITLE``, a ``NOTE`` (what the stage computes, in one or two sentences) and
``show_trace(trace)``; the numbers are the trace's own, only formatted here.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.network import feature_names
from engine.step_trace import StepTrace
from mnist_gui.panels.inside.parts import ProbabilityBars, SquareTile, StripTile
from mnist_gui.widgets.image_tile import ImageTile
from mnist_gui.widgets.imaging import diverging_image
from mnist_gui.widgets.number_text import readable, signed
from mnist_gui.widgets.wrapped_label import WrappedLabel


def mono(label: QLabel, scale: float = 1.15) -> QLabel:
    font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    font.setPointSizeF(QFont(label.font()).pointSizeF() * scale)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


class StagePage(QWidget):
    TITLE = ""
    NOTE = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.class_names: tuple[str, ...] = ()

    def set_class_names(self, names) -> None:
        self.class_names = tuple(str(n) for n in names)

    def name(self, k: int) -> str:
        return self.class_names[k] if 0 <= k < len(self.class_names) else str(k)

    def title(self) -> str:
        """The stage's heading: ``TITLE``, unless the trace shown changes it."""
        return self.TITLE

    def note(self) -> str:
        """What the stage computes: ``NOTE``, unless the trace shown changes it."""
        return self.NOTE

    def show_trace(self, trace: StepTrace) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError


class _LayerStrips(StagePage):
    """One row per layer: its name, then one or two strips of its values."""

    KINDS: tuple[tuple[str, str, str], ...] = ()  # (LayerTrace field, caption, "signed"/"positive")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(2, 1)
        self.grid.setRowStretch(99, 1)  # rows stay at the top
        self.grid.setVerticalSpacing(4)
        self.rows: list[tuple[QLabel, list[tuple[QLabel, StripTile]]]] = []

    def _ensure_rows(self, n: int):
        while len(self.rows) < n:
            r = len(self.rows)
            name = QLabel(objectName=f"stripLayer{r}")
            strips = []
            for k, (field, caption, _) in enumerate(self.KINDS):
                text = QLabel()
                text.setMinimumWidth(150)
                strip = StripTile()
                strip.setObjectName(f"strip_{field}_{r}")
                strip.setToolTip(caption)
                self.grid.addWidget(text, r * len(self.KINDS) + k, 1)
                self.grid.addWidget(strip, r * len(self.KINDS) + k, 2)
                strips.append((text, strip))
            self.grid.addWidget(name, r * len(self.KINDS), 0, len(self.KINDS), 1, Qt.AlignTop)
            self.rows.append((name, strips))
        for r, (name, strips) in enumerate(self.rows):
            for widget in [name] + [w for pair in strips for w in pair]:
                widget.setVisible(r < n)

    def show_trace(self, trace: StepTrace) -> None:
        self._ensure_rows(len(trace.layers))
        for (name, strips), layer in zip(self.rows, trace.layers):
            name.setText(f"<b>{html.escape(layer.name)}</b><br>{len(layer.z)} units")
            for (text, strip), (field, caption, kind) in zip(strips, self.KINDS):
                values = getattr(layer, field)
                low, high = readable(float(values.min())), readable(float(values.max()))
                text.setText(f"{caption}<br><small>{low} to {high}</small>")
                strip.set_values(values, kind)


class ForwardPage(_LayerStrips):
    TITLE = "Forward: layer by layer"
    NOTE = ("Each layer computes z = a_prev · W + b (blue negative, red positive), then its activation "
            "a = f(z) (dark 0, bright large). The last layer's z are the class scores.")
    KINDS = (("z", "z = a_prev W + b", "signed"), ("a", "a = f(z)", "positive"))


class OutputPage(StagePage):
    TITLE = "Forward: probabilities and the loss"
    NOTE = ("Softmax turns the scores into probabilities p_k = exp(z_k) / Σ exp(z_j). The loss is small "
            "when the probability of the right class is near 1.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bars = ProbabilityBars(height=200)
        self.bars.setObjectName("stepProbabilities")
        self.bars.setToolTip("The network's probability for each class; the class to learn is outlined")
        self.formula = mono(WrappedLabel(objectName="lossFormula"), 1.5)
        self.formula.setToolTip("Cross-entropy: minus the log of the right class's probability")
        layout = QVBoxLayout(self)
        layout.addWidget(self.bars, 1)
        layout.addWidget(self.formula)
        layout.addStretch(0)

    def show_trace(self, trace: StepTrace) -> None:
        self.bars.set_class_names(self.class_names)
        self.bars.set_probabilities(trace.probabilities, marked=trace.label)
        self.formula.setText(trace.loss_formula())


class OutputErrorPage(StagePage):
    TITLE = "Backward: the error at the output"
    NOTE = ("Backpropagation starts at the output: dL/dz = p − y, the probabilities minus the one-hot "
            "label. Negative pushes a score up (the right class), positive pushes it down.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(3, 0, objectName="outputDelta")
        self.table.setVerticalHeaderLabels(["p", "y (one-hot)", "dL/dz = p − y"])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setToolTip("Per class: the probability, the label, and their difference")
        font = QFont(self.table.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.table.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addStretch(1)

    def show_trace(self, trace: StepTrace) -> None:
        p, delta = trace.probabilities, trace.output_delta
        self.table.setColumnCount(len(p))
        self.table.setHorizontalHeaderLabels([self.name(k) for k in range(len(p))])
        for k in range(len(p)):
            for row, value in enumerate((f"{p[k]:.4f}", str(int(k == trace.label)), signed(float(delta[k]), 3))):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignCenter)
                if k == trace.label:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, k, item)
        self.table.resizeColumnsToContents()
        self.table.setFixedHeight(self.table.verticalHeader().length() + self.table.horizontalHeader().height() + 6)


class DeltaPage(_LayerStrips):
    TITLE = "Backward: each layer's delta"
    NOTE = ("The error flows back: dL/dz_l = (dL/dz_(l+1) · W_(l+1)ᵀ) ⊙ f′(z_l). A ReLU passes it only where "
            "it was active. The size of each layer's weight gradient ||dL/dW|| is in the table.")
    KINDS = (("delta", "dL/dz (delta)", "signed"),)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.norms = QTableWidget(0, 3, objectName="gradientNormTable")
        self.norms.setHorizontalHeaderLabels(["layer", "||dL/dW||", "||dL/db||"])
        self.norms.verticalHeader().hide()
        self.norms.setEditTriggers(QTableWidget.NoEditTriggers)
        self.norms.setToolTip("The gradient norm of every layer for this one image")
        self.norms.setMaximumWidth(360)
        self.grid.addWidget(self.norms, 90, 0, 1, 3)  # below the strips, which keep the width

    def show_trace(self, trace: StepTrace) -> None:
        super().show_trace(trace)
        self.norms.setRowCount(len(trace.layers))
        for row, layer in enumerate(trace.layers):
            for col, text in enumerate((layer.name, f"{layer.gradient_norm:.4g}", f"{layer.bias_gradient_norm:.4g}")):
                self.norms.setItem(row, col, QTableWidgetItem(text))
        self.norms.resizeColumnsToContents()
        self.norms.setFixedHeight(self.norms.verticalHeader().length() + self.norms.horizontalHeader().height() + 6)


class UnitGradientPage(StagePage):
    TITLE = "Backward: what the first layer's weights will do"
    NOTE = ("dL/dW_1 = xᵀ · delta_1: for each hidden unit, the gradient of its 784 input weights is the image "
            "itself times that unit's delta. Shown for the units with the largest gradient; the step moves "
            "each weight against it (red: the weight goes down, blue: up).")
    CNN_TITLE = "Backward: what the first filters' weights will do"
    CNN_NOTE = ("dL/dW of conv 1: each filter's weights get Σ δ · window, over every position of its map (as "
                "a filter's dL/dW showed). Shown for the filters with the largest gradient; the step moves "
                "each weight against it (red: the weight goes down, blue: up).")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._filters = False  # the trace shown is a CNN's: its first layer's "units" are filters
        self.tiles: list[tuple[ImageTile, QLabel]] = []
        row = QHBoxLayout()
        for i in range(4):
            tile, caption = SquareTile(largest=320), QLabel(alignment=Qt.AlignCenter)
            tile.setObjectName(f"unitGradient{i}")
            box = QVBoxLayout()
            box.addWidget(tile, 1)
            box.addWidget(caption)
            row.addLayout(box)
            self.tiles.append((tile, caption))
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addStretch(1)

    def title(self) -> str:
        return self.CNN_TITLE if self._filters else self.TITLE

    def note(self) -> str:
        return self.CNN_NOTE if self._filters else self.NOTE

    def show_trace(self, trace: StepTrace) -> None:
        grads = trace.unit_gradients
        self._filters = bool(trace.spec.features)
        h, w = grads.shape[1:]
        for i, (tile, caption) in enumerate(self.tiles):
            tile.setToolTip(f"dL/dW for this filter's {h}×{w} weights" if self._filters else
                            f"dL/dW for this unit's {h * w} input weights, as a {h}×{w} image")
            if i < len(grads):
                peak = float(np.max(np.abs(grads[i])))
                tile.set_image(diverging_image(grads[i], peak))
                name = f"filter {trace.units[i] + 1}" if self._filters else f"unit {trace.units[i]}"
                caption.setText(f"{name}<br><small>±{readable(peak)}</small>")
            else:
                tile.set_image(None)
                caption.setText("")


class UpdatePage(StagePage):
    TITLE = "The update: W ← W − lr · dW"
    NOTE = ("Every weight moves a little against its gradient. Below, each layer's weight with the largest "
            "gradient (momentum or Adam change the step: 'after' is their rule's result).")
    COLUMNS = ("layer", "weight", "before", "dL/dw", "after", "||ΔW||/||W||")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = mono(WrappedLabel(objectName="updateFormula"), 1.15)
        self.text.setToolTip("after = before − lr × dL/dw, for the largest gradient of each layer")
        self.table = QTableWidget(0, len(self.COLUMNS), objectName="updateTable")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setToolTip("One row per layer (one line each, so many layers still fit a projector): "
                              "its weight with the largest gradient, before and after the step, and how "
                              "large the whole layer's change is next to its weights")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.table)
        layout.addStretch(1)

    def show_trace(self, trace: StepTrace) -> None:
        self.text.setText(f"optimiser: {html.escape(trace.optimiser)}<br>"
                          f"after = before − lr × dL/dw, lr = {readable(trace.lr, 4)}")
        self.table.setRowCount(len(trace.layers))
        for row, layer in enumerate(trace.layers):
            w = layer.largest
            ratio = layer.update_norm / max(layer.weight_norm, 1e-30)
            cells = (layer.name.split(" (")[0], f"W[{w.row}, {w.col}]", signed(w.before), signed(w.gradient),
                     signed(w.after), readable(ratio, 2))
            tips = (layer.name, f"From {_source(trace, row, w.row)} to unit {w.col} of {layer.name}", "", "", "",
                    f"||ΔW|| = {readable(layer.update_norm)}: how far the whole layer's weights moved; "
                    f"||W|| = {readable(layer.weight_norm)}: their size before the step")
            for col, (text, tip) in enumerate(zip(cells, tips)):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter if col > 1 else Qt.AlignLeft | Qt.AlignVCenter)
                item.setToolTip(tip)
                self.table.setItem(row, col, item)
        self._fit_table()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # zoomed: taller rows, wider columns
            self._fit_table()

    def _fit_table(self) -> None:
        """Columns as wide as their texts, the table as tall as its rows: it never scrolls."""
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self.table.setFixedHeight(self.table.verticalHeader().length() + self.table.horizontalHeader().height()
                                  + 2 * self.table.frameWidth())

    def update_texts(self) -> list[list[str]]:
        """The table's cells, row by row (one row per layer)."""
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]


def _source(trace: StepTrace, layer: int, row: int) -> str:
    """Where row ``row`` of a dense layer's W comes from: a pixel, a unit of the layer below, or for a
    CNN's first dense layer one value of the last feature maps (flattened channel by channel)."""
    if layer > 0:
        return f"unit {row} of {trace.layers[layer - 1].name}"
    if not trace.spec.features:
        return f"pixel {row}"
    c, i, j = np.unravel_index(row, trace.spec.feature_shapes[-1])
    return f"value {row} of the flattened maps: {feature_names(trace.spec)[-1]} map {c + 1} at ({i}, {j})"


class ResultPage(StagePage):
    TITLE = "After the step: did the loss go down?"
    NOTE = ("The same image through the updated network. One step on one image moves the probabilities "
            "towards its label; training repeats this for batches of images, thousands of times.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bars = ProbabilityBars(height=200)
        self.bars.setObjectName("stepNewProbabilities")
        self.bars.setToolTip("Probabilities before (grey) and after (blue) the step")
        self.verdict = mono(WrappedLabel(objectName="stepVerdict"), 1.4)
        layout = QVBoxLayout(self)
        layout.addWidget(self.bars, 1)
        layout.addWidget(self.verdict)

    def show_trace(self, trace: StepTrace) -> None:
        self.bars.set_class_names(self.class_names)
        self.bars.set_probabilities(trace.probabilities, trace.new_probabilities, marked=trace.label)
        y = trace.label
        change = trace.loss_change
        went = "went down" if change < 0 else "went up" if change > 0 else "did not change"
        self.verdict.setText(
            f"p_{self.name(y)}: {trace.probabilities[y]:.4f} → {trace.new_probabilities[y]:.4f}<br>"
            f"loss: {trace.loss:.4f} → {trace.new_loss:.4f}: it {went} by {abs(change):.4f} "
            f"({abs(change) / max(trace.loss, 1e-30):.1%})")


STAGES = (ForwardPage, OutputPage, OutputErrorPage, DeltaPage, UnitGradientPage, UpdatePage, ResultPage)
