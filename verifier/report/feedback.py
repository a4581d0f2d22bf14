"""A student's feedback page: each problem, the answer as read (MathML), what went wrong, the steps.

One self-contained HTML page per student (:func:`student_page`): inline CSS with a print
stylesheet, no script, nothing fetched from anywhere; mathematics is presentation MathML
(:func:`verifier.report.mathml.to_mathml`), which Chromium and Firefox draw natively.  Every
text a student typed is escaped.  The words come from :mod:`verifier.i18n` in the current
language (``--lang``).  :func:`safe_filename` names the page's file: any student id (Korean
names too) becomes one safe file name, never a path.

>>> import pandas as pd
>>> from verifier.homework.classroom import Problem, grade_class
>>> from verifier.homework.feedback import student_feedback
>>> subs = pd.DataFrame({"student": ["ann"], "problem": ["p"], "answer": ["<script>"]})
>>> page = student_page(student_feedback(grade_class(subs, [Problem("p", "x^2")]))[0])
>>> "<script>" in page, "&lt;script&gt;" in page, "<math" in page
(False, True, True)
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import sympy

from verifier.homework.feedback import (
    Attempt,
    ProblemFeedback,
    StudentFeedback,
    mistake_words,
    problem_derivation,
)
from verifier.i18n import N_, _, language
from verifier.limits import TimeUp, time_limit
from verifier.points import format_number, format_point
from verifier.report.mathml import to_mathml
from verifier.symbolic.rules import RULE_INFO, Derivatives, identity_of

__all__ = ["CSS", "html_page", "safe_filename", "student_page", "unique_filenames"]

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI","Apple SD Gothic Neo","Malgun Gothic",
 "Noto Sans CJK KR",sans-serif;margin:0 auto;max-width:52em;padding:0.8em 1em 2em;
 color:#1b1b1b;line-height:1.5;overflow-wrap:anywhere}
h1{font-size:1.4em;margin:0.2em 0}h2{font-size:1.15em;margin:0 0 0.3em}
h3{font-size:1em;margin:0.8em 0 0.2em}
math{font-size:1.1em}
.total{font-size:1.1em}.total b{font-size:1.3em}
section.problem{border:1px solid #d0d0d0;border-left:6px solid #adb5bd;border-radius:0.3em;
 margin:0.8em 0;padding:0.5em 0.9em;break-inside:avoid}
section.problem.correct{border-left-color:#2b8a3e}
section.problem.incorrect,section.problem.invalid{border-left-color:#c92a2a}
.points{color:#444;margin:0.1em 0}
.attempt{border-top:1px dashed #ccc;padding-top:0.3em;margin-top:0.3em}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:0.2em 0.9em;margin:0.3em 0}
dl.facts dt{color:#555}dl.facts dd{margin:0}
code{font-family:ui-monospace,monospace;background:#f1f3f5;padding:0 0.25em;border-radius:0.2em;
 white-space:pre-wrap}
.verdict{font-weight:bold;padding:0.05em 0.5em;border-radius:0.3em;color:white;
 background:#868e96;white-space:nowrap}
.verdict.correct{background:#2b8a3e}.verdict.incorrect{background:#c92a2a}
.verdict.invalid{background:#e67700}.verdict.error{background:#495057}
.hint{background:#fff9db;border-radius:0.3em;padding:0.1em 0.4em}
ol.steps,ol.steps ol{margin:0.2em 0;padding-left:1.4em}
ol.steps li{margin:0.15em 0}.rule{font-weight:600}.identity{color:#555;font-size:0.92em}
table{border-collapse:collapse;margin:0.4em 0}
th,td{border:1px solid #d0d0d0;padding:0.25em 0.6em;text-align:left;vertical-align:top}
th{background:#f1f3f5}
.bars svg{max-width:100%;height:auto}
footer{margin-top:1.5em;color:#666;font-size:0.85em}
@media print{
 body{max-width:none;padding:0;font-size:11pt;color:#000}
 a{color:#000;text-decoration:none}
 section.problem{border-color:#999;page-break-inside:avoid}
 .verdict{color:#000;background:none!important;border:1px solid #000}
 .hint{background:none;border:1px solid #999}
 nav,.noprint{display:none}
}
"""

_VERDICT_WORDS = {
    "correct": N_("Correct"),
    "incorrect": N_("Not correct yet"),
    "invalid": N_("Could not be read"),
    "error": N_("Not graded"),
}


