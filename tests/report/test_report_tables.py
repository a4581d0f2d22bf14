"""Generic table exports: each target's dangerous characters are neutralised."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd

from verifier.report.tables import (
    markdown_code,
    records,
    to_csv,
    to_html,
    to_json,
    to_latex,
    to_markdown,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(A1)", "\tx", "plain"],
            "number": [-1.5, np.nan, np.inf, 0.0, 2.0, 3.0],
            "count": np.arange(6, dtype=np.int64),
            "ok": [True, False, True, False, True, False],
        }
    )


def test_csv_text_cells_never_start_a_formula():
    rows = list(csv.DictReader(io.StringIO(to_csv(_frame()))))
    texts = [r["text"] for r in rows]
    assert texts[:5] == ["'=cmd|' /C calc'!A0", "'+1", "'-x", "'@SUM(A1)", "'\tx"]
    assert texts[5] == "plain"
    # numbers stay numbers (a negative number is not a formula)
    assert rows[0]["number"] == "-1.5" and rows[2]["number"] == "inf"


def test_csv_header_cells_are_neutralised_too():
    assert to_csv(pd.DataFrame({"=bad": [1]})).splitlines()[0] == "'=bad"


def test_json_is_strict_with_nulls_for_non_finite():
    text = to_json(_frame())
    data = json.loads(text)  # strict: NaN / Infinity would not be valid JSON
    assert "NaN" not in text and "Infinity" not in text
    assert data[1]["number"] is None and data[2]["number"] is None
    assert data[0]["count"] == 0 and data[0]["ok"] is True
    assert records(_frame())[0]["text"].startswith("=")  # JSON keeps the text as it is


def test_markdown_cells_cannot_break_the_table_or_inject_html():
    md = to_markdown(pd.DataFrame({"f": ["a|b", "<script>x</script>", "two\nlines"]}))
    lines = md.splitlines()
    assert len(lines) == 5  # header, rule, three rows: no row was split
    assert all(line.count("|") - line.count("\\|") == 2 for line in lines)
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert markdown_code("a``b") == "``` a``b ```"


def test_html_escapes_cells_and_headers():
    page = to_html(pd.DataFrame({"<h>": ["<img src=x onerror=alert(1)>"]}))
    assert "<img" not in page and "&lt;img" in page and "&lt;h&gt;" in page


def test_latex_escapes_special_characters():
    tex = to_latex(pd.DataFrame({"best_h": ["x_1^2 & 50%"]}))
    assert "best\\_h" in tex and "x\\_1" in tex and "\\&" in tex and "50\\%" in tex
