"""The binding's work-around (mnist_gui/qt_fixes.py) is applied by the entry points, never by an import."""

import os
import subprocess
import sys

from mnist_gui import qt_fixes


def test_importing_the_app_applies_nothing():
    code = ("import sys, mnist_gui.main_window, mnist_gui.app\n"
            "print(getattr(sys, '_mnist_gui_singletons_fixed', False))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_test_session_has_it_only_where_the_binding_needs_it():
    applied = getattr(sys, "_mnist_gui_singletons_fixed", False)  # by tests/conftest.py
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        assert not applied  # immortal None and True: nothing to fix
    elif not applied:
        assert not qt_fixes.binding_loses_references()
    assert qt_fixes.apply() == applied  # applying again changes nothing
