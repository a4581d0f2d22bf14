"""A slow answer holds one worker, never the service: requests that come after it are answered
while it still runs (the event loop and the other worker stay free)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from serve_helpers import slow_check_unit

import verifier.serve.api
from verifier.serve import Settings, create_app


@contextlib.contextmanager
def _slow_service(tmp_path, monkeypatch, time_limit):
    """An opened service of 2 workers whose check of the answer "slow" holds its worker until
    the time limit stops it (see slow_check_unit); closed on exit."""
    monkeypatch.setattr(verifier.serve.api, "check_unit", slow_check_unit)
    app = create_app(
        Settings(
            database=f"sqlite:///{tmp_path / 'db.sqlite'}",
            rate=0,
            workers=2,
            time_limit=time_limit,
        )
    )
    app.state.service.open()
    try:
        yield app
    finally:
        app.state.service.close()


def _client(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://serve")


def test_a_slow_answer_does_not_stall_the_others(tmp_path, monkeypatch):
    # the answer "slow" holds one worker until the 3 s limit stops it
    finished: list[str] = []

    async def ask(http, name, method, path, body=None):
        r = await http.request(method, path, json=body)
        finished.append(name)
        return r

    async def scenario(app):
        async with _client(app) as http:
            cached = {"function": "x^2", "answer": "2x"}
            assert (await http.post("/api/check", json=cached)).status_code == 200
            slow = asyncio.create_task(
                ask(http, "slow", "POST", "/api/check", {"function": "x^2", "answer": "slow"})
            )
            await asyncio.sleep(0.2)  # the slow one is in a worker now
            quick = await asyncio.gather(
                ask(http, "health", "GET", "/api/health"),
                ask(http, "cached", "POST", "/api/check", cached),
                ask(http, "fresh", "POST", "/api/check", {"function": "x^3", "answer": "3x^2"}),
            )
            assert [r.status_code for r in quick] == [200, 200, 200]
            assert not slow.done()
            assert (await slow).status_code == 503  # stopped at its budget

    with _slow_service(tmp_path, monkeypatch, time_limit=3) as app:
        asyncio.run(scenario(app))
    assert finished[-1] == "slow" and set(finished[:-1]) == {"health", "cached", "fresh"}


def test_functions_not_met_yet_leave_a_worker_to_the_others(tmp_path, monkeypatch):
    # two slow answers to functions the service has not met would hold both workers; work on
    # new functions is let in one at a time (workers - 1), so a known function still gets one
    finished: list[str] = []

    async def ask(http, name, body):
        r = await http.post("/api/check", json=body)
        finished.append(name)
        return r

    async def scenario(app):
        service = app.state.service
        async with _client(app) as http:
            known = {"function": "x^2", "answer": "2x"}
            assert (await http.post("/api/check", json=known)).status_code == 200
            assert "x^2" in service.met and "x^5" not in service.met
            slow = [
                asyncio.create_task(ask(http, f, {"function": f, "answer": "slow"}))
                for f in ("x^5", "x^7")
            ]
            await asyncio.sleep(0.3)  # one slow unit in a worker, the other held back
            quick = await ask(http, "known", {"function": "x^2", "answer": "x + x"})
            assert quick.status_code == 200 and quick.json()["verdict"] == "correct"
            assert [(await s).status_code for s in slow] == [503, 503]

    with _slow_service(tmp_path, monkeypatch, time_limit=2) as app:
        asyncio.run(scenario(app))
    assert finished[0] == "known"
    assert (
        "x^5" not in app.state.service.met
    )  # a function whose work failed is not remembered as met
