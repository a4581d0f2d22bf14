"""``verifier.sweep``: text, expressions and Python callables; ``at=``; notebook displays."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import verifier
from verifier.errors import VerifierError


def test_a_number_in_vars_place_is_the_point():
    """`sweep("x^2", 1.3)` used to raise TypeError: 'float' object is not iterable."""
    a = verifier.sweep("x^2", 1.3, methods=["central"])
    b = verifier.sweep("x^2", at=1.3, methods=["central"])
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert set(a.frame["point"]) == {1.3}
    two = verifier.sweep("x^3", at=[1.3, 2], methods=["forward"])
    assert list(dict.fromkeys(two.frame["point"])) == [1.3, 2.0]
    grad = verifier.sweep("x0^2 + x1^2", at={"x0": 1, "x1": 3}, methods=["central"])
    assert set(grad.frame["variable"]) == {"x0", "x1"}
    with pytest.raises(TypeError, match="the point goes in at="):
        verifier.sweep("x^2", 1.3, at=2.0)
    with pytest.raises(TypeError, match="give the point as at=1.3"):
        verifier.sweep("x^2", object())


def test_a_callable_is_measured_against_a_stated_reference():
    t = verifier.sweep(np.sin, at=[0.5, 1.0])
    assert t.reference.startswith("the complex step at h = 1e-30")
    assert t.passed and set(t.frame["method"]) == {
        "forward",
        "backward",
        "central",
        "five_point",
        "complex_step",
    }
    # the stated reference is cos(x) to rounding: a complex step subtracts nothing
    exact = t.frame.groupby("point")["exact"].first()
    assert np.allclose(exact.values, np.cos(exact.index.values), rtol=4 * np.finfo(float).eps)
    assert "the complex step" in t.summary().splitlines()[0]
    # central differences converge at order 2 against it
    central = t.analysis[t.analysis["method"] == "central"]
    assert all(abs(o - 2) < 0.3 for o in central["observed_order"])


def test_a_callable_with_its_derivative_and_a_wrong_one():
    t = verifier.sweep(lambda x: x**3, at=2.0, reference=lambda x: 3 * x**2)
    assert t.reference == "the reference derivative given (float64)" and t.passed
    wrong = verifier.sweep(lambda x: x**3, at=2.0, reference=lambda x: 3 * x**2 + 1e-3)
    assert wrong.verdict == "fail"  # the estimates converge elsewhere: the checker catches it


def test_a_callable_without_complex_support_needs_a_reference():
    def plain(x):
        return math.exp(x)  # math.exp refuses complex numbers and arrays

    with pytest.raises(VerifierError, match="no exact derivative") as exc:
        verifier.sweep(plain, at=0.5)
    assert "reference=" in str(exc.value)
    t = verifier.sweep(plain, at=0.5, reference=math.exp)
    assert t.passed and "complex_step" not in set(t.frame["method"])


def test_notebook_displays():
    from verifier.gradcheck import gradcheck_network
    from verifier.homework.judge import check_answer

    d = verifier.differentiate("ln(x)/x")
    assert "<pre>" in d._repr_html_() and "quotient rule" in d._repr_html_()
    assert d._repr_latex_().startswith("$$\\frac{d}{dx}") and "\\ln" in d._repr_latex_()
    t = verifier.sweep("x^2", at=1.0, methods=["central"])
    assert "<table" in t._repr_html_() and t._repr_latex_() == (
        "$f = x^{2},\\quad \\partial_{x} f = 2 x\\quad\\text{(passed)}$"
    )
    g = check_answer("x^3 e^x", "3x^2 e^x")
    assert g._repr_html_().startswith("<pre>incorrect: ")  # the existing view
    assert "\\text{incorrect}" in g._repr_latex_()
    r = gradcheck_network((6, 4, 3), batch=5, progress=False)
    assert "<table" in r._repr_html_() and r._repr_latex_().startswith("$\\text{pass: 43")
