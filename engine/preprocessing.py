"""Turn a user's drawing into an image like the dataset's, the way MNIST's digits were made.

MNIST's recipe (LeCun, Cortes & Burges): crop the digit, scale it so its longer side fits a 20x20
box keeping its aspect ratio, with anti-aliasing (hence the grey edges), put it in a 28x28 frame,
then translate it so its centre of mass sits at the centre of the frame. A network trained on
MNIST only ever saw digits made that way, so a drawing must go through the same steps before it
is classified. Pure NumPy: no Qt, no PIL, no SciPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Preprocessed:
    """Every stage of ``preprocess_drawing``, so the app can show the user each step.

    All fields but ``empty`` are None when the drawing has no ink.

    Attributes
    ----------
    empty : bool
        True if no pixel passed the ink threshold: there is nothing to classify.
    image : ndarray, shape (size, size), uint8
        The network's input: 0 background, 255 at the brightest ink pixel.
    cropped : ndarray, shape (bottom - top, right - left), float32
        The input, in 0..1, cropped to the ink's bounding box.
    fitted : ndarray, shape (size, size), float32
        The crop scaled so its longer side is ``box`` pixels (aspect ratio kept, area-averaged),
        with its bounding box centred in the frame: the step before centre-of-mass centring.
    bbox : (top, left, bottom, right)
        The ink's bounding box in input coordinates; bottom and right are exclusive.
    centre_of_mass : (row, col)
        Centre of mass of ``fitted``, in pixel indices.
    shift : (rows, cols)
        Integer translation applied to ``fitted`` to put its centre of mass at the frame centre.
    centre : (row, col)
        Where the centre of mass was moved to (as near as whole pixels allow), in pixel indices.
    """

    empty: bool
    image: np.ndarray | None = None
    cropped: np.ndarray | None = None
    fitted: np.ndarray | None = None
    bbox: tuple[int, int, int, int] | None = None
    centre_of_mass: tuple[float, float] | None = None
    shift: tuple[int, int] | None = None
    centre: tuple[float, float] | None = None


@dataclass(frozen=True)
class Framing:
    """Where a dataset puts its digits: scaled so the longer side is ``box`` pixels, in a
    ``size`` x ``size`` frame, with the centre of mass at ``centre`` (row, col) in pixel indices.

    MNIST: ``Framing(28, 20, (14.0, 14.0))``. The offline 8x8 digits fill their frame:
    ``Framing(8, 8, (3.5, 3.5))``. ``measure_framing`` finds it from a dataset's images.
    """

    size: int
    box: int
    centre: tuple[float, float]

    def describe(self) -> str:
        """'its longer side fits a 20×20 box, ... in the middle of the 28×28 frame'."""
        where = ("fills the frame" if self.box == self.size
                 else f"fits a {self.box}×{self.box} box")
        return (f"scaled so its longer side {where}, and moved so its centre of mass sits in the "
                f"middle of the {self.size}×{self.size} frame")


def default_framing(size: int = 28) -> Framing:
    """MNIST's recipe at any size: a box of ``round(size * 20 / 28)``, centre ``size / 2``."""
    return Framing(size, round(size * 20 / 28), (frame_centre(size), frame_centre(size)))


def measure_framing(images: np.ndarray, ink_threshold: float = 0.05,
                    sample: int = 2000) -> Framing:
    """The framing of square images (n, size, size) uint8, measured on the first ``sample``.

    ``box`` is the median longer side of the ink's bounding boxes (a pixel is ink above
    ``ink_threshold`` of 255); ``centre`` the mean centre of mass, rounded to half a pixel.
    MNIST measures ``(28, 20, (14.0, 14.0))``, the offline digits ``(8, 8, (3.5, 3.5))``.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1] != images.shape[2] or len(images) == 0:
        raise ValueError(f"need (n, size, size) images, got shape {images.shape}")
    size = images.shape[1]
    images = images[:sample]
    ink = images > ink_threshold * 255
    rows, cols = np.asarray(ink.any(axis=2)), np.asarray(ink.any(axis=1))  # arrays (the stubs say maybe a bool)
    inked = np.asarray(rows.any(axis=1))
    if not inked.any():
        return default_framing(size)
    rows, cols, images = rows[inked], cols[inked], images[inked].astype(np.float32)
    heights = size - np.argmax(rows[:, ::-1], axis=1) - np.argmax(rows, axis=1)
    widths = size - np.argmax(cols[:, ::-1], axis=1) - np.argmax(cols, axis=1)
    box = int(np.median(np.maximum(heights, widths)))
    total = images.sum(axis=(1, 2))
    centre = tuple(round(2 * float(np.mean(images.sum(axis=other) @ np.arange(size) / total))) / 2
                   for other in (2, 1))
    return Framing(size, box, (centre[0], centre[1]))


def preprocess_framed(image: np.ndarray, framing: Framing,
                      ink_threshold: float = 0.05) -> Preprocessed:
    """``preprocess_drawing`` to a dataset's ``framing`` (size, box and centre)."""
    return preprocess_drawing(image, framing.size, framing.box, ink_threshold, framing.centre)


