"""Plots that follow the window's colours: background, axes and text from the palette (light or dark)."""

from __future__ import annotations

import math

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
        for _, label in item.legend.items:  # setLabelTextColor alone leaves the drawn text grey
            label.setText(label.text)


class DecadeAxis(pg.AxisItem):
    """An axis that, on a log scale, writes numbers only at whole powers of ten (0.01, 0.1, 1, 10).

    pyqtgraph labels the 2..9 ticks between decades when the axis has room by its reckoning, which
    assumes even spacing: on a log scale 0.7, 0.8 and 0.9 then print over each other. The ticks
    stay, unlabelled; on a linear scale it is a plain AxisItem.

    A side axis's label longer than the axis ("accuracy (%)" on a short zoomed plot) wraps onto
    more lines instead of running past the plot.
    """

    _label_between = False  # the last range held no whole decade: pyqtgraph's ticks, all labelled

    def resizeEvent(self, ev=None):
        if self.label is not None and self.orientation in ("left", "right"):
            self._fit_label(self.size().height())
        super().resizeEvent(ev)

    def _fit_label(self, length: float) -> None:
        """Wrap the label at ``length`` pixels if it is longer; the axis widens for its lines."""
        lines = self.label.boundingRect().height()
        self.label.setTextWidth(-1)
        if self.label.boundingRect().width() > length > 0:
            self.label.setTextWidth(length)
        if self.label.boundingRect().height() != lines:
            self._updateWidth()

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        """Whole decades, those on the range's edges too (a range of whole decades then labels both
        ends), then the 2..9 ticks between them while there are few decades."""
        slack = 1e-9 * max(1.0, maxVal - minVal)
        whole = list(range(math.ceil(minVal - slack), math.floor(maxVal + slack) + 1))
        self._label_between = not whole
        if not whole:  # less than a decade, none inside: pyqtgraph's ticks, every one labelled
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        step = math.ceil(len(whole) / 6)
        minor = [v + math.log10(m) for v in range(math.floor(minVal), math.ceil(maxVal))
                 for m in range(2, 10) if minVal < v + math.log10(m) < maxVal] if step == 1 else []
        return [(1.0, [float(v) for v in whole[::step]]), (None, minor)]

    def tickStrings(self, values, scale, spacing):
        if not self.logMode or self._label_between:
            return super().tickStrings(values, scale, spacing)
        return [decade_text(round(value)) if abs(value - round(value)) < 1e-6 else ""
                for value in values]


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_text(exponent: int) -> str:
    """10 to ``exponent`` as people write it on an axis: 0.001, 1, 10, 1000, and 10⁻⁵ beyond."""
    return f"{10.0 ** exponent:g}" if -4 <= exponent <= 4 else "10" + str(exponent).translate(SUPERSCRIPT)


def decade_axes(*sides: str) -> dict[str, DecadeAxis]:
    """``axisItems`` for a PlotWidget whose ``sides`` may be logarithmic."""
    return {side: DecadeAxis(side) for side in sides}
