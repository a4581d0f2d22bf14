"""A class: problems (TOML), submissions (CSV), grading on any executor, summaries.

:func:`load_problems` reads ``[[problem]]`` tables, :func:`read_submissions` (kept in
:mod:`verifier.homework.classfile`) reads a class file (CSV in any common encoding, or .xlsx)
without ever failing on a row, :func:`grade_class` grades every row (identical (problem, answer)
pairs once) on any ``concurrent.futures.Executor`` and :func:`summarize_grades` makes the
per-problem and per-student tables.  Nothing here writes files: the reports are written by
:func:`verifier.report.grades.write_grades`.

>>> import pandas as pd
>>> subs = pd.DataFrame({"student": ["a", "b"], "problem": ["p", "p"], "answer": ["2x", "x"]})
>>> grade_class(subs, [Problem("p", "x^2")])["verdict"].tolist()
['correct', 'incorrect']
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from verifier.errors import VerifierError
from verifier.homework.answer import one_line
from verifier.homework.classfile import (
    DEFAULT_COLUMNS,
    RESERVED_COLUMNS,
    ClassTable,
    read_class_table,
    read_submissions,
)
from verifier.homework.judge import ANSWER_WORK, check_answer
from verifier.homework.prepared import prepare
from verifier.homework.problems import Problem, load_problems
from verifier.homework.scores import score
from verifier.i18n import language, use_language
from verifier.workers import run_bounded

__all__ = [
    "DEFAULT_COLUMNS",
    "RESERVED_COLUMNS",
    "Problem",
    "grade_batch",
    "grade_class",
    "load_problems",
    "read_submissions",
    "summarize_grades",
]


def _error(reason: str) -> dict[str, Any]:
    return {"verdict": "error", "reason": reason, "mistake": "", "read_as": ""}


def _grade_one(problem: Problem, answer: str, time_limit: float) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        g = check_answer(
            problem.function,
            answer,
            problem.variable,
            variables=problem.variables,
            time_limit=time_limit,
            order=problem.order,
        )
        out = {
            "verdict": g.verdict,
            "reason": g.reason,
            "mistake": g.mistake or "",
            "read_as": g.read_as or "",
            # the point where it fails, for the feedback pages (not written to graded.csv)
            "counterexample": json.dumps(g.counterexample.to_dict()) if g.counterexample else "",
        }
    except VerifierError as exc:
        out = _error(one_line(exc))
    except RecursionError:
        out = _error("the answer is nested too deeply")
    except (MemoryError, Exception) as exc:  # one answer's crash must not stop the class
        out = _error(f"internal error: {type(exc).__name__}: {str(exc)[:200]}")
    out["seconds"] = time.perf_counter() - start
    return out


def _grade_item(item: tuple[Problem, str, float]) -> dict[str, Any]:
    return _grade_one(*item)


def _prepare_problem(problem: Problem) -> None:
    prepare(problem.function, problem.variable, problem.all_variables())


#: a few answers graded by :func:`warm_up`: a product rule, a mistake, an invalid answer
_WARM_UP = (
    Problem("warm-up", "x^2 sin(x)"),
    ("2x sin(x) + x^2 cos(x)", "2x cos(x)", "x^3/3", "2x +"),
)


def warm_up() -> None:
    """Grade a few answers once, so the first batch in a new worker process does not also pay
    for the first use of the parser, the judge and sympy's caches (~0.1 s).

    ``verifier grade --jobs N`` starts its workers with ``verifier.homework.classroom:warm_up``
    (see :class:`verifier.workers.WorkerPool`): they warm up while the class file is read.

    >>> warm_up()
    """
    problem, answers = _WARM_UP
    grade_batch(problem, answers)


def grade_batch(
    problem: Problem, answers: Sequence[str], time_limit: float = 2.0, lang: str | None = None
) -> list[dict[str, Any]]:
    """Grade answers to one problem (the unit of work sent to an executor); never raises.

    Each answer runs where it can be stopped (:func:`verifier.limits.run_bounded`: under
    SIGALRM in a main thread, else in a worker process killed at its budget), so an answer over
    its ``time_limit`` is an ``error`` row with the same reason whatever executor called.
    Each result: verdict (correct|incorrect|invalid|error), reason, mistake, read_as, seconds.
    ``lang``: the language of the reasons (the caller's, sent along to any executor: a Dask
    worker or a process pool does not share the caller's context).

    >>> [r["verdict"] for r in grade_batch(Problem("p", "x^2"), ["2x", "x", "2x+"])]
    ['correct', 'incorrect', 'invalid']
    """
    with use_language(lang or language()):
        outcomes = run_bounded(
            _grade_item,
            [(problem, a, time_limit) for a in answers],
            seconds=time_limit,
            what=ANSWER_WORK,
            setup=(_prepare_problem, problem),
            setup_seconds=max(10.0, 5 * time_limit),  # as check_answer: the teacher's function
            preload=("verifier.homework.classroom",),
        )
    results = []
    for out in outcomes:
        if isinstance(out, VerifierError):  # over budget (killed in a worker) or a bad problem
            out = {**_error(one_line(out)), "seconds": time_limit}
        elif isinstance(out, BaseException):
            reason = f"internal error: {type(out).__name__}: {str(out)[:200]}"
            out = {**_error(reason), "seconds": 0.0}
        results.append(out)
    return results


class _InlineExecutor(Executor):
    """Runs each task at submit time in this thread (the default: no pool start-up)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any):
        from concurrent.futures import Future

        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except KeyboardInterrupt:
            raise  # Ctrl-C stops now, not after every other task has run
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


