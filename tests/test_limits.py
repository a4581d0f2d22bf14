"""Budgets: OverBudget wording, nested limits, the killable worker pool, run_bounded anywhere."""

from __future__ import annotations

import math
import signal
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


def _clean_state(handler: object) -> None:
    """No deadline, no timer and the original SIGALRM handler: nothing left for the next unit."""
    assert limits.deadline() == math.inf
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    assert signal.getsignal(signal.SIGALRM) is handler


def _spin_until_timeup() -> None:
    while True:  # a unit that never ends on its own; SIGALRM or tick() stops it
        tick()


@pytest.mark.parametrize("seconds", [1e-6, 1e-4, 1e-3])
def test_tiny_budgets_leave_nothing_behind(seconds: float) -> None:
    # CI once showed an alarm landing during a limit's set-up or clean-up (a 0.001 s
    # --time-limit): the next 1,600 tests then saw a stale, passed deadline.  Hundreds of
    # limits this small put the alarm in every window; after each one the state must be clean.
    handler = signal.getsignal(signal.SIGALRM)
    outcomes = set()
    for i in range(300):
        try:
            with budget(seconds, "the unit"):
                if i % 2:
                    _spin_until_timeup()
            outcomes.add("finished")
        except OverBudget:
            outcomes.add("over budget")
        _clean_state(handler)
    assert "over budget" in outcomes


def test_tiny_inner_limits_keep_the_outer_deadline_and_alarm() -> None:
    handler = signal.getsignal(signal.SIGALRM)
    with limits.time_limit(30):
        outer = limits.deadline()
        for i in range(300):
            try:
                with budget(1e-5 * (1 + i % 7), "the inner unit"):
                    _spin_until_timeup()
            except OverBudget:
                pass
            assert limits.deadline() == outer  # the inner deadline is gone, the outer's holds
            assert 0.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30.0  # its alarm is re-armed
    _clean_state(handler)


def test_a_limit_never_left_is_closed_by_the_limit_around_it() -> None:
    # an interrupt between a context manager's __enter__ and its body skips its __exit__:
    # the enclosing limit's exit must still remove the orphan's deadline and its alarm
    handler = signal.getsignal(signal.SIGALRM)
    with limits.time_limit(30):
        orphan = limits.time_limit(0.01)
        orphan.__enter__()
        assert limits.deadline() < time.monotonic() + 1
    _clean_state(handler)
    orphan.__exit__(None, None, None)  # closing it late (a garbage-collected wrapper): no effect
    _clean_state(handler)


def test_an_alarm_after_its_limit_closed_raises_nothing() -> None:
    limits._on_alarm(signal.SIGALRM, None)  # no open limit: a late alarm is ignored
    with limits.time_limit(30):
        limits._on_alarm(signal.SIGALRM, None)  # an early alarm re-arms for the rest
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 25


def test_an_alarm_whose_timeup_was_dropped_rings_again() -> None:
    # Python drops an exception raised in a gc callback or a __del__ (it only prints it): the
    # limit must not stay open past its deadline with no alarm left
    dropped = 0
    start = time.monotonic()
    with pytest.raises(OverBudget, match="the spin"), budget(0.1, "the spin"):
        while time.monotonic() - start < 10:
            try:
                _spin(0.01)
            except limits.TimeUp:
                dropped += 1
                if dropped == 1:
                    continue  # as Python does with one raised in a gc callback
                raise
    assert dropped == 2
    # bound: the budget, then one RING_AGAIN interval, with 0.5 s for a loaded machine
    assert time.monotonic() - start < 0.1 + limits.RING_AGAIN + 0.5
