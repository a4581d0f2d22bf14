"""The sweep: orders, exactness, the seed's example, diagnoses, claims and records."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from verifier.errors import DomainError, VerifierError
from verifier.expr import symbol
from verifier.numeric.estimate import estimate_derivative
from verifier.numeric.stencils import h_grid
from verifier.reference import exact_derivative
from verifier.sweep import (
    ANALYSIS_COLUMNS,
    CLAIM_COLUMNS,
    COLUMNS_NOTE,
    FRAME_COLUMNS,
    ErrorTable,
    reliable_best,
    sweep,
)
from verifier.sweep_fit import smallest

x, x0, x1 = symbol("x"), symbol("x0"), symbol("x1")
R = sympy.Rational

#: >= 12 smooth functions at ordinary points (polynomial, exp, log, trig, roots, rational,
#: compositions); points chosen where f'', f''' and f^(5) do not vanish
SMOOTH = [
    ("polynomial", x**6 - 3 * x**2 + 1, 1.3),
    ("exp", sympy.exp(x), 0.7),
    ("log", sympy.log(x), 2.5),
    ("sin", sympy.sin(x), 0.9),
    ("product", x * sympy.cos(x), 1.1),
    ("sqrt", sympy.sqrt(x), 3.0),
    ("cube root", x ** R(1, 3), 2.0),
    ("rational", 1 / (1 + x**2), 0.6),
    ("exp-sin", sympy.exp(sympy.sin(x)), 1.3),
    ("tan", sympy.tan(x), 0.4),
    ("atan", sympy.atan(x), 0.8),
    ("log-poly", sympy.log(1 + x**2), 1.2),
    ("x exp(-x)", x * sympy.exp(-x), 0.5),
    ("quotient", (x**2 + 1) / (x - 3), 1.37),
]


@pytest.fixture(scope="module")
def smooth_tables() -> dict[str, ErrorTable]:
    return {name: sweep(f, points=[p]) for name, f, p in SMOOTH}


@pytest.mark.parametrize("name", [n for n, _, _ in SMOOTH])
def test_observed_order_matches_theory(smooth_tables, name):
    a = smooth_tables[name].analysis.set_index("method")
    for method in ("forward", "backward", "central", "five_point"):
        row = a.loc[method]
        assert not row["exact"]
        assert abs(row["observed_order"] - row["expected_order"]) <= 0.15, (method, row.to_dict())
        assert row["flag"] == "" and row["verdict"] == "pass"
    assert smooth_tables[name].passed and smooth_tables[name].verdict == "pass"


@pytest.mark.parametrize("name", [n for n, _, _ in SMOOTH])
def test_best_central_error_within_10x_of_model(smooth_tables, name):
    c = smooth_tables[name].analysis.set_index("method").loc["central"]
    ratio = c["reliable_error"] / c["theoretical_best_error"]
    assert 0.1 <= ratio <= 10, ratio
    # and the model's best h is within a decade and a half of the observed one
    assert abs(math.log10(c["reliable_h"] / c["theoretical_best_h"])) <= 1.5


@pytest.mark.parametrize("name", [n for n, _, _ in SMOOTH])
def test_complex_step_reaches_1e_14(smooth_tables, name):
    t = smooth_tables[name]
    cs = t.analysis.set_index("method").loc["complex_step"]
    exact = float(t.frame["exact"].iloc[0])
    assert cs["reliable_error"] / abs(exact) <= 1e-14
    assert cs["error_at_default_h"] / abs(exact) <= 1e-14  # at its recommended step too


def test_table_columns_and_grid():
    t = sweep(sympy.exp(x), points=[0.5, 1.5], methods=["central", "five_point"])
    assert tuple(t.frame.columns) == FRAME_COLUMNS
    assert tuple(t.analysis.columns) == ANALYSIS_COLUMNS
    assert len(h_grid()) == 29
    assert len(t.analysis) == 4
    assert t.frame["h"].max() == pytest.approx(0.1) and t.frame["h"].min() <= 1.1e-15
    assert not t.frame.isna().any().any()  # no NaN in the table
    # "what a user without the answer gets": default step estimate close to the truth
    a = t.analysis.set_index(["point", "method"])
    assert a.loc[(0.5, "five_point"), "estimate_at_default_h"] == pytest.approx(
        np.exp(0.5), rel=1e-12
    )
    assert a.loc[(0.5, "central"), "predicted_h"] in set(t.frame["h"])


def test_seed_example_table_says_so():
    t = sweep("x^2 + 2x + 1", "x", points=[15.0])
    at = t.frame[np.isclose(t.frame["h"], 0.1)].set_index("method")
    assert at.loc["central", "estimate"] == pytest.approx(32.0, rel=1e-14)
    assert at.loc["forward", "estimate"] == pytest.approx(32.1, rel=1e-14)
    assert at.loc["backward", "estimate"] == pytest.approx(31.9, rel=1e-14)
    assert (at["exact"] == 32.0).all()
    a = t.analysis.set_index("method")
    assert a.loc["central", "exact"] and a.loc["central", "flag"] == "exact"
    assert math.isnan(a.loc["central", "observed_order"])  # no fitted order for an exact stencil
    assert a.loc["forward", "observed_order"] == pytest.approx(1.0, abs=0.05)
    assert "exact" in t.summary() and t.passed


def test_five_point_exact_on_cubic_but_central_is_not():
    a = sweep(x**3 - x, points=[1.7]).analysis.set_index("method")
    assert a.loc["five_point", "flag"] == "exact"
    assert a.loc["central", "flag"] == "" and a.loc["central", "observed_order"] == pytest.approx(
        2, abs=0.15
    )


def test_higher_order_where_leading_term_vanishes():
    a = sweep(sympy.sin(x), points=[0.0]).analysis.set_index("method")
    assert a.loc["forward", "flag"] == "higher_order"
    assert a.loc["forward", "observed_order"] == pytest.approx(2, abs=0.15)


# --------------------------------------------------------------------------- diagnoses


def test_abs_at_zero_is_a_kink_not_a_number():
    t = sweep(sympy.Abs(x), points=[0.0, 2.0])
    d = t.analysis[t.analysis["point"] == 0.0]
    assert d["flag"].tolist() == ["domain"]
    assert "kink" in d["diagnosis"].iloc[0] and "x = 0" in d["diagnosis"].iloc[0]
    assert (t.frame["point"] == 0.0).sum() == 0  # nothing misreported for the kink
    assert not t.passed
    # complex step is skipped with the reason, never silently wrong
    cs = t.analysis[(t.analysis["point"] == 2.0) & (t.analysis["method"] == "complex_step")]
    assert cs["flag"].tolist() == ["skipped"] and "Abs" in cs["diagnosis"].iloc[0]


def test_sqrt_at_zero_has_undefined_derivative():
    t = sweep(sympy.sqrt(x), points=[0.0, 4.0])
    d = t.analysis[t.analysis["point"] == 0.0]
    assert d["flag"].tolist() == ["domain"] and "f'" in d["diagnosis"].iloc[0]
    assert not t.passed
    assert (t.analysis[t.analysis["point"] == 4.0]["flag"] == "").all()


def test_pole_nearby_breaks_the_order_at_large_h_only():
    # the derivative is right: the breakdown at large h is a note, not a failure
    t = sweep(1 / x, points=[1e-3])
    a = t.analysis.set_index("method")
    for m in ("central", "five_point"):
        assert a.loc[m, "flag"] == "breakdown", a.loc[m, "diagnosis"]
        assert a.loc[m, "verdict"] == "pass" and a.loc[m, "rule"] == "breakdown"
        assert "advisory" in a.loc[m, "diagnosis"]
    assert t.passed
    assert any("breaks down" in d for d in t.diagnoses)
    # the same function far from the pole has nothing to note
    assert (sweep(1 / x, points=[2.0]).analysis["flag"] == "").sum() >= 4


def test_log_at_minus_one_is_a_clear_error():
    with pytest.raises(DomainError, match=r"x = -1"):
        sweep(sympy.log(x), points=[-1.0])
    t = sweep(sympy.log(x), points=[-1.0, 2.0])  # a batch keeps going
    assert t.analysis.iloc[0]["flag"] == "domain"
    assert (t.frame["point"] == 2.0).all()


def test_a_wrong_reference_derivative_fails_the_order(monkeypatch):
    # a planted wrong rule-engine result: errors plateau at the gap instead of falling like h^p
    import verifier.reference

    monkeypatch.setattr(verifier.reference, "derivative", lambda e, v: sympy.cos(x) + R(1, 100))
    t = sweep(sympy.sin(x), points=[0.9], methods=["central", "five_point"])
    a = t.analysis.set_index("method")
    assert (a["flag"] == "order").all() and (a["verdict"] == "fail").all(), a["diagnosis"]
    assert (a["rule"] == "order").all()
    assert t.verdict == "fail" and not t.passed


def test_verdict_and_rule_columns_for_every_row():
    t = sweep(sympy.Abs(x), points=[0.0, 2.0])
    assert set(t.analysis["verdict"]) <= {"pass", "fail", "inconclusive"}
    by_flag = t.analysis.groupby("flag")["verdict"].agg(set).to_dict()
    assert by_flag["domain"] == {"fail"} and by_flag["skipped"] == {"inconclusive"}
    assert t.verdict == "fail"
    ok = sweep(sympy.Abs(x), points=[2.0])  # complex step skipped, the rest verified
    assert ok.verdict == "pass"


# the issue's examples: correct derivatives of smooth functions never fail (issue 9)
ISSUE_EXAMPLES = [
    ("exp(sin(x))", 0.47),
    ("exp(sin(x))", 0.67),
    ("exp(sin(x^2))", 0.3),
    ("exp(sin(x^2))", 1.1),
    ("exp(sin(x^2))", 2.6),
]


@pytest.mark.parametrize(("f", "at"), ISSUE_EXAMPLES)
def test_smooth_functions_at_the_issue_points_pass(f, at):
    t = sweep(f, points=[at])
    assert t.verdict == "pass", t.summary()
    assert (t.analysis["verdict"] != "fail").all()


# --------------------------------------------------------------------------- claims


def test_wrong_claim_is_caught():
    t = sweep("x^2 + 2x + 1", points=[15.0, -3.0], claimed="2x + 1")
    assert not t.passed and not t.claim.passed
    f = t.claim.frame
    assert tuple(f.columns) == CLAIM_COLUMNS
    assert not f["agrees"].any() and (f["verdict"] == "fail").all()
    assert (f["rule"] == "derivative").all()
    # the estimates converge to the true value (rule engine) and stay away from the claim
    assert (f["rel_error_vs_exact"] < 1e-14).all()
    assert (f["closest_to_claim"] > 1e-2).all()
    assert "MISMATCH" in t.summary()


def test_right_claim_passes_and_tolerates_float_noise():
    t = sweep("x^2 + 2x + 1", points=[15.0, 0.3], claimed="2(x + 1)")
    assert t.claim.passed and t.passed and t.claim.verdict == "pass"
    t2 = sweep(sympy.sin(x), points=[0.4, 2.0], claimed=sympy.cos(x))
    assert t2.claim.passed


def test_near_miss_claim_fails_like_check():
    # 2x + 1e-9 is another function: the exact rule (policy "derivative", rtol 1e-12) fails
    # it, as homework check does, though the numeric estimate cannot tell the two apart
    t = sweep("x^2", points=[1.0], claimed="2x+1e-9")
    row = t.claim.frame.iloc[0]
    assert row["verdict"] == "fail" and row["rule"] == "derivative" and not row["agrees"]
    assert row["numeric_agrees"]  # the evidence: within rtol 1e-6 of the claim
    assert 1e-10 < row["rel_error"] < 1e-9  # 1e-9 / 2, the claim's own offset
    assert t.verdict == "fail" and "MISMATCH" in t.summary()


def test_claim_undefined_where_the_derivative_is_defined_fails():
    t = sweep("x^2", points=[-1.0, 1.0], claimed="2x + log(x^2) - 2log(x)")
    f = t.claim.frame.set_index("point")
    assert f.loc[-1.0, "verdict"] == "fail" and f.loc[-1.0, "rule"] == "domain"
    assert "not real" in f.loc[-1.0, "note"]
    assert t.verdict == "fail"


def test_claim_for_several_variables_needs_a_mapping():
    with pytest.raises(VerifierError, match="single variable"):
        sweep(x0**2 + x1**2, points=[{"x0": 1.0, "x1": 3.0}], claimed=2 * x0)
    t = sweep(x0**2 + x1**2, points=[{"x0": 1.0, "x1": 3.0}], claimed={"x0": 2 * x0, "x1": 2 * x0})
    assert t.claim.frame["agrees"].tolist() == [True, False]


# --------------------------------------------------------------------------- several variables


def test_several_variables_seed_partials():
    t = sweep(x0**2 + x1**2, points=[{"x0": 1, "x1": 3}], methods=["central"], h=[1e-5])
    assert t.frame["variable"].tolist() == ["x0", "x1"]
    assert t.frame["estimate"].round(8).tolist() == [2.0, 6.0]
    assert t.frame["point"].iloc[0] == "x0 = 1, x1 = 3"
    full = sweep(sympy.exp(x0) * sympy.sin(x1), points=[{"x0": 0.3, "x1": 1.2}])
    assert full.passed
    assert set(full.analysis["variable"]) == {"x0", "x1"}


def test_bad_input():
    with pytest.raises(VerifierError, match="uses"):
        sweep(x0 * x1, "x0", points=[1.0])
    with pytest.raises(VerifierError):
        sweep(sympy.exp(x), points=[1.0], h=[-1.0])
    with pytest.raises(VerifierError, match="unknown method"):
        sweep(sympy.exp(x), points=[1.0], methods=["sideways"])
    with pytest.raises(VerifierError):
        h_grid(1e-3, 1e-1)


def test_reliable_best_ignores_a_lucky_zero():
    h = np.array([1e-2, 1e-3, 1e-4, 1e-5, 1e-6])
    err = np.array([1e-4, 1e-6, 1e-8, 0.0, 1e-7])
    # the 0 at 1e-5 is luck: the envelope there is its neighbour's 1e-7
    assert reliable_best(h, err) == (1e-5, 1e-7)
    # while the smallest measured error is that 0, and the table says so under its own name
    assert smallest(h, err) == (1e-5, 0.0)


def test_min_error_is_the_smallest_measured_and_reliable_best_is_named_and_explained():
    t = sweep("exp(sin(x))", points=[1.3])
    for r in t.analysis.itertuples(index=False):
        errs = t.frame[t.frame["method"] == r.method]
        # the same float picked from the table, so equal; its step is one of that minimum's
        assert r.min_error == errs["abs_error"].min()
        assert r.min_h in set(errs.loc[errs["abs_error"] == r.min_error, "h"])
        assert r.reliable_error >= r.min_error  # an envelope over neighbours, never below
    summary = t.summary()
    head = summary.splitlines()[1].split()
    assert {"min_h", "min_error", "reliable_h", "reliable_error"} <= set(head)
    assert "best_h" not in head and "best_error" not in head
    assert COLUMNS_NOTE in summary and "smallest error measured" in COLUMNS_NOTE
    from verifier.report.sweep import summary_markdown

    assert "reliable_error = the smallest error that the neighbouring steps" in summary_markdown(t)


# --------------------------------------------------------------------------- records


def test_records_and_notebook_view():
    t = sweep("x^2 + 2x + 1", points=[15.0], claimed="2x + 2")
    assert t.to_frame() is t.frame and "<table" in t._repr_html_()
    assert t.claim.to_frame() is t.claim.frame
    # a job returns records: it has no writers or figures of its own (report/sweep.py has them)
    for name in ("to_csv", "to_json", "to_markdown", "to_html", "plot", "figure"):
        assert not hasattr(t, name), name


# --------------------------------------------------------------------------- property


_terms = st.lists(
    st.tuples(
        st.sampled_from(["exp", "sin", "cos", "pow", "log1p"]),
        st.integers(-8, 8).filter(bool),
        st.integers(1, 6),
    ),
    min_size=1,
    max_size=3,
)


def _build(terms):
    out = sympy.Integer(0)
    for kind, a, b in terms:
        c, k = R(a, 4), R(b, 4)
        out += {
            "exp": c * sympy.exp(k * x),
            "sin": c * sympy.sin(k * x),
            "cos": c * sympy.cos(k * x),
            "pow": c * x ** (b + 2),
            "log1p": c * sympy.log(1 + k * x**2),
        }[kind]
    return out


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(terms=_terms, x_at=st.integers(-8, 8))
def test_central_error_shrinks_like_h_squared(terms, x_at):
    f = _build(terms)
    point = x_at / 8
    third = abs(float(sympy.diff(f, x, 3).subs(x, point)))
    fifth = abs(float(sympy.diff(f, x, 5).subs(x, point)))
    assume(third > 1e-2 and fifth < 1e3 * third)
    h = np.array([1e-2, 5e-3, 2.5e-3])
    est = estimate_derivative(f, [point], "central", h=h)
    ref = float(exact_derivative(f, "x", point))
    err = np.abs(est.value[0] - ref)
    ratios = err[:-1] / err[1:]
    assert np.all((ratios > 3.6) & (ratios < 4.4)), (f, point, ratios)
