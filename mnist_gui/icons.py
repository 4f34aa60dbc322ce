"""Icons from the SVG files in ``mnist_gui.resources``, tinted to the palette's text colour."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256)


def resource_text(name: str) -> str:
    """The text of a resource file, from the installed package or the source tree."""
    try:
        from importlib.resources import files
        return files("mnist_gui.resources").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # a checkout that is not (or not the one) installed
        return (Path(__file__).resolve().parent.parent / "resources" / name).read_text("utf-8")


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """The icon ``resources/<name>.svg``; ``currentColor`` in the SVG becomes ``color``."""
    color_name = QColor(color).name() if color is not None else "#000000"
    return QIcon(_icon(name, color_name))


def app_icon() -> QIcon:
    return icon("app")


@lru_cache(maxsize=64)
def _icon(name: str, color_name: str) -> QIcon:
    svg = resource_text(f"{name}.svg").replace("currentColor", color_name)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result
