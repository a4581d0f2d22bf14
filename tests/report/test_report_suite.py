"""The suite's report adapter: a section per case, the figure, the lines ``verifier run`` prints."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from verifier.report.suite import (
    SUMMARY_KEYS,
    error_plot,
    failure_lines,
    homework_rows,
    suite_sections,
    summary_text,
    write_suite_report,
)
from verifier.suite.run import run_suite

ROOT = Path(__file__).resolve().parents[2]


def _suite(tmp_path: Path):
    f = tmp_path / "c.toml"
    f.write_text(
        "schema = 1\n"
        '[[case]]\nid = "square"\nfunction = "x^2"\npoints = [0.5, 2]\nclaimed = "2x"\n'
        'methods = ["central", "forward"]\n'
        '[[case]]\nid = "wrong"\nfunction = "x^3"\npoints = [2]\nclaimed = "3x"\n'
        'methods = ["central"]\n'
        '[[case]]\nid = "hw"\nkind = "homework"\nfunction = "x^2"\nanswer = "2x"\n'
        'verdict = "correct"\n'
    )
    return run_suite([f])


def test_sections_tables_and_figures(tmp_path):
    result = _suite(tmp_path)
    sections = suite_sections(result)
    assert [s.nav for s in sections] == ["square", "wrong"]  # homework: its own table
    assert [s.verdict for s in sections] == ["pass", "fail"]
    square, wrong = sections
    assert square.title == "square (c.toml, derivative)" and "power" in square.text.lower()
    captions = [caption for caption, _ in square.tables]
    assert captions == ["Verdict per point", "Best h, order and verdict per method"]
    assert {"verdict", "rule"} <= set(square.tables[1][1].columns)
    (fcap, fsvg), (ecap, esvg) = square.figures
    assert fcap.startswith("d/dx of x^2: the exact derivative and the claim")
    assert 'width="900"' in fsvg and 'width="900"' in esvg
    # every point: one line per point in each method's panel, the points named in the key
    assert "x = 0.5" in esvg and "x = 2" in esvg
    assert esvg.count('class="t">central<') == 1 and esvg.count('class="t">forward<') == 1
    # forward's reference slope is labelled; central differences are exact for x^2: no slope
    assert esvg.count("slope 1") == 1 and "slope 2" not in esvg
    # the claim 2x equals f': drawn as "(= exact)"; the wrong claim 3x is drawn, in red
    assert "claim (= exact)" in fsvg
    wrong_svg = wrong.figures[0][1]
    assert 'stroke-dasharray="8 5"' in wrong_svg and "claim (= exact)" not in wrong_svg
    assert wrong.reason.startswith("x = 2: claim 3x: claimed 6 but the derivative is 12")
    assert ("exact derivative", "3x^2") in wrong.facts and ("claim d/dx", "3x") in wrong.facts
    assert all(s.figures == () for s in suite_sections(result, plots=False))
    (hw,) = homework_rows(result)
    assert (hw["answer"], hw["student"], hw["test"]) == ("2x", "correct", "pass")


def test_error_plot_shows_the_first_point(tmp_path):
    frame = pd.DataFrame(
        {
            "h": [1e-1, 1e-2, 1e-3] * 2,
            "rel_error": [1e-2, 1e-4, 1e-6] * 2,
            "method": "central",
            "point": [1.3] * 3 + [2.0] * 3,
        }
    )
    caption, png = error_plot(frame)
    assert caption == "error vs h at x = 1.3 (first of 2 points; errors.csv has all)"
    assert png[:4] == b"\x89PNG"


def test_summary_and_failure_lines(tmp_path):
    result = _suite(tmp_path)
    table = summary_text(result).splitlines()
    assert all(k in table[0] for k in SUMMARY_KEYS) and len(table) == 3
    (line,) = failure_lines(result)
    assert line.startswith("FAIL c.toml::wrong at x = 2: claim 3x: claimed 6 but the derivative")
    assert failure_lines(result, limit=0) == ["... and 1 more in results.csv"]


def test_write_suite_report_writes_every_format(tmp_path):
    result = _suite(tmp_path)
    written = write_suite_report(result, tmp_path / "out")
    assert sorted(written) == ["errors.csv", "index.html", "junit.xml", "results.csv", "summary.md"]
    page = written["index.html"].read_text()
    assert page.count('<details class="case') == 2 and page.count("data:image/svg+xml;base64,") == 4
    assert page.count('<tr id="c-toml-hw"') == 1
    results = pd.read_csv(written["results.csv"])
    assert results["verdict"].tolist() == ["pass", "pass", "fail", "pass"]


def test_cards_and_errors_rendered_where_the_cases_ran_match_the_parent(tmp_path):
    """``draw_case`` (the runner of ``verifier run``) renders each card and its errors.csv
    rows where the case ran; the report is the same text as one built from the records alone,
    also when a column mixes numbers (derivative points) and text (gradient points)."""
    from verifier.report.suite import draw_case

    f = tmp_path / "c.toml"
    f.write_text(
        "schema = 1\n"
        '[[case]]\nid = "square"\nfunction = "x^2"\npoints = [0.5, 2]\nclaimed = "3x"\n'
        '[[case]]\nid = "grad"\nkind = "gradient"\nfunction = "x0^2 + x1 x0"\n'
        "points = [{ x0 = 1, x1 = 3 }]\n"
        '[[case]]\nid = "hw"\nkind = "homework"\nfunction = "x^2"\nanswer = "2x"\n'
        'verdict = "correct"\n'
    )
    drawn = run_suite([f], runner=draw_case)
    plain = run_suite([f])
    assert all("errors_csv" in o.extras for o in drawn.outcomes if o.case.kind != "homework")
    assert drawn.errors["point"].dtype == object  # mixed: floats and "x0 = 1, x1 = 3"
    a = write_suite_report(drawn, tmp_path / "a", ["csv", "html"])
    b = write_suite_report(plain, tmp_path / "b", ["csv", "html"])
    assert a["errors.csv"].read_text() == drawn.errors.to_csv(index=False)
    assert a["errors.csv"].read_text() == b["errors.csv"].read_text()

    def cards(path):  # the page less the run's own time
        return path.read_text().split('<main id="cases">')[1]

    assert cards(a["index.html"]) == cards(b["index.html"])
