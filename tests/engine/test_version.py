"""One version string: the package metadata, or pyproject.toml in a source tree never installed;
the About box, ``mnist-gui --version``, ``mnist-train --version`` and the downloader all use it."""

import subprocess
import sys
import tomllib
from importlib import metadata

import pytest

from engine import version
from engine.files.download import USER_AGENT

ROOT = version.PYPROJECT.parent


def pyproject_version() -> str:
    with open(version.PYPROJECT, "rb") as f:
        return tomllib.load(f)["project"]["version"]


def test_the_version_is_the_projects():
    assert version.package_version() == version.__version__ == pyproject_version()
    assert f"mnist-gui/{version.__version__} " in USER_AGENT


def test_a_source_tree_without_metadata_reads_pyproject(monkeypatch, tmp_path):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert version.package_version() == pyproject_version()
    monkeypatch.setattr(version, "PYPROJECT", tmp_path / "nowhere.toml")
    assert version.package_version() == "unknown"


@pytest.mark.parametrize("module, command", [("engine.cli", "mnist-train"), ("mnist_gui.app", "mnist-gui")])
def test_both_commands_print_it(module, command):
    result = subprocess.run([sys.executable, "-m", module, "--version"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [command, version.__version__]