def verdict_word(verdict: str) -> str:
    """A verdict in words for a student, in the current language.

    >>> from verifier.i18n import use_language
    >>> with use_language("en"):
    ...     verdict_word("incorrect")
    'Not correct yet'
    """
    return _(_VERDICT_WORDS.get(verdict, "Not graded"))


def e(text: Any) -> str:
    """Escape ``text`` for HTML (text and attributes).

    >>> e("<b>")
    '&lt;b&gt;'
    """
    return html.escape(str(text), quote=True)


def number(value: float) -> str:
    """A score as people write it: ``2``, ``1.5``.

    >>> number(2.0), number(1.25)
    ('2', '1.25')
    """
    return format_number(value, 6)


def html_page(title: str, body: str) -> str:
    """A whole self-contained page: the language, UTF-8, a viewport, the CSS, ``body``.

    >>> html_page("t", "<p>x</p>").startswith("<!DOCTYPE html>")
    True
    """
    return (
        f'<!DOCTYPE html>\n<html lang="{e(language())}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>\n{body}\n"
        + "<footer>"
        + e(_("Checked by verifier: symbolically (the rule engine) and at test points."))
        + "</footer></body></html>\n"
    )


# --------------------------------------------------------------------------- file names

_UNSAFE = re.compile(r"[^\w.-]+")  # \w: letters and digits of any script (Hangul too)
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


def safe_filename(student: str, max_length: int = 60) -> str:
    """A file name (no folder) for ``student``'s page: letters of any script, digits, ``-_.``.

    Separators, ``..``, control and other characters become ``_``; a leading dot goes; an
    empty or reserved (Windows device) name gets a prefix; the length is bounded.

    >>> safe_filename("김민준"), safe_filename("../../etc/passwd"), safe_filename("a b/c")
    ('김민준', 'etc_passwd', 'a_b_c')
    >>> safe_filename(""), safe_filename("CON"), safe_filename("..")
    ('student', 'student_CON', 'student')
    """
    text = unicodedata.normalize("NFC", str(student))
    text = _UNSAFE.sub("_", text).replace("..", "_")
    text = re.sub(r"_+", "_", text).strip("._-")
    text = text[:max_length].rstrip("._-")
    if not text:
        return "student"
    if text.split(".")[0].lower() in _RESERVED:
        return "student_" + text
    return text


def unique_filenames(students: Iterable[str]) -> dict[str, str]:
    """student -> ``NAME.html``, every name distinct even ignoring case (a name that two
    students would share gets a short hash of the student id).

    >>> unique_filenames(["a/b", "a b", "Ann", "ann"])
    {'a/b': 'a_b.html', 'a b': 'a_b-c8687a.html', 'Ann': 'Ann.html', 'ann': 'ann-49915e.html'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for student in students:
        base = name = safe_filename(student)
        digest = hashlib.sha256(str(student).encode("utf-8")).hexdigest()
        k = 6
        while name.lower() in taken:  # a longer hash if even that name is taken
            name, k = f"{base}-{digest[:k]}", k + 4
        taken.add(name.lower())
        out[student] = name + ".html"
    return out


# --------------------------------------------------------------------------- pieces


def math(expr: sympy.Basic) -> str:
    """MathML of ``expr``; the plain text when sympy cannot print it.

    >>> math(sympy.Symbol("x") ** 2).startswith("<math")
    True
    """
    try:
        return to_mathml(expr)
    except Exception:  # a display must not fail the page: fall back to escaped text
        return f"<code>{e(expr)}</code>"


def _body(expr: sympy.Basic) -> str | None:
    """The inside of ``expr``'s ``<math>`` element (None when sympy cannot print it)."""
    try:
        text = to_mathml(expr)
    except Exception:  # a display must not fail the page
        return None
    return text[text.index(">") + 1 : -len("</math>")]


def derivative_math(expr: sympy.Expr, var: sympy.Symbol, order: int = 1, result: Any = None) -> str:
    """d/dx (expr) [= result] as one ``<math>`` element; a sum is bracketed.

    >>> x = sympy.Symbol("x")
    >>> "<mo>(</mo>" in derivative_math(x**2 + x, x), "<mo>(</mo>" in derivative_math(x**2, x)
    (True, False)
    """
    inner = _body(expr)
    if inner is None:
        return f"<code>{e(expr)}</code>"
    top = "<mi>d</mi>" if order == 1 else f"<msup><mi>d</mi><mn>{order}</mn></msup>"
    v = f"<mi>{e(var.name)}</mi>"
    bottom = f"<mi>d</mi>{v}" if order == 1 else f"<mi>d</mi><msup>{v}<mn>{order}</mn></msup>"
    if isinstance(expr, sympy.Add):
        inner = f"<mo>(</mo>{inner}<mo>)</mo>"
    out = f"<mfrac>{top}<mrow>{bottom}</mrow></mfrac>{inner}"
    if result is not None:
        right = _body(result)
        out += f"<mo>=</mo>{right}" if right is not None else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow>{out}</mrow></math>'


