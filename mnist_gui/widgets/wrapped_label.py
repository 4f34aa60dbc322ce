"""A word-wrapped label that a tight layout cannot squeeze into its neighbours."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QLabel, QWidget


class WrappedLabel(QLabel):
    """``WrappedLabel(text)``: a word-wrapped QLabel whose minimum height is the height its text
    needs at its current width.

    A plain wrapped QLabel tells its layout that one line is enough; a panel short of height (zoomed
    on a small screen) then draws the other lines over the widgets below. This one's
    ``minimumSizeHint`` is ``heightForWidth(width())`` high, asked again when its width, text or font
    changes, so the panel reports the height it needs and its ``PanelArea`` scrolls instead.

    ``least_lines``: keep room for that many lines at least (in the current font), so a text that
    changes between one and two lines does not make what is below it jump.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None, least_lines: int = 1,
                 **properties):
        super().__init__(text, parent, **properties)
        self.setWordWrap(True)
        self._least_lines = least_lines
        self._lines_height = 0

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = self._least_lines * self.fontMetrics().lineSpacing()
        return QSize(hint.width(), max(hint.height(), self._lines_height, least))

    def setText(self, text: str) -> None:
        super().setText(text)
        self._keep_lines()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._keep_lines()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.StyleChange):
            self._keep_lines()

    def _keep_lines(self) -> None:
        need = self.heightForWidth(self.width()) if self.width() > 1 else 0  # 0: not laid out yet
        if need != self._lines_height:
            self._lines_height = need
            self.updateGeometry()
