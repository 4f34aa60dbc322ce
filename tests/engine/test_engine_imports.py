"""The engine is pure NumPy: importing every module of it must not load Qt."""

import pkgutil
import subprocess
import sys

import engine

ENGINE_MODULES = ["engine"] + [m.name for m in pkgutil.walk_packages(engine.__path__, "engine.")]


def test_every_engine_module_is_listed():
    for name in ("engine.network", "engine.training", "engine.step_trace", "engine.saliency",
                 "engine.threads", "engine.cli", "engine.files.idx",
                 "engine.files.session_file"):
        assert name in ENGINE_MODULES


def test_importing_the_engine_never_imports_qt():
    code = ("import sys\n"
            f"for name in {ENGINE_MODULES!r}: __import__(name)\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'pyqtgraph'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