@functools.lru_cache(maxsize=256)
def task_math(problem: Any) -> str:
    """The problem's task, d/dx f (or the n-th derivative), as MathML; text when unreadable.

    Cached per problem: a class's pages show each task once per student.

    >>> from verifier.homework.problems import Problem
    >>> "<msup><mi>d</mi><mn>2</mn></msup>" in task_math(Problem("p", "x^4", order=2))
    True
    """
    from verifier.expr import parse

    try:
        f = parse(problem.function, problem.all_variables())
    except Exception:  # the problem parsed when it was graded; a display never fails
        return f"<code>{e(problem.function)}</code>"
    var = sympy.Symbol(problem.variable)
    for s in f.free_symbols:
        if s.name == problem.variable:
            var = s
    return derivative_math(f, var, problem.order)


def _step_item(step: Any) -> str:
    label = RULE_INFO.get(step.rule, (step.rule, "", ""))[0]
    ident = identity_of(step)
    eq = derivative_math(step.expr, step.var, 1, step.result)
    out = '<li><span class="rule">' + e(_(label)) + f"</span>: {eq}"
    if ident:
        out += f' <span class="identity">({e(ident)})</span>'
    if step.substeps:
        out += "<ol>" + "".join(_step_item(s) for s in step.substeps) + "</ol>"
    return out + "</li>"


def steps_html(derivation: Any) -> str:
    """The rule engine's steps as nested lists, each step's equation in MathML.

    >>> from verifier.symbolic.rules import differentiate
    >>> html = steps_html(differentiate("x^3 e^x"))
    >>> html.count("<li>"), "<math" in html
    (3, True)
    """
    if derivation is None:
        return ""
    passes = derivation.passes if isinstance(derivation, Derivatives) else (derivation,)
    blocks = []
    for k, d in enumerate(passes, 1):
        head = ""
        if len(passes) > 1:
            head = "<h3>" + e(_("Pass {k} of {n}").format(k=k, n=len(passes))) + "</h3>"
        blocks.append(f'{head}<ol class="steps">{_step_item(d.step)}</ol>')
    result = math(derivation.result)
    blocks.append("<p>" + e(_("Result")) + f": {result}</p>")
    return "".join(blocks)


@functools.lru_cache(maxsize=256)
def _problem_steps(problem: Any, lang: str) -> str:
    """A problem's steps as HTML in ``lang`` (cached: every student's page shows them)."""
    return steps_html(problem_derivation(problem))


#: seconds to read an answer again and print it as MathML (it was read within the grading
#: budget once; this bounds the page's work on a hostile answer, which is then shown as text)
SHOW_SECONDS = 2.0


@functools.lru_cache(maxsize=4096)
def _answer_math(read_as: str, variables: tuple[str, ...]) -> str | None:
    """An answer as read, as MathML (cached: a class types the same answers many times)."""
    probe = Attempt("", "", read_as, "", "", "", None, 0.0)
    try:
        with time_limit(SHOW_SECONDS):
            expr = probe.expression(variables)
            return None if expr is None else math(expr)
    except TimeUp:
        return None


def counterexample_text(attempt: Attempt) -> str:
    """Where the answer and the derivative differ, in words (current language).

    >>> from verifier.homework.grade import Counterexample
    >>> from verifier.i18n import use_language
    >>> a = Attempt("p", "x", "x", "incorrect", "", "", Counterexample({"x": 0.5}, 1.0, 0.5), 0.0)
    >>> with use_language("en"):
    ...     counterexample_text(a)
    'At x = 0.5 the derivative is 1, but your answer gives 0.5.'
    """
    ce = attempt.counterexample
    if ce is None:
        return ""
    where = format_point(ce.point, list(ce.point))
    if ce.answer is None:
        return _(
            "At {point} the derivative is {correct}, but your answer is not defined there."
        ).format(point=where, correct=format_number(ce.correct, 8))
    return _("At {point} the derivative is {correct}, but your answer gives {answer}.").format(
        point=where, correct=format_number(ce.correct, 8), answer=format_number(ce.answer, 8)
    )


