"""The habits that keep the code's shape: ruff's checks and the import contracts in pyproject.toml.

Run by the test command, so a change that breaks a layer (a panel importing another, the engine
importing Qt) fails like a broken test.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*command) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    result = _run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_the_import_contracts_are_kept():
    lint_imports = shutil.which("lint-imports") or pytest.fail(
        "lint-imports is missing: install the dev extra (pip install -e '.[dev]')")
    result = _run(lint_imports)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " 0 broken" in result.stdout
