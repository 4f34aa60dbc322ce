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
    """``"system"`` leaves the platform's palette; ``"light"`` and ``"dark"`` use Fusion colours."""
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {THEMES}, not {theme!r}")
    if theme == "system":
        return
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
