"""The Network and training panel: the builder, the controls, the live plots and the runs list."""

from mnist_gui.panels.training.view import TrainingView

__all__ = ["TrainingView"]
