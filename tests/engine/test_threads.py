"""The BLAS thread tuner: probes each count by time, keeps the fastest on average, re-probes when the
load changes, probes less often while its choice holds, and restores the original count."""

import itertools

import numpy  # noqa: F401  (loads the BLAS that threadpoolctl looks for)
import pytest

from engine.threads import ThreadTuner


class FakeBlas:
    """Stands in for threadpoolctl's controller: records the limits set."""

    def __init__(self):
        self.history, self.restored = [], False

    def limit(self, limits):
        self.history.append(limits)
        return self

    def restore_original_limits(self):
        self.restored = True

    @property
    def lib_controllers(self):
        return [object()]


class FakeClock:
    """Time that passes only when a test says so: batches take exactly the seconds they are given."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _train(tuner, seconds_per_batch, batches):
    """Runs ``batches`` fake batches; ``seconds_per_batch[threads]`` is a number or an iterator."""
    for _ in range(batches):
        tuner.start_batch()
        seconds = seconds_per_batch[tuner.threads]
        tuner.clock.now += seconds if isinstance(seconds, float) else next(seconds)
        tuner.end_batch()


def _tuner(blas, **settings):
    return ThreadTuner([1, 2], controller=blas, clock=FakeClock(), **settings)


@pytest.mark.parametrize("fast", [1, 2])
def test_the_faster_count_is_kept_after_a_probe(fast):
    blas = FakeBlas()
    with _tuner(blas, chunk=0.01, rounds=2, period=60) as tuner:
        _train(tuner, {fast: 0.001, 3 - fast: 0.006}, batches=30)
        assert blas.history[:3] == [2, 1, 2]  # 2 on entry, then turns of 1 and 2 threads
        assert tuner.choices == [fast] and tuner.threads == fast and not tuner.probing
        _train(tuner, {fast: 0.001, 3 - fast: 0.006}, batches=50)
        assert tuner.choices == [fast]  # no new probe within the period
    assert blas.restored


def test_rare_very_slow_batches_count_against_a_thread_count():
    """Two threads with a busy core: most batches as fast as one thread's, one in ten 60 times slower."""
    blas = FakeBlas()
    two_threads = itertools.cycle([0.0009] * 9 + [0.06])  # median 0.9 ms, mean 6.8 ms
    with _tuner(blas, chunk=0.1, rounds=3, period=60) as tuner:
        _train(tuner, {1: 0.001, 2: two_threads}, batches=600)
        assert tuner.choices == [1]


def test_a_plain_difference_ends_the_probe_after_one_round_a_close_one_takes_all_rounds():
    plain, close = FakeBlas(), FakeBlas()
    with _tuner(plain, chunk=0.01, rounds=3, period=60) as tuner:
        _train(tuner, {1: 0.001, 2: 0.006}, batches=40)
        assert tuner.choices == [1] and plain.history == [2, 1, 2, 1]  # entry, 1, 2, chosen
    with _tuner(close, chunk=0.01, rounds=3, period=60) as tuner:
        _train(tuner, {1: 0.001, 2: 0.0012}, batches=60)
        assert tuner.choices == [1] and close.history == [2, 1, 2, 1, 2, 1]  # turns 1 2 | 2 1 | 1 2


def test_a_new_probe_follows_a_change_of_load():
    blas = FakeBlas()
    with _tuner(blas, chunk=0.01, rounds=1, period=1) as tuner:
        _train(tuner, {1: 0.005, 2: 0.001}, batches=15)
        assert tuner.choices == [2]
        tuner.clock.now += 1.0  # past the period
        _train(tuner, {1: 0.001, 2: 0.005}, batches=15)  # another process took a core
        assert tuner.choices == [2, 1] and tuner.threads == 1


def test_probes_come_less_often_while_the_choice_holds():
    blas = FakeBlas()
    with _tuner(blas, chunk=0.01, rounds=1, period=1, max_period=4) as tuner:
        periods = []
        for _ in range(4):
            _train(tuner, {1: 0.005, 2: 0.001}, batches=20)
            periods.append(tuner.period)
            tuner.clock.now += tuner.period
        assert tuner.choices == [2, 2, 2, 2] and periods == [1, 2, 4, 4]
        _train(tuner, {1: 0.001, 2: 0.005}, batches=20)  # the load changed: back to short periods
        assert tuner.choices[-1] == 1 and tuner.period == 1


def test_a_slower_window_brings_the_next_probe_forward_but_single_spikes_do_not():
    blas = FakeBlas()
    with _tuner(blas, chunk=0.01, rounds=1, period=60, window=0.1) as tuner:
        _train(tuner, {1: 0.004, 2: 0.001}, batches=20)
        assert tuner.choices == [2]
        spiky = itertools.cycle([0.001] * 99 + [0.02])  # a repaint now and then: 1.2 ms on average
        _train(tuner, {1: 0.004, 2: spiky}, batches=500)
        assert tuner.choices == [2]
        _train(tuner, {1: 0.002, 2: 0.006}, batches=200)  # long before the period is over
        assert tuner.choices == [2, 1]


