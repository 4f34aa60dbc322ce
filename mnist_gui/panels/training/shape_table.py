"""The builder's shape column: each layer, the shape of what it outputs and its parameter count."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget


class ShapeTable(QWidget):
    """Rows of ``engine.network.layer_table``: name, shape after the layer, learned parameters.

    The table is only drawn; the engine computes every figure in it.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shapeTable")
        self.setToolTip("What each layer outputs (height×width×channels for an image, a number of "
                        "values after flattening) and how many weights and biases it learns")
        self._rows: list[tuple[str, str, int]] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(0)
        self._grid.setColumnStretch(3, 1)  # the three columns side by side, at the left

    def rows(self) -> list[tuple[str, str, int]]:
        """The rows shown; [] when the layers cannot work (the error under the field says why)."""
        return list(self._rows)

    def set_rows(self, rows: list[tuple[str, str, int]]) -> None:
        if rows == self._rows:
            return
        self._rows = list(rows)
        while self._grid.count():
            old = self._grid.takeAt(0).widget()
            old.hide()
            old.deleteLater()
        if not rows:
            self._grid.addWidget(QLabel("— (the layers above cannot work)"), 0, 0, 1, 3)
            return
        for column, title in enumerate(("layer", "shape", "parameters")):
            self._cell(0, column, f"<b>{title}</b>")
        for i, (name, shape, params) in enumerate(rows, 1):
            self._cell(i, 0, name)
            self._cell(i, 1, shape)
            self._cell(i, 2, f"{params:,}" if params else "–")

    def _cell(self, row: int, column: int, text: str) -> None:
        label = QLabel(text)
        if column:
            label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self._grid.addWidget(label, row, column)
