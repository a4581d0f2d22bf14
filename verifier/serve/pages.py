"""The student page (``/``): pick a problem, type an answer, see how it is read, submit, read
the feedback; in English or Korean, and complete without JavaScript (a plain form POST that
answers with the feedback page; with JavaScript, ``static/app.js`` adds the live preview).

The page is rendered from the package's Jinja templates; every sentence goes through
:mod:`verifier.i18n` in the request's language.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from verifier.i18n import N_, _, ngettext, resolve_language, use_language
from verifier.serve.guards import header_language
from verifier.serve.service import Service
from verifier.serve.work import WorkFailed

__all__ = ["page_language", "read_form", "render", "router"]

router = APIRouter(include_in_schema=False)

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals.update(_=lambda s: _(s), ngettext=lambda s, p, n: ngettext(s, p, n))


def page_language(request: Request, form: dict[str, str] | None = None) -> str:
    """A page's language: ``?lang=``, the form's ``lang``, the browser's Accept-Language."""
    asked = request.query_params.get("lang") or (form or {}).get("lang")
    return resolve_language(asked or header_language(request.headers.get("accept-language")))


def render(template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered in ``lang`` as an HTML response."""
    with use_language(lang):
        html = _ENV.get_template(template).render(lang=lang, **context)
    return HTMLResponse(html, status_code=status)


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as a dict (the last value of each name)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v for k, v in urllib.parse.parse_qsl(body, keep_blank_values=True)}


def _points(value: float) -> str:
    return f"{value:g}"


def _problems(service: Service) -> list[dict[str, Any]]:
    out = []
    for p in service.problems.values():
        mathml = Markup(service.shown[p.id]["mathml"])  # our own MathML, escaped by sympy
        prime = "'" * p.order if p.order <= 3 else f"^({p.order})"
        if p.variables and len(p.variables) > 1:
            text = _("find ∂f/∂{var} for f = {f}")
        else:
            text = _("find f{prime}({var}) for f({var}) = {f}")
        task = Markup(text).format(prime=prime, var=p.variable, f=mathml)  # escapes the rest
        out.append(
            {
                "id": p.id,
                "task": task,
                "variable": p.variable,
                "variables": p.all_variables(),
                "points_int": 1 if p.points == 1 else 2,
                "points_text": _points(p.points),
            }
        )
    return out


_HEADINGS = {  # translated where shown
    "correct": N_("Correct! Well done."),
    "incorrect": N_("Not quite: this is not the derivative."),
    "invalid": N_("We could not read your answer."),
    "busy": N_("Checking took too long."),
}


def _result(grade: dict[str, Any] | None, failed: WorkFailed | None) -> dict[str, Any]:
    """What the feedback section shows, from a grade or a failure."""
    if failed is not None and grade is None:
        verdict = "busy" if failed.status == 503 else "invalid"
        return {
            "verdict": verdict,
            "heading": _(_HEADINGS[verdict]),  # no literal inside _(): old extractors take it
            "error": failed.error,
            "warnings": [],
            "points": None,
        }
    assert grade is not None
    error = grade.get("error")
    caret = ""
    if error and error.get("position") is not None:
        caret = grade["answer"][:120] + "\n" + " " * min(error["position"], 120) + "^"
    return {
        **grade,
        "heading": _(_HEADINGS[grade["verdict"]]),
        "caret": caret,
        "warnings": grade.get("warnings", []),
        # an incorrect answer: the counterexample (the mistake and its hint follow on their own)
        "reason": None
        if grade["verdict"] == "invalid"
        else grade.get("counterexample_text") or grade["reason"],
        "points": _points(grade["points"]) if "points" in grade else None,
        "max_points": _points(grade.get("max_points", 0)),
    }


def _student_page(
    request: Request,
    lang: str,
    *,
    status: int = 200,
    chosen: str | None = None,
    student: str = "",
    answer: str = "",
    result: dict[str, Any] | None = None,
) -> HTMLResponse:
    service: Service = request.app.state.service
    with use_language(lang):
        problems = _problems(service)
        title = _("Check your derivative")
    if chosen not in service.problems:
        chosen = next(iter(service.problems), None)
    return render(
        "student.html", lang, status, title=title, problems=problems, chosen=chosen,
        student=student, answer=answer, result=result,
    )  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def student_page(request: Request) -> HTMLResponse:
    """The form: problems, name, answer, the preview (with JavaScript), the submit button."""
    return _student_page(
        request, page_language(request), chosen=request.query_params.get("problem")
    )


@router.post("/", response_class=HTMLResponse)
async def submit_form(request: Request) -> HTMLResponse:
    """The form's POST: judge and record the answer, answer with the feedback page."""
    form = await read_form(request)
    lang = page_language(request, form)
    service: Service = request.app.state.service
    student, pid, answer = (form.get(k, "") for k in ("student", "problem", "answer"))
    grade, failed, status = None, None, 200
    try:
        if not student.strip() or not answer.strip() or pid not in service.problems:
            with use_language(lang):
                missing = _("write your name, pick a problem and type your answer")
            raise WorkFailed(422, {"message": missing, "position": None, "hint": None})
        grade = await service.submit(student[:200], pid, answer[:20_000], lang)
    except WorkFailed as exc:
        failed, status = exc, exc.status
        grade = exc.extra or None
    with use_language(lang):
        result = _result(grade, failed)
    return _student_page(
        request, lang, status=status, chosen=pid, student=student, answer=answer, result=result
    )