def _hint(attempt: Attempt) -> str:
    if attempt.mistake:
        return _(mistake_words(attempt.mistake)[1])
    if attempt.verdict == "incorrect":
        return _(
            "Work through the correct steps below and find the first step where yours differs."
        )
    if attempt.verdict == "invalid":
        return _("Check how the answer is typed: brackets, * for products, ^ for powers.")
    return ""


def attempt_html(attempt: Attempt, variables: tuple[str, ...]) -> str:
    """One answer: as typed, as read (MathML), the verdict, the counterexample, mistake, hint.

    >>> from verifier.i18n import use_language
    >>> with use_language("en"):
    ...     html = attempt_html(Attempt("p", "2x", "2x", "correct", "", "", None, 1.0), ("x",))
    >>> "<code>2x</code>" in html and "Correct" in html
    True
    """
    rows = [(_("Your answer"), f"<code>{e(attempt.answer)}</code>")]
    shown = _answer_math(attempt.read_as, tuple(variables))
    if shown is not None:
        rows.append((_("Read as"), shown))
    verdict = (
        f'<span class="verdict {e(attempt.verdict)}">{e(verdict_word(attempt.verdict))}</span>'
    )
    rows.append((_("Verdict"), verdict))
    if attempt.verdict in ("invalid", "error"):
        rows.append((_("Why"), e(attempt.reason)))
    if attempt.counterexample is not None:
        rows.append((_("Where it differs"), e(counterexample_text(attempt))))
    if attempt.mistake:
        description = mistake_words(attempt.mistake)[0]
        rows.append((_("Likely mistake"), e(_(description) if description else attempt.mistake)))
    hint = _hint(attempt)
    if hint:
        rows.append((_("Hint"), f'<span class="hint">{e(hint)}</span>'))
    rows.append((_("Score"), e(number(attempt.score))))
    facts = "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<div class="attempt"><dl class="facts">{facts}</dl></div>'


def _problem_class(item: ProblemFeedback) -> str:
    if not item.attempts:
        return "unanswered"
    if any(a.ok for a in item.attempts):
        return "correct"
    return "incorrect" if any(a.verdict == "incorrect" for a in item.attempts) else "invalid"


def problem_html(item: ProblemFeedback, index: int) -> str:
    """One problem's section: the task, the points, each attempt, the correct steps.

    >>> from verifier.homework.problems import Problem
    >>> from verifier.i18n import use_language
    >>> with use_language("en"):
    ...     html = problem_html(ProblemFeedback(Problem("p1", "x^2"), ()), 1)
    >>> "You did not answer this problem." in html and "power rule" in html
    True
    """
    p = item.problem
    head = _("Problem {id}").format(id=p.id)
    points = _("{score} of {points} points").format(
        score=number(item.score), points=number(p.points)
    )
    parts = [
        f'<section class="problem {_problem_class(item)}" id="problem-{index}">',
        f"<h2>{e(head)}: {task_math(p)}</h2>",
        f'<p class="points">{e(points)}</p>',
    ]
    if not item.attempts:
        parts.append("<p>" + e(_("You did not answer this problem.")) + "</p>")
    parts += [attempt_html(a, p.all_variables()) for a in item.attempts]
    steps = _problem_steps(p, language())
    if steps:
        parts.append("<h3>" + e(_("The correct steps")) + f"</h3>{steps}")
    parts.append("</section>")
    return "".join(parts)


def student_page(feedback: StudentFeedback) -> str:
    """The whole page of one student (see the module's docstring).

    >>> from verifier.homework.problems import Problem
    >>> student_page(StudentFeedback("ann", (ProblemFeedback(Problem("p", "x^2"), ()),)))[:15]
    '<!DOCTYPE html>'
    """
    title = _("Feedback for {student}").format(student=feedback.student)
    total = _("Your score: {score} of {points} points").format(
        score=number(feedback.score), points=number(feedback.max_score)
    )
    body = [f"<h1>{e(title)}</h1>", f'<p class="total">{e(total)}</p>']
    body += [problem_html(item, i) for i, item in enumerate(feedback.problems, 1)]
    if feedback.unmatched:
        body.append(
            '<section class="problem invalid"><h2>'
            + e(_("Answers to no problem of this set"))
            + "</h2>"
            + "".join(
                "<p>" + e(_("Problem {id}").format(id=a.problem)) + "</p>" + attempt_html(a, ())
                for a in feedback.unmatched
            )
            + "</section>"
        )
    return html_page(title, "\n".join(body))
