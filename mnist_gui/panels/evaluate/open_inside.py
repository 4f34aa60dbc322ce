"""The galleries of test images in Evaluate (mistakes, a confusion-matrix cell): their "show in the
browser" and "open on the canvas" relayed by the view that holds them, and "Open in Inside", which
sends the image, its true class and the network's answer to the ImageFocus."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from mnist_gui.state.focus import OPEN_IN_INSIDE_TIP, describe
from mnist_gui.widgets.image_gallery import ImageGallery


def gallery_of_test_images(owner: QWidget, object_name: str, focus, button_name: str) -> ImageGallery:
    """A gallery whose requests ``owner`` relays (its ``open_in_browser`` and ``open_on_canvas``
    signals), with "Open in Inside" as ``owner.open_inside_button`` when there is a ``focus``."""
    gallery = ImageGallery(object_name)
    gallery.open_in_browser.connect(owner.open_in_browser)
    gallery.open_on_canvas.connect(owner.open_on_canvas)
    if focus is not None:
        owner.open_inside_button = offer_open_in_inside(gallery, focus, button_name)
    return gallery


def offer_open_in_inside(gallery, focus, object_name: str) -> QPushButton:
    """Adds the action to ``gallery`` (its context menu and a button); returns the button."""

    def open_row(row: int):
        model = gallery.model
        index = int(model.indices()[row])
        true, top = model.answer(row)
        description = describe("test", index, model.name(true), model.name(top[0][0]))
        focus.open(model.image(row), true, description, "test", index)

    button = gallery.add_image_action("Open in Inside", OPEN_IN_INSIDE_TIP, open_row)
    button.setObjectName(object_name)
    return button
