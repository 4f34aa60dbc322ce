"""Names chosen from a fixed list (activations, losses, optimisers...): one lookup, one message."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any


def choose(name: Any, options: Collection, what: str, where: str = "") -> Any:
    """``options[name]`` if ``options`` is a mapping, else ``name``, once it is one of them.

    Otherwise ValueError: "unknown activation 'swish'; choose one of sigmoid, tanh, ...", preceded
    by ``where`` ("hidden layer 2: "). The name's repr is cut at 40 characters: it may come from a
    file.
    """
    try:
        known = isinstance(name, str) and name in options
    except TypeError:  # unhashable, from a file
        known = False
    if not known:
        raise ValueError(f"{where}unknown {what} {name!r:.40}; choose one of {', '.join(options)}")
    return options[name] if isinstance(options, Mapping) else name
