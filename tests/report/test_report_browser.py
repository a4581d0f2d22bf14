"""Open the suite's index.html in headless Chromium: every table there, every image decoded.

No Python browser driver is needed: a copy of the page gets a small checking script
appended (the report itself has none), Chromium runs it with ``--dump-dom``, and the
script's findings are read back from the dumped DOM.  A screenshot of the real page is
saved under the test's tmp path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"))
        if p and os.path.exists(p)
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)"
)

CHECK = """
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var tables = Array.prototype.slice.call(document.querySelectorAll("table"));
  var out = {
    tables: tables.length,
    table_rows: tables.map(function (t) { return t.querySelectorAll("tbody tr").length; }),
    sections: document.querySelectorAll("details.case").length,
    section_tables: Array.prototype.slice.call(document.querySelectorAll("details.case"))
      .map(function (s) { return s.querySelectorAll("table").length; }),
    images: imgs.length,
    decoded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    widths: imgs.map(function (i) { return i.naturalWidth; }),
    external: Array.prototype.slice.call(document.querySelectorAll("[src],[href]"))
      .map(function (e) { return e.getAttribute("src") || e.getAttribute("href"); })
      .filter(function (u) { return !/^(data:|#)/.test(u); })
  };
  var pre = document.createElement("pre");
  pre.id = "verifier-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


WRONG = """schema = 1
[[case]]
id = "wrong_claim_shown"
function = "x^3"
points = [0.5, 2]
claimed = "3x"
"""

# The page as a reader meets it: measured after load, then the filter is used, then every
# card is opened and the page width measured again.
LAYOUT = """
<script>
window.addEventListener("load", function () {
  function visible(el) { return el.offsetParent !== null; }
  var out = {width: window.innerWidth, height: window.innerHeight};
  var summary = document.getElementById("summary").getBoundingClientRect();
  out.summary_bottom = summary.bottom;
  var bad = document.querySelector('details.case[data-status="fail"]');
  out.first_fail = bad ? bad.id : null;
  var fig = bad ? bad.querySelector("img") : null;
  out.fig_top = fig ? fig.getBoundingClientRect().top : null;
  out.fig_bottom = fig ? fig.getBoundingClientRect().bottom : null;
  out.fig_box_width = fig ? fig.getBoundingClientRect().width : null;
  var imgs = Array.prototype.slice.call(document.images);
  out.natural = imgs.map(function (i) { return i.naturalWidth; });
  out.cases = document.querySelectorAll("[data-status]").length;
  var sel = document.getElementById("status");
  sel.value = "notheld";
  sel.dispatchEvent(new Event("change"));
  var shown = Array.prototype.slice.call(document.querySelectorAll("[data-status]"))
    .filter(visible);
  out.after_filter = shown.map(function (e) { return e.dataset.status; });
  var q = document.getElementById("q");
  sel.value = "all"; sel.dispatchEvent(new Event("change"));
  q.value = "wrong_claim_shown"; q.dispatchEvent(new Event("input"));
  out.after_search = Array.prototype.slice.call(document.querySelectorAll("[data-status]"))
    .filter(visible).map(function (e) { return e.id; });
  q.value = ""; q.dispatchEvent(new Event("input"));
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  out.scroll_width = document.documentElement.scrollWidth;
  out.client_width = document.documentElement.clientWidth;
  var pre = parent.document.createElement("pre");
  pre.id = "verifier-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _run_check(page: str, script: str, tmp_path: Path, size: str) -> dict:
    """Run ``script`` in ``page`` shown in a frame of exactly ``size`` pixels.

    Headless Chromium's window is at least 500 px wide, so a phone's 390 px viewport is a
    ``srcdoc`` frame of that size (same origin: the script writes its findings into the
    outer document, which ``--dump-dom`` prints).
    """
    import html as html_module

    width, height = (int(v) for v in size.split(","))
    inner = page.replace(
        "</body>",
        script.replace("document.body.appendChild", "parent.document.body.appendChild") + "</body>",
    )
    outer = (
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe style="border:0;display:block" width="{width}" height="{height}" '
        f'srcdoc="{html_module.escape(inner, quote=True)}"></iframe></body></html>'
    )
    checked = tmp_path / f"checked-{width}.html"
    checked.write_text(outer, encoding="utf-8")
    done = chromium(
        f"--window-size={width + 100},{height + 100}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        checked.as_uri(),
        tmp_path=tmp_path,
    )
    m = re.search(r'<pre id="verifier-check">(.*?)</pre>', done.stdout, re.S)
    assert m, f"the checking script did not run:\n{done.stderr[-2000:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A real suite report: the seed's cases, trig, expected failures, homework, one failure."""
    from verifier.cli import main

    root = Path(__file__).resolve().parents[2] / "cases"
    tmp = tmp_path_factory.mktemp("browser")
    cases = tmp / "cases"
    cases.mkdir()
    for name in ("00_seed.toml", "30_trig.toml", "80_expected_failures.toml", "90_homework.toml"):
        shutil.copy(root / name, cases / name)
    (cases / "99_wrong.toml").write_text(WRONG)
    out = tmp / "report"
    assert main(["run", str(cases), "--out", str(out), "--quiet"]) == 1  # the wrong claim
    return out / "index.html"


@pytest.mark.parametrize("size", ["1400,900", "390,844"])
def test_report_layout_in_chromium(report, tmp_path, size):
    """Summary and the first failing case's figure on the first screen (desktop); every
    figure at least 800 px wide; the status filter hides passed cases; the search box
    finds a case; no horizontal scroll at phone and desktop width with every card open."""
    found = _run_check(report.read_text(encoding="utf-8"), LAYOUT, tmp_path, size)
    width, height = (int(v) for v in size.split(","))
    assert found["width"] == width
    assert found["natural"] and min(found["natural"]) >= 800, found["natural"]
    assert found["first_fail"] is not None and found["summary_bottom"] < height
    if width >= 1000:  # the first screen of a desktop: the failing case's figure, whole
        assert found["fig_top"] > 0 and found["fig_bottom"] <= height, found
    else:  # a phone: the figure fits the screen's width, scaled down
        assert found["fig_box_width"] <= width
    assert found["after_filter"] and "pass" not in found["after_filter"], found["after_filter"]
    assert set(found["after_filter"]) <= {"fail", "error", "xfail-missed", "inconclusive"}
    assert len(found["after_search"]) == 1 and "wrong" in found["after_search"][0]
    assert found["scroll_width"] <= found["client_width"], found
    shot = tmp_path / f"report-{width}.png"
    done = chromium(
        "--screenshot=" + str(shot), f"--window-size={size}", report.as_uri(), tmp_path=tmp_path
    )
    assert shot.exists(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_index_html_tables_and_images_in_chromium(report, tmp_path):
    page = report.read_text(encoding="utf-8")
    n_tables = page.count("<table")
    n_images = page.count("<img ")
    n_sections = page.count('<details class="case')
    assert n_images >= 3 and n_sections >= 10

    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    done = chromium(
        "--virtual-time-budget=10000", "--dump-dom", checked.as_uri(), tmp_path=tmp_path
    )
    m = re.search(r'<pre id="verifier-check">(.*?)</pre>', done.stdout, re.S)
    assert m, f"the checking script did not run:\n{done.stderr[-2000:]}"
    found = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))

    assert found["tables"] == n_tables
    assert all(rows >= 1 for rows in found["table_rows"]), found["table_rows"]
    assert found["sections"] == n_sections
    assert all(k >= 1 for k in found["section_tables"])  # each case shows its verdict table
    assert found["images"] == n_images
    assert found["decoded"] == n_images, found["widths"]
    assert min(found["widths"]) >= 800
    assert found["external"] == []
