"""The notice at the top of the Data panel when MNIST is missing or a download failed, with the ways out."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from mnist_gui.icons import icon
from mnist_gui.widgets.wrapped_label import WrappedLabel


class SourceBanner(QFrame):
    """Says in plain words what happened and offers: download, choose a folder, use the offline digits."""

    download_requested = Signal(str)   # a key of engine.files.download.REMOTES
    choose_folder_requested = Signal()
    offline_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("sourceBanner")
        self.setFrameShape(QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.AlternateBase)
        self._message = WrappedLabel(objectName="sourceBannerMessage")
        self._message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.download_button = self._button("Download MNIST (11 MB)", "download",
                                            "Fetch the 70,000 MNIST digits once and keep them "
                                            "on this computer", self._on_download)
        self.folder_button = self._button("Choose folder…", "folder",
                                          "Use MNIST or Fashion-MNIST files you already have "
                                          "(IDX .gz files or CSV)", self.choose_folder_requested.emit)
        self.offline_button = self._button("Use offline digits", "data",
                                           "1,797 small 8×8 digits built into the app: "
                                           "no download needed", self.offline_requested.emit)
        buttons = QHBoxLayout()
        for b in (self.download_button, self.folder_button, self.offline_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self._message)
        layout.addLayout(buttons)
        self._key = "mnist"
        self.hide()

    def _button(self, text, icon_name, tip, slot) -> QPushButton:
        button = QPushButton(icon(icon_name, self.palette().color(QPalette.ButtonText)), text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _on_download(self):
        self.download_requested.emit(self._key)

    def message(self) -> str:
        return self._message.text()

    def show_missing(self, showing_offline: bool, problem: str = ""):
        """Nothing was found on this computer, or ``problem``: what is wrong with the folder the
        user named (in $MNIST_DATA_DIR), said instead."""
        text = f"<b>{_escape(problem)}.</b> " if problem else "<b>No MNIST on this computer yet.</b> "
        if showing_offline:
            text += ("Meanwhile you are looking at the 1,797 small 8×8 digits built into the app. ")
        text += "Download MNIST once (11 MB), or choose a folder that already has the files."
        self._show(text, "Download MNIST (11 MB)", "mnist", offline=not showing_offline)

    def show_downloading(self, name: str, size: str):
        """Nothing was found, and the download has started by itself (progress in the status bar)."""
        self._show(f"<b>No {name} on this computer yet: downloading it once ({size}).</b> The "
                   "progress and Cancel are in the status bar below. Meanwhile you are looking at "
                   "the 1,797 small 8×8 digits built into the app.", "", "mnist", offline=False)
        self.download_button.hide()

    def show_download_failed(self, key: str, name: str, reason: str, showing: str | None,
                             offer_offline: bool = True):
        """A download did not work: say why and offer to retry."""
        text = f"<b>Could not download {name}.</b> {_escape(plain_reason(reason))}"
        self._message.setToolTip(reason)  # the whole story, mirror by mirror
        if showing:
            text += f"<br>Still showing: {_escape(showing)}."
        self._show(text, "Retry the download", key, offline=offer_offline)

    def _show(self, html: str, download_text: str, key: str, offline: bool):
        self._key = key
        self._message.setText(html)
        self.download_button.setText(download_text)
        self.download_button.setVisible(bool(download_text))
        self.offline_button.setVisible(offline)
        self.show()


UNREACHABLE = ("Name or service not known", "Temporary failure in name resolution",
               "Connection refused", "timed out", "Network is unreachable", "No route to host")


def plain_reason(reason: str) -> str:
    """The downloader's message in plain words when no mirror could be reached at all."""
    if not any(sign in reason for sign in UNREACHABLE):
        return reason
    where = re.search(r"copy the files into (\S+) yourself", reason)
    text = "None of the download sites could be reached: is this computer online? Retry when it is"
    if where:
        return text + f", or choose a folder that has the files (or copy them into {where.group(1)})."
    return text + ", or choose a folder that has the files."


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
