"""The gradebook exports: Moodle's and Canvas's CSV, headers and rows, safe cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from verifier.errors import VerifierError
from verifier.homework.classroom import grade_class, load_problems
from verifier.homework.gradebook import (
    CANVAS_COLUMNS,
    CANVAS_POINTS_POSSIBLE,
    canvas_gradebook,
    moodle_gradebook,
    scores_table,
)
from verifier.report.classpage import write_feedback

DATA = Path(__file__).parent.parent / "data" / "homework"


@pytest.fixture(scope="module")
def graded():
    return grade_class(DATA / "class.csv", load_problems(DATA / "problems.toml"))


# the fixture class graded by hand (problems.toml points: p1 1, p2 2, p3 2, p4 1, p5 2, p6 3)
EXPECTED = {
    "ann": [1, 2, 2, 1, 2, 3],
    "bob": [1, 0, 0, 0, 0, 0],
    "cem": [1, 2, 2, 1, 0, 0],
    "dee": [0, 0, 0, 0, 0, 0],
    "eve": [0, 0, 0, 1, 2, 0],
}
PROBLEM_IDS = ["p1", "p2", "p3", "p4", "p5", "p6"]


def test_scores_table(graded):
    table = scores_table(graded)
    assert list(table.columns) == [*PROBLEM_IDS, "total"]
    for student, row in EXPECTED.items():
        # sums of small whole numbers: exact in floating point
        assert table.loc[student].tolist() == [*map(float, row), float(sum(row))]


def test_moodle_header_and_rows(graded):
    book = moodle_gradebook(graded)
    assert list(book.columns) == ["ID number", *PROBLEM_IDS, "Total"]
    assert book["ID number"].tolist() == sorted(EXPECTED)
    assert book.loc[book["ID number"] == "cem"].iloc[0, 1:].tolist() == [1, 2, 2, 1, 0, 0, 6]
    with pytest.raises(VerifierError, match="ID number, Email address, Username"):
        moodle_gradebook(graded, identifier="Matrikel")


def test_canvas_header_points_row_and_rows(graded):
    book = canvas_gradebook(graded)
    assert list(book.columns) == [*CANVAS_COLUMNS, *PROBLEM_IDS]
    first = book.iloc[0].tolist()
    assert first == [CANVAS_POINTS_POSSIBLE, "", "", "", "", 1.0, 2.0, 2.0, 1.0, 2.0, 3.0]
    body = book.iloc[1:]
    assert body["Student"].tolist() == sorted(EXPECTED)
    assert body["SIS User ID"].tolist() == sorted(EXPECTED)
    assert (body["ID"] == "").all() and (body["SIS Login ID"] == "").all()
    assert body.loc[body["Student"] == "eve", PROBLEM_IDS].iloc[0].tolist() == EXPECTED["eve"]
    login = canvas_gradebook(graded, id_column="SIS Login ID")
    assert login.iloc[1:]["SIS Login ID"].tolist() == sorted(EXPECTED)
    with pytest.raises(VerifierError, match="SIS User ID or SIS Login ID"):
        canvas_gradebook(graded, id_column="Student")


def test_canvas_one_assignment_for_the_set(graded):
    book = canvas_gradebook(graded, assignment="Derivatives 1")
    assert list(book.columns) == [*CANVAS_COLUMNS, "Derivatives 1"]
    assert book["Derivatives 1"].tolist() == [11.0, 11.0, 1.0, 6.0, 0.0, 3.0]


def test_best_attempt_counts_once():
    subs = pd.DataFrame(
        {"student": ["a", "a", "a"], "problem": ["p", "p", "p"], "answer": ["x", "2x", "x^2"]}
    )
    from verifier.homework.classroom import Problem

    book = moodle_gradebook(grade_class(subs, [Problem("p", "x^2", points=5)]))
    assert book.values.tolist() == [["a", 5.0, 5.0]]


def test_written_gradebooks_are_safe_for_spreadsheets(tmp_path):
    from verifier.homework.classroom import Problem

    subs = pd.DataFrame(
        {
            "student": ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "김민준"],
            "problem": ["-p"] * 4,
            "answer": ["2x"] * 4,
        }
    )
    paths = write_feedback(grade_class(subs, [Problem("-p", "x^2")]), tmp_path)
    moodle = list(csv.reader(io.StringIO(paths["moodle"].read_text(encoding="utf-8"))))
    # header names and the ids: no cell starts with a formula character
    for row in moodle:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert moodle[0] == ["ID number", "'-p", "Total"]
    ids = [r[0] for r in moodle[1:]]
    assert '\'=HYPERLINK("http://x")' in ids and "김민준" in ids
    assert all(r[1:] == ["1.0", "1.0"] for r in moodle[1:])  # graded, not error rows
    canvas = list(csv.reader(io.StringIO(paths["canvas"].read_text(encoding="utf-8"))))
    assert canvas[0][:5] == list(CANVAS_COLUMNS)
    assert canvas[1][0] == CANVAS_POINTS_POSSIBLE
    for row in canvas[2:]:
        assert not any(c.startswith(("=", "+", "-", "@")) for c in row), row
