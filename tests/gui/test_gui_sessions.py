"""Experiments, sessions and the learning-rate finder in the window."""

import json
import os
import zipfile

import numpy as np
import pytest

from engine.experiments import Axis, Experiment
from engine.files.session_file import load_session

from gui import TIMEOUT, open_window
from synthetic import make_idx_folder


@pytest.fixture
def window(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "data", n_train=300), settings)
    window.show_panel("training")
    return window


def _tiny(view, epochs=1):
    from dataclasses import replace

    from engine.network import HiddenLayer
    b = view.builder
    b.set_spec(replace(b.spec(), hidden=(HiddenLayer(8, "relu"),)),
               replace(b.config(), epochs=epochs, batch_size=32))
    return b.spec(), b.config()


def _train(qtbot, view, epochs=1):
    _tiny(view, epochs)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT) as blocker:
        view.start()
    return blocker.args[0]


def test_an_experiment_of_three_runs_fills_the_runs_list_and_its_results(qtbot, window):
    view = window.training_view
    spec, config = _tiny(view)
    experiment = Experiment("lr test", "three rates", spec, config, (Axis("lr", (0.001, 0.01, 0.1)),))
    formats = []
    view.session.progressed.connect(lambda _p: formats.append(view.controls.progress.toolTip()))
    with qtbot.waitSignal(view.session.experiment_finished, timeout=3 * TIMEOUT) as blocker:
        view.start_experiment(experiment)
    assert any(f.startswith("Run 3 of 3") for f in formats)  # one progress for the whole
    assert view.controls.progress.value() == view.controls.progress.maximum()
    name, runs = blocker.args
    assert name == "lr test" and len(runs) == 3
    assert [r.config.lr for r in runs] == [0.001, 0.01, 0.1]
    assert view.runs() == runs and all(r.group == "lr test" for r in runs)
    assert all(r.status == "completed" and r.network is not None for r in runs)
    table = view.results
    assert table.isVisibleTo(view) and table.rowCount() == 3
    for row, run in enumerate(runs):
        assert table.item(row, 1).text() == f"{100 * run.test_accuracy:.2f} %"
    best = max(range(3), key=lambda i: runs[i].test_accuracy)
    assert table.item(best, 1).font().bold()
    assert view.state == "idle"


def test_a_session_round_trips_every_curve_and_weight(qtbot, window, tmp_path):
    view = window.training_view
    first, second = _train(qtbot, view, 1), _train(qtbot, view, 2)
    path = window.save_session(tmp_path / "lesson.session.npz")
    saved = [(r.name, r.raw.x().copy(), r.raw.y().copy(), [e.val_accuracy for e in r.epochs],
              [p.value.copy() for p in r.network.parameters]) for r in (first, second)]
    view.remove_run(first)
    opened = window.open_session(path)
    assert [r.name for r in opened] == [s[0] for s in saved]
    for run, (_, x, y, val, weights) in zip(opened, saved):
        np.testing.assert_array_equal(run.raw.x(), x)
        np.testing.assert_array_equal(run.raw.y(), y)
        assert [e.val_accuracy for e in run.epochs] == val
        for p, w in zip(run.network.parameters, weights):
            np.testing.assert_array_equal(p.value, w)
    assert view.runs_list.table.rowCount() == 2
    # the last run with a network is shown (through the model hub) and its row selected
    assert window.hub.network is opened[-1].network and window.hub.run is opened[-1]
    assert view.runs_list.selected_run() is opened[-1]
    view.runs_list.select_run(opened[0])  # selecting alone keeps the model...
    assert window.hub.network is opened[-1].network
    view.runs_list.use_network(opened[0])  # ..."Use its network" changes it
    assert window.hub.network is opened[0].network


