"""Model files: a network's spec (JSON) and weights in one .npz, written atomically, read warily.

A model file is a zip archive (``np.savez``) of ``.npy`` members: ``spec`` (a 0-d unicode array
holding the NetworkSpec's JSON) and one float array per parameter, ``dense0.W`` (n_in, n_out),
``dense0.b`` (n_out,), ``dense1.W``, ... (a convolutional network's first: ``conv0.W`` (out, in, k, k),
``conv0.b`` (out,), ...)

Reading trusts nothing in the file: only the members the spec needs are opened; each member's
declared size, shape and dtype are checked from its zip entry and ``.npy`` header before any
value is read, and then inflated a chunk at a time, never past what that header needs (see
:mod:`engine.files.archive`, which also refuses anything but a regular file); the network's memory is
checked before it is built; and every fault, whatever it is, becomes one ValueError naming the file.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ..memory import check_fits, estimate_network
from . import archive as untrusted
from .archive import READ_ERRORS, describe_error, read_into
from .atomic import write_atomically

#: A spec is a few hundred characters (about 40 per hidden layer); 4 bytes each in the file.
MAX_SPEC_BYTES = 1 << 20
#: np.savez stores members as they are; a spec re-zipped by a tool shrinks about 15:1 at most.
TEXT_EXPANSION = 32
TEXT_FREE_BYTES = 64 << 10

__all__ = ["READ_ERRORS", "ModelFileError", "describe_error", "load_network", "read_float_values",
           "read_npy_header", "save_network"]


class ModelFileError(ValueError):
    """A file is not a usable model; the message names the file and the fault."""


def save_network(network, path: str | os.PathLike) -> Path:
    """Write ``network``'s spec and weights to ``path`` (.npz), atomically, with the umask's
    permissions; OSError naming ``path`` if it cannot be written."""
    arrays = {p.name: p.value for p in network.parameters}
    arrays["spec"] = np.array(network.spec.to_json())
    return write_atomically(path, lambda out: np.savez(out, **arrays))


def load_network(path: str | os.PathLike, network_class, progress=None):
    """Read a network saved by :func:`save_network`.

    Parameters
    ----------
    path : str or path-like
    network_class : the Network class (passed in to keep this module below network.py)
    progress : callable(done, total), optional
        Called after each layer's weights are read; whatever it raises (a cancellation) ends the
        reading and propagates.

    Raises
    ------
    ModelFileError (a ValueError)
        Whatever is wrong: unreadable, not a zip, truncated, a spec of the wrong form or types,
        weights of the wrong shape or type, not finite, or a network too big for this machine.
    """
    from ..network import NetworkSpec, bias_size

    path = Path(path)
    try:
        with untrusted.open_archive(path, ModelFileError) as archive:
            spec = _parse_spec(_read_spec(archive), NetworkSpec)
            _check_memory(spec)
            shapes = spec.parameter_shapes()
            weights, biases = [], []
            for i, (layer, shape) in enumerate(shapes):
                weights.append(_read_array(archive, f"{layer}.W", shape))
                biases.append(_read_array(archive, f"{layer}.b", (bias_size(layer, shape),)))
                if progress is not None:
                    progress(i + 1, len(shapes))
            return network_class.from_weights(spec, weights, biases)
    except ModelFileError as err:
        raise ModelFileError(f"{path}: {err}") from err
    except READ_ERRORS as err:
        raise ModelFileError(f"{path}: not a model saved by mnist-gui ({describe_error(err)})") from err


def _parse_spec(text: str, spec_class):
    try:
        return spec_class.from_dict(json.loads(text))
    except (ValueError, TypeError, RecursionError) as err:
        raise ModelFileError(f"its network settings are not valid: {describe_error(err)}") from err


def _check_memory(spec) -> None:
    try:
        check_fits(estimate_network(spec), f"the network {spec.describe()}")
    except ValueError as err:
        raise ModelFileError(str(err)) from None


def _read_spec(archive: zipfile.ZipFile) -> str:
    """The JSON text of the ``spec`` member."""
    info = _member(archive, "spec")
    bound = untrusted.check_inflation(info, MAX_SPEC_BYTES, TEXT_EXPANSION, TEXT_FREE_BYTES, "its spec",
                                      "a network's settings never compress that well", ModelFileError)
    with archive.open(info) as member:
        shape, dtype = read_npy_header(member, "spec")
        if shape != () or dtype.kind != "U":
            raise ModelFileError(f"its spec should be text, found {dtype} of shape {shape}")
        if dtype.itemsize > bound:
            raise ModelFileError(f"its spec is {dtype.itemsize:,} bytes; a real one is a few hundred")
        if dtype.itemsize > info.file_size - member.tell():
            raise ModelFileError("its spec is truncated")
        text = read_into(member, np.empty((), dtype=dtype), "its spec", ModelFileError)
    return str(text[()])


def _read_array(archive: zipfile.ZipFile, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Member ``name``, checked to be finite floats of ``shape`` before its values are read."""
    return read_float_values(archive, _member(archive, name), name, shape)


def read_float_values(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                      shape: tuple[int, ...], error=None, kind: str = "a model file",
                      want: np.dtype | None = None, finite: bool = True) -> np.ndarray:
    """The values of the ``.npy`` member ``info``, checked before any is read: floats (of
    ``want``'s size, if given) of exactly ``shape``, not cut short, and finite if ``finite``.

    Shared by model and session files; ``error`` is the exception class (ModelFileError).
    Returns the file's own dtype in C order (np.savez never writes Fortran order here).
    """
    error = error or ModelFileError
    with archive.open(info) as member:
        found, dtype = untrusted.read_npy_header(member, name, error, kind)
        if found != shape:
            raise error(f"{name} should have shape {shape}, but is shape {found}")
        if dtype.kind != "f" or (want is not None and dtype.itemsize != want.itemsize):
            what = "real numbers (floats)" if want is None else f"{want} values"
            raise error(f"{name} should hold {what}, found {dtype}")
        size = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if info.file_size < size:
            raise error(f"{name} is truncated: {info.file_size:,} bytes in the archive "
                        f"for {size:,} bytes of values")
        values = read_into(member, np.empty(shape, dtype=dtype), name, error)
    if finite and not np.all(np.isfinite(values)):
        raise error(f"{name} contains NaN or infinite values")
    return values


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(name + ".npy")
    except KeyError:
        raise ModelFileError(f"{name} is missing; is this a model saved by mnist-gui?") from None


def read_npy_header(member, name: str, kind: str = "a model file") -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a ``.npy`` header (:func:`engine.files.archive.read_npy_header`)."""
    return untrusted.read_npy_header(member, name, ModelFileError, kind)
