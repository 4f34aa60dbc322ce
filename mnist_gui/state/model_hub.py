"""The network the app is showing right now, shared by the training, draw and evaluate panels."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ModelHub(QObject):
    """Holds the current network: the latest weights of a training run, or a model loaded from disk.

    The network held here is always a private copy (``Network.copy()``), made on the thread that
    trained it and never touched by that thread again, so any panel may read it on the GUI thread.
    Panels never modify it.
    """

    network_changed = Signal(object)  # engine.network.Network, or None when there is none

    def __init__(self, parent=None):
        super().__init__(parent)
        self._network = None
        self._description = ""

    @property
    def network(self):
        """The current network (an engine ``Network``) or None."""
        return self._network

    @property
    def description(self) -> str:
        """Where the network comes from, for labels: "the network after epoch 3 of 10", "model.npz"."""
        return self._description

    def set_network(self, network, description: str = "") -> None:
        """Show ``network`` (a copy nobody else modifies) everywhere; None clears it."""
        self._network = network
        self._description = description if network is not None else ""
        self.network_changed.emit(network)
