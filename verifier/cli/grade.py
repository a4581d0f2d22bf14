"""``verifier grade SUBMISSIONS.csv --problems PROBLEMS.toml``: grade a whole class.

Writes DIR/graded.csv, DIR/summary.md and DIR/summary.html, the feedback (a page per student
in DIR/feedback/, the teacher's page DIR/teacher.html) and both gradebooks
(DIR/gradebook-moodle.csv, DIR/gradebook-canvas.csv), and prints a short summary.
Exit codes: 0 the batch was graded (whatever the students' verdicts; individual bad rows are
``error`` rows in graded.csv), 2 the inputs are unusable (missing file, bad header, a problem
file that does not load) or no row could be graded.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path

from verifier.errors import VerifierError
from verifier.files import check_out_dir
from verifier.limits import check_seconds


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``grade`` verb."""
    p = subparsers.add_parser(
        "grade",
        help="grade a class's submissions (CSV) against problems (TOML)",
        description=(
            "Grade every row of SUBMISSIONS (columns student, problem, answer) against PROBLEMS "
            "([[problem]] id, function, variable(s), points). Exit 0 when graded, 2 when the "
            "inputs are unusable."
        ),
    )
    p.add_argument("submissions", help="CSV file of submissions")
    p.add_argument("--problems", required=True, help="TOML file of problems")
    p.add_argument("--out", default=None, help="output folder (default reports/<submissions name>)")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--jobs", "-j", type=int, default=1, help="local worker processes (default 1: in process)"
    )
    group.add_argument(
        "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://127.0.0.1:8786"
    )
    p.add_argument("--time-limit", type=float, default=2.0, help="seconds per answer (default 2)")
    p.add_argument("--student-col", default="student", help="column with the student id")
    p.add_argument("--problem-col", default="problem", help="column with the problem id")
    p.add_argument("--answer-col", default="answer", help="column with the answer")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no summary")
    p.set_defaults(handler=run)
    return p


@contextlib.contextmanager
def _executor(jobs: int, scheduler: str | None) -> Iterator[Executor | None]:
    if scheduler:
        try:
            import distributed
        except ImportError:
            raise VerifierError(
                "--scheduler needs the 'distributed' package",
                hint="pip install 'verifier[dask]'",
            ) from None
        try:
            client = distributed.Client(scheduler, timeout="5s")
        except OSError as exc:
            raise VerifierError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                hint="start one with `dask scheduler` and `dask worker ADDRESS`",
            ) from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    if jobs < 1:
        raise VerifierError(f"--jobs must be >= 1, got {jobs}")
    if jobs == 1:
        yield None
        return
    from verifier.workers import local_executor

    # N threads each drive one worker process of the killable pool (started once, fed chunks)
    with local_executor(jobs, ("verifier.homework.classroom",)) as threads:
        yield threads


def run(args: argparse.Namespace) -> int:
    """Grade the class, write the reports, print a summary; return the exit code."""
    from verifier.homework.classroom import grade_class, load_problems
    from verifier.report.classpage import write_feedback
    from verifier.report.grades import write_grades

    check_seconds(args.time_limit)
    problems = load_problems(args.problems)
    columns = {"student": args.student_col, "problem": args.problem_col, "answer": args.answer_col}
    out = Path(args.out) if args.out else Path("reports") / Path(args.submissions).stem
    check_out_dir(out)
    start = time.perf_counter()
    with _executor(args.jobs, args.scheduler) as ex:
        graded = grade_class(
            args.submissions,
            problems,
            executor=ex,
            time_limit=args.time_limit,
            columns=columns,
            progress=(not args.quiet) and sys.stderr.isatty(),
        )
    elapsed = time.perf_counter() - start
    paths = write_grades(graded, out)
    paths.update(write_feedback(graded, out))  # pages in the current language (--lang)
    for warning in graded.attrs.get("warnings", []):
        print(f"verifier grade: warning: {warning}", file=sys.stderr)
    if not len(graded) or (graded["verdict"] == "error").all():
        print(
            f"verifier grade: error: no submission could be graded (see {paths['graded']})",
            file=sys.stderr,
        )
        return 2
    if not args.quiet:
        counts = Counter(graded["verdict"])
        lines = [
            f"graded {len(graded)} submissions ({graded.attrs['unique_answers']} distinct answers, "
            f"{len(problems)} problems) in {elapsed:.1f} s: {counts['correct']} correct, "
            f"{counts['incorrect']} incorrect, {counts['invalid']} invalid, {counts['error']} error"
        ]
        lines += [f"wrote {p}" for p in paths.values()]
        print("\n".join(lines))
    return 0
