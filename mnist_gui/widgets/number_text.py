"""Numbers in the app's texts, written as a class reads them: 0.00004, not 4.065e-05.

``readable(x)`` rounds to a few significant digits in plain decimals (at most ``MAX_DECIMALS``
places, "× 10⁻⁷" only below that); ``signed(x)`` is the same with its sign always written
(a term of a formula: "+0.1235", "−0.00123", never "−0"); ``rounded(x)`` is the number
``readable`` writes; ``exact(x)`` writes a value whole, still without an exponent
(a learning rate in its field, where rounding would change it).
"""

from __future__ import annotations

import math

import numpy as np

MAX_DECIMALS = 5  # 0.00001 is still read out; smaller numbers get a power of ten
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def readable(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits in plain decimals, trailing zeros dropped.

    4.065e-05 -> "0.00004", 0.8581 -> "0.858", 2.302585 -> "2.3", 55000 -> "55,000",
    0 -> "0", 3.2e-07 -> "3.2 × 10⁻⁷", nan -> "not a number".
    """
    if not math.isfinite(value):
        return "not a number" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    if round(value, MAX_DECIMALS) == 0:  # smaller than the decimals a class reads
        mantissa = f"{value / 10.0 ** magnitude:.{digits}g}"
        return f"{mantissa} × 10{str(magnitude).translate(SUPERSCRIPT)}"
    text = f"{value:,.{min(decimals, MAX_DECIMALS)}f}"
    return _trim(text)


def signed(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits with its sign, "+" or "−" (the minus sign), in plain
    decimals; a zero, even a negative one, is "0" (no sign to read into it).

    0.12345 -> "+0.1235", -0.0012346 -> "−0.001235", -0.0 -> "0", 12345.6 -> "+12,350",
    -3.2e-07 -> "−3.2 × 10⁻⁷" (below the decimals a class reads, as ``readable`` writes it).
    """
    if not math.isfinite(value) or value == 0:
        return readable(value, digits)
    size = abs(float(value))
    if round(size, MAX_DECIMALS) == 0:
        text = readable(size, digits)
    else:
        whole = np.format_float_positional(size, precision=digits, unique=False, fractional=False, trim="-")
        units, _, decimals = whole.partition(".")
        text = f"{int(units):,}" + (f".{decimals}" if decimals else "")
    return ("+" if value > 0 else "−") + text


def rounded(value: float, digits: int = 3) -> float:
    """The number ``readable(value, digits)`` writes: a suggestion that is the very number said."""
    text = readable(value, digits)
    if "×" in text or not math.isfinite(value):
        return float(f"{value:.{digits}g}")
    return float(text.replace(",", ""))


def exact(value: float) -> str:
    """``value`` whole, in plain decimals: 4.065e-05 -> "0.00004065", 0.1 -> "0.1", 1e6 -> "1000000"."""
    return np.format_float_positional(float(value), trim="-")


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
