"""The JSON API through an in-process client: every endpoint, every status code, and the
verdicts of ``verifier check`` on every homework case the repository bundles."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from serve_helpers import client

from verifier.cli import main as cli

CASES = Path(__file__).resolve().parents[2] / "cases"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with client(tmp_path_factory.mktemp("api")) as c:
        yield c


def _error(response) -> dict:
    body = response.json()
    assert set(body["error"]) == {"message", "position", "hint"}, body
    return body["error"]


# --- every endpoint, the happy path ----------------------------------------------------------


def test_check_gives_verdict_reading_mistake_and_steps(api):
    r = api.post("/api/check", json={"function": "x^3 e^x", "answer": "3x^2 e^x"})
    assert r.status_code == 200
    g = r.json()
    assert (g["verdict"], g["mistake"]) == ("incorrect", "product_as_fprime_g")
    assert g["read_as"]["text"] == "3x^2 e^x"
    assert g["read_as"]["mathml"].startswith("<math") and "<msup>" in g["read_as"]["mathml"]
    assert g["read_as"]["latex"] == "3 x^{2} e^{x}"
    assert g["counterexample"]["point"] and g["mistake_hint"] and g["steps"]


def test_read_gives_the_preview_in_three_forms(api):
    r = api.post("/api/read", json={"answer": r"\frac{1}{x}"})
    assert r.status_code == 200
    assert r.json()["text"] == "1/x" and r.json()["notation"] == "latex"
    assert "<mfrac>" in r.json()["mathml"]


def test_diff_gives_the_derivative_with_steps(api):
    r = api.post("/api/diff", json={"function": "x^2 sin(x)"})
    assert r.status_code == 200
    d = r.json()
    assert d["derivative"]["text"] == "x^2 cos(x) + 2x sin(x)"
    assert "product" in d["rules_used"] and d["steps"]


def test_sweep_gives_the_table_and_an_svg_figure(api):
    r = api.post("/api/sweep", json={"function": "x^3", "points": [1.0], "methods": ["central"]})
    assert r.status_code == 200
    s = r.json()
    assert s["passed"] is True and s["frame"] and s["svg"].startswith("<svg")


def test_problems_lists_the_bundled_problems(api):
    r = api.get("/api/problems")
    assert r.status_code == 200
    ids = [p["id"] for p in r.json()]
    assert "product" in ids and all(p["function_mathml"].startswith("<math") for p in r.json())


def test_submission_is_judged_and_recorded(api):
    r = api.post(
        "/api/submissions",
        json={"student": "Kim", "problem": "product", "answer": "3x^2 e^x + x^3 e^x"},
    )
    assert r.status_code == 201
    assert (r.json()["verdict"], r.json()["points"]) == ("correct", 2.0)
    rows = api.app.state.service.db.submissions()
    assert rows[-1]["id"] == r.json()["id"] and rows[-1]["student"] == "Kim"


def test_health_reports_the_database_revision(api):
    r = api.get("/api/health")
    assert r.status_code == 200
    assert r.json()["database"] == {"ok": True, "backend": "sqlite", "revision": "0001"}


def test_openapi_description_is_served(api):
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/check", "/api/diff", "/api/sweep", "/api/submissions"} <= set(paths)


# --- the error statuses ----------------------------------------------------------------------


def test_unreadable_answer_is_422_with_position_and_verdict_invalid(api):
    r = api.post("/api/check", json={"function": "x^2", "answer": "2x +"})
    assert r.status_code == 422
    assert r.json()["verdict"] == "invalid"
    err = _error_of(r.json())
    assert err["position"] == 4 and err["hint"]


def _error_of(body: dict) -> dict:
    assert set(body["error"]) == {"message", "position", "hint"}
    return body["error"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/check", b'{"function": "x^2", "answer": '),
        ("/api/check", b"[1, 2]"),
        ("/api/check", json.dumps({"function": "x^2"}).encode()),
        ("/api/check", json.dumps({"function": "x^2", "answer": "2x", "extra": 1}).encode()),
        ("/api/sweep", json.dumps({"function": "x^2", "points": []}).encode()),
        ("/api/diff", json.dumps({"function": "sin(x"}).encode()),
        ("/api/read", json.dumps({"answer": "2x +* 3"}).encode()),
    ],
)
def test_unreadable_request_is_422_json(api, path, body):
    r = api.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert _error(r)["message"]


def test_variable_outside_the_variables_is_422_as_on_the_command_line(api, capsys):
    body = {"function": "x^2 y", "answer": "x^2", "variable": "y", "variables": ["x"]}
    r = api.post("/api/check", json=body)
    assert r.status_code == 422 and "not among" in _error(r)["message"]
    assert cli(["check", "x^2 y", "--answer", "x^2", "--var", "y", "--vars", "x"]) == 2


def test_bad_json_names_the_position(api):
    r = api.post(
        "/api/check", content=b'{"function": }', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and _error(r)["position"] == 13


def test_unknown_problem_is_404(api):
    r = api.post("/api/submissions", json={"student": "a", "problem": "nope", "answer": "1"})
    assert r.status_code == 404 and "nope" in _error(r)["message"]


def test_unreadable_submission_is_not_recorded(api):
    before = len(api.app.state.service.db.submissions())
    r = api.post("/api/submissions", json={"student": "a", "problem": "log", "answer": "1/"})
    assert r.status_code == 422 and r.json()["verdict"] == "invalid"
    assert len(api.app.state.service.db.submissions()) == before


def test_unknown_path_and_method_are_json(api):
    assert api.get("/api/nothing").status_code == 404
    assert api.get("/api/check").status_code == 405
    assert _error(api.get("/api/check"))["message"]


def test_body_over_the_limit_is_413(tmp_path):
    with client(tmp_path, max_body=1000) as c:
        big = {"function": "x^2", "answer": "x" * 2000}
        r = c.post("/api/check", json=big)
        assert r.status_code == 413 and "1000" in _error(r)["message"]

        def chunks():  # no Content-Length: counted as it streams
            yield b'{"function": "x^2", "answer": "'
            for _ in range(10):
                yield b"x" * 200
            yield b'"}'

        r = c.post("/api/check", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert c.post("/api/check", json={"function": "x^2", "answer": "2x"}).status_code == 200


def test_too_many_requests_is_429_with_retry_after(tmp_path):
    with client(tmp_path, rate=0.5, burst=3) as c:
        codes = [c.post("/api/read", json={"answer": "2x"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = c.post("/api/read", json={"answer": "2x"})
        assert int(r.headers["retry-after"]) >= 1 and _error(r)["hint"]
        assert c.get("/api/health").status_code == 200  # health is never limited


def test_over_budget_is_503_and_the_service_goes_on(tmp_path):
    with client(tmp_path, time_limit=0.001) as c:
        sweep = {"function": "sin(x) e^x / (1 + x^2)", "points": [0.5, 1, 1.5, 2, 2.5]}
        r = c.post("/api/sweep", json=sweep)
        assert r.status_code == 503
        assert "0.001" in _error(r)["message"] and r.headers["retry-after"]
        assert c.get("/api/health").json()["status"] == "ok"


def test_errors_speak_korean_when_asked(api):
    r = api.post("/api/check", content=b"[]", headers={"content-type": "application/json",
                                                     "accept-language": "ko-KR,ko;q=0.9"})  # fmt: skip
    assert r.status_code == 422
    assert any("\uac00" <= ch <= "\ud7a3" for ch in _error(r)["message"])


# --- the same verdicts as `verifier check` ---------------------------------------------------


def _homework_cases() -> list[dict]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        kind = data.get("defaults", {}).get("kind")
        for case in data.get("case", []):
            if case.get("kind", kind) == "homework":
                out.append({"file": path.name, **case})
    return out


HOMEWORK = _homework_cases()


def test_the_bundled_homework_cases_are_found():
    assert len(HOMEWORK) >= 9
    assert {c["file"] for c in HOMEWORK} >= {"90_homework.toml", "85_higher_derivatives.toml"}


@pytest.mark.parametrize("case", HOMEWORK, ids=[c["id"] for c in HOMEWORK])
def test_same_verdict_as_verifier_check(api, case, capsys):
    argv = ["check", case["function"], "--answer", case["answer"], "--format", "json"]
    body = {"function": case["function"], "answer": case["answer"], "lang": "en"}
    if "variable" in case:
        argv += ["--var", case["variable"]]
        body["variable"] = case["variable"]
    if "variables" in case:
        argv += ["--vars", ",".join(case["variables"])]
        body["variables"] = case["variables"]
    if "order" in case:
        argv += ["--order", str(case["order"])]
        body["order"] = case["order"]
    code = cli(argv)
    expected = json.loads(capsys.readouterr().out)
    r = api.post("/api/check", json=body)
    got = r.json()
    assert r.status_code == (422 if code == 2 else 200)
    for key in ("verdict", "reason", "mistake", "read_as_text", "derivative", "steps"):
        want = expected.get(key) if key != "read_as_text" else expected["read_as"]
        have = got.get(key) if key != "read_as_text" else (got["read_as"] or {}).get("text")
        assert have == want, key
