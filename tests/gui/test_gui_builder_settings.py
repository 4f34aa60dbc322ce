"""Every setting a preset uses is a field of the builder (#22): shown, edited, sent to the run."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QScrollArea

from engine.network import MAX_UNITS, HiddenLayer, Network, NetworkSpec
from engine.presets import PRESETS
from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.panels.training.view import TrainingView
from mnist_gui.settings import APPLICATION, ORGANIZATION
from mnist_gui.state.model_hub import ModelHub

from synthetic import make_dataset

TIMEOUT = 20000


@pytest.fixture
def builder(qtbot, settings):  # settings: the folding section remembers into the test's own files
    b = NetworkBuilder()
    qtbot.addWidget(b)
    return b


def shown(b: NetworkBuilder) -> dict:
    """What the new fields show, in the engine's terms."""
    return dict(input_scaling=b.scaling_combo.currentData(),
                dropout=[b.layers.row_dropout(i).exact_value() for i in range(len(b.layers.layers()))],
                feature_dropout=[b.conv_layers.row_dropout(i).exact_value()
                                 for i in range(len(b.conv_layers.layers()))],
                augment=b.augment_check.isChecked(), **b.augmentation.values(),
                train_size=b.train_size_spin.value(), test_every_epoch=b.test_every_check.isChecked())


@pytest.mark.parametrize("name", list(PRESETS))
def test_choosing_a_preset_shows_every_one_of_its_settings(builder, name):
    builder.preset_selector.setCurrentIndex(builder.preset_selector.findData(name))
    preset = PRESETS[name]
    config = preset.training
    assert shown(builder) == dict(
        input_scaling=preset.network.input_scaling, dropout=[h.dropout for h in preset.network.hidden],
        feature_dropout=[layer.dropout for layer in preset.network.features],
        augment=config.augment, augment_shift=config.augment_shift, augment_rotation=config.augment_rotation,
        augment_scale=config.augment_scale, train_size=55_000, test_every_epoch=config.test_every_epoch)
    assert builder.train_size_spin.text() == "55,000 images (all)"
    assert (builder.spec(), builder.config()) == (preset.network, preset.training)
    assert not builder.is_modified()


def test_the_textbook_presets_raw_pixels_show_and_switching_to_0_1_is_a_modification(builder):
    builder.set_preset("textbook")
    assert builder.scaling_combo.currentText() == "raw 0-255"
    assert "textbook" in builder.scaling_combo.itemData(builder.scaling_combo.findData("raw"), 3)  # its tooltip
    builder.scaling_combo.setCurrentIndex(builder.scaling_combo.findData("unit"))
    assert builder.spec().input_scaling == "unit" and builder.is_modified()
    assert builder.modified_label.isVisibleTo(builder)


