"""How much memory a network needs, to train or only to hold, and whether this machine has it.

Estimates count the large NumPy arrays (float32: 4 bytes a value) and ignore Python's small
objects. Training a network of P parameters on batches of B images, with layer sizes s_0..s_L:

    parameters   (2 + k) P 4          weights, their gradients, k optimiser arrays per parameter
    activations  3 B (s_0 + d_1 + ... + d_L) 4   inputs, dense outputs, activations and gradients
                 + B f 4                     a CNN's buffers per image, layer by layer (below)
    data         n_train s_0 (1 byte shuffled copy; + 4 for full batch, converted once)
                 + m (2 max(s) + max(c)) 4 for evaluation in chunks of m images (m <= 10,000)

where s_0 is the inputs per image, d_i the units of dense layer i, s every layer's outputs per
image (a convolution's maps, c h w values), c the values of a convolution's im2col matrix per
image (h' w' c k k), and f what the layers of a convolutional part keep per image in a training
step (``feature_buffer_sizes``): a convolution with input (c, h, w) and output maps m, its im2col
matrix and its gradient (2 c_j), its output and its activation's output and gradient (3 m), its
padded input (c (h + 2p) (w + 2p), also when the input must be re-laid out) and, but for the
first, that input's gradient; a pooling layer its output, a scratch array of the same size, 3
bytes a value for where each maximum was, and its input's gradient; dropout 3 m; the flattened
rows once more. k is 1 for SGD (a scratch array),
2 for (Nesterov) momentum, 3 for Adam, plus 1 with L2 weight decay. Holding a network (loading,
inference) needs weights and gradients, plus the stored copy while a file is read.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

FLOAT_BYTES = 4
OPTIMISER_ARRAYS = {"sgd": 1, "momentum": 2, "nesterov": 2, "adam": 3}
EVALUATION_CHUNK = 10_000


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes needed, by what needs them (see the module docstring for the formulas)."""

    parameters: int
    activations: int = 0
    data: int = 0

    @property
    def total(self) -> int:
        return self.parameters + self.activations + self.data

    def describe(self) -> str:
        """``"2.41 GB (1.20 GB weights and optimiser state, 1.21 GB activations per batch, ...)"``."""
        parts = [f"{format_bytes(self.parameters)} weights and optimiser state"]
        if self.activations:
            parts.append(f"{format_bytes(self.activations)} activations per batch")
        if self.data:
            parts.append(f"{format_bytes(self.data)} training data buffers")
        return f"{format_bytes(self.total)} ({', '.join(parts)})"


def format_bytes(n: int) -> str:
    """``"12.3 MB"`` below a gigabyte, ``"1.23 GB"`` from there on (decimal units)."""
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


INFERENCE_BUFFER = 2**28  # bytes of layer outputs and im2col matrices one chunk may take


