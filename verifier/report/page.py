"""Reports: one self-contained HTML page, CSV tables, a Markdown summary and JUnit XML.

This module knows DataFrames, text and PNG bytes, not where they came from: the
caller hands it a summary, a results table (one row per case and point, with the
columns ``file, case, verdict, reason, duration``), an errors table and one
:class:`Section` per case.  Every file is written whole (``verifier.files``).

The HTML page (:mod:`verifier.report.html`) opens offline: inline CSS, one inline script
(the filter), figures embedded as base64 ``data:`` URIs; no fonts, no links to anywhere
else.  ``tex`` writes report.tex, a LaTeX document of the summary and the rows that did
not hold (it compiles with plain ``pdflatex``).

>>> import tempfile, pathlib, pandas as pd
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> results = pd.DataFrame({"file": ["a.toml"], "case": ["sq"], "point": ["1"],
...                         "verdict": ["pass"], "reason": [""], "duration": [0.01]})
>>> written = write_report(out, summary={"cases": 1, "passed": 1}, results=results,
...                        sections=[Section("sq", "sq", "pass", text="d/dx x^2 = 2x")])
>>> sorted(p.name for p in written.values())
['errors.csv', 'index.html', 'junit.xml', 'results.csv', 'summary.md']
>>> 'id="sq"' in (out / "index.html").read_text()
True
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.files import write_atomic
from verifier.i18n import N_, _
from verifier.points import records
from verifier.report.tables import markdown_cell, to_markdown

__all__ = [
    "FORMATS",
    "Section",
    "write_report",
    "render_html",
    "render_markdown",
    "render_junit",
    "render_latex",
]

FORMATS = ("html", "csv", "md", "junit", "tex")
#: what a report writes unless told otherwise (``tex`` on request)
DEFAULT_FORMATS = ("html", "csv", "md", "junit")
#: verdicts that did not hold (JUnit failures, the Markdown's "Did not hold"); "inconclusive"
#: is not a pass
_FAILING = ("fail", "error", "xfail-missed", "inconclusive")


@dataclass(frozen=True)
class Section:
    """One case in the report: a title, its verdict, text blocks, tables and images.

    ``text`` is shown preformatted (derivation steps); ``tables`` are (caption,
    DataFrame) pairs; ``images`` are (caption, PNG bytes) pairs; ``figures`` (caption,
    SVG text) pairs; ``facts`` (label, text) pairs shown first (function, claim, ...).
    """

    anchor: str
    title: str
    verdict: str
    description: str = ""
    reason: str = ""
    text: str = ""
    tables: tuple[tuple[str, Any], ...] = ()
    images: tuple[tuple[str, bytes], ...] = ()
    nav: str = ""  # a short name for the table of contents (default: the title)
    figures: tuple[tuple[str, str], ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    #: the card already rendered (:func:`verifier.report.html.card_html`, where the case ran);
    #: the page uses it as is
    html: str = ""


def _summary_frame(summary: Mapping[str, Any] | Any) -> Any:
    import pandas as pd

    if isinstance(summary, Mapping):
        return pd.DataFrame([dict(summary)])
    return summary


def render_html(
    *,
    summary: Mapping[str, Any] | Any,
    results: Any = None,
    sections: Sequence[Section] = (),
    title: str = "verifier report",
    notes: Sequence[str] = (),
    homework: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The self-contained page: summary, filter, one card per case, the homework table.

    ``results`` is not drawn row by row (results.csv has every row); it is accepted so
    callers can pass what they write.  See :mod:`verifier.report.html`.

    >>> import pandas as pd
    >>> page = render_html(summary={"cases": 0}, results=pd.DataFrame({"case": []}))
    >>> page.startswith("<!DOCTYPE html>"), "<script src" in page, "http" in page
    (True, False, False)
    """
    from verifier.report.html import render_page

    frame = _summary_frame(summary)
    flat = frame.iloc[0].to_dict() if len(frame) else {}
    return render_page(
        summary=flat,
        sections=sections,
        homework=homework,
        title=title,
        notes=notes,
        files=("results.csv", "errors.csv") if results is not None else (),
    )


def _tex_escape(text: Any) -> str:
    from verifier.report.tables import latex_text

    # pdflatex without extra packages: ASCII only (anything else becomes "?")
    return latex_text(text).encode("ascii", "replace").decode("ascii")


