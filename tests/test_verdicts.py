"""One verdict (design.md, lesson 6): the sweep's claim check, homework ``check`` and the suite
judge the same (function, answer, point) triple the same way, under ``policy.POLICY``; a
correct derivative of a smooth function never fails, and a wrong one always does.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from verifier.errors import DomainError
from verifier.expr import symbol
from verifier.homework.judge import check_answer
from verifier.reference import exact_derivative
from verifier.suite.cases import load_cases
from verifier.suite.run import run_case
from verifier.sweep import sweep
from verifier.symbolic.steps import format_expr

x = symbol("x")

# (function, answer, point, the verdict every job must give)
TRIPLES: list[tuple[str, str, float, str]] = [
    # near misses: wrong by more than the derivative row's rtol (1e-12)
    ("x^2", "2x + 1e-9", 1.0, "fail"),
    ("x^2", "2x + 1e-9", 0.3, "fail"),
    ("x^3", "3.0001x^2", 2.0, "fail"),
    ("x^3", "3x^2 + 1e-6", -1.5, "fail"),
    ("x^2", "2.00000000001x", 1.7, "fail"),
    ("sin(x)", "cos(x) + 1e-8", 0.5, "fail"),
    ("sin(x)", "1.000001cos(x)", 0.5, "fail"),
    ("exp(x)", "exp(x) * (1 + 1e-10)", 1.0, "fail"),
    ("exp(sin(x))", "1.000001 cos(x) exp(sin(x))", 0.47, "fail"),
    ("exp(sin(x^2))", "2x cos(x^2) exp(sin(x^2)) + 1e-7", 2.6, "fail"),
    ("log(x)", "1/x + 1e-9", 3.0, "fail"),
    ("sqrt(x)", "0.5000001/sqrt(x)", 4.0, "fail"),
    ("tan(x)", "sec(x)^2 + 1e-9", 0.7, "fail"),
    ("atan(x)", "1/(1 + x^2) + 1e-10", 0.9, "fail"),
    ("x^5", "5.000001x^4", 1.1, "fail"),
    ("1/x", "-1/x^2 + 1e-8", 2.5, "fail"),
    ("x e^x", "e^x", 1.3, "fail"),
    ("sin(x)^2", "2cos(x)", 0.8, "fail"),
    ("cos(x)", "sin(x)", 1.2, "fail"),
    ("x^2 + 2x + 1", "2x + 1", 15.0, "fail"),
    ("tanh(x)", "1 - tanh(x)^2 + 1e-9", 0.4, "fail"),
    ("exp(2x)", "exp(2x)", 0.6, "fail"),
    # below the tolerance: the same number to 13 digits is the same derivative value
    ("x^2", "2.0000000000001x", 1.7, "pass"),
    ("x^3", "3x^2 + 1e-15", 2.0, "pass"),
    # equivalent forms
    ("x^2 + 2x + 1", "2x + 2", 15.0, "pass"),
    ("x^2 + 2x + 1", "2(x + 1)", -3.0, "pass"),
    ("sin(x)^2", "2sin(x)cos(x)", 0.8, "pass"),
    ("sin(x)^2", "sin(2x)", 0.8, "pass"),
    ("x e^x", "e^x (x + 1)", 1.3, "pass"),
    ("x e^x", "x e^x + e^x", -0.4, "pass"),
    ("x^3 e^x", "3x^2 e^x + x^3 e^x", 0.5, "pass"),
    ("exp(sin(x))", "cos(x) exp(sin(x))", 0.47, "pass"),
    ("exp(sin(x))", "cos(x) exp(sin(x))", 0.67, "pass"),
    ("exp(sin(x^2))", "2x cos(x^2) exp(sin(x^2))", 0.3, "pass"),
    ("exp(sin(x^2))", "2x cos(x^2) exp(sin(x^2))", 1.1, "pass"),
    ("exp(sin(x^2))", "2x cos(x^2) exp(sin(x^2))", 2.6, "pass"),
    ("log(x)", "1/x", 3.0, "pass"),
    ("log(x^2)", "2/x", 1.5, "pass"),
    ("sqrt(x)", "1/(2 sqrt(x))", 4.0, "pass"),
    ("sqrt(x)", "0.5 x^(-1/2)", 4.0, "pass"),
    ("tan(x)", "1 + tan(x)^2", 0.7, "pass"),
    ("tan(x)", "1/cos(x)^2", 0.7, "pass"),
    ("1/x", "-x^(-2)", 2.5, "pass"),
    ("tanh(x)", "sech(x)^2", 0.4, "pass"),
    ("exp(2x)", "2 exp(2x)", 0.6, "pass"),
    ("x^x", "x^x (log(x) + 1)", 1.5, "pass"),
    ("(x^2 + 1)^3", "6x (x^2 + 1)^2", 0.9, "pass"),
    ("atan(x)", "1/(1 + x^2)", 0.9, "pass"),
]


def _suite_verdict(tmp_path: Path, function: str, answer: str, point: float) -> str:
    case = tmp_path / "triple.toml"
    case.write_text(
        "schema = 1\n\n[[case]]\n"
        'id = "triple"\n'
        f'function = "{function}"\n'
        f"points = [{point!r}]\n"
        f'claimed = "{answer}"\n',
        encoding="utf-8",
    )
    (loaded,) = load_cases(case)
    return run_case(loaded).verdict


@pytest.mark.parametrize("function, answer, point, expected", TRIPLES)
def test_sweep_check_and_suite_agree(tmp_path, function, answer, point, expected):
    table = sweep(function, points=[point], claimed=answer, methods=["central", "complex_step"])
    claim = table.claim
    sweep_verdict = "pass" if claim is not None and claim.passed else "fail"
    grade = check_answer(function, answer, points=[point])
    check_verdict = {"correct": "pass", "incorrect": "fail"}.get(grade.verdict, grade.verdict)
    suite_verdict = _suite_verdict(tmp_path, function, answer, point)
    assert (sweep_verdict, check_verdict, suite_verdict) == (expected,) * 3, (
        f"{function} / {answer} at {point}: sweep {sweep_verdict}, check {check_verdict} "
        f"({grade.reason}), suite {suite_verdict}"
    )


def test_the_table_is_large_enough_and_balanced():
    assert len(TRIPLES) >= 40
    assert {v for *_, v in TRIPLES} == {"pass", "fail"}


# ----------------------------------------------------------------------------- zero false failures

# Smooth heads of the rule table, each with the domain its argument must stay in.
_UNARY = {
    "sin": None,
    "cos": None,
    "exp": None,
    "atan": None,
    "tanh": None,
    "log": "positive",
    "sqrt": "positive",
}


@st.composite
def smooth_expressions(draw, depth: int = 3) -> sympy.Expr:
    """Random smooth functions of x built from the rule table's heads."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        coef = sympy.Rational(draw(st.integers(1, 5)), draw(st.integers(1, 3)))
        power = draw(st.integers(0, 3))
        return coef * x**power + sympy.Rational(draw(st.integers(-2, 2)), 2)
    kind = draw(st.sampled_from(["add", "mul", "pow", "unary", "unary"]))
    if kind == "add":
        return draw(smooth_expressions(depth - 1)) + draw(smooth_expressions(depth - 1))
    if kind == "mul":
        return draw(smooth_expressions(depth - 1)) * draw(smooth_expressions(depth - 1))
    if kind == "pow":
        return draw(smooth_expressions(depth - 1)) ** draw(st.integers(2, 3))
    name = draw(st.sampled_from(sorted(_UNARY)))
    inner = draw(smooth_expressions(depth - 1))
    if _UNARY[name] == "positive":
        inner = inner**2 + 1  # keeps log and sqrt inside their domain everywhere
    if name == "exp":
        inner = sympy.sin(inner)  # bounded: no overflow at any point
    return getattr(sympy, name)(inner)


