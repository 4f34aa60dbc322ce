"""What the network looks at: the gradient of a class's score with respect to the input pixels,
and a "nudge": the small change to the pixels that makes the network change its mind.

The network's input x is made from the pixels as its spec says (``Network.inputs``: pixels / 255 for
most networks, the raw 0..255 or standardised pixels for some), so gradients are per unit of x: for
x = pixels / 255, the score's change for a pixel going from background (0) to full ink (1), to first order. The
gradient is backprop carried one layer further than training needs, down to the input:

    dS/dx = (dS/dz_L) W_L^T f'(z_{L-1}) ... W_1^T,   with dS/dz_L = onehot(c)  for the logit S = z_c,
                                                           and onehot(c) - p for S = log p_c.

The nudge is a targeted iterative fast-gradient-sign attack (Goodfellow et al. 2015; Kurakin et al.
2016): x <- clip(x + step sign(d log p_target / dx)) in whole pixel levels, until the prediction is
the target or the step budget is spent. That a few grey levels can turn a 3 into an 8 is the lesson.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .choices import choose
from .dataset import pixels_from_inputs
from .inspection import image_shape, one_input, replica
from .losses import log_softmax, softmax
from .network import Network

#: What a class's score can be: its logit z_c, or its log-probability log p_c.
SCORES = ("logit", "log_probability")


@dataclass(frozen=True, eq=False)
class Saliency:
    """The input gradient of one class's score, for one image.

    gradient : (h, w) dS/dx per input (x as ``Network.inputs`` makes it): where ink would raise (> 0) or
        lower the score. Overlay |gradient| for "where it looks", or gradient * image for "what counts here".
    image : (h, w) the input x the network computed with; class_index, score : which score S; value : S itself.
    probabilities : (classes,) the network's softmax for the image.
    """

    gradient: np.ndarray
    image: np.ndarray
    class_index: int
    score: str
    value: float
    probabilities: np.ndarray


@dataclass(frozen=True, eq=False)
class Nudge:
    """The outcome of nudging an image towards a target class.

    succeeded : the prediction became ``target`` within the budget; steps : sign steps taken.
    original, nudged : (h, w) uint8 images; difference : (h, w) int16 nudged - original, in levels.
    linf : the largest change of one pixel, in levels (0..255); l2 : ||difference|| / 255 (in
        full-ink units); pixels_changed : how many pixels differ.
    probabilities_before, probabilities_after : (classes,) softmax of the original and nudged image.
    """

    succeeded: bool
    target: int
    steps: int
    original: np.ndarray
    nudged: np.ndarray
    difference: np.ndarray
    linf: int
    l2: float
    pixels_changed: int
    probabilities_before: np.ndarray
    probabilities_after: np.ndarray

    @property
    def prediction_before(self) -> int:
        return int(np.argmax(self.probabilities_before))

    @property
    def prediction_after(self) -> int:
        return int(np.argmax(self.probabilities_after))


def input_gradient(network: Network, image: np.ndarray, class_index: int, score: str = "logit",
                   dtype=None) -> Saliency:
    """dS/dx for one image: the gradient of class ``class_index``'s score S with respect to the input.

    image : (h, w) uint8 pixels or (input_size,) inputs already scaled for the network.
    score : ``"logit"`` (S = z_c, what the class's evidence is made of) or ``"log_probability"``
        (S = log p_c, which also counts the evidence against the other classes).
    dtype : of the computation; None keeps the network's. The network is untouched (a copy is used).
    """
    _check_class(network, class_index)
    choose(score, SCORES, "score")
    x = one_input(network, image, dtype)
    gradient, logits = _score_gradient(replica(network, x.dtype), x, class_index, score)
    p = softmax(logits)[0]
    value = logits[0, class_index] if score == "logit" else log_softmax(logits)[0, class_index]
    shape = image_shape(network.spec.input_size, image)
    return Saliency(gradient.reshape(shape), x[0].reshape(shape), int(class_index), score, float(value), p)


def nudge(network: Network, image: np.ndarray, target: int, step: int = 2, max_steps: int = 100,
          budget: int = 255) -> Nudge:
    """Change the image a little, in whole pixel levels, until the network predicts ``target``.

    Each step: levels <- clip(levels + step * sign(d log p_target / dx), original +- budget, 0..255).
    image : (h, w) uint8 (or the network's inputs, turned back into pixels and rounded to levels);
    step : levels per step (1..255);
    max_steps : the number of steps allowed; budget : the largest change allowed to any pixel.
    Stops as soon as the prediction is the target (at once if it already is). Network untouched.
    """
    _check_class(network, target)
    if not (1 <= step <= 255 and max_steps >= 0 and 1 <= budget <= 255):
        raise ValueError(f"need 1 <= step <= 255, max_steps >= 0 and 1 <= budget <= 255, "
                         f"got {step}, {max_steps} and {budget}")
    shape = image_shape(network.spec.input_size, image)
    original = _as_levels(network, image)
    lowest, highest = np.maximum(original - budget, 0), np.minimum(original + budget, 255)
    net = replica(network)
    levels, steps = original.copy(), 0
    for steps in range(max_steps + 1):
        gradient, logits = _score_gradient(net, _inputs(net, levels), target, "log_probability")
        if int(np.argmax(logits)) == target or steps == max_steps:
            break
        levels = np.clip(levels + step * np.sign(gradient[0]), lowest, highest)
    return _nudge_result(net, target, steps, original, levels, logits, shape)


def _score_gradient(net: Network, x: np.ndarray, class_index: int, score: str):
    """(dS/dx (1, input_size), logits (1, classes)) by forward and backward through every layer of
    ``net`` (a copy: its buffers and gradients are overwritten)."""
    logits = net.forward(x).copy()
    seed = np.zeros_like(logits)
    seed[0, class_index] = 1
    if score == "log_probability":
        seed -= softmax(logits)  # d log p_c / dz = onehot(c) - p
    grad = seed
    for layer in reversed(net.layers):
        grad = layer.backward(grad)
    return grad.copy(), logits


def _nudge_result(net, target, steps, original, levels, logits_after, shape) -> Nudge:
    before = softmax(net.logits(_inputs(net, original)))[0]
    difference = (levels - original).astype(np.int16)
    return Nudge(
        succeeded=int(np.argmax(logits_after)) == target, target=int(target), steps=steps,
        original=original.astype(np.uint8).reshape(shape), nudged=levels.astype(np.uint8).reshape(shape),
        difference=difference.reshape(shape), linf=int(np.max(np.abs(difference), initial=0)),
        l2=float(np.linalg.norm(difference) / 255), pixels_changed=int(np.count_nonzero(difference)),
        probabilities_before=before, probabilities_after=softmax(logits_after)[0])


def _as_levels(network: Network, image: np.ndarray) -> np.ndarray:
    """Pixel levels (input_size,) float64 in 0..255, whole numbers: uint8 as is, inputs turned back
    into pixels (the inverse of the network's input scaling) and rounded."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        levels = image.reshape(-1).astype(np.float64)
    else:
        x = one_input(network, image, np.float64)[0]
        levels = np.clip(np.rint(pixels_from_inputs(x, network.spec.input_scaling)), 0, 255)
    if levels.size != network.spec.input_size:
        raise ValueError(f"this network takes {network.spec.input_size} pixels per image, got {levels.size}")
    return levels


def _inputs(network: Network, levels: np.ndarray) -> np.ndarray:
    """The network's inputs (1, d) for whole pixel levels 0..255, exactly as for a uint8 image."""
    return network.inputs(levels.astype(np.uint8)[None])


def _check_class(network: Network, index: int) -> None:
    if not 0 <= int(index) < network.spec.classes:
        raise ValueError(f"class must be 0 to {network.spec.classes - 1}, got {index}")