#: the columns of the LaTeX table of rows that did not hold
_FAILING_HEAD = (N_("case"), N_("point"), N_("verdict"), N_("reason"))


def render_latex(
    *, summary: Mapping[str, Any] | Any, results: Any, title: str = "verifier report"
) -> str:
    """The summary and the rows that did not hold as a LaTeX document (``pdflatex`` compiles it).

    Text is escaped for LaTeX's text mode; long reasons wrap in a ``p`` column.

    >>> import pandas as pd
    >>> tex = render_latex(summary={"cases": 1}, results=pd.DataFrame(
    ...     {"case": ["a_b"], "point": ["x = 1"], "verdict": ["fail"], "reason": ["x^2 & 50%"]}))
    >>> print(tex.splitlines()[-3])
    a\\_b & x = 1 & fail & x\\textasciicircum{}2 \\& 50\\% \\\\
    """
    frame = _summary_frame(summary)
    flat = frame.iloc[0].to_dict() if len(frame) else {}
    lines = [
        "\\documentclass[10pt]{article}",
        "\\setlength{\\textwidth}{16cm}",
        "\\setlength{\\oddsidemargin}{0cm}",
        "\\begin{document}",
        f"\\section*{{{_tex_escape(title)}}}",
        "\\begin{tabular}{lr}",
        *(f"{_tex_escape(k)} & {_tex_escape(v)} \\\\" for k, v in flat.items()),
        "\\end{tabular}",
    ]
    bad = results[results["verdict"].isin(_FAILING)] if "verdict" in results.columns else []
    if len(bad):
        lines += [
            "\\subsection*{" + _tex_escape(_("Did not hold")) + "}",
            "\\begin{tabular}{p{3.2cm}p{2.2cm}p{1.8cm}p{7.8cm}}",
            " & ".join(_tex_escape(_(h)) for h in _FAILING_HEAD) + " \\\\ \\hline",
        ]
        for r in bad.to_dict("records"):
            cells = [
                r.get("case", ""),
                r.get("point", ""),
                r.get("verdict", ""),
                r.get("reason", ""),
            ]
            lines.append(
                " & ".join(_tex_escape(c if c is not None else "") for c in cells) + " \\\\"
            )
        lines.append("\\end{tabular}")
    else:
        lines.append("\\par " + _tex_escape(_("Every case held.")))
    lines.append("\\end{document}")
    return "\n".join(lines) + "\n"


def render_markdown(
    *, summary: Mapping[str, Any] | Any, results: Any, title: str = "verifier report"
) -> str:
    """Summary and the rows that did not hold, as Markdown (pipe tables).

    >>> import pandas as pd
    >>> md = render_markdown(summary={"cases": 1}, results=pd.DataFrame(
    ...     {"case": ["a"], "point": ["1"], "verdict": ["fail"], "reason": ["off by 1"]}))
    >>> "| a " in md and "off by 1" in md
    True
    """
    lines = [f"# {markdown_cell(title)}", "", to_markdown(_summary_frame(summary)), ""]
    if "verdict" in results.columns:
        bad = results[results["verdict"].isin(_FAILING)]
        if len(bad):
            cols = [c for c in ("file", "case", "point", "verdict", "reason") if c in bad.columns]
            lines += ["## " + _("Did not hold"), "", to_markdown(bad[cols]), ""]
        else:
            lines += [_("Every case held."), ""]
    return "\n".join(lines)


