"""The training plots as a picture for slides: the two plots alone, drawn at a scale, as a PNG.

Drawn, not enlarged: text and lines stay sharp. No checkboxes, no hover read-out, no "A" button.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QRegion
from PySide6.QtWidgets import QWidget

from engine.files.atomic import write_bytes_atomically

EXPORT_SCALE = 2.0  # an exported picture has at least twice the pixels of the plots on screen...
SLIDE_WIDTH = 1920  # ...and at least the width of a full-HD slide
SCREEN_DOTS_PER_METRE = 3780  # 96 dpi


class PlotsPicture:
    """``PlotsPicture(widget, plots, hovers, legend)``: pictures of ``plots`` (PlotWidgets inside
    ``widget``) and of the run ``legend`` under them (a widget, when it is shown), with the
    ``hovers`` (their read-outs) hidden while drawing."""

    def __init__(self, widget: QWidget, plots: tuple[pg.PlotWidget, ...], hovers,
                 legend: QWidget | None = None):
        self.widget, self.plots, self.hovers, self.legend = widget, plots, hovers, legend

    def rect(self) -> QRect:
        """Where the plots (and the run legend) are drawn in the widget: what a picture shows."""
        self.widget.layout().activate()  # a panel never shown has its plots laid out too
        rect = _area(self.widget, self.plots[0])
        for plot in self.plots[1:]:
            rect = rect.united(_area(self.widget, plot))
        if self._legend_shown():
            rect = rect.united(self.legend.geometry())
        return rect

    def _legend_shown(self) -> bool:
        return self.legend is not None and not self.legend.isHidden()

    def scale(self) -> float:
        """Pixels per screen pixel of an exported picture: 2, or more for a 1920-pixel-wide slide."""
        return max(EXPORT_SCALE, SLIDE_WIDTH / max(1, self.rect().width()))

    def render(self, scale: float | None = None) -> QImage:
        """The plots alone, ``scale`` (default ``scale()``) times their size on screen. The
        picture says it is ``scale`` times 96 dpi, so a document shows it at the plots' size."""
        scale = scale or self.scale()
        rect = self.rect()
        image = QImage(round(rect.width() * scale), round(rect.height() * scale),
                       QImage.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(scale)
        image.fill(self.plots[0].backgroundBrush().color())
        with self._export_mode():
            painter = QPainter(image)
            try:
                for plot in self.plots:
                    target = QRectF(_area(self.widget, plot).translated(-rect.topLeft()))
                    plot.render(painter, target, plot.viewport().rect(), Qt.IgnoreAspectRatio)
                if self._legend_shown():
                    self.legend.layout().activate()
                    self.legend.render(painter, self.legend.geometry().topLeft() - rect.topLeft(),
                                       QRegion(), QWidget.RenderFlag.DrawChildren)
            finally:
                painter.end()
        image.setDotsPerMeterX(round(SCREEN_DOTS_PER_METRE * scale))  # after drawing: text sizes
        image.setDotsPerMeterY(round(SCREEN_DOTS_PER_METRE * scale))  # in points follow the dpi
        return image

    @contextmanager
    def _export_mode(self):
        """Hide the hover read-outs and the plots' "A" buttons while a picture is drawn."""
        shown = [(item, item.isVisible()) for hover in self.hovers for item in (hover.line, hover.label)]
        for hover in self.hovers:
            hover.hide()
        for plot in self.plots:
            plot.getPlotItem().autoBtn.hide()
        try:
            yield
        finally:
            for item, visible in shown:
                item.setVisible(visible)
            for plot in self.plots:
                plot.getPlotItem().updateButtons()

    def png(self, path, scale: float | None = None) -> Path:
        """The picture as a PNG file, written whole or not at all; OSError naming ``path``."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        if not self.render(scale).save(buffer, "PNG"):
            raise OSError(f"cannot write {path}: the plots could not be made into a PNG image")
        buffer.close()
        return write_bytes_atomically(path, data.data())


def _area(widget: QWidget, plot: pg.PlotWidget) -> QRect:
    """Where ``plot``'s drawing (its viewport) is, in ``widget``'s coordinates."""
    viewport = plot.viewport()
    return QRect(viewport.mapTo(widget, viewport.rect().topLeft()), viewport.size())
