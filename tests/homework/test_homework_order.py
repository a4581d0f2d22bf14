"""Second-derivative problems: check_answer(order=2), problems files with order = 2."""

from __future__ import annotations

import pytest

from verifier.errors import CaseError
from verifier.homework.classroom import grade_class, load_problems, read_submissions
from verifier.homework.judge import check_answer


@pytest.mark.parametrize(
    ("function", "answer", "order", "verdict", "mistake"),
    [
        ("x^4", "12x^2", 2, "correct", None),
        ("x^4", "4x^3", 2, "incorrect", "first_derivative_given"),
        ("x^3 e^x", "e^x (x^3 + 6x^2 + 6x)", 2, "correct", None),
        ("x^3 e^x", "3x^2 e^x + x^3 e^x", 2, "incorrect", "first_derivative_given"),
        ("sin(x)", "-cos(x)", 3, "correct", None),
        ("sin(2x)", "2cos(2x)", 3, "incorrect", "first_derivative_given"),
        ("sin(x)", "cos(x)", 2, "incorrect", "first_derivative_given"),
        ("x^4", "-12x^2", 2, "incorrect", "sign_error"),
        ("e^(2x)", "4e^(2x)", 2, "correct", None),
        ("x^2 y^3", "6x^2 y", 2, "correct", None),
    ],
)
def test_second_and_third_derivative_answers(function, answer, order, verdict, mistake):
    variables = ("x", "y") if "y" in function else None
    var = "y" if variables else "x"
    g = check_answer(function, answer, var, variables=variables, order=order)
    assert g.verdict == verdict, g.reason
    assert g.mistake == mistake, g.reason


def test_a_faulty_rule_in_the_last_pass_is_diagnosed():
    # (sin(x^2))'' = 2cos(x^2) - 4x^2 sin(x^2); dropping the product rule's second term in
    # the second pass (of 2x cos(x^2)) leaves 2cos(x^2)
    g = check_answer("sin(x^2)", "2cos(x^2)", order=2)
    assert g.verdict == "incorrect" and g.mistake == "product_as_fprime_g"


def test_problems_file_order_and_grading(tmp_path):
    problems = tmp_path / "p.toml"
    problems.write_text(
        '[[problem]]\nid = "p1"\nfunction = "x^4"\norder = 2\n\n'
        '[[problem]]\nid = "p2"\nfunction = "x^4"\n'
    )
    loaded = load_problems(problems)
    assert loaded["p1"].order == 2 and loaded["p2"].order == 1
    csv = tmp_path / "s.csv"
    csv.write_text("student,problem,answer\na,p1,12x^2\nb,p1,4x^3\nc,p2,4x^3\n")
    out = grade_class(read_submissions(csv), loaded)
    assert out["verdict"].tolist() == ["correct", "incorrect", "correct"]
    assert out["mistake"].tolist()[1] == "first_derivative_given"


@pytest.mark.parametrize("bad", ["0", "1.5", "true", '"2"'])
def test_problems_file_rejects_a_bad_order(tmp_path, bad):
    problems = tmp_path / "p.toml"
    problems.write_text(f'[[problem]]\nid = "p1"\nfunction = "x^4"\norder = {bad}\n')
    with pytest.raises(CaseError, match="'order' must be a whole number >= 1"):
        load_problems(problems)
