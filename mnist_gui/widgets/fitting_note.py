"""A note that says its long sentence where one line holds it, else a shorter one."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from mnist_gui.widgets.wrapped_label import WrappedLabel


class FittingNote(WrappedLabel):
    """``FittingNote(long, short)``: a wrapped note in the secondary text colour showing ``long``
    while it fits on one line at the label's width, else ``short`` (wrapped if even that does not
    fit). Zoomed at 1280x720 a two-line caption took a row of height from the plots; the whole
    sentence can stay in the tooltip."""

    def __init__(self, long: str, short: str, parent: QWidget | None = None, **properties):
        super().__init__(long, parent, **properties)
        self.setForegroundRole(QPalette.PlaceholderText)
        self.texts = (long, short)

    def _choose(self) -> None:
        long, short = self.texts
        margin = 2 * self.margin() + self.contentsMargins().left() + self.contentsMargins().right()
        fits = self.fontMetrics().horizontalAdvance(long) + margin <= self.width()
        text = long if fits else short
        if text != self.text():
            self.setText(text)

    def resizeEvent(self, event):
        self._choose()
        super().resizeEvent(event)

    def changeEvent(self, event):
        if event.type() == QEvent.FontChange:
            self._choose()
        super().changeEvent(event)