def test_a_tampered_or_truncated_session_is_refused_and_the_runs_kept(qtbot, window, tmp_path):
    view = window.training_view
    run = _train(qtbot, view)
    path = window.save_session(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    tampered = tmp_path / "tampered.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".json") or b'"runs"' in data[:4096]:
                data = data.replace(b'"relu"', b'"nonsense"')
            dst.writestr(item, data)
    stalled, zeros = tmp_path / "stalled.npz", tmp_path / "zeros.npz"
    os.mkfifo(stalled)  # opening it used to freeze the window for good
    zeros.symlink_to("/dev/zero")  # reading it used to grow without bound
    for bad in (truncated, tampered, tmp_path / "missing.npz", stalled, zeros):
        with pytest.raises(ValueError) as error:
            window.open_session(bad)
        assert bad.name in str(error.value)
        assert view.runs() == [run]  # nothing changed


def test_the_learning_rate_finder_suggests_a_rate_the_builder_takes(qtbot, window):
    view = window.training_view
    _tiny(view)
    network_before = window.hub.network
    with qtbot.waitSignal(view.lr_runner.succeeded, timeout=3 * TIMEOUT) as blocker:
        view.controls.lr_finder_button.click()
    result = blocker.args[0]
    dialog = view.lr_dialog
    x, _y = dialog.curve.getData()
    assert len(x) == len(result.lrs) > 10
    assert dialog.findChild(type(dialog.plot), "lrFinderPlot") is dialog.plot
    dialog.use_button.click()
    from mnist_gui.widgets.number_text import rounded  # the suggestion as the dialog says it
    assert view.builder.config().lr == rounded(result.suggestion, 2)
    assert window.hub.network is network_before  # the finder works on a copy
    dialog.close()


def test_a_session_from_the_headless_trainer_opens_in_the_app(qtbot, window, tmp_path):
    from engine.cli import main as mnist_train
    spec, config = _tiny(window.training_view)
    experiment = Experiment("cli", "two sizes", spec, config, (Axis("hidden_units", (4, 8)),))
    design = tmp_path / "design.json"
    design.write_text(experiment.to_json())
    out = tmp_path / "cli.session.npz"
    data = window.dataset.source
    assert mnist_train(["--data", data, "--experiment", str(design), "--session-out", str(out)]) == 0
    assert len(load_session(out)) == 2
    runs = window.open_session(out)
    assert [r.spec.hidden[0].units for r in runs] == [4, 8]
    json.loads(experiment.to_json())  # the design file is plain JSON


def test_the_canvas_reads_with_the_selected_runs_network(qtbot, window):
    view = window.training_view
    first, second = _train(qtbot, view, 1), _train(qtbot, view, 2)
    window.draw_view.show_image(window.dataset.test_images[0])
    for run in (first, second, first):
        view.runs_list.use_network(run)
        qtbot.waitUntil(lambda: window.draw_view.reading() is not None, timeout=TIMEOUT)
        reading = window.draw_view.reading()
        expected = run.network.predict_proba(reading.pre.image[None])[0]
        np.testing.assert_allclose(reading.probabilities, expected, rtol=1e-6)
        assert run.name in window.hub.description  # the window says which run it is


def test_open_design_reads_what_mnist_train_reads(qtbot, window, tmp_path, monkeypatch):
    """One reader, one limit: a design of 1,000,500 bytes opens in the app (it used to read the
    first 1,000,000 characters and call it "not valid JSON")."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from mnist_gui.panels.training.experiments import ExperimentDialog
    spec, config = _tiny(window.training_view)
    experiment = Experiment("padded", "two sizes", spec, config, (Axis("hidden_units", (4, 8)),))
    path = tmp_path / "padded.json"
    path.write_text(experiment.to_json() + " " * (1_000_500 - len(experiment.to_json())))
    dialog = ExperimentDialog(spec, config)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    dialog._load()
    assert warnings == [] and dialog.experiment() == experiment
    path.unlink()
    path.mkdir()
    dialog._load()
    assert warnings == [f"{path}: it is a folder, not a regular file; mnist-gui reads only regular files"]


def test_file_open_session_reads_in_the_background_with_progress(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    view = window.training_view
    _train(qtbot, view), _train(qtbot, view)
    path = window.save_session(tmp_path / "lesson.session.npz")
    names = [r.name for r in view.runs()]
    view.remove_run(view.runs()[0])
    texts = []
    window.session_reader.progressed.connect(lambda done, total, text: texts.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    with qtbot.waitSignal(window.session_reader.read, timeout=TIMEOUT):
        window._ask_open_session()
        assert window.status.cancel_button.isVisibleTo(window)  # while it reads
    assert [r.name for r in view.runs()] == names and len(names) == 2
    assert texts[-1] == "Opening lesson.session.npz: run 2 of 2"
    assert not window.status.cancel_button.isVisibleTo(window)


def test_cancel_drops_a_slow_session_and_keeps_the_runs(qtbot, window, tmp_path, monkeypatch):
    """A read that hangs (a stalled share): Cancel frees the window at once, the runs stay."""
    import threading

    import engine.files.session_file
    view = window.training_view
    run = _train(qtbot, view)
    path = window.save_session(tmp_path / "slow.session.npz")
    entered, release = threading.Event(), threading.Event()
    build = engine.files.session_file._build_run

    def slow_build(*args):
        entered.set()
        release.wait(TIMEOUT / 1000)
        return build(*args)

    monkeypatch.setattr(engine.files.session_file, "_build_run", slow_build)
    with qtbot.waitSignal(window.session_reader.cancelled, timeout=TIMEOUT):
        window.open_session_in_background(path)
        qtbot.waitUntil(entered.is_set, timeout=TIMEOUT)
        window.status.cancel_button.click()
    assert not window.session_reader.is_busy() and view.runs() == [run]
    with qtbot.assertNotEmitted(window.session_reader.read):
        release.set()
        assert window.session_reader.runner.shutdown(TIMEOUT)
    assert view.runs() == [run]


def test_a_bad_session_read_in_the_background_is_named_in_a_dialog(qtbot, window, tmp_path):
    from PySide6.QtWidgets import QMessageBox
    run = _train(qtbot, window.training_view)
    bad = tmp_path / "stalled.session.npz"
    os.mkfifo(bad)
    with qtbot.waitSignal(window.session_reader.failed, timeout=TIMEOUT):
        window.open_session_in_background(bad)
    dialog = window.findChild(QMessageBox, "sessionErrorDialog")
    assert dialog is not None and dialog.isVisible()
    assert f"{bad}: it is a named pipe (FIFO), not a regular file" in dialog.text()
    assert window.training_view.runs() == [run]


def test_the_learning_rate_finder_can_be_cancelled_and_changes_nothing(qtbot, window, monkeypatch):
    import threading

    def endless_test(network, config, images, labels, *, check, progress):  # a range test that never ends
        while True:
            check()
            threading.Event().wait(0.005)

    monkeypatch.setattr("engine.lr_finder.find_learning_rate", endless_test)
    view = window.training_view
    _tiny(view)
    lr_before = view.builder.config().lr
    view.controls.lr_finder_button.click()
    dialog = view.lr_dialog
    assert dialog.cancel_button.isEnabled() and not dialog.use_button.isEnabled()
    with qtbot.waitSignal(view.lr_runner.was_cancelled, timeout=TIMEOUT):
        dialog.cancel_button.click()
    assert "Cancelled" in dialog.text.text() and not dialog.use_button.isEnabled()
    assert not dialog.cancel_button.isEnabled() and dialog.progress.isHidden()
    assert view.builder.config().lr == lr_before
    dialog.close()
