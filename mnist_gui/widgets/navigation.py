"""The sidebar of panels beside a stack that shows one of them: every panel one click away."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QIcon, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProxyStyle,
    QStackedWidget,
    QStyle,
    QWidget,
)

from mnist_gui.icons import icon
from mnist_gui.widgets.sizing import text_scale

#: The most of the window's width a zoomed sidebar takes with every name on one line; beyond it
#: (zoomed on a small screen) long names wrap onto two lines, and the panels keep the room.
ONE_LINE_SHARE = 0.2
ITEM_HEIGHT = 44  # one line of text beside a 28 px icon
CHROME = 40       # the item's padding and the space beside the icon, on top of icon and text


class PanelNavigator(QWidget):
    """A list of panel names with icons on the left driving a QStackedWidget on the right."""

    panel_changed = Signal(str)  # key of the panel now shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self._keys: list[str] = []
        self._icon_names: dict[str, str | QIcon | None] = {}
        self.sidebar = QListWidget(objectName="panelList")
        self._style = _SidebarStyle()  # kept: the widget does not own its style
        self.sidebar.setStyle(self._style)
        self.sidebar.setIconSize(QSize(28, 28))
        self.sidebar.setSpacing(2)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.sidebar.setWordWrap(True)  # two lines when the window is narrow for one (_fit_sidebar)
        font = self.sidebar.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.sidebar.setFont(font)
        self.sidebar.installEventFilter(self)  # its font grows with the zoom: widened to match
        self.stack = QStackedWidget(objectName="panelStack")
        self.sidebar.currentRowChanged.connect(self._on_row_changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.stack, 1)

    def keys(self) -> list[str]:
        return list(self._keys)

    def panel(self, key: str) -> QWidget:
        return self.stack.widget(self._keys.index(key))

    def current_key(self) -> str:
        row = self.stack.currentIndex()
        return self._keys[row] if 0 <= row < len(self._keys) else ""

    def set_panel(self, key: str, title: str, widget: QWidget, icon_name=None, tooltip: str = ""):
        """Add a panel, or replace the one with the same key in place. Returns the old widget."""
        widget.setProperty("panelKey", key)
        self._icon_names[key] = icon_name
        if key in self._keys:
            row = self._keys.index(key)
            old = self.stack.widget(row)
            was_current = self.stack.currentIndex() == row
            self.stack.removeWidget(old)
            self.stack.insertWidget(row, widget)
            item = self.sidebar.item(row)
            if was_current:
                self.stack.setCurrentIndex(row)
        else:
            old = None
            self._keys.append(key)
            self.stack.addWidget(widget)
            item = QListWidgetItem()
            self.sidebar.addItem(item)
        item.setText(title)
        item.setToolTip(tooltip or title)
        item.setIcon(self._tinted(icon_name))
        self._fit_sidebar()
        return old

    def show_panel(self, key: str):
        self.sidebar.setCurrentRow(self._keys.index(key))

    def _on_row_changed(self, row: int):
        if 0 <= row < len(self._keys):
            self.stack.setCurrentIndex(row)
            self.panel_changed.emit(self._keys[row])

    def _tinted(self, icon_name) -> QIcon:
        """The icon in the text colour, and in the highlighted-text colour when selected."""
        if isinstance(icon_name, QIcon):
            return icon_name
        if not icon_name:
            return QIcon()
        pal = self.palette()
        result = QIcon()
        size = self.sidebar.iconSize()
        for mode, role in ((QIcon.Normal, QPalette.Text), (QIcon.Selected, QPalette.HighlightedText)):
            for scale in (1, 2, 3):
                result.addPixmap(icon(icon_name, pal.color(role)).pixmap(size * scale), mode)
        return result

    def _fit_sidebar(self):
        """Wide enough for every panel name beside its icon, at the sidebar's font (no
        "Network and ..."): on one line, or, zoomed, on two where one line would take more than
        ``ONE_LINE_SHARE`` of the window (a projector's 1280x720). Unzoomed, always one line."""
        fm = self.sidebar.fontMetrics()
        texts = [self.sidebar.item(i).text() for i in range(self.sidebar.count())]
        one_line = max((fm.horizontalAdvance(t) for t in texts), default=80)
        chrome = self.sidebar.iconSize().width() + CHROME
        lines = 1
        if text_scale(self.sidebar) > 1 and one_line + chrome > ONE_LINE_SHARE * self.width():
            two_lines = max((_two_line_width(fm, t) for t in texts), default=80)
            if two_lines < one_line:
                one_line, lines = two_lines, 2
        self.sidebar.setFixedWidth(one_line + chrome)
        height = max(ITEM_HEIGHT, lines * fm.lineSpacing() + ITEM_HEIGHT - fm.lineSpacing())
        for i in range(self.sidebar.count()):
            if self.sidebar.item(i).sizeHint().height() != height:  # a resize lays out only on change
                self.sidebar.item(i).setSizeHint(QSize(0, height))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_sidebar()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.sidebar and event.type() == QEvent.FontChange:
            self._fit_sidebar()
        return super().eventFilter(watched, event)

    def changeEvent(self, event):
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange):
            for row, key in enumerate(self._keys):
                self.sidebar.item(row).setIcon(self._tinted(self._icon_names.get(key)))
        super().changeEvent(event)


def _two_line_width(fm: QFontMetrics, text: str) -> int:
    """The width of ``text`` broken between two words onto two lines, the narrower way."""
    words = text.split()
    return min((max(fm.horizontalAdvance(" ".join(words[:i])), fm.horizontalAdvance(" ".join(words[i:])))
                for i in range(1, len(words))), default=fm.horizontalAdvance(text))


class _SidebarStyle(QProxyStyle):
    """The application's style, except that a selected entry is highlighted icon and all."""

    def styleHint(self, hint, option=None, widget=None, returnData=None):
        if hint == QStyle.SH_ItemView_ShowDecorationSelected:
            return 1
        return super().styleHint(hint, option, widget, returnData)
