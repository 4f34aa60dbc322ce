"""The Data panel: every image of the dataset, filtered by split and label, with class counts."""

from mnist_gui.panels.data.panel import DataPanel

__all__ = ["DataPanel"]
