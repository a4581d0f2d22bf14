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
    sections: document.querySelectorAll("section.case").length,
    section_tables: Array.prototype.slice.call(document.querySelectorAll("section.case"))
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


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A real suite report: the seed's cases, two textbook files and the expected failures."""
    from verifier.cli import main

    root = Path(__file__).resolve().parents[2] / "cases"
    tmp = tmp_path_factory.mktemp("browser")
    cases = tmp / "cases"
    cases.mkdir()
    for name in ("00_seed.toml", "30_trig.toml", "80_expected_failures.toml"):
        shutil.copy(root / name, cases / name)
    out = tmp / "report"
    assert main(["run", str(cases), "--out", str(out), "--quiet"]) == 0
    return out / "index.html"


def test_index_html_tables_and_images_in_chromium(report, tmp_path):
    page = report.read_text(encoding="utf-8")
    n_tables = page.count("<table")
    n_images = page.count("<img ")
    n_sections = page.count('<section class="case')
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
    assert min(found["widths"]) > 100
    assert found["external"] == []

    shot = tmp_path / "report.png"
    done = chromium(
        "--screenshot=" + str(shot), "--window-size=1200,2000", report.as_uri(), tmp_path=tmp_path
    )
    assert shot.exists(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
