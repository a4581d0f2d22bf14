"""Shared by the serve tests: an in-process client of a fresh service, and a free port."""

from __future__ import annotations

import contextlib
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

from verifier.serve import Settings, create_app


def free_port() -> int:
    """A TCP port nobody listens on at the moment (on the loopback interface)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def client(tmp_path: Path, **settings: object) -> Iterator[object]:
    """A TestClient of a service with a SQLite file under ``tmp_path`` (rate limit off unless
    asked); the service starts (migration, workers) on entry and stops on exit.

    The time budget is generous (20 s, not the 2 s default) so that a first sweep on a
    machine loaded by other work is not over it; the 503 test sets its own."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test client's notes on its HTTP library
        from fastapi.testclient import TestClient

    options = {
        "database": f"sqlite:///{tmp_path / 'serve.sqlite'}",
        "rate": 0.0,
        "workers": 2,
        "time_limit": 20.0,
    }
    options.update(settings)
    app = create_app(Settings(**options))
    with TestClient(app) as c:
        yield c


def slow_check_unit(req: dict) -> dict:
    """``check_unit``, except that the answer ``slow`` holds its worker until its budget ends.

    A unit of known length: how long a real hard answer takes depends on the machine, and a
    fast machine finished one before the requests sent after it.  This one runs in a pool
    worker like any check and is stopped the same way (killed past the time limit: a 503).
    """
    import time

    from verifier.serve.work import check_unit

    if req.get("answer") == "slow":
        while True:
            time.sleep(0.05)
    return check_unit(req)
