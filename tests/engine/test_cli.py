"""mnist-train: the JSON summary, saving, and one clear line on stderr for every kind of bad input."""

import json
import os
import subprocess
import sys

import pytest

from engine.cli import CliError, main, parse_layers
from engine.network import ConvLayer, HiddenLayer, Network, PoolLayer

from synthetic import make_idx_folder


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return make_idx_folder(tmp_path_factory.mktemp("data"), n_train=200, n_test=50)


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_summary(capsys, data_dir):
    code, out, err = _run(capsys, "--data", str(data_dir), "--layers", "32:relu,16:tanh", "--epochs", "2",
                          "--batch-size", "20", "--optimizer", "momentum", "--lr", "0.05", "--seed", "3", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["reason"] == "completed"
    assert 0.5 < summary["test_accuracy"] <= 1  # chance is 0.1
    assert summary["train_seconds"] > 0 and summary["samples_per_second"] > 0
    assert [e["epoch"] for e in summary["history"]] == [1, 2]
    assert summary["network"]["hidden"] == [{"units": 32, "activation": "relu"}, {"units": 16, "activation": "tanh"}]
    assert summary["training"]["batch_size"] == 20 and summary["training"]["optimiser"] == "momentum"
    assert summary["network"]["seed"] == summary["training"]["seed"] == 3


def test_plain_output_has_one_line_per_epoch(capsys, data_dir):
    code, out, _ = _run(capsys, "--data", str(data_dir), "--preset", "course-lab", "--epochs", "3")
    assert code == 0
    assert sum(line.startswith("epoch ") for line in out.splitlines()) == 3
    assert "Test accuracy:" in out.splitlines()[-1]


def test_save_writes_a_loadable_model(capsys, data_dir, tmp_path):
    path = tmp_path / "net.npz"
    code, out, _ = _run(capsys, "--data", str(data_dir), "--epochs", "1", "--save", str(path), "--json")
    assert code == 0
    net = Network.load(path)
    assert json.loads(net.spec.to_json()) == json.loads(out)["network"]


def test_full_batch(capsys, data_dir):
    code, out, _ = _run(capsys, "--data", str(data_dir), "--preset", "textbook", "--epochs", "2", "--json")
    assert code == 0
    assert json.loads(out)["training"]["batch_size"] is None


@pytest.mark.parametrize("argv, message", [
    (["--layers", "abc"], "--layers: 'abc' is not units:activation"),
    (["--layers", "64:swish"], "unknown activation 'swish'"),
    (["--epochs", "0"], "epochs must be 1 to 100000"),
    (["--batch-size", "lots"], "--batch-size: expected a number or 'full'"),
    (["--lr", "-1"], "learning rate must be a positive number"),
    (["--preset", "huge"], "invalid choice: 'huge'"),
    (["--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
])
def test_bad_arguments_give_one_line_and_exit_2(capsys, data_dir, argv, message):
    code, _out, err = _run(capsys, "--data", str(data_dir), *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mnist-train: error: ")
    assert message in err


def test_bad_data_folder_gives_one_line(capsys, tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 5)
    code, _, err = _run(capsys, "--data", str(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert str(tmp_path) in err or "train-images-idx3-ubyte" in err


def test_missing_folder_gives_one_line(capsys, tmp_path):
    code, _, err = _run(capsys, "--data", str(tmp_path / "nowhere"))
    assert code == 2 and err.count("\n") == 1 and "nowhere" in err


def test_offline_digits(capsys):
    code, out, _ = _run(capsys, "--data", "offline", "--epochs", "5", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["dataset"] == "Offline digits (8x8)"
    assert summary["network"]["input_size"] == 64
    assert summary["test_accuracy"] > 0.85


def test_parse_layers():
    assert parse_layers("none") == ((), ())
    assert parse_layers("128:relu, 64:tanh") == ((), (HiddenLayer(128, "relu"), HiddenLayer(64, "tanh")))
    assert parse_layers("conv:6x5p2,pool:2,conv:16x5s2:tanh,pool:3,120:relu") == (
        (ConvLayer(6, 5, padding=2), PoolLayer(2), ConvLayer(16, 5, stride=2, activation="tanh"), PoolLayer(3)),
        (HiddenLayer(120, "relu"),))
    for bad, why in (("conv:6", "not conv:CHANNELSxKERNEL"), ("pool:x", "not pool:SIZE"),
                     ("120:relu,conv:6x5", "convolutional layers come first")):
        with pytest.raises(CliError, match=why):
            parse_layers(bad)


def test_console_script_runs_without_a_traceback(data_dir):
    result = subprocess.run([sys.executable, "-m", "engine.cli", "--data", str(data_dir), "--epochs", "nine"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "invalid int value: 'nine'" in result.stderr


def test_unwritable_save_path_fails_before_training(capsys, data_dir, tmp_path, monkeypatch):
    import engine.cli
    monkeypatch.setattr(engine.cli, "Trainer", lambda *a, **k: pytest.fail("trained"))
    target = tmp_path / "no" / "such" / "dir" / "m.npz"
    code, _, err = _run(capsys, "--data", str(data_dir), "--save", str(target))
    assert code == 2 and err.count("\n") == 1
    assert f"--save: {target}: the folder" in err and "does not exist" in err
    code, _, err = _run(capsys, "--data", str(data_dir), "--save", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_a_network_too_big_for_memory_is_refused_before_allocating(capsys, data_dir, monkeypatch):
    import engine.cli
    monkeypatch.setattr(engine.cli, "Network", lambda *a, **k: pytest.fail("allocated"))
    layers = ",".join(["4096:relu"] * 1000)
    code, _, err = _run(capsys, "--data", str(data_dir), "--layers", layers)
    assert code == 2 and err.count("\n") == 1
    assert "needs about" in err and "GB" in err and "available" in err


def test_negative_seed_says_seed(capsys, data_dir):
    code, _, err = _run(capsys, "--data", str(data_dir), "--seed", "-1")
    assert code == 2 and "seed must be" in err and "-1" in err


def test_empty_data_is_an_error_not_a_download(capsys, monkeypatch):
    import engine.cli
    monkeypatch.setattr(engine.cli, "download", lambda *a, **k: pytest.fail("downloaded"))
    code, _, err = _run(capsys, "--data", "")
    assert code == 2 and "--data: the folder name is empty" in err


def test_missing_data_dir_from_the_environment_is_an_error(capsys, monkeypatch, tmp_path):
    import engine.cli
    monkeypatch.setattr(engine.cli, "download", lambda *a, **k: pytest.fail("downloaded"))
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "gone"))
    code, _, err = _run(capsys)
    assert code == 2 and err.count("\n") == 1
    assert f"$MNIST_DATA_DIR is set to {tmp_path / 'gone'}, but that folder does not exist" in err


# --- experiments ------------------------------------------------------------------------------

def tiny_experiment(tmp_path, name="tiny lrs", time_limit=None) -> str:
    from engine.experiments import Axis, Experiment
    from engine.network import NetworkSpec
    from engine.training import TrainConfig
    e = Experiment(name, "three learning rates", NetworkSpec(hidden=[(16, "relu")]),
                   TrainConfig(epochs=2 if time_limit is None else 100_000, batch_size=20, optimiser="sgd", lr=0.1),
                   (Axis("lr", [0.01, 0.1, 0.5]),), train_size=150, time_limit=time_limit)
    path = tmp_path / "tiny.json"
    path.write_text(e.to_json())
    return str(path)


def test_experiment_runs_every_configuration_and_writes_a_session(capsys, data_dir, tmp_path, monkeypatch):
    from engine.files.session_file import load_session
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "--data", str(data_dir), "--experiment", tiny_experiment(tmp_path))
    assert code == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("run "))
    table = lines[header:header + 4]
    assert [line.split("  ")[0].strip() for line in table[1:]] == ["lr 0.01", "lr 0.1", "lr 0.5"]
    assert all("completed" in line and "%" in line and " s " in line for line in table[1:])
    assert sum("<- best" in line for line in table) == 1
    assert "Session written to tiny-lrs.session.npz (3 runs)" in out
    runs = load_session(tmp_path / "tiny-lrs.session.npz")
    assert [r.name for r in runs] == ["lr 0.01", "lr 0.1", "lr 0.5"]
    assert all(r.group == "tiny lrs" and r.network is not None and len(r.epochs) == 2 for r in runs)
    for run, line in zip(runs, table[1:]):
        assert f"{run.end.test_accuracy:.2%}" in line and f"{run.spec.n_params:,}" in line
        # 2 epochs of the 138 images the validation split leaves
        assert line.split()[6:8] == ["2.00", "276"] and f"{run.end.train_seconds:.1f} s" in line


def test_an_experiment_at_equal_time_prints_real_seconds_images_and_accuracy_by_the_second(capsys, data_dir,
                                                                                          tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "--data", str(data_dir), "--experiment",
                          tiny_experiment(tmp_path, time_limit=1.0))
    assert code == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("run "))
    for line in lines[header + 1:header + 4]:
        cells = line.split()
        seconds, epochs, images = float(cells[4]), float(cells[6]), int(cells[7].replace(",", ""))
        assert seconds == pytest.approx(1.0, abs=0.5) and abs(images - epochs * 138) <= 20  # within a batch
    at = lines.index("Validation accuracy after each second of training (500 images):")
    assert lines[at + 1].split() == ["run", "0", "s", "1", "s"]
    assert [line.split()[:2] for line in lines[at + 2:at + 5]] == [["lr", "0.01"], ["lr", "0.1"], ["lr", "0.5"]]
    assert all(line.count("%") == 2 for line in lines[at + 2:at + 5])


def test_experiment_json_summary_and_session_out(capsys, data_dir, tmp_path):
    from engine.files.session_file import load_session
    target = tmp_path / "out.npz"
    code, out, err = _run(capsys, "--data", str(data_dir), "--experiment", tiny_experiment(tmp_path),
                          "--session-out", str(target), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["session"] == str(target) and summary["experiment"] == "tiny lrs"
    runs = load_session(target)
    assert [r["label"] for r in summary["runs"]] == [r.name for r in runs]
    assert [r["test_accuracy"] for r in summary["runs"]] == [r.end.test_accuracy for r in runs]


def test_a_built_in_experiment_by_name(capsys, data_dir, tmp_path, monkeypatch):
    import engine.cli
    from engine.experiments import EXPERIMENTS
    seen = []
    monkeypatch.setattr(engine.cli, "run_experiment", lambda e, data, **k: seen.append(e) or [])
    code, _, err = _run(capsys, "--data", str(data_dir), "--experiment", "depth",
                        "--session-out", str(tmp_path / "d.npz"))
    assert code == 0, err
    assert seen == [EXPERIMENTS["depth"]]


@pytest.mark.parametrize("argv, message", [
    (["--experiment", "nothing-like-it"], "--experiment: 'nothing-like-it' is neither a file nor a built-in"),
    (["--experiment", "depth", "--lr", "0.1"], "takes every run setting from the experiment; drop --lr"),
    (["--experiment", "depth", "--preset", "default"], "drop --preset"),
    (["--session-out", "x.npz"], "--session-out needs --experiment"),
])
def test_experiment_argument_errors(capsys, data_dir, argv, message):
    code, _, err = _run(capsys, "--data", str(data_dir), *argv)
    assert code == 2 and err.count("\n") == 1 and message in err


def test_a_bad_experiment_file_or_unwritable_session_fails_before_training(capsys, data_dir, tmp_path, monkeypatch):
    import engine.cli
    monkeypatch.setattr(engine.cli, "run_experiment", lambda *a, **k: pytest.fail("trained"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "network": {}, "training": {}, "axes": [{"setting": "colour", "values": [1]}]}')
    code, _, err = _run(capsys, "--data", str(data_dir), "--experiment", str(bad))
    assert code == 2 and err.count("\n") == 1
    assert f"--experiment: {bad}: unknown setting 'colour'" in err
    target = tmp_path / "no" / "dir" / "s.npz"
    code, _, err = _run(capsys, "--data", str(data_dir), "--experiment", tiny_experiment(tmp_path),
                        "--session-out", str(target))
    assert code == 2 and f"--session-out: {target}: the folder" in err


def test_the_cli_reads_a_design_of_a_million_bytes_as_the_app_does(capsys, data_dir, tmp_path, monkeypatch):
    import engine.cli
    seen = []
    monkeypatch.setattr(engine.cli, "run_experiment", lambda e, data, **k: seen.append(e) or [])
    path = tmp_path / "padded.json"
    with open(tiny_experiment(tmp_path), encoding="utf-8") as f:
        text = f.read()
    path.write_text(text + " " * (1_000_500 - len(text)))
    code, _, err = _run(capsys, "--data", str(data_dir), "--experiment", str(path),
                        "--session-out", str(tmp_path / "s.npz"))
    assert code == 0, err
    assert [e.name for e in seen] == ["tiny lrs"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")
        code, _, err = _run(capsys, "--data", str(data_dir), "--experiment", str(tmp_path / "pipe.json"))
        assert code == 2 and "it is a named pipe (FIFO), not a regular file" in err


def test_an_idx_header_of_255_dimensions_is_named_by_the_cli(capsys, tmp_path):
    folder = make_idx_folder(tmp_path / "data", gz=False)
    (folder / "train-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 255]) + b"\0\0\0\1" * 255 + b"\0")
    code, _, err = _run(capsys, "--data", str(folder), "--epochs", "1")
    assert code == 2 and err.count("\n") == 1, err
    assert f"{folder / 'train-images-idx3-ubyte'}: header declares 255 dimensions" in err
    assert "maximum supported dimension" not in err
