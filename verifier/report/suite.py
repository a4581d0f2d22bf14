"""The suite's report: a :class:`~verifier.suite.run.SuiteResult` as sections, tables and figures.

The adapter between a suite run and the one page builder (:mod:`verifier.report.page`):
one :class:`~verifier.report.page.Section` per case (its verdict per point, its sweep's
best h and order per method or its network check per tensor, the derivation steps and the
error-vs-h figure), the summary table and the lines ``verifier run`` prints.

>>> import tempfile, pathlib
>>> from verifier.suite.run import run_suite
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.toml").write_text('schema = 1\\n[[case]]\\nid = "sq"\\nfunction = "x^2"\\n'
...     'points = [1]\\nclaimed = "2x"\\nmethods = ["central"]\\nh = [0.1, 0.01, 0.001]\\n')
>>> result = run_suite([d])
>>> [s.title for s in suite_sections(result, plots=False)]
['sq (c.toml, derivative)']
>>> [caption.split(",")[0] for caption, _ in case_figures(result.outcomes[0])]
['d/dx of x^2: the exact derivative and the claim', 'error against step h']
>>> sorted(write_suite_report(result, d / "out", ["md", "junit"]))
['junit.xml', 'summary.md']
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from verifier.i18n import _
from verifier.report.page import DEFAULT_FORMATS, Section, write_report

__all__ = [
    "SUMMARY_KEYS",
    "case_figures",
    "draw_case",
    "error_plot",
    "failure_lines",
    "homework_rows",
    "suite_sections",
    "summary_text",
    "write_suite_report",
]

#: the summary columns ``verifier run`` prints (the report has them all)
SUMMARY_KEYS = (
    "cases",
    "points",
    "passed",
    "failed",
    "inconclusive",
    "errors",
    "expected-fail caught",
    "time (s)",
)
#: the per-method columns of a sweep's analysis shown in a case's section
ANALYSIS_SHOWN = (
    "variable",
    "point",
    "method",
    "min_h",
    "min_error",
    "reliable_h",
    "reliable_error",
    "observed_order",
    "expected_order",
    "exact",
    "theoretical_best_h",
    "flag",
    "verdict",
    "rule",
    "diagnosis",
)
#: the per-point columns of a case's verdict table
VERDICT_SHOWN = ("point", "verdict", "method", "rel_error", "h", "reason")
#: case verdicts that did not hold (listed after the summary by ``verifier run``)
NOT_HELD = ("fail", "error", "xfail-missed", "inconclusive")


def error_plot(
    frame: Any, *, analysis: Any = None, max_lines: int = 10, dpi: int = 80
) -> tuple[str, bytes]:
    """A case's log-log error-vs-h figure as (caption, PNG bytes), for its first point.

    The picture ``verifier sweep`` draws (:func:`verifier.report.plots.error_figure`), for
    the first point of ``frame`` only (one panel per variable there), as a PNG to keep or
    send; the HTML page draws every point itself, in SVG (:func:`case_figures`).  ``frame`` is a tidy error table
    (columns ``h``, ``method``, ``abs_error`` or ``rel_error``, optionally ``point``,
    ``variable``); ``analysis`` the per-method table, if there is one.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"h": [1e-1, 1e-2, 1e-3], "rel_error": [1e-2, 1e-4, 1e-6],
    ...                   "method": "central", "point": 1.0})
    >>> caption, png = error_plot(f)
    >>> caption, png[:4]
    ('error vs h at x = 1', b'\\x89PNG')
    """
    from verifier.report.plots import error_figure, figure_bytes, panel_keys, point_text

    keys = panel_keys(frame)
    points = list(dict.fromkeys(p for p, _ in keys))
    shown = [k for k in keys if k[0] == points[0]] if points else None
    caption = _("error vs h")
    if points and points[0] is not None:
        where = point_text(points[0], shown[0][1] if shown else None)
        caption = _("error vs h at {point}").format(point=where)
        if len(points) > 1:
            caption += _(" (first of {n} points; errors.csv has all)").format(n=len(points))
    fig = error_figure(frame, analysis, panels=shown, dpi=dpi, max_lines=max_lines)
    return caption, figure_bytes(fig, "png")


def _facts(outcome: Any) -> tuple[tuple[str, str], ...]:
    case = outcome.case
    facts = []
    if getattr(case, "function", None):
        facts.append((_("function"), str(case.function)))
    claimed = getattr(case, "claimed", None)
    if isinstance(claimed, dict):
        facts += [(_("claim {d}").format(d=f"d/d{v}"), str(c)) for v, c in claimed.items()]
    elif claimed:
        d = f"d/d{getattr(case, 'variable', 'x')}"
        facts.append((_("claim {d}").format(d=d), str(claimed)))
    if outcome.extras.get("derivative"):
        facts.append((_("exact derivative"), outcome.extras["derivative"]))
    points = [r["point"] for r in outcome.rows if r["point"]]
    if points and case.kind in ("derivative", "gradient"):
        facts.append((_("points"), "; ".join(points)))
    if case.description:
        facts.append((_("about"), case.description))
    return tuple(facts)


def case_figures(outcome: Any) -> tuple[tuple[str, str], ...]:
    """A case's figures as (caption, SVG text): f' against the claim, and error vs h.

    The function panel (a one-variable derivative case) draws the exact derivative, the
    claim where it differs and every point; the error panel has one panel per method and
    a line per point (:func:`verifier.report.svg.error_svg`).
    """
    from verifier.report.svg import error_svg, function_svg

    case = outcome.case
    out = []
    curve = outcome.extras.get("curve")
    if curve is not None and len(curve):
        var = getattr(case, "variable", "x")
        out.append(
            (
                (
                    _(
                        "{d} of {function}: the exact derivative and the claim, with the case's points"
                    )
                    if getattr(case, "claimed", None)
                    else _("{d} of {function}: the exact derivative, with the case's points")
                ).format(d=f"d/d{var}", function=case.function),
                function_svg(curve, outcome.extras.get("marks"), variable=var),
            )
        )
    errors = outcome.errors
    if errors is not None and len(errors) and case.kind != "network":
        col = "rel_error" if "rel_error" in errors.columns else None
        svg = error_svg(errors, outcome.analysis, error=col)
        out.append((_("error against step h, one panel per method (log-log)"), svg))
    return tuple(out)


def draw_case(case: Any) -> Any:
    """Run one case and render its report card at once (in a worker, for ``verifier run --jobs``).

    The card (its figures drawn, its tables written: :func:`verifier.report.html.card_html`)
    travels back in the outcome's ``extras["section"]``, which :func:`write_suite_report` uses
    instead of building it again, so ``--jobs N`` renders the report in parallel too.
    """
    from verifier.report.html import card_html
    from verifier.suite.run import case_errors, run_case

    outcome = run_case(case)
    if outcome.case.kind != "homework":
        section = _section(outcome, case_figures(outcome))
        card = card_html(section)  # the figures and tables are in it: they need not travel
        outcome.extras["section"] = dataclasses.replace(section, html=card, tables=(), figures=())
    rows = case_errors(outcome)
    if rows is not None:  # its rows of errors.csv, written here too
        kinds = tuple(_csv_kind(t) for t in rows.dtypes)
        outcome.extras["errors_csv"] = (
            tuple(rows.columns),
            kinds,
            rows.to_csv(index=False, header=False),
        )
    return outcome


def _csv_kind(dtype: Any) -> str:
    # float64 and text columns write a value the same way alone or mixed (an object column)
    name = str(dtype)
    return "text" if name in ("object", "str", "string") else name


def _errors_csv(outcomes: Sequence[Any]) -> str | None:
    """errors.csv from the rows each case wrote where it ran (:func:`draw_case`), or None.

    The chunks join into the same text ``result.errors.to_csv()`` gives: every case has the
    same columns, and a column mixes only float64 and text (which write a value alike);
    otherwise (or a chunk missing) None, and the whole table is written here.
    """
    import pandas as pd

    from verifier.suite.run import case_errors

    chunks = []
    for o in outcomes:
        chunk = o.extras.get("errors_csv")
        if chunk is None:
            if case_errors(o) is not None:  # a case with rows that were not written: not here
                return None
            continue
        if chunks and chunk[0] != chunks[0][0]:
            return None
        chunks.append(chunk)
    if not chunks:
        return None
    for kinds in zip(*(c[1] for c in chunks), strict=True):
        if len(set(kinds)) > 1 and not set(kinds) <= {"float64", "text"}:
            return None
    return pd.DataFrame(columns=list(chunks[0][0])).to_csv(index=False) + "".join(
        c[2] for c in chunks
    )


def _section(outcome: Any, figures: tuple[tuple[str, str], ...]) -> Section:
    import pandas as pd

    case = outcome.case
    reason = "; ".join(
        f"{r['point']}: {r['reason']}" if r["point"] else r["reason"]
        for r in outcome.rows
        if r["verdict"] != "pass" and r["reason"]
    )
    rows = pd.DataFrame(list(outcome.rows))
    tables: list[tuple[str, Any]] = [(_("Verdict per point"), rows[list(VERDICT_SHOWN)])]
    if outcome.analysis is not None and len(outcome.analysis):
        cols = [c for c in ANALYSIS_SHOWN if c in outcome.analysis.columns]
        tables.append((_("Best h, order and verdict per method"), outcome.analysis[cols]))
    elif outcome.errors is not None and len(outcome.errors) and case.kind == "network":
        tables.append((_("Gradient check per tensor"), outcome.errors))
    title = f"{case.id} ({os.path.basename(case.path)}, {case.kind}"
    title += ", expect fail)" if case.expect == "fail" else ")"
    return Section(
        anchor=case.key,
        title=title,
        nav=case.id,
        verdict=outcome.verdict,
        description=case.description or str(getattr(case, "function", "") or ""),
        reason=reason,
        text=outcome.steps,
        tables=tuple(tables),
        figures=figures,
        facts=_facts(outcome),
    )


def suite_sections(result: Any, *, plots: bool = True) -> list[Section]:
    """One report section per case (homework cases excepted: :func:`homework_rows`).

    Each derivative or gradient case gets its figures (:func:`case_figures`; ``plots=False``
    skips them).  See the module docstring.
    """
    return [
        _section(o, case_figures(o) if plots else ())
        for o in result.outcomes
        if o.case.kind != "homework"
    ]


def homework_rows(result: Any) -> list[dict[str, Any]]:
    """One row per homework case: the answer, how it was read, the grader's verdict on the
    student (correct/incorrect) and mistake, and the test's own verdict (did the grader do
    what the case expects), kept apart.
    """
    rows = []
    for o in result.outcomes:
        if o.case.kind != "homework":
            continue
        grade = o.extras.get("grade") or {}
        test_reason = "; ".join(r["reason"] for r in o.rows if r["verdict"] not in ("pass",))
        rows.append(
            {
                "anchor": o.case.key,
                "case": o.case.id,
                "function": o.case.function,
                "answer": grade.get("answer", getattr(o.case, "answer", "")),
                "read_as": grade.get("read_as") or "",
                "student": grade.get("verdict") or "",
                "mistake": grade.get("mistake") or "",
                "hint": grade.get("mistake_hint") or "",
                "test": o.verdict,
                "reason": test_reason if o.verdict != "pass" else "",
            }
        )
    return rows


def write_suite_report(
    result: Any,
    out: str | os.PathLike[str],
    formats: Sequence[str] | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Path]:
    """Write a suite run's report files into ``out`` (every default format unless told).

    index.html (a card per case, the homework table), results.csv (one row per case and
    point), errors.csv (every estimate), summary.md, junit.xml and, when asked, report.tex.
    ``progress`` is called with 1 per case drawn.  See the module docstring.
    """
    formats = list(DEFAULT_FORMATS if formats is None else formats)
    sections = []
    if "html" in formats:
        for o in result.outcomes:
            if o.case.kind != "homework":
                done = o.extras.get("section")  # rendered where the case ran (draw_case)
                sections.append(done if done is not None else _section(o, case_figures(o)))
            if progress is not None:
                progress(1)
    return write_report(
        out,
        summary=result.summary(),
        results=result.results,
        errors=result.errors,
        errors_csv=_errors_csv(result.outcomes) if "csv" in formats else None,
        sections=sections,
        formats=formats,
        title=_("verifier: verification suite"),
        notes=[str(p) for p in result.problems],
        homework=homework_rows(result) if "html" in formats else (),
    )


def summary_text(result: Any) -> str:
    """The summary as a GitHub-style table (what ``verifier run`` prints first).

    >>> from types import SimpleNamespace as NS
    >>> print(summary_text(NS(summary=lambda: dict.fromkeys(SUMMARY_KEYS, 0))).splitlines()[0])
    |   cases |   points |   passed |   failed |   inconclusive |   errors |   expected-fail caught |   time (s) |
    """
    from tabulate import tabulate

    summary = result.summary()
    return tabulate([{k: summary[k] for k in SUMMARY_KEYS}], headers="keys", tablefmt="github")


def failure_lines(result: Any, limit: int = 30) -> list[str]:
    """One line per (case, point) that did not hold, at most ``limit`` (then a count).

    Invalid case files are not listed (``verifier run`` prints them on stderr).

    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> rows = pd.DataFrame({"file": ["a.toml"], "case": ["sq"], "point": ["x = 1"],
    ...     "verdict": ["fail"], "reason": ["claimed 3x"], "error_type": [""]})
    >>> failure_lines(NS(results=rows))
    ['FAIL a.toml::sq at x = 1: claimed 3x']
    """
    results = result.results
    bad = results[results["verdict"].isin(NOT_HELD) & (results["error_type"] != "CaseError")]
    lines = []
    for r in bad.head(limit).itertuples(index=False):
        where = f"{r.file}::{r.case}" + (f" at {r.point}" if r.point else "")
        lines.append(f"{r.verdict.upper()} {where}: {r.reason}")
    if len(bad) > limit:
        lines.append(_("... and {n} more in results.csv").format(n=len(bad) - limit))
    return lines
