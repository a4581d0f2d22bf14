"""One sweep of every point, split by point: each point holds what a sweep of it alone holds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.errors import DomainError
from verifier.expr import parse
from verifier.suite.swept import swept
from verifier.sweep import sweep

OPTIONS = {"methods": ["forward", "central", "five_point"], "h": [1e-1, 1e-2, 1e-3, 1e-4]}
FUNCTIONS = ["x^3 e^x", "sin(x)/x", "sqrt(x)", "ln(x)", "abs(x - 1)", "x^2"]


def alone(expr, var, point, options):
    """What one sweep of ``point`` alone says: its verdict and estimates, or DomainError."""
    try:
        t = sweep(expr, var, points=[point], **options)
    except DomainError as exc:
        return exc
    return t


def assert_same(share, table):
    """``share`` (a point of the joint sweep) holds what ``table`` (that point alone) holds."""
    assert share.verdict == table.verdict
    assert [r["method"] for r in share.analysis] == table.analysis["method"].tolist()
    assert [r["verdict"] for r in share.analysis] == table.analysis["verdict"].tolist()
    got, want = share.frame["estimate"], table.frame["estimate"].to_numpy()
    assert got.shape == want.shape
    # the same stencils on the same float64 steps: a vectorised transcendental may differ from
    # its one-point evaluation by a few ulps, so a relative bound of 1e-12 (never bit for bit)
    assert np.allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
    claims = [] if table.claim is None else table.claim.frame["verdict"].tolist()
    assert [r["verdict"] for r in share.claim] == claims


@pytest.mark.parametrize("text", FUNCTIONS)
def test_each_point_is_judged_as_a_sweep_of_it_alone(text):
    expr = parse(text, ["x"])
    points = [0.5, 1.0, 2.0, -1.5, 0.0]
    frame, analysis, shares = swept(expr, "x", points, OPTIONS)
    for point, share in zip(points, shares, strict=True):
        table = alone(expr, "x", point, OPTIONS)
        if isinstance(table, DomainError):
            assert isinstance(share, DomainError) and share.message == table.message
        else:
            assert_same(share, table)
    measured = [p for p, s in zip(points, shares, strict=True) if not isinstance(s, DomainError)]
    assert list(dict.fromkeys(frame["point"])) == measured  # point by point, in their order
    assert list(dict.fromkeys(analysis["point"])) == measured


def test_a_claim_is_judged_at_each_point_on_its_own():
    expr = parse("x^2", ["x"])
    options = {**OPTIONS, "claimed": {"x": parse("2x + 1e-3 x^3", ["x"])}}
    _, _, shares = swept(expr, "x", [0.0, 1.0, 2.0], options)
    # the claim is exact at 0 only: the point at 0 passes, the others fail on the claim
    assert [s.verdict for s in shares] == ["pass", "fail", "fail"]
    assert [s.claim[0]["verdict"] for s in shares] == ["pass", "fail", "fail"]


def test_gradient_points_split_by_their_labels():
    expr = parse("x0^2 x1 + sin(x1)", ["x0", "x1"])
    points = [{"x0": 1.0, "x1": 2.0}, {"x0": -1.0, "x1": 0.5}]
    frame, _, shares = swept(expr, ["x0", "x1"], points, OPTIONS)
    for point, share in zip(points, shares, strict=True):
        assert_same(share, alone(expr, ["x0", "x1"], point, OPTIONS))
    assert set(frame["variable"]) == {"x0", "x1"}


def test_a_point_given_twice_and_no_measurable_point_fall_back_to_one_sweep_each():
    expr = parse("ln(x)", ["x"])
    _, _, twice = swept(expr, "x", [2.0, 2.0], OPTIONS)
    assert [s.verdict for s in twice] == ["pass", "pass"]
    frame, analysis, nowhere = swept(expr, "x", [-1.0, -2.0], OPTIONS)
    assert frame is None and analysis is None
    assert all(isinstance(s, DomainError) for s in nowhere)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-4, max_value=4, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    st.sampled_from(FUNCTIONS),
)
def test_the_split_agrees_with_sweeps_one_point_at_a_time(points, text):
    expr = parse(text, ["x"])
    options = {"methods": ["central"], "h": [1e-2, 1e-4]}
    _, _, shares = swept(expr, "x", points, options)
    for point, share in zip(points, shares, strict=True):
        table = alone(expr, "x", point, options)
        if isinstance(table, DomainError):
            assert isinstance(share, DomainError)
        else:
            assert_same(share, table)
