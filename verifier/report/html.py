"""The HTML page a teacher reads: the summary first, then one collapsible card per case.

Order of the page: the title and the counts, the cases that did not hold (links), a filter
by status and a search box, the cards (cases that did not hold first, open; the rest
closed), the homework answers in their own table, then the notes.  A card holds the
function, the claim, the verdict in words with its reason, the figures (SVG or PNG,
embedded), the derivation steps and the tables.

Self-contained: inline CSS and one inline script (the filter); images are ``data:`` URIs;
nothing is fetched from anywhere.  Every text is escaped.  Wide tables and derivations
scroll inside their own box, so the page has no horizontal scroll at phone or desktop width.

>>> from verifier.report.page import Section
>>> page = render_page(summary={"cases": 1, "failed": 1}, sections=[Section("a", "a", "fail")])
>>> page.startswith("<!DOCTYPE html>"), 'data-status="fail"' in page, "http" in page
(True, True, False)
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from verifier.i18n import N_, _, language
from verifier.points import format_number

__all__ = ["HELD", "VERDICT_WORDS", "card_html", "render_page", "table_html"]

#: verdicts that held (a card of any other verdict is listed at the top and opened)
HELD = ("pass", "xfail-caught")
#: a verdict in words, for a reader who does not know the labels
VERDICT_WORDS = {
    "pass": N_("Holds"),
    "fail": N_("Fails"),
    "inconclusive": N_("Inconclusive (not a pass)"),
    "error": N_("Error: the case could not run"),
    "xfail-caught": N_("Expected failure, caught"),
    "xfail-missed": N_("Expected failure, missed (a checker bug)"),
}
# status filter: value -> (label, verdicts shown; empty = all)
_FILTERS = (
    ("all", N_("all cases"), ()),
    ("notheld", N_("did not hold"), ("fail", "error", "xfail-missed", "inconclusive")),
    ("fail", N_("failed"), ("fail", "xfail-missed")),
    ("inconclusive", N_("inconclusive"), ("inconclusive",)),
    ("error", N_("errors"), ("error",)),
    ("pass", N_("passed"), ("pass",)),
    ("xfail-caught", N_("expected failures caught"), ("xfail-caught",)),
)

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:76em;
 padding:0.6em 1em 2em;color:#1b1b1b;line-height:1.4;overflow-wrap:anywhere}
h1{font-size:1.35em;margin:0.2em 0 0.3em}h2{font-size:1.15em;margin:1.2em 0 0.4em}
.tiles{display:flex;flex-wrap:wrap;gap:0.4em;margin:0.3em 0}
.tile{border:1px solid #d0d0d0;border-radius:0.4em;padding:0.15em 0.6em;background:#f8f9fa}
.tile b{font-size:1.15em;margin-right:0.25em}
.tile.bad{border-color:#c92a2a;background:#fff5f5}
.fails{margin:0.3em 0}.fails a{margin-right:0.6em;white-space:nowrap}
.controls{display:flex;flex-wrap:wrap;gap:0.5em;align-items:center;padding:0.4em 0;
 border-bottom:1px solid #ddd;margin-bottom:0.5em}
.controls input{min-width:12em;flex:1 1 12em;font-size:1em;padding:0.2em 0.4em}
.controls select{font-size:1em}
details.case{border:1px solid #d0d0d0;border-left:5px solid #adb5bd;border-radius:0.3em;
 margin:0.5em 0;padding:0.1em 0.8em}
details.case>summary{cursor:pointer;padding:0.35em 0;font-weight:600}
details.case.pass,details.case.xfail-caught{border-left-color:#2b8a3e}
details.case.fail,details.case.error,details.case.xfail-missed{border-left-color:#c92a2a}
details.case.inconclusive{border-left-color:#e67700}
.why{font-weight:normal;color:#555}
.verdict{font-weight:bold;padding:0.05em 0.45em;border-radius:0.3em;color:white;
 background:#868e96;white-space:nowrap;font-size:0.9em}
.verdict.pass,.verdict.xfail-caught,.verdict.correct{background:#2b8a3e}
.verdict.fail,.verdict.error,.verdict.xfail-missed{background:#c92a2a}
.verdict.inconclusive{background:#e67700}.verdict.incorrect{background:#5f3dc4}
.words{font-weight:600}.reason{color:#444}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:0.1em 0.8em;margin:0.3em 0}
dl.facts dt{color:#555}dl.facts dd{margin:0;font-family:ui-monospace,monospace}
figure{margin:0.5em 0}figcaption{color:#555;font-size:0.9em}
img{max-width:100%;height:auto;border:1px solid #e0e0e0;display:block}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:0.4em 0;font-size:0.86em}
th,td{border:1px solid #d0d0d0;padding:0.2em 0.5em;text-align:left;vertical-align:top}
th{background:#f1f3f5}tbody tr:nth-child(even){background:#fafafa}
pre{background:#f6f8fa;padding:0.6em;overflow-x:auto;font-size:0.85em;max-width:100%}
details.more>summary{cursor:pointer;color:#333}
.hidden{display:none!important}
"""

