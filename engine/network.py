"""A feed-forward network built from a JSON-able spec: layers, forward, backprop, prediction, save/load.

The network computes logits z = f_L(... f_1(x)) with Dense layers and activations in turn; the
last Dense layer has no activation, and the loss reads z through the softmax.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .dataset import INPUT_SCALINGS, as_inputs
from .initialisers import INITIALISERS, initialise
from .layers import ACTIVATIONS, Dense, Dropout, activation
from .losses import LOSSES, loss_function, softmax
from .optimisers import Parameter

MAX_UNITS = 4096


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
        object.__setattr__(self, "hidden", tuple(
            h if isinstance(h, HiddenLayer) else HiddenLayer(*h) for h in self.hidden))
        self.validate()

    def validate(self) -> None:
        """Raise ValueError with a message for any setting that cannot work."""
        if self.input_size < 1:
            raise ValueError(f"input size must be >= 1, got {self.input_size}")
        if self.classes < 2:
            raise ValueError(f"a classifier needs >= 2 classes, got {self.classes}")
        for i, layer in enumerate(self.hidden, 1):
            if not 1 <= layer.units <= MAX_UNITS:
                raise ValueError(f"hidden layer {i}: units must be 1 to {MAX_UNITS}, got {layer.units}")
            if layer.activation not in ACTIVATIONS:
                raise ValueError(f"hidden layer {i}: unknown activation {layer.activation!r}; "
                                 f"choose one of {', '.join(ACTIVATIONS)}")
            if not 0 <= layer.dropout < 1:
                raise ValueError(f"hidden layer {i}: dropout must be in [0, 1), got {layer.dropout}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.init not in INITIALISERS:
            raise ValueError(f"unknown initialiser {self.init!r}; choose one of {', '.join(INITIALISERS)}")
        if self.init_scale is not None and not self.init_scale > 0:
            raise ValueError(f"initialiser scale must be > 0, got {self.init_scale}")
        if self.input_scaling not in INPUT_SCALINGS:
            raise ValueError(f"unknown input scaling {self.input_scaling!r}; "
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
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown network settings: {', '.join(sorted(unknown))}")
        d = dict(d)
        d["hidden"] = tuple(HiddenLayer(**h) if isinstance(h, dict) else HiddenLayer(*h)
                            for h in d.get("hidden", ()))
        return cls(**d)

    @classmethod
    def from_json(cls, text: str) -> "NetworkSpec":
        return cls.from_dict(json.loads(text))


class Network:
    """A multi-layer perceptron: Dense, activation, [Dropout,] Dense, ..., Dense -> logits."""

    def __init__(self, spec: NetworkSpec, dtype=np.float32):
        self.spec = spec
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(spec.seed)
        dropout_rng = np.random.default_rng([spec.seed, 1])  # its own stream: weights as without dropout
        sizes = spec.layer_sizes
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            weights = initialise(spec.init, (n_in, n_out), rng, spec.init_scale)
            self.layers.append(Dense(n_in, n_out, weights=weights, dtype=dtype))
            if i < len(spec.hidden):
                self.layers.append(activation(spec.hidden[i].activation, dtype=dtype))
                if spec.hidden[i].dropout:
                    self.layers.append(Dropout(spec.hidden[i].dropout, dropout_rng, dtype=dtype))
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

    def logits(self, images: np.ndarray, chunk: int = 10_000) -> np.ndarray:
        """Logits (n, classes) for images (n, h, w) uint8 (scaled as the spec says) or inputs (n, input_size)."""
        out = np.empty((len(images), self.spec.classes), dtype=self.dtype)
        for start in range(0, len(images), chunk):
            x = as_inputs(images[start:start + chunk], scaling=self.spec.input_scaling)
            x = x.astype(self.dtype, copy=False)
            self._check_inputs(x)
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

    def _check_inputs(self, x):
        if x.shape[1] != self.spec.input_size:
            raise ValueError(f"this network takes {self.spec.input_size} pixels per image, "
                             f"got images of {x.shape[1]}")

    def copy(self) -> "Network":
        """An independent network with the same spec and a copy of the weights (for another thread)."""
        clone = Network(self.spec, self.dtype)
        for mine, theirs in zip(self.parameters, clone.parameters):
            np.copyto(theirs.value, mine.value)
        return clone

    def save(self, path) -> Path:
        """Write the spec (JSON) and weights to one .npz, atomically (temp file, then rename)."""
        path = Path(path)
        arrays = {p.name: p.value for p in self.parameters}
        arrays["spec"] = np.array(self.spec.to_json())
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path) -> "Network":
        """Read a network written by ``save``; ValueError naming the file if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as data:
                spec = NetworkSpec.from_json(str(data["spec"]))
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a model saved by mnist-gui ({exc})") from exc
        net = cls(spec)
        for p in net.parameters:
            stored = arrays.get(p.name)
            if stored is None or stored.shape != p.value.shape:
                found = "missing" if stored is None else f"shape {stored.shape}"
                raise ValueError(f"{path}: {p.name} should have shape {p.value.shape}, but is {found}")
            np.copyto(p.value, stored)
        return net

    def __repr__(self):
        return f"Network({self.spec.describe()}, loss={self.spec.loss}, params={self.n_params:,})"