def test_one_candidate_is_used_throughout_and_bad_settings_are_refused():
    blas = FakeBlas()
    with ThreadTuner([1], controller=blas, clock=FakeClock()) as tuner:
        _train(tuner, {1: 0.0}, batches=3)
    assert blas.history == [1] and blas.restored
    with pytest.raises(ValueError, match="rounds >= 1"):
        ThreadTuner([1, 2], rounds=0)
    with pytest.raises(ValueError, match="period <= max_period"):
        ThreadTuner([1, 2], period=10, max_period=5)
    with pytest.raises(ValueError, match="warmup >= 0"):
        ThreadTuner([1, 2], warmup=-1)


def test_the_real_blas_count_is_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    with ThreadTuner([1], clock=FakeClock()) as tuner:
        _train(tuner, {1: 0.0}, batches=1)
        during = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert set(during) <= {1}
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert after == before


def test_the_tuner_controls_the_count_even_after_another_live_thread_set_it():
    """threadpoolctl 3.8 ignores limits set by a second thread while the first one lives: the app's
    runs each train on a new job thread, and without taking control their counts were ignored."""
    import threading

    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas_counts = lambda: {i["num_threads"] for i in threadpoolctl.threadpool_info()  # noqa: E731
                           if i["user_api"] == "blas"}
    policy = getattr(threadpoolctl, "OpenBLASController", None)
    if not hasattr(policy, "clear_controlling_thread"):
        pytest.skip("this threadpoolctl lets any thread set the count")
    policy.clear_controlling_thread(force=True)  # whatever earlier tests did, the other thread is first
    first_set, finish = threading.Event(), threading.Event()

    def other_thread():
        threadpoolctl.ThreadpoolController().select(user_api="blas").limit(limits=2)
        first_set.set()
        finish.wait(10)

    other = threading.Thread(target=other_thread)
    other.start()
    try:
        assert first_set.wait(10)
        with ThreadTuner([1], clock=FakeClock()) as tuner:
            _train(tuner, {1: 0.0}, batches=1)
            assert blas_counts() == {1}
    finally:
        finish.set()
        other.join()


def test_timed_wraps_a_step_as_one_batch_and_returns_what_it_returns():
    blas = FakeBlas()
    with _tuner(blas, chunk=0.01, rounds=1, period=60, warmup=0) as tuner:
        seconds = {1: 0.001, 2: 0.004}

        def step(x, *, scale):
            tuner.clock.now += seconds[tuner.threads]
            return x * scale

        step = tuner.timed(step)
        assert [step(i, scale=10) for i in range(15)] == [10 * i for i in range(15)]
        assert tuner.choices == [1]
        assert tuner._tallies[1].batches == 10 and tuner._tallies[2].batches == 3  # 0.01 s of each


def test_the_first_batch_allocates_buffers_and_is_not_held_against_its_count():
    def run(tuner):  # the first batch takes 50 ms at any count, then 1 ms on one thread, 3 on two
        with tuner:
            step = tuner.timed(lambda first: setattr(tuner.clock, "now", tuner.clock.now + (
                0.05 if first else {1: 0.001, 2: 0.003}[tuner.threads])))
            for b in range(20):
                step(b == 0)
        return tuner.choices

    assert run(_tuner(FakeBlas(), chunk=0.01, rounds=1, period=60)) == [1]  # warmup=1, the default
    assert run(_tuner(FakeBlas(), chunk=0.01, rounds=1, period=60, warmup=0)) == [2]  # misled


def test_a_conv_net_whose_two_thread_batches_stall_costs_one_slow_batch_per_probe():
    """LeNet at batch 128 on a loaded machine: 25 ms a batch on one thread; on two, most batches 2 to 5
    times slower and one in four 20 to 50 times (the skinny products of 6 and 16 filters)."""
    blas = FakeBlas()
    two_threads = itertools.cycle([0.06, 0.12, 0.5, 0.08, 1.2, 0.05])
    with _tuner(blas, chunk=0.1, rounds=3, period=10) as tuner:
        _train(tuner, {1: 0.025, 2: two_threads}, batches=1 + 5 + 1)  # warm-up, a turn of 1, one of 2
        assert tuner.choices == [1] and blas.history == [2, 1, 2, 1]  # decided after one round
        t0 = tuner.clock.now
        _train(tuner, {1: 0.025, 2: two_threads}, batches=4000)  # 100 s of training
        probes = len(tuner.choices)
        assert set(tuner.choices) == {1}
        assert blas.history.count(2) == 1 + probes  # on entry, then one 2-thread turn per probe ...
        assert probes <= 5  # ... and probes spaced out: 10, 20, 40, 80 s
    assert tuner.clock.now - t0 < 100 * 1.02 + 1.2 * probes  # under 2 % spent on probing, slow batch aside