def inference_chunk(spec) -> int:
    """Images of ``spec`` (a NetworkSpec) to compute at a time for inference: up to 10,000, fewer
    for a network whose layer outputs (and im2col matrices) would take more than ``INFERENCE_BUFFER``
    bytes at once."""
    per_image = FLOAT_BYTES * (sum(spec.activation_sizes()) + sum(spec.column_sizes()))
    return max(1, min(EVALUATION_CHUNK, INFERENCE_BUFFER // per_image))


def estimate_network(spec) -> MemoryEstimate:
    """Memory to build or load a network of ``spec`` (a NetworkSpec): weights, gradients, and the
    stored copy of the weights while a file is read."""
    return MemoryEstimate(parameters=3 * spec.n_params * FLOAT_BYTES)


def estimate_training(spec, config, n_train: int) -> MemoryEstimate:
    """Memory to train a network of ``spec`` with ``config`` (a TrainConfig) on ``n_train`` images.

    Parameters
    ----------
    spec : NetworkSpec
    config : TrainConfig
        Its optimiser, weight decay and batch size (None: full batch) matter.
    n_train : int
        Training images (an upper bound is fine: the validation split only lowers it).
    """
    arrays = OPTIMISER_ARRAYS.get(config.optimiser, 3) + (1 if config.weight_decay else 0)
    batch = n_train if config.batch_size is None else min(config.batch_size, n_train)
    sizes = spec.activation_sizes()
    columns = spec.column_sizes()
    full_batch = batch >= n_train
    data = n_train * spec.input_size * (1 + (FLOAT_BYTES if full_batch else 0))
    chunk = min(EVALUATION_CHUNK, n_train, inference_chunk(spec))
    data += chunk * (2 * max(sizes) + max(columns, default=0)) * FLOAT_BYTES
    dense = 3 * (spec.input_size + sum(spec.layer_sizes[1:]))  # outputs, activations, gradients
    return MemoryEstimate(parameters=(2 + arrays) * spec.n_params * FLOAT_BYTES,
                          activations=batch * (dense + sum(feature_buffer_sizes(spec))) * FLOAT_BYTES,
                          data=data)


def feature_buffer_sizes(spec) -> list[int]:
    """Values per image (4 bytes each) that each layer of ``spec.features`` keeps in a training step,
    as the module docstring counts them, and last the flattened rows; [] for an MLP."""
    if not spec.features:
        return []
    sizes, shape = [], spec.image_shape
    for index, (layer, out) in enumerate(zip(spec.features, spec.feature_shapes)):
        c, h, w = shape
        maps = out[0] * out[1] * out[2]
        if hasattr(layer, "kernel"):  # a ConvLayer
            columns = out[1] * out[2] * c * layer.kernel ** 2
            padded = c * (h + 2 * layer.padding) * (w + 2 * layer.padding)
            needs_pad = index == 0 or layer.padding > 0
            sizes.append(2 * columns + 3 * maps + padded * needs_pad + padded * (index > 0))
        else:  # a PoolLayer: output, scratch, 3 bytes of winners per output, input gradient
            sizes.append(2 * maps + -(-3 * maps // FLOAT_BYTES) + c * h * w)
        if layer.dropout:
            sizes[-1] += 3 * maps
        shape = out
    sizes.append(spec.flat_size)
    return sizes



def check_fits(estimate: MemoryEstimate, what: str, available: int | None = None) -> None:
    """Raise ValueError, with the estimate in the message, if ``estimate`` exceeds the memory
    available now (:func:`available_memory`; nothing is refused where that is unknown).

    Parameters
    ----------
    estimate : MemoryEstimate
    what : str
        What needs it, to start the message: ``"training 784-4096(relu)x1000-10"``.
    available : int, optional
        Bytes available; default: :func:`available_memory`.
    """
    available = available_memory() if available is None else available
    if available is not None and estimate.total > available:
        raise ValueError(f"{what} needs about {estimate.describe()} of memory, but this machine "
                         f"has {format_bytes(available)} available; use fewer or smaller layers"
                         " or smaller batches")


def check_training_fits(spec, config, n_train: int) -> MemoryEstimate:
    """:func:`check_fits` for training ``spec`` with ``config``; returns the estimate."""
    estimate = estimate_training(spec, config, n_train)
    check_fits(estimate, f"training the network {spec.describe()} with {config.describe()}")
    return estimate


def available_memory() -> int | None:
    """Bytes of memory this process could still allocate, or None if it cannot be told.

    Linux: ``MemAvailable`` of /proc/meminfo, lowered to what a cgroup (container) limit leaves.
    Elsewhere: free physical pages (``os.sysconf``), or on Windows ``GlobalMemoryStatusEx``.
    """
    found = [n for n in (_meminfo_available(), _cgroup_available()) if n is not None]
    if found:
        return min(found)
    if sys.platform == "win32":
        return _windows_available()
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_available() -> int | None:
    """Limit minus usage of this process's memory cgroup (v2, then v1), if it has a limit."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file, encoding="ascii") as f:
                limit = f.read().strip()
            with open(usage_file, encoding="ascii") as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:  # v1 says "no limit" with a huge number
            return max(int(limit) - usage, 0)
    return None


def _windows_available() -> int | None:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong),
                    ("total_phys", ctypes.c_ulonglong), ("avail_phys", ctypes.c_ulonglong),
                    ("total_page", ctypes.c_ulonglong), ("avail_page", ctypes.c_ulonglong),
                    ("total_virtual", ctypes.c_ulonglong), ("avail_virtual", ctypes.c_ulonglong),
                    ("avail_extended", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.length = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]  # Windows only
        return None
    return int(status.avail_phys)
