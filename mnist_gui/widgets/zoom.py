"""Scaling a whole window's text, plots, lines and markers by one factor (presentation mode, Ctrl+Plus).

Widgets often set their own font sizes (a large accuracy, bold headings), so changing the
application font is not enough: every widget's font is scaled from the size it was built with,
which is remembered on the widget the first time. pyqtgraph draws its axes, titles, legends and
curves itself; those are scaled from their remembered sizes too.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

BASE_SIZE = "_zoomBasePointSize"
BASE_PEN = "_zoom_base_pen_width"
BASE_SYMBOL = "_zoom_base_symbol_size"
BASE_TICK = "_zoom_base_tick_size"


def apply_zoom(root: QWidget, zoom: float) -> None:
    """Scale the fonts of ``root`` and every widget under it, and every plot among them.

    A wait cursor shows until the window has laid itself out and painted again at the new size
    (F5 on a full window takes a few tenths of a second), and ``root`` paints once, at the end.
    """
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:  # every size is read before any is changed: children inherit fonts
        if widget.property(BASE_SIZE) is None:
            base = _unzoomed_size(widget)
            if base is not None:
                widget.setProperty(BASE_SIZE, base)
    # fonts already at the zoom are left (a panel shown again changes none); plots are scaled
    # again, for the curves added since
    changing = [widget for widget in widgets if _needs_zoom(widget, zoom)]
    if root.isVisible() and not all(isinstance(widget, pg.PlotWidget) for widget in changing):
        QApplication.setOverrideCursor(Qt.WaitCursor)
        QTimer.singleShot(0, QApplication.restoreOverrideCursor)  # after the layout and paint events
    root.setUpdatesEnabled(False)
    try:
        # children before their parents: a widget's font change refreshes the size its parent's
        # layout keeps for it, so a parent changed last measures its children at their new size
        # (in a hidden tab, where no layout pass runs, the builder's layer rows kept their zoomed
        # widths otherwise)
        for widget in reversed(changing):
            _scale_font(widget, zoom)
            if isinstance(widget, pg.PlotWidget):
                zoom_plot(widget, zoom)
    finally:
        root.setUpdatesEnabled(True)


def _needs_zoom(widget: QWidget, zoom: float) -> bool:
    """Whether ``widget``'s font is not yet at ``zoom``, or it is a plot (its curves may be new)."""
    if isinstance(widget, pg.PlotWidget):
        return True
    base = widget.property(BASE_SIZE)
    return base is not None and abs(widget.font().pointSizeF() - float(base) * zoom) > 1e-6


def _unzoomed_size(widget: QWidget) -> float | None:
    """The point size ``widget``'s font has at zoom 1 (None for a font sized in pixels).

    A widget made after a zoom (a row added when a result arrives) inherits its parent's font,
    already zoomed: its size at zoom 1 is its parent's, not the one it has now, or the next zoom
    would scale it twice. A font of its own (a bold heading) is taken as it is. A combo box's
    list pops up in a window of its own that the combo gives its (zoomed) font: its parent's too.
    """
    parent = widget.parentWidget()
    inherits = not widget.isWindow() and not widget.testAttribute(Qt.WA_SetFont)
    if parent is not None and (inherits or widget.windowType() == Qt.Popup):
        base = parent.property(BASE_SIZE)
        return float(base) if base is not None else _unzoomed_size(parent)
    size = widget.font().pointSizeF()
    return size if size > 0 else None


def _scale_font(widget: QWidget, zoom: float) -> None:
    base = widget.property(BASE_SIZE)
    if base is None:  # a font sized in pixels: leave it
        return
    font = QFont(widget.font())
    font.setPointSizeF(float(base) * zoom)
    widget.setFont(font)


def zoom_plot(plot: pg.PlotWidget, zoom: float) -> None:
    """Tick labels, axis labels, the title, the legend, line widths and markers of one plot."""
    item = plot.getPlotItem()
    font = QFont(plot.font())
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        base = getattr(axis, BASE_TICK, None)
        if base is None:
            tick_font = axis.style.get("tickFont")
            base = tick_font.pointSizeF() if tick_font is not None else float(plot.property(BASE_SIZE)
                                                                             or font.pointSizeF())
            setattr(axis, BASE_TICK, base)
        tick = QFont(font)
        tick.setPointSizeF(base * zoom)
        axis.setStyle(tickFont=tick, tickLength=int(-5 * zoom))
        if axis.labelText:
            size = _base_points(axis, "_zoom_base_label", axis.labelStyle.get("font-size"), base)
            axis.setLabel(axis.labelText, units=axis.labelUnits or None,
                          **{**axis.labelStyle, "font-size": f"{size * zoom:.1f}pt"})
        axis.setWidth(None) if name in ("left", "right") else axis.setHeight(None)
    title = item.titleLabel
    if title.text:
        size = _base_points(title, "_zoom_base_title", title.opts.get("size"), 1.2 * font.pointSizeF())
        title.setText(title.text, size=f"{size * zoom:.1f}pt")
    if item.legend is not None:
        for _, label in item.legend.items:
            size = _base_points(label, "_zoom_base_legend", label.opts.get("size"), font.pointSizeF())
            label.setText(label.text, size=f"{size * zoom:.1f}pt")
        item.legend.updateSize()
    for curve in item.listDataItems():
        _scale_curve(curve, zoom)
    for child in item.items:  # text drawn in the plot: its own labels and those of marker lines
        text = getattr(child, "label", None) if isinstance(child, pg.InfiniteLine) else child
        if isinstance(text, pg.TextItem):
            _scale_text(text, font, zoom)


def _scale_text(text: pg.TextItem, font: QFont, zoom: float) -> None:
    size = text.textItem.font().pointSizeF()
    base = _base_points(text, "_zoom_base_text", None, size if size > 0 else font.pointSizeF())
    scaled = QFont(text.textItem.font())
    scaled.setPointSizeF(base * zoom)
    text.setFont(scaled)


def _base_points(owner, attribute: str, css_size, default: float) -> float:
    """The point size ``owner`` was first drawn with (from a CSS size like "12pt"), remembered."""
    base = getattr(owner, attribute, None)
    if base is None:
        text = str(css_size or "")
        base = float(text[:-2]) if text.endswith("pt") and text[:-2].replace(".", "").isdigit() else default
        setattr(owner, attribute, base)
    return base


def _scale_curve(curve, zoom: float) -> None:
    pen = curve.opts.get("pen")
    if pen is not None and not isinstance(pen, (str, tuple)):
        pen = pg.mkPen(pen)
        base = getattr(curve, BASE_PEN, None) or pen.widthF() or 1.0
        setattr(curve, BASE_PEN, base)
        pen.setWidthF(base * zoom)
        curve.setPen(pen)
    size = curve.opts.get("symbolSize")
    if curve.opts.get("symbol") is not None and size:
        base = getattr(curve, BASE_SYMBOL, None) or size
        setattr(curve, BASE_SYMBOL, base)
        curve.setSymbolSize(base * zoom)
