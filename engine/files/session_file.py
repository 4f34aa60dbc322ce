"""Session files: every run of a session (settings, curves, figures, final network) in one .npz.

A session file is a zip archive (``np.savez``, never a pickle) of ``.npy`` members:

- ``session``: (n,) uint8, the UTF-8 text of a JSON object ``{"format": "mnist-gui session",
  "version": 1, "runs": [...]}``; each run holds its name, group, dataset name, status, message,
  network spec, training config, per-epoch figures (``EpochEnd`` fields), its end (``RunEnd``
  without the history, which is the epochs unless said otherwise), the number of batch-loss points
  and, if it has a network, that network's spec and dtype; and, optionally (files written before
  it lack it), ``"view"``: what the class saw, ``{"shown": [bool per run], "model": run index or
  null, "results": [{"name": experiment, "runs": [run index, ...]}, ...]}`` (:class:`SessionView`);
- ``run{i}.batch_x`` and ``run{i}.batch_loss``: (n,) float64, the batch-loss curve;
- ``run{i}.dense{j}.W`` (n_in, n_out) and ``run{i}.dense{j}.b`` (n_out,): the network's weights
  (and a convolutional network's ``run{i}.conv{j}.W`` (out, in, k, k) and ``run{i}.conv{j}.b`` (out,));
- since version 2, each run's history, optional in its JSON: its time points, its replay snapshots
  and its time limit, and their members ``run{i}.time_points``, ``run{i}.replay16.*``,
  ``run{i}.replay32.*`` (:mod:`engine.files.session_history`). Version 1 files (without them) open.

Reading trusts nothing in the file: members that the JSON does not call for are refused by name
without being read; the JSON is bounded in size and every value's type is checked; every array's
shape and dtype come from its ``.npy`` header and are checked, with the memory all of them need,
before any value is read; a member (the JSON too) that inflates far more than a real one does is
refused, and each is inflated a chunk at a time, never past what its header needs, whatever its
zip entry declares (:mod:`engine.files.archive`); and every fault becomes one ValueError whose message
starts with the path.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from ..memory import MemoryEstimate, check_fits, estimate_network
from ..network import Network, NetworkSpec, bias_size
from ..replay import SESSION_BYTES, Snapshot, fit_budget
from ..training import EpochEnd, RunEnd, TimePoint, TrainConfig
from .archive import READ_ERRORS, check_inflation, describe_error, open_archive, read_into, read_npy_header
from .atomic import write_atomically
from .json_fields import check_keys, is_int, train_config_from_dict, typed_fields
from .model_file import read_float_values
from .session_history import (
    HISTORY_KEYS,
    POINT_FIELDS,
    History,
    HistoryError,
    history_arrays,
    history_bytes,
    history_json,
    history_members,
    parse_history,
    read_history,
)

MAX_NAME = 200   # characters kept of a run's name, its experiment's (group) and its dataset's
MAX_NOTE = 2000  # characters kept of a run's message ("Trained 10 epochs.", why it diverged or failed)

FORMAT = "mnist-gui session"
VERSION = 2  # 2: the runs' time points, replay snapshots and time limits (1: without them)
READABLE_VERSIONS = (1, 2)
STATUSES = ("completed", "stopped", "diverged", "failed")
KIND = "a session file"
MAX_JSON_BYTES = 64 << 20
MAX_RUNS = 1000
MAX_EPOCHS = 100_000        # TrainConfig's own limit
MAX_BATCH_POINTS = 10_000_000  # per run: 160 MB of curve
WEIGHT_DTYPES = ("float32", "float64")
# np.savez stores members as they are; compressed float curves and weights shrink by 2x at most,
# a decompression bomb by 1000x. Refusing more than this bounds what a small file makes us read.
MAX_EXPANSION = 8
# The description is stored as it is too; re-zipped, the JSON of 50 like runs shrinks 78:1.
JSON_EXPANSION = 128
FREE_BYTES = 64 << 10  # members up to this size are never refused for their compression


class SessionFileError(ValueError):
    """A file is not a usable session; the message starts with the file's path and names the fault."""


