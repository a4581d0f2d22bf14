"""Gradient descent: the update rule, per-step gradient checks, the learning-rate regimes."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from verifier.descent import (
    classify_run,
    compare_training,
    descend,
    learning_rate_study,
)
from verifier.errors import DomainError, VerifierError
from verifier.expr import symbol


def test_the_update_is_x_minus_lr_grad_not_the_seeds_typo():
    run = descend("x0^2 + x1^2", [3, 4], lr=0.1, steps=1)
    # x <- x - lr * 2x = 0.8 x; the lecture's w - grad*w*lr would give (1.2, -2.4)
    assert run.path[1] == pytest.approx([2.4, 3.2], abs=1e-15)
    assert run.losses.tolist() == pytest.approx([25.0, 16.0], abs=1e-12)


@pytest.mark.parametrize("use", ["analytic", "numeric"])
def test_learning_rate_study_reproduces_the_regimes(use):
    study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.001, 0.1, 0.9, 1.1], steps=100, use=use)
    assert [r.regime for r in study.runs] == ["slow", "converged", "oscillating", "diverged"]
    slow, good, osc, div = study.runs
    assert slow.final_loss == pytest.approx(25 * 0.998**200, rel=1e-6)
    assert good.final_loss < 1e-15 and osc.final_loss < 1e-15
    assert "alternating sign" in osc.reason
    assert np.all(np.diff(osc.losses) < 0)  # the loss falls although the point flips sides
    assert np.all(np.sign(osc.path[1:, 0]) == -np.sign(osc.path[:-1, 0]))
    assert div.final_loss > 1e16 and "grew" in div.reason
    assert study.passed and all(r.checks_passed for r in study.runs)
    assert max(float(np.max(r.check_rel_error)) for r in study.runs[:3]) < 1e-9


def test_rate_one_oscillates_without_converging_and_overflow_stops_cleanly():
    study = learning_rate_study("x0^2 + x1^2", [3, 4], [1.0], steps=10)
    assert study.runs[0].regime == "oscillating" and "not settling" in study.runs[0].reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarnings leak out
        run = descend("x^2", [1.0], lr=50.0, steps=1000)
    assert run.regime == "diverged" and run.steps_run < 1000
    assert "not finite" in run.reason


def test_the_per_step_check_catches_a_wrong_gradient():
    def f(x):
        return float(np.sum(x**2) + x[0] * x[1])

    right = descend(
        f, [1.0, 2.0], lr=0.1, steps=150, gradient=lambda x: [2 * x[0] + x[1], 2 * x[1] + x[0]]
    )
    assert right.checks_passed and right.regime == "converged"
    wrong = descend(
        f, [1.0, 2.0], lr=0.1, steps=5, gradient=lambda x: [2.002 * x[0] + x[1], 2 * x[1] + x[0]]
    )
    assert not wrong.checks_passed and not wrong.check_passed[0]
    assert wrong.check_verdict == "fail" and "fail first at step 0" in wrong.check_reason
    frame = wrong.to_frame()
    assert list(frame.columns[:3]) == ["step", "x0", "x1"] and not frame["check_passed"].all()
    assert set(frame["check_verdict"]) == {"fail"}


def test_sympy_expression_and_variable_order():
    x, y = symbol("x"), symbol("y")
    run = descend(x**2 + 3 * y**2, [1.0, 1.0], lr=0.1, steps=200)
    assert run.variables == ("x", "y") and run.regime == "converged"
    flipped = descend("x^2 + 3y^2", [1.0, 0.0], lr=0.1, steps=1, variables=["y", "x"])
    # y = 1, x = 0: only y moves, by lr * 6y
    assert flipped.path[1].tolist() == pytest.approx([0.4, 0.0])


def test_classify_run_rules():
    k = np.arange(51)
    slow = 5 * 0.999**k
    assert classify_run(slow**2, slow[:, None], 2 * slow)[0] == "slow"
    fast = 5 * 0.5**k
    assert classify_run(fast**2, fast[:, None], 2 * fast)[0] == "converged"
    bumpy = np.array([4.0, 1.0, 2.0, 0.5, 0.4])  # the loss goes up once, monotone steps
    pts = -np.sqrt(bumpy)[:, None] * np.array([[1.0]]) + np.arange(5)[:, None]
    assert classify_run(bumpy, pts, np.ones(5))[0] == "oscillating"
    nan = np.array([1.0, 4.0, np.inf])
    regime, reason = classify_run(nan, nan[:, None], nan)
    assert regime == "diverged" and "step 2" in reason


def test_bad_input():
    with pytest.raises(VerifierError, match="learning rate"):
        descend("x^2", [1.0], lr=-1)
    with pytest.raises(VerifierError, match="start has 1 value"):
        descend("x0^2 + x1^2", [1.0], lr=0.1)
    with pytest.raises(VerifierError, match="needs its analytic gradient"):
        descend(lambda x: float(x[0] ** 2), [1.0], lr=0.1)
    with pytest.raises(DomainError, match="not finite at the start"):
        descend("log(x)", [-1.0], lr=0.1)
    with pytest.raises(VerifierError, match="no learning rates"):
        learning_rate_study("x^2", [1.0], [])


@pytest.mark.parametrize("sizes,batch", [((784, 50, 10), 10), ((30, 12, 5), 20)])
def test_training_with_backprop_and_numeric_gradients_coincide(sizes, batch):
    tc = compare_training(sizes, batch=batch, seed=0, lr=0.1, steps=4)
    assert tc.coincide and tc.passed
    assert np.all(np.diff(tc.losses_analytic) < 0)
    assert tc.max_gap < 1e-4
    frame = tc.to_frame()
    assert len(frame) == 5 and set(frame["gradcheck"]) == {"pass"}


ROSENBROCK = "(1-x)^2 + 100(y-x^2)^2"


def test_rosenbrock_passes_with_correct_gradients_and_fails_a_planted_tenth_of_a_percent():
    # issue 9: the check said FAILED here (1.7e-05 against rtol 1e-5): the central difference's
    # own truncation h^2 f_xxx / 6 = 1e-8 * 2400 |x| / 6 ~ 4e-6 at h = 1e-4.  Its bound is in
    # the tolerance now; where it exceeds rtol x |grad| a step is inconclusive, never failed.
    study = learning_rate_study(ROSENBROCK, [-1, 1], [0.001, 0.002], steps=2000)
    assert study.verdict == "pass" and study.passed
    for run in study.runs:
        assert run.check_verdict == "pass" and "fail" not in set(run.check_verdicts)
        assert np.count_nonzero(run.check_passed) > 500
        inconclusive = np.flatnonzero(run.check_verdicts == "inconclusive")
        assert all("a smaller h resolves it" in run.check_reasons[k] for k in inconclusive)
    planted = learning_rate_study(
        ROSENBROCK, [-1, 1], [0.001, 0.002], steps=2000, gradient_error=1e-3
    )
    assert planted.verdict == "fail"
    for run in planted.runs:
        assert run.check_verdict == "fail" and not run.check_passed[0]
        # relative error 1e-3 (the planted scale), far above rtol plus the bound
        assert run.check_rel_error[0] == pytest.approx(1e-3, rel=0.01)


def test_without_the_truncation_bound_rosenbrock_fails_falsely():
    # the same Rosenbrock as a callable: no third derivatives, so no truncation bound, and
    # the correct gradient fails where truncation exceeds rtol (what issue 9 reported)
    def f(p):
        return float((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2)

    def grad(p):
        x, y = p
        return [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]

    run = descend(f, [-1.0, 1.0], lr=0.002, steps=2000, gradient=grad)
    assert run.check_verdict == "fail"
    bounded = descend(ROSENBROCK, [-1.0, 1.0], lr=0.002, steps=2000)
    assert bounded.check_verdict == "pass"
    # the same path: the points differ only by the rounding of two formulas of one gradient
    assert np.allclose(run.path, bounded.path, rtol=1e-9, atol=1e-12)


def test_a_smaller_h_resolves_the_truncation_limited_steps():
    coarse = descend(ROSENBROCK, [-1.0, 1.0], lr=0.002, steps=300)
    fine = descend(ROSENBROCK, [-1.0, 1.0], lr=0.002, steps=300, h=1e-6)
    assert (coarse.check_verdicts == "inconclusive").any()
    assert set(fine.check_verdicts) == {"pass"}


def test_gradient_error_is_validated():
    with pytest.raises(VerifierError, match="gradient_error"):
        descend("x^2", [1.0], lr=0.1, gradient_error=float("nan"))


def test_jobs_import_no_matplotlib():
    code = (
        "import sys, verifier.descent, verifier.gradcheck, verifier.network\n"
        "from verifier.descent import learning_rate_study\n"
        "learning_rate_study('x0^2 + x1^2', [3, 4], [0.1], steps=3)\n"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
