"""The teacher's pages (``/teacher``, behind ``VERIFIER_TEACHER_TOKEN``): the class table, the
commonest mistakes per problem, every submission as CSV and the gradebook as CSV.

The token is checked in constant time; a browser that gave it once keeps a cookie holding a
keyed digest of it (never the token), and a script may send ``Authorization: Bearer TOKEN``.

>>> rows = [{"student": "kim", "problem": "p1", "verdict": "incorrect", "mistake": "sign",
...          "points": 0.0, "max_points": 1.0},
...         {"student": "kim", "problem": "p1", "verdict": "correct", "mistake": None,
...          "points": 1.0, "max_points": 1.0}]
>>> gradebook(rows, ["p1", "p2"]).to_dict("records")
[{'student': 'kim', 'p1': 1.0, 'p2': 0.0, 'total': 1.0}]
>>> commonest_mistakes(rows, ["p1"])
[{'problem': 'p1', 'rows': [{'mistake': 'sign', 'count': 1}]}]
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from verifier.i18n import _, use_language
from verifier.serve.pages import page_language, read_form, render
from verifier.serve.service import Service

__all__ = ["commonest_mistakes", "gradebook", "router"]

router = APIRouter(include_in_schema=False)
_COOKIE = "verifier_teacher"


def gradebook(rows: Sequence[dict[str, Any]], problems: Sequence[str]) -> Any:
    """One row per student: the best points per problem and the total (a DataFrame)."""
    import pandas as pd

    best: dict[str, dict[str, float]] = {}
    for r in rows:
        mine = best.setdefault(r["student"], dict.fromkeys(problems, 0.0))
        if r["problem"] in mine:
            mine[r["problem"]] = max(mine[r["problem"]], float(r["points"]))
    records = [{"student": s, **pts, "total": sum(pts.values())} for s, pts in sorted(best.items())]
    return pd.DataFrame(records, columns=["student", *problems, "total"])


def commonest_mistakes(
    rows: Sequence[dict[str, Any]], problems: Sequence[str], top: int = 5
) -> list[dict[str, Any]]:
    """Per problem, the commonest named mistakes among wrong answers, most frequent first."""
    out = []
    for pid in problems:
        counts = Counter(
            r["mistake"] or _("no named mistake")
            for r in rows
            if r["problem"] == pid and r["verdict"] == "incorrect"
        )
        out.append(
            {
                "problem": pid,
                "rows": [{"mistake": m, "count": n} for m, n in counts.most_common(top)],
            }
        )
    return out


def _digest(token: str) -> str:
    return hmac.new(token.encode(), b"verifier teacher", hashlib.sha256).hexdigest()


def _allowed(request: Request) -> bool:
    token = request.app.state.service.settings.teacher_token
    if not token:
        return False
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer ") and hmac.compare_digest(
        auth[7:].strip().encode(), token.encode()
    ):
        return True
    cookie = request.cookies.get(_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _digest(token).encode())


def _login(request: Request, lang: str, message: str = "", status: int = 401) -> HTMLResponse:
    open_ = bool(request.app.state.service.settings.teacher_token)
    with use_language(lang):
        title = _("Teacher's page")
        if not open_:
            message = _(
                "The teacher's page is closed: start the service with VERIFIER_TEACHER_TOKEN set."
            )
            status = 403
    return render(
        "teacher.html", lang, status, title=title, login=True, open=open_, message=message
    )


async def _rows(request: Request) -> tuple[Service, list[dict[str, Any]], list[str]]:
    service: Service = request.app.state.service
    rows = await anyio.to_thread.run_sync(service.db.submissions)
    return service, rows, list(service.problems)


@router.get("/teacher", response_class=HTMLResponse)
async def teacher_page(request: Request) -> HTMLResponse:
    """The class table and the commonest mistakes (or the token form)."""
    lang = page_language(request)
    if not _allowed(request):
        return _login(request, lang)
    service, rows, problems = await _rows(request)
    book = gradebook(rows, problems)
    tried = {(r["student"], r["problem"]) for r in rows}
    table = []
    for rec in book.to_dict("records"):
        cells = []
        for pid in problems:
            got, of = rec[pid], service.problems[pid].points
            state = "full" if got >= of else "tried" if (rec["student"], pid) in tried else "none"
            cells.append({"state": state, "text": f"{got:g}/{of:g}" if state != "none" else "–"})
        table.append({"student": rec["student"], "cells": cells, "total": f"{rec['total']:g}"})
    with use_language(lang):
        mistakes = commonest_mistakes(rows, problems)
        title = _("Teacher's page")
    return render(
        "teacher.html", lang, title=title, login=False, count=len(rows), problems=problems,
        table=table, mistakes=mistakes,
    )  # fmt: skip


@router.post("/teacher/login", response_class=HTMLResponse)
async def teacher_login(request: Request) -> Response:
    """Check the token; on success a cookie and back to ``/teacher``."""
    form = await read_form(request)
    lang = page_language(request, form)
    token = request.app.state.service.settings.teacher_token
    given = form.get("token", "")
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        with use_language(lang):
            return _login(request, lang, _("That token is not right."))
    response = RedirectResponse(f"/teacher?lang={lang}", status_code=303)
    response.set_cookie(_COOKIE, _digest(token), httponly=True, samesite="strict", path="/teacher")
    return response


def _csv(frame: Any, name: str) -> Response:
    from verifier.report.tables import to_csv

    return Response(
        to_csv(frame),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.get("/teacher/submissions.csv")
async def submissions_csv(request: Request) -> Response:
    """Every submission, oldest first (cells a spreadsheet would run as formulas are quoted)."""
    if not _allowed(request):
        return _login(request, page_language(request))
    import pandas as pd

    _service, rows, _problems = await _rows(request)
    return _csv(pd.DataFrame(rows), "submissions.csv")


@router.get("/teacher/gradebook.csv")
async def gradebook_csv(request: Request) -> Response:
    """One row per student: the best points of each problem and the total."""
    if not _allowed(request):
        return _login(request, page_language(request))
    _service, rows, problems = await _rows(request)
    return _csv(gradebook(rows, problems), "gradebook.csv")
