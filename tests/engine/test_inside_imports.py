"""The "Inside the network" modules are engine modules: importing them must not load Qt."""

import subprocess
import sys

INSIDE_MODULES = ["engine.inspection", "engine.step_trace", "engine.gradient_check",
                  "engine.layer_statistics", "engine.projection", "engine.saliency"]


def test_importing_the_inside_modules_never_imports_qt():
    code = ("import sys\n"
            f"for name in {INSIDE_MODULES!r}: __import__(name)\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6', 'pyqtgraph'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
