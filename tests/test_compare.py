"""The one comparator: definitions, high-precision references, edge cases."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.compare import compare, relative_error, split_high_precision


def test_definitions():
    c = compare([2.0, -4.0], [2.2, -4.0], rtol=0.05)
    assert c.abs_error.tolist() == pytest.approx([0.2, 0.0])
    # |a - b| / max(|a|, |b|), symmetric in a and b
    assert c.rel_error[0] == pytest.approx(0.2 / 2.2)
    assert compare([2.2], [2.0]).rel_error[0] == pytest.approx(c.rel_error[0])
    assert c.passed.tolist() == [False, True]
    assert not c.ok and c.n_failed == 1


def test_atol_floor_uses_absolute_error_for_tiny_values():
    c = compare([0.0, 1e-14, 0.0], [1e-14, 0.0, 1e-9], atol=1e-12)
    # both below atol: the relative error IS the absolute error (no 100% errors from noise)
    assert c.rel_error[:2].tolist() == pytest.approx([1e-14, 1e-14])
    assert c.passed.tolist() == [True, True, False]
    assert c.rel_error[2] == pytest.approx(1.0)  # 1e-9 is above atol: relative to itself


def test_scale_floor_for_gradients():
    c = compare([1e-8, 1.0], [2e-8, 1.0], rtol=1e-3, atol=0.0, floor=1.0)
    assert c.rel_error[0] == pytest.approx(1e-8)
    assert c.ok


def test_double_double_reference_measures_beyond_float64():
    with mpmath.workdps(40):
        third = mpmath.mpf(1) / 3
    est = 1 / 3  # the correctly rounded float
    c = compare(np.array([third], dtype=object), [est])
    # the float differs from 1/3 by ~1.85e-17: measured, not rounded away to 0
    expected = float(abs(mpmath.mpf(est) - third))
    assert c.abs_error[0] == pytest.approx(expected, rel=1e-10)
    assert c.abs_error[0] > 0
    # a float64 reference cannot see that error
    assert compare([1 / 3], [est]).abs_error[0] == 0.0


def test_error_of_a_difference_quotient_at_tiny_h_is_exact():
    # the error of 1 + 2^-60 as a reference would be lost in float64; hi + lo keeps it
    with mpmath.workdps(40):
        ref = mpmath.mpf(1) + mpmath.mpf(2) ** -60
    c = compare(np.array([ref], dtype=object), [1.0])
    assert c.abs_error[0] == 2.0**-60


def test_split_high_precision():
    hi, lo = split_high_precision([Fraction(1, 3), 2.5])
    assert hi.tolist() == [1 / 3, 2.5]
    assert lo[1] == 0.0
    hi, lo = split_high_precision(np.array([1.0, 2.0]))
    assert lo.tolist() == [0.0, 0.0]


def test_nan_and_inf_never_pass():
    c = compare([1.0, 1.0, np.inf, np.inf, np.nan], [np.nan, np.inf, np.inf, -np.inf, 1.0])
    assert c.passed.tolist() == [False, False, False, False, False]
    assert np.isinf(c.abs_error[[0, 1, 3, 4]]).all()
    assert c.abs_error[2] == 0.0 and c.rel_error[2] == 0.0  # +inf vs +inf: no error
    assert c.worst_index == (0,)


def test_worst_index_multi_dimensional_and_ties():
    ref = np.ones((2, 3))
    est = ref.copy()
    est[1, 2] = 1.5
    est[0, 1] = 1.1
    c = compare(ref, est)
    assert c.worst_index == (1, 2)
    assert c.max_rel_error == pytest.approx(0.5 / 1.5)
    tie = compare([1.0, 1.0], [2.0, 2.0])
    assert tie.worst_index == (0,)


def test_scalar_and_empty():
    c = compare(32.0, 32.1, rtol=1e-2)
    assert c.ok and c.worst_index == ()
    e = compare([], [])
    assert e.ok and e.worst_index == () and e.max_rel_error == 0.0
    assert e.summary().startswith("pass")


def test_summary_and_frame():
    c = compare([1.0, 2.0], [1.0, 2.1], rtol=1e-3)
    text = c.summary()
    assert text.startswith("FAIL: 1/2") and "at 1" in text and "2.1" in text
    df = c.to_frame()
    assert list(df.columns) == [
        "index",
        "reference",
        "estimate",
        "abs_error",
        "rel_error",
        "passed",
    ]
    assert df["passed"].tolist() == [True, False]
    assert "<table" in c._repr_html_()


def test_relative_error_helper_and_validation():
    assert float(relative_error(2.0, 2.2)) == pytest.approx(0.2 / 2.2)
    with pytest.raises(ValueError):
        compare([1.0], [1.0], rtol=-1)
    assert math.isinf(float(relative_error(1.0, np.nan)))


# The screen never contradicts compare: whatever it calls apart, compare fails.
@settings(max_examples=300, deadline=None)
@given(
    ref=st.floats(-1e12, 1e12, allow_nan=False),
    rel=st.one_of(st.floats(-1e-3, 1e-3), st.floats(-1e-7, 1e-7)),
    rtol=st.sampled_from([1e-15, 1e-12, 1e-7, 1e-3]),
    atol=st.sampled_from([0.0, 1e-300, 1e-12, 1e-3]),
    digits=st.booleans(),
)
def test_clearly_apart_only_where_compare_fails(ref, rel, rtol, atol, digits):
    import mpmath

    from verifier.compare import clearly_apart

    est = ref * (1 + rel) + rel  # near the reference, at every scale
    reference = mpmath.mpf(ref) + mpmath.mpf(ref) * mpmath.mpf("1e-25") if digits else ref
    if clearly_apart([reference], [est], rtol=rtol, atol=atol):
        assert not compare([reference], [est], rtol=rtol, atol=atol).ok


def test_clearly_apart_sees_a_plain_mismatch_and_passes_over_what_it_cannot_judge():
    from verifier.compare import clearly_apart

    assert clearly_apart([3.0, 12.0], [3.0, 15.0], rtol=1e-12)
    assert not clearly_apart([3.0], [3.0 + 1e-13], rtol=1e-12)  # compare's business
    assert not clearly_apart([float("inf")], [1.0]) and not clearly_apart([None], [1.0])
