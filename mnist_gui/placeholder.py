"""A panel that says what will be here: the base of the panels that later issues fill in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .icons import icon


class PlaceholderPanel(QWidget):
    """A large icon, a title and one or two sentences, centred."""

    def __init__(self, title: str, text: str, icon_name: str, parent=None):
        super().__init__(parent)
        picture = QLabel(alignment=Qt.AlignCenter)
        picture.setPixmap(icon(icon_name, self.palette().color(QPalette.PlaceholderText)).pixmap(96, 96))
        heading = QLabel(f"<h2>{title}</h2>", alignment=Qt.AlignCenter)
        body = QLabel(text, alignment=Qt.AlignCenter, wordWrap=True)
        body.setMinimumWidth(320)
        body.setMaximumWidth(640)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(body, 4)
        centred.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(picture)
        layout.addWidget(heading)
        layout.addLayout(centred)
        layout.addStretch(2)
