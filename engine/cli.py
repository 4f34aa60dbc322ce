"""``mnist-train``: train a network from the terminal with the same engine the app uses."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from dataclasses import asdict, replace
from typing import Any

from . import __version__
from .baseline import evaluate_baseline
from .classes import as_network_sees, parse_classes, with_classes
from .experiments import (
    EXPERIMENTS,
    POINT_IMAGES,
    Experiment,
    RunFinished,
    RunStarted,
    baseline_accuracies,
    epochs_trained,
    images_seen,
    run_experiment,
)
from .files.atomic import check_writable
from .files.download import MNIST, DownloadError, download
from .files.session_file import save_session, within_budget
from .files.sources import DATA_DIR_ENV, DatasetError, load_folder, load_offline_digits, locate
from .initialisers import INITIALISERS
from .memory import check_training_fits
from .network import ConvLayer, HiddenLayer, Network, PoolLayer
from .optimisers import OPTIMISERS
from .presets import PRESETS, preset
from .training import EpochEnd, RunEnd, Trainer
from .translation import accuracy_by_shift, shift_samples


class CliError(Exception):
    """A problem the user can fix, reported as one line on stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise CliError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mnist-train", description="Train a feed-forward network on MNIST with NumPy.")
    p.add_argument("--data", metavar="DIR",
                   help="folder with the MNIST files (IDX or CSV), or 'offline' for the built-in "
                        "8x8 digits; default: $MNIST_DATA_DIR, then the cache, then a download")
    p.add_argument("--no-download", action="store_true", help="never download; fail instead")
    p.add_argument("--preset", choices=sorted(PRESETS), help="starting configuration (default: default)")
    p.add_argument("--layers", metavar="SPEC",
                   help="hidden layers as units:activation, comma separated, e.g. 128:relu,64:tanh "
                        "('none' for softmax regression); convolutional layers first: conv:CHANNELSxKERNEL "
                        "(with p1 for padding 1, s2 for stride 2, :tanh for another activation) and "
                        "pool:SIZE, e.g. conv:6x5p2,pool:2,conv:16x5,pool:2,120:relu,84:relu")
    p.add_argument("--classes", metavar="LIST",
                   help="train on these classes only, e.g. 3,7 (is it a 3 or a 7?); default: all")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", metavar="N", help="images per step, or 'full' for full-batch")
    p.add_argument("--optimizer", choices=sorted(OPTIMISERS))
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--init", choices=sorted(INITIALISERS), help="weight initialiser")
    p.add_argument("--seed", type=int, help="seeds the weights, the validation split and the order")
    p.add_argument("--save", metavar="PATH", help="write the trained model to this .npz file")
    p.add_argument("--experiment", metavar="FILE|NAME",
                   help="run every configuration of an experiment: a .json file (as the app saves) or a "
                        f"built-in one ({', '.join(EXPERIMENTS)}); the run settings come from it")
    p.add_argument("--session-out", metavar="PATH",
                   help="with --experiment: write the session (every run) here; default "
                        "<experiment name>.session.npz in the current folder")
    p.add_argument("--json", action="store_true", help="print one JSON object with the results")
    p.add_argument("--version", action="version", version=f"mnist-train {__version__}")
    return p


def parse_layers(text: str) -> tuple[tuple, tuple[HiddenLayer, ...]]:
    """'conv:6x5p2,pool:2,120:relu,84:tanh' -> (convolutional layers, hidden layers).

    A dense layer is units:activation; a convolution conv:CxK[pP][sS][:activation]; a pooling
    layer pool:SIZE. 'none' or '' -> no hidden layer. Convolutional layers come first.
    """
    if text.strip().lower() in ("", "none"):
        return (), ()
    features: list = []
    hidden: list = []
    for item in (part.strip() for part in text.split(",")):
        kind, _, rest = item.partition(":")
        if kind in ("conv", "pool"):
            if hidden:
                raise CliError(f"--layers: {item!r} comes after a dense layer; convolutional layers come first")
            features.append(_conv_layer(item, rest) if kind == "conv" else _pool_layer(item, rest))
            continue
        try:
            hidden.append(HiddenLayer(int(kind), rest or "relu"))
        except ValueError:
            raise CliError(f"--layers: {item!r} is not units:activation, e.g. 128:relu") from None
    return tuple(features), tuple(hidden)


