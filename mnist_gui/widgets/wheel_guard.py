"""Spin boxes, combo boxes and sliders take the mouse wheel only when they have the focus.

Scrolling a long form with the wheel used to change whatever value passed under the pointer
(a learning rate went from 0.1 to 0.01 without a click). With the guard, a wheel turn over an
unfocused field scrolls the form around it instead; click (or Tab to) a field to wheel its value.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget

GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelGuard(QObject):
    """An application-wide event filter: ``QApplication.instance().installEventFilter(guard)``."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Wheel or not isinstance(watched, GUARDED):
            return False
        if isinstance(watched, QScrollBar):
            return False  # the wheel is what a scroll bar is for
        if watched.hasFocus():
            return False
        watched.setFocusPolicy(Qt.StrongFocus)  # no focus by wheel from now on
        area = _scroll_area_around(watched)
        if area is not None:
            QCoreApplication.sendEvent(area.verticalScrollBar(), event)
        return True


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent
