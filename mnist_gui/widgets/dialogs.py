"""Dialogs that follow the zoom and always fit the screen, and a dialog for a long text that scrolls.

``DialogFit`` is one application-wide event filter (the main window installs it): every dialog
that opens (the Start here text, Experiment, the learning-rate finder, message boxes, those of
``QMessageBox.warning`` too) gets the window's zoom and a size within its screen's available
area, so its buttons are never off the screen. A text too long for that scrolls inside
``TextDialog``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from mnist_gui.widgets.zoom import BASE_SIZE, apply_zoom

BASE_DIALOG_SIZE = "_zoomBaseDialogSize"
FRAME = QSize(16, 48)  # room for the window manager's frame and title bar around a dialog


class DialogFit(QObject):
    """An application-wide event filter: ``QApplication.instance().installEventFilter(fit)``.

    ``zoom`` is the zoom every dialog is shown at (``set_zoom`` when it changes).
    """

    def __init__(self, zoom: float = 1.0, parent: QObject | None = None):
        super().__init__(parent)
        self.zoom = zoom

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Show and isinstance(watched, QDialog) and watched.isWindow()
                and not event.spontaneous()):
            fit_dialog(watched, self.zoom)
        return False


def fit_dialog(dialog: QDialog, zoom: float) -> None:
    """Scale ``dialog``'s fonts to ``zoom``, size it for them (a size set in code grows with the
    zoom) and keep it within its screen's available area."""
    apply_zoom(dialog, zoom)
    if dialog.testAttribute(Qt.WA_Resized):  # sized in code: that size, zoomed
        base = dialog.property(BASE_DIALOG_SIZE)
        if base is None:
            base = dialog.size()
            dialog.setProperty(BASE_DIALOG_SIZE, base)
        dialog.resize(QSize(round(base.width() * zoom), round(base.height() * zoom))
                      .expandedTo(dialog.minimumSizeHint()))
    else:
        dialog.adjustSize()
    room = available(dialog)
    if room is not None:
        dialog.resize(dialog.size().boundedTo(room.size() - FRAME))


def zoom_of(dialog: QWidget) -> float:
    """The zoom ``fit_dialog`` showed ``dialog`` at (1 before it was shown): for the parts a dialog
    adds later (a plot per result), which ``fit_zoomed`` then zooms like the rest."""
    base = dialog.property(BASE_SIZE)
    size = dialog.font().pointSizeF()
    return size / float(base) if base and size > 0 else 1.0


def fit_zoomed(dialog: QWidget, part: QWidget) -> None:
    """Zoom ``part``, added to ``dialog`` after it was shown, as ``dialog`` is zoomed."""
    apply_zoom(part, zoom_of(dialog))


def available(widget: QWidget) -> QRect | None:
    """The available geometry (without panels and docks) of the screen ``widget`` is on."""
    screen = widget.screen()
    return screen.availableGeometry() if screen is not None else None


class TextDialog(QDialog):
    """A rich text with an OK button; the text scrolls when the dialog is shorter than it."""

    def __init__(self, title: str, html: str, parent: QWidget | None = None, size: tuple[int, int] = (640, 720)):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser(objectName="dialogText")
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(html)
        self.browser.setFrameShape(QTextBrowser.NoFrame)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok)
        self.buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.buttons)
        self.resize(*size)

    def text(self) -> str:
        """The text as plain text."""
        return self.browser.toPlainText()
