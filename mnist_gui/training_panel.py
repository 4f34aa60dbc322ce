"""The Network and training panel (placeholder until the training issue fills it in)."""

from .placeholder import PlaceholderPanel


class TrainingPanel(PlaceholderPanel):
    def __init__(self, parent=None):
        super().__init__("Network and training",
                         "Here you will build a small neural network, press Train, and watch its "
                         "loss fall and its accuracy rise, epoch by epoch, while its weights turn "
                         "into pictures.", "network", parent)
