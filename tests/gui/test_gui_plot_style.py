"""Plots follow the palette: a dark theme's text colour reaches the legend's drawn text too."""

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

from mnist_gui.widgets.plot_style import follow_palette


def test_the_legend_is_drawn_in_the_palettes_text_colour(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.getPlotItem().addLegend()
    plot.plot([0, 1], [1, 0], name="most important first")
    palette = QPalette()
    palette.setColor(QPalette.Text, QColor("#e8e8e8"))
    palette.setColor(QPalette.Base, QColor("#1e1f22"))
    follow_palette(plot, palette)
    (_, label), = plot.getPlotItem().legend.items
    assert "color:#e8e8e8" in label.item.toHtml().replace(" ", "")
