"""The BLAS thread tuner: probes each count, keeps the fastest, re-probes, restores the original count."""


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
    for _ in range(batches):
        tuner.start_batch()
        tuner.clock.now += seconds_per_batch[tuner.threads]
        tuner.end_batch()


@pytest.mark.parametrize("fast", [1, 2])
def test_the_faster_count_is_kept_after_a_probe(fast):
    blas = FakeBlas()
    slow = 3 - fast
    with ThreadTuner([1, 2], probe=2, period=60, controller=blas, clock=FakeClock()) as tuner:
        _train(tuner, {fast: 0.001, slow: 0.006}, batches=4)  # the probe: 1, 2, 1, 2
        assert blas.history[:5] == [2, 1, 2, 1, 2]  # 2 on entry, then alternating
        assert tuner.threads == fast
        _train(tuner, {fast: 0.001, slow: 0.006}, batches=5)
        assert tuner.threads == fast  # no new probe within the period
    assert blas.restored


def test_a_new_probe_follows_a_change_of_load():
    blas = FakeBlas()
    with ThreadTuner([1, 2], probe=1, period=0.01, controller=blas, clock=FakeClock()) as tuner:
        _train(tuner, {1: 0.005, 2: 0.001}, batches=2)
        assert tuner.threads == 2
        tuner.clock.now += 0.25  # past the next probe: 20 times the 6 ms the first probe took
        _train(tuner, {1: 0.001, 2: 0.005}, batches=2)  # another process took a core
        assert tuner.threads == 1


def test_one_candidate_is_used_throughout_and_bad_settings_are_refused():
    blas = FakeBlas()
    with ThreadTuner([1], controller=blas, clock=FakeClock()) as tuner:
        _train(tuner, {1: 0.0}, batches=3)
    assert blas.history == [1] and blas.restored
    with pytest.raises(ValueError, match="probe >= 1"):
        ThreadTuner([1, 2], probe=0)


def test_the_real_blas_count_is_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    with ThreadTuner([1], clock=FakeClock()) as tuner:
        _train(tuner, {1: 0.0}, batches=1)
        during = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert set(during) <= {1}
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert after == before


def test_batches_slowing_down_bring_the_next_probe_forward():
    blas = FakeBlas()
    with ThreadTuner([1, 2], probe=1, period=60, controller=blas, clock=FakeClock()) as tuner:
        _train(tuner, {1: 0.001, 2: 0.004}, batches=2)
        assert tuner.threads == 1
        _train(tuner, {1: 0.006, 2: 0.001}, batches=12)  # long before the period is over
        assert tuner.threads == 2
