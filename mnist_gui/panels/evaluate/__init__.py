"""The Evaluate panel: test accuracy, the confusion matrix, the mistakes and the learned weights."""

from mnist_gui.panels.evaluate.view import EvaluateView

__all__ = ["EvaluateView"]
