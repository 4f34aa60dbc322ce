"""The loss landscape's job: ``engine.landscape.compute_landscape`` for one or two runs, with progress and Cancel.

``landscape_job(subjects, images, labels, settings)`` gives a job function for ``TaskRunner.start``.
Each subject is (name, network, snapshots); the job computes on a *copy* of each network (the
engine moves the weights while it computes), so the runs' networks are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.landscape import Landscape, LandscapeSettings, compute_landscape
from mnist_gui.workers.worker import Worker


def landscape_job(subjects: Sequence[tuple[str, object, Sequence]], images, labels,
                  settings: LandscapeSettings) -> Callable[[Worker], list[tuple[str, Landscape]]]:
    """A job returning [(name, Landscape)] for each (name, network, snapshots) in ``subjects``.

    images, labels : the test set (read, never changed); snapshots : ``engine.replay.Snapshot``s of
    the run (its training path), possibly empty.
    """
    subjects = list(subjects)

    def job(worker: Worker) -> list[tuple[str, Landscape]]:
        results = []
        for k, (name, network, snapshots) in enumerate(subjects):
            def progress(done: int, total: int, k: int = k, name: str = name) -> None:
                worker.progress(k * total + done, len(subjects) * total, name)
            landscape = compute_landscape(network.copy(), images, labels, settings,
                                          [s.parameters() for s in snapshots],
                                          [s.step for s in snapshots],
                                          check=worker.check, progress=progress)
            results.append((name, landscape))
        return results
    return job
