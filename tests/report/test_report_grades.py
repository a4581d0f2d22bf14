"""verifier.report.grades: a graded class as graded.csv, summary.md and summary.html."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from verifier.homework.classroom import grade_class, summarize_grades
from verifier.report.grades import write_grades

DATA = Path(__file__).parent.parent / "data" / "homework"
PROBLEMS = DATA / "problems.toml"
CLASS = DATA / "class.csv"


def test_write_grades(tmp_path):
    graded = grade_class(CLASS, PROBLEMS)
    paths = write_grades(graded, tmp_path / "out")
    back = pd.read_csv(paths["graded"], keep_default_na=False)
    assert len(back) == 24
    assert {
        "student",
        "problem",
        "answer",
        "expected",
        "verdict",
        "score",
        "reason",
        "mistake",
        "read_as",
    } <= set(back.columns)
    md = paths["markdown"].read_text()
    assert "## Per problem" in md and "## Per student" in md
    assert "product_as_fprime_g (1)" in md
    page = paths["html"].read_text()
    assert page.startswith("<!DOCTYPE html>") and "<table" in page
    per_problem, per_student = summarize_grades(graded)
    p2 = per_problem.set_index("problem").loc["p2"]
    # counts, round(100 * 2 / 4, 1) and sums of whole-number points are exact in float64
    assert p2["submissions"] == 4 and p2["correct"] == 2 and p2["% correct"] == 50.0
    ann = per_student.set_index("student").loc["ann"]
    assert ann["score"] == ann["max score"] == 11.0


def test_empty_class(tmp_path):
    subs = tmp_path / "empty.csv"
    subs.write_text("student,problem,answer\n")
    graded = grade_class(subs, PROBLEMS)
    assert len(graded) == 0
    paths = write_grades(graded, tmp_path / "out")
    assert "0 submissions" in paths["markdown"].read_text()
