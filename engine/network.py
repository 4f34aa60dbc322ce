"""A feed-forward network built from a JSON-able spec: layers, forward, backprop, prediction, save/load.

The network computes logits z = f_L(... f_1(x)) with Dense layers and activations in turn; the
last Dense layer has no activation, and the loss reads z through the softmax.
"""

from __future__ import annotations

import itertools
import json
import math
import numbers
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .choices import choose
from .convolution import Conv2D, Flatten, MaxPool2D, Unflatten
from .dataset import INPUT_SCALINGS, scale_pixels
from .files.model_file import load_network, save_network
from .initialisers import INITIALISERS, initialise
from .layers import ACTIVATIONS, Activation, Dense, Dropout, activation
from .losses import LOSSES, loss_function, softmax
from .memory import inference_chunk
from .optimisers import Parameter

MAX_UNITS = 4096
MAX_INPUT_SIZE = 2**20  # a 1024x1024 image
MAX_CHANNELS = 512      # filters per convolution
MAX_KERNEL = 31         # pixels on a side of a filter or a pooling window


@dataclass(frozen=True)
class HiddenLayer:
    """One hidden layer: ``units`` neurons followed by the ``activation`` function.

    dropout : the share of this layer's outputs dropped in each training step (0 is no dropout).
    """

    units: int
    activation: str = "relu"
    dropout: float = 0.0


