"""``verifier run``: run the case files and write the report (the project's main job).

Exit 0 when every case held, 1 when a case failed (or an expected failure was
missed, or a case raised), 2 for usage errors and invalid case files (after
running every other file).

>>> import tempfile, pathlib
>>> from verifier.cli import main
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.toml").write_text('schema = 1\\n[[case]]\\nid = "sq"\\nfunction = "x^2"\\n'
...     'points = [1]\\nclaimed = "2x"\\nmethods = ["central"]\\n')
>>> main(["run", str(d), "--format", "none", "--quiet"])  # doctest: +ELLIPSIS
|   cases |   points |   passed |   failed |   inconclusive |   errors |   expected-fail caught |   time (s) |
|---------|----------|----------|----------|----------------|----------|------------------------|------------|
|       1 |        1 |        1 |        0 |              0 |        0 |                      0 |...|
0
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from verifier.collector import imports_settled
from verifier.errors import VerifierError
from verifier.files import check_out_dir
from verifier.i18n import _
from verifier.limits import check_seconds
from verifier.workers import local_executor

DEFAULT_CASES = "cases"
DEFAULT_OUT = os.path.join("reports", "latest")


def add_parser(subparsers: Any) -> None:
    """Register ``verifier run``."""
    p = subparsers.add_parser(
        "run",
        help="run the verification cases and write the report",
        description=(
            "Run case files (default: cases/ in the current folder) and write "
            "index.html, results.csv, errors.csv, summary.md and junit.xml."
        ),
    )
    p.add_argument(
        "paths", nargs="*", metavar="PATHS", help="case files or folders (default: cases/)"
    )
    p.add_argument(
        "--out", default=DEFAULT_OUT, metavar="DIR", help="report folder (default: reports/latest)"
    )
    p.add_argument(
        "-k",
        dest="select",
        metavar="PATTERN",
        help="only cases whose id matches (substring or glob; ids only, not file names)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=(
            "worker processes (default: one per CPU, one per "
            f"{CASES_PER_WORKER} cases at most; 0 = one per CPU; 1 = in this process)"
        ),
    )
    p.add_argument(
        "--format",
        default="html,csv,md,junit",
        metavar="LIST",
        help="report files: any of html,csv,md,junit,tex, or none (default: html,csv,md,junit)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no list of failures")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per case (default 60)")
    p.set_defaults(handler=run)


#: ``--jobs``'s default starts a worker for every this many cases (up to one per CPU): a
#: worker costs a fork and the pickling of its cases' results, which a few cases do not repay
CASES_PER_WORKER = 20


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask; all of them where unknown).

    >>> cpu_count() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(jobs: int | None, cases: int) -> int:
    """``--jobs``: N as asked, 0 one per CPU, None (the default) one per CPU but no more than
    one per :data:`CASES_PER_WORKER` cases (so ``-k`` on a few cases runs in this process).

    >>> worker_count(None, 5), worker_count(3, 5), worker_count(0, 5) == cpu_count()
    (1, 3, True)
    """
    if jobs is None:
        return max(1, min(cpu_count(), cases // CASES_PER_WORKER))
    return jobs or cpu_count()


def _formats(text: str) -> list[str]:
    from verifier.report.page import FORMATS

    items = [f.strip() for f in text.split(",") if f.strip()]
    if items == ["none"]:
        return []
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise VerifierError(
            _("--format: unknown format {value!r}").format(value=bad[0] if bad else text),
            hint=_("use a comma-separated list of {items}, or none").format(
                items=",".join(FORMATS)
            ),
        )
    return items


def run(args: argparse.Namespace) -> int:
    """Run the suite, print the summary table, write the report; return the exit code."""
    with imports_settled():  # the report's modules, pandas with them
        formats = _formats(args.format)
    if args.jobs is not None and args.jobs < 0:
        raise VerifierError(_("--jobs must be >= 0"), hint=_("0 means one worker per CPU"))
    check_seconds(args.time_limit)
    if formats:
        check_out_dir(args.out)
    paths = list(args.paths)
    if not paths:
        if not Path(DEFAULT_CASES).is_dir():
            raise VerifierError(
                _("no {DEFAULT_CASES}/ folder in {getcwd}").format(
                    DEFAULT_CASES=DEFAULT_CASES, getcwd=os.getcwd()
                ),
                hint=_(
                    "run from the project's root folder, or give case files: verifier run PATH..."
                ),
            )
        paths = [DEFAULT_CASES]
    with imports_settled():  # the report's and the runners' modules (a worker starts with them)
        from verifier.report.suite import draw_case, failure_lines, summary_text, write_suite_report
        from verifier.suite.run import RUNNER_MODULES, collect, run_case, run_suite

        for name in RUNNER_MODULES:
            importlib.import_module(name)
    collected = collect(paths, args.select)
    cases = collected[0]
    jobs = worker_count(args.jobs, len(cases))
    bar = None
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked
        # one step per case (run, and drawn with --format html), one per case's report card
        steps = len(cases) * (2 if "html" in formats else 1)
        bar = tqdm(total=steps, unit="step", file=sys.stderr, leave=False)

        def progress(outcome: Any) -> None:
            bar.set_postfix_str(outcome.case.id[:30], refresh=False)
            bar.update(1)

    executor: Executor | None = None
    local = contextlib.ExitStack()
    # with the HTML report, each case's figures are drawn where it ran (in the workers)
    runner = draw_case if "html" in formats else run_case
    if jobs > 1:  # N threads, each driving one process of the killable pool (started once)
        modules = (*RUNNER_MODULES, runner.__module__)  # workers start with them loaded
        executor = local.enter_context(local_executor(jobs, modules))
    try:
        result = run_suite(
            paths,
            executor=executor,
            select=args.select,
            progress=progress,
            time_limit=args.time_limit,
            runner=runner,
            collected=collected,
        )
        if not result.outcomes and not result.problems:
            raise VerifierError(
                _("no cases matched") + (f" -k {args.select!r}" if args.select else ""),
                hint=_("check the pattern and the case ids (-k matches ids only)"),
            )
        if bar is not None:
            bar.set_postfix_str(_("writing the report"), refresh=True)
        written = (
            write_suite_report(
                result, args.out, formats, progress=bar.update if bar is not None else None
            )
            if formats
            else {}
        )
    finally:
        if bar is not None:
            bar.close()
        local.close()

    print(summary_text(result))
    lines = [] if args.quiet else failure_lines(result)
    if lines:
        print()
        print("\n".join(lines))
    if "index.html" in written:
        print("\n" + _("report: {path}").format(path=written["index.html"]))
    elif written:
        print("\n" + _("report files in {out}").format(out=args.out))
    for p in result.problems:
        print(_("verifier run: error: {p}").format(p=p), file=sys.stderr)
    return result.exit_code
