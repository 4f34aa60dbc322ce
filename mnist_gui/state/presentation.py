"""How big everything is drawn: the zoom of text, plots and markers, and presentation mode."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

STEP = 1.15          # one Ctrl+Plus
MIN_ZOOM, MAX_ZOOM = 0.7, 3.0
PRESENTING_ZOOM = 1.6  # readable from the back of a classroom on a 1080p projector


class Presentation(QObject):
    """``zoom`` (1.0 is the desktop size) and whether presentation mode is on; ``changed`` after either."""

    changed = Signal(float, bool)  # zoom, presenting

    def __init__(self, zoom: float = 1.0, presenting: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self._zoom, self._presenting = _clamp(zoom), bool(presenting)

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def presenting(self) -> bool:
        return self._presenting

    def set_zoom(self, zoom: float) -> None:
        zoom = _clamp(zoom)
        if zoom != self._zoom:
            self._zoom = zoom
            self.changed.emit(self._zoom, self._presenting)

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / STEP)

    def reset_zoom(self) -> None:
        """Back to the mode's own size: 1.0 on the desktop, PRESENTING_ZOOM when presenting."""
        self.set_zoom(PRESENTING_ZOOM if self._presenting else 1.0)

    def set_presenting(self, on: bool) -> None:
        if bool(on) == self._presenting:
            return
        self._presenting = bool(on)
        self._zoom = PRESENTING_ZOOM if on else 1.0
        self.changed.emit(self._zoom, self._presenting)


def _clamp(zoom: float) -> float:
    return round(min(MAX_ZOOM, max(MIN_ZOOM, float(zoom))), 3)
