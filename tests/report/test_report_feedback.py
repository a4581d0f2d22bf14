"""Feedback pages without a browser: safe file names, escaping, the teacher page's counts,
the words in both languages, and what ``verifier grade`` writes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from verifier.cli import main
from verifier.homework.classroom import Problem, grade_class, load_problems
from verifier.homework.feedback import class_mistakes, student_feedback
from verifier.i18n import use_language
from verifier.report.classpage import score_bins, teacher_page, write_feedback
from verifier.report.feedback import safe_filename, student_page, unique_filenames

DATA = Path(__file__).parent.parent / "data" / "homework"
HANGUL = re.compile("[\uac00-\ud7a3]")

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "..\\..\\windows\\win.ini",
    "..",
    ".",
    "",
    "a\x00b",
    "a\nb\r",
    "CON",
    "nul.txt",
    "x" * 5000,
    "<script>",
    "C:\\Users\\x",
    "~root",
    ".hidden",
    "a/./b/../c",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_filename_is_one_plain_name(name, tmp_path):
    safe = safe_filename(name)
    assert safe and len(safe) <= 60
    assert re.fullmatch(r"[\w.-]+", safe) and ".." not in safe
    assert not safe.startswith((".", "-")) and "/" not in safe and "\\" not in safe
    assert safe.split(".")[0].lower() not in {"con", "nul", "prn", "aux"}
    target = (tmp_path / (safe + ".html")).resolve()
    assert target.parent == tmp_path.resolve()


def test_korean_names_are_kept_and_names_never_collide():
    assert safe_filename("김민준") == "김민준"
    assert safe_filename("이 서연") == "이_서연"
    students = ["a/b", "a b", "a_b", "Ann", "ann", "ANN", "김민준", "김민준 "]
    files = unique_filenames(students)
    assert len({f.lower() for f in files.values()}) == len(students)
    assert files["김민준"] == "김민준.html"


def test_hostile_students_pages_stay_in_the_feedback_folder(tmp_path):
    subs = pd.DataFrame(
        {"student": HOSTILE_NAMES, "problem": ["p"] * len(HOSTILE_NAMES), "answer": ["2x"] * 16}
    )
    paths = write_feedback(grade_class(subs, [Problem("p", "x^2")]), tmp_path)
    written = sorted(paths["feedback"].iterdir())
    assert len(written) == len(set(HOSTILE_NAMES))
    assert all(p.parent == paths["feedback"] and p.suffix == ".html" for p in written)
    outside = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert outside == {"feedback", "teacher.html", "gradebook-moodle.csv", "gradebook-canvas.csv"}


def _graded(answers, problem=None):
    problem = problem or Problem("p", "x^2")
    subs = pd.DataFrame(
        {"student": [f"s{i}" for i in range(len(answers))], "problem": "p", "answer": answers}
    )
    return grade_class(subs, [problem])


def test_student_answers_are_shown_as_text():
    hostile = '<script>alert("x")</script>'
    graded = _graded([hostile, "<img src=x onerror=alert(1)>", "2x & <b>"])
    for fb in student_feedback(graded):
        page = student_page(fb)
        assert "<script" not in page and "<img" not in page and "<b>" not in page
    pages = [student_page(fb) for fb in student_feedback(graded)]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[0]
    teacher = teacher_page(graded)
    assert "<script" not in teacher and "&lt;script&gt;" in teacher


def test_student_page_shows_each_part_of_the_verdict():
    graded = _graded(["-2x"], Problem("p", "x^2", points=2, partial=(("sign_error", 0.5),)))
    with use_language("en"):
        page = student_page(student_feedback(graded)[0])
    assert "Your score: 1 of 2 points" in page  # half of 2 points for the sign error
    assert "the answer is the negative of the derivative" in page  # the mistake in words
    assert "Check the signs" in page  # its hint
    assert re.search(r"At x = [-\d.]+ the derivative is [-\d.]+, but your answer gives", page)
    assert page.count("<math") >= 3  # the task, the answer as read, the steps
    assert "power rule" in page  # the rule engine's steps


def test_pages_speak_korean():
    graded = _graded(["x"])
    with use_language("ko"):
        page = student_page(student_feedback(graded)[0])
        teacher = teacher_page(graded)
    assert '<html lang="ko">' in page and "아직 정답이 아니에요" in page and "힌트" in page
    assert "학급 채점 보고서" in teacher


def test_teacher_page_counts():
    answers = ["-2x", "-2x", "-2x", "x^2", "x^2", "3x", "2x +", "2x"]
    graded = _graded(answers)
    table = class_mistakes(graded)
    assert table[["verdict", "mistake", "count"]].values.tolist() == [
        ["incorrect", "sign_error", 3],
        ["incorrect", "original_function", 2],
        ["incorrect", "", 1],
        ["invalid", "", 1],
    ]
    assert table["examples"].iloc[0] == ("-2x",)
    with use_language("en"):
        page = teacher_page(graded)
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td>", page)
    assert rows == [
        ("the answer is the negative of the derivative", "3"),
        ("the answer is the original function, not its derivative", "2"),
        ("incorrect, with no common mistake recognised", "1"),
        ("could not be read (how it was typed)", "1"),
    ]
    assert "8 answers: 1 correct, 6 incorrect, 1 unreadable" in page
    # the score chart: 7 students at 0 %, 1 at 100 %
    assert score_bins([0.0] * 7 + [1.0], 1.0) == [7, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert len(re.findall(r'<a href="feedback/s\d\.html">', page)) == len(answers)


def test_grade_cli_writes_pages_and_gradebooks(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["grade", str(DATA / "class.csv"), "--problems", str(DATA / "problems.toml"),
         "--out", str(out), "--quiet"]
    )  # fmt: skip
    assert code == 0
    names = sorted(p.name for p in (out / "feedback").iterdir())
    assert names == ["ann.html", "bob.html", "cem.html", "dee.html", "eve.html"]
    assert (out / "teacher.html").is_file()
    assert (out / "gradebook-moodle.csv").read_text(encoding="utf-8").startswith("ID number,p1,")
    assert (out / "gradebook-canvas.csv").read_text(encoding="utf-8").startswith("Student,ID,")
    graded = pd.read_csv(out / "graded.csv")
    assert "counterexample" not in graded.columns  # the pages' data, not the teacher's table
    problems = load_problems(DATA / "problems.toml")
    assert graded["score"].max() <= max(p.points for p in problems.values())


def test_answers_to_an_unknown_problem_are_shown_not_dropped():
    subs = pd.DataFrame({"student": ["a", "a"], "problem": ["p", "p9"], "answer": ["2x", "3x"]})
    fb = student_feedback(grade_class(subs, [Problem("p", "x^2")]))[0]
    assert [a.problem for a in fb.unmatched] == ["p9"] and fb.score == 1.0
    with use_language("en"):
        page = student_page(fb)
    assert "Answers to no problem of this set" in page and "<code>3x</code>" in page
    assert "unknown problem id" in page  # the reason the row was not graded


def test_every_feedback_message_has_a_korean_translation():
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "verifier"
    po = root / "i18n" / "locale" / "ko" / "LC_MESSAGES" / "feedback.po"
    with po.open("rb") as fh:
        korean = {m.id: m.string for m in read_po(fh) if m.id}
    modules = ["homework/scores.py", "homework/gradebook.py", "homework/feedback.py",
               "report/feedback.py", "report/classpage.py"]  # fmt: skip
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    found = {
        msg for m in modules for _l, msg, _c, _x in extract_from_file("python", root / m, keywords)
    }
    assert len(found) > 40
    assert not [m for m in found if not korean.get(m)]
    assert all(HANGUL.search(korean[m]) for m in found)  # Korean, not the English copied
