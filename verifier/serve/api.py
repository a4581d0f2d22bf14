"""The JSON API: ``/api/check``, ``/api/read``, ``/api/diff``, ``/api/sweep``,
``/api/problems``, ``/api/submissions``, ``/api/health``.

Every endpoint is thin: it validates the body (:mod:`verifier.serve.schemas`), asks the
:class:`~verifier.serve.service.Service` for the work and shapes the answer.  Statuses: 200
(201 for a recorded submission); 422 when the input cannot be read (the body, an expression or
an answer; an unreadable answer still says ``"verdict": "invalid"``, as ``verifier check``
does); 404 an unknown problem; 413, 429 from the guards; 503 over the time budget.  Every
error body is ``{"error": {"message", "position", "hint"}}``, the CLI's message split up.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from verifier import __version__
from verifier.serve.guards import header_language
from verifier.serve.schemas import (
    CheckRequest,
    DiffRequest,
    ReadRequest,
    SubmissionRequest,
    SweepRequest,
)
from verifier.serve.service import Service
from verifier.serve.work import WorkFailed, check_unit, diff_unit, read_unit, sweep_unit

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])


def _service(request: Request) -> Service:
    return request.app.state.service


def request_language(request: Request, asked: str | None = None) -> str | None:
    """The language a request asked for: the body's ``lang``, ``?lang=``, Accept-Language."""
    return (
        asked
        or request.query_params.get("lang")
        or header_language(request.headers.get("accept-language"))
    )


def _graded(grade: dict[str, Any], status: int = 200) -> JSONResponse:
    """A grade as the response: 422 when the answer could not be read (verdict invalid)."""
    if grade["verdict"] == "invalid":
        return JSONResponse(grade, status_code=422)
    return JSONResponse(grade, status_code=status)


@router.post("/check", summary="judge an answer as the derivative of a function")
async def check(body: CheckRequest, request: Request) -> JSONResponse:
    """The verdict ``verifier check`` gives, with how the answer was read (text, LaTeX, MathML),
    warnings, the reason, a counterexample, the likely mistake and hint, and the steps."""
    req = {**body.payload(), "lang": request_language(request, body.lang)}
    return _graded(await _service(request).run("check", check_unit, req))


@router.post("/read", summary="how an answer is read (the live preview)")
async def read(body: ReadRequest, request: Request) -> JSONResponse:
    """The answer as text, LaTeX and MathML, with the parser's warnings; 422 with the message,
    position and hint when it cannot be read."""
    req = {**body.payload(), "lang": request_language(request, body.lang)}
    return JSONResponse(await _service(request).run("read", read_unit, req))


@router.post("/diff", summary="the derivative, with the rules' steps")
async def diff(body: DiffRequest, request: Request) -> JSONResponse:
    """``verifier diff --format json``, plus the derivative as text, LaTeX and MathML."""
    req = {**body.payload(), "lang": request_language(request, body.lang)}
    return JSONResponse(await _service(request).run("diff", diff_unit, req))


@router.post("/sweep", summary="finite-difference error against the step h, with its figure")
async def sweep(body: SweepRequest, request: Request) -> JSONResponse:
    """``verifier sweep --format json`` (frame, analysis, verdict) and the figure as SVG."""
    req = {**body.payload(), "lang": request_language(request, body.lang)}
    return JSONResponse(await _service(request).run("sweep", sweep_unit, req))


@router.get("/problems", summary="the problems students may answer")
async def problems(request: Request) -> list[dict[str, Any]]:
    """Each problem: id, function (text and MathML), variable(s), order and points."""
    service = _service(request)
    return [
        {
            "id": p.id,
            "function": p.function,
            "function_text": service.shown[p.id]["text"],
            "function_mathml": service.shown[p.id]["mathml"],
            "variable": p.variable,
            "variables": list(p.all_variables()),
            "order": p.order,
            "points": p.points,
        }
        for p in service.problems.values()
    ]


@router.post("/submissions", status_code=201, summary="judge and record a student's answer")
async def submit(body: SubmissionRequest, request: Request) -> JSONResponse:
    """The grade, the points earned and the stored submission's ``id`` (201).  An answer that
    cannot be read is not recorded (422, verdict invalid): the student retypes it."""
    service = _service(request)
    try:
        out = await service.submit(
            body.student, body.problem, body.answer, request_language(request, body.lang)
        )
    except WorkFailed as exc:
        if exc.extra:
            return _graded(exc.extra)
        raise
    return JSONResponse(out, status_code=201)


@router.get("/health", summary="is the service up")
async def health(request: Request) -> JSONResponse:
    """Version, problems, worker processes, cached results and the database's revision;
    503 when the database does not answer (a load balancer takes the process out)."""
    import anyio.to_thread

    service = _service(request)
    ok = await anyio.to_thread.run_sync(service.db.ping)
    body = {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "problems": len(service.problems),
        "workers": service.settings.workers,
        "cached": len(service.cache),
        "database": {
            "ok": ok,
            "backend": service.db.url.get_backend_name(),
            "revision": await anyio.to_thread.run_sync(service.db.revision) if ok else None,
        },
    }
    return JSONResponse(body, status_code=200 if ok else 503)
