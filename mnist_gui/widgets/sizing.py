"""Sizes that follow the text: how much the zoom (presentation mode, Ctrl+Plus) has enlarged a widget."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from mnist_gui.widgets.zoom import BASE_SIZE


def text_scale(widget: QWidget) -> float:
    """How much larger ``widget``'s text is drawn than it was built with (1.0 before any zoom).

    ``apply_zoom`` remembers each widget's first point size; images drawn beside text (gallery
    thumbnails, browser tiles) grow by this factor so they keep their proportion to it.
    """
    base, points = widget.property(BASE_SIZE), widget.font().pointSizeF()
    return points / float(base) if base and points > 0 else 1.0
