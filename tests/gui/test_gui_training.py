"""The Network and training panel: builder <-> engine specs, runs in a QThread, live plots, runs list."""

import time
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QPushButton, QSpinBox, QWidget

from engine.network import HiddenLayer, Network, NetworkSpec
from engine.presets import PRESETS
from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.panels.training.hover import describe_at
from mnist_gui.panels.training.view import TrainingView
from mnist_gui.state.model_hub import ModelHub

from gui import open_window
from synthetic import make_dataset, make_idx_folder

TIMEOUT = 20000
SMALL_NET = ((16, "relu"),)


@pytest.fixture
def data():
    return make_dataset(240, 60)


@pytest.fixture
def view(qtbot, data, datasets):
    hub = ModelHub()
    view = TrainingView(datasets, hub)
    qtbot.addWidget(view)
    datasets.set_dataset(data)
    yield view
    assert view.shutdown(5000)


def configure(view, epochs=3, batch=32, hidden=SMALL_NET, **train):
    """Fill the builder through its public API, as a loaded model or a preset would."""
    b = view.builder
    spec = replace(b.spec(), hidden=tuple(HiddenLayer(*h) for h in hidden))
    config = replace(b.config(), epochs=epochs, batch_size=batch, **train)
    b.set_spec(spec, config)
    return spec, config


def run_to_end(qtbot, view, start=None):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT) as blocker:
        (start or view.controls.start_button.click)()
    return blocker.args[0]


# --- the builder ---------------------------------------------------------------------------


def test_spec_and_config_are_what_the_fields_show(qtbot):
    b = NetworkBuilder()
    qtbot.addWidget(b)
    b.set_data_shape(64, 10, 1000, (8, 8))
    b.layers.set_layers([HiddenLayer(32, "tanh")])
    b.layers.add_layer()
    units, activation = b.layers.row_widgets(1)
    units.setValue(7)
    activation.setCurrentIndex(activation.findData("leaky_relu"))
    b.layers.move_layer(1, -1)
    b.lr_spin.setValue(0.05)
    b.optimiser_combo.setCurrentIndex(b.optimiser_combo.findData("nesterov"))
    b.full_batch.setChecked(True)
    b.epochs_spin.setValue(4)
    b.seed_spin.setValue(9)
    spec, config = b.spec(), b.config()
    assert spec.layer_sizes == [64, 7, 32, 10]
    assert [h.activation for h in spec.hidden] == ["leaky_relu", "tanh"]
    assert (config.lr, config.optimiser, config.batch_size, config.epochs) == (0.05, "nesterov", None, 4)
    assert spec.seed == config.seed == 9
    assert b.parameter_count.text() == f"{spec.n_params:,} parameters"
    assert b.architecture.text() == "input 64 → 7 leaky ReLU → 32 tanh → output 10"
    b.layers.remove_layer(0)
    b.layers.remove_layer(0)
    assert b.spec().hidden == () and b.problem() == ""  # softmax regression is allowed


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_and_edits_mark_them_modified(qtbot, name):
    b = NetworkBuilder()
    qtbot.addWidget(b)
    b.set_data_shape(784, 10, 60000, (28, 28))
    b.preset_selector.setCurrentIndex(b.preset_selector.findData(name))
    chosen = PRESETS[name]
    assert (b.spec(), b.config()) == (chosen.network, chosen.training)
    assert not b.is_modified() and b.modified_label.isHidden()
    epochs = b.epochs_spin.value()
    b.epochs_spin.setValue(epochs + 1)
    assert b.is_modified() and not b.modified_label.isHidden()
    b.epochs_spin.setValue(epochs)
    assert not b.is_modified()


def test_invalid_settings_block_start_with_the_engine_message(qtbot, view):
    start = view.findChild(QPushButton, "startButton")
    assert start.isEnabled()
    view.builder.lr_spin.setValue(0)
    message = view.builder.error_label("lr").text()
    assert message == "learning rate must be a positive number, got 0.0"
    assert view.builder.error_label("lr").isVisibleTo(view.builder)
    assert not start.isEnabled() and message in start.toolTip()
    assert view.start() is None
    view.builder.lr_spin.setValue(0.01)
    view.builder.momentum_spin.setValue(1.0)
    assert "momentum must be in [0, 1)" in view.builder.error_label("momentum").text()
    assert not start.isEnabled()
    view.builder.momentum_spin.setValue(0.5)
    assert start.isEnabled() and not view.builder.error_label("lr").isVisibleTo(view.builder)