@dataclass(frozen=True)
class ConvLayer:
    """A convolution: ``channels`` filters of ``kernel`` x ``kernel`` weights, then ``activation``.

    padding : zeros added on every side of its input; stride : the step between two windows.
    An input (c, h, w) gives (channels, (h + 2 padding - kernel) // stride + 1, likewise for w).
    dropout : the share of its outputs dropped in each training step.
    """

    channels: int
    kernel: int = 5
    padding: int = 0
    stride: int = 1
    activation: str = "relu"
    dropout: float = 0.0

    def output_shape(self, shape: tuple[int, int, int]) -> tuple[int, int, int]:
        """(channels, h', w') for an input (c, h, w); ValueError saying why for one it cannot take."""
        _, h, w = shape
        if min(h, w) + 2 * self.padding < self.kernel:
            raise ValueError(f"a {self.kernel}x{self.kernel} filter does not fit its {h}x{w} input"
                             + (f" padded by {self.padding}" if self.padding else "")
                             + ": use a smaller kernel, more padding or fewer pooling layers before it")
        return (self.channels, (h + 2 * self.padding - self.kernel) // self.stride + 1,
                (w + 2 * self.padding - self.kernel) // self.stride + 1)

    def describe(self) -> str:
        extra = "".join(f", {t}" for t in (f"padding {self.padding}" * bool(self.padding),
                                            f"stride {self.stride}" * (self.stride != 1),
                                            f"dropout {self.dropout:g}" * bool(self.dropout)) if t)
        return f"conv {self.channels}x{self.kernel}x{self.kernel}({self.activation}{extra})"


@dataclass(frozen=True)
class PoolLayer:
    """Max-pooling: the largest value of each ``size`` x ``size`` window (stride ``size``).

    An input (c, h, w) gives (c, h // size, w // size): a last row or column that does not fill a
    window is left out, as in PyTorch. dropout : the share of its outputs dropped in training.
    """

    size: int = 2
    dropout: float = 0.0

    def output_shape(self, shape: tuple[int, int, int]) -> tuple[int, int, int]:
        c, h, w = shape
        if min(h, w) < self.size:
            raise ValueError(f"a {self.size}x{self.size} pooling window does not fit its {h}x{w} input: "
                             "use a smaller window or fewer layers before it")
        return c, h // self.size, w // self.size

    def describe(self) -> str:
        return f"max-pool {self.size}" + (f"(dropout {self.dropout:g})" if self.dropout else "")


#: The layers of a network's convolutional part, by the name its JSON form gives them.
FEATURE_LAYERS = {"conv": ConvLayer, "pool": PoolLayer}


@dataclass(frozen=True)
class NetworkSpec:
    """Everything needed to build a network, and nothing about how it is trained.

    input_size : pixels per image (784 for MNIST).
    features : the convolutional part (ConvLayer and PoolLayer, input side first) that sees the image
        (1, side, side), flattened into the first dense layer; empty for a multi-layer perceptron.
    hidden : the hidden dense layers, input side first; empty is softmax regression.
    classes : number of outputs.
    loss : ``"cross_entropy"`` or ``"mse"`` (both on the softmax of the outputs).
    init, init_scale : the weight initialiser and its std/scale/gain (None: its default).
    seed : seeds the initial weights (and, on their own stream, the dropout masks).
    input_scaling : how pixels 0..255 become inputs: ``"unit"`` (x / 255, in 0..1), ``"raw"``
        (0..255 as they are) or ``"standardised"`` (zero mean, unit variance over MNIST's pixels).
    class_labels : the dataset's classes the outputs stand for, in order ((3, 7): output 0 is a 3,
        output 1 a 7; ``engine.classes``); empty for every class of the dataset, 0..classes-1.
    """

    input_size: int = 784
    hidden: tuple[HiddenLayer, ...] = field(default_factory=lambda: (HiddenLayer(128, "relu"),))
    features: tuple[ConvLayer | PoolLayer, ...] = ()
    classes: int = 10
    loss: str = "cross_entropy"
    init: str = "he"
    init_scale: float | None = None
    seed: int = 0
    input_scaling: str = "unit"
    class_labels: tuple[int, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "class_labels", _class_labels(self.class_labels))
        object.__setattr__(self, "hidden", _hidden_layers(self.hidden))
        object.__setattr__(self, "features", _feature_layers(self.features))
        self.validate()

    def validate(self) -> None:
        """Raise ValueError with a message for any setting that cannot work (wrong types too)."""
        check_integer(self.input_size, "input size", 1, MAX_INPUT_SIZE)
        check_integer(self.classes, "number of classes", 0, MAX_UNITS)
        if self.classes < 2:
            raise ValueError(f"a classifier needs >= 2 classes, got {self.classes}")
        check_integer(self.seed, "seed", 0, 2**64 - 1)
        for name in ("loss", "init"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a name (text), got {getattr(self, name)!r}")
        for i, layer in enumerate(self.hidden, 1):
            check_integer(layer.units, f"hidden layer {i}: units", 1, MAX_UNITS)
            choose(layer.activation, ACTIVATIONS, "activation", where=f"hidden layer {i}: ")
            rate = layer.dropout
            if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
                raise ValueError(f"hidden layer {i}: dropout must be in [0, 1), got {rate!r:.40}")
        self._validate_features()
        choose(self.loss, LOSSES, "loss")
        choose(self.init, INITIALISERS, "initialiser")
        scale = self.init_scale
        if scale is not None and (isinstance(scale, bool) or not isinstance(scale, numbers.Real)
                                  or not (math.isfinite(scale) and scale > 0)):
            raise ValueError(f"initialiser scale must be a number > 0, got {scale!r}")
        choose(self.input_scaling, INPUT_SCALINGS, "input scaling")
        if self.class_labels and len(self.class_labels) != self.classes:
            raise ValueError(f"{len(self.class_labels)} classes chosen ({', '.join(map(str, self.class_labels))}) "
                             f"but {self.classes} outputs")

    def _validate_features(self) -> None:
        for i, layer in enumerate(self.features, 1):
            what = f"layer {i} ({'convolution' if isinstance(layer, ConvLayer) else 'pooling'})"
            if isinstance(layer, ConvLayer):
                check_integer(layer.channels, f"{what}: channels", 1, MAX_CHANNELS)
                check_integer(layer.kernel, f"{what}: kernel size", 1, MAX_KERNEL)
                check_integer(layer.padding, f"{what}: padding", 0, MAX_KERNEL)
                check_integer(layer.stride, f"{what}: stride", 1, MAX_KERNEL)
                choose(layer.activation, ACTIVATIONS, "activation", where=f"{what}: ")
            else:
                check_integer(layer.size, f"{what}: window size", 1, MAX_KERNEL)
            rate = layer.dropout
            if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
                raise ValueError(f"{what}: dropout must be in [0, 1), got {rate!r:.40}")
        if self.features:
            self.feature_shapes  # noqa: B018 - a square image, every layer fitting its input, or ValueError
            check_integer(self.flat_size, "values after the convolutional layers", 1, MAX_INPUT_SIZE)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of the image a convolutional part sees: (1, side, side)."""
        side = math.isqrt(self.input_size)
        if side * side != self.input_size:
            raise ValueError(f"convolutional layers need square images; {self.input_size} pixels are not")
        return 1, side, side

    @property
    def feature_shapes(self) -> list[tuple[int, int, int]]:
        """(channels, height, width) after each layer of ``features``, input side first; ValueError
        naming the layer that cannot take its input (a kernel larger than it, say)."""
        shapes, shape = [], self.image_shape if self.features else None
        for i, layer in enumerate(self.features, 1):
            try:
                shape = layer.output_shape(shape)  # type: ignore[arg-type]  # a shape when there are features
            except ValueError as err:
                raise ValueError(f"layer {i} ({layer.describe()}): {err}") from None
            shapes.append(shape)
        return shapes

    def parameter_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """(name, shape) of every weight array, input side first: ``conv0`` (out, in, k, k) for each
        convolution, then ``dense0`` (n_in, n_out), ...; each has a bias of its last (conv: first) size."""
        channels = [1] + [shape[0] for shape in self.feature_shapes]
        convs = [layer for layer in self.features if isinstance(layer, ConvLayer)]
        in_channels = [c for layer, c in zip(self.features, channels) if isinstance(layer, ConvLayer)]
        sizes = self.layer_sizes
        return ([(f"conv{i}", (layer.channels, c, layer.kernel, layer.kernel))
                 for i, (layer, c) in enumerate(zip(convs, in_channels))]
                + [(f"dense{i}", shape) for i, shape in enumerate(itertools.pairwise(sizes))])

    @property
    def flat_size(self) -> int:
        """Values the first dense layer takes: the flattened output of ``features``, or the pixels."""
        return math.prod(self.feature_shapes[-1]) if self.features else self.input_size

    @property
    def layer_sizes(self) -> list[int]:
        """Units per dense layer from its input to the output, e.g. [784, 128, 10] (the first is
        ``flat_size``: the pixels of a multi-layer perceptron, the flattened features of a CNN)."""
        return [self.flat_size, *(h.units for h in self.hidden), self.classes]

    @property
    def n_params(self) -> int:
        return sum(math.prod(shape) + bias_size(name, shape) for name, shape in self.parameter_shapes())

    def activation_sizes(self) -> list[int]:
        """Values per image that each layer outputs, input side first: every convolution's and
        pooling layer's maps (c h w), then every dense layer's units; the inputs first of all."""
        return [self.input_size, *(math.prod(shape) for shape in self.feature_shapes), *self.layer_sizes[1:]]

    def column_sizes(self) -> list[int]:
        """Values per image of each convolution's im2col matrix (h' w' rows of c k k values)."""
        channels = [1] + [shape[0] for shape in self.feature_shapes]
        return [shape[1] * shape[2] * c * layer.kernel ** 2
                for layer, shape, c in zip(self.features, self.feature_shapes, channels)
                if isinstance(layer, ConvLayer)]

    def describe_features(self) -> str:
        """The convolutional part for people: ``conv 6x5x5(relu) - max-pool 2``."""
        return " - ".join(layer.describe() for layer in self.features)

    def describe(self) -> str:
        """Short human form: ``784-128(relu)-10``, ``784-800(relu, dropout 0.5)-10``, and for a CNN
        ``784-[conv 6x5x5(relu) - max-pool 2]-120(relu)-10``."""
        inner = [f"{h.units}({h.activation}{f', dropout {h.dropout:g}' if h.dropout else ''})"
                 for h in self.hidden]
        features = [f"[{self.describe_features()}]"] if self.features else []
        return "-".join([str(self.input_size), *features, *inner, str(self.classes)])

    def to_dict(self) -> dict:
        """The spec as plain data; a layer without dropout leaves the field out, as before it existed."""
        d = asdict(self)
        d["hidden"] = [{k: v for k, v in h.items() if k != "dropout" or v} for h in d["hidden"]]
        if d["input_scaling"] == "unit":
            del d["input_scaling"]
        d["features"] = [{"kind": "conv" if isinstance(layer, ConvLayer) else "pool",
                          **{k: v for k, v in asdict(layer).items() if k != "dropout" or v}}
                         for layer in self.features]
        if not d["features"]:  # a multi-layer perceptron's JSON as before convolutions existed
            del d["features"]
        if d["class_labels"]:
            d["class_labels"] = list(self.class_labels)
        else:  # every class: the JSON as before class subsets existed
            del d["class_labels"]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict) -> NetworkSpec:
        """The spec from ``to_dict``'s form; ValueError for anything else (any JSON value)."""
        if not isinstance(d, dict):
            raise ValueError(f"network settings must be an object of named settings, got "
                             f"{type(d).__name__}")
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown network settings: {', '.join(sorted(map(str, unknown)))}")
        return cls(**d)

    @classmethod
    def from_json(cls, text: str) -> NetworkSpec:
        return cls.from_dict(json.loads(text))


def bias_size(name: str, weight_shape: tuple[int, ...]) -> int:
    """Biases of the layer whose weights are ``name`` of ``weight_shape``: one per output unit or filter."""
    return weight_shape[0] if name.startswith("conv") else weight_shape[-1]


def check_integer(value, what: str, low: int, high: int) -> None:
    """ValueError naming ``what`` unless ``value`` is an int (not a bool) in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{what} must be {low} to {high}, got {value}")


def _class_labels(items) -> tuple[int, ...]:
    """A spec's ``class_labels`` from a tuple or a JSON list: distinct whole numbers, increasing."""
    if isinstance(items, (str, bytes, dict)) or not hasattr(items, "__iter__"):
        raise ValueError(f"class_labels must be a list of classes, got {items!r:.40}")
    labels = tuple(items)
    for c in labels:
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= int(c) < MAX_UNITS:
            raise ValueError(f"class_labels must be whole numbers 0 to {MAX_UNITS - 1}, got {c!r:.40}")
    if labels and (len(labels) < 2 or any(a >= b for a, b in itertools.pairwise(labels))):
        raise ValueError(f"class_labels must be 2 or more different classes in increasing order, got {list(labels)}")
    return tuple(int(c) for c in labels)


def _hidden_layers(items) -> tuple[HiddenLayer, ...]:
    """Hidden layers from HiddenLayer objects, (units, activation[, dropout]) tuples or {"units": ...,
    "activation": ..., "dropout": ...} objects (the JSON form); ValueError for anything else."""
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, Iterable):
        raise ValueError(f"hidden layers must be a list, got {type(items).__name__}")
    layers = []
    for i, item in enumerate(items, 1):
        if isinstance(item, HiddenLayer):
            layers.append(item)
        elif isinstance(item, dict) and set(item) <= {"units", "activation", "dropout"} and "units" in item:
            layers.append(HiddenLayer(**item))
        elif isinstance(item, (tuple, list)) and 1 <= len(item) <= 3:
            layers.append(HiddenLayer(*item))
        else:
            raise ValueError(f"hidden layer {i}: expected units and an activation, got {item!r:.80}")
    return tuple(layers)


