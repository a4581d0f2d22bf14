"""The mistake table: every faulty row and whole-answer mistake gives a wrong derivative."""

from __future__ import annotations

import pytest
import sympy

from verifier.expr import symbol
from verifier.symbolic.mistakes import (
    MISTAKE_RULES,
    MISTAKES,
    WHOLE_ANSWER_MISTAKES,
    Mistake,
    WrongDerivative,
    wrong_derivatives,
)
from verifier.symbolic.rules import RULE_NAMES, RULES, differentiate

x, y = symbol("x"), symbol("y")
E = sympy.exp

#: Points where every example below is defined and real (x > 0 for log and sqrt).
POINTS = (sympy.Rational(7, 10), sympy.Rational(19, 10))


def _values_differ(wrong: sympy.Expr, right: sympy.Expr) -> bool:
    """True when wrong and right differ at one of POINTS by more than 1e-6 relative.

    Bound: both are evaluated by sympy at 30 digits, so rounding is ~1e-30; each mistake
    changes the value by a factor of order one at these points, so 1e-6 separates "the
    same function" from "a different one" with a wide margin either side.
    """
    for p in POINTS:
        env = {x: p, y: sympy.Rational(3, 10)}
        w, r = wrong.xreplace(env).evalf(30), right.xreplace(env).evalf(30)
        if abs(w - r) > sympy.Float("1e-6", 30) * max(1, abs(r)):
            return True
    return False


def _wrong(expr: sympy.Expr) -> dict[str, sympy.Expr]:
    return {w.mistake.name: w.result for w in wrong_derivatives(expr, x)}


# mistake name, an expression where it matters, the derivative the faulty rule gives
MISTAKE_EXAMPLES = [
    ("product_as_fprime_g", x**3 * E(x), 3 * x**2 * E(x)),
    ("product_missing_term", x**3 * E(x), x**3 * E(x)),
    ("chain_missing_inner", sympy.sin(x**2), sympy.cos(x**2)),
    ("quotient_sign_swapped", sympy.sin(x) / x, (sympy.sin(x) - x * sympy.cos(x)) / x**2),
    ("quotient_denominator_not_squared", sympy.sin(x) / x, (x * sympy.cos(x) - sympy.sin(x)) / x),
    ("power_not_lowered", x**3, 3 * x**3),
    ("power_rule_on_exponential", 2**x, x * 2 ** (x - 1)),
    ("exp_as_power", E(x), x * E(x - 1)),
    ("log_as_inverse_square", sympy.log(x), x**-2),
    ("log_unchanged", sympy.log(x), sympy.log(x)),
    ("cos_derivative_sign", sympy.cos(x), sympy.sin(x)),
    ("sin_derivative_sign", sympy.sin(x), -sympy.cos(x)),
    ("constant_factor_dropped", 5 * x**2, 2 * x),
]


def test_mistake_table_is_complete() -> None:
    assert {name for name, *_ in MISTAKE_EXAMPLES} == set(MISTAKES) == set(MISTAKE_RULES)
    for name, m in MISTAKES.items():
        assert isinstance(m, Mistake) and m.name == name
        assert m.rule in RULE_NAMES and m.description and m.hint
        assert set(MISTAKE_RULES[m.name]) <= set(RULES)  # variants replace rows of the table


@pytest.mark.parametrize(
    ("name", "expr", "expected"), MISTAKE_EXAMPLES, ids=[m[0] for m in MISTAKE_EXAMPLES]
)
def test_mistake_gives_a_derivative_that_differs_from_the_right_one(
    name: str, expr: sympy.Expr, expected: sympy.Expr
) -> None:
    wrong = _wrong(expr)
    assert name in wrong, f"{name} missing for {expr}: {sorted(wrong)}"
    right = differentiate(expr, x).result
    assert sympy.simplify(wrong[name] - expected) == 0, wrong[name]
    assert sympy.simplify(wrong[name] - right) != 0
    assert _values_differ(wrong[name], right)


def test_mistake_applies_everywhere_its_rule_applies() -> None:
    wrong = _wrong(sympy.cos(x) + sympy.cos(2 * x) * 3)
    assert sympy.expand(wrong["cos_derivative_sign"] - (sympy.sin(x) + 6 * sympy.sin(2 * x))) == 0