def test_start_waits_for_a_dataset(qtbot, datasets):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    assert not view.controls.start_button.isEnabled()
    assert "dataset" in view.controls.start_button.toolTip()
    assert view.start() is None
    datasets.set_dataset(make_dataset(20, 10))
    assert view.controls.start_button.isEnabled()
    view.builder.validation_spin.setValue(99)  # round(20 * 0.99) leaves no image to train on
    assert "no images to train on" in view.builder.error_label("validation").text()
    assert view.shutdown(5000)


def test_names_for_automation(qtbot, view):
    for cls, name in ((QWidget, "networkBuilder"), (QComboBox, "presetSelector"),
                      (QSpinBox, "epochsSpin"), (QLabel, "parameterCount"),
                      (QPushButton, "startButton"), (QPushButton, "pauseButton"),
                      (QPushButton, "stopButton"), (QProgressBar, "trainingProgress"),
                      (pg.PlotWidget, "lossPlot"), (pg.PlotWidget, "accuracyPlot"),
                      (QWidget, "runsList")):
        assert view.findChild(cls, name) is not None, name
    assert view.findChild(QComboBox, "presetSelector").currentData() == "default"
    for widget in view.findChildren(QPushButton) + view.findChildren(QComboBox):
        assert widget.toolTip() or widget.objectName() in ("", "suggestionButton", "qt_spinbox_lineedit")


# --- training ------------------------------------------------------------------------------


def test_a_short_run_reports_its_epochs_in_order_and_plots_one_point_each(qtbot, view):
    configure(view, epochs=3)
    signals = [view.session.epoch_ended] * 3 + [view.session.run_ended]
    checks = [lambda e, n=n: e.epoch == n for n in (1, 2, 3)] + [lambda end: end.reason == "completed"]
    with qtbot.waitSignals(signals, order="strict", check_params_cbs=checks, timeout=TIMEOUT):
        run = view.start()
    qtbot.waitUntil(lambda: view.state == "idle", timeout=TIMEOUT)
    curves = view.plots.curves(run)
    for item in (curves.train_loss, curves.val_loss, curves.train_acc, curves.val_acc):
        assert list(item.getData()[0]) == [1.0, 2.0, 3.0]
    assert len(curves.test_acc.getData()[0]) == 1
    assert len(run.raw) >= 3 and np.all(np.diff(run.raw.x()) > 0)
    assert run.status == "completed" and run.test_accuracy is not None
    assert view.hub.network is not None and "trained 3 epochs" in view.hub.description
    assert view.runs_list.table.item(0, 3).text() == "3 / 3"
    assert view.controls.progress.value() == view.controls.progress.maximum()


def test_batch_reports_are_throttled_at_the_source(qtbot, view):
    configure(view, epochs=2, batch=1, hidden=((4, "relu"),))
    reports = []
    view.session.progressed.connect(reports.append)
    t0 = time.perf_counter()
    run_to_end(qtbot, view)
    seconds = time.perf_counter() - t0
    n_batches = 2 * reports[-1].n_batches
    assert reports[-1].step == n_batches  # every batch is accounted for
    assert len(reports) <= seconds * 20 + 2 * 2 + 2  # about 20 a second, and each epoch's ends
    assert len(reports) < n_batches


def test_pause_holds_the_batch_count_and_resume_continues(qtbot, view):
    configure(view, epochs=200, batch=1, hidden=((4, "relu"),))
    with qtbot.waitSignal(view.session.progressed, timeout=TIMEOUT):
        view.start()
    with qtbot.waitSignal(view.session.held, timeout=TIMEOUT) as held:
        view.controls.pause_button.click()
    assert view.state == "paused" and view.controls.pause_button.text() == "Resume"
    step = held.args[0]
    assert view.controls.progress.value() == step  # the bar shows exactly where it holds
    with qtbot.assertNotEmitted(view.session.progressed, wait=300):
        pass
    with qtbot.waitSignal(view.session.progressed, timeout=TIMEOUT,
                          check_params_cb=lambda p: p.step > step):
        view.controls.pause_button.click()
    assert view.state == "running"
    end = run_to_end(qtbot, view, view.controls.stop_button.click)
    assert end.status == "stopped" and len(end.epochs) < 200


