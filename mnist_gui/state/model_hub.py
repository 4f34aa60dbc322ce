"""The network the app is showing right now, shared by the training, draw and evaluate panels."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, Signal

from mnist_gui.state.runs import network_description


class ModelHub(QObject):
    """Holds the current network: the latest weights of a training run, or a model loaded from disk.

    The network held here is always a private copy (``Network.copy()``), made on the thread that
    trained it and never touched by that thread again, so any panel may read it on the GUI thread.
    Panels never modify it.

    A model file read in a job (Load model) is announced here too, for the status bar: the panel
    that reads it calls ``set_loading`` and ``report_loading``, and stops when ``cancel_requested``
    fires (``cancel_loading``, the status bar's Cancel).

    The views that work on every network shown (Evaluate's test-set scoring, in a job) ``follow``
    it: ``is_settled()`` is True once none is busy, and ``settled`` says when the last one is done,
    so the replay's Play moves on only once they have shown the network it put here.
    """

    network_changed = Signal(object)  # engine.network.Network, or None when there is none
    loading_progressed = Signal(int, int, str)  # done, total (-1 if unknown), text
    loading_changed = Signal(bool)  # True while a model file is being read
    cancel_requested = Signal()     # stop reading it
    settled = Signal()              # no follower works on the network shown any more

    def __init__(self, parent=None):
        super().__init__(parent)
        self._network = None
        self._description = ""
        self._run = None
        self._snapshot = None
        self._loading = False
        self._followers: list = []

    @property
    def network(self):
        """The current network (an engine ``Network``) or None."""
        return self._network

    @property
    def description(self) -> str:
        """Where the network comes from, for labels: "the network after epoch 3 of 10", "model.npz"."""
        return self._description

    @property
    def run(self):
        """The run (a ``state.runs.RunRecord``) whose final network this is, or None (a network
        during training, a model loaded from disk)."""
        return self._run

    @property
    def snapshot(self):
        """The ``engine.replay.Snapshot`` of ``run`` the network is (a replayed moment of its
        training), or None for the run's final network or a network of no run."""
        return self._snapshot

    def set_network(self, network, description: str = "", run=None, snapshot=None) -> None:
        """Show ``network`` (a copy nobody else modifies) everywhere; None clears it.
        ``run``: the RunRecord it is the final network of, if it is one; ``snapshot``: the
        Snapshot of ``run`` it was made from when it is a replayed earlier moment of that run."""
        self._network = network
        self._description = description if network is not None else ""
        self._run = run if network is not None else None
        self._snapshot = snapshot if self._run is not None else None
        self.network_changed.emit(network)

    def show_run(self, run) -> bool:
        """Show the final network of an ended ``run`` (a RunRecord). A run in progress or without
        a network (diverged, or stopped before its first epoch) changes nothing: False."""
        if run.status.active or run.network is None:
            return False
        if self._network is not run.network:
            self.set_network(run.network, network_description(run), run)
        return True

    def follow(self, follower) -> None:
        """Count ``follower`` among the views that work on each network shown: it has
        ``is_busy()`` and an ``idle`` signal (a ``TestEvaluation``, which follows the hub)."""
        self._followers.append(follower)
        follower.idle.connect(self._on_follower_idle)
        follower.destroyed.connect(partial(self._forget, follower))

    def _forget(self, follower, *_) -> None:
        """A follower deleted (its view closed) is no longer asked."""
        self._followers = [f for f in self._followers if f is not follower]

    def is_settled(self) -> bool:
        """True while no follower is busy with the network shown."""
        return not any(f.is_busy() for f in self._followers)

    def _on_follower_idle(self) -> None:
        if self.is_settled():
            self.settled.emit()

    @property
    def loading(self) -> bool:
        """A model file is being read (in a job) to be shown here."""
        return self._loading

    def set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def report_loading(self, done: int, total: int, text: str) -> None:
        self.loading_progressed.emit(done, total, text)

    def cancel_loading(self) -> None:
        """Ask the reader of the model file to stop (nothing happens when none is read)."""
        if self._loading:
            self.cancel_requested.emit()
