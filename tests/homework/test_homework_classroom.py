"""Grading a class: CSV/TOML reading, broken and hostile rows, executors, reports."""

from __future__ import annotations

import csv
import io
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from verifier import limits
from verifier.errors import CaseError, VerifierError
from verifier.homework import classroom
from verifier.homework import judge as homework
from verifier.homework.classroom import (
    Problem,
    grade_batch,
    grade_class,
    load_problems,
    read_submissions,
    summarize_grades,
)

DATA = Path(__file__).parent.parent / "data" / "homework"
PROBLEMS = DATA / "problems.toml"
CLASS = DATA / "class.csv"


def test_load_problems_fixture():
    probs = load_problems(PROBLEMS)
    assert list(probs) == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert probs["p6"].variable == "y" and probs["p6"].variables == ("x", "y")
    # points are copied from the TOML (2 -> 2.0), never computed: exact equality is right
    assert probs["p2"].points == 2.0 and probs["p1"].variable == "x"


@pytest.mark.parametrize(
    ("text", "case_id", "key"),
    [
        ('[[problem]]\nid = "a"\n', "a", "function"),
        ('[[problem]]\nid = "a"\nfunction = "x^2 +"\n', "a", "function"),
        ('[[problem]]\nid = "a"\nfunction = "x^2"\npoints = "two"\n', "a", "points"),
        ('[[problem]]\nid = "a"\nfunction = "x^2"\nvariabel = "x"\n', "a", "variabel"),
        (
            '[[problem]]\nid = "a"\nfunction = "x y"\nvariable = "z"\nvariables = ["x", "y"]\n',
            "a",
            "variable",
        ),
        (
            '[[problem]]\nid = "a"\nfunction = "x"\n[[problem]]\nid = "a"\nfunction = "x"\n',
            "a",
            "id",
        ),
        ('[[problem]]\nfunction = "x"\n', None, "id"),
        ("title = 'no problems'\n", None, "problem"),
    ],
)
def test_problem_file_errors_name_file_id_and_key(tmp_path, text, case_id, key):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CaseError) as info:
        load_problems(path)
    err = info.value
    assert err.path == str(path) and err.key == key and err.case_id == case_id
    assert str(path) in str(err)


def test_problem_file_not_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[problem]\n")
    with pytest.raises(CaseError, match="not valid TOML"):
        load_problems(path)
    with pytest.raises(CaseError, match="not found"):
        load_problems(tmp_path / "missing.toml")


def test_grade_fixture_class_matches_expected_column():
    graded = grade_class(CLASS, PROBLEMS)
    assert len(graded) == 24  # every input row, in order
    mismatches = graded[graded["verdict"] != graded["expected"]]
    assert mismatches.empty, mismatches[
        ["student", "problem", "answer", "verdict", "reason"]
    ].to_string()
    assert list(graded["line"]) == list(range(2, 26))
    by = graded.set_index(["student", "problem"])
    assert by.loc[("bob", "p2"), "mistake"] == "product_as_fprime_g"
    assert by.loc[("bob", "p3"), "mistake"] == "chain_missing_inner"
    assert by.loc[("bob", "p6"), "mistake"] == "wrong_variable"
    assert by.loc[("dee", "p7"), "reason"] == "unknown problem id 'p7'"
    assert "missing answer" in by.loc[("dee", "p2"), "reason"]
    # a score is the problem's points copied (or 0.0), not computed: exact
    assert by.loc[("ann", "p2"), "score"] == 2.0 and by.loc[("bob", "p2"), "score"] == 0.0
    assert by.loc[("ann", "p2"), "read_as"] == "x^3 e^x + 3x^2 e^x"
    assert graded.attrs["unique_answers"] < 24


def test_dedupe_grades_identical_answers_once(monkeypatch):
    calls = []
    real = classroom.grade_batch

    def counting(problem, answers, time_limit=2.0, lang=None):
        calls.append(len(answers))
        return real(problem, answers, time_limit, lang)

    monkeypatch.setattr(classroom, "grade_batch", counting)
    subs = pd.DataFrame(
        {
            "student": [f"s{i}" for i in range(50)],
            "problem": ["p"] * 50,
            "answer": ["2x", "2*x", "x"] * 16 + ["2x", "x^2"],
        }
    )
    graded = grade_class(subs, [Problem("p", "x^2")], batch_size=2)
    assert sum(calls) == 4 and max(calls) <= 2  # four distinct answers, batches of 2
    assert graded.attrs["unique_answers"] == 4
    assert (graded["verdict"] == "correct").sum() == 17 + 16