def preprocess_drawing(image: np.ndarray, size: int = 28, box: int | None = None,
                       ink_threshold: float = 0.05,
                       centre: tuple[float, float] | None = None) -> Preprocessed:
    """Crop, scale, frame and centre a drawing the way MNIST digits were prepared.

    Parameters
    ----------
    image : ndarray, shape (h, w), any h and w
        Ink is high, background 0, like MNIST. Accepted scales: integer (including uint8) in
        0..255; bool; float in 0..1, or float in 0..255 when its maximum is above 1 (a float
        drawing whose values are all at most 1 is read as 0..1).
    size : int
        Side of the square output, at least 4 (28 for MNIST, 8 for the 8x8 digits).
    box : int, optional
        Side of the square the digit's longer side is scaled to; default ``round(size * 20 / 28)``
        (20 for MNIST, 6 for 8x8). At most ``size``.
    ink_threshold : float
        A pixel is ink if it is above this fraction of full ink (0 <= ink_threshold < 1).
    centre : (row, col), optional
        Where the centre of mass goes, in pixel indices; default ``frame_centre(size)`` both ways.

    Returns
    -------
    Preprocessed
        ``empty=True`` and nothing else if there is no ink.
    """
    box = _check_arguments(image, size, box, ink_threshold)
    full = _full_ink(image)
    ink = image > ink_threshold * full
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return Preprocessed(empty=True)
    bbox = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
    # only the crop is converted to float: the rest of a big canvas is never touched again
    cropped = image[bbox[0]:bbox[2], bbox[1]:bbox[3]].astype(np.float32)
    cropped /= np.float32(full)
    scaled = fit_to_box(cropped, box)
    corner = _centred_corner(scaled.shape, size)
    fitted = _place(scaled, size, corner)
    com = centre_of_mass(fitted)
    if centre is None:
        centre = (frame_centre(size), frame_centre(size))
    shift = _centring_shift(com, corner, scaled.shape, size, centre)
    centred = _place(scaled, size, (corner[0] + shift[0], corner[1] + shift[1]))
    return Preprocessed(empty=False, image=_to_uint8(centred), cropped=cropped, fitted=fitted,
                        bbox=bbox, centre_of_mass=com, shift=shift,
                        centre=(float(centre[0]), float(centre[1])))


def fit_to_box(crop: np.ndarray, box: int) -> np.ndarray:
    """Scale ``crop`` so its longer side is ``box`` pixels, keeping the aspect ratio.

    crop : (h, w) float.  Returns (box_h, box_w) float32 with ``max(box_h, box_w) == box`` and
    ``box_h / box_w ~ h / w`` (the shorter side is at least 1 pixel).
    ``result = R_rows @ crop @ R_cols.T`` with the area-averaging weights of ``area_weights``.
    """
    h, w = crop.shape
    scale = box / max(h, w)
    box_h, box_w = max(1, round(h * scale)), max(1, round(w * scale))
    return area_weights(h, box_h) @ crop.astype(np.float32) @ area_weights(w, box_w).T