def _claim_case(tmp_path: Path, f: sympy.Expr, claimed: sympy.Expr, point: float) -> str:
    return _suite_verdict(tmp_path, format_expr(f), format_expr(claimed), point)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(f=smooth_expressions(), point=st.floats(-2.0, 2.0).map(lambda v: round(v, 3)))
def test_the_suite_passes_every_correct_claim_and_fails_every_planted_error(tmp_path, f, point):
    assume(f.has(x))
    assume(sympy.count_ops(f) <= 40)
    try:
        exact = exact_derivative(f, "x", point)
    except DomainError:
        assume(False)
    assume(math.isfinite(float(exact)) and abs(float(exact)) < 1e8)
    right = sympy.diff(f, x)  # the independent oracle, not the rule engine
    assert _claim_case(tmp_path, f, right, point) == "pass", f"correct claim failed: {f} at {point}"
    # plant one coefficient off by 1e-6 relative, in a term that is not negligible here
    terms = right.args if isinstance(right, sympy.Add) else (right,)
    values = [float(t.subs(x, point)) for t in terms]
    k = max(range(len(terms)), key=lambda i: abs(values[i]))
    assume(abs(values[k]) * 1e-6 > 1e-9 * max(1.0, abs(float(exact))))
    wrong = right - terms[k] + terms[k] * sympy.Rational(1_000_001, 1_000_000)
    assert _claim_case(tmp_path, f, wrong, point) == "fail", f"planted error passed: {f} at {point}"