def test_column_mapping(tmp_path):
    path = tmp_path / "lms.csv"
    path.write_text("Name,Question,Response\nann,p1,2x+2\nbob,p1,2x\n")
    graded = grade_class(
        path, PROBLEMS, columns={"student": "Name", "problem": "Question", "answer": "Response"}
    )
    assert list(graded["verdict"]) == ["correct", "incorrect"]
    per_problem, per_student = summarize_grades(graded)
    # a sum of copied whole-number points: exact in float64
    assert per_student.set_index("student").loc["ann", "score"] == 1.0
    with pytest.raises(VerifierError, match="missing column"):
        grade_class(path, PROBLEMS)


def test_broken_rows_become_error_rows(tmp_path):
    raw = (
        b"student,problem,answer\n"
        b"ann,p1,2x+2\n"
        b"bob,p1\n"  # too few fields
        b"cem,p1,2x+2,surplus\n"  # too many
        b"dee,p1,2x\xff\xfe+2\n"  # not UTF-8
        b",p1,2x+2\n"  # missing student
        b"fay,p1," + b"x+" * 50_000 + b"x\n"  # a 100 KB answer
        b'gus,p1,"2x\n+2"\n'  # a quoted newline is a legal CSV field
        b"\n"
        b"hal,p1,2(x+1)\n"
    )
    path = tmp_path / "broken.csv"
    path.write_bytes(raw)
    frame = read_submissions(path)
    assert len(frame) == 8
    graded = grade_class(path, PROBLEMS)
    v = dict(zip(graded["student"], graded["verdict"], strict=True))
    r = dict(zip(graded["student"], graded["reason"], strict=True))
    assert v["ann"] == "correct" and v["hal"] == "correct"
    assert v["bob"] == "error" and "2 fields" in r["bob"]
    assert v["cem"] == "error" and "4 fields" in r["cem"]
    assert v["dee"] == "error" and "not UTF-8" in r["dee"]
    assert v[""] == "error" and "missing student" in r[""]
    assert v["fay"] == "error" and "100001 characters" in r["fay"]
    assert v["gus"] in ("correct", "invalid")  # graded, whatever the parser makes of a newline


def test_read_submissions_errors(tmp_path):
    with pytest.raises(VerifierError, match="not found"):
        read_submissions(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(VerifierError, match="no header"):
        read_submissions(empty)


def _hostile_answers(canary: Path) -> list[str]:
    c = str(canary)
    return [
        f"__import__('os').system('touch {c}')",
        f"exec(\"open('{c}','w')\")",
        f"eval(\"open('{c}','w')\")",
        f"open('{c}', 'w').write('x')",
        "().__class__.__bases__[0].__subclasses__()",
        f"x.__class__.__init__.__globals__['os'].system('touch {c}')",
        f"lambda: __import__('os').system('touch {c}')",
        f"Symbol('x'); __import__('os').system('touch {c}')",
        f"sympify(\"__import__('os').system('touch {c}')\")",
        f"getattr(__builtins__, 'exec')('open(\"{c}\",\"w\")')",
        f"2x\n__import__('os').system('touch {c}')",
        "9^9^9^9",
        "10^10^10",
        "x^(10^100)",
        "(3x)^10000",
        "factorial(10^9)",
        "x+" * 50_000 + "x",
        "(" * 5000 + "x" + ")" * 5000,
        "(" * 400 + "x" + ")" * 400,
        "sin(" * 100 + "x" + ")" * 100,
        "-(" * 200 + "x" + ")" * 200,
        "-" * 3000 + "x",
        "1" * 5000,
        "=cmd|' /C calc'!A0",
        "\u202e2x\u202c",
        "\x00\x01\x02",
        "${jndi:ldap://127.0.0.1/a}",
        "'; DROP TABLE grades; --",
    ]


def test_hostile_answers_in_a_class(tmp_path):
    canary = tmp_path / "CANARY"
    hostile = _hostile_answers(canary)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "problem", "answer"])
    good = []
    for i, a in enumerate(hostile):
        w.writerow([f"h{i}", "p1", a])
        w.writerow([f"g{i}", "p2", "3x^2 e^x + x^3 e^x" if i % 2 else "3x^2 e^x"])
        good.append("correct" if i % 2 else "incorrect")
    path = tmp_path / "hostile.csv"
    path.write_text(buf.getvalue())
    time_limit = 2.0
    graded = grade_class(path, PROBLEMS, time_limit=time_limit)
    assert not canary.exists()
    h = graded[graded["student"].str.startswith("h")]
    g = graded[graded["student"].str.startswith("g")]
    assert len(h) == len(hostile) and len(g) == len(hostile)
    bad = h[~h["verdict"].isin(["invalid", "error"])]
    assert bad.empty, [(a[:60], v) for a, v in zip(bad["answer"], bad["verdict"], strict=True)]
    assert (h["reason"].str.len() > 0).all()
    assert list(g["verdict"]) == good
    assert (graded["seconds"] <= time_limit + 0.5).all()