@dataclass(frozen=True, eq=False)
class RunData:
    """One run of a session, as plain data: what was trained, how, what it gave and the network.

    status : ``"completed"``, ``"stopped"``, ``"diverged"`` or ``"failed"``.
    group : the experiment the run belongs to, ``""`` if none.
    batch_x : (n,) float64, the position in epochs of each batch-loss point.
    batch_loss : (n,) float64, the training loss there.
    epochs : one EpochEnd per epoch trained.
    end : how the run ended (None if it never reached its end, e.g. it failed).
    network : the final network (None if there is none, e.g. it diverged).
    points : the run's ``TimePoint``s, by training time (none in a version 1 session file).
    snapshots : the network at log-spaced steps of the run (``engine.replay``), the last one the
        final network; empty for a run without replay (e.g. from a version 1 session file).
    time_limit : the seconds of training the run was given (an experiment at equal time), None
        if it trained its epochs.
    """

    name: str
    spec: NetworkSpec
    config: TrainConfig
    dataset_name: str = ""
    status: str = "completed"
    message: str = ""
    group: str = ""
    batch_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    batch_loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    epochs: tuple[EpochEnd, ...] = ()
    end: RunEnd | None = None
    network: Network | None = None
    points: tuple[TimePoint, ...] = ()
    snapshots: tuple[Snapshot, ...] = ()
    time_limit: float | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"run status must be one of {', '.join(STATUSES)}, got {self.status!r}")
        for name in ("name", "dataset_name", "message", "group"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"a run's {name} must be text, got {getattr(self, name)!r:.40}")
        for name in ("batch_x", "batch_loss"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64))
        if self.batch_x.ndim != 1 or self.batch_x.shape != self.batch_loss.shape:
            raise ValueError(f"batch_x and batch_loss must be two arrays (n,) of one length, got "
                             f"shapes {self.batch_x.shape} and {self.batch_loss.shape}")
        if not np.all(np.isfinite(self.batch_x)):
            raise ValueError("batch_x must hold finite positions (in epochs)")
        object.__setattr__(self, "epochs", tuple(self.epochs))
        object.__setattr__(self, "points", tuple(self.points))
        object.__setattr__(self, "snapshots", tuple(self.snapshots))


@dataclass(frozen=True)
class SessionView:
    """What the class saw when a session was saved; runs are named by their index in the file.

    shown : (n_runs,) bools, the runs ticked on the plots; None if the file does not say (one
        written before views were saved): the app chooses.
    model : the index of the run whose network Draw, Evaluate and Inside used, or None.
    results : the experiments' results tables, oldest first: (experiment name, the indices of
        its runs in the table's order).
    """

    shown: tuple[bool, ...] | None = None
    model: int | None = None
    results: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def __post_init__(self):
        if self.shown is not None:
            object.__setattr__(self, "shown", tuple(bool(v) for v in self.shown))
        object.__setattr__(self, "results", tuple((name, tuple(int(i) for i in runs))
                                                  for name, runs in self.results))

    def check(self, n_runs: int) -> None:
        """ValueError unless every run index is one of ``n_runs`` runs and ``shown`` has one per run."""
        if self.shown is not None and len(self.shown) != n_runs:
            raise ValueError(f"the view shows or hides {len(self.shown):,} runs, but the session has {n_runs:,}")
        if self.model is not None and not (is_int(self.model) and 0 <= self.model < n_runs):
            raise ValueError(f"the view's model must be a run 0 to {n_runs - 1}, got {self.model!r:.40}")
        if len(self.results) > MAX_RUNS:
            raise ValueError(f"the view has {len(self.results):,} results tables; at most {MAX_RUNS:,}")
        for name, runs in self.results:
            if not isinstance(name, str):
                raise ValueError(f"a results table's name must be text, got {name!r:.40}")
            if not all(0 <= i < n_runs for i in runs) or len(set(runs)) != len(runs):
                raise ValueError(f"the results table {name!r:.40} must name each of its runs once, "
                                 f"as a run 0 to {n_runs - 1}")


@dataclass(frozen=True, eq=False)
class Session:
    """A session file's content: its runs, what the class saw (``view``) and the file's format
    ``version`` (1: written before runs kept a replay, so none of its runs has one)."""

    runs: list[RunData]
    view: SessionView = SessionView()
    version: int = VERSION