# ----------------------------------------------------------------------------- the examples


@pytest.mark.parametrize("point", [0.47, 0.67])
def test_sweep_of_a_smooth_function_passes(point):
    assert sweep("exp(sin(x))", points=[point]).passed


def test_correct_claim_of_exp_sin_square_passes_at_three_points(tmp_path):
    case = tmp_path / "c.toml"
    case.write_text(
        'schema = 1\n\n[[case]]\nid = "esq"\nfunction = "exp(sin(x^2))"\n'
        'points = [0.3, 1.1, 2.6]\nclaimed = "2x cos(x^2) exp(sin(x^2))"\n',
        encoding="utf-8",
    )
    (loaded,) = load_cases(case)
    outcome = run_case(loaded)
    assert outcome.verdict == "pass", outcome.to_frame().to_string()


@pytest.mark.parametrize(
    "function, claimed, point",
    [
        # found by the hypothesis test: 1 + 1.5e-5 rounds, so f(x + h) == f(x - h) at tiny h
        ("log((x^2 - 1/2)^4 + 1)", "8x (x^2 - 1/2)^3 / ((x^2 - 1/2)^4 + 1)", 0.75),
        # found by the hypothesis test: sin of an argument near 4500 loses digits (ill-conditioned)
        (
            "exp(sin((5x^3/2 - 1/2)^3 + 1))",
            "exp(sin((5x^3/2 - 1/2)^3 + 1)) cos((5x^3/2 - 1/2)^3 + 1) * 3 (5x^3/2 - 1/2)^2 * 15x^2/2",
            1.895,
        ),
    ],
)
def test_round_off_the_model_underrates_is_not_a_failure(tmp_path, function, claimed, point):
    assert _suite_verdict(tmp_path, function, claimed, point) == "pass"


def test_check_accepts_any_sympy_expression():
    for sym in (sympy.Symbol("x"), sympy.Symbol("x", positive=True), sympy.Symbol("x", real=True)):
        assert check_answer(sym**2, "2x").verdict == "correct"
        assert check_answer(sym**2, "3x").verdict == "incorrect"
    a, b = sympy.Symbol("a"), sympy.Symbol("b", positive=True)
    assert check_answer(a**2 * b, "2ab", variable="a", variables=("a", "b")).verdict == "correct"
