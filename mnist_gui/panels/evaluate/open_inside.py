"""The galleries of test images in Evaluate (mistakes, a confusion-matrix cell) send their images to
the ImageFocus: "Show in the data browser", "Open on the drawing canvas", and "Open in Inside" with
the image's true class and the network's answer. The Data, Draw and Inside panels listen there."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from mnist_gui.state.focus import OPEN_IN_INSIDE_TIP, ImageFocus, describe
from mnist_gui.widgets.image_gallery import ImageGallery


def gallery_of_test_images(owner: QWidget, object_name: str, focus: ImageFocus | None,
                           button_name: str) -> ImageGallery:
    """A gallery whose images go to ``focus`` (browser, canvas, and "Open in Inside" as
    ``owner.open_inside_button``); without a focus they go nowhere (a view on its own)."""
    gallery = ImageGallery(object_name)
    if focus is not None:
        gallery.open_in_browser.connect(focus.show_in_browser)
        gallery.open_on_canvas.connect(focus.put_on_canvas)
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
