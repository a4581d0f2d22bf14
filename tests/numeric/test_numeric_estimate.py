"""Compiled evaluation, the one finite-difference routine, vectorised estimates, gradients."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from verifier.compare import compare
from verifier.errors import UnsupportedError, VerifierError
from verifier.expr import symbol
from verifier.numeric.estimate import (
    estimate_derivative,
    nditer_gradient,
    numeric_gradient,
)
from verifier.numeric.evaluate import compile_function
from verifier.numeric.stencils import complex_step_safe

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
