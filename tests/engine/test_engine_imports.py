"""The engine is pure NumPy: importing every module of it must not load Qt."""

import subprocess
import sys

ENGINE_MODULES = ["engine", "engine.layers", "engine.losses", "engine.initialisers", "engine.optimisers",
                  "engine.schedules", "engine.network", "engine.training", "engine.presets", "engine.dataset",
                  "engine.idx", "engine.sources", "engine.download", "engine.baseline", "engine.preprocessing",
                  "engine.cli", "engine.session_file", "engine.experiments", "engine.lr_finder", "engine.json_fields"]


def test_importing_the_engine_never_imports_qt():
    code = ("import sys\n"
            f"for name in {ENGINE_MODULES!r}: __import__(name)\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'pyqtgraph'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
