"""Which runs repeat which: the same settings and seed, or the same curves; fast for 1,000 runs."""

import time
from dataclasses import dataclass, field, replace

import pytest

from engine.files.session_file import RunData
from engine.network import NetworkSpec
from engine.run_comparison import find_repeats, repeated_run, same_curves, same_settings
from engine.training import EpochEnd, TrainConfig


def epochs(rate: float, n: int = 5, val=True):
    figures = []
    for e in range(1, n + 1):
        loss = 0.05 + 0.4 * 2.718 ** (-rate * e / 3)
        figures.append(EpochEnd(e, n, loss, 1 - loss / 2, 1.1 * loss if val else None,
                                1 - loss / 1.8 if val else None, None, None, 1.0, 1000.0, 0.1))
    return tuple(figures)


def run(rate=1.0, seed=0, lr=0.1, n=5, dataset="digits", val=True):
    return RunData(f"rate {rate}", NetworkSpec(seed=seed), TrainConfig(seed=seed, lr=lr, epochs=n), dataset,
                   epochs=epochs(rate, n, val))


def test_the_same_settings_or_the_same_curves_repeat_the_first_such_run():
    first, again, other_seed, same, other_data = (run(), run(), run(rate=2.0, seed=1), run(lr=0.2),
                                                  run(rate=3.0, dataset="mnist"))
    runs = [first, again, other_seed, same, other_data]
    assert find_repeats(runs) == [None, 0, None, 0, None]
    assert same_settings(first, again) and not same_settings(first, same) and same_curves(first, same)
    assert not same_curves(first, other_seed)
    assert find_repeats(runs[1:]) == [None, None, 0, None]  # without Run 1, Run 2 is the original
    assert repeated_run(same, runs) is first and repeated_run(first, runs) is None


def test_curves_agree_to_a_thousandth_over_the_epochs_both_have():
    short, long = run(n=3), run(n=8, lr=0.3)
    assert same_curves(short, long) and find_repeats([short, long]) == [None, 0]
    nudged = replace(long, epochs=tuple(replace(e, val_loss=e.val_loss * 1.0009) for e in long.epochs))
    off = replace(long, epochs=tuple(replace(e, val_loss=e.val_loss * 1.0011) for e in long.epochs))
    assert find_repeats([short, nudged]) == [None, 0] and find_repeats([short, off]) == [None, None]
    larger_first = replace(short, epochs=tuple(replace(e, train_loss=e.train_loss * 1.00099)
                                               for e in short.epochs), config=TrainConfig(lr=0.7))
    assert find_repeats([larger_first, long]) == [None, 0]  # tolerance relative to the larger of the two
    no_val = run(n=3, val=False, lr=0.5)
    assert find_repeats([short, no_val]) == [None, None]  # a figure missing in one only differs
    no_epochs = [replace(run(), epochs=()), replace(run(lr=0.2), epochs=())]
    assert find_repeats(no_epochs) == [None, None]  # no epoch: nothing to compare


@dataclass
class Record:  # the app's RunRecord has these fields too
    dataset_name: str
    spec: NetworkSpec
    config: TrainConfig
    epochs: list = field(default_factory=list)


def test_a_thousand_runs_are_compared_in_well_under_a_second():
    runs = [Record("d", NetworkSpec(seed=i // 2), TrainConfig(seed=i // 2), list(epochs(0.5 + 0.02 * (i // 2))))
            for i in range(1000)]
    t0 = time.perf_counter()
    found = find_repeats(runs)
    seconds = time.perf_counter() - t0
    assert found[:4] == [None, 0, None, 2] and sum(f is not None for f in found) == 500
    assert seconds < 5  # about 0.02 s; pairwise loops took seconds (generous: CI may be busy)


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_lists(count):
    assert find_repeats([run()] * count) == [None] * count
