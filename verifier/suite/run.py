"""Run case files: one row per case and point, with the verdict and the figures behind it.

What a case verifies, by kind (the runners are in :mod:`verifier.suite.kinds`; each maps
the records of the job that judges, it judges nothing itself):

* ``derivative`` -- at every point, the sweep's verdict (each method's estimates against the
  exact reference, a ``claimed`` derivative against the reference's exact value, by the one
  policy table), the rule engine agrees with ``sympy.diff``, the required ``rules`` appear in
  the derivation, the ``estimates`` at one ``h`` are as stated.  A point where f' does not
  exist (a kink, a pole, outside the domain) fails the case, it does not crash it.
* ``gradient`` -- the same for every partial derivative at every point.
* ``homework`` -- the grader gives the case's ``verdict`` (and ``mistake``).
* ``network`` -- the network gradient check's verdict.

Verdicts: ``pass``, ``fail``, ``inconclusive`` (not a pass), ``error`` (the case raised),
and under ``expect = "fail"`` ``xfail-caught`` / ``xfail-missed`` (a checker bug).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.toml").write_text('''schema = 1
... [[case]]
... id = "seed"
... function = "x^2 + 2x + 1"
... points = [15]
... h = 0.1
... methods = ["forward", "backward", "central"]
... estimates = {forward = 32.1, backward = 31.9, central = 32}
... ''')
>>> r = run_suite([d])
>>> r.results[["case", "point", "verdict"]].values.tolist(), r.exit_code
([['seed', 'x = 15', 'pass']], 0)
"""

from __future__ import annotations

import fnmatch
import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any

from verifier.errors import CaseError, VerifierError
from verifier.i18n import N_
from verifier.suite.cases import case_files, read_cases
from verifier.suite.kinds import KIND_RUNNERS, Timer
from verifier.suite.records import RESULT_COLUMNS, VERDICTS, CaseOutcome, SuiteResult, result_row
from verifier.suite.schema import Case
from verifier.workers import run_bounded

__all__ = [
    "RESULT_COLUMNS",
    "VERDICTS",
    "CaseOutcome",
    "case_errors",
    "SuiteResult",
    "chunk_sizes",
    "collect",
    "run_case",
    "run_case_within",
    "run_cases_within",
    "run_suite",
]


def _error_outcome(case: Case, exc: BaseException, duration: float = 0.0) -> CaseOutcome:
    message = str(exc) if isinstance(exc, VerifierError) else f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, VerifierError):
        # An unexpected exception is a bug somewhere: keep the place it happened.
        tb = traceback.extract_tb(exc.__traceback__)
        if tb:
            message += f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})"
    row = result_row(
        case, "", verdict="error", reason=message, error_type=type(exc).__name__, duration=duration
    )
    return CaseOutcome(case=case, rows=(row,), duration=duration)


def run_case(case: Case) -> CaseOutcome:
    """Run one case; never raises (an exception becomes an ``error`` row).

    >>> from verifier.suite.schema import DerivativeCase
    >>> out = run_case(DerivativeCase(id="sq", function="x^2", points=(1.0, 2.0), claimed="3x"))
    >>> out.verdict, [r["point"] for r in out.rows]
    ('fail', ['x = 1', 'x = 2'])
    """
    timer = Timer()
    t0 = time.perf_counter()
    try:
        judged = KIND_RUNNERS[case.kind](case, timer)
    except Exception as exc:  # one case that raises must not stop the suite
        return _error_outcome(case, exc, time.perf_counter() - t0)
    duration = time.perf_counter() - t0
    share = duration / max(len(judged.rows), 1)
    return CaseOutcome(
        case=case,
        rows=tuple({**r, "duration": share} for r in judged.rows),
        errors=judged.errors,
        analysis=judged.analysis,
        steps=judged.steps,
        duration=duration,
        timings=timer.seconds,
        extras=judged.extras,
    )


#: the default budget of one case, in seconds (``verifier run --time-limit``)
CASE_SECONDS = 60.0


def run_case_within(
    case: Case,
    seconds: float | None = CASE_SECONDS,
    runner: Callable[[Case], CaseOutcome] = run_case,
) -> CaseOutcome:
    """:func:`run_case` within a time budget, where it can be stopped; never raises.

    In a main thread SIGALRM stops it; in a thread (a thread pool, a Dask worker) it runs in
    a worker process that is killed at the budget.  Over budget it is an ``error`` row saying
    so, the same on every executor.

    >>> from verifier.suite.schema import DerivativeCase
    >>> run_case_within(DerivativeCase(id="sq", function="x^2", points=(1.0,)), 30).verdict
    'pass'
    """
    if seconds is None:
        return runner(case)
    modules = tuple(dict.fromkeys((*RUNNER_MODULES, runner.__module__)))
    out = run_bounded(runner, [case], seconds=seconds, what=N_("the case"), preload=modules)[0]
    return _error_outcome(case, out) if isinstance(out, BaseException) else out


