"""Compiled evaluation, vectorised estimates, exact references, domain errors, gradients."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

from verifier.compare import compare
from verifier.errors import DomainError, UnsupportedError, VerifierError
from verifier.numeric.estimate import (
    compile_function,
    complex_step_safe,
    derivative_magnitudes,
    estimate_derivative,
    exact_derivative,
    exact_value,
    exact_values,
    format_point,
    nditer_gradient,
    numeric_gradient,
    points_array,
    roundoff_scale,
)
from verifier.expr import symbol

x, x0, x1 = symbol("x"), symbol("x0"), symbol("x1")


# --------------------------------------------------------------------------- compiling


def test_compile_once_and_vectorise():
    f = compile_function(sympy.exp(sympy.sin(x)), ["x"])
    assert compile_function(sympy.exp(sympy.sin(x)), ["x"]) is f  # cached
    pts = np.linspace(0, 3, 7)
    assert np.array_equal(f(pts), np.exp(np.sin(pts)))
    assert f.complex_safe
    z = f.evaluate(np.array([1.0 + 1e-20j]), complex=True)
    assert z.imag[0] == pytest.approx(np.exp(np.sin(1.0)) * np.cos(1.0) * 1e-20, rel=1e-15)


def test_compile_constant_broadcasts_and_nan_outside_domain():
    c = compile_function(sympy.Integer(3), ["x"])
    assert c(np.zeros((2, 3))).shape == (2, 3)
    lg = compile_function(sympy.log(x), ["x"])
    out = lg(np.array([-1.0, 1.0]))
    assert np.isnan(out[0]) and out[1] == 0.0


def test_compile_rejects_missing_variables():
    with pytest.raises(VerifierError, match="uses y"):
        compile_function(x * symbol("y"), ["x"])


@pytest.mark.parametrize(
    "expr, safe",
    [
        (sympy.exp(sympy.sin(x)) / (1 + x**2), True),
        (sympy.sqrt(x) * sympy.log(x), True),
        (sympy.Abs(x), False),
        (sympy.sign(x) * x, False),
        (sympy.floor(x), False),
        (sympy.ceiling(x), False),
        (sympy.Max(x, 1), False),
        (sympy.Min(x, 1), False),
        (sympy.conjugate(sympy.Symbol("z")), False),  # a real symbol's conjugate is itself
        (sympy.re(sympy.Symbol("z")), False),
        (sympy.arg(x), False),
        (sympy.frac(x), False),
        (sympy.Mod(x, 2), False),
        (sympy.Heaviside(x), False),
        (sympy.Piecewise((x, x > 0), (-x, True)), False),
    ],
)
def test_complex_step_safety(expr, safe):
    ok, reason = complex_step_safe(expr)
    assert ok is safe
    assert reason  # always a stated reason


def test_unsafe_complex_step_is_refused_not_silently_wrong():
    f = compile_function(sympy.Abs(x) + x, ["x"])
    assert not f.complex_safe and "Abs" in f.complex_reason
    with pytest.raises(UnsupportedError, match="complex step is not safe"):
        estimate_derivative(f, [1.0], "complex_step", h=[1e-20])


# --------------------------------------------------------------------------- estimates


def test_seed_example_central_forward_backward():
    f = x**2 + 2 * x + 1
    got = {
        m: estimate_derivative(f, [15.0], m, h=[0.1]).value[0, 0]
        for m in ("central", "forward", "backward")
    }
    assert got["central"] == pytest.approx(32.0, rel=1e-13)
    assert got["forward"] == pytest.approx(32.1, rel=1e-13)
    assert got["backward"] == pytest.approx(31.9, rel=1e-13)


def test_steps_are_made_representable():
    est = estimate_derivative(x**2, [15.0, 0.3], "forward", h=[0.1, 1e-7])
    xs = np.array([[15.0], [0.3]])
    # x + h is exact: (x + h) - x == h for every step actually used
    assert np.array_equal((xs + est.h) - xs, est.h)
    assert est.h[0, 0] != 0.1  # 15 + 0.1 is not representable: the step was adjusted
    # the forward estimate of x^2 is 2x + h exactly (up to the rounding of f)
    assert est.value[0, 0] == pytest.approx(30 + est.h[0, 0], rel=1e-14)


def test_step_below_spacing_gives_nan_not_garbage():
    est = estimate_derivative(x**2, [1e3], "central", h=[1e-15])
    assert est.h[0, 0] == 0.0 and np.isnan(est.value[0, 0])


def test_all_points_and_steps_in_one_call():
    calls = []
    base = compile_function(sympy.sin(x), ["x"])

    class Counting(type(base)):
        pass

    counting = Counting(
        base.expr,
        base.variables,
        lambda *a: (calls.append(a[0].shape), np.sin(a[0]))[1],
        None,
        "no",
    )
    est = estimate_derivative(counting, [0.1, 0.2, 0.3], "five_point", h=np.logspace(-1, -5, 9))
    assert calls == [(3, 9, 4)]  # ONE evaluation: points x steps x offsets
    assert est.value.shape == (3, 9)


def test_default_step_and_multivariable_partial():
    f = x0**2 * x1 + sympy.sin(x1)
    e0 = estimate_derivative(f, {"x0": 1.0, "x1": 3.0}, "central", var="x0", variables=["x0", "x1"])
    e1 = estimate_derivative(
        f, {"x0": 1.0, "x1": 3.0}, "complex_step", var="x1", variables=["x0", "x1"]
    )
    assert e0.value[0, 0] == pytest.approx(6.0, rel=1e-9)
    assert e1.value[0, 0] == pytest.approx(1.0 + np.cos(3.0), rel=1e-15)
    assert e1.h[0, 0] == 1e-20 * 3.0  # 1e-20 * max(1, |x1|), not made "representable" (imaginary)
    with pytest.raises(VerifierError, match="which variable"):
        estimate_derivative(f, {"x0": 1.0, "x1": 3.0}, "central", variables=["x0", "x1"])


def test_bad_steps_rejected():
    with pytest.raises(VerifierError, match="positive"):
        estimate_derivative(x**2, [1.0], "central", h=[0.0])


# --------------------------------------------------------------------------- exact values


def test_exact_value_uses_the_float64_point_not_the_decimal():
    v = exact_value(x * 10, 0.1)
    assert v != 1  # 10 * 0.1000000000000000055511... is not 1
    assert abs(v - 1 - mpmath.mpf(0.1) * 10 + 1) < mpmath.mpf(10) ** -35
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
        (1 / x, 0.0, ["undefined", "x = 0"]),
        (sympy.sqrt(x), 0.0, ["f'", "undefined", "x = 0"]),
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


def test_points_parsing_and_format():
    assert points_array([{"x0": 1, "x1": 3}, {"x1": 0, "x0": 2}], ["x0", "x1"]).tolist() == [
        [1, 3],
        [2, 0],
    ]
    with pytest.raises(VerifierError):
        points_array([{"x0": 1}], ["x0", "x1"])
    with pytest.raises(VerifierError, match="not finite"):
        points_array([float("nan")], ["x"])
    with pytest.raises(VerifierError, match="one number"):
        points_array(1.0, ["x0", "x1"])
    assert format_point(-1.0) == "x = -1"


# --------------------------------------------------------------------------- gradients


def test_seed_ndiff2():
    f = x0**2 + x1**2
    g = numeric_gradient(f, [1.0, 3.0], h=1e-5)
    assert np.allclose(g, [2.0, 6.0], rtol=1e-9)
    assert np.allclose(
        numeric_gradient(f, [1.0, 3.0], h=1e-5, method="nditer"), [2.0, 6.0], rtol=1e-9
    )


def test_vectorised_equals_nditer_reference():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    xm = rng.normal(size=(3, 4))

    def loss(p):
        p = np.asarray(p)
        return np.sum(np.tanh(p * w) ** 2, axis=(-2, -1))

    vec = numeric_gradient(loss, xm, h=1e-4)
    ref = numeric_gradient(loss, xm, h=1e-4, method="nditer")
    assert vec.shape == xm.shape
    assert compare(ref, vec, rtol=1e-12, atol=1e-14).ok


def test_nditer_delegates_to_seed_function_and_restores_input():
    xv = np.array([1.0, 3.0])
    keep = xv.copy()
    g_seed = nditer_gradient(lambda: float(np.sum(xv**2)), xv, h=1e-4)
    assert np.array_equal(xv, keep)
    g = numeric_gradient(
        lambda p: np.sum(np.asarray(p) ** 2, axis=-1), keep, h=1e-4, method="nditer"
    )
    assert np.array_equal(g, g_seed)
    assert np.array_equal(keep, [1.0, 3.0])  # the caller's array is untouched


def test_vectorised_gradient_calls_f_once():
    calls = []

    def f(p):
        calls.append(np.shape(p))
        return np.sum(p**2, axis=-1)

    numeric_gradient(f, np.arange(5.0))
    assert calls == [(10, 5)]


def test_gradient_rejects_bad_arguments():
    with pytest.raises(VerifierError, match="vector of 2"):
        numeric_gradient(x0 + x1, [1.0], variables=["x0", "x1"])
    with pytest.raises(VerifierError, match="unknown method"):
        numeric_gradient(x0 + x1, [1.0, 2.0], method="loop")
    with pytest.raises(VerifierError, match="h must"):
        numeric_gradient(x0 + x1, [1.0, 2.0], h=0)


def test_real_function_through_complex_intermediates_is_real() -> None:
    # sympy's mpmath printer writes sech(x^2) with exp(2*log(x)): complex for x < 0,
    # with an imaginary part at the noise level (found by the bundled tanh_of_square case).
    from verifier.numeric.estimate import exact_value
    from verifier.expr import parse

    value = exact_value(parse("sech(x^2)"), {"x": -1.1})
    assert abs(float(value) - 0.5476928268273804) < 1e-15
