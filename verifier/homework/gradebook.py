"""Grades as a learning-management system imports them: Moodle's and Canvas's gradebook CSV.

Both tables have one row per student and one column per problem (the best attempt's score,
as in the summary; 0 for a problem not answered); the student is identified by the class
file's student column.

* **Moodle** (Grades > Import > CSV file): the first column identifies the user
  (``identifier``, "ID number" by default; on the import page choose "Map from: ID number,
  Map to: ID number", or email/username when the class file holds those), then one column per
  problem and a total column; each grade column is mapped to a grade item (or "new grade
  item") on the import page.
* **Canvas** (Grades > Import): the columns Canvas exports and reads back, ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment; the first
  data row is ``Points Possible``.  The class file's student goes into ``Student`` and
  ``id_column`` ("SIS User ID" by default; Canvas matches a row by ID, SIS User ID or SIS
  Login ID); ``ID`` stays empty (Canvas's internal number is not known here).  A column whose
  name has no ``(number)`` creates a new assignment on import.

The tables are DataFrames; the files are written by the reports
(:func:`verifier.report.classpage.write_feedback`) with every text cell made safe for a
spreadsheet (a cell starting with ``=``, ``+``, ``-``, ``@`` gets a leading ``'``).

>>> import pandas as pd
>>> from verifier.homework.classroom import Problem, grade_class
>>> subs = pd.DataFrame({"student": ["s1", "s2"], "problem": ["p", "p"], "answer": ["2x", "x"]})
>>> graded = grade_class(subs, [Problem("p", "x^2", points=2)])
>>> moodle_gradebook(graded).values.tolist()
[['s1', 2.0, 2.0], ['s2', 0.0, 0.0]]
>>> canvas_gradebook(graded).columns.tolist()
['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', 'p']
"""

from __future__ import annotations

from typing import Any

from verifier.errors import VerifierError
from verifier.homework.classroom import DEFAULT_COLUMNS
from verifier.homework.feedback import graded_problems
from verifier.homework.scores import best_scores
from verifier.i18n import _

__all__ = [
    "CANVAS_COLUMNS",
    "CANVAS_POINTS_POSSIBLE",
    "MOODLE_IDENTIFIERS",
    "canvas_gradebook",
    "moodle_gradebook",
    "scores_table",
]

#: the student columns of Canvas's gradebook CSV, in Canvas's order
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: the first cell of Canvas's points row, as Canvas writes it
CANVAS_POINTS_POSSIBLE = "    Points Possible"
#: the user fields Moodle's CSV import can map a column to
MOODLE_IDENTIFIERS = ("ID number", "Email address", "Username")


def scores_table(graded: Any):
    """student x problem: the best score of each student at each problem, and the total.

    Rows are students (sorted), columns the problems in the problem file's order, then
    ``total``.

    >>> import pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> subs = pd.DataFrame({"student": ["b", "a", "a"], "problem": ["p", "p", "p"],
    ...                      "answer": ["2x", "x", "2x"]})
    >>> scores_table(grade_class(subs, [Problem("p", "x^2")])).values.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    import pandas as pd

    cols = graded.attrs.get("columns", DEFAULT_COLUMNS)
    problems = graded_problems(graded)
    rows = zip(
        graded[cols["student"]].astype(str),
        graded[cols["problem"]].astype(str).str.strip(),
        graded["score"].astype(float),
        strict=True,
    )
    best = best_scores(list(rows))
    students = sorted(best)
    table = pd.DataFrame(
        [[best[s].get(pid, 0.0) for pid in problems] for s in students],
        index=pd.Index(students, name="student"),
        columns=list(problems),
        dtype=float,
    )
    table["total"] = table.sum(axis=1) if len(problems) else 0.0
    return table


def moodle_gradebook(graded: Any, *, identifier: str = "ID number", total: str | None = None):
    """Moodle's "Import grades from CSV" table: the user column, one column per problem, the total.

    ``identifier`` names the user column (one of :data:`MOODLE_IDENTIFIERS`); ``total`` names
    the total column (default: "Total").

    >>> import pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> g = grade_class(pd.DataFrame({"student": ["a"], "problem": ["p"], "answer": ["2x"]}),
    ...                 [Problem("p", "x^2")])
    >>> moodle_gradebook(g, identifier="Email address").columns.tolist()
    ['Email address', 'p', 'Total']
    """
    if identifier not in MOODLE_IDENTIFIERS:
        raise VerifierError(
            _("unknown Moodle identifier {name!r}").format(name=identifier),
            hint=_("use one of: {names}").format(names=", ".join(MOODLE_IDENTIFIERS)),
        )
    table = scores_table(graded)
    out = table.drop(columns=["total"]).reset_index()
    out = out.rename(columns={"student": identifier})
    out[total or "Total"] = table["total"].to_numpy()
    return out


def canvas_gradebook(graded: Any, *, id_column: str = "SIS User ID", assignment: str | None = None):
    """Canvas's gradebook CSV: the five student columns, one column per problem, and the
    ``Points Possible`` row first; with ``assignment``, one column of that name holding the
    total instead (one Canvas assignment for the whole set).

    >>> import pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> g = grade_class(pd.DataFrame({"student": ["a"], "problem": ["p"], "answer": ["2x"]}),
    ...                 [Problem("p", "x^2", points=3)])
    >>> canvas_gradebook(g, assignment="Homework 1").values.tolist()
    [['    Points Possible', '', '', '', '', 3.0], ['a', '', 'a', '', '', 3.0]]
    """
    import pandas as pd

    if id_column not in CANVAS_COLUMNS[2:4]:
        raise VerifierError(
            _("Canvas matches students by SIS User ID or SIS Login ID, not {name!r}").format(
                name=id_column
            ),
            hint=_("use SIS User ID or SIS Login ID"),
        )
    problems = graded_problems(graded)
    table = scores_table(graded)
    if assignment:
        grades = pd.DataFrame({assignment: table["total"].to_numpy()})
        possible = [sum(p.points for p in problems.values())]
    else:
        grades = table.drop(columns=["total"]).reset_index(drop=True)
        possible = [p.points for p in problems.values()]
    ids = pd.DataFrame({c: [""] * len(table) for c in CANVAS_COLUMNS})
    ids["Student"] = list(table.index)
    ids[id_column] = list(table.index)
    head = pd.DataFrame([[CANVAS_POINTS_POSSIBLE, "", "", "", "", *possible]])
    head.columns = [*CANVAS_COLUMNS, *grades.columns]
    body = pd.concat([ids, grades], axis=1)
    out = pd.concat([head, body], ignore_index=True)
    for c in grades.columns:
        out[c] = out[c].astype(float)
    return out