def test_step_trains_one_epoch_then_pauses(qtbot, view):
    configure(view, epochs=5, batch=16)
    with qtbot.waitSignals([view.session.epoch_ended, view.session.held], order="strict",
                           timeout=TIMEOUT):
        view.controls.step_button.click()
    assert view.state == "paused" and len(view.current_run.epochs) == 1
    with qtbot.waitSignals([view.session.epoch_ended, view.session.held], order="strict",
                           timeout=TIMEOUT):
        view.controls.step_button.click()
    assert len(view.current_run.epochs) == 2 and view.state == "paused"
    end = run_to_end(qtbot, view, view.stop)
    assert end.status == "stopped" and len(end.epochs) == 2


def test_stop_answers_within_one_batch(qtbot, view, monkeypatch):
    from mnist_gui.workers.training import TrainingJob
    seen, at_stop = [], []  # steps the worker finished; the last one when Stop was pressed
    on_batch, stop = TrainingJob._on_batch, TrainingJob.stop

    def recording_batch(training, event, job):
        seen.append(event.step)
        return on_batch(training, event, job)

    def recording_stop(training):
        at_stop.append(seen[-1])
        stop(training)

    monkeypatch.setattr(TrainingJob, "_on_batch", recording_batch)
    monkeypatch.setattr(TrainingJob, "stop", recording_stop)
    configure(view, epochs=500, batch=1, hidden=((4, "relu"),))
    with qtbot.waitSignal(view.session.progressed, timeout=TIMEOUT):
        view.start()
    end = run_to_end(qtbot, view, view.controls.stop_button.click)
    assert end.status == "stopped" and end.end.reason == "stopped"
    assert max(seen) <= at_stop[0] + 1  # at most the batch under way when Stop was pressed
    assert view.state == "idle" and view.controls.start_button.isEnabled()


def test_closing_the_window_while_training_stops_the_thread(qtbot, settings, tmp_path):
    window = open_window(qtbot, make_idx_folder(tmp_path / "data", n_train=300), settings)
    view = window.panel("training")
    assert view is window.training_view
    configure(view, epochs=500, batch=1, hidden=((4, "relu"),))
    with qtbot.waitSignal(view.session.progressed, timeout=TIMEOUT):
        view.start()
    thread = view.session.runner._threads[0][0]
    window.close()  # returns once the worker has stopped (benchmarks/bench_gui_training.py times it)
    assert not thread.is_alive()


def test_a_diverging_run_stops_and_suggests_a_smaller_learning_rate(qtbot, view):
    configure(view, epochs=3, batch=16, hidden=((16, "identity"), (16, "identity")),
              optimiser="sgd", lr=1000.0)
    run = run_to_end(qtbot, view)
    assert run.status == "diverged" and len(run.epochs) == 0
    banner = view.controls.banner_text.text()
    assert view.controls.banner.isVisibleTo(view) and "diverged" in banner
    assert "learning rate" in banner and "try 100" in banner
    assert view.hub.network is None  # a network of NaNs is never shown elsewhere
    view.controls.suggestion_button.click()
    assert view.builder.config().lr == 100.0 and not view.controls.banner.isVisibleTo(view)


def test_a_run_that_overflows_at_learning_rate_1e6_ends_diverged_not_failed(qtbot, view):
    # its activations reach inf before its loss does: the layer statistics used to raise on them
    configure(view, epochs=2, batch=16, hidden=((16, "relu"), (16, "relu")), optimiser="sgd", lr=1e6)
    failed = []
    view.session.failed.connect(failed.append)
    run = run_to_end(qtbot, view)
    assert not failed and run.status == "diverged"
    assert not run.dynamics.latest.finite  # measured, with its infinities, on the way
    banner = view.controls.banner_text.text()
    assert "Training diverged" in banner and "try 100000" in banner
    assert view.controls.suggestion_button.text() == "Use learning rate 100,000"


