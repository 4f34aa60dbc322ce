""""Open in Inside" for a gallery of test images: the image, its true class and the network's answer
go to the ImageFocus, and the main window shows the Inside panel."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from mnist_gui.state.focus import describe

TIP = ("Look inside the network with this image: one training step on it in slow motion, and which "
       "pixels the network looks at")


def offer_open_in_inside(gallery, focus, object_name: str) -> QPushButton:
    """Adds the action to ``gallery`` (its context menu and a button); returns the button."""

    def open_row(row: int):
        model = gallery.model
        index = int(model.indices()[row])
        true, top = model.answer(row)
        description = describe("test", index, model.name(true), model.name(top[0][0]))
        focus.open(model.image(row), true, description, "test", index)

    button = gallery.add_image_action("Open in Inside", TIP, open_row)
    button.setObjectName(object_name)
    return button
