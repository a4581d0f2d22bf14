"""The exact reference: values at the exact float64 point, domain errors, kinks, the oracle."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

from verifier.compare import compare
from verifier.errors import DomainError, VerifierError
from verifier.expr import symbol
from verifier.reference import (
    crosscheck,
    derivative_magnitudes,
    exact_derivative,
    exact_value,
    exact_values,
    roundoff_scale,
)

x, x0, x1 = symbol("x"), symbol("x0"), symbol("x1")


def test_exact_value_uses_the_float64_point_not_the_decimal():
    v = exact_value(x * 10, 0.1)
    assert v != 1  # 10 * 0.1000000000000000055511... is not 1
    with mpmath.workdps(50):  # 40 digits of the reference, checked at 50
        assert abs(mpmath.mpf(v) - mpmath.mpf(0.1) * 10) < mpmath.mpf(10) ** -35
    assert mpmath.nstr(v, 20) == "1.0000000000000000555"


def test_exact_values_are_30_digits():
    vals = exact_values(sympy.exp(x), [1.0, 2.0])
    with mpmath.workdps(50):
        assert abs(vals[0] - mpmath.e) < mpmath.mpf(10) ** -30
        assert abs(vals[1] - mpmath.e**2) < mpmath.mpf(10) ** -29
    with pytest.raises(VerifierError, match="30 digits"):
        exact_value(x, 1.0, dps=15)


def test_exact_derivative_comes_from_rule_engine_at_high_precision():
    # cos(1) to 30 digits; the float64 estimate's error is measured beyond float64
    ref = exact_derivative(sympy.sin(x), "x", 1.0)
    with mpmath.workdps(40):
        assert abs(ref - mpmath.cos(1)) < mpmath.mpf(10) ** -30
    c = compare(np.array([ref], dtype=object), [np.cos(1.0)])
    assert 0 < c.abs_error[0] < 1.2e-16


@pytest.mark.parametrize(
    "expr, point, words",
    [
        (sympy.log(x), -1.0, ["not real", "x = -1"]),
        (1 / x, 0.0, ["not finite", "x = 0"]),
        (sympy.sqrt(x), 0.0, ["f'", "not finite", "x = 0"]),
        (sympy.Abs(x), 0.0, ["not differentiable", "kink", "x = 0", "left -1", "right 1"]),
        (sympy.floor(x), 2.0, ["jump", "x = 2"]),
        (sympy.exp(x), 1000.0, ["not finite in float64", "x = 1000"]),
    ],
)
def test_domain_errors_name_the_point(expr, point, words):
    with pytest.raises(DomainError) as info:
        exact_derivative(expr, "x", point)
    text = str(info.value)
    for w in words:
        assert w in text
    assert info.value.hint
    assert info.value.point == {"x": point}


def test_kink_check_does_not_reject_differentiable_abs():
    # x|x| is differentiable at 0 (derivative 0): not a kink
    assert exact_derivative(x * sympy.Abs(x), "x", 0.0) == 0
    assert exact_derivative(sympy.Abs(x), "x", -2.0) == -1


def test_multivariable_exact_partial():
    ref = exact_derivative(x0**2 + x1**2, "x1", {"x0": 1.0, "x1": 3.0}, variables=["x0", "x1"])
    assert ref == 6


def test_model_magnitudes_and_scale():
    assert derivative_magnitudes(sympy.sin(x), "x", 0.0, (0, 1, 2, 3)) == {
        0: 0.0,
        1: 1.0,
        2: 0.0,
        3: 1.0,
    }
    assert roundoff_scale(x**6 - 3 * x**2 + 1, 1.0) == 5.0


def test_real_function_through_complex_intermediates_is_real() -> None:
    # sympy's mpmath printer writes sech(x^2) with exp(2*log(x)): complex for x < 0,
    # with an imaginary part at the noise level (found by the bundled tanh_of_square case).
    from verifier.expr import parse

    value = exact_value(parse("sech(x^2)"), {"x": -1.1})
    assert abs(float(value) - 0.5476928268273804) < 1e-15


def test_crosscheck_passes_equal_forms_and_catches_a_wrong_derivative():
    assert crosscheck(sympy.sin(x) * sympy.exp(x), "x").verdict == "pass"
    # a deliberately wrong "rule engine" result must fail the oracle (lesson 3)
    wrong = sympy.cos(x) * sympy.exp(x)
    v = crosscheck(sympy.sin(x) * sympy.exp(x), "x", derivative=wrong)
    assert v.verdict == "fail" and "sympy.diff" in v.reason
    # off by 1e-13 relative is still a different function for the oracle (rtol 1e-15)
    v = crosscheck(x**2, "x", [1.0], derivative=2 * x * (1 + sympy.Rational(1, 10**13)))
    assert v.verdict == "fail"


def test_crosscheck_with_plain_sympy_symbols():
    y = sympy.Symbol("y")  # no assumptions: matched by name
    assert crosscheck(y**3, "y").verdict == "pass"
    assert float(exact_derivative(y**3, "y", 2.0)) == 12.0


def test_the_oracle_differentiates_once_per_expression_not_per_point(monkeypatch):
    from verifier import reference

    calls = []
    real = sympy.diff
    monkeypatch.setattr(sympy, "diff", lambda *a, **k: calls.append(a) or real(*a, **k))
    reference._oracle_derivative.cache_clear()
    x = symbol("x")
    f = x**7 * sympy.sin(x) + sympy.Rational(53, 4) * x
    for p in (0.5, 1.0, 2.0, 3.0):
        assert crosscheck(f, "x", [p]).verdict == "pass"
    assert crosscheck(f, "x", order=2).verdict == "pass"
    assert len(calls) == 2  # d/dx once, d^2/dx^2 once
