"""Named network + training configurations, shared by the CLI and the GUI's network builder."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .choices import choose
from .network import ConvLayer, HiddenLayer, NetworkSpec, PoolLayer
from .training import TrainConfig


@dataclass(frozen=True)
class Preset:
    """A classic configuration: what it is, the network and how to train it.

    ``title`` and ``description`` name the layers (``784-256-128-10``); ``for_data`` rewrites
    them for the dataset's sizes. ``mnist_result`` is what it reaches on MNIST, only told
    for 784-pixel, 10-class data.
    """

    name: str
    title: str
    description: str
    network: NetworkSpec
    training: TrainConfig
    mnist_result: str = ""

    def layers(self) -> str:
        """The layer sizes, ``784-256-128-10``."""
        sizes = [self.network.input_size, *(h.units for h in self.network.hidden),
                 self.network.classes]
        return "-".join(str(n) for n in sizes)

    def for_data(self, input_size: int, classes: int) -> Preset:
        """The same preset sized for a dataset's image size and number of classes; ValueError saying
        why for images its convolutions do not fit (LeNet's filters on 8x8 digits, say)."""
        try:
            network = replace(self.network, input_size=input_size, classes=classes)
        except ValueError as err:
            raise ValueError(f"the {self.name} preset does not fit images of {input_size} pixels: {err}") from None
        sized = replace(self, network=network)
        old, new = self.layers(), sized.layers()
        return replace(sized, title=self.title.replace(old, new),
                       description=self.description.replace(old, new))

    def told(self) -> str:
        """The description, with the MNIST result when the network is sized for MNIST."""
        mnist = (self.network.input_size, self.network.classes) == (784, 10)
        return f"{self.description} {self.mnist_result}" if mnist and self.mnist_result \
            else self.description


def _h(*layers):
    return tuple(HiddenLayer(units, act) for units, act in layers)


PRESETS = {p.name: p for p in (
    Preset(
        "default", "Default: two ReLU layers, momentum",
        "A reliable start: 784-256-128-10 with ReLU and He initialisation, SGD with momentum 0.9, "
        "a learning rate of 0.1 that decays along a cosine, a little L2 weight decay, batches of 128.",
        NetworkSpec(hidden=_h((256, "relu"), (128, "relu")), init="he"),
        TrainConfig(epochs=10, batch_size=128, optimiser="momentum", lr=0.1, momentum=0.9,
                    weight_decay=5e-4, schedule="cosine"),
        mnist_result="On MNIST it reaches about 98.2% test accuracy in 10 epochs of under a "
                     "second each.",
    ),
    Preset(
        "textbook", "Textbook: 784-200-10 sigmoid, full-batch gradient descent",
        "The network of the classic textbook derivation: one sigmoid hidden layer, softmax outputs, "
        "weights from N(0, 0.01^2), the raw pixel values 0-255 as inputs (as the source used), and plain "
        "gradient descent on the whole training set at once: one step per epoch, learning rate 0.5. "
        "For the first few steps the loss rises and the accuracy falls back towards chance; then it "
        "climbs, fast and then slowly: about 70% after 20 steps, 92% after 100, 94.5% after 200 "
        "(one to two minutes here; the source reports 94.2% after 3,500 steps). Why raw pixels work: "
        "with weights of 0.01 they give each hidden unit an input of tens, so from the first step the "
        "200 units are 200 different on/off features of the image. Switch the input scaling to 0-1 "
        "(the builder's Data and regularisation section) "
        "and every unit starts at sigmoid(about 0) = 0.5, all nearly alike, and the first layer's "
        "gradient is 255 times smaller: the loss rises for 9 steps while the too-large steps of the "
        "output layer overshoot, and after 100 steps the network is still at 78%.",
        NetworkSpec(hidden=_h((200, "sigmoid")), init="normal", init_scale=0.01, input_scaling="raw"),
        TrainConfig(epochs=200, batch_size=None, optimiser="sgd", lr=0.5),
    ),
    Preset(
        "course-lab", "Course lab: 784-100-10 sigmoid, batches of 100",
        "The first network of a university machine-learning lab: one sigmoid layer of 100 units, "
        "uniform initialisation in (-0.1, 0.1), stochastic gradient descent with batches of 100. "
        "Reaches about 95% test accuracy (94.4% validation) in 20 epochs, about 10 s of training.",
        NetworkSpec(hidden=_h((100, "sigmoid")), init="uniform", init_scale=0.1),
        TrainConfig(epochs=20, batch_size=100, optimiser="sgd", lr=0.1),
    ),
    Preset(
        "deep-relu", "Deeper ReLU: 784-100-200-10, SGD 0.1",
        "Two ReLU layers trained by plain SGD with a learning rate of 0.1 on batches of 32. "
        "Passes 97% validation accuracy, as its source reports: 97.2% validation, 97.7% test after "
        "10 epochs, about 10 s of training.",
        NetworkSpec(hidden=_h((100, "relu"), (200, "relu")), init="he"),
        TrainConfig(epochs=10, batch_size=32, optimiser="sgd", lr=0.1),
    ),
    Preset(
        "wide", "Wide: 784-512-512-10 ReLU",
        "Two wide ReLU layers, momentum SGD on batches of 64: many parameters, fast learning. "
        "Reaches about 97.9% test accuracy (97.4% validation) in 10 epochs, 25 to 45 s of training.",
        NetworkSpec(hidden=_h((512, "relu"), (512, "relu")), init="he"),
        TrainConfig(epochs=10, batch_size=64, optimiser="momentum", lr=0.01, momentum=0.9),
    ),
    Preset(
        "best", "Best: 784-800-800-10 ReLU, dropout, augmented digits",
        "The record of this app: two ReLU layers of 800 units, each followed by dropout of 20%, trained "
        "on digits shifted by up to 2 pixels, turned by up to 10 degrees and scaled by up to 10% "
        "(new ones every epoch), momentum SGD with a cosine-decaying rate, batches of 128. "
        "Reaches 99.1% test accuracy in 20 epochs, about 2.5 minutes of training here. Without the "
        "augmentation the same net stops at 98.5%, and reads digits moved by 2 pixels at 86% "
        "(98.6% with it): dropout and augmentation both fight over-fitting.",
        NetworkSpec(hidden=(HiddenLayer(800, "relu", dropout=0.2), HiddenLayer(800, "relu", dropout=0.2)),
                    init="he"),
        TrainConfig(epochs=20, batch_size=128, optimiser="momentum", lr=0.05, momentum=0.9,
                    schedule="cosine", augment=True),
    ),
    Preset(
        "lenet", "LeNet-5: two convolutions, max-pooling, ReLU",
        "The shape of LeCun's LeNet-5 (1998), with ReLU and max-pooling as today: 6 filters of 5x5 "
        "(padded, so 28x28 stays 28x28), 2x2 max-pooling, 16 filters of 5x5, pooling again, then "
        "dense layers of 120 and 84 units. 62,000 weights, a quarter of the 235,000 of 'default', yet better: each "
        "filter looks for one stroke anywhere in the digit. Momentum SGD, cosine-decaying rate, "
        "batches of 128.",
        NetworkSpec(features=(ConvLayer(6, 5, padding=2), PoolLayer(2), ConvLayer(16, 5), PoolLayer(2)),
                    hidden=_h((120, "relu"), (84, "relu")), init="he"),
        TrainConfig(epochs=10, batch_size=128, optimiser="momentum", lr=0.05, momentum=0.9,
                    weight_decay=5e-4, schedule="cosine"),
    ),
    Preset(
        "cnn", "A small modern CNN: 3x3 filters, dropout, augmented digits",
        "Two convolutions of 3x3 filters (32 and 64, padded), each followed by 2x2 max-pooling, a "
        "dense layer of 128 units, dropout of 25% after the convolutions and 50% before the output, "
        "trained on shifted, turned and scaled digits with Adam.",
        NetworkSpec(features=(ConvLayer(32, 3, padding=1), PoolLayer(2), ConvLayer(64, 3, padding=1),
                              PoolLayer(2, dropout=0.25)),
                    hidden=(HiddenLayer(128, "relu", dropout=0.5),), init="he"),
        TrainConfig(epochs=8, batch_size=128, optimiser="adam", lr=2e-3, schedule="cosine", augment=True),
    ),
    Preset(
        "five-sigmoid", "Vanishing gradients: five sigmoid layers",
        "784-64-64-64-64-64-10 with sigmoid units and Xavier initialisation, plain SGD. Each sigmoid "
        "passes back at most a quarter of the gradient, so the gradient shrinks layer by layer "
        "towards the input and the first layers hardly learn: watch the gradient norms on the "
        "Inside panel, then train 'five-relu' and compare.",
        NetworkSpec(hidden=_h(*[(64, "sigmoid")] * 5), init="xavier"),
        TrainConfig(epochs=5, batch_size=64, optimiser="sgd", lr=0.1),
    ),
    Preset(
        "five-relu", "The same depth with ReLU and He initialisation",
        "784-64-64-64-64-64-10 with ReLU units and He initialisation, trained exactly like "
        "'five-sigmoid': the gradient keeps its size through all five layers.",
        NetworkSpec(hidden=_h(*[(64, "relu")] * 5), init="he"),
        TrainConfig(epochs=5, batch_size=64, optimiser="sgd", lr=0.1),
    ),
)}


def preset(name: str) -> Preset:
    """The preset called ``name``; ValueError listing the names otherwise."""
    return choose(name, PRESETS, "preset")
