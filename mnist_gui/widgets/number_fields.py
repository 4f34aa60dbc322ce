"""Spin boxes for the builder: ones that give back exactly what they were set to, and a log-scale one."""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox

from mnist_gui.widgets.number_text import exact

STEPS_125 = (1.0, 2.0, 5.0)


class ExactSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox that returns the exact value it was given until the user changes it.

    A spin box rounds to its decimals, so 1/12 shown as "8.33 %" would read back as 0.0833 and a
    preset would no longer equal itself. ``scale`` converts the shown number to the value
    (100 for a fraction shown in percent).
    """

    def __init__(self, *, scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self._scale = scale
        self._exact: float | None = None
        self._shown: float | None = None

    def set_exact(self, value: float) -> None:
        self._exact = float(value)
        self.setValue(value * self._scale)
        self._shown = self.value()

    def exact_value(self) -> float:
        shown = self.value()
        if self._exact is not None and shown == self._shown:
            return self._exact
        return shown / self._scale


class LogSpinBox(ExactSpinBox):
    """A number from 1e-9 to 1e6 typed in any form (``0.001``, ``1e-3``); arrows step 1, 2, 5, 10, ...

    ``specialValueText`` (for example "default" or "off") stands for the minimum, 0.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.setDecimals(12)
        self.setRange(0.0, 1e6)
        self.setAccelerated(False)

    def textFromValue(self, value: float) -> str:
        return exact(value)  # 0.00004065, never 4.065e-05 (and never rounded: the value stays)

    def valueFromText(self, text: str) -> float:
        text = text.strip()
        if text == self.specialValueText():
            return self.minimum()
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if stripped and stripped == self.specialValueText():
            return QValidator.Acceptable, text, pos
        try:
            value = float(stripped)
        except ValueError:
            intermediate = all(c in "0123456789.eE+-" for c in stripped)
            return (QValidator.Intermediate if intermediate else QValidator.Invalid), text, pos
        ok = self.minimum() <= value <= self.maximum() and math.isfinite(value)
        return (QValidator.Acceptable if ok else QValidator.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = _next_125(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))

    def stepEnabled(self):
        return QDoubleSpinBox.StepUpEnabled | QDoubleSpinBox.StepDownEnabled


def _next_125(value: float, up: bool) -> float:
    """The next number of the 1-2-5 series above (or below) ``value``; below 1e-9 is 0."""
    if value <= 0:
        return 1e-6 if up else 0.0
    exponent = math.floor(math.log10(value))
    candidates = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in STEPS_125]
    if up:
        bigger = [c for c in candidates if c > value * (1 + 1e-9)]
        return float(f"{min(bigger):.12g}")
    smaller = [c for c in candidates if c < value * (1 - 1e-9)]
    result = float(f"{max(smaller):.12g}")
    return 0.0 if result < 1e-9 else result
