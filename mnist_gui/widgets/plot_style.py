"""Plots that follow the window's colours: background, axes and text from the palette (light or dark)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPalette


def follow_palette(plot: pg.PlotWidget, palette: QPalette) -> None:
    """Background from the palette's Base colour, axes, ticks, title and legend in its Text colour."""
    background, text = palette.color(QPalette.Base), palette.color(QPalette.Text)
    plot.setBackground(background)
    item = plot.getPlotItem()
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setPen(text)
        axis.setTextPen(text)
    if item.titleLabel.text:
        item.titleLabel.setText(item.titleLabel.text, color=text.name())
    if item.legend is not None:
        item.legend.setLabelTextColor(text)