def test_only_variants_that_differ_are_returned() -> None:
    assert set(_wrong(x**2 + 1)) == {"power_not_lowered"}
    assert wrong_derivatives(sympy.Integer(3), x) == []
    # the inner derivative of sin(x + 1) is 1: dropping it changes nothing
    assert "chain_missing_inner" not in _wrong(sympy.sin(x + 1))


def test_differs_predicate_decides_and_gets_wrong_then_correct() -> None:
    expr = sympy.log(sympy.Abs(x))  # chain_missing_inner: 1/|x| instead of sign(x)/|x|
    assert "chain_missing_inner" in _wrong(expr)  # different in form (and for x < 0)
    seen: list[tuple[sympy.Expr, sympy.Expr]] = []

    def at_positive_points(wrong: sympy.Expr, correct: sympy.Expr) -> bool:
        seen.append((wrong, correct))
        return _values_differ(wrong, correct)  # POINTS are positive: 1/|x| = sign(x)/|x| there

    kept = wrong_derivatives(expr, x, differs=at_positive_points)
    assert "chain_missing_inner" not in {w.mistake.name for w in kept}
    correct = differentiate(expr, x).unsimplified
    assert seen and all(c == correct for _, c in seen)
    assert sympy.Abs(x) ** -1 in {w for w, _ in seen}
    assert wrong_derivatives(x**3, x, differs=lambda w, c: True)[0].mistake.name == (
        "power_not_lowered"
    )


def test_wrong_derivatives_match_the_variable_by_name() -> None:
    xp = sympy.Symbol("x", positive=True)
    for var in ("x", symbol("x"), xp):
        (w,) = wrong_derivatives(xp**3, var)
        assert w.mistake.name == "power_not_lowered" and w.result == 3 * xp**3


def test_wrong_derivatives_are_cached_and_fresh_lists() -> None:
    a = wrong_derivatives(x * sympy.sin(x), x)
    b = wrong_derivatives(x * sympy.sin(x), x)
    assert a == b and a is not b
    assert all(isinstance(w, WrongDerivative) for w in a)
    with pytest.raises(AttributeError):
        a[0].result = x  # type: ignore[misc]


# --------------------------------------------------------------------------- whole answers

F = x**2 * y + sympy.sin(x)  # a function where every whole-answer mistake matters


def _built(name: str, other: object = None) -> sympy.Expr:
    _, _, _, build = WHOLE_ANSWER_MISTAKES[name]
    return build(F, differentiate(F, x).result, other)


def test_whole_answer_table_shape() -> None:
    assert set(WHOLE_ANSWER_MISTAKES) == {
        "sign_error",
        "original_function",
        "antiderivative",
        "wrong_variable",
        "first_derivative_given",
    }
    assert not set(WHOLE_ANSWER_MISTAKES) & set(MISTAKES)  # one name, one mistake
    for desc, hint, kind, build in WHOLE_ANSWER_MISTAKES.values():
        assert desc and hint and kind in ("value", "derivative") and callable(build)
    assert WHOLE_ANSWER_MISTAKES["antiderivative"][2] == "derivative"


@pytest.mark.parametrize("name", sorted(WHOLE_ANSWER_MISTAKES))
def test_whole_answer_mistake_differs_from_the_right_derivative(name: str) -> None:
    other = {"wrong_variable": y, "first_derivative_given": x}.get(name)
    # first_derivative_given is a mistake of a problem asking for f'': compare with f''
    right = differentiate(F, x, order=2 if other == x else 1).result
    built = _built(name, other)
    # "value": the answer is `built`; "derivative": the answer's derivative is `built`
    assert sympy.simplify(built - right) != 0
    assert _values_differ(built, right)


def test_whole_answer_builds_as_expected() -> None:
    right = differentiate(F, x).result
    assert _built("sign_error") == -right
    assert _built("original_function") == F == _built("antiderivative")
    assert _built("wrong_variable", y) == x**2
    assert _built("first_derivative_given", x) == 2 * x * y + sympy.cos(x)


def test_wrong_variable_matches_the_other_variable_by_name() -> None:
    xs, ys = sympy.Symbol("x"), sympy.Symbol("y", positive=True)
    f = xs**2 * ys**3
    build = WHOLE_ANSWER_MISTAKES["wrong_variable"][3]
    for other in ("y", symbol("y"), ys):
        assert build(f, 2 * xs * ys**3, other) == 3 * xs**2 * ys**2