def test_the_finder_dialog_offers_no_rate_when_its_curve_is_empty(qtbot, data):
    from engine.lr_finder import find_learning_rate
    from mnist_gui.panels.training.lr_finder import LRFinderDialog

    dialog = LRFinderDialog()
    qtbot.addWidget(dialog)
    spec = NetworkSpec(hidden=(HiddenLayer(32), HiddenLayer(32)), init="normal", init_scale=1e12,
                       input_scaling="raw")
    result = find_learning_rate(Network(spec), replace(PRESETS["default"].training), data.train_images,
                                data.train_labels, n_batches=10)
    assert result.suggestion is None
    dialog.show_result(result)
    assert not dialog.use_button.isEnabled() and "nan" not in dialog.use_button.text().lower()
    assert dialog.suggestion() is None and not dialog.marker.isVisible()
    assert "No learning rate to suggest" in dialog.text.text() and result.reason in dialog.text.text()
    with qtbot.assertNotEmitted(dialog.use_requested):
        dialog.use_button.click()


# --- models, runs, plots -------------------------------------------------------------------


def test_save_and_load_a_model_through_the_panel(qtbot, view, tmp_path):
    with pytest.raises(ValueError, match="no trained model"):
        view.save_model(tmp_path / "none.npz")
    save, load = view.file_actions()
    assert not save.isEnabled() and load.isEnabled()
    configure(view, epochs=1, hidden=((12, "tanh"), (8, "sigmoid")))
    run_to_end(qtbot, view)
    qtbot.waitUntil(save.isEnabled)
    path = view.save_model(tmp_path / "model.npz")
    view.builder.set_preset("wide")
    with qtbot.waitSignal(view.hub.network_changed):
        network = view.load_model(path)
    assert view.builder.spec() == network.spec == run_spec(view)
    assert view.hub.network is network and view.hub.description == "model.npz"
    other = Network(NetworkSpec(input_size=64, hidden=()))
    other.save(tmp_path / "small.npz")
    with pytest.raises(ValueError, match="64 pixels"):
        view.load_model(tmp_path / "small.npz")


def run_spec(view):
    return view.runs()[-1].spec


def test_runs_are_kept_compared_renamed_hidden_and_exported(qtbot, view, tmp_path):
    configure(view, epochs=2)
    first = run_to_end(qtbot, view)
    view.builder.lr_spin.setValue(0.01)
    second = run_to_end(qtbot, view)
    table = view.findChild(QWidget, "runsList")
    assert table.rowCount() == 2 and first.colour != second.colour
    assert "(modified)" in table.item(1, 1).text()
    view.runs_list.rename(first, "baseline run")
    assert first.name == "baseline run"
    view.runs_list.set_visible(first, False)
    assert not view.plots.curves(first).val_loss.isVisible()
    assert view.plots.curves(second).val_loss.isVisible()
    csv = view.export_csv(tmp_path / "runs.csv").read_text().splitlines()
    assert csv[0] == "run,series,epoch,value"
    assert any(line.startswith("baseline run,val_accuracy,2.0,") for line in csv)
    assert any(line.startswith(f"{second.name},train_loss,1.0,") for line in csv)
    assert view.export_png(tmp_path / "plots.png") and (tmp_path / "plots.png").stat().st_size > 0
    table.selectRow(0)
    view.runs_list.use_button.click()
    assert view.builder.config() == first.config
    view.remove_run(first)
    assert table.rowCount() == 1 and view.runs() == [second]


def test_log_scale_baseline_and_hover_readout(qtbot, view):
    configure(view, epochs=2)
    run = run_to_end(qtbot, view)
    qtbot.waitUntil(lambda: view.plots.baseline.isVisible(), timeout=TIMEOUT)
    assert 0 < view.plots.baseline.value() <= 100
    view.findChild(QWidget, "logScale").click()
    assert view.plots.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    text = describe_at(run, 1.9, "loss")
    assert f"train {run.epochs[1].train_loss:.3f}" in text and "batch " in text
    assert "test" in describe_at(run, 2, "accuracy")
    hover = view.plots._hover[1]
    plot = view.plots.accuracy_plot
    view.show()
    qtbot.waitExposed(view)
    centre = plot.getPlotItem().vb.sceneBoundingRect().center()
    hover._moved((centre,))
    assert hover.label.isVisible() and "Run 1" in hover.label.textItem.toPlainText()
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication
    QApplication.sendEvent(plot, QEvent(QEvent.Leave))  # the mouse leaves: the read-out goes
    assert not hover.label.isVisible()
    hover._moved((centre,))
    view.runs_list.rename(run, "renamed run")  # a rename: no stale name stays on screen
    assert not hover.label.isVisible()
    assert describe_at(run, 50, "accuracy") == "" and describe_at(run, 50, "loss") == ""


