"""Experiments: one or two settings varied over lists of values, a run per combination, in order.

An ``Experiment`` is a base network and training config, and one or two ``Axis``es, each a setting
and its values; ``configurations()`` is the grid (the first axis varies slowest), each labelled for
people (``"3 layers · sigmoid"``). ``run_experiment`` trains them one after another and returns a
``RunData`` per run, ready for a session file. The built-in ``EXPERIMENTS`` are the classic lessons.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .classes import ALL, as_network_sees, baseline_on_classes, check_classes, describe, parse_choice, with_classes
from .files.archive import read_text_file
from .files.json_fields import check_keys, is_int, is_number, train_config_from_dict
from .files.session_file import RunData
from .layers import ACTIVATIONS
from .memory import check_training_fits
from .network import MAX_UNITS, HiddenLayer, Network, NetworkSpec
from .optimisers import OPTIMISERS
from .presets import PRESETS
from .replay import Recorder, Snapshot
from .training import BatchEnd, EpochEnd, RunEnd, TimePoint, TrainConfig, Trainer, evaluate

FORMAT = "mnist-gui experiment"
VERSION = 1
MAX_RUNS = 60
MAX_DEPTH = 20
POINTS_PER_EPOCH = 100  # batch-loss points kept per epoch: batches are averaged in groups
DEFAULT_UNITS = 100  # the width of the layers a depth setting adds to a network without any
MAX_DESIGN_BYTES = 1 << 20  # a design file is a few hundred bytes; the app and mnist-train read this much
MAX_SHIFT = 8  # pixels: the largest shift a shift test may ask for
POINT_SECONDS = 1.0  # seconds of training between two time points (``TimePoint``)
POINT_IMAGES = 500  # validation images a time point is measured on: LeNet takes about 0.1 s

#: What an axis may vary.
SETTINGS = frozenset({"depth_activation", "depth", "activation", "lr", "batch_size", "init", "optimiser",
                      "hidden_units", "train_size", "epochs", "network", "classes"})

#: Each setting for people, and the form of its values.
SETTING_TITLES = {
    "depth": "Hidden layers (a number)",
    "activation": "Activation function (a name)",
    "depth_activation": "Hidden layers and activation ([number, name] pairs)",
    "hidden_units": "Units per hidden layer (a number for every layer, or a list: one per layer)",
    "lr": "Learning rate (a number)",
    "batch_size": "Batch size (a number, or null for the full batch)",
    "init": "Initialiser (a name, or [name, scale > 0])",
    "optimiser": "Optimiser (a name)",
    "train_size": "Training images (a number)",
    "epochs": "Epochs (a number)",
    "network": "Network (a preset's name: its layers, initialiser and input scaling)",
    "classes": 'Classes (a list of 2 or more classes, such as [3, 7], or "all")',
}

# Changes to the network are made in this order whatever the order of the axes, so that "depth"
# then "activation" and "activation" then "depth" give the same network.
ORDER = ("network", "depth", "depth_activation", "hidden_units", "activation")


@dataclass(frozen=True)
class Axis:
    """One setting and the values it takes, in order (JSON lists become tuples)."""

    setting: str
    values: tuple

    def __post_init__(self):
        if self.setting not in SETTINGS:
            raise ValueError(f"unknown setting {self.setting!r:.40}; an experiment can vary "
                             f"{', '.join(sorted(SETTINGS))}")
        if isinstance(self.values, (str, bytes, dict)) or not hasattr(self.values, "__iter__"):
            raise ValueError(f"{self.setting}: the values must be a list, got {self.values!r:.40}")
        values = tuple(_normalise(self.setting, v) for v in self.values)
        if not values:
            raise ValueError(f"{self.setting}: give at least one value")
        object.__setattr__(self, "values", values)


@dataclass(frozen=True)
class Configuration:
    """One run of an experiment: its label, network, training, training-set size and time limit."""

    label: str
    spec: NetworkSpec
    config: TrainConfig
    train_size: int | None = None
    time_limit: float | None = None


@dataclass(frozen=True)
class Experiment:
    """A base network and training config with one or two settings varied over lists of values.

    time_limit : seconds of training per run ("at equal time"); None trains the config's epochs.
        With a limit, a run also ends after its epochs, so give enough of them.
    train_size : train on this many images of the training set (seeded), None on all of them.
    shift_test : after training, test every run on the test digits shifted by 0 to this many pixels
        (``engine.translation.accuracy_by_shift``); 0 for no such test.
    """

    name: str
    description: str
    spec: NetworkSpec
    config: TrainConfig
    axes: tuple[Axis, ...]
    time_limit: float | None = None
    train_size: int | None = None
    shift_test: int = 0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("an experiment needs a name")
        if not isinstance(self.description, str):
            raise ValueError("the description must be text")
        object.__setattr__(self, "axes", tuple(self.axes))
        if not 1 <= len(self.axes) <= 2 or not all(isinstance(a, Axis) for a in self.axes):
            raise ValueError(f"an experiment varies one or two settings, got {len(self.axes)}")
        if len(self.axes) == 2 and self.axes[0].setting == self.axes[1].setting:
            raise ValueError(f"the two axes both vary {self.axes[0].setting}")
        limit = self.time_limit
        if limit is not None and not (is_number(limit) and math.isfinite(limit) and limit > 0):
            raise ValueError(f"the time limit must be a number of seconds > 0, got {limit!r:.40}")
        if self.train_size is not None:
            _normalise("train_size", self.train_size)
        if not is_int(self.shift_test) or not 0 <= self.shift_test <= MAX_SHIFT:
            raise ValueError(f"the shift test goes up to 0 to {MAX_SHIFT} pixels, got {self.shift_test!r:.40}")
        runs = math.prod(len(a.values) for a in self.axes)
        if runs > MAX_RUNS:
            raise ValueError(f"{self.name}: {runs} runs is too many; an experiment has at most {MAX_RUNS}")
        self.configurations()  # every combination must make a valid network and config

    def configurations(self) -> list[Configuration]:
        """The runs of the grid in order: the first axis varies slowest."""
        return [self._configuration(combo)
                for combo in itertools.product(*(a.values for a in self.axes))]

    def _configuration(self, combo) -> Configuration:
        settings = dict(zip((a.setting for a in self.axes), combo))
        label = " · ".join(_label(a.setting, v) for a, v in zip(self.axes, combo))
        spec, changes = self.spec, dict[str, Any]()
        try:
            for setting in sorted(settings, key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER)):
                spec, changes = _apply(setting, settings[setting], spec, changes)
            config = replace(self.config, **changes)
        except ValueError as err:
            raise ValueError(f"{label}: {err}") from None
        return Configuration(label, spec, config, settings.get("train_size", self.train_size), self.time_limit)

    @property
    def runs(self) -> int:
        return math.prod(len(a.values) for a in self.axes)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "version": VERSION, "name": self.name, "description": self.description,
            "network": self.spec.to_dict(), "training": self.config.to_dict(),
            "axes": [{"setting": a.setting, "values": [_json_value(v) for v in a.values]} for a in self.axes],
            "time_limit": self.time_limit, "train_size": self.train_size,
            **({"shift_test": self.shift_test} if self.shift_test else {})}, indent=1)

    @classmethod
    def read(cls, path) -> Experiment:
        """The experiment in the design file ``path`` (a regular file of at most
        :data:`MAX_DESIGN_BYTES` of UTF-8 JSON), for the app and ``mnist-train`` alike; ValueError
        (not naming the file) for a bad one, OSError if it cannot be read."""
        return cls.from_json(read_text_file(path, MAX_DESIGN_BYTES))

    @classmethod
    def from_json(cls, text: str) -> Experiment:
        """The experiment ``to_json`` wrote; ValueError with a message for anything else."""
        try:
            d = json.loads(text)
        except (ValueError, RecursionError) as err:
            raise ValueError(f"not valid JSON: {str(err)[:200]}") from None
        keys = {"format", "version", "name", "description", "network", "training", "axes", "time_limit",
                "train_size", "shift_test"}
        check_keys(d, keys, "the experiment", required={"name", "network", "training", "axes"})
        if d.get("format", FORMAT) != FORMAT or d.get("version", VERSION) != VERSION:
            raise ValueError(f"not an experiment of this version of mnist-gui (format {d.get('format')!r:.40}, "
                             f"version {d.get('version')!r:.20})")
        axes = d["axes"]
        if not isinstance(axes, list) or not 1 <= len(axes) <= 2:
            raise ValueError(f"an experiment varies one or two settings (axes), got {axes!r:.60}")
        for axis in axes:
            check_keys(axis, {"setting", "values"}, "an axis", required={"setting", "values"})
        return cls(d["name"], d.get("description", ""), NetworkSpec.from_dict(d["network"]),
                   train_config_from_dict(d["training"]),
                   tuple(Axis(a["setting"], a["values"]) for a in axes),
                   d.get("time_limit"), d.get("train_size"), d.get("shift_test", 0))


# --- settings: checked, applied, labelled -------------------------------------------------------

def _normalise(setting: str, v):
    """The value in its canonical form (tuples for pairs); ValueError if it cannot be one."""
    if setting in ("depth", "hidden_units", "train_size", "epochs") and is_int(v):
        limits = {"depth": (0, MAX_DEPTH), "hidden_units": (1, MAX_UNITS), "train_size": (1, 10**8),
                  "epochs": (1, 100_000)}[setting]
        if limits[0] <= v <= limits[1]:
            return v
    elif setting == "hidden_units" and isinstance(v, (list, tuple)) and len(v) <= MAX_DEPTH:
        return tuple(_normalise("hidden_units", u) for u in v)
    elif setting == "activation" and v in ACTIVATIONS:
        return v
    elif setting == "depth_activation" and isinstance(v, (list, tuple)) and len(v) == 2:
        return _normalise("depth", v[0]), _normalise("activation", v[1])
    elif ((setting == "optimiser" and v in OPTIMISERS)
          or (setting == "network" and isinstance(v, str) and v in PRESETS)
          or (setting == "lr" and is_number(v) and math.isfinite(v) and v > 0)
          or (setting == "batch_size" and (v is None or (is_int(v) and v >= 1)))):
        return v
    elif setting == "classes":
        return _classes_value(v)
    elif setting == "init" and isinstance(v, str):
        return v  # the network checks the name
    elif (setting == "init" and isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[0], str)
          and is_number(v[1]) and math.isfinite(v[1]) and v[1] > 0):
        return v[0], v[1]
    raise ValueError(f"{setting_name(setting)}: {v!r:.40} is not a valid value; {_valid(setting)}")


def _classes_value(v) -> tuple[int, ...]:
    """A choice of classes: [3, 7] or "3 7" -> (3, 7); "all", [] or null -> () (every class).
    Checked against ten classes; a dataset with fewer refuses the run before it starts."""
    if v is None or (isinstance(v, (list, tuple)) and not v):
        return ()
    try:
        if isinstance(v, str):
            return parse_choice(v)
        if isinstance(v, (list, tuple)):
            return check_classes(v, 10)
    except ValueError:
        pass
    raise ValueError(f"{setting_name('classes')}: {v!r:.40} is not a valid value; {_valid('classes')}")


def setting_name(setting: str) -> str:
    """The words the designer shows for a setting: ``"Training images"`` for ``train_size``."""
    return SETTING_TITLES[setting].split(" (")[0]


def _valid(setting: str) -> str:
    """What a valid value of ``setting`` is, for people."""
    return {
        "depth": f"give a whole number of hidden layers from 0 to {MAX_DEPTH}",
        "hidden_units": f"give a number of units from 1 to {MAX_UNITS:,}, or a list of them (one per layer)",
        "activation": f"give one of {', '.join(ACTIVATIONS)}",
        "depth_activation": f'give [layers, activation] pairs such as [2, "relu"]: layers 0 to {MAX_DEPTH}, '
                            f"an activation one of {', '.join(ACTIVATIONS)}",
        "lr": "give a number above 0, such as 0.01",
        "batch_size": "give a whole number of images from 1 up, or null for the full batch",
        "init": "give an initialiser's name, or [name, scale] with a scale above 0",
        "optimiser": f"give one of {', '.join(OPTIMISERS)}",
        "train_size": "give a whole number of images from 1 to 100,000,000",
        "epochs": "give a whole number from 1 to 100,000",
        "network": f"give a preset's name, one of {', '.join(PRESETS)}",
        "classes": f'give 2 to 10 different classes 0 to 9 (such as [3, 7], or "3 7" in the app), or "{ALL}"',
    }[setting]


def _apply(setting, v, spec: NetworkSpec, changes: dict) -> tuple[NetworkSpec, dict]:
    """(spec, training changes) with ``setting`` set to ``v``."""
    first = spec.hidden[0] if spec.hidden else HiddenLayer(DEFAULT_UNITS, "relu")
    if setting == "network":
        chosen = PRESETS[v].network
        spec = replace(spec, features=chosen.features, hidden=chosen.hidden, init=chosen.init,
                       init_scale=chosen.init_scale, input_scaling=chosen.input_scaling)
    elif setting == "depth":
        spec = replace(spec, hidden=(first,) * v)
    elif setting == "depth_activation":
        spec = replace(spec, hidden=(HiddenLayer(first.units, v[1]),) * v[0])
    elif setting == "hidden_units":
        units = (v,) * max(1, len(spec.hidden)) if isinstance(v, int) else v
        spec = replace(spec, hidden=tuple(replace(first, units=u) for u in units))
    elif setting == "activation":
        spec = replace(spec, hidden=tuple(replace(h, activation=v) for h in spec.hidden))
    elif setting == "init":
        name, scale = (v, None) if isinstance(v, str) else v
        spec = replace(spec, init=name, init_scale=scale)
    elif setting == "classes":
        spec = with_classes(spec, v or None)
    elif setting != "train_size":  # lr, batch_size, optimiser, epochs: training settings
        changes = {**changes, setting: v}
    return spec, changes


def _label(setting, v) -> str:
    if setting == "depth":
        return "no hidden layer" if v == 0 else f"{v} layer{'s' * (v != 1)}"
    if setting == "depth_activation":
        return f"{_label('depth', v[0])} · {v[1]}"
    if setting == "hidden_units":
        return f"{v} units" if isinstance(v, int) else "units " + "-".join(map(str, v))
    if setting == "batch_size":
        return "full batch" if v is None else f"batch {v}"
    if setting == "init":
        return f"init {v}" if isinstance(v, str) else f"init {v[0]} ({v[1]:g})"
    if setting == "train_size":
        return f"{v:,} images"
    if setting == "epochs":
        return f"{v} epoch{'s' * (v != 1)}"
    return _plain_label(setting, v)


def _plain_label(setting, v) -> str:
    """The label of a learning rate, a network, classes, an activation or an optimiser."""
    if setting == "lr":
        return f"lr {v:g}"
    if setting == "network":
        return f"{v} ({'CNN' if PRESETS[v].network.features else 'MLP'})"
    if setting == "classes":
        return describe([str(c) for c in v]) if v else "all classes"
    return str(v)  # activation, optimiser: their names


def _json_value(v):
    return list(v) if isinstance(v, tuple) else v


# --- running ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunStarted:
    """Sent to ``on_event`` by :func:`run_experiment` before run ``index`` (0-based) of ``total``."""

    index: int
    total: int
    configuration: Configuration


@dataclass(frozen=True, eq=False)
class RunFinished:
    """Sent to ``on_event`` by :func:`run_experiment` after run ``index`` (0-based) of ``total``."""

    index: int
    total: int
    run: RunData


class ConfiguredRun:
    """One configuration trained on a dataset: the one runner of the CLI's and the app's runs.

    ``ConfiguredRun(configuration, dataset)`` sizes the network for the dataset (its input size and
    classes), takes ``train_size`` training images chosen with the config's seed (``training_subset``),
    refuses a run that would not fit in memory (ValueError), and builds the network and its Trainer.
    ``events()`` yields the trainer's events (BatchEnd, EpochEnd, ..., one RunEnd); with
    ``time_limit`` it stops after that many seconds of training (batches only: no evaluation, nor the
    time the consumer of the events takes between two of them, so pauses do not count either), and
    such a run counts as completed. ``stop()`` (any thread) ends it after the current batch, "stopped".
    ``events()`` also yields ``TimePoint``s: one before the first batch, one after the batch that
    passes each further ``POINT_SECONDS`` of training, and one before the RunEnd, each measured on
    ``POINT_IMAGES`` validation images (outside the training time), so that runs can be compared
    by time and by images seen, even one that never ends an epoch.
    After the RunEnd, ``result`` is the run's RunData (with the final network unless it diverged).
    """

    def __init__(self, configuration: Configuration, dataset):
        self.configuration = configuration
        self.spec, self.config = sized(configuration.spec, dataset), configuration.config
        dataset = as_network_sees(dataset, self.spec)  # only its classes, relabelled 0..k-1
        images, labels = training_subset(dataset.train_images, dataset.train_labels,
                                         _train_size(configuration), self.config.seed)
        check_training_fits(self.spec, self.config, len(labels))
        self.network = Network(self.spec)
        self.replay = _recorder(self.network)  # the network at log-spaced steps (engine.replay)
        self.steps = 0  # optimiser steps taken
        self.trainer = Trainer(self.network, self.config, images, labels,
                               dataset.test_images, dataset.test_labels)
        self.dataset_name = dataset.name
        self.curve = _Curve()
        self.timeline = _Timeline(self.network, self.trainer.validation_sample(POINT_IMAGES), POINT_SECONDS)
        self.trained = 0.0  # seconds of training so far
        self.result: RunData | None = None
        self._time_is_up = False

    def stop(self) -> None:
        """End the run after the current batch (a user's stop: "stopped", not "completed")."""
        self.trainer.stop()

    def events(self):
        """The trainer's events and the TimePoints, the RunEnd of a run that reached its time
        limit made "completed"."""
        events = self.trainer.run()
        history = []
        try:
            yield self._point()
            while True:
                t0 = time.perf_counter()
                event = next(events)
                elapsed = time.perf_counter() - t0
                if isinstance(event, BatchEnd):
                    self._on_batch(event, elapsed)
                elif isinstance(event, EpochEnd):
                    history.append(event)
                elif isinstance(event, RunEnd):
                    if self.timeline.pending:
                        yield self._point()
                    yield self._finish(event, history)
                    return
                yield event
                if isinstance(event, BatchEnd) and self.timeline.due(self.trained):
                    yield self._point()
        finally:
            events.close()

    def _on_batch(self, event: BatchEnd, elapsed: float) -> None:
        """Count the batch's time, images and loss; stop at the time limit."""
        self.steps = event.step
        if self.replay is not None:
            self.replay.offer(event.step, event.epoch - 1 + event.batch / event.n_batches)
        self.trained += elapsed
        size = self.trainer.batch_size
        self.curve.add(event, min(size, self.trainer.n_train - (event.batch - 1) * size))
        self.timeline.add(event.loss)
        limit = self.configuration.time_limit
        if limit is not None and self.trained >= limit and not self._time_is_up:
            self._time_is_up = True
            self.trainer.stop()

    def _point(self) -> TimePoint:
        return self.timeline.point(self.trained, self.curve.images, self.curve.last_x)

    def _finish(self, end: RunEnd, history) -> RunEnd:
        if self._time_is_up and end.reason == "stopped":
            end = _time_limited(end, self.configuration.time_limit, self.trained, self.curve)
        x, loss = self.curve.arrays()
        snapshots: tuple[Snapshot, ...] = ()
        if self.replay is not None and end.reason != "diverged":
            self.replay.finish(self.steps, end.epochs_completed)
            snapshots = tuple(self.replay.snapshots)
        self.result = RunData(self.configuration.label, self.spec, self.config, dataset_name=self.dataset_name,
                              status=end.reason, message=end.message, batch_x=x, batch_loss=loss,
                              epochs=tuple(history), end=end,
                              network=None if end.reason == "diverged" else self.network,
                              points=tuple(self.timeline.points), snapshots=snapshots,
                              time_limit=self.configuration.time_limit)
        return end


def _recorder(network: Network) -> Recorder | None:
    """A replay recorder of ``network`` from its initial weights, or None if even three snapshots
    would not fit its budget (a huge network: it trains, without replay)."""
    try:
        recorder = Recorder(network)
    except ValueError:
        return None
    recorder.offer(0, 0.0)
    return recorder


def run_configuration(configuration: Configuration, dataset, *, check=None, on_event=None) -> RunData:
    """Train one configuration on ``dataset`` (a ``ConfiguredRun``) and return its run.

    check : called before every batch; whatever it raises (to cancel) propagates.
    on_event : called with every event of the trainer (BatchEnd, EpochEnd, RunEnd).
    Raises ValueError if the configuration cannot be trained (e.g. more memory than there is).
    """
    run = ConfiguredRun(configuration, dataset)
    events = run.events()
    try:
        while run.result is None:
            if check is not None:
                check()
            event = next(events)
            if on_event is not None:
                on_event(event)
    finally:
        events.close()
    return run.result


def unrunnable(configurations, dataset) -> list[tuple[str, str]]:
    """(label, why) of each configuration that cannot be trained on ``dataset``, checked before any
    training: a network that would not fit in memory, or settings the dataset cannot take."""
    problems = []
    for c in configurations:
        try:
            seen = as_network_sees(dataset, c.spec)
            size = _train_size(c)
            n = len(seen.train_labels) if size is None else min(size, len(seen.train_labels))
            check_training_fits(sized(c.spec, seen), c.config, n)
        except ValueError as err:
            problems.append((c.label, str(err)))
    return problems


def run_experiment(experiment: Experiment, dataset, *, check=None, on_event=None) -> list[RunData]:
    """Every configuration of ``experiment`` in order, each a run of group ``experiment.name``.

    on_event : receives ``RunStarted``, the trainer's events of that run, then ``RunFinished``.
    A configuration that cannot be trained (ValueError, MemoryError) gives a "failed" run and the
    experiment goes on; whatever ``check`` raises propagates.
    """
    configurations = experiment.configurations()
    runs = []
    for i, configuration in enumerate(configurations):
        if on_event is not None:
            on_event(RunStarted(i, len(configurations), configuration))
        try:
            run = run_configuration(configuration, dataset, check=check, on_event=on_event)
        except (ValueError, MemoryError) as err:
            run = failed_run(configuration, dataset, err)
        runs.append(replace(run, group=experiment.name))
        if on_event is not None:
            on_event(RunFinished(i, len(configurations), runs[-1]))
    return runs


def failed_run(configuration: Configuration, dataset, error: BaseException) -> RunData:
    """The run of a configuration that could not be trained, "failed" with the error's message."""
    try:
        spec = sized(configuration.spec, dataset)
    except ValueError:  # its layers do not fit the dataset's images: keep the spec as it was given
        spec = configuration.spec
    return RunData(configuration.label, spec, configuration.config,
                   dataset_name=dataset.name, status="failed", message=str(error) or type(error).__name__)


def sized(spec: NetworkSpec, dataset) -> NetworkSpec:
    """``spec`` with the dataset's input size and number of classes (of its chosen classes, if
    ``spec.class_labels`` chooses some)."""
    classes = len(spec.class_labels) if spec.class_labels else dataset.n_classes
    return replace(spec, input_size=dataset.input_size, classes=classes)


def baseline_accuracies(specs, dataset, fitted=None) -> list[float | None]:
    """The nearest-mean baseline's test accuracy on each network's classes (``spec.class_labels``,
    every class when it chooses none), one per spec, each choice computed once: what each run of an
    experiment over classes is compared with. None for a network of another image size, classes the
    dataset has not, or a dataset without test images.

    fitted : the baseline already fitted on all of ``dataset``'s classes (``baseline_on_classes``).
    """
    known: dict[tuple[int, ...], float | None] = {}
    accuracies = []
    for spec in specs:
        labels = tuple(spec.class_labels)
        if labels not in known:
            try:
                if spec.input_size != dataset.input_size or not len(dataset.test_labels):
                    raise ValueError("not this dataset's images")
                known[labels] = baseline_on_classes(dataset, labels, fitted).accuracy
            except ValueError:
                known[labels] = None
        accuracies.append(known[labels])
    return accuracies


def _train_size(configuration: Configuration) -> int | None:
    """The training images a run takes: the experiment's size if it sets one, else its config's."""
    return configuration.config.train_size if configuration.train_size is None else configuration.train_size


def training_subset(images: np.ndarray, labels: np.ndarray, size: int | None, seed: int):
    """(images, labels): ``size`` training images chosen with ``seed`` (in their order), or all of them.

    The one choice of a subset, for the CLI's runs and the app's alike.
    """
    n = len(labels)
    if size is None or size >= n:
        return images, labels
    chosen = np.sort(np.random.default_rng([seed, 2]).choice(n, size, replace=False))
    return images[chosen], labels[chosen]


def _time_limited(end: RunEnd, limit: float | None, trained: float, curve: _Curve) -> RunEnd:
    """A run stopped by its time limit did what it was asked: completed, saying how far it got,
    with its time and speed counting the last, unfinished epoch (the trainer counts whole ones)."""
    if limit is None or end.reason != "stopped":
        return end
    message = f"Trained for the time limit of {limit:g} s: {curve.last_x:.2f} epochs, {curve.images:,} images."
    return replace(end, reason="completed", message=message, train_seconds=trained,
                   samples_per_second=curve.images / trained if trained else 0.0)


class _Timeline:
    """A run's TimePoints: validation loss and accuracy on a fixed sample, by training time.

    A point is due when the training time reaches the next multiple of ``interval`` seconds;
    ``train_loss`` is the mean of the batch losses since the previous point.
    """

    def __init__(self, network, sample: tuple[np.ndarray, np.ndarray], interval: float):
        self.network, self.sample, self.interval = network, sample, interval
        self.points: list[TimePoint] = []
        self._due, self._loss_sum, self._count = 0.0, 0.0, 0

    @property
    def pending(self) -> bool:
        """Batches were trained since the last point."""
        return self._count > 0

    def add(self, loss: float) -> None:
        self._loss_sum += loss
        self._count += 1

    def due(self, seconds: float) -> bool:
        return seconds >= self._due

    def point(self, seconds: float, images: int, epochs: float) -> TimePoint:
        """Measure the network now; the next point is due at the next multiple of ``interval``."""
        val_loss = val_accuracy = None
        if len(self.sample[1]):
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging network's points are inf/NaN
                val_loss, val_accuracy = evaluate(self.network, *self.sample)
        train_loss = self._loss_sum / self._count if self._count else None
        self.points.append(TimePoint(seconds, images, epochs, train_loss, val_loss, val_accuracy))
        self._due = (math.floor(seconds / self.interval) + 1) * self.interval
        self._loss_sum, self._count = 0.0, 0
        return self.points[-1]


def images_seen(points, end: RunEnd | None) -> int:
    """Training images a run saw: its last TimePoint's count, else what its RunEnd says."""
    if points:
        return points[-1].images
    return 0 if end is None else round(end.samples_per_second * end.train_seconds)


def epochs_trained(points, epochs) -> float:
    """How far a run got, in epochs (2.5 after two and a half): its last TimePoint's position,
    else its number of EpochEnds."""
    return points[-1].epochs if points else float(len(epochs))


class _Curve:
    """The batch loss, averaged over groups of batches so an epoch gives at most POINTS_PER_EPOCH points."""

    def __init__(self):
        self.x, self.loss = [], []
        self._sum, self._count, self.last_x, self.images = 0.0, 0, 0.0, 0

    def add(self, e: BatchEnd, batch_size: int) -> None:
        self.images += batch_size
        self._sum += e.loss
        self._count += 1
        self.last_x = e.epoch - 1 + e.batch / e.n_batches
        group = math.ceil(e.n_batches / POINTS_PER_EPOCH)
        if e.batch % group == 0 or e.batch == e.n_batches:
            self._flush()

    def _flush(self) -> None:
        if self._count:
            self.x.append(self.last_x)
            self.loss.append(self._sum / self._count)
            self._sum, self._count = 0.0, 0

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        self._flush()
        return np.array(self.x, dtype=np.float64), np.array(self.loss, dtype=np.float64)


# --- the classic lessons ------------------------------------------------------------------------

def _layers(*pairs) -> tuple[HiddenLayer, ...]:
    return tuple(HiddenLayer(units, act) for units, act in pairs)


EXPERIMENTS = {e.name: e for e in (
    Experiment(
        "depth", "The depth study of the course lab: 1 to 5 hidden layers of 100 units, each with sigmoid, "
        "tanh and ReLU, Glorot initialisation, plain SGD (lr 0.1, batches of 100), 3 epochs on 10,000 images. "
        "Deep sigmoid networks barely learn: their gradients vanish on the way back.",
        NetworkSpec(hidden=_layers((100, "sigmoid")), init="xavier"),
        TrainConfig(epochs=3, batch_size=100, optimiser="sgd", lr=0.1),
        (Axis("depth", (1, 2, 3, 4, 5)), Axis("activation", ("sigmoid", "tanh", "relu"))),
        train_size=10_000,
    ),
    Experiment(
        "batch-size", "Full batch, mini-batches of 128 and single images (stochastic gradient descent), "
        "10 seconds of training each: many cheap noisy steps beat a few exact ones. 784-100-10 ReLU, SGD lr 0.05.",
        NetworkSpec(hidden=_layers((100, "relu")), init="he"),
        TrainConfig(epochs=1000, batch_size=128, optimiser="sgd", lr=0.05),
        (Axis("batch_size", (None, 128, 1)),),
        time_limit=10.0,
    ),
    Experiment(
        "learning-rate", "Plain SGD from a learning rate too small to move (0.0001) to one so large that "
        "training falls apart (10), 3 epochs of a 784-100-10 ReLU network on 10,000 images in batches of 64.",
        NetworkSpec(hidden=_layers((100, "relu")), init="he"),
        TrainConfig(epochs=3, batch_size=64, optimiser="sgd", lr=0.1),
        (Axis("lr", (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0)),),
        train_size=10_000,
    ),
    Experiment(
        "initialisation", "Where the weights start, on a deep ReLU network (5 hidden layers of 100): zeros "
        "never break the symmetry, a tiny normal (std 0.01) makes the signal vanish, Xavier and He keep it "
        "alive. SGD with momentum 0.9, lr 0.01, batches of 64, 3 epochs on 10,000 images.",
        NetworkSpec(hidden=_layers(*[(100, "relu")] * 5), init="he"),
        TrainConfig(epochs=3, batch_size=64, optimiser="momentum", lr=0.01, momentum=0.9),
        (Axis("init", ("zeros", ("normal", 0.01), "xavier", "he")),),
        train_size=10_000,
    ),
    Experiment(
        "overfitting", "How much data a network needs: the same 784-256-128-10 ReLU network trained for 20 "
        "epochs on 500 to 55,000 images (Adam, lr 0.001, batches of 64). With few images the training "
        "accuracy reaches 100% while the validation accuracy stays far below: the network learns the "
        "images by heart instead of the digits. More data closes the gap.",
        NetworkSpec(hidden=_layers((256, "relu"), (128, "relu")), init="he"),
        TrainConfig(epochs=20, batch_size=64, optimiser="adam", lr=1e-3),
        (Axis("train_size", (500, 2_000, 10_000, 55_000)),),
    ),
    Experiment(
        "mlp-vs-cnn", "Why networks for images use convolution: the default MLP (784-256-128-10) and LeNet "
        "(two convolutions) trained alike (momentum SGD, lr 0.05, batches of 128, 3 epochs on 20,000 images), "
        "then tested on the test digits moved by 0 to 4 pixels. The MLP gives every pixel its own weights and "
        "loses much of its accuracy when the digit moves; the CNN's filters slide with it.",
        NetworkSpec(hidden=_layers((256, "relu"), (128, "relu")), init="he"),
        TrainConfig(epochs=3, batch_size=128, optimiser="momentum", lr=0.05, momentum=0.9, schedule="cosine"),
        (Axis("network", ("default", "lenet")),),
        train_size=20_000, shift_test=4,
    ),
    Experiment(
        "two-classes-then-more", "Two classes, then more: a network of 100 ReLU units telling apart only two "
        "digits (3 and 7, 4 and 9, 0 and 1, 5 and 8), then 3, 5 and all 10 (momentum SGD, lr 0.05, batches "
        "of 64, 2 epochs on 5,000 images of the chosen digits). Some pairs are easy, some are not, and the "
        "errors grow with the number of classes; the nearest-mean baseline on the same classes, beside "
        "each run, shows which pairs even a template tells apart.",
        NetworkSpec(hidden=_layers((100, "relu")), init="he"),
        TrainConfig(epochs=2, batch_size=64, optimiser="momentum", lr=0.05, momentum=0.9),
        (Axis("classes", ((3, 7), (4, 9), (0, 1), (5, 8), (0, 1, 2), (0, 1, 2, 3, 4), ALL)),),
        train_size=5_000,
    ),
)}
