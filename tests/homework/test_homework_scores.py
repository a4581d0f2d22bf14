"""Scores: points per problem and partial credit per named mistake ([problem.partial])."""

from __future__ import annotations

import pandas as pd
import pytest

from verifier.errors import CaseError
from verifier.homework.classroom import grade_class, load_problems, summarize_grades
from verifier.homework.scores import KNOWN_MISTAKES, read_partial, score
from verifier.symbolic.mistakes import MISTAKES, WHOLE_ANSWER_MISTAKES

PROBLEMS = """
[[problem]]
id = "p2"
function = "x^3 e^x"
points = 4
[problem.partial]
product_as_fprime_g = 0.5
sign_error = 0.25

[[problem]]
id = "p3"
function = "sin(x^2)"
points = 2
"""


def _problems(tmp_path, text=PROBLEMS):
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return load_problems(path)


def test_partial_credit_is_read_and_sorted(tmp_path):
    probs = _problems(tmp_path)
    assert probs["p2"].partial == (("product_as_fprime_g", 0.5), ("sign_error", 0.25))
    assert probs["p3"].partial == ()


def test_graded_scores_use_partial_credit(tmp_path):
    probs = _problems(tmp_path)
    subs = pd.DataFrame(
        {
            "student": ["ann", "bob", "cem", "dee", "ann", "bob"],
            "problem": ["p2", "p2", "p2", "p2", "p3", "p3"],
            # correct; f' g only; the negative; no recognised mistake; correct; chain missing
            "answer": [
                "3x^2 e^x + x^3 e^x",
                "3x^2 e^x",
                "-(3x^2 e^x + x^3 e^x)",
                "x",
                "2x cos(x^2)",
                "cos(x^2)",
            ],
        }
    )
    graded = grade_class(subs, probs)
    assert graded["mistake"].tolist()[1:3] == ["product_as_fprime_g", "sign_error"]
    # points x fraction with fractions 1/2 and 1/4 of 4 points: exact in binary floating point
    assert graded["score"].tolist() == [4.0, 2.0, 1.0, 0.0, 2.0, 0.0]
    _, per_student = summarize_grades(graded)
    assert dict(zip(per_student["student"], per_student["score"], strict=True)) == {
        "ann": 6.0,
        "bob": 2.0,
        "cem": 1.0,
        "dee": 0.0,
    }


def test_partial_credit_never_reaches_invalid_or_other_mistakes():
    credit = read_partial({"sign_error": 1.0})
    assert score(3.0, "invalid", "sign_error", credit) == 0.0
    assert score(3.0, "error", "sign_error", credit) == 0.0
    assert score(3.0, "incorrect", "power_not_lowered", credit) == 0.0
    assert score(3.0, "incorrect", "", credit) == 0.0


def test_known_mistakes_are_every_name_the_judge_gives():
    assert set(KNOWN_MISTAKES) == set(MISTAKES) | set(WHOLE_ANSWER_MISTAKES)


def test_unknown_mistake_is_refused_with_the_known_ones(tmp_path):
    text = PROBLEMS.replace("sign_error = 0.25", "sign_eror = 0.25")
    with pytest.raises(CaseError) as info:
        _problems(tmp_path, text)
    message = str(info.value)
    assert "sign_eror" in message and "did you mean sign_error" in message
    assert all(name in message for name in KNOWN_MISTAKES)
    assert "p2" in message and "partial" in message


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "true", '"half"', "nan", "inf"])
def test_fraction_must_be_from_0_to_1(tmp_path, bad):
    with pytest.raises(CaseError, match="fraction from 0 to 1"):
        _problems(tmp_path, PROBLEMS.replace("sign_error = 0.25", f"sign_error = {bad}"))


def test_partial_must_be_a_table(tmp_path):
    text = '[[problem]]\nid = "p1"\nfunction = "x^2"\npartial = 0.5\n'
    with pytest.raises(CaseError, match="table of mistake names"):
        _problems(tmp_path, text)


def test_inline_table_and_bounds_accepted(tmp_path):
    text = (
        '[[problem]]\nid = "p1"\nfunction = "x^2"\n'
        "partial = { sign_error = 0, original_function = 1 }\n"
    )
    assert _problems(tmp_path, text)["p1"].partial == (
        ("original_function", 1.0),
        ("sign_error", 0.0),
    )
