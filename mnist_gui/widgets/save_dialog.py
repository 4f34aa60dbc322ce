"""A Save dialog with one choice under the file name: Save session's "Keep the replay (adds 45 MB)".

Qt's own file dialog (not the desktop's, which takes no extra widget) with a check box in a row
of its own under its fields; ``ask_save_with_choice`` shows it and gives (path, ticked).
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFileDialog, QGridLayout, QWidget


class SaveWithChoiceDialog(QFileDialog):
    """``SaveWithChoiceDialog(parent, caption, name, name_filter, choice, tip, ticked)``: a Save
    dialog proposing ``name``, with the check box ``choice`` (ticked or not), its tooltip ``tip``."""

    def __init__(self, parent: QWidget | None, caption: str, name: str, name_filter: str, choice: str,
                 tip: str, ticked: bool):
        super().__init__(parent, caption, "", name_filter)
        self.setObjectName("saveWithChoiceDialog")
        self.setOption(QFileDialog.DontUseNativeDialog, True)  # the desktop's dialog takes no check box
        self.setAcceptMode(QFileDialog.AcceptSave)
        self.setFileMode(QFileDialog.AnyFile)
        self.selectFile(name)
        self.choice = QCheckBox(choice, objectName="saveChoice")
        self.choice.setToolTip(tip)
        self.choice.setChecked(ticked)
        layout = self.layout()
        if isinstance(layout, QGridLayout):  # Qt's own dialog: a grid, the file name in its last rows
            layout.addWidget(self.choice, layout.rowCount(), 0, 1, layout.columnCount())

    def chosen(self) -> tuple[str, bool]:
        """(the file chosen, "" if none; the check box ticked)."""
        files = self.selectedFiles()
        return (files[0] if files else ""), self.choice.isChecked()


def ask_save_with_choice(parent: QWidget | None, caption: str, name: str, name_filter: str, choice: str,
                         tip: str, ticked: bool) -> tuple[str, bool]:
    """Show a :class:`SaveWithChoiceDialog` and wait: ("" if cancelled, ticked)."""
    dialog = SaveWithChoiceDialog(parent, caption, name, name_filter, choice, tip, ticked)
    try:
        if not dialog.exec():
            return "", dialog.choice.isChecked()
        return dialog.chosen()
    finally:
        dialog.deleteLater()