def feature_names(spec: NetworkSpec) -> list[str]:
    """One name per layer of ``spec.features``, for people: ``"conv 1 (6 filters 5x5)"``, ``"pool 1 (2x2)"``."""
    names, counts = [], {ConvLayer: 0, PoolLayer: 0}
    for layer in spec.features:
        counts[type(layer)] += 1
        n = counts[type(layer)]
        names.append(f"conv {n} ({layer.channels} filters {layer.kernel}x{layer.kernel})"
                     if isinstance(layer, ConvLayer) else f"pool {n} ({layer.size}x{layer.size})")
    return names


def layer_table(spec: NetworkSpec) -> list[tuple[str, str, int]]:
    """(name, shape after it, learned parameters) per layer, input first: ``("input", "28×28×1", 0)``,
    ``("conv 1 (6 filters 5x5)", "28×28×6", 156)``, ..., ``("flatten", "400", 0)`` for a CNN, then
    ``("dense 1 (120 relu)", "120", 48120)``, ..., ``("output", "10", 850)``; ValueError as
    ``feature_shapes`` for a layer that cannot take its input."""
    counts = iter(math.prod(shape) + bias_size(name, shape) for name, shape in spec.parameter_shapes())
    rows = [("input", _shape_text(spec.image_shape) if spec.features else str(spec.input_size), 0)]
    for name, layer, shape in zip(feature_names(spec), spec.features, spec.feature_shapes):
        rows.append((name, _shape_text(shape), next(counts) if isinstance(layer, ConvLayer) else 0))
    if spec.features:
        rows.append(("flatten", str(spec.flat_size), 0))
    for i, dense in enumerate(spec.hidden, 1):
        rows.append((f"dense {i} ({dense.units} {dense.activation})", str(dense.units), next(counts)))
    return [*rows, ("output", str(spec.classes), next(counts))]