EDITS = {
    "dropout": (lambda b: b.layers.row_dropout(0).setValue(30), lambda s, c: s.hidden[0].dropout == 0.3),
    "conv dropout": (lambda b: b.conv_layers.row_dropout(0).setValue(10), lambda s, c: s.features[0].dropout == 0.1),
    "augment": (lambda b: b.augment_check.setChecked(True), lambda s, c: c.augment),
    "shift": (lambda b: b.augmentation.shift.setValue(3.5), lambda s, c: c.augment_shift == 3.5),
    "rotation": (lambda b: b.augmentation.rotation.setValue(20), lambda s, c: c.augment_rotation == 20),
    "scale": (lambda b: b.augmentation.scale.setValue(15), lambda s, c: c.augment_scale == pytest.approx(0.15)),
    "train size": (lambda b: b.train_size_spin.setValue(5000), lambda s, c: c.train_size == 5000),
    "test every epoch": (lambda b: b.test_every_check.setChecked(True), lambda s, c: c.test_every_epoch),
    "scaling": (lambda b: b.scaling_combo.setCurrentIndex(2), lambda s, c: s.input_scaling == "standardised"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_editing_a_new_field_after_a_preset_reaches_the_draft_and_marks_it_modified(builder, edit):
    builder.set_preset("lenet")
    assert not builder.is_modified()
    change, holds = EDITS[edit]
    change(builder)
    assert holds(builder.spec(), builder.config()) and builder.is_modified()
    assert builder.modified_label.isVisibleTo(builder)
    builder.set_preset("lenet")  # choosing the preset again undoes it, visibly
    assert not builder.is_modified() and not holds(builder.spec(), builder.config())


def test_the_amounts_are_greyed_without_augmentation(builder):
    builder.set_preset("default")
    assert not builder.augmentation.shift.isEnabled() and not builder.augmentation.scale.isEnabled()
    builder.set_preset("best")
    assert builder.augmentation.shift.isEnabled() and builder.augmentation.rotation.isEnabled()


def test_a_runs_settings_fill_the_fields_the_form_had_none_for(builder):
    best = PRESETS["best"]
    config = type(best.training)(**dict(best.training.to_dict(), augment_shift=3.0, train_size=12_000,
                                        test_every_epoch=True))
    builder.set_spec(best.network, config)
    assert builder.augmentation.shift.exact_value() == 3.0 and builder.train_size_spin.value() == 12_000
    assert builder.train_size_spin.text() == "12,000 images" and builder.test_every_check.isChecked()
    assert builder.config() == config and builder.spec() == best.network
    builder.lr_spin.set_exact(0.02)  # another edit keeps them
    assert builder.config().train_size == 12_000 and builder.config().augment_shift == 3.0


def test_the_training_set_field_counts_the_datasets_images(builder):
    builder.set_data_shape(64, 10, 1000, (8, 8))
    assert builder.train_size_spin.maximum() == 1000 and builder.train_size_spin.text() == "1,000 images (all)"
    assert builder.config().train_size is None
    builder.train_size_spin.setValue(10)
    assert builder.config().train_size == 10
    builder.validation_spin.set_exact(0.95)  # 10 images, 95 % held out: none left
    assert "leaves no images to train on (10 training images)" in builder.problem()


def test_the_run_trains_with_what_the_builder_shows(qtbot, datasets, settings):
    view = TrainingView(datasets, ModelHub())
    qtbot.addWidget(view)
    datasets.set_dataset(make_dataset(240, 60))
    b = view.builder
    b.set_preset("default")
    b.epochs_spin.setValue(1)
    b.layers.set_layers([HiddenLayer(16, "relu")])
    b.layers.row_dropout(0).setValue(25)
    b.scaling_combo.setCurrentIndex(b.scaling_combo.findData("standardised"))
    b.augment_check.setChecked(True)
    b.augmentation.rotation.setValue(5)
    b.train_size_spin.setValue(100)
    assert "(92 training and 8 validation images)" in view.controls.hint.text()  # 100, 1/12 held out
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT) as finished:
        view.controls.start_button.click()
    run = finished.args[0]
    assert run.spec.hidden == (HiddenLayer(16, "relu", 0.25),) and run.spec.input_scaling == "standardised"
    assert run.config.augment and run.config.augment_rotation == 5 and run.config.train_size == 100
    assert (run.spec, run.config) == (b.spec(), b.config())
    assert view.shutdown(5000)


def test_the_section_folds_and_remembers_it(qtbot, settings):
    first = NetworkBuilder()
    qtbot.addWidget(first)
    first.show()
    assert not first.data_section.is_open() and not first.scaling_combo.isVisible()  # folded at first
    first.data_section.header.click()
    assert first.data_section.is_open() and first.scaling_combo.isVisible()
    assert QSettings(ORGANIZATION, APPLICATION).value("builder/data_open", type=bool) is True
    second = NetworkBuilder()
    qtbot.addWidget(second)
    assert second.data_section.is_open()
    second.data_section.set_open(False)
    third = NetworkBuilder()
    qtbot.addWidget(third)
    assert not third.data_section.is_open()


def test_open_sections_go_through_the_app_settings_and_survive_a_restart(qtbot, settings, tmp_path):
    from mnist_gui.settings import AppSettings
    store = AppSettings()  # the app's one store: where a builder's sections are remembered
    assert not store.section_open("data")  # folded the first time
    builder = NetworkBuilder()
    qtbot.addWidget(builder)
    builder.data_section.set_open(True)
    assert store.section_open("data") and not store.section_open("classes")
    restarted = AppSettings(QSettings(store.qsettings.fileName(), store.qsettings.format()))
    assert restarted.section_open("data")  # read back from the file, as by the next run of the app
    restarted.set_section_open("data", False)
    again = NetworkBuilder()
    qtbot.addWidget(again)
    assert not again.data_section.is_open()


def test_the_units_limit_shows_under_its_row_in_view_and_in_the_summary(qtbot, settings):
    b = NetworkBuilder()
    b.set_preset("five-relu")  # five rows: the last is far down the form
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(b)
    scroll.resize(560, 300)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    units, _ = b.layers.row_widgets(4)
    scroll.ensureWidgetVisible(units)
    units.setFocus()
    units.lineEdit().selectAll()
    qtbot.keyClicks(units.lineEdit(), "9999")
    label = b.layers.limit_label
    assert b.layers.limit_message().startswith("Layer 5") and "9,999 becomes 4,096" in label.text()
    row = units.parentWidget()
    assert label.geometry().top() >= row.geometry().bottom()  # right under the row typed in
    qtbot.waitUntil(lambda: _inside_viewport(scroll, label))
    # the summary counts what the message says, and says so beside the count
    assert b.spec().hidden[4].units == MAX_UNITS and f"{b.spec().n_params:,}" in b.parameter_count.text()
    assert b.limit_note.isVisibleTo(b)
    assert b.limit_note.text() == ("Counted with 4,096 units in layer 5, not the 9,999 typed "
                                   "(the most a layer may have).")
    units.lineEdit().selectAll()
    qtbot.keyClicks(units.lineEdit(), "999")
    assert b.spec().hidden[4].units == 999 and not b.limit_note.isVisibleTo(b)


def _inside_viewport(scroll: QScrollArea, widget) -> bool:
    top = widget.mapTo(scroll.viewport(), widget.rect().topLeft()).y()
    return top >= 0 and top + widget.height() <= scroll.viewport().height()


def test_a_model_files_scaling_and_dropout_fill_the_fields(builder, tmp_path):
    spec = NetworkSpec(hidden=(HiddenLayer(64, "tanh", 0.4),), input_scaling="standardised", seed=3)
    loaded = Network.load(Network(spec).save(tmp_path / "model.npz"))
    builder.set_spec(loaded.spec)  # what opening a model file does
    assert builder.scaling_combo.currentText() == "standardised"
    assert builder.layers.row_dropout(0).text() == "drop 40 %"
    assert builder.spec() == spec
