"""The report writer: self-contained HTML, CSV, Markdown and JUnit XML, each written whole."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from verifier.errors import VerifierError
from verifier.report.page import Section, render_html, render_junit, write_report


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=50)  # a bare figure: no pyplot state
    FigureCanvasAgg(fig)
    fig.add_subplot().loglog([1e-8, 1e-4, 1e-1], [1e-8, 1e-12, 1e-2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


@pytest.fixture
def frames():
    results = pd.DataFrame(
        {
            "file": ["a.toml", "a.toml", "a.toml", "b.toml"],
            "case": ["square", "square", "bad", "boom"],
            "point": ["1", "2", "3", ""],
            "verdict": ["pass", "pass", "fail", "error"],
            "reason": ["", "", "claimed <script>alert(1)</script> is wrong", "ParseError: oops"],
            "rel_error": [1e-12, 2e-12, 0.5, None],
            "duration": [0.1, 0.1, 0.2, 0.0],
        }
    )
    errors = pd.DataFrame({"case": ["square"] * 2, "h": [1e-3, 1e-4], "rel_error": [1e-6, 1e-8]})
    return results, errors


def test_write_report_writes_every_file_whole(tmp_path, frames):
    results, errors = frames
    png = png_bytes()
    sections = [
        Section(
            "a.toml::square",
            "square",
            "pass",
            description="x^2",
            text="d/dx x^2 = 2x   [power]",
            tables=(("Best h", pd.DataFrame({"method": ["central"], "best_h": [1e-5]})),),
            images=(("error vs h", png),),
        ),
        Section("a.toml::bad", "bad", "fail", reason="claimed <b>wrong</b>"),
    ]
    out = tmp_path / "report"
    written = write_report(
        out, summary={"cases": 3, "passed": 1}, results=results, errors=errors, sections=sections
    )
    assert sorted(written) == ["errors.csv", "index.html", "junit.xml", "results.csv", "summary.md"]
    assert sorted(p.name for p in out.iterdir()) == sorted(written)  # no temp files left behind
    back = pd.read_csv(out / "results.csv")
    assert back["verdict"].tolist() == results["verdict"].tolist()
    assert len(pd.read_csv(out / "errors.csv")) == 2

    page = (out / "index.html").read_text()
    # Self-contained: one inline script (the filter), no external links, fonts or stylesheets.
    assert page.count("<script") == 1 and "<script src" not in page
    assert not re.search(r"(src|href)=\"(https?:|//)", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    # The reason text is escaped, not markup.
    assert "&lt;b&gt;wrong" in page and "<b>wrong" not in page
    # The image is embedded and decodes to the same PNG.
    (uri,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(uri) == png
    assert page.count("<table") == 1  # the one section table (results.csv has every row)
    assert 'id="a-toml-square"' in page and 'href="#a-toml-bad"' in page  # failures linked
    assert page.index('id="a-toml-bad"') < page.index('id="a-toml-square"')  # failures first
    assert "d/dx x^2 = 2x" in page

    md = (out / "summary.md").read_text()
    assert "## Did not hold" in md and "boom" in md and "| square" not in md


def test_junit_counts_failures_and_errors(frames):
    results, _ = frames
    root = ET.fromstring(render_junit(results).split("\n", 1)[1])
    assert root.tag == "testsuite"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"square", "bad", "boom"}
    assert cases["square"].find("failure") is None
    assert "claimed <script>" in cases["bad"].find("failure").get("message")
    assert cases["boom"].find("error") is not None
    assert cases["bad"].get("classname") == "a"


def test_formats_subset_and_unknown_format(tmp_path, frames):
    results, _ = frames
    written = write_report(tmp_path, summary={}, results=results, formats=["junit"])
    assert list(written) == ["junit.xml"]
    assert not (tmp_path / "index.html").exists()
    with pytest.raises(VerifierError, match="unknown report format 'pdf'"):
        write_report(tmp_path, summary={}, results=results, formats=["pdf"])


def test_every_section_is_rendered_in_order(frames):
    results, _ = frames
    sections = [Section(f"s{i}", f"title {i}", "pass") for i in range(5)]
    page = render_html(summary={"cases": 5}, results=results, sections=sections)
    positions = [page.index(f'id="s{i}"') for i in range(5)]
    assert positions == sorted(positions)
    assert page.count('<details class="case pass"') == 5


def test_inconclusive_did_not_hold():
    """An inconclusive row is not a pass: a JUnit failure and a line under "Did not hold"."""
    from verifier.report.page import render_markdown

    results = pd.DataFrame(
        {
            "file": ["a.toml"],
            "case": ["tiny_h"],
            "point": ["x = 1e8"],
            "verdict": ["inconclusive"],
            "reason": ["x + h == x"],
            "duration": [0.1],
        }
    )
    root = ET.fromstring(render_junit(results).split("\n", 1)[1])
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "1", "0")
    assert "tiny_h" in render_markdown(summary={"cases": 1}, results=results)
    page = render_html(summary={}, results=results, sections=[Section("s", "t", "inconclusive")])
    assert '<span class="verdict inconclusive">' in page


def test_summary_first_filter_and_collapsed_cards():
    """Counts at the top, failures linked and opened first, passed cards closed, a filter
    and a search box, homework answers in their own table with the test's verdict apart."""
    from verifier.report.html import render_page

    sections = [Section("ok", "ok", "pass"), Section("bad", "bad", "fail", reason="wrong")]
    hw = [
        {
            "anchor": "hw",
            "case": "hw",
            "function": "x^2",
            "answer": "3x",
            "read_as": "3x",
            "student": "incorrect",
            "mistake": "power",
            "test": "pass",
        }
    ]
    page = render_page(summary={"cases": 3, "failed": 1}, sections=sections, homework=hw)
    assert page.index('id="summary"') < page.index('id="status"') < page.index('id="bad"')
    assert page.index('id="bad"') < page.index('id="ok"')
    assert re.search(r'<details class="case fail" id="bad"[^>]* open>', page)
    assert re.search(r'<details class="case pass" id="ok"[^>]*"\s*>', page)  # closed
    assert 'type="search"' in page and '<option value="notheld">' in page
    row = page[page.index('<tr id="hw"') :]
    # the student is incorrect, the test (the grader said so, as the case expects) passed
    assert '<span class="verdict incorrect">incorrect</span>' in row
    assert '<span class="verdict pass">pass</span>' in row
    assert "Fails" in page and "Holds" not in page.split('id="ok"')[0]