@pytest.mark.slow
@pytest.mark.real_data
def test_one_epoch_on_real_mnist_reaches_90_percent(qtbot, settings, mnist_dir):
    window = open_window(qtbot, mnist_dir, settings)
    view = window.training_view
    window.show_panel("training")
    assert view.findChild(QComboBox, "presetSelector").currentData() == "default"
    view.findChild(QSpinBox, "epochsSpin").setValue(1)
    with qtbot.waitSignal(view.run_finished, timeout=180_000) as blocker:
        qtbot.mouseClick(view.findChild(QPushButton, "startButton"), Qt.LeftButton)
    run = blocker.args[0]
    assert run.status == "completed"
    assert run.epochs[0].val_accuracy >= 0.90
    assert view.hub.network is not None
    window.close()


def test_keyboard_starts_pauses_and_stops_a_run(qtbot, view):
    configure(view, epochs=500, batch=1, hidden=((4, "relu"),))
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.controls.start_button.setFocus()
    with qtbot.waitSignal(view.session.progressed, timeout=TIMEOUT):
        qtbot.keyClick(view.controls.start_button, Qt.Key_Return, Qt.ControlModifier)
    with qtbot.waitSignal(view.session.held, timeout=TIMEOUT):
        qtbot.keyClick(view.controls.start_button, Qt.Key_Space)
    assert view.state == "paused"
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(view.controls.start_button, Qt.Key_Escape)
    assert blocker.args[0].status == "stopped"


def test_selecting_a_run_keeps_the_model_and_use_its_network_changes_it(qtbot, view):
    configure(view, epochs=1)
    first = run_to_end(qtbot, view)
    configure(view, epochs=2)
    second = run_to_end(qtbot, view)
    assert first.network is not None and second.network is not None
    assert view.hub.network is second.network  # the last run trained is shown
    view.runs_list.table.setFocus()
    with qtbot.assertNotEmitted(view.hub.network_changed):
        qtbot.keyClick(view.runs_list.table, Qt.Key_Up)  # moving through the list only selects
    assert view.runs_list.selected_run() is first and view.hub.network is second.network
    with qtbot.waitSignal(view.hub.network_changed):
        view.runs_list.network_button.click()
    assert view.hub.network is first.network and first.name in view.hub.description
    images = view.datasets.dataset.test_images[:20]
    np.testing.assert_array_equal(view.hub.network.predict(images), first.network.predict(images))
    view.runs_list.select_run(second)  # a double-click on a figure of its row uses it too
    table = view.runs_list.table
    view.show()
    qtbot.waitExposed(view)
    cell = table.visualItemRect(table.item(1, 2)).center()
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=cell)  # Qt needs the press before
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=cell)
    assert view.hub.network is second.network
    view.remove_run(first)
    assert first.network is None  # removing a run frees its network


def test_the_loss_axis_fits_the_epochs_not_the_first_batches():
    from engine.training import EpochEnd
    from mnist_gui.panels.training.curves import marker_size
    from mnist_gui.panels.training.ranges import loss_range
    from mnist_gui.state.runs import RunRecord
    spec, config = NetworkSpec(), replace(PRESETS["default"].training, epochs=3)
    run = RunRecord(1, "r", spec, config)
    for i in range(90):  # 30 reports an epoch, from 2.3 down to about 0.12
        run.add_batch_loss(i / 30, 0.1 + 2.2 * np.exp(-3 * i / 30))
    for epoch, (train, val) in enumerate([(0.4, 0.3), (0.2, 0.18), (0.12, 0.13)], 1):
        run.add_epoch(EpochEnd(epoch, 3, train, 0.9, val, 0.9, None, None, 1.0, 1000.0, 0.1))
    low, high = loss_range([run], log=False)
    assert low == 0 and 0.4 <= high <= 1.0  # 2.3 at the start is left above the plot (was 2.5)
    assert marker_size(10) == 8 and 3 <= marker_size(100) < 8


