"""Work-arounds for bugs in the Qt binding, applied by the entry points that use Qt: ``apply()``.

PySide6 6.12.0 loses references to ``None`` and ``True``: every call of a method that returns
nothing (``setText``, ``update``, ``QPainter.drawRect``...) drops one reference to ``None``, and
every ``Signal.emit`` one to ``True``. On Python 3.12 and later these objects are immortal and
nothing happens; on Python 3.11 the interpreter aborts after a few thousand calls
("Fatal Python error: none_dealloc" or "bool_dealloc"), that is within seconds of scrolling.

The fix is what Python 3.12 does: give these singletons so many references that they can never
reach zero. They are static objects that are never freed anyway, so nothing else changes. It is
applied only on CPython older than 3.12 with a binding measured to have the bug (6.12.0 is the
one seen; the probe decides, so a fixed 6.12.x is left alone and another broken one is caught).

Who applies it: ``mnist_gui.app.main`` (the ``mnist-gui`` command), ``tests/conftest.py`` (the
test session), and the benchmarks and screenshot script that build widgets themselves. Nothing is
applied by importing a module.

Upstream: no PYSIDE-nnnn report of this bug has been found. Searched (December 2026): GitHub
issues and pull requests, stored web pages and code for "none_dealloc", "bool_dealloc", "refcount",
"Py_None", shiboken and PySide 6.11/6.12, and the changelogs of PySide 6.10.0 to 6.12.0 (none
mentions it); bugreports.qt.io itself was not reachable. Two things found fit it: another project's
code records the same loss with PySide6 6.11.0 (aarch64 wheels: "every void Qt method decrefs
None/True/False; none_dealloc after 17-20 minutes") and tops the counts up from a timer; and
vllm-project/vllm#49950 describes the likely mechanism for any abi3 (stable-ABI) extension built
against 3.12+ headers, where None is immortal, and loaded by an older interpreter. PySide6's
wheels are abi3 (``QtCore.abi3.so``), and the bug shows only on 3.11. Whoever finds or files the
PYSIDE report should cite it here; the probe is the test that it is gone.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

HEADROOM = 1 << 40  # references added: about 35 years of a million lost references a second
_SINGLETONS = (None, True, False)


class _Probe(QObject):
    fired = Signal()


def binding_loses_references() -> bool:
    """True if PySide6 drops references to ``None`` (void calls) or ``True`` (``emit``)."""
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(8):
        probe.setObjectName("probe")
        probe.fired.emit()
    return (sys.getrefcount(None) - none_before <= -8) or (sys.getrefcount(True) - true_before <= -8)


def _add_references(obj, count: int):
    # ob_refcnt is the first field of every CPython object.
    ctypes.c_ssize_t.from_address(id(obj)).value += count


def apply() -> bool:
    """Apply the fix if needed; True if it was applied (now or before)."""
    if getattr(sys, "_mnist_gui_singletons_fixed", False):
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not binding_loses_references():
        return False
    for obj in _SINGLETONS:
        _add_references(obj, HEADROOM)
    sys._mnist_gui_singletons_fixed = True
    return True