def test_huge_but_valid_answer_is_graded_quickly():
    start = time.monotonic()
    g = grade_batch(
        Problem("q", "x^2"), ["exp(exp(exp(exp(x))))", "x^100 e^(x^50)"], time_limit=2.0
    )
    assert [r["verdict"] for r in g] == ["incorrect", "incorrect"]
    assert time.monotonic() - start < 4


def test_timeout_becomes_error_row_and_batch_continues(monkeypatch):
    real = homework._judge

    def sometimes_slow(ctx, expr):
        if "7" in str(expr):
            while True:
                time.sleep(0.01)
                limits.tick()
        return real(ctx, expr)

    monkeypatch.setattr(homework, "_judge", sometimes_slow)
    start = time.monotonic()
    results = grade_batch(Problem("q", "x^3"), ["3x^2", "x + 7", "3x^2 + 0"], time_limit=0.3)
    assert time.monotonic() - start < 5
    assert [r["verdict"] for r in results] == ["correct", "error", "correct"]
    assert results[1]["reason"].startswith(
        "over budget: checking the answer took longer than 0.3 s"
    )


def _sleep_forever_on_sevens(real):
    def judge(ctx, expr):
        if "7" in str(expr):
            while True:  # no cooperative _tick here: only SIGALRM in the worker can stop this
                time.sleep(0.01)
        return real(ctx, expr)

    return judge


def test_process_worker_enforces_time_limit_with_sigalrm(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(homework, "_judge", _sleep_forever_on_sevens(homework._judge))
    homework.clear_caches()
    subs = pd.DataFrame(
        {"student": ["a", "b", "c"], "problem": ["q"] * 3, "answer": ["3x^2", "x + 7", "x^3"]}
    )
    ctx = multiprocessing.get_context("fork")  # the worker inherits the patched _judge
    start = time.monotonic()
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        graded = grade_class(subs, [Problem("q", "x^3")], executor=pool, time_limit=0.5)
    assert time.monotonic() - start < 10
    assert list(graded["verdict"]) == ["correct", "error", "incorrect"]
    assert graded["reason"][1].startswith("over budget: checking the answer took longer than 0.5 s")


def test_crash_becomes_error_row(monkeypatch):
    def boom(ctx, expr):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(homework, "_judge", boom)
    homework.clear_caches()
    (res,) = grade_batch(Problem("q", "x^4"), ["4x^3 + 0x"])
    assert res["verdict"] == "error" and "RuntimeError: kaboom" in res["reason"]
    homework.clear_caches()


def test_thread_executor_uses_cooperative_limit():
    with ThreadPoolExecutor(max_workers=2) as pool:
        graded = grade_class(CLASS, PROBLEMS, executor=pool, batch_size=3)
    assert (graded["verdict"] == graded["expected"]).all()


def test_process_pool_matches_inline():
    inline = grade_class(CLASS, PROBLEMS)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = grade_class(CLASS, PROBLEMS, executor=pool, batch_size=4)
    cols = ["verdict", "score", "reason", "mistake", "read_as"]
    pd.testing.assert_frame_equal(inline[cols], pooled[cols])


def test_dask_local_cluster():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        graded = grade_class(CLASS, PROBLEMS, executor=client.get_executor(), batch_size=5)
    assert (graded["verdict"] == graded["expected"]).all()
    assert (
        graded.set_index(["student", "problem"]).loc[("bob", "p2"), "mistake"]
        == "product_as_fprime_g"
    )


def test_semicolon_csv_and_integer_problem_ids(tmp_path):
    subs = tmp_path / "semi.csv"
    subs.write_text("student;problem;answer\nann;3;log(x, 2)\nbob;3;2x\n")
    probs = tmp_path / "p.toml"
    probs.write_text('[[problem]]\nid = 3\nfunction = "x^2"\npoints = 1.5\n')
    graded = grade_class(subs, probs)
    assert list(graded["verdict"]) == ["incorrect", "correct"]
    assert list(graded["score"]) == [0.0, 1.5]  # copied points (1.5 is a binary fraction): exact


def test_reasons_come_back_in_the_callers_language_from_a_process_pool() -> None:
    # a spawned process shares nothing with the caller (no context, no environment choice):
    # the language must travel with the batch, as it does to a Dask worker
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from verifier.i18n import use_language

    subs = pd.DataFrame({"student": ["a", "b"], "problem": ["p", "p"], "answer": ["x", "2x+"]})
    ctx = multiprocessing.get_context("spawn")
    with use_language("ko"), ProcessPoolExecutor(1, mp_context=ctx) as ex:
        graded = grade_class(subs, [Problem("p", "x^2")], executor=ex)
    assert graded["verdict"].tolist() == ["incorrect", "invalid"]
    for reason in graded["reason"]:
        assert any("\uac00" <= ch <= "\ud7a3" for ch in reason), reason  # Hangul syllables
