"""The Mean digits panel: the average digit of each class, its spread, and the nearest-mean baseline."""

from mnist_gui.panels.means.panel import MeansPanel

__all__ = ["MeansPanel"]
