"""The student page without JavaScript (a plain form POST) and the teacher's pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from serve_helpers import client

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with client(tmp_path_factory.mktemp("pages"), teacher_token=TOKEN) as c:
        yield c


def _is_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def test_page_has_every_problem_as_mathml_and_no_external_url(site):
    r = site.get("/")
    assert r.status_code == 200
    html = r.text
    assert html.count('name="problem"') == 7 and html.count("<math") >= 7
    urls = re.findall(r'(?:src|href|action)="([^"]*)"', html)
    assert urls and all(u.startswith(("/", "?", "#")) for u in urls), urls
    assert "default-src 'self'" in r.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert site.get(asset).status_code == 200


def test_page_speaks_korean(site):
    html = site.get("/?lang=ko").text
    assert 'lang="ko"' in html and "답 확인하기" in html
    assert 'lang="ko"' in site.get("/", headers={"accept-language": "ko-KR,ko;q=0.9"}).text


def test_form_post_without_javascript_returns_the_feedback(site):
    form = {"student": "Choi", "problem": "chain", "answer": "cos(x^2)", "lang": "ko"}
    r = site.post("/", data=form)
    assert r.status_code == 200
    feedback = r.text[r.text.index('id="feedback"') :]
    assert "아쉽지만 도함수가 아니에요." in feedback
    assert "<math" in feedback and "<mi>cos</mi>" in feedback
    assert 'value="cos(x^2)"' in r.text  # the answer stays in the box to be fixed


def test_form_post_with_unreadable_answer_shows_where(site):
    form = {"student": "Choi", "problem": "log", "answer": "1/", "lang": "en"}
    r = site.post("/", data=form)
    assert r.status_code == 422
    assert "We could not read your answer." in r.text and "(at character 3)" in r.text


def test_form_post_with_missing_fields_says_what_is_missing(site):
    r = site.post("/", data={"student": "", "problem": "log", "answer": "1/x"})
    assert r.status_code == 422 and "write your name" in r.text


def test_teacher_page_needs_the_token(site):
    assert site.get("/teacher").status_code == 401
    r = site.post("/teacher/login", data={"token": "wrong"})
    assert r.status_code == 401 and "not right" in r.text
    assert site.get("/teacher/gradebook.csv").status_code == 401


def test_teacher_page_closed_without_a_configured_token(tmp_path):
    with client(tmp_path, teacher_token=None) as c:
        r = c.get("/teacher")
        assert r.status_code == 403 and "VERIFIER_TEACHER_TOKEN" in r.text
        assert c.get("/teacher", headers={"authorization": "Bearer "}).status_code == 403


def test_teacher_sees_the_class_and_the_commonest_mistakes(site):
    for student, answer in [("Ahn", "cos(x^2)"), ("Baek", "cos(x^2)"), ("Ahn", "2x cos(x^2)")]:
        r = site.post("/api/submissions", json={"student": student, "problem": "chain",
                                                "answer": answer})  # fmt: skip
        assert r.status_code == 201
    login = site.post("/teacher/login", data={"token": TOKEN}, follow_redirects=False)
    assert login.status_code == 303 and TOKEN not in login.headers["set-cookie"]
    page = site.get("/teacher")
    assert page.status_code == 200
    assert "Ahn" in page.text and "Baek" in page.text and "chain_missing_inner" in page.text
    book = list(csv.DictReader(io.StringIO(site.get("/teacher/gradebook.csv").text)))
    ahn = next(r for r in book if r["student"] == "Ahn")
    assert float(ahn["chain"]) == 2.0 and float(ahn["total"]) >= 2.0
    rows = list(csv.DictReader(io.StringIO(site.get("/teacher/submissions.csv").text)))
    assert {"student", "problem", "answer", "verdict", "mistake", "created_at"} <= set(rows[0])


def test_teacher_csv_with_bearer_token_and_safe_cells(site):
    evil = {"student": "=HYPERLINK(1)", "problem": "log", "answer": "1/x"}
    assert site.post("/api/submissions", json=evil).status_code == 201
    r = site.get("/teacher/submissions.csv", headers={"authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in r.text
