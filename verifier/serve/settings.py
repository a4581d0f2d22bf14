"""How one ``verifier serve`` process is set up: problems, database, limits, the teacher's token.

>>> s = Settings()
>>> s.time_limit, s.max_body, s.problems.name
(2.0, 65536, 'problems.toml')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from verifier.serve.db import DEFAULT_URL

__all__ = ["DEFAULT_PROBLEMS", "Settings"]

#: the problems a fresh service offers (``--problems`` replaces them)
DEFAULT_PROBLEMS = Path(__file__).resolve().parent / "problems.toml"


def _token() -> str | None:
    return os.environ.get("VERIFIER_TEACHER_TOKEN") or None


@dataclass(frozen=True)
class Settings:
    """Everything a service needs to start; the defaults are a classroom's.

    * ``time_limit``: seconds one answer, expression or sweep may take (the CLI's default);
      past it the worker doing it is killed and the client gets 503;
    * ``max_body``: the largest request body in bytes (413 beyond);
    * ``rate`` / ``burst``: requests a second per client address, and how many may come at
      once (429 beyond; ``rate`` 0 turns the limit off); a class behind one school address
      shares it, so the default allows a classroom's live previews;
    * ``workers``: worker processes that check answers (default: one per CPU);
    * ``teacher_token``: the token of ``/teacher`` (``VERIFIER_TEACHER_TOKEN``; unset: the
      teacher pages are closed).
    """

    problems: Path = DEFAULT_PROBLEMS
    database: str = DEFAULT_URL
    time_limit: float = 2.0
    max_body: int = 64 * 1024
    rate: float = 20.0
    burst: int = 100
    workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    teacher_token: str | None = field(default_factory=_token)
    cache_size: int = 20_000
