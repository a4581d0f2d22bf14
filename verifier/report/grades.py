"""The grades of a class as files: ``graded.csv``, ``summary.md`` and ``summary.html``.

The adapter of :mod:`verifier.homework.classroom`: it takes the frame
:func:`~verifier.homework.classroom.grade_class` returns and writes each file whole through
:func:`verifier.files.write_atomic`.  Cells are made safe for where they go
(:mod:`verifier.report.tables`): a CSV cell a spreadsheet would run as a formula (``=...``)
gets a leading ``'``, Markdown cells are escaped, HTML is escaped.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from verifier.files import write_atomic
from verifier.homework.classroom import summarize_grades
from verifier.i18n import _
from verifier.report.tables import escape_html, to_csv, to_html, to_markdown

__all__ = ["write_grades"]


def write_grades(graded: Any, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``graded.csv``, ``summary.md`` and ``summary.html`` into ``out``, each file whole.

    >>> import tempfile, pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> subs = pd.DataFrame({"student": ["a"], "problem": ["p"], "answer": ["2x"]})
    >>> paths = write_grades(grade_class(subs, [Problem("p", "x^2")]), tempfile.mkdtemp())
    >>> sorted(p.name for p in paths.values())
    ['graded.csv', 'summary.html', 'summary.md']
    """
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    per_problem, per_student = summarize_grades(graded)
    counts = Counter(graded["verdict"])
    headline = _(
        "{n} submissions: {correct} correct, {incorrect} incorrect, {invalid} invalid, "
        "{error} error"
    ).format(
        n=len(graded), correct=counts["correct"], incorrect=counts["incorrect"],
        invalid=counts["invalid"], error=counts["error"],
    )  # fmt: skip
    title, by_problem, by_student, none = (
        _("Grades"),
        _("Per problem"),
        _("Per student"),
        _("(none)"),
    )
    csv_text = to_csv(graded.drop(columns=["seconds", "counterexample"], errors="ignore"))
    md = "\n".join(
        [
            f"# {title}",
            "",
            headline,
            "",
            f"## {by_problem}",
            "",
            to_markdown(per_problem) if len(per_problem) else none,
            "",
            f"## {by_student}",
            "",
            to_markdown(per_student) if len(per_student) else none,
            "",
        ]
    )
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape_html(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em}</style></head><body>"
        f"<h1>{escape_html(title)}</h1><p>{escape_html(headline)}</p>"
        f"<h2>{escape_html(by_problem)}</h2>{to_html(per_problem)}"
        f"<h2>{escape_html(by_student)}</h2>{to_html(per_student)}</body></html>\n"
    )
    paths = {"graded": d / "graded.csv", "markdown": d / "summary.md", "html": d / "summary.html"}
    write_atomic(paths["graded"], csv_text)
    write_atomic(paths["markdown"], md)
    write_atomic(paths["html"], page)
    return paths
