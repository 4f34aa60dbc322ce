"""The Evaluate panel (placeholder until the evaluation issue fills it in)."""

from .placeholder import PlaceholderPanel


class EvaluatePanel(PlaceholderPanel):
    def __init__(self, parent=None):
        super().__init__("Evaluate",
                         "Here you will see how well the trained network does on test images it "
                         "has never seen: its accuracy, its confusion matrix, and the digits it "
                         "gets wrong.", "evaluate", parent)
