"""Budgets: OverBudget wording, nested limits, the killable worker pool, run_bounded anywhere."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from verifier import limits, workers
from verifier.errors import LimitError, VerifierError
from verifier.limits import OverBudget, budget, check_seconds, tick
from verifier.workers import WorkerPool, run_bounded


def _spin(seconds: float) -> str:
    """Python work that only SIGALRM or a kill stops (no cooperative tick)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def _sleep_uninterruptibly(seconds: float) -> str:
    """A long call no Python signal handler runs during: only the kill stops it."""
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return "woke"


def test_over_budget_is_a_limit_error_with_one_wording() -> None:
    exc = OverBudget(2, "checking the answer")
    assert isinstance(exc, LimitError) and isinstance(exc, VerifierError)
    assert exc.message == "over budget: checking the answer took longer than 2 s"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, 0.0, 1e300])
def test_check_seconds_refuses_unusable_budgets(bad: float) -> None:
    with pytest.raises(VerifierError, match="must be a number of seconds > 0"):
        check_seconds(bad)


def test_budget_turns_timeup_into_over_budget_in_the_main_thread() -> None:
    start = time.monotonic()
    with (
        pytest.raises(OverBudget, match="the spin took longer than 0.2 s"),
        budget(0.2, "the spin"),
    ):
        _spin(30)
    assert time.monotonic() - start < 1.2  # the budget plus 1 s


def test_nested_limits_keep_the_outer_alarm() -> None:
    # an inner limit that ends in time must re-arm the outer one: the outer still fires
    start = time.monotonic()
    with pytest.raises(OverBudget, match="the outer"), budget(0.4, "the outer"):
        with budget(5, "the inner"):
            _spin(0.05)
        _spin(30)
    assert time.monotonic() - start < 1.4


def test_inner_tighter_limit_reports_itself() -> None:
    with (
        pytest.raises(OverBudget, match="the inner took longer than 0.1 s"),
        budget(5, "the outer"),
        budget(0.1, "the inner"),
    ):
        _spin(30)


def test_pool_kills_and_replaces_a_worker_and_keeps_the_rest_of_the_chunk() -> None:
    with WorkerPool(1) as pool:
        start = time.monotonic()
        out = pool.map(_sleep_uninterruptibly, [0.01, 30, 0.01], seconds=0.5, what="a nap")
        assert time.monotonic() - start < 0.5 + workers.GRACE + 3  # kill, replace, go on
        assert out[0] == "woke" and out[2] == "woke"
        assert isinstance(out[1], OverBudget)
        assert out[1].message == "over budget: a nap took longer than 0.5 s"
        assert pool.map(abs, [-4], seconds=5) == [4]  # the replacement serves the next call


def test_pool_reports_exceptions_as_results() -> None:
    with WorkerPool(1) as pool:
        out = pool.map(math.sqrt, [4.0, -1.0], seconds=5)
    assert out[0] == 2.0 and isinstance(out[1], ValueError)


def test_run_bounded_gives_the_same_outcome_in_a_thread_and_in_the_main_thread() -> None:
    items = [0.01, 30.0]
    here = run_bounded(_spin, items, seconds=0.3, what="the spin")
    with ThreadPoolExecutor(2) as ex:
        start = time.monotonic()
        there = ex.submit(run_bounded, _spin, items, seconds=0.3, what="the spin").result()
        assert time.monotonic() - start < 0.3 + workers.GRACE + 3
    assert here[0] == there[0] == "done"
    assert type(here[1]) is type(there[1]) is OverBudget
    assert str(here[1]) == str(there[1])
    workers.close_shared_pool()


def test_tick_in_a_thread_uses_the_thread_deadline() -> None:
    seen = []

    def work() -> None:
        with limits.time_limit(0.05):
            try:
                while True:
                    time.sleep(0.01)
                    tick()
            except limits.TimeUp:
                seen.append("time up")

    t = threading.Thread(target=work)
    t.start()
    t.join(5)
    assert seen == ["time up"]
