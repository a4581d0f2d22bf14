"""Korean on the command line: ``--lang ko`` and the locale; English stays the default."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from verifier.cli import main
from verifier.i18n import language

HANGUL = re.compile(r"[\uac00-\ud7a3]")
DATA = Path(__file__).parent.parent / "data" / "homework"
CHECK = ["check", "x^3 e^x", "--answer", "3x^2 e^x"]
ENGLISH = (
    "incorrect",
    "the derivative is",
    "likely mistake",
    "read as",
    "counterexample",
    "product rule",
    "the product rule has two terms",
    "power rule",
    "result:",
    "steps:",
)


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _parts(out: str) -> dict[str, str]:
    """The report's lines by what they are (the line order of Grade.report)."""
    lines = out.splitlines()
    steps_at = next(i for i, line in enumerate(lines) if line.startswith("  "))
    return {
        "verdict and reason": lines[0],
        "read as": lines[1],
        "counterexample": lines[2],
        "mistake": lines[3],
        "hint": lines[4],
        "steps heading": lines[steps_at - 1],
        "steps": "\n".join(lines[steps_at:]),
    }


def _assert_korean(out: str) -> None:
    parts = _parts(out)
    for name, text in parts.items():
        assert HANGUL.search(text), f"{name} is not in Korean: {text!r}"
    assert parts["verdict and reason"].startswith("오답: ")
    assert "곱의 미분법" in parts["mistake"] and "곱의 미분법" in parts["steps"]
    assert parts["hint"].startswith("힌트: ")
    for english in ENGLISH:
        assert english not in out, english
    assert "product_as_fprime_g" not in out  # the mistake in words, not its internal name


def test_check_lang_ko(capsys):
    code, out, _ = _run(capsys, *CHECK, "--lang", "ko")
    assert code == 1
    _assert_korean(out)
    # the math itself is unchanged
    assert "x^3 e^x + 3x^2 e^x" in out and "(f g)' = f' g + f g'" in out


def test_lang_before_the_verb(capsys):
    code, out, _ = _run(capsys, "--lang", "ko", *CHECK)
    assert code == 1
    _assert_korean(out)


def test_lang_does_not_leak_after_the_command(capsys):
    before = language()
    _run(capsys, *CHECK, "--lang", "ko")
    assert language() == before


def test_english_is_unchanged_without_lang(capsys, monkeypatch):
    for var in ("VERIFIER_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, out, _ = _run(capsys, *CHECK)
    assert code == 1 and not HANGUL.search(out)
    assert out.startswith("incorrect: at x = 0.5 the derivative is")
    assert "likely mistake: product rule: missing the term x^3 e^x" in out
    assert "mistake: product rule: missing the term x^3 e^x [product_as_fprime_g]" in out
    assert "hint: the product rule has two terms: (f g)' = f' g + f g'" in out
    assert "    product rule: d/dx [x^3 e^x]" in out


def test_lang_en_overrides_a_korean_environment(capsys, monkeypatch):
    monkeypatch.setenv("VERIFIER_LANG", "ko")
    code, out, _ = _run(capsys, *CHECK, "--lang", "en")
    assert code == 1 and out.startswith("incorrect:") and not HANGUL.search(out)


def _subprocess(env_lang: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "VERIFIER_LANG"))}
    env.pop("LANG", None)
    env.update(env_lang)
    return subprocess.run(
        [sys.executable, "-m", "verifier", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_korean_locale_without_lang():
    done = _subprocess({"LANG": "ko_KR.UTF-8"}, *CHECK)
    assert done.returncode == 1, done.stderr
    _assert_korean(done.stdout)


def test_english_locale_subprocess():
    done = _subprocess({"LANG": "en_US.UTF-8"}, *CHECK)
    assert done.returncode == 1 and done.stdout.startswith("incorrect:")
    assert not HANGUL.search(done.stdout)


def test_bad_input_error_in_korean_with_hint(capsys):
    code, out, err = _run(capsys, "diff", "x^", "--lang", "ko")
    assert code == 2 and out == ""
    first, *rest = err.splitlines()
    assert first.startswith("verifier diff: 오류: ") and HANGUL.search(first.split("오류: ")[1])
    assert "at position" not in err and "(2번째 위치)" in first
    assert rest[-1].startswith("힌트: ") and HANGUL.search(rest[-1][4:])


def test_bad_option_value_error_in_korean(capsys):
    code, _, err = _run(capsys, *CHECK, "--time-limit", "-1", "--lang", "ko")
    assert code == 2
    assert err.startswith("verifier check: 오류: --time-limit는 0초보다 크고")


def test_invalid_answer_in_korean(capsys):
    code, out, _ = _run(capsys, "check", "x^2", "--answer", "2x +", "--lang", "ko")
    assert code == 2
    first = out.splitlines()[0]
    assert first.startswith("형식 오류: ") and "(힌트: " in first and "hint" not in first


def test_grade_with_two_jobs_speaks_korean(capsys, tmp_path):
    """--jobs 2: answers are graded in threads that drive pool processes; the reasons come
    back in the caller's language."""
    out_dir = tmp_path / "out"
    code, out, _ = _run(
        capsys, "grade", str(DATA / "class.csv"), "--problems", str(DATA / "problems.toml"),
        "--out", str(out_dir), "--jobs", "2", "--lang", "ko",
    )  # fmt: skip
    assert code == 0
    assert out.startswith("제출 ") and "정답" in out
    graded = pd.read_csv(out_dir / "graded.csv")
    # rows the grader judged (error rows of a broken CSV line are the class file's reader's)
    reasons = graded[graded["verdict"].isin(["correct", "incorrect", "invalid"])]["reason"]
    assert len(reasons) > 5
    assert all(HANGUL.search(r) for r in reasons), [r for r in reasons if not HANGUL.search(r)]
    incorrect = graded[graded["verdict"] == "incorrect"]["reason"]
    assert any("이런 실수를 한 것 같아요" in r for r in incorrect)


@pytest.mark.parametrize("lang, word", [("ko", "정답"), ("en", "correct")])
def test_run_bounded_from_a_thread_speaks_the_callers_language(lang, word):
    """A thread has no SIGALRM: its units go to the shared pool's processes, which answer in
    the language of the thread that sent them (--jobs threads copy the caller's context)."""
    from verifier.i18n import _, use_language
    from verifier.workers import close_shared_pool, local_executor, run_bounded

    def in_thread() -> list:
        return run_bounded(_, ["correct"], seconds=30)

    try:
        with use_language(lang), local_executor(1) as ex:
            assert ex.submit(in_thread).result() == [word]
    finally:
        close_shared_pool()
