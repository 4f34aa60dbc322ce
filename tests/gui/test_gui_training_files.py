"""The training panel's files: exports written whole or not at all, every failure in one dialog naming
the user's file, bad model files refused with the current model kept, networks too big refused."""

import errno
import os
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

import engine.memory
from engine.memory import estimate_training
from engine.network import HiddenLayer, Network, NetworkSpec
from mnist_gui.panels.training.view import TrainingView
from mnist_gui.state.model_hub import ModelHub

from synthetic import make_dataset

TIMEOUT = 20000


@pytest.fixture
def view(qtbot, datasets):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(make_dataset(240, 60))
    yield view
    assert view.shutdown(5000)


@pytest.fixture
def trained(qtbot, view):
    """The view after one short run: there are curves to export and a network in the hub."""
    b = view.builder
    b.set_spec(replace(b.spec(), hidden=(HiddenLayer(8),)), replace(b.config(), epochs=1, batch_size=32))
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT):
        view.controls.start_button.click()
    return view


def choose(monkeypatch, path, dialog="getSaveFileName"):
    """The file dialog answers ``path``, as if the user had chosen it."""
    monkeypatch.setattr(QFileDialog, dialog, lambda *args, **kwargs: (str(path), ""))


def full_disk(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def dialog_text(view) -> str:
    box = view.error_dialog()
    assert box is not None and box.isVisible(), "no error dialog"
    return box.text()


EXPORTS = {"csv": "ask_export_csv", "png": "ask_export_png"}  # PanelFiles (files.py)


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_on_a_full_disk_keeps_the_previous_file_and_says_so(trained, monkeypatch, tmp_path,
                                                                       kind):
    path = tmp_path / f"chosen.{kind}"
    path.write_bytes(b"the previous export")
    choose(monkeypatch, path)
    monkeypatch.setattr(os, "replace", full_disk)
    getattr(trained.files, EXPORTS[kind])()
    text = dialog_text(trained)
    assert str(path) in text and "No space left" in text and ".tmp" not in text
    assert path.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_to_a_missing_folder_names_the_file(trained, monkeypatch, tmp_path, kind):
    path = tmp_path / "no-such-folder" / f"chosen.{kind}"
    choose(monkeypatch, path)
    getattr(trained.files, EXPORTS[kind])()
    assert str(path) in dialog_text(trained)


def test_a_png_that_cannot_be_made_is_reported_not_ignored(trained, monkeypatch, tmp_path):
    path = tmp_path / "plots.png"
    choose(monkeypatch, path)
    monkeypatch.setattr(QImage, "save", lambda *args: False)
    trained.files.ask_export_png()
    assert str(path) in dialog_text(trained) and not path.exists()


def test_exports_are_whole_and_follow_the_umask(trained, tmp_path):
    old = os.umask(0o027)
    try:
        csv = trained.export_csv(tmp_path / "runs.csv")
        png = trained.export_png(tmp_path / "plots.png")
    finally:
        os.umask(old)
    assert csv.read_text().startswith("run,series,epoch,value\n")
    assert png.read_bytes().startswith(b"\x89PNG")
    assert csv.stat().st_mode & 0o777 == png.stat().st_mode & 0o777 == 0o640


def bad_model_files(folder, good):
    """{name: path} of files that are not models, each once made from a good model file."""
    data = good.read_bytes()
    files = {"truncated.npz": data[: len(data) // 2], "empty.npz": b"", "text.npz": b"hello\n" * 50}
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    paths["weights.npy"] = folder / "weights.npy"
    np.save(paths["weights.npy"], np.zeros((784, 10), np.float32))
    if hasattr(os, "mkfifo"):  # a stalled network share: opening it used to freeze the window
        paths["stalled.npz"] = folder / "stalled.npz"
        os.mkfifo(paths["stalled.npz"])
    if os.path.exists("/dev/zero"):  # endless: reading it used to grow without bound
        paths["zeros.npz"] = folder / "zeros.npz"
        paths["zeros.npz"].symlink_to("/dev/zero")
    return paths


def test_every_bad_model_file_gives_one_dialog_naming_it_and_the_model_stays(qtbot, view, monkeypatch,
                                                                             tmp_path):
    current = Network(NetworkSpec(input_size=784, hidden=(HiddenLayer(8),)))
    view.hub.set_network(current, "the current one")
    good = Network(NetworkSpec(input_size=784, hidden=(HiddenLayer(4),))).save(tmp_path / "good.npz")
    spec_before = view.builder.spec()
    for name, path in bad_model_files(tmp_path, good).items():
        choose(monkeypatch, path, "getOpenFileName")
        with qtbot.waitSignal(view.model_runner.failed, timeout=TIMEOUT):
            view.files._ask_load()  # read in a job: the window stays free
        text = dialog_text(view)
        assert str(path) in text and "allow_pickle" not in text and ".tmp" not in text, name
        assert view.hub.network is current and view.builder.spec() == spec_before, name
        shown = [box for box in view.findChildren(QMessageBox, "fileErrorDialog") if box.isVisible()]
        assert shown == [view.error_dialog()], name


def test_a_network_that_cannot_fit_in_memory_cannot_start(qtbot, view, monkeypatch):
    monkeypatch.setattr(engine.memory, "available_memory", lambda: 2_000_000_000)
    b = view.builder
    spec = replace(b.spec(), hidden=tuple(HiddenLayer(4096) for _ in range(8)))
    b.set_spec(spec, replace(b.config(), batch_size=None))
    estimate = estimate_training(b.spec(), b.config(), 240)
    start = view.controls.start_button
    assert not start.isEnabled()
    assert "needs about" in b.problem() and estimate.describe() in b.problem()
    assert estimate.describe() in start.toolTip()
    assert b.memory_label.text() == f"Memory ≈ {estimate.describe()}"
    assert view.start() is None and view.current_run is None
    b.set_spec(replace(spec, hidden=(HiddenLayer(16),)))
    assert start.isEnabled() and b.problem() == ""


def test_start_checks_the_memory_free_at_that_moment(qtbot, view, monkeypatch):
    assert view.controls.start_button.isEnabled()
    monkeypatch.setattr(engine.memory, "available_memory", lambda: 1000)
    assert view.start() is None and view.current_run is None
    assert "needs about" in view.controls.banner_text.text()


def test_saving_the_model_on_a_full_disk_names_the_chosen_file(trained, monkeypatch, tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"the model saved before")
    choose(monkeypatch, path)
    monkeypatch.setattr(os, "replace", full_disk)
    trained.files._ask_save()
    text = dialog_text(trained)
    assert str(path) in text and "No space left" in text and ".tmp" not in text
    assert path.read_bytes() == b"the model saved before"
    monkeypatch.undo()
    old = os.umask(0o077)
    try:
        trained.save_model(path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert Network.load(path).spec == trained.hub.network.spec


@pytest.mark.parametrize("kind", EXPORTS)
def test_an_export_to_a_read_only_folder_names_the_file(trained, monkeypatch, tmp_path, kind):
    import tempfile

    def read_only(*_args, **_kwargs):  # what mkstemp meets in a read-only folder (tests run as root)
        raise PermissionError(errno.EACCES, "Permission denied")

    path = tmp_path / f"chosen.{kind}"
    choose(monkeypatch, path)
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    getattr(trained.files, EXPORTS[kind])()
    text = dialog_text(trained)
    assert str(path) in text and "Permission denied" in text and not path.exists()


def test_load_model_reads_in_a_job_and_shows_the_network(qtbot, view, monkeypatch, tmp_path):
    path = Network(NetworkSpec(input_size=784, hidden=(HiddenLayer(6), HiddenLayer(5)))).save(tmp_path / "m.npz")
    steps = []
    view.model_runner.progressed.connect(lambda done, total, text: steps.append((done, total, text)))
    choose(monkeypatch, path, "getOpenFileName")
    with qtbot.waitSignal(view.model_runner.succeeded, timeout=TIMEOUT):
        view.files._ask_load()
    assert view.hub.network.spec.describe() == "784-6(relu)-5(relu)-10"
    assert view.builder.spec().hidden == (HiddenLayer(6), HiddenLayer(5))
    assert steps[-1] == (3, 3, "Loading m.npz: layer 3 of 3")
