"""``verifier run``: run the case files and write the report (the project's main job).

Exit 0 when every case held, 1 when a case failed (or an expected failure was
missed, or a case raised), 2 for usage errors and invalid case files (after
running every other file).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from verifier.errors import VerifierError

DEFAULT_CASES = "cases"
DEFAULT_OUT = os.path.join("reports", "latest")
SUMMARY_KEYS = ("cases", "points", "passed", "failed", "errors", "expected-fail caught", "time (s)")
ANALYSIS_COLUMNS = (
    "variable",
    "point",
    "method",
    "best_h",
    "best_error",
    "observed_order",
    "expected_order",
    "exact",
    "theoretical_best_h",
    "flag",
)


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
        help="only cases whose id matches (substring or glob)",
    )
    p.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="worker processes (0 = one per CPU)"
    )
    p.add_argument(
        "--format",
        default="html,csv,md,junit",
        metavar="LIST",
        help="report files: any of html,csv,md,junit, or none (default: all)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no list of failures")
    p.set_defaults(handler=run)


def _formats(text: str) -> list[str]:
    from verifier.report.page import FORMATS

    items = [f.strip() for f in text.split(",") if f.strip()]
    if items == ["none"]:
        return []
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise VerifierError(
            f"--format: unknown format {bad[0] if bad else text!r}",
            hint=f"use a comma-separated list of {','.join(FORMATS)}, or none",
        )
    return items


def _plot(errors: Any, analysis: Any) -> tuple[str, bytes]:
    """One case's error-vs-h plot (module level, so a process pool can run it)."""
    from verifier.report.page import error_plot

    return error_plot(errors, analysis=analysis)


def suite_sections(
    result: Any, *, plots: bool = True, executor: Executor | None = None
) -> list[Any]:
    """One report :class:`~verifier.report.Section` per case of a suite run.

    Each derivative or gradient case gets its error-vs-h plot (``plots=False`` skips
    them); an ``executor`` draws the plots in parallel.
    """
    import pandas as pd

    from verifier.report.page import Section

    todo = [
        o
        for o in result.outcomes
        if plots
        and o.errors is not None
        and len(o.errors)
        and o.case.kind in ("derivative", "gradient")
    ]
    args = ([o.errors for o in todo], [o.analysis for o in todo])
    drawn = list(executor.map(_plot, *args) if executor else map(_plot, *args))
    images = {id(o): img for o, img in zip(todo, drawn, strict=True)}

    sections = []
    for o in result.outcomes:
        case = o.case
        shown = ("fail", "error", "xfail-missed", "xfail-caught")
        reason = "; ".join(
            f"{r['point']}: {r['reason']}" if r["point"] else r["reason"]
            for r in o.rows
            if r["verdict"] in shown and r["reason"]
        )
        verdicts = pd.DataFrame(list(o.rows))[
            ["point", "verdict", "method", "rel_error", "h", "reason"]
        ]
        tables: list[tuple[str, Any]] = [("Verdict per point", verdicts)]
        if o.analysis is not None and len(o.analysis):
            cols = [c for c in ANALYSIS_COLUMNS if c in o.analysis.columns]
            tables.append(("Best h and order per method", o.analysis[cols]))
        elif o.errors is not None and len(o.errors) and case.kind == "network":
            tables.append(("Gradient check per tensor", o.errors))
        title = f"{case.id} ({os.path.basename(case.path)}, {case.kind}"
        title += ", expect fail)" if case.expect == "fail" else ")"
        sections.append(
            Section(
                anchor=case.key,
                title=title,
                nav=case.id,
                verdict=o.verdict,
                description=case.description or str(case.get("function") or ""),
                reason=reason,
                text=o.steps,
                tables=tuple(tables),
                images=(images[id(o)],) if id(o) in images else (),
            )
        )
    return sections


def write_suite_report(
    result: Any,
    out: str | os.PathLike[str],
    formats: Sequence[str] | None = None,
    *,
    executor: Executor | None = None,
) -> dict[str, Path]:
    """Write a suite run's report files into ``out`` (all formats unless told otherwise)."""
    from verifier.report.page import FORMATS, write_report

    formats = list(FORMATS if formats is None else formats)
    return write_report(
        out,
        summary=result.summary(),
        results=result.results,
        errors=result.errors,
        sections=suite_sections(result, plots="html" in formats, executor=executor),
        formats=formats,
        title="verifier: verification suite",
        notes=[str(p) for p in result.problems],
    )


def run(args: argparse.Namespace) -> int:
    """Run the suite, print the summary table, write the report; return the exit code."""
    formats = _formats(args.format)
    if args.jobs < 0:
        raise VerifierError("--jobs must be >= 0", hint="0 means one worker per CPU")
    paths = list(args.paths)
    if not paths:
        if not Path(DEFAULT_CASES).is_dir():
            raise VerifierError(
                f"no {DEFAULT_CASES}/ folder in {os.getcwd()}",
                hint="run from the project's root folder, or give case files: verifier run PATH...",
            )
        paths = [DEFAULT_CASES]
    from tabulate import tabulate

    from verifier.suite.run import collect, run_suite

    jobs = args.jobs or os.cpu_count() or 1
    bar = None
    progress = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked
        cases, _ = collect(paths, args.select)
        bar = tqdm(total=len(cases), unit="case", file=sys.stderr, leave=False)

        def progress(outcome: Any) -> None:
            bar.set_postfix_str(outcome.case.id[:30], refresh=False)
            bar.update(1)

    executor: Executor | None = None
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=jobs)
    try:
        result = run_suite(paths, executor=executor, select=args.select, progress=progress)
        if bar is not None:
            bar.close()
            bar = None
        if not result.outcomes and not result.problems:
            raise VerifierError(
                "no cases matched" + (f" -k {args.select!r}" if args.select else ""),
                hint="check the pattern and the paths",
            )
        written = (
            write_suite_report(result, args.out, formats, executor=executor) if formats else {}
        )
    finally:
        if bar is not None:
            bar.close()
        if executor is not None:
            executor.shutdown()

    summary = result.summary()
    print(tabulate([{k: summary[k] for k in SUMMARY_KEYS}], headers="keys", tablefmt="github"))
    bad = result.results[result.results["verdict"].isin(["fail", "error", "xfail-missed"])]
    bad = bad[bad["error_type"] != "CaseError"]  # invalid files are listed on stderr below
    if len(bad) and not args.quiet:
        print()
        for _, r in bad.head(30).iterrows():
            where = f"{r['file']}::{r['case']}" + (f" at {r['point']}" if r["point"] else "")
            print(f"{r['verdict'].upper()} {where}: {r['reason']}")
        if len(bad) > 30:
            print(f"... and {len(bad) - 30} more in {Path(args.out) / 'results.csv'}")
    if "index.html" in written:
        print(f"\nreport: {written['index.html']}")
    elif written:
        print(f"\nreport files in {args.out}")
    for p in result.problems:
        print(f"verifier run: error: {p}", file=sys.stderr)
    return result.exit_code