def test_after_resume_the_hint_says_it_trains_again(qtbot, view):
    configure(view, epochs=200, batch=1, hidden=((4, "relu"),))
    with qtbot.waitSignal(view.session.progressed, timeout=TIMEOUT):
        view.start()
    with qtbot.waitSignal(view.session.held, timeout=TIMEOUT):
        view.pause()
    assert "Paused after" in view.controls.hint.text()
    view.resume()
    assert "Paused" not in view.controls.hint.text() and "Training" in view.controls.hint.text()
    run_to_end(qtbot, view, view.stop)


def test_a_run_whose_loss_blew_up_does_not_flatten_the_others():
    from mnist_gui.panels.training.ranges import loss_range
    from mnist_gui.state.runs import RunRecord
    good, wild = (RunRecord(i, str(i), NetworkSpec(), PRESETS["default"].training) for i in (1, 2))
    for i in range(60):
        good.add_batch_loss(i / 30, 0.3)
        wild.add_batch_loss(i / 30, 250.0)
    assert loss_range([good, wild], log=False)[1] <= 1.0
    assert loss_range([wild], log=False)[1] >= 250  # alone, it is framed


def test_the_preset_texts_follow_the_dataset(qtbot):
    b = NetworkBuilder()
    qtbot.addWidget(b)
    b.set_data_shape(64, 10, 1437, (8, 8))
    titles = [b.preset_selector.itemText(i) for i in range(b.preset_selector.count())]
    assert not any("784" in t for t in titles) and any("64-" in t for t in titles)
    assert "64-256-128-10" in b.preset_description.text()
    assert "98.2" not in b.preset_description.text()
    b.set_data_shape(784, 10, 55000, (28, 28))
    assert "784-256-128-10" in b.preset_description.text() and "98.2" in b.preset_description.text()


# --- at 1280x720 ---------------------------------------------------------------------------


def test_at_1280x720_the_progress_legends_and_runs_table_fit(qtbot, settings, tmp_path):
    from PySide6.QtWidgets import QApplication
    window = open_window(qtbot, make_idx_folder(tmp_path / "data", n_train=300), settings)
    window.resize(1280, 720)
    window.show_panel("training")
    view = window.training_view
    QApplication.processEvents()
    bar = view.controls.progress
    view.controls.show_progress(1, 10, 339, 430)
    metrics = bar.fontMetrics()
    assert metrics.horizontalAdvance(bar.format()) <= bar.contentsRect().width() - 8  # one line
    assert bar.toolTip() == "Epoch 1 of 10 · batch 339 of 430"
    for plot in (view.plots.loss_plot, view.plots.accuracy_plot):  # legends off the curves
        box = plot.getPlotItem().vb.sceneBoundingRect()
        assert not plot.legend.sceneBoundingRect().intersects(box)
        assert plot.legend.sceneBoundingRect().right() <= plot.width()
    table = view.runs_list.table
    shown = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width()
    assert {1, 3, 4, 5, 6} <= set(shown)           # name, epochs and the figures stay
    rows = table.verticalHeader().defaultSectionSize()
    assert table.viewport().height() >= 4 * rows  # it showed 2.5 rows


def test_training_below_validation_is_explained_where_it_shows(view):
    legend = view.plots.accuracy_plot.legend
    _sample, label = next((s, lb) for s, lb in legend.items if lb.text == "train")
    assert "averaged over each epoch" in label.toolTip()
    assert "epoch 1" in view.plots.caption.text() and view.plots.caption.toolTip()


def test_zoomed_legends_still_fit_under_their_plots(qtbot, view):
    from PySide6.QtWidgets import QApplication

    from mnist_gui.widgets.zoom import apply_zoom
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    apply_zoom(view, 1.6)

    def legends_fit():
        QApplication.processEvents()
        for plot in (view.plots.loss_plot, view.plots.accuracy_plot):
            assert plot.legend.sceneBoundingRect().right() <= plot.width()
            box = plot.getPlotItem().vb.sceneBoundingRect()
            assert not plot.legend.sceneBoundingRect().intersects(box)

    qtbot.waitUntil(legends_fit, timeout=5000)
