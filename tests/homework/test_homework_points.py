"""``check_answer(..., points=...)``: the verdict at exactly the given points is the policy's.

The answer is correct at given points iff every point passes
:func:`verifier.policy.judge_derivative` on exact values (the exact reference derivative
from :mod:`verifier.reference` against the answer's exact value): the same rule the sweep's
claim check and the suite use, so the three never judge one (function, answer, point) triple
differently.  The expected verdicts below are recomputed from reference + policy, not typed in.
"""

from __future__ import annotations

import pytest
import sympy

from verifier.errors import DomainError
from verifier.expr import parse
from verifier.homework.judge import check_answer
from verifier.policy import judge_derivative
from verifier.reference import exact_derivative, exact_value

X = ("x",)
XY = ("x", "y")

# (function, answer, points, variable, variables)
TRIPLES = [
    ("x^2", "2x", [0.5, 2.0, -3.0], "x", X),
    ("x^2", "2x + 1e-9", [0.5, 2.0], "x", X),
    ("x^2", "2x + 1e-13", [0.5], "x", X),  # relative 1e-13 at |f'| = 1: within rtol 1e-12
    ("x^2", "2x + 1e-11", [0.5], "x", X),
    ("x^2", "2x(1 + 1e-13)", [3.0], "x", X),
    ("x^2", "2x(1 + 1e-11)", [3.0], "x", X),
    ("x^2", "2.000000000001x", [1.0], "x", X),
    ("x^3", "3.0001x^2", [1.0], "x", X),
    ("x^2", "2x + (x - 1)(x - 2)", [1.0, 2.0], "x", X),  # right at these points only
    ("x^2", "2x + (x - 1)(x - 2)", [1.0, 1.5], "x", X),
    ("sin(x)^2", "sin(2x)", [0.3, 1.1, 2.6], "x", X),
    ("exp(sin(x^2))", "2x cos(x^2) exp(sin(x^2))", [0.3, 1.1, 2.6], "x", X),
    ("exp(sin(x^2))", "2x cos(x^2) exp(sin(x^2)) * 1.000001", [0.3, 1.1, 2.6], "x", X),
    ("exp(sin(x))", "cos(x) e^(sin x)", [0.47, 0.67], "x", X),
    ("ln(x)", "1/|x|", [0.5, 2.0], "x", X),
    ("ln(x^2)", "2/|x|", [0.5, 2.0], "x", X),
    ("ln(x^2)", "2/|x|", [-0.5], "x", X),
    ("x^2", "2x^2/x", [0.0], "x", X),  # the answer is undefined where f' = 0 is not
    ("x^2", "2x^2/x", [1.0], "x", X),
    ("sqrt(x)", "1/(2 sqrt(x))", [1e-8, 4.0], "x", X),
    ("x^x", "x^x (ln x + 1)", [0.5, 2.0], "x", X),
    ("atan(x)", "1/(1+x^2)", [1e8], "x", X),
    ("x^2 y + y^3", "2xy", [{"x": 1.0, "y": 2.0}, {"x": -0.5, "y": 0.25}], "x", XY),
    ("x^2 y + y^3", "x^2 + 3y^2", [{"x": 1.0, "y": 2.0}], "y", XY),
    ("x^2 y + y^3", "x^2 + 3.0000001y^2", [{"x": 1.0, "y": 2.0}], "y", XY),
    ("x^2 y + y^3", "2xy", [{"x": 1.0, "y": 0.0}], "y", XY),  # wrong variable, 0 vs 1
]


def _expected(function, answer, points, variable, variables):
    f, a = parse(function, variables), parse(answer, variables)
    for p in points:
        point = p if isinstance(p, dict) else {variable: p}
        ref = exact_derivative(f, variable, point, variables=variables)
        try:
            v = exact_value(a, point, variables=variables)
        except DomainError:
            return "incorrect"
        if judge_derivative(ref, v).verdict != "pass":
            return "incorrect"
    return "correct"


@pytest.mark.parametrize(("function", "answer", "points", "variable", "variables"), TRIPLES)
def test_verdict_at_given_points_is_the_policys(function, answer, points, variable, variables):
    g = check_answer(function, answer, variable, variables=variables, points=points)
    assert g.verdict == _expected(function, answer, points, variable, variables), g.reason
    if g.verdict == "incorrect":
        assert g.counterexample is not None
        pts = [p if isinstance(p, dict) else {variable: p} for p in points]
        assert dict(g.counterexample.point) in pts


def test_table_has_both_verdicts():
    verdicts = {_expected(*t) for t in TRIPLES}
    assert verdicts == {"correct", "incorrect"}


def test_given_points_judge_only_there():
    assert check_answer("x^2", "2x + (x - 1)(x - 2)", points=[1.0, 2.0]).verdict == "correct"
    assert check_answer("x^2", "2x + (x - 1)(x - 2)").verdict == "incorrect"


def test_near_miss_same_verdict_as_sampled_check():
    for answer in ("2x + 1e-9", "2.000000001x", "2x"):
        sampled = check_answer("x^2", answer).verdict
        assert check_answer("x^2", answer, points=[0.5, 1.5, 2.5]).verdict == sampled


def test_given_points_keep_the_mistake_diagnosis():
    g = check_answer("x^3 e^x", "3x^2 e^x", points=[1.0])
    assert g.verdict == "incorrect" and g.mistake == "product_as_fprime_g"
    assert g.counterexample.point == {"x": 1.0}


def test_given_point_where_f_is_not_differentiable_raises():
    with pytest.raises(DomainError, match="x = 0"):
        check_answer("|x|", "sign(x)", points=[0.0])
    with pytest.raises(DomainError):
        check_answer("ln(x)", "1/x", points=[-1.0])


def test_invalid_answer_at_given_points():
    assert check_answer("x^2", "2x +", points=[1.0]).verdict == "invalid"


def test_sympy_function_at_given_points():
    x, y = sympy.symbols("x y", positive=True)
    g = check_answer(x**2 * y, "2xy", points=[{"x": 1.0, "y": 2.0}])
    assert g.verdict == "correct", g.reason
    assert check_answer(sympy.Symbol("x") ** 2, 2 * sympy.Symbol("x"), points=[3.0]).ok
