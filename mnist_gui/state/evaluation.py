"""The test-set evaluation of the current network: scored in a worker, only while someone watches.

``TestEvaluation(datasets, hub, job)`` follows the model hub's network and the dataset hub's dataset.
Scoring 10,000 test images for every epoch of a run would take CPU from the training, so it
evaluates only while a view watches it (``set_watched(True)``, the Evaluate panel on screen) and,
for the networks a run sends while it trains, at most a twentieth of the time: after an evaluation
of T seconds the next waits 19 T (a run's network chosen to look at, or a replayed moment of it, is
scored at once). Results
of a dataset that is no longer current are dropped.

``job(network, dataset, worker)`` is the work itself, ``workers.evaluation.evaluate_job``: it
also draws the first layer's weights as images, which a state object never imports (the
"State objects hold no widgets and draw nothing" contract), so whoever creates the state
hands it in.
"""

from __future__ import annotations

import time
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal

from mnist_gui.workers.worker import TaskRunner

BUSY_RATIO = 19  # after an evaluation of T seconds, the next waits 19 T: a twentieth of the time at most


class TestEvaluation(QObject):
    """The current network's answers on the test split (``evaluation``), and its weight mosaics.

    ``started(network, dataset)`` when an evaluation begins (network None: there is nothing to
    evaluate), ``evaluated(result)`` when its results are in (the job's result: its ``dataset``,
    ``network``, ``evaluation`` (engine ``Evaluation`` or None) and ``mosaics``), ``failed(message)`` if the
    job raised. ``busy`` and ``idle`` follow the job.
    """

    __test__ = False  # not a pytest class, despite its name

    started = Signal(object, object)  # engine Network or None, engine Dataset or None
    evaluated = Signal(object)        # workers.evaluation.EvaluateResult
    failed = Signal(str)
    busy = Signal()
    idle = Signal()

    def __init__(self, datasets, hub, job, parent: QObject | None = None):
        super().__init__(parent)
        self.datasets, self.hub, self._job = datasets, hub, job
        self._result = None
        self._stale = True       # the results are not those of the current network and dataset
        self._watched = False
        self._started_at = 0.0   # when the job under way (or the last one) started
        self._next_allowed = 0.0  # no new evaluation before this (time.monotonic())
        self.runner = TaskRunner(self, "evaluation")
        self._later = QTimer(self, singleShot=True)
        self._later.timeout.connect(self._refresh_if_stale)
        self.runner.succeeded.connect(self._on_evaluated)
        self.runner.failed.connect(self._on_failed)
        self.runner.busy.connect(self.busy)
        self.runner.idle.connect(self.idle)
        hub.network_changed.connect(self._on_changed)
        datasets.dataset_changed.connect(self._on_changed)
        hub.follow(self)  # the replay's Play waits for each network's scores

    @property
    def result(self):
        """The results of the current network and dataset, or None (none yet, or out of date)."""
        return self._result

    @property
    def evaluation(self):
        """The engine ``Evaluation`` of the current network on the test split, or None."""
        return None if self._result is None else self._result.evaluation

    def is_busy(self) -> bool:
        return self.runner.is_busy()

    def is_stale(self) -> bool:
        """True until the current network and dataset have been evaluated (or the job started)."""
        return self._stale

    def set_watched(self, watched: bool) -> None:
        """A view shows the results (True) or not any more; when it starts watching, results
        that are out of date are made at once."""
        self._watched = bool(watched)
        if not watched:
            self._later.stop()
        elif self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Evaluate the current network on the current dataset now (replacing a job under way)."""
        self._later.stop()
        self._stale = False
        self._started_at = time.monotonic()
        self._result = None
        network, dataset = self.hub.network, self.datasets.dataset
        self.started.emit(network, dataset)
        if network is None:
            self.runner.cancel()
            return
        self.runner.start(partial(_on_a_copy, self._job, network, dataset))

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self._later.stop()
        return self.runner.shutdown(timeout_ms)

    # --- reactions --------------------------------------------------------------------------

    def _on_changed(self, *_):
        self._stale = True
        self._result = None
        if not self._watched:
            return
        wait = self._next_allowed - time.monotonic()
        # the wait spares a run that trains; a network chosen to look at (a run's, a replayed
        # moment of one: hub.run) is scored at once, or scrubbing a replay would lag for seconds
        if wait <= 0 or self.runner.is_busy() or self.hub.run is not None:  # a job under way is replaced at once
            self.refresh()
        elif not self._later.isActive():
            self._later.start(int(1000 * wait) + 1)

    def _refresh_if_stale(self):
        if self._stale and self._watched:
            self.refresh()

    def _on_evaluated(self, result):
        # while networks keep coming (every epoch of a run), evaluating takes at most a twentieth
        # of the time: the training beside it keeps >= 90 % of its speed (bench_gui_training.py)
        took = time.monotonic() - self._started_at
        self._next_allowed = time.monotonic() + BUSY_RATIO * took
        if result.dataset is not self.datasets.dataset:
            return
        self._result = result
        self.evaluated.emit(result)

    def _on_failed(self, error):
        self.failed.emit(str(error) or type(error).__name__)


def _on_a_copy(job, network, dataset, worker):
    """``job`` on the worker's own copy of ``network``, made on the worker's thread: copying the
    weights on the GUI thread held it as each new network came (the hub's network is never
    modified, so reading it from another thread is safe)."""
    return job(network.copy(), dataset, worker)