def save_session(path: str | os.PathLike, runs: Sequence[RunData], view: SessionView | None = None) -> Path:
    """Write ``runs`` (and ``view``, what was shown of them) to ``path`` (.npz), atomically.

    ValueError if ``view`` names runs that are not there or a run's snapshots do not fit its
    network; OSError naming ``path`` if it cannot be written.
    """
    if view is not None:
        view.check(len(runs))
    arrays = {}
    described = []
    for i, run in enumerate(runs):
        described.append(_run_to_json(run))
        arrays[f"run{i}.batch_x"] = run.batch_x
        arrays[f"run{i}.batch_loss"] = run.batch_loss
        if run.network is not None:
            for p in run.network.parameters:
                arrays[f"run{i}.{p.name}"] = p.value
        try:
            arrays.update(history_arrays(i, run.points, run.snapshots,
                                         None if run.network is None else run.network.spec))
        except ValueError as err:
            raise ValueError(f"run {i + 1} ({run.name:.40}): {err}") from None
    top = {"format": FORMAT, "version": VERSION, "runs": described}
    if view is not None:
        top["view"] = _view_to_json(view)
    text = json.dumps(top)
    arrays["session"] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return write_atomically(path, lambda out: np.savez(out, **arrays))  # type: ignore[arg-type]  # stub: **arrays as allow_pickle


#: Save session keeps the replay unless the file would pass this with it: a file to mail (most mail
#: takes 25 MB) or carry on a stick; a bigger one is saved without unless asked (the check box).
KEEP_REPLAY_UP_TO = 25 * 10**6
MEMBER_OVERHEAD = 200  # bytes a member adds to the file beside its values: .npy header, zip entries


def estimated_size(runs: Sequence[RunData]) -> tuple[int, int]:
    """About how many bytes :func:`save_session` writes for ``runs`` without their replay
    snapshots, and how many more the snapshots take (their values, as ``np.savez`` stores them
    uncompressed, and a few members per layer)."""
    rest = replay = 0
    for run in runs:
        arrays = [run.batch_x, run.batch_loss] + ([] if run.network is None else
                                                  [p.value for p in run.network.parameters])
        rest += (sum(a.nbytes + MEMBER_OVERHEAD for a in arrays) + len(json.dumps(_run_to_json(run)))
                 + 8 * len(POINT_FIELDS) * len(run.points) + MEMBER_OVERHEAD)
        if run.snapshots:
            members = 4 * len(run.snapshots[0].weights)  # W and b, float16 and float32, of each layer
            replay += sum(s.nbytes for s in run.snapshots) + members * MEMBER_OVERHEAD
    return rest + MEMBER_OVERHEAD, replay


def within_budget(runs: Sequence[RunData], max_bytes: int = SESSION_BYTES) -> list[RunData]:
    """``runs`` with their replay snapshots thinned to ``max_bytes`` together, as the app keeps
    them (``engine.replay.fit_budget``: the last run whole, the older ones thinned alike)."""
    fitted = fit_budget([run.snapshots for run in runs], max_bytes)
    return [run if len(kept) == len(run.snapshots) else replace(run, snapshots=kept)
            for run, kept in zip(runs, fitted)]


def keeps_replay_by_default(rest: int, replay: int) -> bool:
    """Whether Save session keeps the replay unless told otherwise (``estimated_size``'s two
    figures): if there is one and the file with it stays within ``KEEP_REPLAY_UP_TO``."""
    return replay > 0 and rest + replay <= KEEP_REPLAY_UP_TO


def _run_to_json(run: RunData) -> dict:
    end = None
    history = None
    if run.end is not None:
        end = asdict(run.end)
        del end["history"]
        if tuple(run.end.history) != run.epochs:
            history = [asdict(e) for e in run.end.history]
    network = None
    if run.network is not None:
        network = {"spec": run.network.spec.to_dict(), "dtype": run.network.dtype.name}
    return {"name": run.name, "group": run.group, "dataset_name": run.dataset_name,
            "status": run.status, "message": run.message, "spec": run.spec.to_dict(),
            "config": run.config.to_dict(), "epochs": [asdict(e) for e in run.epochs],
            "end": end, "end_history": history, "batch_points": len(run.batch_x), "network": network,
            **history_json(run.points, run.snapshots, run.time_limit)}


