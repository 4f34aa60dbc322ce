"""The "Inside the network" panel: one step in slow motion, training dynamics, the hidden space, saliency."""

from mnist_gui.panels.inside.view import InsideView

__all__ = ["InsideView"]
