"""One package per panel: each renders state and sends intent; panels never import each other.

Every panel is a QWidget that takes the state it uses in its constructor and keeps the
``Panel`` protocol below, which is all the main window asks of it: the window adds panels,
shows them, and stops them (closing, or replacing one with ``add_panel``), and never reaches
into one's parts.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Panel(Protocol):
    """What the main window needs of every panel (besides being a QWidget)."""

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the panel's timers and the jobs it owns, and wait for their threads, ``timeout_ms``
        in all (0: do not wait). True if all ended. Jobs of shared state are the state's owner's."""
        ...
