"""The one policy table: every row has a reason, and each verdict rule on curves built to show it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verifier.policy import (
    POLICY,
    VERDICTS,
    combine_verdicts,
    gradient_tolerance,
    judge_derivative,
    judge_order,
    meaningful_step,
)

H = np.logspace(-1, -15, 29)
ROUNDOFF = 1e-16 / H  # the model: eps |f| / h with |f| = 1


def test_every_row_says_why():
    for name, rule in POLICY.items():
        assert rule.name == name
        assert len(rule.reason) > 40, name
        assert rule.rtol >= 0 and rule.atol >= 0


def test_a_clean_curve_passes_with_its_order():
    err = 0.5 * H**2 + ROUNDOFF
    j = judge_order("central", H, err, ROUNDOFF, scale=1.0)
    assert (j.verdict, j.flag) == ("pass", "")
    assert abs(j.observed_order - 2) <= POLICY["breakdown"].rtol


def test_an_offset_reference_fails_and_a_tiny_one_is_below_the_rule():
    for delta in (1e-6, 1e-7):  # flat over >= two decades between truncation and round-off
        err = np.abs(0.5 * H**2 - delta) + ROUNDOFF
        assert judge_order("central", H, err, ROUNDOFF, scale=1.0).flag == "order", delta
    # 1e-12 of |f'| is below the order row's rtol (1e-10): round-off of ill-conditioned f
    err = np.abs(0.5 * H**2 - 1e-12) + 1e-30 / H
    assert judge_order("central", H, err, 1e-30 / H, scale=1.0).verdict == "pass"


def test_a_flat_run_the_curve_dips_far_below_is_round_off_not_a_wrong_reference():
    # log((x^2 - 1/2)^4 + 1) at 0.75: f ~ 1.5e-5, but 1 + 1.5e-5 rounds, so at tiny h
    # f(x + h) == f(x - h), the estimate is 0 and the error |f'| = 1.5e-3; the model's
    # round-off (eps |f| / h) is far too small to say so.  Larger steps come much closer.
    fp = 1.5e-3
    model = 2.2e-16 * 1.5e-5 / H
    err = np.where(H < 1e-12, fp, 0.5 * H**2 * 1e-3 + 1e-16 / H)
    j = judge_order("central", H, err, model, scale=fp)
    assert j.verdict != "fail", j


def test_a_lucky_dip_does_not_excuse_a_plateau():
    # the truncation term crosses the offset at one step: one error near 0, neighbours not
    err = np.abs(0.5 * H**2 - 1e-6) + ROUNDOFF
    err[np.argmin(np.abs(0.5 * H**2 - 1e-6))] = 1e-14
    assert judge_order("central", H, err, ROUNDOFF, scale=1.0).flag == "order"


def test_exact_and_unfitted():
    assert judge_order("central", H, ROUNDOFF, ROUNDOFF).flag == "exact"
    j = judge_order("central", H[:1], np.array([1e-3]), ROUNDOFF[:1])
    assert (j.verdict, j.flag) == ("inconclusive", "unfitted")


def test_breakdown_at_large_h_is_advisory():
    err = 0.5 * H**2 * (1 + 1e4 * H**2) + ROUNDOFF  # a nearby singularity bends the large-h end
    j = judge_order("central", H, err, ROUNDOFF, scale=1.0)
    assert j.verdict == "pass" and j.flag == "breakdown" and not POLICY["breakdown"].fails


@pytest.mark.parametrize(
    "value, verdict",
    [(2.0, "pass"), (2.0 * (1 + 5e-13), "pass"), (2.0 * (1 + 2e-12), "fail"), (2.0 + 1e-9, "fail")],
)
def test_the_derivative_row_draws_the_line_at_1e_12(value, verdict):
    assert judge_derivative(2.0, value).verdict == verdict


def test_combining_and_the_vocabulary():
    assert VERDICTS == ("pass", "fail", "inconclusive")
    assert combine_verdicts(["inconclusive", "pass"]) == "pass"
    assert combine_verdicts(["pass", "fail", "inconclusive"]) == "fail"


def test_a_meaningless_step_is_inconclusive_never_a_pass():
    assert meaningful_step([1.0], 1e-17, bound=0.0, quantity=1.0).verdict == "inconclusive"
    bound = gradient_tolerance("central", 1e-11, f_abs=2.3)
    assert meaningful_step([0.1], 1e-11, bound=bound, quantity=1e-2).verdict == "inconclusive"
    bound = gradient_tolerance("central", 1e-4, f_abs=2.3, deriv_abs=1.0)
    assert meaningful_step([0.1], 1e-4, bound=bound, quantity=1e-2).verdict == "pass"
    assert math.isfinite(bound) and bound > 0