def _view_to_json(view: SessionView) -> dict:
    return {"shown": None if view.shown is None else list(view.shown), "model": view.model,
            "results": [{"name": name, "runs": list(runs)} for name, runs in view.results]}


def load_session(path: str | os.PathLike, progress: Callable[[int, int], object] | None = None
                 ) -> list[RunData]:
    """The runs of a session written by :func:`save_session` (:func:`read_session`'s runs)."""
    return read_session(path, progress).runs


def read_session(path: str | os.PathLike, progress: Callable[[int, int], object] | None = None
                 ) -> Session:
    """The runs of a session written by :func:`save_session`, and what was shown of them.

    ``progress(done, total)``, if given, is called after each run is read; whatever it raises
    (a cancellation) ends the reading and propagates.

    Raises
    ------
    SessionFileError (a ValueError)
        Whatever is wrong: unreadable, not a zip, truncated, a member missing or unexpected, JSON
        of the wrong form or types, arrays of the wrong shape or type, weights not finite, or more
        than this machine's memory. The message starts with ``path``.
    """
    path = Path(path)
    try:
        with open_archive(path, SessionFileError) as archive:
            described, view, version = _read_json(archive)
            plans = [_parse_run(i, d) for i, d in enumerate(described)]
            view = _parse_view(view, len(plans))
            _check_members(archive, plans)
            _check_memory(plans)
            runs = []
            for i, plan in enumerate(plans):
                runs.append(_build_run(archive, i, plan))
                if progress is not None:
                    progress(i + 1, len(plans))
            return Session(runs, view, version)
    except SessionFileError as err:
        raise SessionFileError(f"{path}: {err}") from err
    except READ_ERRORS as err:
        raise SessionFileError(f"{path}: not a session saved by mnist-gui "
                               f"({describe_error(err, KIND)})") from err


# --- the JSON ---------------------------------------------------------------------------------

