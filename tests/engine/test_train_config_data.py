"""TrainConfig's augmentation amounts and training-set size: checked, saved, and used by a run."""

import numpy as np
import pytest

from engine.augmentation import Augmentation
from engine.experiments import Configuration, ConfiguredRun, training_subset
from engine.files.json_fields import train_config_from_dict
from engine.network import Network, NetworkSpec
from engine.training import TrainConfig, Trainer

from synthetic import make_dataset

DIGITS = make_dataset(200, 40, seed=3)


def test_the_amounts_make_the_augmentation_and_default_to_the_old_fixed_one():
    assert TrainConfig().augmentation() == Augmentation()  # 2 px, 10 degrees, 10 %, as before
    config = TrainConfig(augment=True, augment_shift=4.0, augment_rotation=25.0, augment_scale=0.2)
    assert config.augmentation() == Augmentation(shift=4.0, rotation=25.0, scale=0.2)


@pytest.mark.parametrize("changes, words", [({"augment_shift": -1.0}, "shift"),
                                            ({"augment_rotation": 180.0}, "rotation"),
                                            ({"augment_scale": 1.0}, "scale"),
                                            ({"train_size": 0}, "training-set size"),
                                            ({"train_size": 12.5}, "training-set size")])
def test_bad_amounts_and_sizes_are_refused_with_the_field_named(changes, words):
    with pytest.raises(ValueError, match=words):
        TrainConfig(**changes)


def test_the_new_fields_survive_the_json_form_and_old_files_take_the_defaults():
    config = TrainConfig(augment=True, augment_shift=3.0, augment_rotation=5.0, augment_scale=0.05,
                         train_size=1234)
    assert train_config_from_dict(config.to_dict()) == config
    old = {k: v for k, v in TrainConfig().to_dict().items()
           if k not in ("augment_shift", "augment_rotation", "augment_scale", "train_size")}
    assert train_config_from_dict(old) == TrainConfig()
    with pytest.raises(ValueError, match="train_size"):
        train_config_from_dict(dict(old, train_size="all"))


def test_a_run_augments_by_the_configs_amounts(monkeypatch):
    used = []
    original = Augmentation.__call__
    monkeypatch.setattr(Augmentation, "__call__", lambda self, *a, **k: used.append(self) or original(self, *a, **k))
    config = TrainConfig(epochs=1, batch_size=50, augment=True, augment_shift=1.0, augment_rotation=0.0,
                         augment_scale=0.0)
    trainer = Trainer(_network(), config, DIGITS.train_images, DIGITS.train_labels)
    list(trainer.run())
    assert used and set(used) == {Augmentation(shift=1.0, rotation=0.0, scale=0.0)}


def test_a_configured_run_takes_the_configs_training_set_size():
    config = TrainConfig(epochs=1, batch_size=50, validation_fraction=0.1, train_size=80)
    run = ConfiguredRun(Configuration("small", NetworkSpec(hidden=[(8, "relu")]), config), DIGITS)
    assert run.trainer.n_train + run.trainer.n_validation == 80 and run.trainer.n_validation == 8
    images, _ = training_subset(DIGITS.train_images, DIGITS.train_labels, 80, config.seed)
    np.testing.assert_array_equal(run.trainer._images, images.reshape(80, -1))
    # an experiment's own size (its axis) wins over the config's
    sized = ConfiguredRun(Configuration("axis", NetworkSpec(hidden=[(8, "relu")]), config, train_size=120), DIGITS)
    assert sized.trainer.n_train + sized.trainer.n_validation == 120
    assert "80 training images" in config.describe()


def _network() -> Network:
    return Network(NetworkSpec(hidden=[(8, "relu")]))
