"""Replay of a run (engine.replay): snapshots at log-spaced steps within a memory budget, the last one
the final network exactly, and replaying a snapshot gives the network as it was at that step."""

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from engine.network import ConvLayer, HiddenLayer, Network, NetworkSpec, PoolLayer
from engine.replay import (
    Recorder,
    Snapshot,
    fit_budget,
    least_bytes,
    nearest,
    network_at,
    replay_bytes,
    rerun_changes,
    same_initial_weights,
    thin,
    thin_to,
)
from engine.training import BatchEnd, TrainConfig, Trainer
from tests.synthetic import make_split

SPEC = NetworkSpec(input_size=144, hidden=(HiddenLayer(8, "relu"),), seed=2,
                   features=(ConvLayer(2, 3, padding=1), PoolLayer(2)))


def _train(recorder_bytes=2**20, epochs=3):
    images, labels = make_split(240, shape=(12, 12), rng=np.random.default_rng(0))
    network = Network(SPEC)
    recorder = Recorder(network, max_bytes=recorder_bytes)
    recorder.offer(0, 0.0)
    kept_copies = {0: network.copy()}
    trainer = Trainer(network, TrainConfig(epochs=epochs, batch_size=16, lr=0.01), images, labels)
    step = 0
    for event in trainer.run():
        if isinstance(event, BatchEnd):
            step = event.step
            if recorder.offer(step, event.epoch - 1 + event.batch / event.n_batches):
                kept_copies[step] = network.copy()
    recorder.finish(step, float(epochs))
    return network, recorder, kept_copies, (images, labels)


def test_steps_are_log_spaced_and_the_last_is_the_final_network():
    network, recorder, _, (images, _) = _train()
    steps = [s.step for s in recorder.snapshots]
    assert steps[:7] == [0, 1, 2, 3, 4, 5, 6]
    assert all(b >= max(a + 1, 1.2 * a) for a, b in itertools.pairwise(steps[1:-1])), steps
    assert steps[-1] == 3 * 14  # 3 epochs of 14 batches (220 training images, 20 held out)
    final = network_at(SPEC, recorder.snapshots[-1])
    np.testing.assert_array_equal(final.logits(images), network.logits(images))


def test_a_snapshot_replays_the_network_of_its_step_to_float16_precision():
    _, recorder, copies, (images, _) = _train()
    for snapshot in recorder.snapshots[:-1]:
        replayed = network_at(SPEC, snapshot)
        want = copies[snapshot.step].predict_proba(images)
        np.testing.assert_allclose(replayed.predict_proba(images), want, atol=5e-3)


def test_the_budget_is_kept_by_thinning_and_the_history_stays_covered():
    _network, recorder, _, _ = _train(recorder_bytes=6 * _snapshot_bytes(), epochs=6)
    assert recorder.nbytes <= 6 * _snapshot_bytes()
    steps = [s.step for s in recorder.snapshots]
    assert steps[0] == 0 and steps[-1] == 6 * 14 and len(steps) >= 3
    assert steps == sorted(steps)


def test_the_initial_weights_and_the_final_network_are_kept_exactly():
    network, recorder, copies, _ = _train(recorder_bytes=8 * _snapshot_bytes(), epochs=6)
    first, last = recorder.snapshots[0], recorder.snapshots[-1]
    assert first.step == 0 and len(recorder.snapshots) >= 3  # thinned, the first kept all the same
    for layer, w, b in zip(copies[0].weighted_layers, first.weights, first.biases):
        assert w.dtype == np.float32 and b.dtype == np.float32
        np.testing.assert_array_equal(w, layer.W)
        np.testing.assert_array_equal(b, layer.b)
    np.testing.assert_array_equal(last.weights[0], network.weighted_layers[0].W)
    assert {s.weights[0].dtype for s in recorder.snapshots[1:-1]} == {np.dtype(np.float16)}


def test_a_rerun_names_what_it_changes_and_knows_if_it_starts_from_the_same_weights():
    config = TrainConfig(lr=0.01, batch_size=16, seed=2)
    assert rerun_changes(SPEC, config, SPEC, config) == []
    assert rerun_changes(SPEC, config, SPEC, replace(config, lr=0.5)) == ["learning rate 0.5"]
    assert rerun_changes(SPEC, config, SPEC, replace(config, batch_size=None, optimiser="sgd")) == [
        "full batch", "optimiser sgd"]
    wider = replace(SPEC, hidden=(HiddenLayer(16, "relu"),))
    assert rerun_changes(SPEC, config, wider, config) == ["hidden layers 16 relu"]
    assert same_initial_weights(SPEC, replace(SPEC, hidden=(HiddenLayer(8, "tanh", dropout=0.5),), loss="mse"))
    assert not same_initial_weights(SPEC, wider)
    assert not same_initial_weights(SPEC, replace(SPEC, seed=3))
    assert not same_initial_weights(SPEC, replace(SPEC, init="xavier"))
    tanh = replace(SPEC, hidden=(HiddenLayer(8, "tanh"),))
    for a, b in zip(Network(SPEC).parameters, Network(tanh).parameters):  # what "same" promises
        np.testing.assert_array_equal(a.value, b.value)