_SCRIPT = """
(function(){
var sel=document.getElementById("status"),q=document.getElementById("q"),
    n=document.getElementById("shown"),groups=%s;
function apply(){
  var want=groups[sel.value]||[],text=q.value.toLowerCase(),shown=0;
  document.querySelectorAll("[data-status]").forEach(function(el){
    var ok=(want.length===0||want.indexOf(el.dataset.status)>=0)&&
           (!text||el.dataset.text.indexOf(text)>=0);
    el.classList.toggle("hidden",!ok);if(ok)shown++;
  });
  n.textContent=shown+" shown";
}
sel.addEventListener("change",apply);q.addEventListener("input",apply);apply();
})();
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "section"


def _badge(verdict: str) -> str:
    return f'<span class="verdict {_e(verdict)}">{_e(verdict)}</span>'


def table_html(frame: Any, max_rows: int = 2000) -> str:
    """A DataFrame as an escaped HTML table in a box that scrolls sideways when wide."""
    if frame is None or len(frame.columns) == 0:
        return "<p><em>(empty)</em></p>"
    shown = frame if len(frame) <= max_rows else frame.head(max_rows)
    # written here, not by DataFrame.to_html: a report has ~200 small tables and pandas'
    # writer costs milliseconds each
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    out = f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    if len(frame) > max_rows:
        out += f"<p><em>{len(frame) - max_rows} more rows in the CSV file.</em></p>"
    return f'<div class="scroll">{out}</div>'


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return _e(format_number(value, 6))
    return _e(value)


def _image(caption: str, data: bytes | str) -> str:
    if isinstance(data, str):  # SVG text
        uri = "data:image/svg+xml;base64," + base64.b64encode(data.encode()).decode("ascii")
    else:
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return (
        f'<figure><img src="{uri}" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption>'
        "</figure>"
    )


def card_html(s: Any) -> str:
    """One case's card (a :class:`~verifier.report.page.Section`) as HTML; its ``html`` if set.

    >>> from verifier.report.page import Section
    >>> card_html(Section("a", "a", "fail", reason="off")).startswith('<details class="case fail"')
    True
    """
    if getattr(s, "html", ""):
        return s.html
    held = s.verdict in HELD
    text = " ".join((s.nav or s.title, s.title, s.verdict, s.description, s.reason)).lower()
    parts = [
        f'<details class="case {_e(s.verdict)}" id="{_e(_anchor(s.anchor))}" '
        f'data-status="{_e(s.verdict)}" data-text="{_e(text)}"{"" if held else " open"}>',
        f"<summary>{_e(s.title)} {_badge(s.verdict)}",
    ]
    parts.append("</summary>")
    words = f'<span class="words">{_e(_(VERDICT_WORDS.get(s.verdict, s.verdict)))}</span>'
    reason = f': <span class="reason">{_e(s.reason)}</span>' if s.reason else ""
    parts.append(f"<p>{words}{reason}</p>")
    facts = list(getattr(s, "facts", ()))
    if s.description and not facts:
        facts = [(_("about"), s.description)]
    if facts:
        parts.append('<dl class="facts">')
        parts += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts]
        parts.append("</dl>")
    for caption, data in (*getattr(s, "figures", ()), *s.images):
        parts.append(_image(caption, data))
    if s.text:
        steps = _("Derivation steps")
        parts.append(
            f'<details class="more"><summary>{_e(steps)}</summary><pre>{_e(s.text)}</pre></details>'
        )
    for caption, frame in s.tables:
        parts.append(
            f'<details class="more" open><summary>{_e(caption)}</summary>{table_html(frame)}'
            "</details>"
        )
    parts.append("</details>")
    return "\n".join(parts)


def _tiles(summary: Mapping[str, Any]) -> str:
    bad_keys = ("failed", "errors", "inconclusive", "expected-fail missed", "invalid files")
    out = ['<div class="tiles">']
    for k, v in summary.items():
        bad = k in bad_keys and v not in (0, "0", None)
        value = format_number(v, 4) if isinstance(v, float) else v
        out.append(f'<span class="tile{" bad" if bad else ""}"><b>{_e(value)}</b>{_e(k)}</span>')
    out.append("</div>")
    return "".join(out)


def _homework_table(rows: Sequence[Mapping[str, Any]]) -> str:
    head = (N_("case"), N_("function"), N_("answer"), N_("read as"), N_("student"), N_("mistake"))
    out = [
        '<div class="scroll"><table><thead><tr>',
        *(f"<th>{_e(_(h))}</th>" for h in (*head, N_("test"))),
        "</tr></thead><tbody>",
    ]
    for r in rows:
        text = " ".join(str(r.get(k) or "") for k in ("case", "function", "answer", "reason"))
        out.append(
            f'<tr id="{_e(_anchor(r["anchor"]))}" data-status="{_e(r["test"])}" '
            f'data-text="{_e(text.lower())}">'
        )
        cells = [
            _e(r["case"]),
            f"<code>{_e(r.get('function') or '')}</code>",
            f"<code>{_e(r.get('answer') or '')}</code>",
            f"<code>{_e(r.get('read_as') or '')}</code>",
            _badge(r["student"]) if r.get("student") else "",
            _e(r.get("mistake") or "")
            + (f"<br><small>{_e(r['hint'])}</small>" if r.get("hint") else ""),
            _badge(r["test"])
            + (f"<br><small>{_e(r['reason'])}</small>" if r.get("reason") else ""),
        ]
        out += [f"<td>{c}</td>" for c in cells]
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def render_page(
    *,
    summary: Mapping[str, Any],
    sections: Sequence[Any] = (),
    homework: Sequence[Mapping[str, Any]] = (),
    title: str = "verifier report",
    notes: Sequence[str] = (),
    files: Sequence[str] = (),
) -> str:
    """The page (see the module docstring).

    ``homework``: one mapping per homework case with ``anchor, case, function, answer,
    read_as, student`` (the grader's correct/incorrect), ``mistake, hint, test`` (the
    case's verdict: did the grader do what the case expects) and ``reason``.
    """
    import json

    bad = [s for s in sections if s.verdict not in HELD]
    bad_hw = [r for r in homework if r["test"] not in HELD]
    ordered = bad + [s for s in sections if s.verdict in HELD]
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f'<h1>{_e(title)}</h1><section id="summary">{_tiles(summary)}',
    ]
    links = [(s.anchor, s.nav or s.title, s.verdict) for s in bad]
    links += [(r["anchor"], r["case"], r["test"]) for r in bad_hw]
    if links:
        held = _("Did not hold ({n}):").format(n=len(links))
        parts.append(f'<p class="fails"><b>{_e(held)}</b> ')
        parts += [f'<a href="#{_e(_anchor(a))}">{_e(n)}</a>{_badge(v)} ' for a, n, v in links]
        parts.append("</p>")
    else:
        held = _("Every case held.")
        parts.append(f'<p class="fails"><b>{_e(held)}</b></p>')
    parts += [f'<p class="reason">{_e(n)}</p>' for n in notes]
    parts.append("</section>")
    groups = {value: list(verdicts) for value, _label, verdicts in _FILTERS}
    options = "".join(
        f'<option value="{v}">{_e(_(label))}</option>' for v, label, _shown in _FILTERS
    )
    every = _("every row and estimate: {files}").format(files=", ".join(files))
    show, search = _("Show"), _("search")
    placeholder = _("search cases, functions, reasons")
    parts.append(
        f'<div class="controls" role="search"><label>{_e(show)} <select id="status">'
        f"{options}</select></label>"
        f'<input id="q" type="search" placeholder="{_e(placeholder)}" '
        f'aria-label="{_e(search)}"><span id="shown"></span>'
        + (f"<small>{_e(every)}</small>" if files else "")
        + "</div>"
    )
    if ordered:
        parts.append('<main id="cases">')
        parts += [card_html(s) for s in ordered]
        parts.append("</main>")
    if homework:
        homework_title = _("Homework answers")
        parts.append(f'<h2 id="homework">{_e(homework_title)}</h2>')
        explained = _(
            "student: the grader's verdict on the answer; test: whether the grader "
            "gave the verdict (and mistake) the case expects."
        )
        parts.append(f"<p>{_e(explained)}</p>")
        parts.append(_homework_table(homework))
    parts.append(f"<script>{_SCRIPT % json.dumps(groups)}</script>")
    parts.append("</body></html>")
    return "\n".join(parts)