def _conv_layer(item: str, rest: str) -> ConvLayer:
    """conv:CxK[pP][sS][:activation] -> ConvLayer."""
    match = re.fullmatch(r"(\d+)x(\d+)(?:p(\d+))?(?:s(\d+))?(?::(\w+))?", rest)
    if match is None:
        raise CliError(f"--layers: {item!r} is not conv:CHANNELSxKERNEL, e.g. conv:6x5 or conv:32x3p1:relu")
    channels, kernel, padding, stride, act = match.groups()
    return ConvLayer(int(channels), int(kernel), int(padding or 0), int(stride or 1), act or "relu")


def _pool_layer(item: str, rest: str) -> PoolLayer:
    if not rest.isdigit():
        raise CliError(f"--layers: {item!r} is not pool:SIZE, e.g. pool:2")
    return PoolLayer(int(rest))


def configure(args, input_size: int, classes: int):
    """(NetworkSpec, TrainConfig) from the preset and the options that override it."""
    chosen = preset(args.preset or "default").for_data(input_size, classes)
    net_changes: dict[str, Any] = {}
    train_changes: dict[str, Any] = {}
    if args.layers is not None:
        net_changes["features"], net_changes["hidden"] = parse_layers(args.layers)
    if args.init:
        net_changes.update(init=args.init, init_scale=None)
    if args.seed is not None:
        net_changes["seed"] = train_changes["seed"] = args.seed
    if args.epochs is not None:
        train_changes["epochs"] = args.epochs
    if args.batch_size is not None:
        train_changes["batch_size"] = _batch_size(args.batch_size)
    if args.optimizer:
        train_changes["optimiser"] = args.optimizer
    if args.lr is not None:
        train_changes["lr"] = args.lr
    try:
        spec = replace(chosen.network, **net_changes)
        if getattr(args, "classes", None):
            spec = with_classes(spec, parse_classes(args.classes, classes), classes)
        return spec, replace(chosen.training, **train_changes)
    except ValueError as exc:
        raise CliError(f"--classes: {exc}" if "class" in str(exc) else str(exc)) from None


