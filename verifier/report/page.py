"""Reports: one self-contained HTML page, CSV tables, a Markdown summary and JUnit XML.

This module knows DataFrames, text and PNG bytes, not where they came from: the
caller hands it a summary, a results table (one row per case and point, with the
columns ``file, case, verdict, reason, duration``), an errors table and one
:class:`Section` per case.  Every file is written whole (``verifier.files``).

The HTML page opens offline: inline CSS, tables, and PNGs embedded as base64
``data:`` URIs; no scripts, no fonts, no links to anywhere else.

>>> import tempfile, pathlib, pandas as pd
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> results = pd.DataFrame({"file": ["a.toml"], "case": ["sq"], "point": ["1"],
...                         "verdict": ["pass"], "reason": [""], "duration": [0.01]})
>>> written = write_report(out, summary={"cases": 1, "passed": 1}, results=results,
...                        sections=[Section("sq", "sq", "pass", text="d/dx x^2 = 2x")])
>>> sorted(p.name for p in written.values())
['errors.csv', 'index.html', 'junit.xml', 'results.csv', 'summary.md']
>>> "data:" in (out / "index.html").read_text() or "<table" in (out / "index.html").read_text()
True
"""

from __future__ import annotations

import base64
import html
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.files import write_atomic
from verifier.points import format_number
from verifier.report.tables import markdown_cell, to_markdown

__all__ = [
    "FORMATS",
    "Section",
    "write_report",
    "render_html",
    "render_markdown",
    "render_junit",
]

FORMATS = ("html", "csv", "md", "junit")
#: verdicts that did not hold (JUnit failures, the Markdown's "Did not hold"); "inconclusive"
#: is not a pass
_FAILING = ("fail", "error", "xfail-missed", "inconclusive")
# The results columns shown on the page (the CSV has them all).
RESULTS_SHOWN = ("file", "case", "point", "verdict", "method", "rel_error", "h", "reason")

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 72em; padding: 0 1em; color: #1b1b1b; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.86em; }
th, td { border: 1px solid #d0d0d0; padding: 0.2em 0.55em; text-align: left;
         vertical-align: top; }
