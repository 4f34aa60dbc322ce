"""The loss landscape's job: ``engine.landscape.compute_landscape`` for one or two runs, with progress and Cancel.

``landscape_job(subjects, settings)`` gives a job function for ``TaskRunner.start``. Each subject
is (name, network, snapshots, test images, test labels); the job computes on a *copy* of each network (the
engine moves the weights while it computes), so the runs' networks are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from engine.landscape import Landscape, LandscapeSettings, compute_landscape
from mnist_gui.workers.worker import Worker


def landscape_job(subjects: Sequence[tuple], settings: LandscapeSettings
                  ) -> Callable[[Worker], list[tuple[str, Landscape]]]:
    """A job returning [(name, Landscape)] for each (name, network, snapshots, images, labels).

    snapshots : ``engine.replay.Snapshot``s of the run (its training path), possibly empty;
    images, labels : the test set as that network sees it (read, never changed).
    """
    subjects = list(subjects)

    def job(worker: Worker) -> list[tuple[str, Landscape]]:
        results = []
        for k, (name, network, snapshots, images, labels) in enumerate(subjects):
            def progress(done: int, total: int, k: int = k, name: str = name) -> None:
                worker.progress(k * total + done, len(subjects) * total, name)
            landscape = compute_landscape(network.copy(), images, labels, settings,
                                          [s.parameters() for s in snapshots],
                                          [s.step for s in snapshots],
                                          check=worker.check, progress=progress)
            results.append((name, landscape))
        return results
    return job
