"""A non-blocking warning dialog, one at a time per place that shows them (a new one replaces the old)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


class WarningSlot:
    """Shows warnings over ``owner`` with the objectName ``name`` (for scripts and tests)."""

    def __init__(self, owner: QWidget, name: str):
        self._owner, self._name = owner, name
        self._box: QMessageBox | None = None

    @property
    def dialog(self) -> QMessageBox | None:
        """The warning on screen, or None."""
        return self._box

    def show(self, title: str, text: str, informative: str = "") -> QMessageBox:
        self.close()
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, self._owner)
        box.setObjectName(self._name)
        if informative:
            box.setInformativeText(informative)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.destroyed.connect(partial(self._forget, box))
        self._box = box
        box.open()
        return box

    def close(self) -> None:
        if self._box is not None:
            self._box.close()

    def _forget(self, box: QMessageBox, *_destroyed):
        """A box is gone; only the one on screen is forgotten (an old one is deleted later, after
        the next one was shown)."""
        if self._box is box:
            self._box = None
