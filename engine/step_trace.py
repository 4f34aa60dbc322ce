"""One gradient step in slow motion: every number of forward, loss, backward and update for one image.

``trace_step`` runs one training step of a network on a single labelled image, on a copy, and
records each stage so a view can walk through it:

    forward    z_l = a_{l-1} W_l + b_l,   a_l = f(z_l),   p = softmax(z_L)
    loss       L = -log p_y                       (cross-entropy; or the quadratic cost)
    backward   dL/dz_L = p - onehot(y),   dL/dz_l = (dL/dz_{l+1} W_{l+1}^T) * f'(z_l)
               dL/dW_l = a_{l-1}^T dL/dz_l,   dL/db_l = dL/dz_l
    update     W <- W - lr dW                     (or the optimiser's own rule)

then measures the loss again on the same image. The given network is left untouched;
``apply_step`` writes the traced update into it if the user chooses to.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .inspection import image_shape, layer_names, one_input, replica
from .layers import Activation, Dense
from .losses import softmax
from .network import Network, NetworkSpec
from .optimisers import Optimiser
from .training import TrainConfig

DEFAULT_UNITS = 4


@dataclass(frozen=True)
class WeightUpdate:
    """One weight before and after the step: the numbers to fill in ``w - lr dw``.

    row, col : its place in W (input index, unit index); before, after : its value;
    gradient : dL/dw (without weight decay). For plain SGD, after = before - lr * gradient.
    """

    row: int
    col: int
    before: float
    gradient: float
    after: float


@dataclass(frozen=True, eq=False)
class LayerTrace:
    """One Dense layer (and the activation after it) during the traced step; arrays are (units,).

    name : ``"hidden 1 (relu)"``, ..., ``"output"``; activation : its f, ``"softmax"`` at the output.
    z : pre-activation a_prev W + b; a : f(z), the probabilities p at the output.
    delta : dL/dz (p - onehot(y) at the output for cross-entropy).
    gradient_norm, bias_gradient_norm : ||dL/dW||, ||dL/db|| (Frobenius / Euclidean).
    weight_norm : ||W|| before the step; update_norm : ||W_after - W_before||.
    largest : the weight with the largest |dL/dw|, before and after.
    """

    name: str
    activation: str
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray
    gradient_norm: float
    bias_gradient_norm: float
    weight_norm: float
    update_norm: float
    largest: WeightUpdate


@dataclass(frozen=True, eq=False)
class StepTrace:
    """Everything one traced step computed, for one image.

    image : (h, w) the input x, as the network computes it (``Network.inputs``);
    label : the class y it was trained towards.
    layers : one LayerTrace per Dense layer, input side first (the last is the output).
    probabilities : (classes,) softmax p before the step; loss : L before the step;
    loss_name : ``"cross_entropy"`` or ``"mse"``.
    units : the first-layer units shown; unit_gradients : (len(units), h, w) dL/dW_1[:, unit]
        as images: how the step changes what each unit looks for.
    gradients : dL/d(parameter) for every parameter, in ``Network.parameters`` order.
    optimiser : its description, e.g. ``"Momentum(lr=0.1, weight_decay=0)"``; lr : its rate.
    new_probabilities, new_loss : for the same image after the update;
    loss_change : new_loss - loss (negative: the step helped on this image).
    new_parameters : parameter values after the update (``Network.parameters`` order).
    spec : the network's spec, so ``apply_step`` can refuse another network.
    """

    image: np.ndarray
    label: int
    loss_name: str
    layers: tuple[LayerTrace, ...]
    probabilities: np.ndarray
    loss: float
    units: tuple[int, ...]
    unit_gradients: np.ndarray
    gradients: tuple[np.ndarray, ...]
    optimiser: str
    lr: float
    new_probabilities: np.ndarray
    new_loss: float
    new_parameters: tuple[np.ndarray, ...]
    spec: NetworkSpec

    @property
    def loss_change(self) -> float:
        return self.new_loss - self.loss

    @property
    def output_delta(self) -> np.ndarray:
        """dL/dz at the output (classes,): p - onehot(y) for cross-entropy."""
        return self.layers[-1].delta

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def new_prediction(self) -> int:
        return int(np.argmax(self.new_probabilities))

    def loss_formula(self) -> str:
        """The loss with its numbers: ``L = -log p_3 = -log 0.1234 = 2.0923``."""
        p, y = self.probabilities, self.label
        if self.loss_name == "cross_entropy":
            return f"L = -log p_{y} = -log {p[y]:.4g} = {self.loss:.4g}"
        terms = " + ".join(f"({pk:.3f} - {int(k == y)})^2" for k, pk in enumerate(p))
        return f"L = 1/2 sum_k (p_k - y_k)^2 = 1/2 [{terms}] = {self.loss:.4g}"


def trace_step(network: Network, image: np.ndarray, label: int, optimiser: Optimiser | TrainConfig,
               units=None, lr: float | None = None) -> StepTrace:
    """Trace one gradient step of ``network`` on one labelled image, on a copy.

    image : (h, w) uint8 pixels, or (input_size,) inputs already scaled for the network.
    label : the class to learn, 0 .. classes - 1.
    optimiser : an Optimiser (a copy of it is used, with its state: momentum, Adam's moments) or a
        TrainConfig (a fresh optimiser from its settings).
    units : first-layer units (a CNN's first filters) whose weight gradients are shown as images;
        None picks the ``DEFAULT_UNITS`` with the largest gradient.
    lr : overrides the optimiser's learning rate (e.g. the schedule's current rate).
    The network, its gradients and the given optimiser are left untouched.
    """
    classes = network.spec.classes
    if not 0 <= int(label) < classes:
        raise ValueError(f"label must be 0 to {classes - 1}, got {label}")
    x = one_input(network, image)
    clone = replica(network)
    step_optimiser = _optimiser_for(optimiser, network, clone, lr)
    y = np.array([int(label)])
    weights_before = [layer.W.copy() for layer in clone.dense_layers]
    forward, loss, grad_logits = _forward(clone, x, y)
    deltas = _backward(clone, grad_logits)
    step_optimiser.step(clone.parameters)
    new_logits = clone.logits(x)
    new_loss, _ = clone.loss(new_logits, y)
    gradients = tuple(p.grad.copy() for p in clone.parameters)
    shape = image_shape(network.spec.input_size, image)
    first = clone.weighted_layers[0]
    unit_shape = shape if first.dW.ndim == 2 else first.dW.shape[2:]  # a pixel image, or a filter
    first_dw = first.dW if first.dW.ndim == 2 else first.dW.reshape(len(first.dW), -1).T  # (inputs, units)
    chosen = _choose_units(first_dw, units)
    return StepTrace(
        image=x[0].reshape(shape), label=int(label), loss_name=network.spec.loss,
        layers=_layer_traces(clone, forward, deltas, weights_before),
        probabilities=forward[-1][1], loss=loss, units=chosen,
        unit_gradients=np.stack([first_dw[:, u].reshape(unit_shape) for u in chosen]),
        gradients=gradients, optimiser=repr(step_optimiser), lr=float(step_optimiser.lr),
        new_probabilities=softmax(new_logits)[0], new_loss=new_loss,
        new_parameters=tuple(p.value.copy() for p in clone.parameters), spec=network.spec)


def apply_step(network: Network, trace: StepTrace) -> None:
    """Make the traced step real: write the trace's updated parameters into ``network`` in place.

    Only the weights change: a training run's optimiser state (momentum) is not advanced.
    ValueError if the network is not of the traced spec.
    """
    if network.spec != trace.spec:
        raise ValueError(f"the step was traced on {trace.spec.describe()}, "
                         f"not on this network ({network.spec.describe()})")
    for p, value in zip(network.parameters, trace.new_parameters):
        np.copyto(p.value, value)


def updated_network(trace: StepTrace) -> Network:
    """A new network with the traced spec and the weights after the traced step."""
    network = Network(trace.spec, trace.new_parameters[0].dtype)
    apply_step(network, trace)
    return network


def _optimiser_for(optimiser, network: Network, clone: Network, lr: float | None) -> Optimiser:
    """An optimiser for ``clone`` like ``optimiser``: a copy with its per-parameter state moved over
    (the original is only read), or a fresh one from a TrainConfig; ``lr`` overrides its rate."""
    if isinstance(optimiser, TrainConfig):
        twin = optimiser.make_optimiser()
    elif isinstance(optimiser, Optimiser):
        twin = copy.copy(optimiser)  # settings and step count; the state is re-made below
        # the state is keyed by id(parameter): copy each array to the clone's matching parameter
        state = optimiser._state
        twin._state = {id(mine): {name: array.copy() for name, array in state[id(theirs)].items()}
                       for mine, theirs in zip(clone.parameters, network.parameters) if id(theirs) in state}
    else:
        raise ValueError(f"expected an Optimiser or a TrainConfig, got {type(optimiser).__name__}")
    if lr is not None:
        if not lr > 0:
            raise ValueError(f"learning rate must be > 0, got {lr}")
        twin.lr = lr
    return twin


def _forward(clone: Network, x: np.ndarray, y: np.ndarray):
    """Forward layer by layer (remembering, for backward): [(z, a)] per Dense layer, and the loss.

    Outputs are copied: layers reuse their buffers. At the output a is the softmax p.
    """
    stages = []
    for layer in clone.feature_part:  # a CNN's convolutions: remembered for backward, not traced here
        x = layer.forward(x)
    for layer in clone.dense_part:
        x = layer.forward(x)
        if isinstance(layer, Dense):
            z = x.copy()
        else:
            stages.append((z[0], x[0].copy()))
    loss, grad = clone.loss(x, y)
    stages.append((z[0], softmax(z)[0]))
    return stages, loss, grad


def _backward(clone: Network, grad: np.ndarray) -> list[np.ndarray]:
    """Backpropagate dL/dz of the output as ``Network.backward`` does, keeping dL/dz of every Dense
    layer (input side first); fills each Dense layer's dW and db."""
    deltas = [grad[0].copy()]
    dense = clone.dense_part
    for layer in reversed(dense[1:]):
        grad = layer.backward(grad)
        if isinstance(layer, Activation):  # after an activation's backward: dL/dz of the layer below
            deltas.append(grad[0].copy())
    first = clone.layers.index(clone.weighted_layers[0])
    for layer in reversed(clone.layers[first + 1:clone.layers.index(dense[0]) + 1]):
        grad = layer.backward(grad)
    clone.layers[first].backward_params(grad)
    return deltas[::-1]


def _choose_units(first_dw: np.ndarray, units) -> tuple[int, ...]:
    """The requested first-layer units, or the DEFAULT_UNITS whose weight gradient is largest."""
    n_units = first_dw.shape[1]
    if units is None:
        norms = np.einsum("ij,ij->j", first_dw, first_dw)
        return tuple(int(u) for u in np.argsort(-norms, kind="stable")[:DEFAULT_UNITS])
    chosen = tuple(int(u) for u in units)
    if not chosen or not all(0 <= u < n_units for u in chosen):
        raise ValueError(f"units must be a non-empty list of first-layer units 0 to {n_units - 1}, "
                         f"got {list(units)}")
    return chosen


def _layer_traces(clone: Network, forward, deltas, weights_before) -> tuple[LayerTrace, ...]:
    """One LayerTrace per Dense layer from the recorded stages, gradients and weights before/after."""
    names = layer_names(clone)
    activations = [h.activation for h in clone.spec.hidden] + ["softmax"]
    traces = []
    for i, (layer, w_before) in enumerate(zip(clone.dense_layers, weights_before)):
        traces.append(LayerTrace(
            name=names[i], activation=activations[i], z=forward[i][0], a=forward[i][1],
            delta=deltas[i], gradient_norm=_norm(layer.dW), bias_gradient_norm=_norm(layer.db),
            weight_norm=_norm(w_before), update_norm=_norm(layer.W - w_before),
            largest=_largest(w_before, layer)))
    return tuple(traces)


def _largest(w_before: np.ndarray, layer: Dense) -> WeightUpdate:
    row, col = np.unravel_index(int(np.argmax(np.abs(layer.dW))), layer.dW.shape)
    return WeightUpdate(int(row), int(col), float(w_before[row, col]), float(layer.dW[row, col]),
                        float(layer.W[row, col]))


def _norm(a: np.ndarray) -> float:
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))
