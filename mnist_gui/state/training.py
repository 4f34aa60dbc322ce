"""The training session: starts, pauses, steps and stops runs on the one worker; keeps the runs model.

``TrainingSession(runs, hub)`` is the state machine of training. The panel sends it intent
(``start``, ``pause``, ``resume``, ``step_epoch``, ``stop``) and renders what it announces. The
job's reports arrive here on the GUI thread, which alone updates the runs model and the model hub.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal, Slot

from engine.experiments import Configuration, sized, unrunnable
from engine.training import TimePoint
from mnist_gui.state.runs import RunRecord, RunsModel, RunState
from mnist_gui.workers.training import (
    BatchProgress,
    DynamicsReport,
    EpochReport,
    ExperimentJob,
    NextRun,
    RunFailed,
    RunReport,
    TrainingJob,
)
from mnist_gui.workers.worker import TaskRunner

IDLE = "idle"  # the session's state when no run is in progress


class TrainingSession(QObject):
    """At most one run in progress; every run is kept in ``runs``.

    ``state`` is "idle" or the active run's state ("running", "stepping", "paused", "stopping").
    """

    progressed = Signal(object)   # BatchProgress
    epoch_ended = Signal(object)  # engine.training.EpochEnd
    held = Signal(int)            # the run holds (paused) after this many steps
    run_ended = Signal(object)    # engine.training.RunEnd
    failed = Signal(str)          # the run could not start or crashed: a message for people
    state_changed = Signal(str)
    run_finished = Signal(object)  # the RunRecord of a run that just ended (any reason)
    experiment_progressed = Signal(int, int, str)  # run number (1-based), runs in all, its label
    experiment_finished = Signal(str, object)      # the experiment's name, its RunRecords in order

    def __init__(self, runs: RunsModel, hub, parent: QObject | None = None):
        super().__init__(parent)
        self.runs, self.hub = runs, hub
        self.runner = TaskRunner(self, "training")
        self._job: TrainingJob | ExperimentJob | None = None
        self._run: RunRecord | None = None
        self._last_step = 0
        self._experiment: tuple[str, list[RunRecord]] | None = None  # its name and runs so far
        self._dataset_name = ""
        self.runner.partial.connect(self._on_report)
        self.runner.held.connect(self._on_held)
        self.runner.failed.connect(self._on_failed)
        self.runner.succeeded.connect(self._on_job_done)

    @property
    def state(self) -> str:
        if self._run is None:
            return IDLE if self._experiment is None else str(RunState.RUNNING)  # between two runs
        return str(self._run.status)

    @property
    def experiment(self) -> str:
        """The name of the experiment under way ("" if none)."""
        return "" if self._experiment is None else self._experiment[0]

    @property
    def current_run(self) -> RunRecord | None:
        """The run in progress (None when idle)."""
        return self._run

    def is_busy(self) -> bool:
        return self._job is not None

    # --- intent -----------------------------------------------------------------------------

    def start(self, name: str, spec, config, dataset, *, step: bool = False,
              interval: float | None = None) -> RunRecord:
        """Train a new network; ``step``: hold after the first epoch. ``name`` may use ``{n}``."""
        if self._run is not None:
            raise RuntimeError("a run is already going on; stop it first")
        run = self.runs.new_run(name, spec, config, dataset.name)
        extra = {} if interval is None else {"interval": interval}
        self._job = TrainingJob(Configuration(run.name, spec, config), dataset, pause_after_epoch=step, **extra)
        self._run, self._last_step = run, 0
        self.runner.start(self._job)
        self._set(RunState.STEPPING if step else RunState.RUNNING)
        return run

    def start_experiment(self, name: str, configurations, dataset) -> list[tuple[str, str]]:
        """Queue every configuration (engine ``experiments.Configuration``) as one run each, its
        network sized for ``dataset``. Returns (label, why) of the runs that cannot be trained (they
        are checked before any training: each of them will end as failed, the others run)."""
        if self._job is not None:
            raise RuntimeError("a run is already going on; stop it first")
        if not configurations:
            raise ValueError("the experiment has no run to make")
        configurations = [_sized(c, dataset) for c in configurations]
        problems = unrunnable(configurations, dataset)
        self._experiment, self._dataset_name = (name, []), dataset.name
        self._job = ExperimentJob(name, configurations, dataset)
        self.runner.start(self._job)
        self.state_changed.emit(self.state)
        return problems

    def pause(self) -> None:
        """Hold the run after the current batch (not between two runs of an experiment: no run to hold)."""
        if self._run is not None and self.state in (RunState.RUNNING, RunState.STEPPING):
            self.runner.pause()
            self._set(RunState.PAUSED)

    def resume(self) -> None:
        if self.state == RunState.PAUSED:
            self.runner.resume()
            self._set(RunState.RUNNING)

    def step_epoch(self) -> None:
        """Train to the end of the current epoch, then hold (only with a run in progress)."""
        if self._job is not None and self._run is not None and self.state in (RunState.RUNNING, RunState.PAUSED):
            self._job.step_epoch()
            self.runner.resume()
            self._set(RunState.STEPPING)

    def stop(self) -> None:
        """End the run after the current batch; ``run_ended`` follows."""
        if self._job is not None and self.state != RunState.STOPPING:
            self._job.stop()
            self.runner.resume()
            if self._run is not None:
                self._set(RunState.STOPPING)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Abandon the run (closing the app) and wait for its thread. True if it ended in time."""
        if self._job is not None:
            self._job.stop()
        return self.runner.shutdown(timeout_ms)

    # --- reports (GUI thread) ---------------------------------------------------------------

    def _set(self, state: RunState) -> None:
        """The run in progress takes ``state`` (callers check there is one)."""
        assert self._run is not None
        self.runs.set_state(self._run, state)
        self.state_changed.emit(self.state)

    @Slot(object)
    def _on_report(self, report):
        if isinstance(report, NextRun):
            self._on_next_run(report)
            return
        run = self._run
        if run is None:
            return
        if isinstance(report, RunFailed):
            self._run_failed(run, report.message)
            return
        if isinstance(report, BatchProgress):
            self._last_step = report.step
            self.runs.add_batches(run, report.x, report.loss)
            self.progressed.emit(report)
        elif isinstance(report, TimePoint):
            self.runs.add_point(run, report)
        elif isinstance(report, DynamicsReport):
            self.runs.add_dynamics(run, report.step, report.x, report.statistics)
        elif isinstance(report, EpochReport):
            e = report.event
            self.runs.add_epoch(run, e, report.network)
            self.hub.set_network(report.network, f"{run.name}, after epoch {e.epoch} of {e.epochs}")
            self.epoch_ended.emit(e)
        elif isinstance(report, RunReport):
            self._end(run, report)

    def _on_next_run(self, report: NextRun):
        c = report.configuration
        name = f"{report.group} · {c.label}".replace("{", "{{").replace("}", "}}")  # new_run fills {n}
        run = self.runs.new_run(name, c.spec, c.config, self._dataset_name,
                                c.time_limit, report.group)
        if self._experiment is not None:
            self._experiment[1].append(run)
        self._run, self._last_step = run, 0
        self._set(RunState.RUNNING)
        self.experiment_progressed.emit(report.index + 1, report.count, c.label)

    def _end(self, run: RunRecord, report: RunReport):
        end = report.end
        self._run = None
        if self._experiment is None:
            self._job = None
        self.runs.finish(run, end, report.network, report.snapshots)
        if report.network is not None:
            done, total = end.epochs_completed, run.config.epochs
            what = (f"{run.name}, trained {done} epoch{'s' * (done != 1)}" if end.reason == "completed"
                    else f"{run.name}, stopped after epoch {done} of {total}")
            self.hub.set_network(report.network, what, run)
        self.state_changed.emit(self.state)  # idle, or running on between two runs of an experiment
        self.run_ended.emit(end)
        self.run_finished.emit(run)

    def _run_failed(self, run: RunRecord, message: str) -> None:
        """The current run could not be trained; an experiment goes on with its next run."""
        self._run = None
        if self._experiment is None:
            self._job = None
        self.runs.set_state(run, RunState.FAILED, message)
        self.state_changed.emit(self.state)
        self.run_finished.emit(run)

    @Slot()
    def _on_held(self):
        if self._run is not None:
            if self.state == RunState.STEPPING:
                self._set(RunState.PAUSED)
            self.held.emit(self._last_step)

    @Slot(object)
    def _on_failed(self, error):
        run = self._run
        self._run = self._job = None
        message = str(error) or type(error).__name__
        if run is not None:  # marked failed before the experiment's end is announced with it
            self.runs.set_state(run, RunState.FAILED, message)
            self.state_changed.emit(IDLE)
            self.run_finished.emit(run)
        self._end_experiment()
        self.failed.emit(message)

    @Slot(object)
    def _on_job_done(self, _result):
        if self._run is not None:  # the job ended without a RunReport: it cannot, but say so
            self._on_failed(RuntimeError("the training job ended without reporting its end"))
            return
        self._job = None
        self._end_experiment()
        self.state_changed.emit(IDLE)

    def _end_experiment(self):
        if self._experiment is not None:
            name, runs = self._experiment
            self._experiment = None
            self.runs.add_results(name, runs)  # its results table, kept in the session
            self.experiment_finished.emit(name, runs)


def _sized(configuration, dataset):
    """The configuration with its network sized for ``dataset``, or as it is if its layers cannot
    take the dataset's images (``unrunnable`` says why and that run fails alone)."""
    try:
        return replace(configuration, spec=sized(configuration.spec, dataset))
    except ValueError:
        return configuration
