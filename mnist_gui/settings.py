"""What the app remembers between runs (last dataset source, window geometry, the builder's open
sections), kept in QSettings."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize

ORGANIZATION = APPLICATION = "mnist-gui"
#: The smallest window worth restoring (the panels need about this much), or the screen if smaller.
MIN_WINDOW_SIZE = QSize(640, 400)
#: How much of a restored window's top edge (where its title bar is) must be on a screen.
ON_SCREEN = QSize(120, 30)


def usable_geometry(window: QRect, screens: Iterable[QRect], minimum: QSize = MIN_WINDOW_SIZE) -> bool:
    """Whether a restored window at ``window`` can be used: at least ``minimum`` (or the largest
    screen, if that is smaller) and its top edge, where it is grabbed, on one of ``screens`` (their
    available geometries). Garbage in the settings can restore a 1x1 window, or one off every screen.
    """
    screens = [s for s in screens if s.isValid()]
    if not screens or not window.isValid():
        return False
    width = min(minimum.width(), max(s.width() for s in screens))
    height = min(minimum.height(), max(s.height() for s in screens))
    if window.width() < width or window.height() < height:
        return False
    top = QRect(window.left(), window.top(), window.width(), ON_SCREEN.height())
    return any(s.intersected(top).width() >= min(ON_SCREEN.width(), window.width())
               and s.intersected(top).height() >= ON_SCREEN.height() for s in screens)


class AppSettings:
    """Typed access to a QSettings; tests pass their own QSettings (an INI file in a temp folder)."""

    def __init__(self, settings: QSettings | None = None):
        self._s = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)

    @property
    def qsettings(self) -> QSettings:
        return self._s

    def last_source(self) -> str:
        """A folder path, ``"offline"``, ``"remote:<key>"``, or ``""`` if none yet."""
        return str(self._s.value("data/last_source", "") or "")

    def set_last_source(self, source: str):
        self._s.setValue("data/last_source", source)
        self._s.sync()

    def geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QByteArray):
        self._s.setValue("window/geometry", geometry)
        self._s.sync()

    def presentation(self) -> tuple[float, bool]:
        """(zoom, presentation mode on) as last used; (1.0, False) the first time."""
        try:
            zoom = float(self._s.value("view/zoom", 1.0))
        except (TypeError, ValueError):
            zoom = 1.0
        return zoom, str(self._s.value("view/presenting", "false")).lower() == "true"

    def set_presentation(self, zoom: float, presenting: bool):
        self._s.setValue("view/zoom", float(zoom))
        self._s.setValue("view/presenting", "true" if presenting else "false")

    def panel(self) -> str:
        return str(self._s.value("window/panel", "") or "")

    def set_panel(self, key: str):
        self._s.setValue("window/panel", key)

    def section_open(self, key: str) -> bool:
        """Whether the builder's folding section ``key`` ("data") was open when last left; folded at first."""
        return str(self._s.value(f"builder/{key}_open", "false")).lower() == "true"

    def set_section_open(self, key: str, is_open: bool):
        self._s.setValue(f"builder/{key}_open", "true" if is_open else "false")
        self._s.sync()
