"""Must-show 4 of the Korean classroom issue: a teacher page and a student page in headless
Chromium.  MathML is laid out as mathematics (every ``<math>`` has a non-zero size and a
fraction's numerator sits above its denominator), nothing is fetched and no link leaves the
folder, the Korean words are on the page, and a screenshot of each is saved under tmp_path.

Chromium is driven as in test_report_browser.py: a copy of the page gets a small checking
script, ``--dump-dom`` prints its findings.  Outside CI a missing Chromium skips these
tests; with ``CI=true`` it fails them (.ci/run installs Debian's chromium).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from required_tools import require
from test_report_browser import CHROMIUM, chromium

from verifier.homework.classroom import grade_class, load_problems
from verifier.i18n import use_language
from verifier.report.classpage import write_feedback

DATA = Path(__file__).parent.parent / "data" / "homework"
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture(autouse=True)
def _browser():
    require(CHROMIUM, "chromium", "chromium")


CHECK = """
<script>
window.addEventListener("load", function () {
  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  var maths = all("math");
  var fracs = all("mfrac").map(function (f) {
    var top = f.children[0].getBoundingClientRect(), bottom = f.children[1].getBoundingClientRect();
    return top.bottom <= bottom.top + 1;
  });
  var urls = [];
  all("[src],[href],[srcset],[action],[poster],[data]").forEach(function (el) {
    ["src", "href", "srcset", "action", "poster", "data"].forEach(function (a) {
      if (el.hasAttribute(a)) urls.push(el.getAttribute(a));
    });
  });
  var out = {
    lang: document.documentElement.lang,
    maths: maths.length,
    sizes: maths.map(function (m) {
      var r = m.getBoundingClientRect(); return [r.width, r.height];
    }),
    fractions_stacked: fracs,
    urls: urls,
    resources: performance.getEntriesByType("resource").map(function (r) { return r.name; }),
    scripts: document.scripts.length,
    text: document.body.innerText
  };
  var pre = document.createElement("pre");
  pre.id = "verifier-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A graded class in Korean: the fixture class plus a Korean student whose answers
    include a hostile one, written by write_feedback."""
    out = tmp_path_factory.mktemp("feedback")
    rows = (DATA / "class.csv").read_text(encoding="utf-8") + "".join(
        f"김민준,{p},{a},\n"
        for p, a in [("p2", "3x^2 e^x"), ("p3", '"<script>alert(1)</script>"'), ("p4", "1/x")]
    )
    (out / "class.csv").write_text(rows + '김민준,p5,"-1/(x+1)^2",\n', encoding="utf-8")
    graded = grade_class(out / "class.csv", load_problems(DATA / "problems.toml"))
    with use_language("ko"):
        paths = write_feedback(graded, out)
    return paths


def _check(page: Path, tmp_path: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text  # the pages have no script; the student's is escaped text
    checked = page.parent / f"checked-{page.name}"  # beside the page: its relative links hold
    checked.write_text(text.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    done = chromium(
        "--virtual-time-budget=10000", "--dump-dom", checked.as_uri(), tmp_path=tmp_path
    )
    checked.unlink()
    m = re.search(r'<pre id="verifier-check">(.*?)</pre>', done.stdout, re.S)
    assert m, f"the checking script did not run:\n{done.stderr[-2000:]}"
    return json.loads(
        m.group(1)
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def _no_way_out(found: dict) -> None:
    assert found["resources"] == []  # nothing was fetched: CSS inline, no images, no fonts
    for url in found["urls"]:  # links stay in the output folder
        assert not re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//|/|\.\.)", url), url


def _shot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / f"{page.stem}.png"
    done = chromium(
        f"--screenshot={shot}", "--window-size=900,1400", page.as_uri(), tmp_path=tmp_path
    )
    assert shot.exists(), done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_student_page_in_chromium(pages, tmp_path):
    page = pages["feedback"] / "김민준.html"
    found = _check(page, tmp_path)
    assert found["lang"] == "ko" and found["scripts"] == 1  # only the checking script
    # every problem's task, each answer as read and each step: at least 4 tasks + 3 answers
    assert found["maths"] >= 10
    assert all(w > 0 and h > 0 for w, h in found["sizes"]), found["sizes"]
    # laid out as MathML: d/dx is a real fraction (without MathML its parts sit side by side)
    assert found["fractions_stacked"] and all(found["fractions_stacked"])
    _no_way_out(found)
    text = found["text"]
    assert "김민준 학생의 피드백" in text and "아직 정답이 아니에요" in text
    assert "<script>alert(1)</script>" in text  # shown as the text the student typed
    assert len(HANGUL.findall(text)) > 100
    _shot(page, tmp_path)


def test_teacher_page_in_chromium(pages, tmp_path):
    page = pages["teacher"]
    found = _check(page, tmp_path)
    assert found["lang"] == "ko" and found["scripts"] == 1
    assert found["maths"] == 6  # one task per problem
    assert all(w > 0 and h > 0 for w, h in found["sizes"]), found["sizes"]
    assert all(found["fractions_stacked"])
    _no_way_out(found)
    links = [u for u in found["urls"] if u.startswith("feedback/")]
    assert len(links) == 6  # ann, bob, cem, dee, eve, 김민준
    assert all((page.parent / u).is_file() for u in links)
    text = found["text"]
    assert "학급 채점 보고서" in text and "점수 분포" in text and "문제별로 가장 흔한 실수" in text
    _shot(page, tmp_path)
