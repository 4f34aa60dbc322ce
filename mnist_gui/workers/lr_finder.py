"""The learning-rate finder's job: the engine's range test on a fresh network, with progress and Cancel.

``lr_finder_job(spec, config, images, labels)`` gives a job function for ``TaskRunner.start``;
the engine (``engine.lr_finder.find_learning_rate``) does the test, this only relays.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.network import Network, NetworkSpec
from engine.training import TrainConfig
from mnist_gui.workers.worker import Worker


def lr_finder_job(spec: NetworkSpec, config: TrainConfig, images, labels) -> Callable[[Worker], object]:
    """A job that runs the range test on ``Network(spec)`` and returns its ``LRFinderResult``.

    images : (n, h, w) uint8 training images, labels : (n,); they are read, never changed.
    """
    def job(worker: Worker):
        from engine.lr_finder import find_learning_rate
        return find_learning_rate(Network(spec), config, images, labels, check=worker.check,
                                  progress=lambda done, total: worker.progress(done, total))
    return job
