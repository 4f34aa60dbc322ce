"""The one version string of mnist-gui (the app, the engine and ``mnist-train``): the installed
package's metadata, or, in a source tree that was never installed, ``pyproject.toml`` beside it."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "mnist-gui"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def package_version() -> str:
    """``0.1.0``, say; ``unknown`` if neither the metadata nor the source tree's file gives one."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return _source_tree_version()


def _source_tree_version() -> str:
    try:
        with open(PYPROJECT, "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


__version__ = package_version()