def _read_json(archive: zipfile.ZipFile) -> tuple[list, object, int]:
    """The list of run objects, the view (None if there is none) and the format version, from
    the ``session`` member, its format and version checked."""
    info = _member(archive, "session")
    bound = check_inflation(info, MAX_JSON_BYTES, JSON_EXPANSION, FREE_BYTES, "its description",
                            "a session's description never compresses that well", SessionFileError)
    with archive.open(info) as member:
        shape, dtype = read_npy_header(member, "session", SessionFileError, KIND)
        if len(shape) != 1 or dtype != np.uint8:
            raise SessionFileError(f"its description should be bytes of text, found {dtype} of shape {shape}")
        if shape[0] > bound:
            raise SessionFileError(f"its description is {shape[0]:,} bytes, more than the {bound:,} "
                                   "a session of this size can have")
        if shape[0] > info.file_size - member.tell():
            raise SessionFileError(f"its description is truncated: {shape[0]:,} bytes declared, "
                                   f"{info.file_size:,} in the archive")
        data = read_into(member, np.empty(shape[0], dtype=np.uint8), "its description", SessionFileError)
    try:
        top = json.loads(data.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise SessionFileError(f"its description is not valid JSON: {describe_error(err, KIND)}") from None
    if not isinstance(top, dict) or top.get("format") != FORMAT:
        raise SessionFileError("it is not a session saved by mnist-gui (no session format mark)")
    if top.get("version") not in READABLE_VERSIONS:
        raise SessionFileError(f"it is a session of format version {top.get('version')!r:.20}; "
                               f"this version of mnist-gui reads versions 1 to {VERSION}")
    runs = top.get("runs")
    if not isinstance(runs, list):
        raise SessionFileError("its list of runs is missing")
    if len(runs) > MAX_RUNS:
        raise SessionFileError(f"it has {len(runs):,} runs; a session holds at most {MAX_RUNS:,}")
    return runs, top.get("view"), top["version"]


VIEW_KEYS = {"shown", "model", "results"}


def _parse_view(d, n_runs: int) -> SessionView:
    """The view's JSON (None: a file written before views were), each value's type checked."""
    if d is None:
        return SessionView()
    try:
        check_keys(d, VIEW_KEYS, "the view")
        shown = d.get("shown")
        if shown is not None and not (isinstance(shown, list) and all(isinstance(v, bool) for v in shown)):
            raise SessionFileError("the view's shown runs must be a list of true or false")
        tables = d.get("results", [])
        if not isinstance(tables, list) or len(tables) > MAX_RUNS:
            raise SessionFileError(f"the view's results tables must be a list of at most {MAX_RUNS:,}")
        results = tuple(_results_table(t) for t in tables)
        view = SessionView(None if shown is None else tuple(shown), d.get("model"), results)
        view.check(n_runs)
    except SessionFileError:
        raise
    except ValueError as err:
        raise SessionFileError(f"{err}") from None
    return view


def _results_table(d) -> tuple[str, tuple[int, ...]]:
    check_keys(d, {"name", "runs"}, "a results table", required={"name", "runs"})
    if not isinstance(d["name"], str):
        raise SessionFileError(f"a results table's name should be str, got {d['name']!r:.40}")
    runs = d["runs"]
    if not isinstance(runs, list) or len(runs) > MAX_RUNS or not all(is_int(i) for i in runs):
        raise SessionFileError(f"a results table's runs must be a list of at most {MAX_RUNS:,} run numbers")
    return bounded(d["name"], MAX_NAME), tuple(runs)


@dataclass(frozen=True)
class _Plan:
    """A run's JSON, checked and turned into objects; the arrays still to be read."""

    fields: dict
    points: int
    network_spec: NetworkSpec | None
    network_dtype: str | None
    history: History = field(default_factory=History)


RUN_KEYS = {"name", "group", "dataset_name", "status", "message", "spec", "config", "epochs",
            "end", "end_history", "batch_points", "network"}


def _parse_run(i: int, d) -> _Plan:
    try:
        return _parse_run_fields(d)
    except (SessionFileError, HistoryError) as err:
        raise SessionFileError(f"run {i + 1}: {err}") from None
    except (ValueError, TypeError) as err:
        raise SessionFileError(f"run {i + 1}: {describe_error(err, KIND)}") from None


def bounded(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis if it is longer."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _parse_run_fields(d) -> _Plan:
    check_keys(d, RUN_KEYS | HISTORY_KEYS, "the run", required=RUN_KEYS)
    for name in ("name", "group", "dataset_name", "status", "message"):
        if not isinstance(d[name], str):
            raise SessionFileError(f"{name} should be str, got {d[name]!r:.40}")
    if d["status"] not in STATUSES:
        raise SessionFileError(f"unknown status {d['status']!r:.40}")
    points = d["batch_points"]
    if not is_int(points) or not 0 <= points <= MAX_BATCH_POINTS:
        raise SessionFileError(f"batch_points must be a whole number 0 to {MAX_BATCH_POINTS:,}, got {points!r:.40}")
    epochs = _epochs(d["epochs"], "epochs")
    end = None
    if d["end"] is not None:
        history = epochs if d["end_history"] is None else _epochs(d["end_history"], "end_history")
        end = RunEnd(**typed_fields(RunEnd, d["end"], "end", skip={"history"}), history=history)
    network_spec = network_dtype = None
    if d["network"] is not None:
        check_keys(d["network"], {"spec", "dtype"}, "network", required={"spec", "dtype"})
        network_spec = NetworkSpec.from_dict(d["network"]["spec"])
        network_dtype = d["network"]["dtype"]
        if network_dtype not in WEIGHT_DTYPES:
            raise SessionFileError(f"network dtype must be one of {', '.join(WEIGHT_DTYPES)}, "
                                   f"got {network_dtype!r:.40}")
    run_fields = {"name": bounded(d["name"], MAX_NAME), "group": bounded(d["group"], MAX_NAME),
                  "dataset_name": bounded(d["dataset_name"], MAX_NAME),
                  "status": d["status"], "message": bounded(d["message"], MAX_NOTE),
                  "spec": NetworkSpec.from_dict(d["spec"]),
                  "config": train_config_from_dict(d["config"]), "epochs": epochs, "end": end}
    past = parse_history(d)
    history_members(0, past, network_spec)  # snapshots without a network, or too many, refused here
    return _Plan(run_fields, points, network_spec, network_dtype, past)


def _epochs(items, what: str) -> tuple[EpochEnd, ...]:
    if not isinstance(items, list):
        raise SessionFileError(f"{what} must be a list, got {type(items).__name__}")
    if len(items) > MAX_EPOCHS:
        raise SessionFileError(f"{what} has {len(items):,} entries; a run has at most {MAX_EPOCHS:,}")
    return tuple(EpochEnd(**typed_fields(EpochEnd, item, f"{what}[{k}]")) for k, item in enumerate(items))


# --- the arrays -------------------------------------------------------------------------------

def _array_shapes(i: int, plan: _Plan) -> dict[str, tuple[int, ...]]:
    """Every member run ``i`` needs, with the shape it must have."""
    shapes: dict[str, tuple[int, ...]] = {f"run{i}.batch_x": (plan.points,), f"run{i}.batch_loss": (plan.points,)}
    if plan.network_spec is not None:
        for layer, shape in plan.network_spec.parameter_shapes():
            shapes[f"run{i}.{layer}.W"] = shape
            shapes[f"run{i}.{layer}.b"] = (bias_size(layer, shape),)
    return shapes


def _check_members(archive: zipfile.ZipFile, plans: list[_Plan]) -> None:
    """Refuse members nobody asked for (unread) and report the first one missing."""
    expected = {"session.npy"}
    for i, plan in enumerate(plans):
        expected.update(name + ".npy" for name in _array_shapes(i, plan))
        expected.update(name + ".npy" for name in history_members(i, plan.history, plan.network_spec))
    present = set(archive.namelist())
    unexpected = sorted(present - expected)
    if unexpected:
        raise SessionFileError(f"it holds a member a session never has: {unexpected[0]!r:.80}")
    missing = sorted(expected - present)
    if missing:
        raise SessionFileError(f"{missing[0].removesuffix('.npy')} is missing")


def _check_memory(plans: list[_Plan]) -> None:
    networks = sum(estimate_network(p.network_spec).total for p in plans if p.network_spec is not None)
    curves = sum(2 * 8 * p.points + history_bytes(p.history, p.network_spec) for p in plans)
    try:
        check_fits(MemoryEstimate(parameters=networks, data=curves), f"the session's {len(plans)} runs")
    except ValueError as err:
        raise SessionFileError(str(err)) from None


def _build_run(archive: zipfile.ZipFile, i: int, plan: _Plan) -> RunData:
    shapes = _array_shapes(i, plan)
    curves = {name: _read_array(archive, f"run{i}.{name}", shapes[f"run{i}.{name}"], "float64",
                                finite=name == "batch_x")
              for name in ("batch_x", "batch_loss")}
    network = None
    if plan.network_spec is not None and plan.network_dtype is not None:  # read together
        layers = [layer for layer, _ in plan.network_spec.parameter_shapes()]
        weights, biases = ([_read_array(archive, f"run{i}.{layer}.{kind}", shapes[f"run{i}.{layer}.{kind}"],
                                        plan.network_dtype) for layer in layers] for kind in "Wb")
        network = Network.from_weights(plan.network_spec, weights, biases, plan.network_dtype)
    try:
        points, snapshots = read_history(i, plan.history, plan.network_spec, partial(_read_array, archive))
    except HistoryError as err:
        raise SessionFileError(str(err)) from None
    return RunData(**plan.fields, batch_x=curves["batch_x"], batch_loss=curves["batch_loss"], network=network,
                   points=points, snapshots=snapshots, time_limit=plan.history.time_limit)


def _read_array(archive: zipfile.ZipFile, name: str, shape: tuple[int, ...], dtype_name: str,
                finite: bool = True) -> np.ndarray:
    """Member ``name``: floats of ``dtype_name`` and ``shape``, checked before its values are read."""
    want = np.dtype(dtype_name)
    return read_float_values(archive, _array_member(archive, name), name, shape, SessionFileError,
                             KIND, want, finite).astype(want)


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(name + ".npy")
    except KeyError:
        raise SessionFileError(f"{name} is missing; is this a session saved by mnist-gui?") from None


def _array_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """The zip entry of array ``name``, refused if it inflates far more than numbers ever do."""
    info = _member(archive, name)
    check_inflation(info, info.file_size, MAX_EXPANSION, FREE_BYTES, name,
                    "real curves and weights never compress that well", SessionFileError)
    return info