def _matcher(select: str | Callable[[Case], bool] | None) -> Callable[[Case], bool]:
    if select is None:
        return lambda case: True
    if callable(select):
        return select
    pattern = select.lower()
    # case ids only: a file name (80_expected_failures.toml) must not select its every case
    if any(ch in pattern for ch in "*?["):
        return lambda case: fnmatch.fnmatchcase(case.id.lower(), pattern)
    return lambda case: pattern in case.id.lower()


def collect(
    paths: Sequence[str | os.PathLike[str]], select: str | Callable[[Case], bool] | None = None
) -> tuple[list[Case], list[CaseError]]:
    """Read every case file (folders give their ``*.toml``): the selected cases and all problems.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.toml").write_text('schema = 1\\n[[case]]\\nid = "a"\\nfunction = "x"\\n'
    ...     'points = [1]\\n[[case]]\\nid = "b"\\nfunction = "x"\\npoints = [1]\\ncolour = 1\\n')
    >>> cases, problems = collect([d], select="a")
    >>> [c.id for c in cases], [p.case_id for p in problems]
    (['a'], ['b'])
    """
    keep = _matcher(select)
    cases: list[Case] = []
    problems: list[CaseError] = []
    for path in case_files(paths):
        f = read_cases(path)
        problems.extend(f.problems)
        cases.extend(c for c in f.cases if keep(c))
    return cases, problems


#: what the kind runners import when they first run; loaded before a process pool forks,
#: so its workers start with them (a worker importing sympy's corners itself costs seconds)
RUNNER_MODULES = (
    "pandas",
    "verifier.sweep",
    "verifier.reference",
    "verifier.symbolic.steps",
    "verifier.suite.curves",
    "verifier.homework.judge",
    "verifier.gradcheck",
    "verifier.policy",
)


def run_cases_within(
    cases: Sequence[Case],
    seconds: float | None = CASE_SECONDS,
    runner: Callable[[Case], CaseOutcome] = run_case,
) -> list[CaseOutcome]:
    """:func:`run_case_within` for several cases at once: one message to a worker process and
    back (each case still within its own budget; a case over it loses only itself).

    >>> from verifier.suite.schema import DerivativeCase
    >>> cases = [DerivativeCase(id=f"p{k}", function=f"x^{k}", points=(1.0,)) for k in (2, 3)]
    >>> [o.verdict for o in run_cases_within(cases, 30)]
    ['pass', 'pass']
    """
    if seconds is None:
        return [runner(case) for case in cases]
    modules = tuple(dict.fromkeys((*RUNNER_MODULES, runner.__module__)))
    got = run_bounded(runner, list(cases), seconds=seconds, what=N_("the case"), preload=modules)
    return [
        _error_outcome(case, out) if isinstance(out, BaseException) else out
        for case, out in zip(cases, got, strict=True)
    ]


