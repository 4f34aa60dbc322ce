"""How the training panel lays out: the settings beside the plots, or two tabs when it is too narrow.

``SideBySideOrTabs`` is mixed into the panel (it needs the panel's own size events);
``BuilderScroll`` and ``GripSplitter`` are the pieces it arranges.

The plots are the lesson, so on a projector they come first: zoomed for a room, the settings
move into their own tab unless the plots keep two thirds of the width beside them
(``ZOOMED_PLOTS_WIDTH``), and the tabs under the plots (the runs list, an experiment's results)
give up height, down to their least, until each plot is at least ``PLOT_HEIGHT_SHARE`` of the
panel's height.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QScrollArea, QSplitter, QSplitterHandle, QWidget

from mnist_gui.widgets.sizing import text_scale

PLOT_HEIGHT_SHARE = 1 / 3  # each plot's least share of the panel's height (issue 22)
ZOOMED_PLOTS_WIDTH = 2 / 3  # zoomed, the settings stay beside the plots only if these keep this share
TABBED_MARGIN = 2          # pixels above the tab bar and below the tabs
ZOOMED = 1.3               # a text scale from which the panel is taken to be shown to a room


class SideBySideOrTabs:
    """For a QWidget with ``builder_scroll`` and ``training_column`` (the two sides), ``splitter``
    (a horizontal QSplitter) and ``tabs`` (a QTabWidget), both in its layout: shows the sides in
    the splitter when the widget is wide enough, else as two tabs. Call ``_place_side_by_side()``
    once the four are made, with ``_splitter_sizes`` set, and connect ``tabs.currentChanged`` to
    ``_on_tab_changed``.

    ``plots_splitter`` (a vertical QSplitter in the training column, the plots first) and
    ``plot_height()`` (the height of the smallest plot) let it give the plots their share.
    """

    def is_tabbed(self) -> bool:
        """True while the settings and the plots are two tabs (the panel is narrower than both)."""
        return not self.tabs.isHidden()

    def side_by_side_width(self) -> int:
        """The least width that shows the settings beside the plots."""
        margins = self.layout().contentsMargins()
        return (least_width(self.builder_scroll) + self.splitter.handleWidth()
                + least_width(self.training_column) + margins.left() + margins.right())

    def minimumSizeHint(self) -> QSize:
        """As narrow as the tabs can be: below the side-by-side width the panel turns into tabs."""
        hint = super().minimumSizeHint()
        if self.is_tabbed():
            return hint
        margins = self.layout().contentsMargins()
        tabbed = (max(least_width(self.builder_scroll), least_width(self.training_column))
                  + margins.left() + margins.right() + 8)  # 8: the tab page's frame
        return QSize(min(hint.width(), tabbed), hint.height())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._arrange()

    def event(self, event) -> bool:
        if event.type() == QEvent.LayoutRequest:  # a minimum width changed (zoom, a new run)
            self._arrange()
        elif event.type() == QEvent.FontChange and self.is_tabbed():
            # zoomed: the side in a hidden tab keeps the size hints its layouts cached at the old
            # zoom (a hidden widget's geometry is not updated), so lay the two sides out side by
            # side again and let the next layout pass decide on fresh hints
            self._place_side_by_side()
        return super().event(event)

    def _arrange(self):
        tabbed = self.width() < self.side_by_side_width() or self._plots_too_narrow()
        if tabbed != self.is_tabbed():
            self._place_in_tabs() if tabbed else self._place_side_by_side()
        self._share_heights()

    def _plots_too_narrow(self) -> bool:
        """Zoomed for a room, the plots would keep less than ZOOMED_PLOTS_WIDTH of the width beside
        the settings (at their least width): at 1920x1080 in presentation mode they had 63 %."""
        if text_scale(self) < ZOOMED:
            return False
        beside = self.width() - least_width(self.builder_scroll) - self.splitter.handleWidth()
        return beside < ZOOMED_PLOTS_WIDTH * self.width()

    def _share_heights(self):
        """Each plot at least PLOT_HEIGHT_SHARE of the panel's height, the parts under the plots
        giving up height (the last first) down to their least; never taken back, so a drag of the
        splitter stays until the panel is too short for it."""
        splitter = self.plots_splitter
        sizes = splitter.sizes()
        short = math.ceil(PLOT_HEIGHT_SHARE * self.height()) - self.plot_height()
        if short <= 0 or not splitter.isVisible() or not sum(sizes):
            return
        for index in range(len(sizes) - 1, 0, -1):
            if sizes[index] > 0:  # a collapsed or hidden part has nothing to give
                spare = sizes[index] - least_height(splitter.widget(index))
                given = max(0, min(short, spare))
                sizes[index] -= given
                sizes[0] += given
                short -= given
        if sizes != splitter.sizes():
            splitter.setSizes(sizes)

    def _place_in_tabs(self):
        if self.splitter.isVisible():  # the shares as shown (dragged, maybe), for coming back
            self._splitter_sizes = self.splitter.sizes()
        self.splitter.hide()
        self._set_margins(tabbed=True)
        self.tabs.addTab(self.builder_scroll, "Network and settings")
        self.tabs.addTab(self.training_column, "Training and plots")
        self.tabs.setTabToolTip(0, "The layers and the training settings (beside the plots when "
                                   "the window is wide enough)")
        self.tabs.setTabToolTip(1, "Start, Step and Stop, the live plots and the runs")
        self.tabs.setCurrentIndex(1)  # a presentation watches the plots
        self.tabs.show()

    def _set_margins(self, tabbed: bool):
        """In tabs the tab bar is the top edge: the margins above and below go to the plots."""
        layout = self.layout()
        if layout is not None:  # None while the panel is being built
            side = layout.contentsMargins().left()
            edge = TABBED_MARGIN if tabbed else side
            layout.setContentsMargins(side, edge, side, edge)

    def _on_tab_changed(self, _index: int):
        self._share_heights()  # the plots' tab shown: its splitter is measured now

    def _place_side_by_side(self):
        while self.tabs.count():
            self.tabs.removeTab(0)
        self.tabs.hide()
        self._set_margins(tabbed=False)
        for index, widget in enumerate((self.builder_scroll, self.training_column)):
            self.splitter.insertWidget(index, widget)
            widget.show()
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes(self._splitter_sizes)
        self.splitter.show()


class BuilderScroll(QScrollArea):
    """The settings form, scrolling up and down but never sideways: at least as wide as the form."""

    def __init__(self, builder: QWidget, parent: QWidget | None = None):
        super().__init__(parent, objectName="builderScroll")
        self.setWidget(builder)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        width = (self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                 + 2 * self.frameWidth())
        return QSize(width, hint.height())


def least_width(widget: QWidget) -> int:
    """How narrow a layout lets ``widget`` be (its minimum size, else its minimum size hint)."""
    return widget.minimumWidth() or widget.minimumSizeHint().width()


def least_height(widget: QWidget) -> int:
    """How short a layout lets ``widget`` be (its minimum size, else its minimum size hint)."""
    return widget.minimumHeight() or widget.minimumSizeHint().height()


class GripHandle(QSplitterHandle):
    """A splitter handle that shows it can be dragged: a row of dots across its middle."""

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(self.palette().color(QPalette.PlaceholderText))
        centre = QPointF(self.rect().center())
        for step in range(-3, 4):
            offset = QPointF(0, 6 * step) if self.orientation() == Qt.Horizontal else QPointF(6 * step, 0)
            painter.drawEllipse(centre + offset, 1.5, 1.5)
        painter.end()


class GripSplitter(QSplitter):
    """A QSplitter whose handles are visible (dots) and say what dragging them does."""

    def createHandle(self) -> QSplitterHandle:
        handle = GripHandle(self.orientation(), self)
        side = "height" if self.orientation() == Qt.Vertical else "width"
        handle.setToolTip(f"Drag to share the {side} between the parts on either side")
        return handle
