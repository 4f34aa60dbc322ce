"""The habits that keep the code's shape: ruff's checks, mypy's types and the import contracts in
pyproject.toml.

Run by the test command, so a change that breaks a layer (a panel importing another, the engine
importing Qt) fails like a broken test.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    result = _run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_mypy_finds_nothing():
    # The files and options are in pyproject.toml's [tool.mypy]: the engine and the state layer.
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_the_import_contracts_are_kept():
    # import-linter's own command, run by this Python (no reliance on its script being on PATH)
    result = _run(sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                  "sys.exit(lint_imports_command())")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " 0 broken" in result.stdout
