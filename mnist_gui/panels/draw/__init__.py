"""The Draw panel: a canvas the network reads as you draw, and the drawings you keep."""

from mnist_gui.panels.draw.view import DrawView

__all__ = ["DrawView"]
