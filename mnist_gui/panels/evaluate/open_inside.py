"""The galleries of test images in Evaluate (mistakes, a confusion-matrix cell) send their images to
the ImageFocus: "Show in the data browser", "Open on the drawing canvas", and "Open in Inside" with
the image's true class and the network's answer. The Data, Draw and Inside panels listen there.

A network of some classes (3 vs 7) is scored on those classes' test images, relabelled 0..k-1: what
goes to the focus is the image as the whole test set knows it, its index there and its digit
(``engine.classes.places``), so Inside learns it as a 7 and the browser shows that very image.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QWidget

from engine.classes import EVERY_CLASS, Places
from mnist_gui.state.focus import OPEN_IN_INSIDE_TIP, ImageFocus, describe
from mnist_gui.widgets.image_gallery import ImageGallery


class ImageSender(QObject):
    """Sends a gallery's images to ``focus`` as the whole test set knows them: ``places`` (set with
    each evaluation) maps the gallery's indices and classes, those of the images the network sees."""

    def __init__(self, gallery: ImageGallery, focus: ImageFocus, parent: QObject | None = None):
        super().__init__(parent)
        self.gallery, self.focus = gallery, focus
        self.places = EVERY_CLASS
        gallery.open_in_browser.connect(self.show_in_browser)
        gallery.open_on_canvas.connect(focus.put_on_canvas)

    def set_places(self, places: Places | None) -> None:
        self.places = EVERY_CLASS if places is None else places
        self.gallery.model.set_numbering(self.places.index)

    def show_in_browser(self, split: str, index: int) -> None:
        self.focus.show_in_browser(split, self.places.index(index))

    def open_row(self, row: int) -> None:
        """Open the gallery's image ``row`` in Inside: its digit, and its index in the test set."""
        model = self.gallery.model
        index = self.places.index(int(model.indices()[row]))
        true, top = model.answer(row)
        description = describe("test", index, model.name(true), model.name(top[0][0]))
        self.focus.open(model.image(row), self.places.label(true), description, "test", index)


def gallery_of_test_images(owner: QWidget, object_name: str, focus: ImageFocus | None,
                           button_name: str) -> ImageGallery:
    """A gallery whose images go to ``focus`` (browser, canvas, and "Open in Inside" as
    ``owner.open_inside_button``) through ``owner.image_sender`` (a ImageSender: give it each
    evaluation's ``places``); without a focus they go nowhere (a view on its own) and the sender is None."""
    gallery = ImageGallery(object_name)
    owner.image_sender = None
    if focus is not None:
        owner.image_sender = sender = ImageSender(gallery, focus, owner)
        owner.open_inside_button = offer_open_in_inside(gallery, sender, button_name)
    return gallery


def offer_open_in_inside(gallery, sender: ImageSender, object_name: str) -> QPushButton:
    """Adds the action to ``gallery`` (its context menu and a button); returns the button."""
    button = gallery.add_image_action("Open in Inside", OPEN_IN_INSIDE_TIP, sender.open_row)
    button.setObjectName(object_name)
    return button
