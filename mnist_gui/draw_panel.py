"""The Draw panel (placeholder until the drawing issue fills it in)."""

from .placeholder import PlaceholderPanel


class DrawPanel(PlaceholderPanel):
    def __init__(self, parent=None):
        super().__init__("Draw a digit",
                         "Here you will draw a digit with the mouse and see, as you draw, what the "
                         "network thinks it is and how sure it is.", "draw", parent)
