"""A class: problems (TOML), submissions (CSV), grading on any executor, summaries.

:func:`load_problems` reads ``[[problem]]`` tables, :func:`read_submissions` reads a CSV of
submissions without ever failing on a row, :func:`grade_class` grades every row (identical
(problem, answer) pairs once) on any ``concurrent.futures.Executor`` and :func:`summarize_grades` makes
the per-problem and per-student tables.  Nothing here writes files: the reports are written by
:func:`verifier.report.grades.write_grades`.

>>> import pandas as pd
>>> subs = pd.DataFrame({"student": ["a", "b"], "problem": ["p", "p"], "answer": ["2x", "x"]})
>>> grade_class(subs, [Problem("p", "x^2")])["verdict"].tolist()
['correct', 'incorrect']
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from verifier.errors import VerifierError
from verifier.homework.answer import MAX_ANSWER_LENGTH, one_line
from verifier.homework.judge import ANSWER_WORK, check_answer
from verifier.homework.prepared import prepare
from verifier.homework.problems import Problem, load_problems
from verifier.workers import run_bounded

__all__ = [
    "DEFAULT_COLUMNS",
    "Problem",
    "grade_batch",
    "grade_class",
    "load_problems",
    "read_submissions",
    "summarize_grades",
]


# bytes that were not UTF-8, kept by the 'surrogateescape' decoding as lone surrogates
_UNDECODED = re.compile("[\udc80-\udcff]")

DEFAULT_COLUMNS = {"student": "student", "problem": "problem", "answer": "answer"}


def read_submissions(path: str | os.PathLike[str], *, columns: Mapping[str, str] | None = None):
    """Read a submissions CSV into a DataFrame, one row per data line, never failing on a row.

    Columns: the CSV's own columns (as text) plus ``_line`` (1-based line in the file) and
    ``_error`` (why the row cannot be graded: wrong field count, missing field, bytes that are not
    UTF-8, a field over 20,000 characters; '' when fine).  ``columns`` maps the roles
    student/problem/answer to the CSV's header names.  A missing file or header is an error.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("student,problem,answer\\nann,p1,2x\\nbob,p1\\n")
    >>> read_submissions(p)[["student", "_error"]].values.tolist()
    [['ann', ''], ['bob', 'row has 2 fields, expected 3']]
    """
    return _frame(*_read_rows(path, columns))


def _frame(header: list[str], rows: list[dict[str, Any]], warnings: list[str]) -> Any:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["_line", *header, "_error"]).fillna("")
    frame.attrs["warnings"] = warnings
    return frame


def _read_rows(
    path: str | os.PathLike[str], columns: Mapping[str, str] | None = None
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """:func:`read_submissions` before the DataFrame: the header, the rows (dicts), warnings."""
    cols = {**DEFAULT_COLUMNS, **(columns or {})}
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise VerifierError(f"{p}: file not found", hint="check the submissions path") from None
    text = raw.decode("utf-8-sig", errors="surrogateescape")  # bad bytes become marked, per row
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 50 * 1024 * 1024))
    try:
        first = text.split("\n", 1)[0]
        # Spreadsheets in some locales export ';' or tab separated "CSV": follow the header.
        delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            raise VerifierError(
                f"{p}: no header line", hint="the first line names the columns"
            ) from None
        header = [h.strip() for h in header]
        _check_header(p, header)
        missing = [f"{role} ('{name}')" for role, name in cols.items() if name not in header]
        if missing:
            raise VerifierError(
                f"{p}: missing column {', '.join(missing)}; the header is {', '.join(header)}",
                hint="map the columns with --student-col, --problem-col, --answer-col",
            )
        rows: list[dict[str, Any]] = []
        spans: list[tuple[int, int]] = []
        while True:
            line = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rows.append({"_line": line, "_error": f"unreadable CSV row: {exc}"})
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            row: dict[str, Any] = {"_line": line, "_error": ""}
            # a quoted field holding whole lines of rows: a stray quote swallowed them
            if any(delimiter in f.partition("\n")[2] for f in fields):
                row["_error"] = (
                    f'row spans lines {line}-{reader.line_num}: an unclosed quote (") joined them'
                )
                spans.append((line, reader.line_num))
            for h, v in zip(header, fields, strict=False):
                row[h] = v
            if len(fields) != len(header):
                row["_error"] = f"row has {len(fields)} fields, expected {len(header)}"
            for h in header:
                v = row.get(h, "")
                if _UNDECODED.search(v):
                    row["_error"] = row["_error"] or f"column '{h}' has bytes that are not UTF-8"
                    row[h] = v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                if len(row.get(h, "")) > MAX_ANSWER_LENGTH:
                    row["_error"] = row["_error"] or (
                        f"column '{h}' is {len(v)} characters long (limit {MAX_ANSWER_LENGTH})"
                    )
                    row[h] = row[h][:200] + "..."
            for role in ("student", "problem", "answer"):
                if not row["_error"] and not str(row.get(cols[role], "")).strip():
                    row["_error"] = f"missing {role} ('{cols[role]}')"
            rows.append(row)
    finally:
        csv.field_size_limit(old_limit)
    swallowed = sum(b - a for a, b in spans)
    warnings = (
        [
            f"{p}: {swallowed} line(s) were read as parts of other rows (first at line "
            f'{spans[0][0]}): check for a stray " in the file'
        ]
        if swallowed
        else []
    )
    return header, rows, warnings


#: columns graded.csv adds; a submissions column of the same name would be overwritten
RESERVED_COLUMNS = (
    "_line",
    "_error",
    "line",
    "verdict",
    "score",
    "reason",
    "mistake",
    "read_as",
    "seconds",
)


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise VerifierError(
                f"{path}: column {name!r} appears twice in the header", hint="rename one of them"
            )
        seen.add(name)
        if name in RESERVED_COLUMNS and name != "line":
            raise VerifierError(
                f"{path}: column {name!r} would collide with a column the grades add",
                hint=f"rename it; graded.csv adds {', '.join(RESERVED_COLUMNS[2:])}",
            )


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


def grade_batch(
    problem: Problem, answers: Sequence[str], time_limit: float = 2.0
) -> list[dict[str, Any]]:
    """Grade answers to one problem (the unit of work sent to an executor); never raises.

    Each answer runs where it can be stopped (:func:`verifier.limits.run_bounded`: under
    SIGALRM in a main thread, else in a worker process killed at its budget), so an answer over
    its ``time_limit`` is an ``error`` row with the same reason whatever executor called.
    Each result: verdict (correct|incorrect|invalid|error), reason, mistake, read_as, seconds.

    >>> [r["verdict"] for r in grade_batch(Problem("p", "x^2"), ["2x", "x", "2x+"])]
    ['correct', 'incorrect', 'invalid']
    """
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

    ``submissions``: a CSV path or a DataFrame (as :func:`read_submissions` returns);
    ``problems``: a TOML path (see :func:`load_problems`) or Problems.  Identical
    (problem, answer) pairs are graded once; work is sent to ``executor`` (any
    ``concurrent.futures.Executor``: a process pool, ``distributed.Client.get_executor()``)
    in batches of at most ``batch_size`` answers to one problem.  The per-answer time limit is
    enforced inside the worker.  Added columns: verdict (correct|incorrect|invalid|error),
    score, reason, mistake, read_as, seconds.  The reports are written by
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
    frame: Any = None
    if isinstance(submissions, str | os.PathLike):
        # the rows first, the DataFrame (and pandas) once the work is on its way
        read = _read_rows(submissions, cols)
        keys = [
            (r["_error"], str(r.get(cols["problem"], "")), str(r.get(cols["answer"], "")))
            for r in read[1]
        ]
    else:
        frame = submissions.copy()
        missing = [name for name in cols.values() if name not in frame.columns]
        if missing:
            raise VerifierError(f"submissions have no column {', '.join(missing)}")
        if "_error" not in frame.columns:
            frame["_error"] = ""
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
        (pid, chunk, ex.submit(grade_batch, probs[pid], chunk, time_limit)) for pid, chunk in tasks
    ]
    if frame is None:  # while the executor grades
        frame = _frame(*read)
    warnings = frame.attrs.get("warnings", [])
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
        probs[p.strip()].points if (v == "correct" and p.strip() in probs) else 0.0
        for v, p in zip(verdict, frame[cols["problem"]].astype(str), strict=True)
    ]
    frame["score"] = points
    frame["reason"] = reason
    frame["mistake"] = mistake
    frame["read_as"] = read_as
    frame["seconds"] = seconds
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