def _batch_size(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    try:
        return int(text)
    except ValueError:
        raise CliError(f"--batch-size: expected a number or 'full', got {text!r}") from None


def load_data(args):
    """The dataset the options ask for: --data, $MNIST_DATA_DIR, the cache, then a download.

    A folder the user named (--data or $MNIST_DATA_DIR) must load; it never falls back to a
    download.
    """
    if args.data == "offline":
        return load_offline_digits()
    if args.data is not None and not args.data.strip():
        raise CliError("--data: the folder name is empty; give a folder with the MNIST files, "
                       "or 'offline'")
    from_env = os.environ.get(DATA_DIR_ENV)
    try:
        return locate(args.data)
    except DatasetError as exc:
        if args.data is None and from_env:
            raise CliError(str(exc)) from None  # a DataDirError: it names the variable and the folder
        if args.data or args.no_download:
            raise CliError(str(exc)) from None
    print("No MNIST found locally; downloading it into the cache...", file=sys.stderr)
    try:
        return load_folder(download(MNIST))
    except DownloadError as exc:
        raise CliError(f"{exc} Use --data DIR for a local copy, or --data offline.") from None


def run(args, out=None) -> dict:
    out = out or sys.stdout
    if args.experiment is not None or args.session_out is not None:
        return run_experiment_command(args, out)
    if args.save:  # before hours of training, not after
        try:
            check_writable(args.save)
        except OSError as exc:
            raise CliError(f"--save: {exc}") from None
    data = load_data(args)
    spec, config = configure(args, data.input_size, data.n_classes)
    data = as_network_sees(data, spec)  # only the chosen classes, relabelled 0..k-1
    try:
        check_training_fits(spec, config, len(data.train_labels))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    net = Network(spec)
    trainer = Trainer(net, config, data.train_images, data.train_labels, data.test_images, data.test_labels)
    if not args.json:
        print(f"{data.name}: {len(data.train_labels):,} training and {len(data.test_labels):,} test "
              f"images from {data.source}\n{net!r}\n{config.describe()}", file=out)
    end = _train(trainer, None if args.json else out)
    if args.save and end.reason != "diverged":
        net.save(args.save)
    summary = _summary(data, net, config, end, args.save)
    if spec.class_labels:  # a subset of the classes: the baseline on the same ones beside
        _add_baseline(summary, data, None if args.json else out)
    return summary


def _train(trainer: Trainer, out) -> RunEnd:
    """Run ``trainer`` to its end, printing a line per epoch to ``out`` unless it is None."""
    end = None
    for event in trainer.run():
        if isinstance(event, EpochEnd) and out is not None:
            print(_epoch_line(event), file=out, flush=True)
        elif isinstance(event, RunEnd):
            end = event
    assert end is not None  # the trainer always ends with a RunEnd
    return end


def _add_baseline(summary: dict, data, out) -> None:
    """The nearest-mean (L2) classifier's test accuracy on ``data`` (fitted on its training
    images) into ``summary``, and printed beside the network's to ``out`` unless it is None."""
    summary["baseline_accuracy"] = accuracy = evaluate_baseline(data).accuracy
    if out is not None:
        print(f"{data.name}: test accuracy {summary['test_accuracy']:.2%}; the nearest-mean baseline on "
              f"the same classes gets {accuracy:.2%}", file=out)


def _epoch_line(e: EpochEnd) -> str:
    val = f"  val loss {e.val_loss:.4f} acc {e.val_accuracy:.2%}" if e.val_loss is not None else ""
    return (f"epoch {e.epoch:>3}/{e.epochs}  train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%}"
            f"{val}  {e.seconds:.2f} s  {e.samples_per_second:,.0f} samples/s")


def _summary(data, net, config, end: RunEnd, saved) -> dict:
    return {
        "dataset": data.name, "network": net.spec.to_dict(), "training": config.to_dict(),
        "parameters": net.n_params, "reason": end.reason, "message": end.message,
        "test_accuracy": end.test_accuracy, "test_loss": end.test_loss,
        "train_seconds": end.train_seconds, "samples_per_second": end.samples_per_second,
        "epochs_completed": end.epochs_completed, "saved": saved,
        "history": [asdict(e) for e in end.history],
    }


# --- experiments ------------------------------------------------------------------------------

RUN_OPTIONS = ("preset", "layers", "epochs", "batch_size", "optimizer", "lr", "init", "seed", "save")


def _experiment_and_session(args):
    """The experiment and the session file's path, both checked before anything runs."""
    if args.experiment is None:
        raise CliError("--session-out needs --experiment (a single run is saved with --save)")
    given = [f"--{name.replace('_', '-')}" for name in RUN_OPTIONS
             if getattr(args, name) is not None]
    if given:
        raise CliError(f"--experiment takes every run setting from the experiment; drop {', '.join(given)}")
    experiment = load_experiment(args.experiment)
    session = args.session_out or f"{_file_name(experiment.name)}.session.npz"
    try:
        session = check_writable(session)  # before the runs, not after
    except OSError as exc:
        raise CliError(f"--session-out: {exc}") from None
    return experiment, session


def run_experiment_command(args, out) -> dict:
    """``--experiment``: every configuration in turn, a results table, and a session file."""
    experiment, session = _experiment_and_session(args)
    data = load_data(args)
    if not args.json:
        print(f"{data.name}: {len(data.train_labels):,} training and {len(data.test_labels):,} test images "
              f"from {data.source}\nExperiment {experiment.name}: {experiment.runs} runs. "
              f"{experiment.description}", file=out, flush=True)
    finished = []

    def on_event(event):
        if isinstance(event, RunStarted) and not args.json:
            print(f"[{event.index + 1}/{event.total}] {event.configuration.label} ...", file=out, flush=True)
        elif isinstance(event, RunFinished):
            finished.append(event.run)
            if not args.json:
                print(f"      {_result_line(event.run)}", file=out, flush=True)

    try:
        runs = run_experiment(experiment, data, on_event=on_event)
    except KeyboardInterrupt:
        if finished:
            save_session(session, within_budget(finished))
            print(f"mnist-train: the {len(finished)} finished runs are in {session}", file=sys.stderr)
        raise
    save_session(session, within_budget(runs))  # the replay of the app's sessions: 96 MiB in all
    shifted = shift_tests(experiment, runs, data)
    if not args.json:
        _print_tables(experiment, runs, shifted, session, out, data)
    return {"experiment": experiment.name, "dataset": data.name, "session": str(session),
            "runs": [_run_summary(r) for r in runs], "reason": "completed",
            **({"shift_test": {name: [float(a) for a in c.accuracy] for name, c in shifted.items()}}
               if shifted else {}),
            "message": f"Ran {len(runs)} configurations of {experiment.name}.", "test_accuracy": None}


def _print_tables(experiment: Experiment, runs, shifted: dict, session, out, data) -> None:
    """The results table; by the second for an experiment at equal time; the shift test's."""
    print(f"\n{results_table(runs)}\n\nSession written to {session} ({len(runs)} runs).", file=out)
    if experiment.time_limit is not None:
        print(f"\n{time_table(runs, experiment.time_limit)}", file=out)
    if shifted:
        print(f"\n{shift_table(shifted)}", file=out)
    if any(r.spec.class_labels for r in runs):
        print(f"\n{classes_table(runs, baseline_accuracies([r.spec for r in runs], data))}", file=out)


def classes_table(runs, baselines) -> str:
    """Each run's test accuracy beside the nearest-mean baseline's on the same classes."""
    width = max([len("run"), *(len(r.name) for r in runs)])
    rows = [f"{r.name:<{width}}  {_percent(_accuracy(r)):>8}  {_percent(b):>8}" for r, b in zip(runs, baselines)]
    return "\n".join(["Test accuracy on each run's classes, and the nearest-mean baseline's on the same ones:",
                      f"{'run':<{width}}  {'network':>8}  {'baseline':>8}", *rows])


def _percent(accuracy: float | None) -> str:
    return "—" if accuracy is None else f"{accuracy:.2%}"


def shift_tests(experiment: Experiment, runs, data) -> dict:
    """{run name: ShiftCurve} for an experiment with a shift test (runs without a network left out)."""
    if not experiment.shift_test:
        return {}
    runs = [r for r in runs if r.network is not None]
    # each network on its own classes' test digits (a 3-vs-7 network: the 3s and 7s, as 0 and 1)
    seen = shift_samples(data.test_images, data.test_labels, [r.spec for r in runs], n=len(data.test_labels))
    return {r.name: accuracy_by_shift(r.network, images, labels, experiment.shift_test)
            for r, (images, labels) in zip(runs, seen)}


def shift_table(curves: dict) -> str:
    """Test accuracy of each run on digits moved by 0, 1, ... pixels, one row a run."""
    shifts = next(iter(curves.values())).shifts
    width = max(len("run"), *(len(name) for name in curves))
    head = f"{'run':<{width}}  " + "  ".join(f"{int(s)} px".rjust(7) for s in shifts)
    rows = [f"{name:<{width}}  " + "  ".join(f"{100 * a:6.2f}%" for a in c.accuracy) for name, c in curves.items()]
    return "\n".join([f"Test accuracy on digits moved by 0 to {int(shifts[-1])} pixels:", head, *rows])


def load_experiment(text: str) -> Experiment:
    """A built-in experiment by name, or one read from a JSON file; CliError naming it otherwise."""
    if text in EXPERIMENTS:
        return EXPERIMENTS[text]
    if not os.path.exists(text):
        raise CliError(f"--experiment: {text!r} is neither a file nor a built-in experiment "
                       f"({', '.join(EXPERIMENTS)})")
    try:
        return Experiment.read(text)
    except (OSError, ValueError) as exc:
        raise CliError(f"--experiment: {text}: {exc}") from None


def results_table(runs) -> str:
    """The runs as an aligned table: label, status, test accuracy, training time, epochs and
    images seen (an equal-time run may not end an epoch), parameters."""
    best = max((r for r in runs if _accuracy(r) is not None), key=_accuracy, default=None)
    width = max([len("run"), *(len(r.name) for r in runs)])
    lines = [f"{'run':<{width}}  {'status':<9}  {'test acc':>8}  {'time':>8}  {'epochs':>7}  {'images':>11}  "
             f"{'parameters':>10}"]
    for r in runs:
        acc = "—" if _accuracy(r) is None else f"{_accuracy(r):.2%}"
        seconds = r.end.train_seconds if r.end else 0.0
        mark = "  <- best" if r is best else ""
        epochs, images = epochs_trained(r.points, r.epochs), images_seen(r.points, r.end)
        lines.append(f"{r.name:<{width}}  {r.status:<9}  {acc:>8}  {seconds:>6.1f} s  {epochs:>7.2f}  "
                     f"{images:>11,}  {r.spec.n_params:>10,}{mark}")
    return "\n".join(lines)


def time_table(runs, limit: float) -> str:
    """Validation accuracy (on the TimePoints' sample) after 0, 1, 2, ... seconds of training,
    for an experiment at equal time: the last point measured by then."""
    marks = list(range(0, math.floor(limit) + 1))
    width = max([len("run"), *(len(r.name) for r in runs)])
    head = f"{'run':<{width}}  " + "  ".join(f"{t} s".rjust(6) for t in marks)
    rows = [f"{r.name:<{width}}  " + "  ".join(_accuracy_by(r, t).rjust(6) for t in marks) for r in runs]
    return "\n".join([f"Validation accuracy after each second of training ({POINT_IMAGES} images):", head, *rows])


def _accuracy_by(run, seconds: float) -> str:
    measured = [p for p in run.points if p.seconds <= seconds + 0.05 and p.val_accuracy is not None]
    return f"{measured[-1].val_accuracy:.1%}" if measured else "—"


def _accuracy(run):
    return None if run.end is None else run.end.test_accuracy


def _result_line(run) -> str:
    acc = "" if _accuracy(run) is None else f"test accuracy {_accuracy(run):.2%}, "
    seconds = f"{run.end.train_seconds:.1f} s" if run.end else ""
    return f"{run.status}: {acc}{seconds}  {run.message}".rstrip()


def _run_summary(run) -> dict:
    return {"label": run.name, "status": run.status, "message": run.message,
            "test_accuracy": _accuracy(run), "test_loss": None if run.end is None else run.end.test_loss,
            "train_seconds": None if run.end is None else run.end.train_seconds,
            "epochs_completed": len(run.epochs), "epochs_trained": epochs_trained(run.points, run.epochs),
            "images_seen": images_seen(run.points, run.end), "parameters": run.spec.n_params,
            "network": run.spec.to_dict(), "training": run.config.to_dict()}


def _file_name(name: str) -> str:
    """``name`` made safe as a file name in the current folder."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip(".-")
    return safe or "experiment"


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        summary = run(args)
    except (CliError, DatasetError, ValueError, OSError) as exc:
        print(f"mnist-train: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mnist-train: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(summary))
    else:
        acc = summary["test_accuracy"]
        print(f"{summary['message']} Test accuracy: {acc:.2%}" if acc is not None else summary["message"])
    return 0 if summary["reason"] != "diverged" else 1


if __name__ == "__main__":
    sys.exit(main())