def _shape_text(shape: tuple[int, int, int]) -> str:
    """(channels, height, width) as people write an image's shape: ``28×28×6``."""
    c, h, w = shape
    return f"{h}×{w}×{c}"


def _initial_weights(spec: NetworkSpec, name: str, shape: tuple[int, ...], rng) -> np.ndarray:
    """One layer's initial weights: a dense (n_in, n_out), a convolution's (out, in, k, k) drawn as (in k k, out)."""
    if len(shape) == 2:
        return initialise(spec.init, shape, rng, spec.init_scale)
    out, *fan_in = shape
    return initialise(spec.init, (math.prod(fan_in), out), rng, spec.init_scale).T.reshape(shape)


def _feature_part(spec: NetworkSpec, weights, dropout_rng, dtype) -> list:
    """The layers of ``spec.features``: Unflatten, Conv2D, activation, MaxPool2D, ..., Flatten ([] for an MLP)."""
    if not spec.features:
        return []
    layers: list = [Unflatten(spec.image_shape, dtype=dtype)]
    channels = spec.image_shape[0]
    for layer, shape in zip(spec.features, spec.feature_shapes):
        if isinstance(layer, ConvLayer):
            layers.append(Conv2D(channels, layer.channels, layer.kernel, stride=layer.stride,
                                 padding=layer.padding, weights=next(weights), dtype=dtype))
            layers.append(activation(layer.activation, dtype=dtype))
        else:
            layers.append(MaxPool2D(layer.size, dtype=dtype))
        if layer.dropout:
            layers.append(Dropout(layer.dropout, dropout_rng, dtype=dtype))
        channels = shape[0]
    layers.append(Flatten(dtype=dtype))
    return layers


