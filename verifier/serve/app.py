"""The ASGI application: :func:`create_app` puts the API, the pages, the guards and the error
handlers together around one :class:`~verifier.serve.service.Service`.

>>> app = create_app(Settings(database="sqlite://"))
>>> sorted(app.openapi()["paths"])[:3]
['/api/check', '/api/diff', '/api/health']
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from verifier import __version__
from verifier.errors import VerifierError
from verifier.i18n import _, use_language
from verifier.serve import api, pages, teacher
from verifier.serve.guards import BodyLimit, RateLimit
from verifier.serve.service import Service
from verifier.serve.settings import Settings
from verifier.serve.work import WorkFailed, error_dict

__all__ = ["create_app"]

_STATIC = Path(__file__).resolve().parent / "static"
#: every page and asset comes from this service: no script, style or font from elsewhere
_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _error(request: Request, status: int, error: dict[str, Any], **extra: Any) -> JSONResponse:
    headers = {"retry-after": "1"} if status == 503 else None
    return JSONResponse({"error": error, **extra}, status_code=status, headers=headers)


def _unreadable(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A body that is not the JSON the endpoint takes: 422, naming the field and the fix."""
    with use_language(api.request_language(request)):
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p != "body"]
        position = None
        if first.get("type") == "json_invalid":
            message = _("the request body is not valid JSON")
            position = next((int(p) for p in first.get("loc", ()) if isinstance(p, int)), None)
            hint = _('send a JSON object, e.g. {"function": "x^2", "answer": "2x"}')
        elif not loc:
            message = _("the request body is not a JSON object")
            hint = _('send a JSON object, e.g. {"function": "x^2", "answer": "2x"}')
        elif first.get("type") == "missing":
            message = _("the field {field!r} is missing").format(field=".".join(loc))
            hint = _("add it to the request body")
        else:
            message = _("the field {field!r} is not valid: {why}").format(
                field=".".join(loc), why=first.get("msg", "")
            )
            hint = _("see the API description at /docs")
        return _error(request, 422, {"message": message, "position": position, "hint": hint})


def _failed(request: Request, exc: WorkFailed) -> JSONResponse:
    return _error(request, exc.status, exc.error)


def _verifier_error(request: Request, exc: VerifierError) -> JSONResponse:
    return _error(request, 422, error_dict(exc))


def _http(request: Request, exc: HTTPException) -> JSONResponse:
    with use_language(api.request_language(request)):
        message = {
            404: _("there is nothing at {path}").format(path=request.url.path),
            405: _("{method} is not allowed here").format(method=request.method),
        }.get(exc.status_code, str(exc.detail))
        hint = _("see the API description at /docs")
    return _error(request, exc.status_code, {"message": message, "position": None, "hint": hint})


def _internal(request: Request, exc: Exception) -> JSONResponse:
    with use_language(api.request_language(request)):
        message = _("the service failed on this request ({kind})").format(kind=type(exc).__name__)
        hint = _("try again; if it keeps failing, tell your teacher")
    return _error(request, 500, {"message": message, "position": None, "hint": hint})


class _Headers:
    """Security headers on every response (the page's assets are all this service's own)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and not scope["path"].startswith("/docs"):
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", _POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service's application for ``settings`` (problems read and checked now; the
    database migrated and the workers started when the server starts it)."""
    settings = settings or Settings()
    service = Service(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.open()
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="verifier",
        version=__version__,
        description="Check derivatives: judge a student's answer, differentiate with steps, "
        "sweep finite differences. Errors are JSON: {error: {message, position, hint}}.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(teacher.router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.add_exception_handler(RequestValidationError, _unreadable)
    app.add_exception_handler(WorkFailed, _failed)
    app.add_exception_handler(VerifierError, _verifier_error)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _internal)
    app.add_middleware(_Headers)
    app.add_middleware(BodyLimit, limit=settings.max_body)
    app.add_middleware(RateLimit, rate=settings.rate, burst=settings.burst)
    return app