def grade_class(
    submissions: Any,
    problems: str | os.PathLike[str] | Mapping[str, Problem] | Iterable[Problem],
    *,
    executor: Executor | None = None,
    time_limit: float = 2.0,
    columns: Mapping[str, str] | None = None,
    batch_size: int = 200,
    progress: bool = False,
):
    """Grade a class: one output row per submission row, in input order.

    ``submissions``: a class file's path, a :class:`ClassTable` or a DataFrame (as
    :func:`read_submissions` returns);
    ``problems``: a TOML path (see :func:`load_problems`) or Problems.  Identical
    (problem, answer) pairs are graded once; work is sent to ``executor`` (any
    ``concurrent.futures.Executor``: a process pool, ``distributed.Client.get_executor()``)
    in batches of at most ``batch_size`` answers to one problem.  The per-answer time limit is
    enforced inside the worker.  Added columns: verdict (correct|incorrect|invalid|error),
    score (the problem's points, or partial credit for a named mistake: see
    :mod:`verifier.homework.scores`), reason, mistake, read_as, seconds, counterexample (JSON
    of :meth:`~verifier.homework.grade.Counterexample.to_dict`, '' when none).  The reports are written by
    :func:`verifier.report.grades.write_grades`.

    >>> import pandas as pd
    >>> subs = pd.DataFrame({"student": ["a", "b", "c"], "problem": ["p", "p", "q"],
    ...                      "answer": ["2x", "x^2", "1"]})
    >>> graded = grade_class(subs, [Problem("p", "x^2", points=2)])
    >>> graded[["verdict", "score", "mistake"]].values.tolist()
    [['correct', 2.0, ''], ['incorrect', 0.0, 'original_function'], ['error', 0.0, '']]
    """
    cols = {**DEFAULT_COLUMNS, **(columns or {})}
    if isinstance(problems, str | os.PathLike):
        probs = load_problems(problems)
    elif isinstance(problems, Mapping):
        probs = dict(problems)
    else:
        probs = {p.id: p for p in problems}
    if isinstance(submissions, str | os.PathLike):
        submissions = read_class_table(submissions, columns=columns)
    table, frame = None, None
    if isinstance(submissions, ClassTable):  # the frame is made while the workers grade
        table, cols = submissions, submissions.columns  # found by name (student, 학번, ...)
        warnings, keys = table.warnings, table.keys()
    else:
        frame = submissions.copy()
        missing = [name for name in cols.values() if name not in frame.columns]
        if missing:
            raise VerifierError(f"submissions have no column {', '.join(missing)}")
        if "_error" not in frame.columns:
            frame["_error"] = ""
        warnings = frame.attrs.get("warnings", [])
        keys = list(
            zip(
                frame["_error"].astype(str),
                frame[cols["problem"]].astype(str),
                frame[cols["answer"]].astype(str),
                strict=True,
            )
        )
    n = len(keys)
    verdict = [""] * n
    reason = [""] * n
    mistake = [""] * n
    read_as = [""] * n
    seconds = [0.0] * n
    counterexample = [""] * n
    pending: dict[tuple[str, str], list[int]] = {}
    for i, (err, pid, ans) in enumerate(keys):
        if err:
            verdict[i], reason[i] = "error", err
        elif pid.strip() not in probs:
            verdict[i], reason[i] = "error", f"unknown problem id {pid.strip()!r}"
        else:
            pending.setdefault((pid.strip(), ans), []).append(i)
    by_problem: dict[str, list[str]] = {}
    for pid, ans in pending:
        by_problem.setdefault(pid, []).append(ans)
    tasks = []
    for pid, answers in by_problem.items():
        for k in range(0, len(answers), batch_size):
            tasks.append((pid, answers[k : k + batch_size]))
    if executor is not None:  # largest batches first: the last to finish are the short ones
        tasks.sort(key=lambda task: -len(task[1]))
    ex = executor or _InlineExecutor()
    futures = [
        (pid, chunk, ex.submit(grade_batch, probs[pid], chunk, time_limit, language()))
        for pid, chunk in tasks
    ]
    if frame is None:  # pandas is imported here, while the executor's workers grade
        frame = table.to_frame()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(pending), unit="answer", desc="grading", leave=False)
    for pid, chunk, fut in futures:
        try:
            results = fut.result()
        except BaseException as exc:  # a dead worker: its answers become error rows, the rest go on
            if isinstance(exc, KeyboardInterrupt):
                raise
            failed = _error(f"worker failed: {type(exc).__name__}: {str(exc)[:200]}")
            results = [{**failed, "seconds": 0.0} for _ in chunk]
        for ans, res in zip(chunk, results, strict=True):
            for i in pending[(pid, ans)]:
                verdict[i], reason[i] = res["verdict"], res["reason"]
                mistake[i], read_as[i] = res["mistake"], res["read_as"]
                seconds[i] = res["seconds"]
                counterexample[i] = res.get("counterexample", "")
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    frame = frame.drop(columns=["_error"])
    if "_line" in frame.columns:  # the input line, unless the CSV has its own 'line' column
        frame = (
            frame.rename(columns={"_line": "line"})
            if "line" not in frame
            else frame.drop(columns=["_line"])
        )
    frame["verdict"] = verdict
    points = [
        score(probs[p].points, v, m, probs[p].partial) if p in probs else 0.0
        for v, m, p in zip(
            verdict, mistake, frame[cols["problem"]].astype(str).str.strip(), strict=True
        )
    ]
    frame["score"] = points
    frame["reason"] = reason
    frame["mistake"] = mistake
    frame["read_as"] = read_as
    frame["seconds"] = seconds
    frame["counterexample"] = counterexample
    frame.attrs["columns"] = cols
    frame.attrs["problems"] = {pid: dataclasses.asdict(p) for pid, p in probs.items()}
    frame.attrs["unique_answers"] = len(pending)
    frame.attrs["warnings"] = list(warnings)
    return frame


