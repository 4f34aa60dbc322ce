"""Light and dark palettes for ``--theme``; by default the app follows the system's colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

_DARK = {
    QPalette.Window: "#2b2d31", QPalette.WindowText: "#e8e8e8", QPalette.Base: "#1e1f22",
    QPalette.AlternateBase: "#34363b", QPalette.ToolTipBase: "#3c3f45",
    QPalette.ToolTipText: "#f0f0f0", QPalette.Text: "#e8e8e8", QPalette.Button: "#3a3c41",
    QPalette.ButtonText: "#e8e8e8", QPalette.BrightText: "#ff6b6b", QPalette.Link: "#7cb7ff",
    QPalette.Highlight: "#3d7fd6", QPalette.HighlightedText: "#ffffff",
    QPalette.PlaceholderText: "#a0a4ab", QPalette.Mid: "#5a5d63", QPalette.Dark: "#18191b",
    QPalette.Light: "#4a4d52", QPalette.Midlight: "#404348", QPalette.Shadow: "#000000",
}
_DISABLED_TEXT = "#7a7d83"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor(_DISABLED_TEXT))
    return palette


def apply_theme(app: QApplication, theme: str):
    """``"system"`` keeps the platform's palette; ``"light"`` and ``"dark"`` use Fusion colours.

    Either way, hint text is made readable: at least WCAG AA contrast (4.5:1) on the window.
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, not {theme!r}")
    if theme != "system":
        app.setStyle("Fusion")
    palette = app.palette() if theme == "system" else (
        dark_palette() if theme == "dark" else app.style().standardPalette())
    app.setPalette(readable_hints(palette))


MIN_CONTRAST = 4.5  # WCAG AA for normal text


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, 1 (same) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def readable_hints(palette: QPalette) -> QPalette:
    """The palette with its hint colour (PlaceholderText) moved towards the text colour until it
    reads at MIN_CONTRAST on both the window and the base (entry fields) backgrounds."""
    hint, text = palette.color(QPalette.PlaceholderText), palette.color(QPalette.WindowText)
    backgrounds = (palette.color(QPalette.Window), palette.color(QPalette.Base))
    for step in range(11):
        t = step / 10
        mixed = QColor.fromRgbF(hint.redF() + (text.redF() - hint.redF()) * t,
                                hint.greenF() + (text.greenF() - hint.greenF()) * t,
                                hint.blueF() + (text.blueF() - hint.blueF()) * t)
        if min(contrast(mixed, bg) for bg in backgrounds) >= MIN_CONTRAST:
            break
    palette.setColor(QPalette.PlaceholderText, mixed)
    return palette
