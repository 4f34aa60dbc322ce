"""A scroll area for a whole panel: the panel fills it, and scrolls only when it cannot be that small."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QStackedWidget, QTabWidget, QWidget


class PanelArea(QScrollArea):
    """``PanelArea(panel)``: the panel is given the whole viewport, or its minimum size where that
    is larger (then that direction scrolls), so a zoomed panel never makes the window larger than
    the screen.

    Not ``widgetResizable``: that gives a panel holding wrapped text its *preferred* height for the
    width, so a panel that fits by squeezing its plots would scroll instead.
    """

    def __init__(self, panel: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(panel)
        panel.installEventFilter(self)  # its minimum size changes (zoom): fitted again

    def panel(self) -> QWidget:
        return self.widget()

    def minimumSizeHint(self) -> QSize:
        return QSize(80, 80)

    def sizeHint(self) -> QSize:
        return self.widget().sizeHint() if self.widget() is not None else super().sizeHint()

    def resizeEvent(self, event):  # the viewport's size changed (QAbstractScrollArea)
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == QEvent.LayoutRequest:
            self._fit()
        return super().eventFilter(watched, event)

    def _fit(self):
        panel = self.widget()
        if panel is None:
            return
        least = panel.minimumSizeHint().expandedTo(panel.minimumSize())
        room = self.maximumViewportSize()  # the viewport without scroll bars
        size = room.expandedTo(least)
        # a scroll bar one way takes room from the other
        if size.height() > room.height():
            size.setWidth(max(least.width(), room.width() - self.verticalScrollBar().sizeHint().width()))
        if size.width() > room.width():
            size.setHeight(max(least.height(), room.height() - self.horizontalScrollBar().sizeHint().height()))
        if panel.size() != size:
            panel.resize(size)


def fit_current_page(tabs: QTabWidget | QStackedWidget) -> None:
    """Size ``tabs`` (or a stack of pages) by the page it shows, not by the largest of its pages.

    A QTabWidget or QStackedWidget is as large as its largest page, so one tall page made every page
    of a zoomed panel scroll. The hidden pages' size policies become Ignored (which QStackedLayout
    leaves out of its sizes), and the shown page gets its own back. For pages that stay in ``tabs``.
    """
    own: dict[QWidget, QSizePolicy] = {}

    def follow(index: int) -> None:
        for i in range(tabs.count()):
            page = tabs.widget(i)
            own.setdefault(page, page.sizePolicy())
            page.setSizePolicy(own[page] if i == index else QSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored))
        tabs.updateGeometry()

    tabs.currentChanged.connect(follow)
    follow(tabs.currentIndex())
