"""The next run's settings as state (DraftSettings): the builder shows the draft and edits it."""

import pytest

from engine.network import HiddenLayer
from engine.presets import PRESETS
from mnist_gui.panels.training.builder import NetworkBuilder
from mnist_gui.state.draft import DraftSettings


@pytest.fixture
def draft(qtbot):
    return DraftSettings()


@pytest.fixture
def builder(qtbot, draft):
    b = NetworkBuilder(draft)
    qtbot.addWidget(b)
    return b


def test_a_preset_set_on_the_draft_fills_the_form_with_every_setting(qtbot, draft, builder):
    chosen = PRESETS["textbook"].for_data(784, 10)
    with qtbot.waitSignal(draft.filled):
        draft.set_preset("textbook")
    assert builder.preset_selector.currentData() == "textbook"
    assert tuple(builder.layers.layers()) == tuple(chosen.network.hidden)
    assert builder.full_batch.isChecked() == (chosen.training.batch_size is None)
    assert builder.scaling_combo.currentData() == "raw"  # a field now, no longer kept out of sight
    assert draft.spec() == chosen.network and draft.config() == chosen.training
    assert not draft.is_modified() and not builder.modified_label.isVisibleTo(builder)
    builder.epochs_spin.setValue(chosen.training.epochs + 1)  # an edit in the form reaches the draft
    assert draft.config().epochs == chosen.training.epochs + 1 and draft.is_modified()
    assert draft.spec().input_scaling == "raw"


def test_the_draft_keeps_no_setting_out_of_the_form():
    """Every NetworkSpec and TrainConfig field is a field of the form, but the dataset's two."""
    from dataclasses import fields

    from engine.network import NetworkSpec
    from engine.training import TrainConfig
    from mnist_gui.state.draft import NETWORK_FIELDS, TRAIN_FIELDS
    assert set(NETWORK_FIELDS) == {f.name for f in fields(NetworkSpec)} - {"input_size", "classes"}
    assert set(TRAIN_FIELDS) == {f.name for f in fields(TrainConfig)}


def test_augmentation_from_a_runs_settings_shows_and_is_kept(qtbot, draft, builder):
    best = PRESETS["best"].for_data(784, 10)
    draft.set_spec(best.network, best.training)
    assert draft.config().augment is True and builder.augment_check.isChecked()
    builder.lr_spin.set_exact(0.02)
    assert draft.config().augment is True and draft.config().lr == 0.02


def test_the_learning_rate_set_on_the_draft_shows_in_its_field(qtbot, draft, builder):
    with qtbot.waitSignal(draft.filled):
        draft.set_lr(0.0123)
    assert builder.lr_spin.exact_value() == pytest.approx(0.0123)
    assert draft.config().lr == pytest.approx(0.0123)


def test_the_engines_message_is_the_drafts_problem_and_shows_under_its_field(qtbot, draft, builder):
    builder.show()
    qtbot.waitExposed(builder)
    with qtbot.waitSignal(draft.validity_changed) as told:
        draft.set_data_shape(64, 10, 10, (8, 8))
        builder.validation_spin.set_exact(0.99)  # rounds to every one of the 10 training images
    assert "leaves no images to train on" in told.args[0] == draft.problem()
    assert "validation" in draft.errors()
    assert builder.error_label("validation").isVisible()
    assert builder.input_label.text().startswith("64 pixels (8×8)")
    with pytest.raises(ValueError):
        draft.set_preset("no such preset")


def test_the_draft_without_a_form(qtbot, draft):
    """The draft is state: it checks settings with the engine whether or not a form shows it."""
    draft.set_data_shape(64, 10, 1000, (8, 8))
    draft.edit({"hidden": (HiddenLayer(16, "tanh"),)}, {"epochs": 0})
    assert "epochs" in draft.errors() and draft.problem()
    draft.edit({}, {"epochs": 2})
    assert draft.problem() == ""
    assert draft.spec().layer_sizes == [64, 16, 10] and draft.config().epochs == 2
