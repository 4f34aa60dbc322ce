"""The trainer: event order, splits, full batch, determinism, stop/pause across threads, divergence."""

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from engine.network import HiddenLayer, Network, NetworkSpec
from engine.training import BatchEnd, EpochEnd, RunEnd, TrainConfig, Trainer

from synthetic import make_dataset

DATA = make_dataset(n_train=240, n_test=60, shape=(8, 8))
SPEC = NetworkSpec(input_size=64, hidden=[(16, "relu")], seed=0)
CONFIG = TrainConfig(epochs=3, batch_size=32, optimiser="adam", lr=0.01, validation_fraction=0.25, seed=0)


def _trainer(config=CONFIG, spec=SPEC, with_test=True):
    test = (DATA.test_images, DATA.test_labels) if with_test else (None, None)
    return Trainer(Network(spec), config, DATA.train_images, DATA.train_labels, *test)


def test_events_come_in_order_and_the_network_learns():
    events = list(_trainer().run())
    assert isinstance(events[-1], RunEnd) and events[-1].reason == "completed"
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    batches = [e for e in events if isinstance(e, BatchEnd)]
    # 240 images, a quarter held out: 180 to train, in batches of 32 -> 6 batches an epoch
    assert [b.step for b in batches] == list(range(1, 19))
    assert all(b.n_batches == 6 for b in batches)
    assert events.index(epochs[0]) == 6  # the epoch event follows its six batches
    end = events[-1]
    assert end.test_accuracy > 0.6  # chance is 0.1; the synthetic classes are easy
    assert end.history == tuple(epochs)
    assert epochs[-1].val_accuracy is not None and epochs[-1].test_accuracy is None
    assert end.samples_per_second > 0 and all(e.seconds > 0 for e in epochs)


def test_validation_split_is_held_out_and_seeded():
    a, b = _trainer(), _trainer()
    assert (a.n_train, a.n_validation) == (180, 60)
    np.testing.assert_array_equal(a._val_idx, b._val_idx)
    assert not set(a._val_idx) & set(a._train_idx)
    c = _trainer(replace(CONFIG, seed=1))
    assert not np.array_equal(a._val_idx, c._val_idx)


def test_same_seed_gives_a_bit_identical_run():
    runs = []
    for _ in range(2):
        trainer = _trainer()
        losses = [e.loss for e in trainer.run() if isinstance(e, BatchEnd)]
        runs.append((losses, [p.value.copy() for p in trainer.network.parameters]))
    assert runs[0][0] == runs[1][0]
    for wa, wb in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(wa, wb)


def test_full_batch_is_one_step_per_epoch():
    events = list(_trainer(replace(CONFIG, batch_size=None, optimiser="sgd", lr=0.5)).run())
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert [(b.epoch, b.batch, b.n_batches) for b in batches] == [(1, 1, 1), (2, 1, 1), (3, 1, 1)]
    assert batches[-1].loss < batches[0].loss  # gradient descent descends


def test_batch_size_one_is_pure_sgd():
    events = list(_trainer(replace(CONFIG, epochs=1, batch_size=1, optimiser="sgd", lr=0.01)).run())
    assert sum(isinstance(e, BatchEnd) for e in events) == 180


def test_test_every_epoch():
    epochs = [e for e in _trainer(replace(CONFIG, test_every_epoch=True)).run() if isinstance(e, EpochEnd)]
    assert all(e.test_accuracy is not None for e in epochs)


def test_stop_ends_the_run_after_the_current_batch():
    trainer = _trainer()
    seen = []
    for event in trainer.run():
        seen.append(event)
        if isinstance(event, BatchEnd) and event.step == 3:
            trainer.stop()
    assert [type(e).__name__ for e in seen] == ["BatchEnd"] * 3 + ["RunEnd"]
    assert seen[-1].reason == "stopped" and seen[-1].test_accuracy is not None


def test_stop_from_another_thread_wakes_a_paused_run():
    trainer = _trainer()
    trainer.pause()
    result = []
    worker = threading.Thread(target=lambda: result.extend(trainer.run()))
    worker.start()
    trainer.stop()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert [type(e).__name__ for e in result] == ["RunEnd"] and result[0].reason == "stopped"


