"""Must-show 2 of the budgets issue: 50 short hostile inputs through diff, sweep, check, run and
grade, each unit run on a process pool, a thread pool and a Dask cluster on loopback: every unit
ends within its budget plus 1 s, with the same verdict on every executor.

The verdicts are compared text for text: an over-budget unit reads the same whichever executor
ran it (SIGALRM in a process's main thread, or a worker process killed at the budget).
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import hostile_units as hu
import pytest

from verifier import workers

JOBS = [(verb, name, text) for name, text in hu.HOSTILE for verb in hu.UNITS]


def _run_all(executor) -> dict[tuple[str, str], tuple[str, float]]:
    futures = {(verb, name): executor.submit(hu.timed, verb, text) for verb, name, text in JOBS}
    return {key: fut.result(timeout=600) for key, fut in futures.items()}


@pytest.fixture(scope="module")
def outcomes():
    import importlib

    for name in hu.PRELOAD:  # imported once here, so forked workers start warm
        importlib.import_module(name)
    for verb in hu.UNITS:  # and first-use work (compiling, caches) done once, not per worker
        hu.UNITS[verb]("x^3 + sin(x)")
    workers.close_shared_pool()
    # two threads (thread pool) + two Dask threads share this process's pool: four workers,
    # forked now while this process has one thread
    workers.shared_pool(hu.PRELOAD, size=4).start()
    results = {}
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as ex:
            results["process"] = _run_all(ex)
        with ThreadPoolExecutor(2) as ex:
            results["thread"] = _run_all(ex)
        distributed = pytest.importorskip("distributed")
        with (
            distributed.LocalCluster(
                n_workers=1,
                threads_per_worker=2,
                processes=False,
                protocol="tcp",
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            results["dask"] = _run_all(client.get_executor())
    finally:
        workers.close_shared_pool()
    return results


def test_fifty_short_hostile_inputs() -> None:
    assert len(hu.HOSTILE) == 50
    assert len({name for name, _ in hu.HOSTILE}) == 50
    assert all(len(text) <= 80 for _, text in hu.HOSTILE)


@pytest.mark.parametrize("executor", ["process", "thread", "dask"])
def test_every_unit_ends_within_its_budget_plus_one_second(outcomes, executor) -> None:
    slow = {
        key: round(seconds, 2)
        for key, (_, seconds) in outcomes[executor].items()
        if seconds > hu.BUDGET + 1.0
    }
    assert not slow, f"over budget + 1 s on {executor}: {slow}"


def test_the_verdict_is_the_same_on_every_executor(outcomes) -> None:
    differ = {
        key: {ex: outcomes[ex][key][0] for ex in outcomes}
        for key in outcomes["process"]
        if len({outcomes[ex][key][0] for ex in outcomes}) != 1
    }
    assert not differ, differ


def test_no_verdict_is_an_unexpected_exception(outcomes) -> None:
    # a clear result or one of the library's errors: never a TypeError, RecursionError, ...
    allowed = {"ParseError", "LimitError", "OverBudget", "DomainError", "UnsupportedError"}
    bad = {
        key: verdict
        for ex in outcomes
        for key, (verdict, _) in outcomes[ex].items()
        if (m := re.match(r"([A-Z]\w*(Error|Exception|Budget)):", verdict))
        and m.group(1) not in allowed
    }
    assert not bad, bad


def test_runaway_radicals_are_stopped_on_every_verb(outcomes) -> None:
    for verb in hu.UNITS:
        verdict, seconds = outcomes["thread"][(verb, "5 radicals cancelling")]
        assert "took longer than" in verdict, (verb, verdict)
        assert seconds < hu.BUDGET + 1.0
