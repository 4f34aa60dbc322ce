"""Model files: a network's spec (JSON) and weights in one .npz, written atomically, read warily.

A model file is a zip archive (``np.savez``) of ``.npy`` members: ``spec`` (a 0-d unicode array
holding the NetworkSpec's JSON) and one float array per parameter, ``dense0.W`` (n_in, n_out),
``dense0.b`` (n_out,), ``dense1.W``, ... (a convolutional network's first: ``conv0.W`` (out, in, k, k),
``conv0.b`` (out,), ...)

Reading trusts nothing in the file: only the members the spec needs are opened; each member's
declared size, shape and dtype are checked from its zip entry and ``.npy`` header before any
value is read; the network's memory is checked before it is built; and every fault, whatever it
is, becomes one ValueError naming the file.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .atomic import write_atomically
from .memory import check_fits, estimate_network

MAX_SPEC_BYTES = 1 << 20
NPY_HEADER_MAX = 64 * 1024
# What a damaged or hostile archive can raise from zipfile, zlib, numpy's .npy header parser
# (it evaluates a Python literal) or json.
READ_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, SyntaxError, RecursionError,
               RuntimeError, NotImplementedError, OverflowError, MemoryError, zipfile.BadZipFile,
               zlib.error)


class ModelFileError(ValueError):
    """A file is not a usable model; the message names the file and the fault."""


def save_network(network, path: str | os.PathLike) -> Path:
    """Write ``network``'s spec and weights to ``path`` (.npz), atomically, with the umask's
    permissions; OSError naming ``path`` if it cannot be written."""
    arrays = {p.name: p.value for p in network.parameters}
    arrays["spec"] = np.array(network.spec.to_json())
    return write_atomically(path, lambda out: np.savez(out, **arrays))


def load_network(path: str | os.PathLike, network_class):
    """Read a network saved by :func:`save_network`.

    Parameters
    ----------
    path : str or path-like
    network_class : the Network class (passed in to keep this module below network.py)

    Raises
    ------
    ModelFileError (a ValueError)
        Whatever is wrong: unreadable, not a zip, truncated, a spec of the wrong form or types,
        weights of the wrong shape or type, not finite, or a network too big for this machine.
    """
    from .network import NetworkSpec, bias_size

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            spec = _parse_spec(_read_spec(archive), NetworkSpec)
            _check_memory(spec)
            shapes = spec.parameter_shapes()
            weights = [_read_array(archive, f"{layer}.W", shape) for layer, shape in shapes]
            biases = [_read_array(archive, f"{layer}.b", (bias_size(layer, shape),)) for layer, shape in shapes]
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
    if info.file_size > MAX_SPEC_BYTES:
        raise ModelFileError(f"its spec is {info.file_size:,} bytes; a real one is a few hundred")
    with archive.open(info) as member:
        shape, dtype = read_npy_header(member, "spec")
        if shape != () or dtype.kind != "U":
            raise ModelFileError(f"its spec should be text, found {dtype} of shape {shape}")
        data = member.read(dtype.itemsize)
    if len(data) != dtype.itemsize:
        raise ModelFileError("its spec is truncated")
    return str(np.frombuffer(data, dtype=dtype)[0])


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
        found, dtype = read_npy_header(member, name, kind)
        if found != shape:
            raise error(f"{name} should have shape {shape}, but is shape {found}")
        if dtype.kind != "f" or (want is not None and dtype.itemsize != want.itemsize):
            what = "real numbers (floats)" if want is None else f"{want} values"
            raise error(f"{name} should hold {what}, found {dtype}")
        size = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if info.file_size < size:
            raise error(f"{name} is truncated: {info.file_size:,} bytes in the archive "
                        f"for {size:,} bytes of values")
        values = np.frombuffer(member.read(size), dtype=dtype)
    if values.size * dtype.itemsize != size:
        raise error(f"{name} is truncated")
    if finite and not np.all(np.isfinite(values)):
        raise error(f"{name} contains NaN or infinite values")
    return values.reshape(shape)


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(name + ".npy")
    except KeyError:
        raise ModelFileError(f"{name} is missing; is this a model saved by mnist-gui?") from None


def read_npy_header(member, name: str, kind: str = "a model file") -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a ``.npy`` header; refuses object dtypes and Fortran order.

    kind : what the archive is, for the messages (``"a model file"``, ``"a session file"``).
    """
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member, max_header_size=NPY_HEADER_MAX)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member, max_header_size=NPY_HEADER_MAX)
    else:
        raise ModelFileError(f"{name} has an unknown .npy version {version}")
    if dtype.hasobject:
        raise ModelFileError(f"{name} holds Python objects, which {kind} never does")
    if fortran and len(shape) > 1:
        raise ModelFileError(f"{name} is stored in Fortran order, which mnist-gui never writes")
    return tuple(shape), dtype


def describe_error(err: BaseException, kind: str = "a model file") -> str:
    """The error's message, never numpy's advice to allow pickles (our files never need them)."""
    text = str(err) or type(err).__name__
    if "pickle" in text:
        return f"it holds Python objects, which {kind} never does"
    return text if len(text) <= 200 else text[:200] + "..."