def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """Box-filter resampling matrix R, (n_out, n_in) float32, for one axis.

    Output pixel i covers the input interval ``[i s, (i + 1) s)`` with ``s = n_in / n_out``;
    ``R[i, j] = |[i s, (i + 1) s) & [j, j + 1)| / s``, the share of that interval input pixel j
    covers. Rows sum to 1, so total ink is preserved up to the factor ``n_out / n_in``.
    Downscaling averages every input pixel exactly once (anti-aliasing); upscaling repeats
    pixels, blending the two neighbours where an output pixel straddles an edge.
    """
    s = n_in / n_out
    edges = np.arange(n_out + 1) * s
    start, stop = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in)[None, :]
    overlap = np.minimum(stop, j + 1) - np.maximum(start, j)
    return (np.clip(overlap, 0, None) / s).astype(np.float32)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """``(sum_rc r I[r, c] / sum I, sum_rc c I[r, c] / sum I)`` of a non-blank (h, w) image."""
    total = float(image.sum())
    row = float(image.sum(axis=1) @ np.arange(image.shape[0])) / total
    col = float(image.sum(axis=0) @ np.arange(image.shape[1])) / total
    return row, col


def frame_centre(size: int) -> float:
    """Where the centre of mass goes, in pixel indices: ``size / 2``, 14 for a 28x28 frame.

    That is MNIST's convention: over its 10,000 test digits the centre of mass averages
    (13.99, 14.01), not the geometric centre 13.5 (the digits sit half a pixel down and right).
    """
    return size / 2


def _centring_shift(com, corner, shape, size, centre) -> tuple[int, int]:
    """Rounded move that puts ``com`` on ``centre``, clamped so no ink leaves the frame.

    ``corner`` is where the ``shape``-sized digit sits; it may move from ``-corner`` up to
    ``size - corner - extent`` along each axis and stay whole.
    """
    shift = []
    for axis in range(2):
        wanted = round(centre[axis] - com[axis])
        shift.append(int(np.clip(wanted, -corner[axis], size - corner[axis] - shape[axis])))
    return shift[0], shift[1]


def _centred_corner(shape: tuple[int, int], size: int) -> tuple[int, int]:
    """Top-left corner that centres a ``shape`` rectangle in a ``size`` frame."""
    return (size - shape[0]) // 2, (size - shape[1]) // 2


def _place(digit: np.ndarray, size: int, corner: tuple[int, int]) -> np.ndarray:
    """A blank (size, size) float32 frame with ``digit`` pasted at ``corner`` (top, left)."""
    frame = np.zeros((size, size), dtype=np.float32)
    top, left = corner
    frame[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return frame


def _to_uint8(frame: np.ndarray) -> np.ndarray:
    """Scale so the brightest pixel is 255, then round to uint8.

    MNIST strokes saturate: nearly every digit's core is 255. Area-averaging a thin stroke down
    from a big canvas leaves it grey (a 10 px pen on a 560 px canvas scaled to 20 px is about
    0.4), and a network trained on saturated strokes would read such faint ink as a different
    digit. Stretching the maximum to 255 restores MNIST's contrast.
    """
    peak = float(frame.max())
    scaled = frame * np.float32(255 / peak)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _full_ink(image: np.ndarray) -> float:
    """The value that means full ink: 1 for bool and 0..1 floats, 255 otherwise."""
    if image.dtype == np.bool_:
        return 1.0
    if image.dtype == np.uint8:
        return 255.0
    low, high = float(image.min()), float(image.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError("image contains nan or infinite values")
    if low < 0 or high > 255:
        raise ValueError(f"image values must be in 0..1 or 0..255, got {low:g}..{high:g}")
    if np.issubdtype(image.dtype, np.integer) or high > 1:
        return 255.0
    return 1.0


def _check_arguments(image, size, box, ink_threshold) -> int:
    """Validate the arguments of ``preprocess_drawing``; return the box size to use."""
    if not isinstance(image, np.ndarray) or image.ndim != 2 or image.size == 0:
        shape = getattr(image, "shape", type(image).__name__)
        raise ValueError(f"image must be a non-empty 2-D numpy array, got {shape}")
    if not (np.issubdtype(image.dtype, np.number) or image.dtype == np.bool_) \
            or np.issubdtype(image.dtype, np.complexfloating):
        raise ValueError(f"image must hold real numbers, got {image.dtype}")
    if size < 4:
        raise ValueError(f"size must be at least 4 pixels, got {size}")
    box = round(size * 20 / 28) if box is None else box
    if not 1 <= box <= size:
        raise ValueError(f"box must be between 1 and size={size}, got {box}")
    if not 0 <= ink_threshold < 1:
        raise ValueError(f"ink_threshold must be in [0, 1), got {ink_threshold}")
    return int(box)