def chunk_sizes(n: int, workers: int) -> list[int]:
    """Cases per task when ``n`` cases go to ``workers``: large tasks first, one-case tasks at
    the end (guided scheduling), so a worker does not wait for each case's round trip and the
    last tasks still even out the workers' finishing times.

    >>> chunk_sizes(20, 2)
    [3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    """
    sizes = []
    left = n
    while left > 0:
        size = max(1, left // (CHUNKS_PER_WORKER * max(1, workers)))
        sizes.append(size)
        left -= size
    return sizes


#: :func:`chunk_sizes`: a task takes at most 1/(this x workers) of the cases left
CHUNKS_PER_WORKER = 3


def _outcomes(
    cases: list[Case],
    executor: Executor | None,
    progress: Callable[[CaseOutcome], None] | None,
    time_limit: float | None = CASE_SECONDS,
    runner: Callable[[Case], CaseOutcome] = run_case,
) -> tuple[CaseOutcome, ...]:
    """Every case's outcome, in the cases' order (an executor runs them in any order).

    An executor gets the cases in tasks of several (:func:`chunk_sizes`); a task that fails
    as a whole (a worker that died, a result that did not pickle) is tried again case by case.
    """
    outcomes: list[CaseOutcome | None] = [None] * len(cases)
    if executor is None:
        for i, case in enumerate(cases):
            outcomes[i] = run_case_within(case, time_limit, runner)
            if progress:
                progress(outcomes[i])
        return tuple(o for o in outcomes if o is not None)
    from concurrent.futures import FIRST_COMPLETED, wait

    workers = int(getattr(executor, "_max_workers", 0) or os.cpu_count() or 1)

    def submit(task: list[int]) -> tuple[Any, list[int]]:
        return executor.submit(run_cases_within, [cases[i] for i in task], time_limit, runner), task

    pending, start = {}, 0
    for size in chunk_sizes(len(cases), workers):
        pending.update([submit(list(range(start, start + size)))])
        start += size
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in finished:
            task = pending.pop(fut)
            try:
                got = fut.result()
            except Exception as exc:  # noqa: BLE001  a worker that died, a result not pickled
                if len(task) > 1:  # the task as a whole failed: each case on its own
                    pending.update(submit([i]) for i in task)
                    continue
                got = [_error_outcome(cases[task[0]], exc)]
            for i, outcome in zip(task, got, strict=True):
                outcomes[i] = outcome
                if progress:
                    progress(outcome)
    return tuple(o for o in outcomes if o is not None)


def _problem_row(problem: CaseError) -> dict[str, Any]:
    row = dict.fromkeys(RESULT_COLUMNS)
    row.update(
        file=os.path.basename(problem.path),
        case=problem.case_id or "",
        kind="",
        point="",
        verdict="error",
        rule="",
        expected="",
        reason=str(problem),
        error_type="CaseError",
    )
    return row


def case_errors(outcome: CaseOutcome) -> Any:
    """A derivative or gradient case's rows of errors.csv (its estimates, with its file and
    case), or None (another kind, or no estimate).

    >>> from verifier.suite.schema import DerivativeCase
    >>> out = run_case(DerivativeCase(id="sq", function="x^2", points=(1.0,), h=(0.1,)))
    >>> case_errors(out)[["file", "case", "method"]].values.tolist()[0]
    ['', 'sq', 'forward']
    """
    o = outcome
    if o.errors is None or not len(o.errors) or o.case.kind not in ("derivative", "gradient"):
        return None
    f = o.errors.copy()
    f.insert(0, "case", o.case.id)
    f.insert(0, "file", os.path.basename(o.case.path))
    return f


def _errors_frame(outcomes: tuple[CaseOutcome, ...]) -> Any:
    """Every estimate of every derivative and gradient case, with its file and case."""
    import pandas as pd

    frames = [f for f in map(case_errors, outcomes) if f is not None]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def run_suite(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    executor: Executor | None = None,
    select: str | Callable[[Case], bool] | None = None,
    progress: Callable[[CaseOutcome], None] | None = None,
    time_limit: float | None = CASE_SECONDS,
    runner: Callable[[Case], CaseOutcome] = run_case,
    collected: tuple[list[Case], list[CaseError]] | None = None,
) -> SuiteResult:
    """Run every case in ``paths`` (files or folders) and gather a :class:`SuiteResult`.

    ``executor``: any :class:`concurrent.futures.Executor` (a process pool runs cases in
    parallel); None runs them here, one by one.  ``select``: a substring or glob of case ids
    (``-k``), or a predicate.  ``progress`` is called with each finished case.  A broken
    file becomes a problem (exit code 2) and its valid cases still run; a case that raises
    becomes an ``error`` row, and so does a case that runs past ``time_limit`` seconds (on any
    executor: see :func:`run_case_within`; None: no budget).  ``runner`` runs one case
    (default :func:`run_case`; a picklable wrapper of it can do more work per case where
    it runs, such as drawing its figures).  ``collected``: what :func:`collect` gave for
    these ``paths`` and ``select`` (a caller that needed the cases first), not read again.
    See the module docstring for an example.
    """
    import pandas as pd

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    t0 = time.perf_counter()
    cases, problems = collect(paths, select) if collected is None else collected
    done = _outcomes(cases, executor, progress, time_limit, runner)
    rows = [r for o in done for r in o.rows] + [_problem_row(p) for p in problems]
    return SuiteResult(
        results=pd.DataFrame(rows, columns=RESULT_COLUMNS),
        errors=_errors_frame(done),
        outcomes=done,
        problems=tuple(problems),
        duration=time.perf_counter() - t0,
    )
