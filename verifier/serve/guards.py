"""Guards in front of every request: a body size limit and a per-client rate limit.

Both are plain ASGI middleware, so they act before any body is parsed or any work is queued,
and answer with the service's JSON error (413 too large, 429 too many, with ``Retry-After``).

>>> bucket = TokenBuckets(rate=2.0, burst=2)
>>> [bucket.take("a", now=0.0) for _ in range(3)], bucket.take("b", now=0.0)
([0.0, 0.0, 0.5], 0.0)
>>> bucket.take("a", now=1.0)
0.0
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from typing import Any

from verifier.i18n import _, use_language

__all__ = ["BodyLimit", "RateLimit", "TokenBuckets", "error_body", "header_language"]


def header_language(value: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header (None when there is none).

    >>> header_language("ko-KR,ko;q=0.9,en;q=0.8"), header_language(None)
    ('ko-KR', None)
    """
    first = (value or "").split(",")[0].split(";")[0].strip()
    return first or None


def error_body(message: str, hint: str | None = None, position: int | None = None) -> bytes:
    """The JSON error every failure of the service answers with.

    >>> json.loads(error_body("too large", "send less"))
    {'error': {'message': 'too large', 'position': None, 'hint': 'send less'}}
    """
    err = {"message": message, "position": position, "hint": hint}
    return json.dumps({"error": err}, ensure_ascii=False).encode()


async def _send_error(send: Any, status: int, body: bytes, headers: list | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _lang(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            return header_language(value.decode("latin-1"))
    return None


class BodyLimit:
    """Refuse a request body over ``limit`` bytes with 413, by its Content-Length or as it
    streams in (a chunked body is read up to the limit, then refused; a body within it is
    handed on whole)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(scope, send)
                return
        messages: list[dict[str, Any]] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: the app sees it as it would
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replayed() -> dict[str, Any]:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)

    async def _refuse(self, scope: dict[str, Any], send: Any) -> None:
        with use_language(_lang(scope)):
            body = error_body(
                _("the request is larger than {limit} bytes").format(limit=self.limit),
                _("send a shorter answer"),
            )
        await _send_error(send, 413, body)


class TokenBuckets:
    """One token bucket per key: ``rate`` tokens a second, at most ``burst`` saved up.

    :meth:`take` spends one token and returns 0, or returns the seconds until one is due.
    The least recently seen keys are forgotten beyond ``keys`` (a full bucket is the same
    as a forgotten one).
    """

    def __init__(self, rate: float, burst: int, keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.keys = keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Spend a token of ``key``: 0.0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.keys:
                self._buckets.popitem(last=False)
        return wait


class RateLimit:
    """Answer 429 (with ``Retry-After``) to a client over its rate on ``/api/`` and form posts.

    The client is the connection's address (behind a proxy, uvicorn's ``--forwarded-allow-ips``
    makes it the forwarded one).  ``rate`` <= 0 turns the limit off.
    """

    def __init__(self, app: Any, rate: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate, burst) if rate > 0 else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.buckets is None or scope["type"] != "http" or not _limited(scope):
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("unknown", 0)
        wait = self.buckets.take(str(client[0]))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        with use_language(_lang(scope)):
            body = error_body(
                _("too many requests from your address"),
                _("wait {seconds} s and try again").format(seconds=seconds),
            )
        await _send_error(send, 429, body, [(b"retry-after", str(seconds).encode())])


def _limited(scope: dict[str, Any]) -> bool:
    path = scope.get("path", "")
    return path.startswith("/api/") and path != "/api/health" or scope.get("method") == "POST"
