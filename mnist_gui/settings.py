"""What the app remembers between runs (last dataset source, window geometry), kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = APPLICATION = "mnist-gui"


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