th { background: #f1f3f5; }
tbody tr:nth-child(even) { background: #fafafa; }
pre { background: #f6f8fa; padding: 0.7em; overflow-x: auto; font-size: 0.85em; }
img { max-width: 100%; height: auto; border: 1px solid #e0e0e0; }
section.case { margin: 1.5em 0; padding: 0.2em 1em 1em; border-left: 4px solid #adb5bd; }
section.pass, section.xfail-caught { border-color: #2b8a3e; }
section.fail, section.error, section.xfail-missed { border-color: #c92a2a; }
.verdict { font-weight: bold; padding: 0.05em 0.45em; border-radius: 0.3em; color: white;
           background: #868e96; white-space: nowrap; }
.verdict.pass, .verdict.xfail-caught { background: #2b8a3e; }
.verdict.fail, .verdict.error, .verdict.xfail-missed { background: #c92a2a; }
section.inconclusive { border-color: #e67700; }
.verdict.inconclusive { background: #e67700; }
.reason { color: #555; }
nav ul { columns: 3; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class Section:
    """One case in the report: a title, its verdict, text blocks, tables and images.

    ``text`` is shown preformatted (derivation steps); ``tables`` are (caption,
    DataFrame) pairs; ``images`` are (caption, PNG bytes) pairs.
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


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "section"


def _badge(verdict: str) -> str:
    v = html.escape(str(verdict))
    return f'<span class="verdict {v}">{v}</span>'


def _table(frame: Any, max_rows: int = 2000) -> str:
    if frame is None or len(frame.columns) == 0:
        return "<p><em>(empty)</em></p>"
    shown = frame if len(frame) <= max_rows else frame.head(max_rows)
    out = shown.to_html(
        index=False, escape=True, na_rep="", float_format=lambda v: format_number(v, 6)
    )
    if len(frame) > max_rows:
        out += f"<p><em>{len(frame) - max_rows} more rows in the CSV file.</em></p>"
    return out


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _summary_frame(summary: Mapping[str, Any] | Any) -> Any:
    import pandas as pd

    if isinstance(summary, Mapping):
        return pd.DataFrame([dict(summary)])
    return summary


def render_html(
    *,
    summary: Mapping[str, Any] | Any,
    results: Any,
    sections: Sequence[Section] = (),
    title: str = "verifier report",
    notes: Sequence[str] = (),
) -> str:
    """The self-contained page: summary, results table, then one section per case.

    >>> import pandas as pd
    >>> page = render_html(summary={"cases": 0}, results=pd.DataFrame({"case": []}))
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page, "http" in page
    (True, False, False)
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<h2 id="summary">Summary</h2>',
        _table(_summary_frame(summary)),
    ]
    for note in notes:
        parts.append(f'<p class="reason">{html.escape(note)}</p>')
    if sections:
        parts.append("<nav><ul>")
        for s in sections:
            parts.append(
                f'<li><a href="#{html.escape(_anchor(s.anchor))}">{html.escape(s.nav or s.title)}</a> '
                f"{_badge(s.verdict)}</li>"
            )
        parts.append("</ul></nav>")
    shown = [c for c in RESULTS_SHOWN if c in results.columns] or list(results.columns)
    parts += [
        '<h2 id="results">Results</h2>',
        "<p>Every column is in results.csv; every estimate in errors.csv.</p>",
        _table(results[shown]),
    ]
    if sections:
        parts.append('<h2 id="cases">Cases</h2>')
    for s in sections:
        v = html.escape(s.verdict)
        parts.append(f'<section class="case {v}" id="{html.escape(_anchor(s.anchor))}">')
        parts.append(f"<h3>{html.escape(s.title)} {_badge(s.verdict)}</h3>")
        if s.description:
            parts.append(f"<p>{html.escape(s.description)}</p>")
        if s.reason:
            parts.append(f'<p class="reason">{html.escape(s.reason)}</p>')
        if s.text:
            parts.append(f"<pre>{html.escape(s.text)}</pre>")
        for caption, frame in s.tables:
            parts.append(f"<h4>{html.escape(caption)}</h4>{_table(frame)}")
        for caption, png in s.images:
            alt = html.escape(caption)
            parts.append(
                f'<figure><img src="{_png_uri(png)}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


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
            lines += ["## Did not hold", "", to_markdown(bad[cols]), ""]
        else:
            lines += ["Every case held.", ""]
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
        for (file, case), group in results.groupby(["file", "case"], sort=False, dropna=False):
            duration = float(group["duration"].fillna(0).sum()) if "duration" in group else 0.0
            total += duration
            tc = ET.SubElement(
                suite,
                "testcase",
                classname=str(file).removesuffix(".toml"),
                name=str(case) or "(file)",
                time=f"{duration:.3f}",
            )
            counts["tests"] += 1
            verdicts = group["verdict"].tolist()
            bad = group[group["verdict"].isin(_FAILING)]
            if "error" in verdicts:
                counts["errors"] += 1
                tag = "error"
            elif len(bad):
                counts["failures"] += 1
                tag = "failure"
            else:
                continue
            lines = [
                f"{r.get('point', '')}: {r['verdict']}: {r['reason']}" for _, r in bad.iterrows()
            ]
            el = ET.SubElement(tc, tag, message=str(bad.iloc[0]["reason"])[:500])
            el.text = "\n".join(lines)
    for k, v in counts.items():
        suite.set(k, str(v))
    suite.set("time", f"{total:.3f}")
    ET.indent(suite)
    text = ET.tostring(suite, encoding="unicode")
    # characters XML 1.0 forbids (control characters from an answer or a key): replaced
    return '<?xml version="1.0" encoding="utf-8"?>\n' + _NOT_XML.sub("\ufffd", text) + "\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_report(
    out: str | os.PathLike[str],
    *,
    summary: Mapping[str, Any] | Any,
    results: Any,
    errors: Any = None,
    sections: Sequence[Section] = (),
    formats: Sequence[str] = FORMATS,
    title: str = "verifier report",
    notes: Sequence[str] = (),
) -> dict[str, Path]:
    """Write the report files into ``out``; returns {format-ish name: path written}.

    ``formats``: any of ``html`` (index.html), ``csv`` (results.csv, errors.csv),
    ``md`` (summary.md), ``junit`` (junit.xml).  Each file is written whole.
    """
    import pandas as pd

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        from verifier.errors import VerifierError

        raise VerifierError(
            f"unknown report format {unknown[0]!r}", hint=f"one of {', '.join(FORMATS)}"
        )
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if "csv" in formats:
        write_atomic(folder / "results.csv", results.to_csv(index=False))
        written["results.csv"] = folder / "results.csv"
        frame = errors if errors is not None else pd.DataFrame()
        write_atomic(folder / "errors.csv", frame.to_csv(index=False))
        written["errors.csv"] = folder / "errors.csv"
    if "md" in formats:
        write_atomic(
            folder / "summary.md", render_markdown(summary=summary, results=results, title=title)
        )
        written["summary.md"] = folder / "summary.md"
    if "junit" in formats:
        write_atomic(folder / "junit.xml", render_junit(results))
        written["junit.xml"] = folder / "junit.xml"
    if "html" in formats:
        page = render_html(
            summary=summary, results=results, sections=sections, title=title, notes=notes
        )
        write_atomic(folder / "index.html", page)
        written["index.html"] = folder / "index.html"
    return written
