"""Ablation: switch hidden units off and measure what the network loses, class by class.

A unit that is *off* outputs 0 whatever its input: with a_l the outputs (n, units) of hidden layer
l after its activation and m a mask of 0s (off) and 1s (on), the rest of the network reads
a_l * m instead of a_l. Nothing else changes, so switching nothing off gives the network itself.

A unit's **importance** is how much the loss on a set of images rises when that unit alone is off;
the **knock-out curve** is the accuracy as more and more units are switched off, the most important
first or in a random order: a network that spreads what it knows over many units loses accuracy
slowly, one that relies on a few loses it at once.

Layers are numbered as ``spec.hidden``: 0 is the first hidden dense layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .evaluation import confusion_matrix, per_class_accuracy
from .layers import Activation


@dataclass(frozen=True, eq=False)
class LayerOutputs:
    """What hidden layer ``layer`` outputs for a fixed set of images, kept to try masks on quickly.

    outputs : (n, units) after the activation; labels : (n,). ``start`` is the index in
    ``network.layers`` of the first layer after this one's activation.
    """

    layer: int
    outputs: np.ndarray
    labels: np.ndarray
    start: int


def layer_outputs(network, images: np.ndarray, labels: np.ndarray, layer: int) -> LayerOutputs:
    """Run ``images`` (n, h, w) uint8 or inputs (through ``network.inputs``) up to hidden ``layer``."""
    if not 0 <= layer < len(network.spec.hidden):
        raise ValueError(f"hidden layer must be 0 to {len(network.spec.hidden) - 1}, got {layer}")
    x = network.flat_features(network.inputs(images))
    seen = 0
    for index, part in enumerate(network.dense_part):
        x = part.infer(x)
        if isinstance(part, Activation):
            if seen == layer:
                start = len(network.feature_part) + index + 1
                return LayerOutputs(layer, np.array(x), np.asarray(labels), start)
            seen += 1
    raise AssertionError("unreachable: every hidden layer has an activation")


def logits_with_mask(network, kept: LayerOutputs, mask: np.ndarray) -> np.ndarray:
    """Logits (n, classes) when hidden layer ``kept.layer``'s outputs are multiplied by ``mask``
    (units,): 0 switches a unit off, 1 keeps it."""
    x = kept.outputs * np.asarray(mask, dtype=kept.outputs.dtype)
    for part in network.layers[kept.start:]:
        x = part.infer(x)
    return x


def accuracy_by_class(network, kept: LayerOutputs, off=()) -> tuple[float, np.ndarray]:
    """(accuracy, per-class accuracy (classes,)) with the units ``off`` of the kept layer switched off."""
    mask = np.ones(kept.outputs.shape[1])
    mask[list(off)] = 0
    predicted = np.argmax(logits_with_mask(network, kept, mask), axis=1)
    confusion = confusion_matrix(kept.labels, predicted, network.spec.classes)
    return float(np.mean(predicted == kept.labels)), per_class_accuracy(confusion)


def unit_importance(network, kept: LayerOutputs) -> np.ndarray:
    """(units,) the rise in mean cross-entropy loss when each unit alone is switched off (may be < 0)."""
    units = kept.outputs.shape[1]
    base = _loss(network, kept, np.ones(units))
    rises = np.empty(units)
    for j in range(units):
        mask = np.ones(units)
        mask[j] = 0
        rises[j] = _loss(network, kept, mask) - base
    return rises


def _loss(network, kept: LayerOutputs, mask: np.ndarray) -> float:
    loss, _ = network.loss(logits_with_mask(network, kept, mask).astype(np.float64), kept.labels)
    return float(loss)


@dataclass(frozen=True)
class KnockOut:
    """Accuracy after switching off ``removed[k]`` units, the most important first (``by_importance``)
    and in a random order (``at_random``, the mean of ``repeats`` orders)."""

    removed: np.ndarray
    by_importance: np.ndarray
    at_random: np.ndarray
    repeats: int


def knock_out_curve(network, kept: LayerOutputs, importance: np.ndarray, rng: np.random.Generator,
                    points: int = 17, repeats: int = 3) -> KnockOut:
    """The knock-out curve at ``points`` counts of removed units from 0 to all of them."""
    units = kept.outputs.shape[1]
    removed = np.unique(np.round(np.linspace(0, units, points)).astype(int))
    ranked = np.argsort(-importance, kind="stable")
    by_importance = np.array([accuracy_by_class(network, kept, ranked[:k])[0] for k in removed])
    orders = [rng.permutation(units) for _ in range(repeats)]
    at_random = np.array([np.mean([accuracy_by_class(network, kept, order[:k])[0] for order in orders])
                          for k in removed])
    return KnockOut(removed, by_importance, at_random, repeats)