def test_a_network_too_big_for_the_budget_is_refused_with_the_figure():
    with pytest.raises(ValueError, match="MiB allowed"):
        Recorder(Network(SPEC), max_bytes=100)


def test_nearest_finds_the_closest_snapshot():
    _, recorder, _, _ = _train()
    steps = [s.step for s in recorder.snapshots]
    assert steps[6:8] == [6, 8]
    assert steps[nearest(recorder.snapshots, 7.2)] == 8
    assert steps[nearest(recorder.snapshots, 6.9)] == 6


def _snapshot_bytes():
    return sum(layer.W.size + layer.b.size for layer in Network(SPEC).weighted_layers) * 2


# --- the session's budget: thinning runs, older ones first ------------------------------------

def _run(last_step: int, floats: int = 100, growth: float = 1.2) -> tuple[Snapshot, ...]:
    """Snapshots as a Recorder keeps them: log-spaced steps, the first and last float32."""
    steps, step = [], 0
    while step < last_step:
        steps.append(step)
        step = max(step + 1, math.ceil(step * growth))
    steps.append(last_step)
    return tuple(Snapshot(s, s / 10, (np.zeros(floats - 1, np.float32 if s in (0, last_step) else np.float16),),
                          (np.zeros(1, np.float32 if s in (0, last_step) else np.float16),)) for s in steps)


def test_thinning_keeps_the_first_the_last_and_log_spaced_steps_between():
    run = _run(5000)
    kept = thin(run, 12)
    steps = [s.step for s in kept]
    assert len(kept) == 12 and steps[0] == 0 and steps[-1] == 5000 and steps == sorted(set(steps))
    gaps = np.diff(np.log1p(steps[1:-1]))  # evenly spaced in log(1 + step), as near as the snapshots allow
    assert gaps.max() < 2.5 * gaps.min(), steps
    assert thin(run, len(run) + 5) == run
    with pytest.raises(ValueError, match="first and last"):
        thin(run, 1)


def test_thin_to_keeps_the_most_snapshots_that_fit():
    run = _run(5000)
    size = replay_bytes(run)
    kept = thin_to(run, size // 2)
    assert replay_bytes(kept) <= size // 2 < replay_bytes(thin(run, len(kept) + 1))
    assert thin_to(run, size) == run
    assert thin_to(run, least_bytes(run)) == (run[0], run[-1])
    assert thin_to(run, least_bytes(run) - 1) == ()


def test_a_session_of_runs_fits_its_budget_the_newest_run_whole_the_older_ones_thinned_alike():
    runs = [_run(5000) for _ in range(7)]
    size = replay_bytes(runs[0])
    budget = 3 * size  # room for three whole runs: seven are over it
    fitted = fit_budget(runs, budget)
    assert sum(map(replay_bytes, fitted)) <= budget
    assert fitted[-1] == runs[-1]  # the new run keeps all it recorded
    counts = {len(r) for r in fitted[:-1]}
    assert max(counts) - min(counts) <= 1 and max(counts) < len(runs[0])  # one share for the older runs
    for old, new in zip(runs, fitted):
        assert new[0] is old[0] and new[-1] is old[-1]
    assert fit_budget(runs[:3], budget) == runs[:3]  # within the budget: untouched


def test_a_small_old_run_keeps_its_snapshots_and_the_big_ones_give_way():
    small, big = _run(30), _run(5000, floats=1000)
    fitted = fit_budget([small, big, big, big], 2 * replay_bytes(big) + replay_bytes(small))
    assert fitted[0] == small and fitted[-1] == big
    assert len(fitted[1]) < len(big) and len(fitted[2]) < len(big)


def test_when_even_the_first_and_last_do_not_fit_the_oldest_runs_lose_their_replay():
    runs = [_run(5000) for _ in range(5)]
    budget = replay_bytes(runs[-1]) + 2 * least_bytes(runs[0])
    fitted = fit_budget(runs, budget)
    assert [len(r) for r in fitted[:3]] == [0, 0, 2] and len(fitted[3]) == 2 and fitted[4] == runs[4]
    assert sum(map(replay_bytes, fitted)) <= budget
