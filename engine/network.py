"""A feed-forward network built from a JSON-able spec: layers, forward, backprop, prediction, save/load.

The network computes logits z = f_L(... f_1(x)) with Dense layers and activations in turn; the
last Dense layer has no activation, and the loss reads z through the softmax.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .dataset import INPUT_SCALINGS, scale_pixels
from .initialisers import INITIALISERS, initialise
from .layers import ACTIVATIONS, Activation, Dense, Dropout, activation
from .losses import LOSSES, loss_function, softmax
from .model_file import load_network, save_network
from .optimisers import Parameter

MAX_UNITS = 4096
MAX_INPUT_SIZE = 2**20  # a 1024x1024 image


@dataclass(frozen=True)
class HiddenLayer:
    """One hidden layer: ``units`` neurons followed by the ``activation`` function.

    dropout : the share of this layer's outputs dropped in each training step (0 is no dropout).
    """

    units: int
    activation: str = "relu"
    dropout: float = 0.0


@dataclass(frozen=True)
class NetworkSpec:
    """Everything needed to build a network, and nothing about how it is trained.

    input_size : pixels per image (784 for MNIST).
    hidden : the hidden layers, input side first; empty is softmax regression.
    classes : number of outputs.
    loss : ``"cross_entropy"`` or ``"mse"`` (both on the softmax of the outputs).
    init, init_scale : the weight initialiser and its std/scale/gain (None: its default).
    seed : seeds the initial weights (and, on their own stream, the dropout masks).
    input_scaling : how pixels 0..255 become inputs: ``"unit"`` (x / 255, in 0..1), ``"raw"``
        (0..255 as they are) or ``"standardised"`` (zero mean, unit variance over MNIST's pixels).
    """

    input_size: int = 784
    hidden: tuple[HiddenLayer, ...] = field(default_factory=lambda: (HiddenLayer(128, "relu"),))
    classes: int = 10
    loss: str = "cross_entropy"
    init: str = "he"
    init_scale: float | None = None
    seed: int = 0
    input_scaling: str = "unit"

    def __post_init__(self):
        object.__setattr__(self, "hidden", _hidden_layers(self.hidden))
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
            if not isinstance(layer.activation, str) or layer.activation not in ACTIVATIONS:
                raise ValueError(f"hidden layer {i}: unknown activation {layer.activation!r:.40}; "
                                 f"choose one of {', '.join(ACTIVATIONS)}")
            rate = layer.dropout
            if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
                raise ValueError(f"hidden layer {i}: dropout must be in [0, 1), got {rate!r:.40}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r:.40}; choose one of {', '.join(LOSSES)}")
        if self.init not in INITIALISERS:
            raise ValueError(f"unknown initialiser {self.init!r:.40}; choose one of {', '.join(INITIALISERS)}")
        scale = self.init_scale
        if scale is not None and (isinstance(scale, bool) or not isinstance(scale, numbers.Real)
                                  or not (math.isfinite(scale) and scale > 0)):
            raise ValueError(f"initialiser scale must be a number > 0, got {scale!r}")
        if self.input_scaling not in INPUT_SCALINGS:
            raise ValueError(f"unknown input scaling {self.input_scaling!r:.40}; "
                             f"choose one of {', '.join(INPUT_SCALINGS)}")

    @property
    def layer_sizes(self) -> list[int]:
        """Units per layer from input to output, e.g. [784, 128, 10]."""
        return [self.input_size, *(h.units for h in self.hidden), self.classes]

    @property
    def n_params(self) -> int:
        sizes = self.layer_sizes
        return sum(a * b + b for a, b in zip(sizes, sizes[1:]))

    def describe(self) -> str:
        """Short human form: ``784-128(relu)-10``, ``784-800(relu, dropout 0.5)-10``."""
        inner = [f"{h.units}({h.activation}{f', dropout {h.dropout:g}' if h.dropout else ''})"
                 for h in self.hidden]
        return "-".join([str(self.input_size), *inner, str(self.classes)])

    def to_dict(self) -> dict:
        """The spec as plain data; a layer without dropout leaves the field out, as before it existed."""
        d = asdict(self)
        d["hidden"] = [{k: v for k, v in h.items() if k != "dropout" or v} for h in d["hidden"]]
        if d["input_scaling"] == "unit":
            del d["input_scaling"]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict) -> "NetworkSpec":
        """The spec from ``to_dict``'s form; ValueError for anything else (any JSON value)."""
        if not isinstance(d, dict):
            raise ValueError(f"network settings must be an object of named settings, got "
                             f"{type(d).__name__}")
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown network settings: {', '.join(sorted(map(str, unknown)))}")
        return cls(**d)

    @classmethod
    def from_json(cls, text: str) -> "NetworkSpec":
        return cls.from_dict(json.loads(text))


def check_integer(value, what: str, low: int, high: int) -> None:
    """ValueError naming ``what`` unless ``value`` is an int (not a bool) in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be {low} to {high}, got {value}")


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


class Network:
    """A multi-layer perceptron: Dense, activation, [Dropout,] Dense, ..., Dense -> logits."""

    def __init__(self, spec: NetworkSpec, dtype=np.float32):
        """A network of ``spec`` with weights from its initialiser, seeded by ``spec.seed``."""
        rng = np.random.default_rng(spec.seed)
        sizes = spec.layer_sizes
        weights = (initialise(spec.init, shape, rng, spec.init_scale)
                   for shape in zip(sizes, sizes[1:]))
        self._assemble(spec, dtype, weights)

    @classmethod
    def from_weights(cls, spec: NetworkSpec, weights, biases=None, dtype=np.float32) -> "Network":
        """A network of ``spec`` with the given weights (copied), no initialiser run.

        weights : one array (n_in, n_out) per Dense layer, input side first.
        biases : one array (n_out,) per Dense layer; default zeros.
        """
        net = cls.__new__(cls)
        net._assemble(spec, dtype, (np.array(w, dtype=dtype) for w in weights))
        for dense, b in zip(net.dense_layers, biases or ()):
            np.copyto(dense.b, b)
        return net

    def _assemble(self, spec: NetworkSpec, dtype, weights) -> None:
        """Dense, activation, ..., Dense layers around ``weights`` (one array per Dense layer)."""
        self.spec = spec
        self.dtype = np.dtype(dtype)
        sizes = spec.layer_sizes
        dropout_rng = np.random.default_rng([spec.seed, 1])  # its own stream: weights as without dropout
        self.layers = []
        for i, ((n_in, n_out), w) in enumerate(zip(zip(sizes, sizes[1:]), weights)):
            self.layers.append(Dense(n_in, n_out, weights=w, dtype=dtype))
            if i < len(spec.hidden):
                self.layers.append(activation(spec.hidden[i].activation, dtype=dtype))
                if spec.hidden[i].dropout:
                    self.layers.append(Dropout(spec.hidden[i].dropout, dropout_rng, dtype=dtype))
        if len(self.dense_layers) != len(sizes) - 1:
            raise ValueError(f"{spec.describe()} needs {len(sizes) - 1} weight arrays")
        self.loss = loss_function(spec.loss)
        self.parameters = [Parameter(f"dense{i}.{name}", value, layer.grads[name], decay=name == "W")
                           for i, layer in enumerate(self.dense_layers)
                           for name, value in layer.params.items()]

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
        """Backpropagate dL/dz through every layer, filling each Dense layer's dW and db."""
        grad = grad_logits
        for layer in reversed(self.layers[1:]):
            grad = layer.backward(grad)
        self.layers[0].backward_params(grad)  # dL/dx of the input is never needed

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

    def logits(self, images: np.ndarray, chunk: int = 10_000) -> np.ndarray:
        """Logits (n, classes) for images (n, h, w) uint8 (scaled as the spec says) or inputs (n, input_size)."""
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

    def activations(self, images: np.ndarray, chunk: int = 10_000) -> list[np.ndarray]:
        """What every layer outputs for ``images``, for inference (nothing kept for backprop).

        images : (n, h, w) uint8 or inputs (n, input_size).
        Returns one array per hidden layer, (n, units) after its activation function, input side
        first, and last the logits (n, classes): ``len(spec.hidden) + 1`` arrays. They take
        ``n * (sum of units + classes)`` floats; computed ``chunk`` images at a time.
        """
        outputs = [np.empty((len(images), n), dtype=self.dtype) for n in self.spec.layer_sizes[1:]]
        last = self.layers[-1]
        for start in range(0, len(images), chunk):
            x = self.inputs(images[start:start + chunk])
            found = 0
            for layer in self.layers:
                x = layer.infer(x)
                if isinstance(layer, Activation) or layer is last:
                    outputs[found][start:start + chunk] = x
                    found += 1
        return outputs

    def copy(self) -> "Network":
        """An independent network with the same spec and a copy of the weights (for another
        thread); the initialiser is not run."""
        return Network.from_weights(self.spec, [d.W for d in self.dense_layers],
                                    [d.b for d in self.dense_layers], self.dtype)

    def save(self, path) -> Path:
        """Write the spec (JSON) and weights to one .npz, atomically; see :mod:`engine.model_file`."""
        return save_network(self, path)

    @classmethod
    def load(cls, path) -> "Network":
        """Read a network written by ``save``; one ValueError naming the file for any bad file,
        found in bounded memory and time (see :mod:`engine.model_file`)."""
        return load_network(path, cls)

    def __repr__(self):
        return f"Network({self.spec.describe()}, loss={self.spec.loss}, params={self.n_params:,})"
