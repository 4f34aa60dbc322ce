"""The learning-rate range test: the curve falls then rises, the suggestion is on the fall, and the
network it was given is left as it was."""

import numpy as np
import pytest

from engine.lr_finder import find_learning_rate, suggest
from engine.network import Network, NetworkSpec
from engine.training import TrainConfig

from synthetic import make_dataset

SPEC = NetworkSpec(input_size=64, hidden=[(32, "relu")])


@pytest.fixture(scope="module")
def noisy():
    """8x8 synthetic digits with 30% of the labels random: a loss that cannot reach zero, so a
    too-large rate shows (on clean blocks every large step still fits them perfectly)."""
    data = make_dataset(n_train=400, n_test=10, shape=(8, 8))
    rng = np.random.default_rng(0)
    labels = data.train_labels.copy()
    flip = rng.random(len(labels)) < 0.3
    labels[flip] = rng.integers(0, 10, int(flip.sum()))
    return data.train_images, labels


@pytest.mark.parametrize("config", [TrainConfig(batch_size=32),
                                    TrainConfig(optimiser="momentum", batch_size=32, weight_decay=1e-4)])
def test_the_curve_falls_then_rises_and_the_suggestion_is_on_the_fall(noisy, config):
    r = find_learning_rate(Network(SPEC), config, *noisy)
    assert len(r.lrs) == len(r.losses) == len(r.smoothed) == 200 and not r.stopped_early
    assert r.lrs[0] == pytest.approx(1e-6) and r.lrs[-1] == pytest.approx(10.0)
    assert np.all(np.diff(np.log(r.lrs)) == pytest.approx(np.log(1e7) / 199))
    lowest = int(np.argmin(r.smoothed))
    assert r.smoothed[lowest] < 0.8 * r.smoothed[0]          # it falls...
    assert r.smoothed[-1] > 1.1 * r.smoothed[lowest]         # ...then rises
    at = int(np.searchsorted(r.lrs, r.suggestion))
    assert r.lrs[at] == r.suggestion and 0 < at < lowest
    assert r.smoothed[at] < r.smoothed[0] and r.smoothed[at + 1] < r.smoothed[at - 1]
    assert r.minimum == pytest.approx(r.lrs[lowest] / 10)


def test_the_network_is_untouched_and_the_result_is_seeded(noisy):
    net = Network(SPEC)
    before = [p.value.copy() for p in net.parameters]
    a = find_learning_rate(net, TrainConfig(), *noisy, n_batches=50)
    for p, value in zip(net.parameters, before):
        np.testing.assert_array_equal(p.value, value)
    b = find_learning_rate(net, TrainConfig(), *noisy, n_batches=50)
    np.testing.assert_array_equal(a.losses, b.losses)
    c = find_learning_rate(net, TrainConfig(), *noisy, n_batches=50, seed=1)
    assert not np.array_equal(a.losses, c.losses)


def test_a_blow_up_stops_early(noisy):
    r = find_learning_rate(Network(SPEC), TrainConfig(optimiser="sgd", batch_size=32), *noisy,
                           lr_min=1e-3, lr_max=1e6, smoothing=0.5)
    assert r.stopped_early and 2 < len(r.lrs) < 200
    assert r.lrs[-1] < 1e6


def test_full_batch_uses_batches_of_128_and_progress_and_check_are_called(noisy):
    seen = []
    r = find_learning_rate(Network(SPEC), TrainConfig(batch_size=None), *noisy, n_batches=10,
                           progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 10) for i in range(1, 11)] and len(r.lrs) == 10

    class Cancel(Exception):
        pass

    def check():
        if len(seen) >= 12:
            raise Cancel

    with pytest.raises(Cancel):
        find_learning_rate(Network(SPEC), TrainConfig(), *noisy, n_batches=10, check=check,
                           progress=lambda done, total: seen.append(done))
    assert len(seen) == 12


@pytest.mark.parametrize("kwargs, problem", [
    ({"lr_min": 0}, "0 < lr_min < lr_max"),
    ({"lr_min": 1.0, "lr_max": 0.1}, "0 < lr_min < lr_max"),
    ({"lr_max": float("inf")}, "0 < lr_min < lr_max"),
    ({"n_batches": 1}, "n_batches must be"),
    ({"smoothing": 1.0}, "smoothing must be in"),
])
def test_bad_arguments(noisy, kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        find_learning_rate(Network(SPEC), TrainConfig(), *noisy, **kwargs)


def test_suggest_on_plain_curves():
    lrs = np.logspace(-6, 1, 100)
    assert suggest(lrs[:0], lrs[:0]) is None
    assert suggest(lrs[:3], np.full(3, np.nan)) is None  # no finite point: no rate
    rising = np.linspace(1, 2, 100)
    assert suggest(lrs, rising) == pytest.approx(lrs[0] / 10)
    valley = (np.log10(lrs) + 2) ** 2  # lowest at 0.01, steepest fall at the start (after the skip)
    assert suggest(lrs, valley) == lrs[5]


def test_no_suggestion_without_a_curve_and_the_reason_said(noisy):
    # outputs that overflow before any step: the first loss is NaN and the curve is empty
    spec = NetworkSpec(input_size=64, hidden=[(32, "relu")] * 3, init="normal", init_scale=1e12,
                       input_scaling="raw")
    r = find_learning_rate(Network(spec), TrainConfig(), *noisy, n_batches=10)
    assert len(r.lrs) == 0 and r.stopped_early
    assert r.suggestion is None and r.minimum is None  # not NaN, which the builder would take
    assert "very first batch" in r.reason and "no rate to suggest" in r.reason


def test_the_reason_says_how_the_suggestion_was_chosen(noisy):
    r = find_learning_rate(Network(SPEC), TrainConfig(batch_size=32), *noisy)
    assert np.isfinite(r.suggestion) and "falls fastest" in r.reason


@pytest.mark.slow
@pytest.mark.real_data
def test_the_default_preset_on_mnist(mnist):
    """The range test on the default network: a sensible suggestion, in well under the 15 s the
    app promises (the bound here is loose: the machine running the tests may be busy)."""
    import time

    from engine.presets import preset
    chosen = preset("default")
    t0 = time.perf_counter()
    r = find_learning_rate(Network(chosen.network), chosen.training, mnist.train_images, mnist.train_labels)
    seconds = time.perf_counter() - t0
    assert seconds < 60
    assert 1e-3 < r.suggestion < 1 and r.stopped_early  # momentum SGD blows up well before lr 10
    assert r.smoothed.min() < 0.6 * r.smoothed[0]
