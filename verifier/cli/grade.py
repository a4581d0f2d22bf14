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
from typing import Any

from verifier.errors import VerifierError
from verifier.files import check_out_dir
from verifier.i18n import _, ngettext
from verifier.limits import check_seconds

#: more error rows than this share of the class gets a warning naming their commonest cause
ERROR_SHARE_WARNING = 0.10


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
    p.add_argument(
        "submissions",
        help="class file: CSV (UTF-8, CP949/EUC-KR, UTF-16; comma, tab or ';') or .xlsx",
    )
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
    p.add_argument("--student-col", default=None, help="column with the student id")
    p.add_argument("--problem-col", default=None, help="column with the problem id")
    p.add_argument("--answer-col", default=None, help="column with the answer")
    p.add_argument(
        "--columns",
        default=None,
        help="the columns by role, e.g. student=학번,problem=문제,answer=답 "
        "(default: found by name, English or Korean)",
    )
    p.add_argument(
        "--encoding", default=None, help="the CSV's encoding (default: detected), e.g. cp949"
    )
    p.add_argument("--sheet", default=None, help="the sheet of an .xlsx (default: the first)")
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
                _("--scheduler needs the 'distributed' package"),
                hint=_("pip install 'verifier[dask]'"),
            ) from None
        try:
            client = distributed.Client(scheduler, timeout="5s")
        except OSError as exc:
            raise VerifierError(
                _("cannot reach the Dask scheduler at {scheduler}: {exc}").format(
                    scheduler=scheduler, exc=exc
                ),
                hint=_("start one with `dask scheduler` and `dask worker ADDRESS`"),
            ) from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    if jobs < 1:
        raise VerifierError(_("--jobs must be >= 1, got {jobs}").format(jobs=jobs))
    if jobs == 1:
        yield None
        return
    from verifier.workers import local_executor

    # N threads each drive one worker process of the killable pool (started once, fed chunks)
    with local_executor(jobs, ("verifier.homework.classroom:warm_up",)) as threads:
        yield threads


def run(args: argparse.Namespace) -> int:
    """Grade the class, write the reports, print a summary; return the exit code."""
    from verifier.homework.classfile import parse_columns, read_class_table
    from verifier.homework.classroom import grade_class, load_problems
    from verifier.report.classpage import write_feedback
    from verifier.report.grades import write_grades

    check_seconds(args.time_limit)
    problems = load_problems(args.problems)
    given = {"student": args.student_col, "problem": args.problem_col, "answer": args.answer_col}
    columns = {**parse_columns(args.columns), **{k: v for k, v in given.items() if v}}
    out = Path(args.out) if args.out else Path("reports") / Path(args.submissions).stem
    check_out_dir(out)
    start = time.perf_counter()
    with _executor(args.jobs, args.scheduler) as ex:  # --jobs: workers warm up while we read
        submissions = read_class_table(  # no pandas yet: it is imported while the workers grade
            args.submissions, columns=columns, encoding=args.encoding, sheet=args.sheet
        )
        graded = grade_class(
            submissions,
            problems,
            executor=ex,
            time_limit=args.time_limit,
            columns=submissions.columns,
            progress=(not args.quiet) and sys.stderr.isatty(),
        )
    elapsed = time.perf_counter() - start
    paths = write_grades(graded, out)
    paths.update(write_feedback(graded, out))  # pages in the current language (--lang)
    if _report_errors(graded, paths["graded"]):
        return 2
    if not args.quiet:
        counts = Counter(graded["verdict"])
        lines = [
            _(
                "graded {n} submissions ({unique} distinct answers, {problems} problems) in "
                "{seconds:.1f} s: {correct} correct, {incorrect} incorrect, {invalid} invalid, "
                "{error} error"
            ).format(
                n=len(graded),
                unique=graded.attrs["unique_answers"],
                problems=len(problems),
                seconds=elapsed,
                correct=counts["correct"],
                incorrect=counts["incorrect"],
                invalid=counts["invalid"],
                error=counts["error"],
            )  # fmt: skip
        ]
        lines.append(
            _("read {path} as {encoding}").format(
                path=args.submissions, encoding=submissions.encoding
            )
        )
        lines += [_("wrote {path}").format(path=p) for p in paths.values()]
        print("\n".join(lines))
    return 0


def _report_errors(graded: Any, where: Path) -> bool:
    """Print the reading warnings and what the error rows have in common; True: none graded."""
    from verifier.homework.classfile import error_summary

    for warning in graded.attrs.get("warnings", []):
        print(_("verifier grade: warning: {warning}").format(warning=warning), file=sys.stderr)
    summary = error_summary(graded)
    if not summary.rows:
        print(
            _("verifier grade: error: no submission could be graded: the file has no rows"),
            file=sys.stderr,
        )
        return True
    if summary.errors == summary.rows:
        print(
            _(
                "verifier grade: error: no submission could be graded: {cause} "
                "({count} of {rows} rows; see {path})"
            ).format(cause=summary.cause, count=summary.count, rows=summary.rows, path=where),
            file=sys.stderr,
        )
        return True
    if summary.share > ERROR_SHARE_WARNING:
        print(
            ngettext(
                "verifier grade: warning: {errors} of {rows} rows ({percent:.0f}%) could not be "
                "graded; the commonest cause ({count} row): {cause}",
                "verifier grade: warning: {errors} of {rows} rows ({percent:.0f}%) could not be "
                "graded; the commonest cause ({count} rows): {cause}",
                summary.count,
            ).format(
                errors=summary.errors,
                rows=summary.rows,
                percent=100 * summary.share,
                count=summary.count,
                cause=summary.cause,
            ),
            file=sys.stderr,
        )
    return False
