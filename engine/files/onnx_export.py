"""A trained network as an ONNX file, the open format that Netron draws and other runtimes run.

The graph computes what ``Network.predict_proba`` computes, layer for layer, and takes what
``Network.inputs`` takes: pixel values 0..255, one flat row of ``input_size`` per image.

    pixels (N, input_size), 0..255
      -> input scaling        x = (pixels - offset) * factor     (Sub, Mul; left out when trivial)
      -> [unflatten           (N, 1, side, side)                  (Reshape)
          conv k              y = W * x + b, then its activation  (Conv, Relu / Sigmoid / ...)
          pool k              the max of each size x size window  (MaxPool)
          flatten             (N, c h w), channel-major as ours   (Flatten)]
      -> dense k              y = x W + b, then its activation    (Gemm, Relu / ...)
      -> output               logits z = x W + b                  (Gemm)
      -> probabilities        softmax(z) over the classes         (Softmax)

Nodes and weights are named after the layers of ``engine.network.layer_table`` (``conv1``,
``pool1``, ``dense1``, ``output``), so Netron's picture reads like the app's shape table. Dropout
is left out: at inference it is the identity.

The ``onnx`` package is optional (``pip install "mnist-gui[onnx]"``): it is imported here, inside
the functions, and only when a network is exported; the rest of the engine never needs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from engine.dataset import INPUT_SCALINGS
from engine.files.atomic import write_bytes_atomically

OPSET = 17        # ONNX operator set: Netron, onnxruntime (>= 1.13) and onnx.reference all read it
IR_VERSION = 8    # the file-format version that goes with opset 17
INPUT_NAME = "pixels"
OUTPUT_NAME = "probabilities"
INSTALL_HINT = 'pip install "mnist-gui[onnx]"'
ONNX_OPS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "leaky_relu": "LeakyRelu",
            "identity": "Identity"}


class OnnxMissingError(ImportError):
    """The optional ``onnx`` package is not installed; the message says how to install it."""


def import_onnx() -> Any:
    """The ``onnx`` module, imported now; OnnxMissingError saying ``pip install ...`` without it."""
    try:
        import onnx
    except ImportError as err:
        raise OnnxMissingError("Exporting to ONNX needs the onnx package, which is not installed. "
                               f"Install it with:  {INSTALL_HINT}") from err
    return onnx


def onnx_model(network, class_names: tuple[str, ...] | None = None) -> Any:
    """The ``onnx.ModelProto`` of ``network`` (an ``engine.network.Network``), checked by
    ``onnx.checker``. ``class_names`` (one per output) go into the file's metadata."""
    onnx = import_onnx()
    graph = _GraphBuilder(onnx, network)
    graph.build()
    model = onnx.helper.make_model(graph.graph(), producer_name="mnist-gui",
                                   producer_version=_version(), ir_version=IR_VERSION,
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   doc_string=f"{network.spec.describe()}: class probabilities "
                                              "for pixels 0..255")
    metadata = {"network": network.spec.to_json(), "input": "pixel values 0..255, one row per image",
                "input_scaling": network.spec.input_scaling}
    if class_names is not None:
        metadata["class_names"] = ",".join(class_names)
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def onnx_bytes(network, class_names: tuple[str, ...] | None = None) -> bytes:
    """``network`` as the bytes of an .onnx file."""
    return onnx_model(network, class_names).SerializeToString()


def export_onnx(network, path: str | os.PathLike, class_names: tuple[str, ...] | None = None) -> Path:
    """Write ``network`` to ``path`` as an ONNX model, whole or not at all; returns the path.

    OnnxMissingError (an ImportError) without the onnx package; OSError naming ``path`` if it
    cannot be written.
    """
    return write_bytes_atomically(path, onnx_bytes(network, class_names))


