"""The killable pool's protocol: results sent in lists, a killed unit found by the shared
clock, units done but not yet sent run again, a failed setup ends its batch, waiting threads
served first come first served, and the garbage collector settled between units."""

from __future__ import annotations

import gc
import threading
import time

from verifier import workers
from verifier.collector import SETTLE_UNITS
from verifier.limits import OverBudget
from verifier.workers import FLUSH_SECONDS, WorkerPool


def _nap(seconds: float) -> float:
    """Sleep with SIGALRM blocked (only the pool's kill stops a long one); its own argument."""
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return seconds


def _exit_at_three(k: int) -> int:
    import os

    if k == 3:
        os._exit(3)  # the worker process dies in the middle of its list
    return k


def _explode() -> None:
    raise RuntimeError("cannot be read here")


class _Unreadable:
    """An item the worker cannot unpickle: its batch never starts there."""

    def __reduce__(self):
        return (_explode, ())


def _broken_setup() -> None:
    raise ValueError("no such problem")


def _stamp(_: object) -> float:
    return time.monotonic()  # the machine's clock: comparable across processes


def _frozen_objects(_: object) -> int:
    return gc.get_freeze_count()


def test_a_kill_in_the_middle_of_a_list_keeps_every_other_result_in_order() -> None:
    # items 0-2 finish within one flush interval and are not sent yet when item 3 hangs:
    # they run again in the new worker; the hanging item alone is over budget
    items = [0.001, 0.002, 0.003, 30.0, 0.004, 0.005]
    assert sum(items[:3]) < FLUSH_SECONDS
    with WorkerPool(1) as pool:
        start = time.monotonic()
        out = pool.map(_nap, items, seconds=0.4, what="a nap")
        spent = time.monotonic() - start
    assert out[:3] == items[:3] and out[4:] == items[4:]
    assert isinstance(out[3], OverBudget)
    # bound: the unit's 0.4 s + GRACE before the kill, plus a new worker and the rest (~1 s)
    assert spent < 0.4 + workers.GRACE + 3


def test_a_unit_that_ends_its_worker_is_the_only_one_lost() -> None:
    with WorkerPool(1) as pool:
        out = pool.map(_exit_at_three, list(range(6)), seconds=5)
        assert out[:3] == [0, 1, 2] and out[4:] == [4, 5]  # 0-2 were not sent: they ran again
        assert isinstance(out[3], RuntimeError) and "exit code 3" in str(out[3])
        assert pool.map(abs, [-9], seconds=5) == [9]  # a new worker took its place


def test_a_batch_the_worker_cannot_read_fails_whole_without_retrying() -> None:
    with WorkerPool(1) as pool:
        start = time.monotonic()
        out = pool.map(abs, [_Unreadable(), -1], seconds=5)
        assert time.monotonic() - start < 5  # told at once, not retried until a budget ends
        assert all(isinstance(e, RuntimeError) and "died" in str(e) for e in out)
        assert pool.map(abs, [-9], seconds=5) == [9]


def test_a_failed_setup_gives_each_item_its_error_and_the_worker_stays_in_step() -> None:
    with WorkerPool(1) as pool:
        out = pool.map(abs, [-1, -2, -3], seconds=5, setup=(_broken_setup,))
        assert [type(e).__name__ for e in out] == ["ValueError"] * 3
        # the same worker answers the next call with its own results, not the skipped items'
        assert pool.map(abs, [-7, -8], seconds=5) == [7, 8]


def test_many_quick_units_come_back_in_few_messages_and_in_order() -> None:
    with WorkerPool(1) as pool:
        assert pool.map(abs, list(range(-2000, 0)), seconds=5) == list(range(2000, 0, -1))


def test_threads_waiting_for_a_worker_are_served_first_come_first_served() -> None:
    ran_at: dict[int, float] = {}
    with WorkerPool(1) as pool:
        pool.start()
        hold = threading.Thread(target=pool.map, args=(_nap, [0.5]), kwargs={"seconds": 5})
        hold.start()
        time.sleep(0.1)  # the one worker is busy: every thread below waits for it

        def ask(k: int) -> None:
            (ran_at[k],) = pool.map(_stamp, [k], seconds=5)

        askers = []
        for k in range(6):
            t = threading.Thread(target=ask, args=(k,))
            t.start()
            askers.append(t)
            time.sleep(0.03)  # each waits before the next one asks
        for t in [hold, *askers]:
            t.join(10)
    assert sorted(ran_at, key=ran_at.__getitem__) == list(range(6))


def test_a_closed_pool_wakes_the_threads_waiting_for_a_worker() -> None:
    pool = WorkerPool(1)
    pool.start()
    errors: list[str] = []
    hold = threading.Thread(target=pool.map, args=(_nap, [0.3]), kwargs={"seconds": 5})
    hold.start()
    time.sleep(0.1)

    def waiting() -> None:
        try:
            pool.map(abs, [1], seconds=5)
        except Exception as exc:  # noqa: BLE001  what the waiting thread was told
            errors.append(str(exc))

    t = threading.Thread(target=waiting)
    t.start()
    time.sleep(0.05)
    pool.close()
    t.join(5)
    hold.join(5)
    assert not t.is_alive()
    assert errors == ["the worker pool is closed"]


def _collecting(_: object) -> bool:
    return gc.isenabled()


def test_units_run_here_without_the_garbage_collector_and_it_comes_back() -> None:
    from verifier.workers import run_bounded

    assert gc.isenabled()
    assert run_bounded(_collecting, [0, 1], seconds=5) == [False, False]
    assert gc.isenabled()


def test_a_worker_freezes_what_survives_its_units() -> None:
    with WorkerPool(1) as pool:
        (before,) = pool.map(_frozen_objects, [0], seconds=5)
        pool.map(abs, list(range(SETTLE_UNITS)), seconds=5)
        (after,) = pool.map(_frozen_objects, [0], seconds=5)
    assert before > 0  # the imports were frozen at start
    assert after >= before  # settled after SETTLE_UNITS units: the survivors joined them


def test_starting_a_worker_keeps_what_the_caller_froze() -> None:
    """A command freezes its imports (collector.imports_settled) before it starts a pool: a
    worker's start must not thaw them (a later full collection would walk them again)."""
    gc.freeze()
    before = gc.get_freeze_count()
    try:
        with WorkerPool(1) as pool:
            pool.start()
            assert pool.map(abs, [-2], seconds=30) == [2]
            # a thaw empties the permanent generation; objects freed since leave it one by one
            assert gc.get_freeze_count() > before // 2
    finally:
        gc.unfreeze()
