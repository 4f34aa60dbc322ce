"""A training plot's top row: its title on the left, the legend of its line styles on the right.

Under the axis label the legend took a row of its own from the curves: at 1280x720 in
presentation mode the curves kept 42 pixels of a 180-pixel plot. Beside the title it takes only
the width the title leaves, and never covers a curve.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsLinearLayout, QGraphicsWidget

UNLIMITED = 16777215  # Qt's QWIDGETSIZE_MAX: pyqtgraph caps a title at 30 pixels, too low zoomed


def title_row(item: pg.PlotItem, legend: pg.LegendItem) -> QGraphicsWidget:
    """Move ``item``'s title into a new row with ``legend`` right of it; put the row where the
    title was (row 0 of the plot's layout, across its columns) and size it with ``fit_title_row``."""
    row = QGraphicsWidget()
    layout = QGraphicsLinearLayout(Qt.Horizontal, row)
    layout.setContentsMargins(0, 0, 0, 0)
    title = item.titleLabel
    item.layout.removeItem(title)
    title.setMaximumHeight(UNLIMITED)
    layout.addItem(title)
    layout.addStretch(1)
    layout.addItem(legend)
    layout.setAlignment(title, Qt.AlignVCenter)
    layout.setAlignment(legend, Qt.AlignVCenter)
    # the legend's columns follow the plot's width (``_fit_legends``), not the other way round:
    # else its columns at the last width would hold the panel wider than the window zoomed
    row.setMinimumWidth(0)
    item.layout.addItem(row, 0, 0, 1, 3)
    return row


def title_width(item: pg.PlotItem) -> float:
    """The width the title's text takes in its row."""
    return item.titleLabel.effectiveSizeHint(Qt.PreferredSize).width()


def fit_title_row(item: pg.PlotItem, legend: pg.LegendItem) -> None:
    """Row 0 as high as the taller of the title and the legend (pyqtgraph fixes it at 30 pixels,
    which cut a zoomed legend of two rows)."""
    height = max(item.titleLabel.effectiveSizeHint(Qt.PreferredSize).height(),
                 legend.layout.effectiveSizeHint(Qt.PreferredSize).height())
    item.layout.setRowFixedHeight(0, height)