class _GraphBuilder:
    """Walks ``network.layers`` input side first, adding one ONNX node (or two) per layer."""

    def __init__(self, onnx, network):
        self.onnx, self.network, self.spec = onnx, network, network.spec
        self.nodes: list = []
        self.weights: list = []
        self.tensor = INPUT_NAME  # the name of the value the next node reads
        self.counts = {"conv": 0, "pool": 0, "dense": 0}

    def build(self) -> None:
        from engine.convolution import Conv2D, Flatten, MaxPool2D, Unflatten
        from engine.layers import Activation, Dense, Dropout

        self._input_scaling()
        last_dense = self.network.dense_layers[-1]
        layer_name = ""
        for layer in self.network.layers:
            if isinstance(layer, Unflatten):
                self._reshape(layer.shape)
            elif isinstance(layer, Conv2D):
                layer_name = self._conv(layer)
            elif isinstance(layer, MaxPool2D):
                layer_name = self._pool(layer)
            elif isinstance(layer, Flatten):
                self._node("Flatten", "flatten", axis=1)
            elif isinstance(layer, Dense):
                layer_name = self._dense(layer, layer is last_dense)
            elif isinstance(layer, Activation):
                self._activation(layer, layer_name)
            elif not isinstance(layer, Dropout):  # dropout is the identity at inference
                raise ValueError(f"cannot export a {type(layer).__name__} layer to ONNX")
        self._node("Softmax", OUTPUT_NAME, output=OUTPUT_NAME, axis=1)

    def graph(self):
        helper, tp = self.onnx.helper, self.onnx.TensorProto
        pixels = helper.make_tensor_value_info(INPUT_NAME, tp.FLOAT, ["N", self.spec.input_size])
        pixels.doc_string = "pixel values 0..255, one flat row (row by row) per image"
        probabilities = helper.make_tensor_value_info(OUTPUT_NAME, tp.FLOAT, ["N", self.spec.classes])
        probabilities.doc_string = "the probability of each class; each row sums to 1"
        return helper.make_graph(self.nodes, "mnist-gui " + self.spec.describe(), [pixels],
                                 [probabilities], initializer=self.weights)

    # --- one method per kind of layer ------------------------------------------------------

    def _input_scaling(self) -> None:
        """x = (pixels - offset) * factor, as ``engine.dataset.scale_pixels``; no node for 0 or 1."""
        offset, factor = INPUT_SCALINGS[self.spec.input_scaling]
        if offset:
            self._node("Sub", "input_scaling_offset", self._weight("input_scaling.offset", np.float32(offset)))
        if factor != 1:
            self._node("Mul", "input_scaling_factor", self._weight("input_scaling.factor", np.float32(factor)))

    def _reshape(self, shape: tuple[int, ...]) -> None:
        """(N, c h w) -> (N, c, h, w): flat rows as the images the convolutions see."""
        target = self._constant("unflatten.shape", np.array([-1, *shape], dtype=np.int64))
        self._node("Reshape", "unflatten", target)

    def _conv(self, layer) -> str:
        """Conv: y[n, f] = b[f] + sum_c W[f, c] (cross-correlated with) x[n, c], as ``Conv2D``."""
        self.counts["conv"] += 1
        name = f"conv{self.counts['conv']}"
        kh, kw = layer.kernel_size
        p, s = layer.padding, layer.stride
        self._node("Conv", name, self._weight(f"{name}.W", layer.W), self._weight(f"{name}.b", layer.b),
                   kernel_shape=[kh, kw], pads=[p, p, p, p], strides=[s, s])
        return name

    def _pool(self, layer) -> str:
        """MaxPool with window = stride = size; floor mode drops a remainder row, as ``MaxPool2D``."""
        self.counts["pool"] += 1
        name = f"pool{self.counts['pool']}"
        k = layer.size
        self._node("MaxPool", name, kernel_shape=[k, k], strides=[k, k])
        return name

    def _dense(self, layer, is_output: bool) -> str:
        """Gemm: y = x W + b with W (n_in, n_out), as ``Dense``."""
        self.counts["dense"] += 1
        name = "output" if is_output else f"dense{self.counts['dense']}"
        self._node("Gemm", name, self._weight(f"{name}.W", layer.W), self._weight(f"{name}.b", layer.b))
        return name

    def _activation(self, layer, after: str) -> None:
        extra: dict[str, Any] = {"alpha": float(layer.alpha)} if layer.name == "leaky_relu" else {}
        self._node(ONNX_OPS[layer.name], f"{after}_{layer.name}", **extra)

    # --- plumbing --------------------------------------------------------------------------

    def _node(self, op: str, name: str, *inputs: str, output: str | None = None, **attributes: Any) -> None:
        """A node ``name`` applying ``op`` to the current value (and ``inputs``); its output,
        also called ``name`` unless told, becomes the current value."""
        output = output or name
        self.nodes.append(self.onnx.helper.make_node(op, [self.tensor, *inputs], [output], name=name,
                                                     **attributes))
        self.tensor = output

    def _weight(self, name: str, array) -> str:
        """A float32 initializer (weights, biases, constants) called ``name``."""
        return self._constant(name, np.asarray(array, dtype=np.float32))

    def _constant(self, name: str, array: np.ndarray) -> str:
        self.weights.append(self.onnx.numpy_helper.from_array(np.asarray(array), name))
        return name


def _version() -> str:
    from engine.version import __version__
    return __version__
