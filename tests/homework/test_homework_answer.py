"""verifier.homework.answer: what was typed (or passed as sympy) -> the expression graded.

Includes the issue's item 6: ``check`` accepts any sympy expression; symbols with any
assumptions are matched by name.
"""

from __future__ import annotations

import pytest
import sympy

from verifier.errors import ParseError, VerifierError
from verifier.expr import symbol
from verifier.homework.answer import (
    MAX_ANSWER_LENGTH,
    as_expression,
    read_answer,
    shown_answer,
    split_equation,
)
from verifier.homework.judge import check_answer


@pytest.mark.parametrize(
    ("text", "rhs"),
    [
        ("f'(x) = 2x", " 2x"),
        ("y'=2x", "2x"),
        ("dy/dx = 2x", " 2x"),
        ("d/dx = 2x", " 2x"),
        ("df/dx=2x", "2x"),
        ("d/dx f(x) = 2x", " 2x"),
        ("∂f/∂x = 2x", " 2x"),
        ("f_x = 2x", " 2x"),
        ("2x", "2x"),
    ],
)
def test_split_equation(text, rhs):
    assert split_equation(text) == rhs


@pytest.mark.parametrize(
    "text", ["g(x) = 2x", "f''(x) = 2", "dy/dt = 2", "2x = 2x", "a = b = c", "= 2x"]
)
def test_split_equation_rejects_unknown_left_sides(text):
    with pytest.raises(ParseError):
        split_equation(text)


@pytest.mark.parametrize(
    "assumptions",
    [{}, {"positive": True}, {"real": True}, {"nonnegative": True}, {"integer": True}],
)
def test_sympy_function_symbols_are_matched_by_name(assumptions):
    x = sympy.Symbol("x", **assumptions)
    g = check_answer(x**2, "2x")
    assert g.verdict == "correct", g.reason
    assert check_answer(x**2, "3x").verdict == "incorrect"
    assert check_answer(x**3, 3 * x**2).verdict == "correct"  # a sympy answer, same symbol
    assert check_answer(x**3, 3 * sympy.Symbol("x", positive=True) ** 2).verdict == "correct"


def test_sympy_issue_example():
    g = check_answer(sympy.Symbol("x") ** 2, "2x")
    assert g.ok and "derivative is 0" not in g.reason
    assert g.derivative == "2x"


@pytest.mark.parametrize("assumptions", [{}, {"positive": True}, {"real": True}])
def test_sympy_multivariable_function(assumptions):
    x, y = sympy.symbols("x y", **assumptions)
    f = x**2 * y + sympy.sin(x * y)
    # the variables are the expression's own when none are named
    assert check_answer(f, "2xy + y cos(x y)").verdict == "correct"
    assert check_answer(f, "x^2 + x cos(x y)", "y").verdict == "correct"
    assert check_answer(f, "2xy + y cos(x y)", "y").mistake == "wrong_variable"
    g = check_answer(f, 2 * x * y + y * sympy.cos(x * y), variables=("x", "y"))
    assert g.verdict == "correct", g.reason
    # a variable that is not in the function yet (d/dz of x^2 y is 0)
    assert check_answer(f, "0", "z").verdict == "correct"


def test_sympy_function_with_unnamed_symbol_raises():
    x, y = sympy.symbols("x y")
    with pytest.raises(VerifierError, match="uses y"):
        check_answer(x * y, "y", variables=("x",))


def test_sympy_answer_with_unknown_symbol_is_invalid():
    x, t = sympy.symbols("x t")
    g = check_answer(x**2, 2 * t)
    assert g.verdict == "invalid" and "uses t" in g.reason


def test_sympy_positive_symbol_keeps_its_own_simplifications():
    x = sympy.Symbol("x", positive=True)
    # sqrt(x^2) is x for a positive x: the teacher's function is x, graded as such
    assert check_answer(sympy.sqrt(x**2), "1").verdict == "correct"
    assert check_answer(sympy.sqrt(x), "1/(2 sqrt(x))").verdict == "correct"


def test_as_expression_is_the_parser_symbol():
    for s in (sympy.Symbol("x"), sympy.Symbol("x", positive=True), sympy.Symbol("x", real=True)):
        e = as_expression(sympy.exp(s) * s)
        assert e == sympy.exp(symbol("x")) * symbol("x")
    with pytest.raises(VerifierError, match="expected a sympy expression"):
        as_expression("x")  # type: ignore[arg-type]


def test_read_answer_text():
    a = read_answer("y' = 1/2x")
    assert a.read_as == "x/2" and a.warnings and a.text == "y' = 1/2x"
    with pytest.raises(ParseError, match="empty"):
        read_answer("f'(x) =   ")
    with pytest.raises(VerifierError, match="characters long"):
        read_answer("x" * (MAX_ANSWER_LENGTH + 1))
    with pytest.raises(VerifierError, match="not text"):
        read_answer(3)  # type: ignore[arg-type]


def test_shown_answer():
    assert shown_answer("x" * (MAX_ANSWER_LENGTH + 1)).endswith("...")
    assert len(shown_answer("x" * (MAX_ANSWER_LENGTH + 1))) == 203
    assert shown_answer(sympy.Symbol("x", positive=True) ** 2) == "x^2"
    assert shown_answer(b"2x") == "b'2x'"


def test_a_read_answer_is_kept_per_language():
    # read_answer is cached (the service reads an answer to judge it and again to show it):
    # the warnings come back in the language of the caller, not of the first reader
    from verifier.homework.answer import clear_cache
    from verifier.i18n import use_language

    clear_cache()
    with use_language("ko"):
        ko = read_answer("1/2x")
    with use_language("en"):
        en = read_answer("1/2x")
        assert read_answer("1/2x") is en  # the second reading is the cached one
    assert ko.expr == en.expr and ko.warnings and en.warnings
    assert ko.warnings != en.warnings
    assert all(ord(c) < 128 for w in en.warnings for c in w)