def _feature_layers(items) -> tuple[ConvLayer | PoolLayer, ...]:
    """Convolutional layers from ConvLayer/PoolLayer objects or their JSON form ({"kind": "conv",
    "channels": 6, "kernel": 5, ...}, {"kind": "pool", "size": 2}); ValueError for anything else."""
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, Iterable):
        raise ValueError(f"convolutional layers must be a list, got {type(items).__name__}")
    layers = []
    for i, item in enumerate(items, 1):
        if isinstance(item, (ConvLayer, PoolLayer)):
            layers.append(item)
            continue
        kind = item.get("kind") if isinstance(item, dict) else None
        cls = FEATURE_LAYERS.get(kind) if isinstance(kind, str) else None
        fields = {k: v for k, v in item.items() if k != "kind"} if cls else {}
        if cls is None or not set(fields) <= set(cls.__dataclass_fields__):  # type: ignore[attr-defined]  # dataclasses
            raise ValueError(f"layer {i}: expected a convolution or a pooling layer, got {item!r:.80}")
        try:
            layers.append(cls(**fields))
        except TypeError as err:
            raise ValueError(f"layer {i}: {err}") from None
    return tuple(layers)


class Network:
    """A feed-forward network: [Unflatten, Conv2D, activation, MaxPool2D, ..., Flatten,] Dense,
    activation, [Dropout,] Dense, ..., Dense -> logits. It always takes flat input rows (n, input_size)."""

    def __init__(self, spec: NetworkSpec, dtype=np.float32):
        """A network of ``spec`` with weights from its initialiser, seeded by ``spec.seed``.

        A convolution's weights (out, in, k, k) are drawn as the matrix (in k k, out) its product
        uses, so fan-in and fan-out mean for it what they mean for a dense layer.
        """
        rng = np.random.default_rng(spec.seed)
        weights = (_initial_weights(spec, name, shape, rng) for name, shape in spec.parameter_shapes())
        self._assemble(spec, dtype, weights)

    @classmethod
    def from_weights(cls, spec: NetworkSpec, weights, biases=None, dtype=np.float32) -> Network:
        """A network of ``spec`` with the given weights (copied), no initialiser run.

        weights : one array per layer with weights, in ``spec.parameter_shapes()`` order (input side
            first: each convolution's (out, in, k, k), then each Dense layer's (n_in, n_out)).
        biases : one array per such layer, (out,) or (n_out,); default zeros.
        """
        net = cls.__new__(cls)
        net._assemble(spec, dtype, (np.array(w, dtype=dtype) for w in weights))
        for layer, b in zip(net.weighted_layers, biases or ()):
            np.copyto(layer.b, b)
        return net

    def _assemble(self, spec: NetworkSpec, dtype, weights) -> None:
        """The layers of ``spec`` around ``weights`` (one array per weighted layer, input side first)."""
        self.spec = spec
        self.dtype = np.dtype(dtype)
        weights = iter(weights)
        dropout_rng = np.random.default_rng([spec.seed, 1])  # its own stream: weights as without dropout
        self.layers = _feature_part(spec, weights, dropout_rng, dtype)
        sizes = spec.layer_sizes
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            w = next(weights, None)
            if w is None:
                raise ValueError(f"{spec.describe()} needs {len(spec.parameter_shapes())} weight arrays")
            self.layers.append(Dense(n_in, n_out, weights=w, dtype=dtype))
            if i < len(spec.hidden):
                self.layers.append(activation(spec.hidden[i].activation, dtype=dtype))
                if spec.hidden[i].dropout:
                    self.layers.append(Dropout(spec.hidden[i].dropout, dropout_rng, dtype=dtype))
        if next(weights, None) is not None:
            raise ValueError(f"{spec.describe()} needs {len(spec.parameter_shapes())} weight arrays")
        self.loss = loss_function(spec.loss)
        names = [name for name, _ in spec.parameter_shapes()]
        self.parameters = [Parameter(f"{prefix}.{name}", value, layer.grads[name], decay=name == "W")
                           for prefix, layer in zip(names, self.weighted_layers)
                           for name, value in layer.params.items()]
        self._first_weighted = self.layers.index(self.weighted_layers[0])
        self._dense_start = self.layers.index(self.dense_layers[0])

    @property
    def weighted_layers(self) -> list:
        """The layers with weights (Conv2D, then Dense), input side first."""
        return [layer for layer in self.layers if layer.params]

    @property
    def conv_layers(self) -> list[Conv2D]:
        return [layer for layer in self.layers if isinstance(layer, Conv2D)]

    @property
    def feature_part(self) -> list:
        """The convolutional part's layers, Unflatten to Flatten ([] for a multi-layer perceptron)."""
        return self.layers[:self._dense_start]

    @property
    def dense_part(self) -> list:
        """Dense, activation, [Dropout,] ..., Dense: the layers from the first Dense one on."""
        return self.layers[self._dense_start:]

    def flat_features(self, x: np.ndarray) -> np.ndarray:
        """What the first Dense layer takes for inputs x (n, input_size): the flattened output of the
        convolutional part (n, flat_size), computed with ``infer``; x itself for an MLP."""
        for layer in self.feature_part:
            x = layer.infer(x)
        return x

    def feature_maps(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(name, maps (n, channels, h, w)) after each layer of ``spec.features`` (a convolution's
        after its activation), for images (n, h, w) uint8 or inputs (n, input_size); [] for an MLP."""
        x, maps = self.inputs(images), []
        layers = iter(self.feature_part)
        names = iter(feature_names(self.spec))
        for layer in layers:
            x = layer.infer(x)
            if isinstance(layer, (Activation, MaxPool2D)):
                maps.append((next(names), x.copy()))
        return maps

    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def n_params(self) -> int:
        return sum(p.value.size for p in self.parameters)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits (batch_size, classes) for inputs x (batch_size, input_size), remembering for backward."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_logits: np.ndarray) -> None:
        """Backpropagate dL/dz through every layer, filling each weighted layer's dW and db."""
        grad = grad_logits
        first = self._first_weighted
        for layer in reversed(self.layers[first + 1:]):
            grad = layer.backward(grad)
        self.layers[first].backward_params(grad)  # dL/dx of the input is never needed

    def loss_and_gradients(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
        """One training pass: forward, loss, backward. Returns (loss, logits); logits are a buffer."""
        logits = self.forward(x)
        loss, grad = self.loss(logits, labels)
        self.backward(grad)
        return loss, logits

    def inputs(self, images: np.ndarray, dtype=None, out: np.ndarray | None = None,
               pixels: bool | None = None) -> np.ndarray:
        """The network's inputs x (n, input_size) for ``images``: the one way images become inputs.

        Every forward path (training batches, prediction, activations, the step trace, saliency,
        gradient checks, statistics, maps) calls this, so what a view shows is what the network computed.
        images : (n, h, w) or (n, input_size). Pixel values 0..255 are scaled as ``spec.input_scaling``
            says: x = (pixels - offset) * factor (``engine.dataset.INPUT_SCALINGS``).
        pixels : whether ``images`` holds pixel values; None decides by type: uint8 arrays are pixels,
            float arrays are inputs already and are only reshaped (True for float pixels, e.g. augmented).
        dtype : of the result, None for the network's; out : a float32 buffer (n, input_size) for the
            scaled pixels (no allocation). ValueError if an image does not have ``input_size`` values.
        """
        flat = np.asarray(images).reshape(len(images), -1)
        if pixels or (pixels is None and flat.dtype == np.uint8):
            flat = scale_pixels(flat, self.spec.input_scaling, out)
        if flat.shape[1] != self.spec.input_size:
            raise ValueError(f"this network takes {self.spec.input_size} pixels per image, "
                             f"got images of {flat.shape[1]}")
        return np.ascontiguousarray(flat, dtype=self.dtype if dtype is None else dtype)

    def logits(self, images: np.ndarray, chunk: int | None = None) -> np.ndarray:
        """Logits (n, classes) for images (n, h, w) uint8 (scaled as the spec says) or inputs (n, input_size).

        chunk : images computed at a time; None: ``inference_chunk(spec)`` (bounded memory).
        """
        chunk = inference_chunk(self.spec) if chunk is None else chunk
        out = np.empty((len(images), self.spec.classes), dtype=self.dtype)
        for start in range(0, len(images), chunk):
            x = self.inputs(images[start:start + chunk])
            for layer in self.layers:
                x = layer.infer(x)
            out[start:start + chunk] = x
        return out

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes), rows summing to 1 (the softmax of the logits)."""
        return softmax(self.logits(images))

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Predicted class (n,) int64: the most probable one."""
        return np.argmax(self.logits(images), axis=1)

    def activations(self, images: np.ndarray, chunk: int | None = None) -> list[np.ndarray]:
        """What every layer outputs for ``images``, for inference (nothing kept for backprop).

        images : (n, h, w) uint8 or inputs (n, input_size).
        Returns one array per hidden layer, (n, units) after its activation function, input side
        first, and last the logits (n, classes): ``len(spec.hidden) + 1`` arrays. They take
        ``n * (sum of units + classes)`` floats; computed ``chunk`` images at a time.
        """
        chunk = inference_chunk(self.spec) if chunk is None else chunk
        outputs = [np.empty((len(images), n), dtype=self.dtype) for n in self.spec.layer_sizes[1:]]
        last = self.layers[-1]
        for start in range(0, len(images), chunk):
            x = self.flat_features(self.inputs(images[start:start + chunk]))
            found = 0
            for layer in self.dense_part:
                x = layer.infer(x)
                if isinstance(layer, Activation) or layer is last:
                    outputs[found][start:start + chunk] = x
                    found += 1
        return outputs

    def copy(self) -> Network:
        """An independent network with the same spec and a copy of the weights (for another
        thread); the initialiser is not run."""
        return Network.from_weights(self.spec, [layer.W for layer in self.weighted_layers],
                                    [layer.b for layer in self.weighted_layers], self.dtype)

    def save(self, path) -> Path:
        """Write the spec (JSON) and weights to one .npz, atomically; see :mod:`engine.files.model_file`."""
        return save_network(self, path)

    @classmethod
    def load(cls, path) -> Network:
        """Read a network written by ``save``; one ValueError naming the file for any bad file,
        found in bounded memory and time (see :mod:`engine.files.model_file`)."""
        return load_network(path, cls)

    def __repr__(self):
        return f"Network({self.spec.describe()}, loss={self.spec.loss}, params={self.n_params:,})"
