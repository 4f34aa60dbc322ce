"""A vertical line on a run's plots at the replayed moment of its training, labelled "step 120"."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor


class MomentMarker:
    """``MomentMarker(*plots)``: one vertical line on each ``pg.PlotItem`` at the replayed moment of
    a run, labelled "step 120": where the network every panel shows stood in its training. Hidden at
    the run's end (its final network). The training plots and Inside's dynamics plots show it."""

    TIP = ("The replayed moment: every panel shows the network as it was here. Drag the Replay slider "
           "under the runs list to move it; End goes back to the final network.")

    def __init__(self, *plots: pg.PlotItem):
        # the label on a patch of the background, where the early curves are least in the way;
        # on plots side by side at two heights, so two labels never read as one
        positions = itertools.cycle((0.6, 0.4))
        self.lines = tuple(self._line(plot, position) for plot, position in zip(plots, positions))
        self.hide()

    @staticmethod
    def _line(plot: pg.PlotItem, position: float) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, movable=False, label="",
                               labelOpts=dict(position=position, anchors=[(0, 0.5), (0, 0.5)]))
        line.setToolTip(MomentMarker.TIP)
        line.setZValue(50)  # over the curves
        font = plot.getAxis("bottom").style.get("tickFont")
        if font is not None:
            line.label.setFont(font)
        plot.addItem(line, ignoreBounds=True)
        return line

    def set_colour(self, colour: QColor, background: QColor) -> None:
        """The line and its label in ``colour`` on ``background`` (the palette's: light or dark)."""
        patch = QColor(background)
        patch.setAlpha(220)
        for line in self.lines:
            line.setPen(pg.mkPen(colour, width=2, style=Qt.DashDotLine))
            line.label.setColor(colour)
            line.label.fill = pg.mkBrush(patch)
            line.label.update()

    def show(self, x: float, text: str) -> None:
        for line in self.lines:
            line.setVisible(True)  # first: a hidden label does not take its new text
            line.setPos(x)
            line.label.setFormat(text)
            line.label.setText(text)

    def hide(self) -> None:
        for line in self.lines:
            line.setVisible(False)

    @property
    def x(self) -> float | None:
        """Where the marker stands, None when it is hidden."""
        return float(self.lines[0].value()) if self.lines[0].isVisible() else None

    @property
    def text(self) -> str:
        return self.lines[0].label.format if self.lines[0].isVisible() else ""
