"""Issue 11, "What it must show" 5: the way Korean students type, each item as a table test.

Korean IME product signs, answer labels, ``x 2^(x-1)`` as a product (a wrong answer is
``incorrect``, not ``invalid``), an unbracketed argument ending at the next function name
(``2sinxcosx``, with a warning), ``+ C`` answered as the mistake ``antiderivative``, and
decimals echoed as typed.
"""

from __future__ import annotations

import pytest
import sympy

from verifier.expr import parse, parse_with_warnings, symbol
from verifier.homework.answer import read_answer
from verifier.homework.judge import check_answer
from verifier.symbolic.mistakes import INTEGRATION_CONSTANT

x = symbol("x")

PRODUCT_SIGNS = ["ㆍ", "·", "×", "∙", "⋅", "･", "・", "‧", "•", "∗", "✕", "＊"]


@pytest.mark.parametrize("sign", PRODUCT_SIGNS)
def test_korean_ime_product_signs_multiply(sign):
    assert parse(f"2{sign}x") == 2 * x
    assert parse(f"x{sign}sin(x)") == x * sympy.sin(x)
    assert check_answer("x^2", f"2{sign}x").verdict == "correct"


LABELS = ["답: 2x", "정답: 2x", "Answer: 2x", "답 : 2x", "정답：2x", "answer:2x", "ANS: 2x"]
LABELS += ["답: f'(x) = 2x", "정답: $2x$", "Answer: \\frac{d}{dx}(x^2) = 2x"]


@pytest.mark.parametrize("answer", LABELS)
def test_answer_labels_are_stripped(answer):
    g = check_answer("x^2", answer)
    assert g.verdict == "correct", g.report()
    assert g.answer == answer  # the answer is still shown as typed


def test_a_label_is_only_stripped_at_the_start():
    assert check_answer("x^2", "2x 답: 2x").verdict == "invalid"


# (answer, the expression it is read as)
PRODUCTS_WITH_POWERS = [
    ("x 2^(x-1)", x * 2 ** (x - 1)),
    ("x 2^x", x * 2**x),
    ("(x+1)2^x", (x + 1) * 2**x),
    ("x 3²", 9 * x),
    ("x^2 3^x", x**2 * 3**x),
]


@pytest.mark.parametrize(("text", "expected"), PRODUCTS_WITH_POWERS)
def test_a_number_with_its_own_power_is_a_factor(text, expected):
    p = parse_with_warnings(text)
    assert p.expr == expected
    assert p.warnings == ()


@pytest.mark.parametrize("text", ["x 2", "(x+1)2", "2^x 3"])
def test_a_bare_number_after_a_factor_is_still_an_error(text):
    assert check_answer("x^2", text).verdict == "invalid"


# (function, answer, verdict, mistake): x 2^(x-1) is graded, never refused
X_TWO_POWER = [
    ("2^x", "x 2^(x-1)", "incorrect", "power_rule_on_exponential"),
    ("2^x", "x2^(x-1)", "invalid", None),  # x2 is a name: did you mean x*2?
    ("x^2", "x 2^(x-1)", "incorrect", None),
    ("x 2^x", "2^x + x 2^x ln(2)", "correct", None),
    ("2^x x^2/2", "2x 2^(x-1) + x^2 2^(x-1) ln(2)", "correct", None),
]


@pytest.mark.parametrize(("function", "answer", "verdict", "mistake"), X_TWO_POWER)
def test_x_two_to_the_x_minus_one_is_graded(function, answer, verdict, mistake):
    g = check_answer(function, answer)
    assert (g.verdict, g.mistake) == (verdict, mistake), g.report()


# (text, expression, warns): an unbracketed argument ends at the next function name
GLUED_FUNCTIONS = [
    ("2sinxcosx", 2 * sympy.sin(x) * sympy.cos(x), True),
    ("sinxcosx", sympy.sin(x) * sympy.cos(x), True),
    ("sin2xcos2x", sympy.sin(2 * x) * sympy.cos(2 * x), True),
    ("lnxsinx", sympy.log(x) * sympy.sin(x), True),
    ("√xsinx", sympy.sqrt(x) * sympy.sin(x), True),
    ("xsinx", x * sympy.sin(x), False),
    ("sin(x)cos(x)", sympy.sin(x) * sympy.cos(x), False),
    ("sinx^2", sympy.sin(x**2), False),
]


@pytest.mark.parametrize(("text", "expected", "warns"), GLUED_FUNCTIONS)
def test_an_unbracketed_argument_ends_at_the_next_function(text, expected, warns):
    p = parse_with_warnings(text)
    assert p.expr == expected
    assert bool(p.warnings) == warns, p.warnings


def test_2sinxcosx_is_graded_correct_with_a_warning():
    g = check_answer("sin(x)^2", "2sinxcosx")
    assert g.verdict == "correct", g.report()
    assert any("sin(x)*cos(x)" in w for w in g.warnings)


# (function, answer): '+ C' at the end is the mistake antiderivative, whatever the rest
PLUS_C = [
    ("x^2", "2x + C"),
    ("x^2", "2x+C"),
    ("x^2", "2x + c"),
    ("x^2", "x^3/3 + C"),
    ("x^2", "3x + C"),
    ("x^2", "f'(x) = 2x + C"),
    ("x^2", "$2x + C$"),
    ("x^2", "\\frac{x^3}{3} + C"),
    ("x^2", "답: 2x + C"),
]


@pytest.mark.parametrize(("function", "answer"), PLUS_C)
def test_plus_c_is_the_mistake_antiderivative(function, answer):
    g = check_answer(function, answer)
    assert g.verdict == "incorrect", g.report()
    assert g.mistake == "antiderivative"
    assert g.mistake_detail == INTEGRATION_CONSTANT.description
    assert g.mistake_hint == INTEGRATION_CONSTANT.hint
    assert "+ C" in g.mistake_detail and "+ C" in g.mistake_hint


def test_plus_c_says_whether_the_rest_is_the_derivative():
    assert "without the '+ C', it is the derivative" in check_answer("x^2", "2x + C").reason
    assert "at x = " in check_answer("x^2", "3x + C").reason


def test_a_declared_variable_c_is_not_a_constant_of_integration():
    g = check_answer("x^2 + C x", "2x + C", variables=("x", "C"))
    assert g.verdict == "correct", g.report()
    assert read_answer("2x + C", variables=("x", "C")).constant == ""
    assert read_answer("2x + C").constant == "+ C"


@pytest.mark.parametrize("answer", ["C", "+ C", "2x + Cx"])
def test_c_that_is_not_a_trailing_constant_stays_invalid(answer):
    assert check_answer("x^2", answer).verdict == "invalid"


# (function, answer, read as): decimals are echoed as typed
DECIMALS = [
    ("e^x", "2.71828^x", "2.71828^x"),
    ("x^2/4", "0.5x", "0.5x"),
    ("x^2", "2.0x", "2x"),
    ("x^3", "3x^2 - 0.25", "3x^2 - 0.25"),
    ("x^3", "x^1.5", "x^(1.5)"),
]


@pytest.mark.parametrize(("function", "answer", "shown"), DECIMALS)
def test_decimals_are_echoed_as_typed(function, answer, shown):
    g = check_answer(function, answer)
    assert g.read_as == shown
    assert "/" not in (g.read_as or "")


def test_decimals_stay_exact_for_grading():
    assert read_answer("2.71828^x").expr == sympy.Rational(271828, 100000) ** x
    assert check_answer("e^x", "2.71828^x").verdict == "incorrect"
    assert check_answer("x^2/4", "0.5x").verdict == "correct"