def summarize_grades(graded: Any) -> tuple[Any, Any]:
    """Per-problem and per-student summaries of a graded frame.

    Per problem: submissions, correct, % correct, incorrect, invalid, error, most common mistakes.
    Per student: score (the best attempt at each problem counts), max score (all problems),
    answered, correct.

    >>> import pandas as pd
    >>> subs = pd.DataFrame({"student": ["a", "b"], "problem": ["p", "p"], "answer": ["2x", "x^2"]})
    >>> per_problem, per_student = summarize_grades(grade_class(subs, [Problem("p", "x^2")]))
    >>> per_problem[["problem", "submissions", "% correct"]].values.tolist()
    [['p', 2, 50.0]]
    """
    import pandas as pd

    cols = graded.attrs.get("columns", DEFAULT_COLUMNS)
    probs = graded.attrs.get("problems", {})
    pcol, scol = cols["problem"], cols["student"]
    rows = []
    for pid, group in graded.groupby(graded[pcol].astype(str).str.strip(), sort=True):
        counts = Counter(group["verdict"])
        mistakes = Counter(m for m in group["mistake"] if m)
        rows.append(
            {
                "problem": pid,
                "submissions": len(group),
                "correct": counts["correct"],
                "% correct": round(100.0 * counts["correct"] / len(group), 1),
                "incorrect": counts["incorrect"],
                "invalid": counts["invalid"],
                "error": counts["error"],
                "most common mistakes": ", ".join(f"{m} ({c})" for m, c in mistakes.most_common(3)),
            }
        )
    per_problem = pd.DataFrame(rows)
    srows = []
    total = sum(p.get("points", 0.0) for p in probs.values())
    for sid, group in graded.groupby(graded[scol].astype(str), sort=True):
        answered = group[pcol].astype(str).str.strip()
        # several attempts at one problem count once: the best one
        best = group.groupby(answered)["score"].max()
        srows.append(
            {
                "student": sid,
                "score": float(best.sum()),
                "max score": float(total),
                "answered": len(group),
                "correct": int((group["verdict"] == "correct").sum()),
            }
        )
    per_student = pd.DataFrame(srows)
    return per_problem, per_student