def render_junit(results: Any, *, name: str = "verifier") -> str:
    """JUnit XML: one testcase per (file, case); failures and errors carry the reasons.

    >>> import pandas as pd
    >>> xml = render_junit(pd.DataFrame({"file": ["a.toml"], "case": ["c"], "point": ["1"],
    ...     "verdict": ["fail"], "reason": ["wrong"], "duration": [0.5]}))
    >>> 'failures="1"' in xml and 'message="wrong"' in xml
    True
    """
    suite = ET.Element("testsuite", name=name)
    counts = {"tests": 0, "failures": 0, "errors": 0}
    total = 0.0
    if len(results):
        results = results.copy()
        # Tables without a file or case column still give one testcase per case (or row).
        if "file" not in results.columns:
            results["file"] = ""
        if "case" not in results.columns:
            results["case"] = [str(i) for i in range(len(results))]
        if "verdict" not in results.columns:
            results["verdict"] = "pass"
        if "reason" not in results.columns:
            results["reason"] = ""
        for (file, case), group in _groups(results):
            duration = _total_seconds(group)
            total += duration
            tc = ET.SubElement(
                suite,
                "testcase",
                classname=str(file).removesuffix(".toml"),
                name=str(case) or "(file)",
                time=f"{duration:.3f}",
            )
            counts["tests"] += 1
            verdicts = [r["verdict"] for r in group]
            bad = [r for r in group if r["verdict"] in _FAILING]
            if "error" in verdicts:
                counts["errors"] += 1
                tag = "error"
            elif len(bad):
                counts["failures"] += 1
                tag = "failure"
            else:
                continue
            lines = [f"{r.get('point', '')}: {r['verdict']}: {r['reason']}" for r in bad]
            el = ET.SubElement(tc, tag, message=str(bad[0]["reason"])[:500])
            el.text = "\n".join(lines)
    for k, v in counts.items():
        suite.set(k, str(v))
    suite.set("time", f"{total:.3f}")
    ET.indent(suite)
    text = ET.tostring(suite, encoding="unicode")
    # characters XML 1.0 forbids (control characters from an answer or a key): replaced
    return '<?xml version="1.0" encoding="utf-8"?>\n' + _NOT_XML.sub("\ufffd", text) + "\n"


def _groups(results: Any) -> list[tuple[tuple[Any, Any], list[dict[str, Any]]]]:
    """The rows per (file, case) as dicts, in order of first appearance (``groupby(sort=False,
    dropna=False)``, without a DataFrame per group)."""
    groups: dict[tuple[Any, Any], tuple[tuple[Any, Any], list[dict[str, Any]]]] = {}
    for r in records(results):
        key = (r["file"], r["case"])
        same = tuple(
            "\0nan" if isinstance(k, float) and k != k else k for k in key
        )  # NaN: one group
        groups.setdefault(same, (key, []))[1].append(r)
    return list(groups.values())


def _total_seconds(group: list[dict[str, Any]]) -> float:
    import numpy as np

    if not group or "duration" not in group[0]:
        return 0.0
    seconds = np.array([r["duration"] for r in group], dtype=float)
    return float(np.nan_to_num(seconds, nan=0.0).sum())


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_report(
    out: str | os.PathLike[str],
    *,
    summary: Mapping[str, Any] | Any,
    results: Any,
    errors: Any = None,
    errors_csv: str | None = None,
    sections: Sequence[Section] = (),
    formats: Sequence[str] = DEFAULT_FORMATS,
    title: str = "verifier report",
    notes: Sequence[str] = (),
    homework: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Path]:
    """Write the report files into ``out``; returns {format-ish name: path written}.

    ``formats``: any of ``html`` (index.html), ``csv`` (results.csv, errors.csv),
    ``md`` (summary.md), ``junit`` (junit.xml), ``tex`` (report.tex).  Each file is
    written whole.  ``errors_csv``: the errors table already as CSV text (written where the
    cases ran), used instead of writing ``errors`` here.
    """
    import pandas as pd

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        from verifier.errors import VerifierError

        raise VerifierError(
            _("unknown report format {format!r}").format(format=unknown[0]),
            hint=_("use one of: {choices}").format(choices=", ".join(FORMATS)),
        )
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "csv" in formats:
        write_atomic(folder / "results.csv", results.to_csv(index=False))
        written["results.csv"] = folder / "results.csv"
        if errors_csv is None:
            errors_csv = (errors if errors is not None else pd.DataFrame()).to_csv(index=False)
        write_atomic(folder / "errors.csv", errors_csv)
        written["errors.csv"] = folder / "errors.csv"
    if "md" in formats:
        write_atomic(
            folder / "summary.md", render_markdown(summary=summary, results=results, title=title)
        )
        written["summary.md"] = folder / "summary.md"
    if "junit" in formats:
        write_atomic(folder / "junit.xml", render_junit(results))
        written["junit.xml"] = folder / "junit.xml"
    if "tex" in formats:
        write_atomic(
            folder / "report.tex", render_latex(summary=summary, results=results, title=title)
        )
        written["report.tex"] = folder / "report.tex"
    if "html" in formats:
        page = render_html(
            summary=summary,
            results=results,
            sections=sections,
            title=title,
            notes=notes,
            homework=homework,
        )
        write_atomic(folder / "index.html", page)
        written["index.html"] = folder / "index.html"
    return written