def test_pause_holds_the_next_batch_until_resume():
    trainer = _trainer()
    resumed_at = []

    def resume_later():
        threading.Event().wait(0.1)  # give the generator time to block on the pause
        resumed_at.append(time.perf_counter())
        trainer.resume()

    helper = threading.Thread(target=resume_later)
    arrivals = {}
    for event in trainer.run():
        if isinstance(event, BatchEnd):
            arrivals[event.step] = time.perf_counter()
            if event.step == 2:
                trainer.pause()
                assert trainer.paused
                helper.start()
    helper.join()
    assert arrivals[3] > resumed_at[0]  # batch 3 ran only after resume
    assert len(arrivals) == 18  # and the run then went on to the end


def test_divergence_ends_the_run_with_a_reason():
    # a deep linear network with a huge step: the weights grow geometrically until they overflow
    spec = replace(SPEC, hidden=((16, "identity"), (16, "identity")))
    events = list(_trainer(replace(CONFIG, optimiser="sgd", lr=1000), spec).run())
    end = events[-1]
    assert isinstance(end, RunEnd) and end.reason == "diverged"
    assert "The loss became nan" in end.message
    assert "learning rate 1000 is probably too large; try 100" in end.message
    assert end.test_accuracy is None


def test_config_round_trips_and_refuses_bad_settings():
    assert TrainConfig.from_dict(CONFIG.to_dict()) == CONFIG
    for changes, match in [({"batch_size": 0}, "batch size"), ({"optimiser": "rmsprop"}, "unknown optimiser"),
                           ({"lr": -1}, "learning rate"), ({"validation_fraction": 1.0}, "validation"),
                           ({"schedule": "warm"}, "unknown schedule"), ({"momentum": 1.5}, "momentum")]:
        with pytest.raises(ValueError, match=match):
            replace(CONFIG, **changes)
    with pytest.raises(ValueError, match="unknown training settings: colour"):
        TrainConfig.from_dict({"colour": "red"})


def test_trainer_refuses_images_of_the_wrong_size():
    with pytest.raises(ValueError, match="takes 784 pixels, the images have 64"):
        Trainer(Network(NetworkSpec()), CONFIG, DATA.train_images, DATA.train_labels)


@pytest.mark.real_data
def test_one_epoch_of_the_default_preset_on_real_mnist(mnist):
    from engine.presets import preset
    chosen = preset("default")
    trainer = Trainer(Network(chosen.network), replace(chosen.training, epochs=1),
                      mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels)
    end = list(trainer.run())[-1]
    assert end.reason == "completed"
    assert end.test_accuracy >= 0.95


@pytest.mark.slow
@pytest.mark.real_data
def test_default_preset_reaches_98_percent_in_10_epochs(mnist):
    from engine.presets import preset
    chosen = preset("default")
    assert chosen.training.epochs <= 10
    trainer = Trainer(Network(chosen.network), chosen.training, mnist.train_images, mnist.train_labels,
                      mnist.test_images, mnist.test_labels)
    end = list(trainer.run())[-1]
    assert end.reason == "completed" and end.epochs_completed <= 10
    assert end.test_accuracy >= 0.98


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3"])
def test_a_bad_seed_says_seed(seed):
    with pytest.raises(ValueError, match="seed must be"):
        TrainConfig(seed=seed)


def test_a_network_with_dropout_learns_and_is_seeded():
    spec = NetworkSpec(input_size=64, hidden=[HiddenLayer(32, "relu", dropout=0.3)], seed=0)
    ends = [list(_trainer(spec=spec).run())[-1] for _ in range(2)]
    assert ends[0].test_accuracy > 0.6
    assert ends[0].history[-1].train_loss == ends[1].history[-1].train_loss  # same seeds, same masks


def test_a_fixed_blas_thread_count_is_accepted_and_a_bad_one_refused():
    end = list(Trainer(Network(SPEC), CONFIG, DATA.train_images, DATA.train_labels,
                       blas_threads=1).run())[-1]
    assert end.reason == "completed"
    with pytest.raises(ValueError, match="blas_threads must be >= 1"):
        Trainer(Network(SPEC), CONFIG, DATA.train_images, DATA.train_labels, blas_threads=0)


@pytest.mark.real_data
def test_one_epoch_of_the_best_preset_on_a_subset_learns(mnist):
    from engine.presets import preset
    chosen = preset("best")
    assert chosen.training.augment and all(h.dropout > 0 for h in chosen.network.hidden)
    trainer = Trainer(Network(chosen.network), replace(chosen.training, epochs=1),
                      mnist.train_images[:8000], mnist.train_labels[:8000],
                      mnist.test_images[:1000], mnist.test_labels[:1000])
    end = list(trainer.run())[-1]
    assert end.reason == "completed"
    assert end.test_accuracy >= 0.85  # chance is 10%; one epoch of 7,300 augmented digits
