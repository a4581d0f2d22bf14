"""THE table of tolerances and verdict rules: what fails a verdict, what is only advisory, why.

Every pass / fail / inconclusive decision of the package reads a row of :data:`POLICY`:
the sweep's claim and order checks, the suite, homework ``check``, ``descend`` and
``gradcheck``.  Two jobs therefore never judge the same (function, answer, point) triple
differently, and a row's ``reason`` is the sentence that says why the rule is what it is.

Three verdicts (:data:`VERDICTS`): ``pass``; ``fail`` (a wrong derivative, a wrong claim, a
gradient off by more than the method's own error bound); ``inconclusive`` (the measurement
means nothing: ``x + h == x``, or round-off larger than the quantity measured).  An
inconclusive measurement is never reported as a pass.

>>> POLICY["derivative"].rtol
1e-12
>>> judge_derivative(2.0, 2.0 + 1e-9).verdict
'fail'
>>> judge_derivative(2.0, 2.0 * (1 + 1e-15)).verdict
'pass'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier.compare import Comparison, compare
from verifier.i18n import N_, _
from verifier.numeric.stencils import EPS, Stencil, get_stencil
from verifier.points import format_number

__all__ = [
    "POLICY",
    "VERDICTS",
    "OrderJudgement",
    "Rule",
    "Verdict",
    "combine_verdicts",
    "derivative_comparison",
    "gradient_tolerance",
    "judge_derivative",
    "judge_order",
    "meaningful_step",
]

VERDICTS = ("pass", "fail", "inconclusive")


@dataclass(frozen=True)
class Rule:
    """One row of the policy: a tolerance and whether breaching it fails a verdict."""

    name: str
    rtol: float
    atol: float
    fails: bool
    reason: str


#: The one table.  ``atol`` of "derivative" and "oracle" is relative to ``max(1, |f'|)``.
POLICY: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule(
            "derivative",
            1e-12,
            1e-20,
            True,
            "a claimed or typed derivative is compared with the exact reference, both evaluated "
            "at 40 digits at the exact float64 point: values further apart than 1e-12 relative "
            "belong to a different function (3.0001x^2 and 2x + 1e-9 fail), while 40-digit "
            "round-off sits 25 digits below this",
        ),
        Rule(
            "oracle",
            1e-15,
            1e-30,
            True,
            "the rule engine's derivative and sympy.diff's must be the same function: at 40 "
            "digits two forms of one function agree to far better than 1e-15",
        ),
        Rule(
            "order",
            1e-10,
            2.0,
            True,
            "where truncation dominates round-off (error >= 100x the round-off model), a correct "
            "reference makes the error fall like h^p; an error that stays within a factor "
            "atol = 2 over two decades of h there, at more than rtol = 1e-10 of |f'| (above the "
            "round-off of an ill-conditioned f), means the estimates converge to another value",
        ),
        Rule(
            "gradient",
            1e-5,
            1e-3,
            True,
            "backprop and the central difference agree within rtol of the larger entry (scale "
            "floor atol = tau = 1e-3 of the tensor's largest entry, so tiny entries raise no "
            "false alarms) plus the difference's own error bound at h (truncation C h^2 and "
            "round-off eps |L| / h): a 0.1% error in one entry fails, a correct one passes",
        ),
        Rule(
            "hessian",
            1e-6,
            1e-6,
            True,
            "the numeric Hessian (second central and 4-point mixed differences at h ~ eps^(1/4)) "
            "agrees with the exact one within rtol of the largest entry (floor atol): its model "
            "error, about sqrt(eps) = 1.5e-8 of f and its fourth derivatives, sits 100x below",
        ),
        Rule(
            "training",
            1e-4,
            0.0,
            True,
            "training with backprop and with numeric gradients gives loss curves that agree to "
            "1e-4 relative at every step: at ReLU kinks the central difference is not the "
            "derivative, so the numeric-trained net drifts by 1e-6..1e-5 over a few steps",
        ),
        Rule(
            "reading",
            1e-7,
            1e-4,
            False,
            "how an engineer reads one entry's relative error (advisory, the verdict is the "
            "gradient row's): below rtol = 1e-7 fine, 1e-7 to atol = 1e-4 look closer (kinks, "
            "a large third derivative, float32), above 1e-4 the gradient is probably wrong",
        ),
        Rule(
            "float32",
            1e-3,
            0.0,
            False,
            "float32 has eps = 1.2e-7: a central difference errs by at least about eps^(2/3) "
            "= 2.4e-5 relative (at h ~ eps^(1/3) = 5e-3), more where |L| >> |g| h and in "
            "long float32 sums, so rtol = 1e-3 is what it supports: a 0.1% bug hides in it",
        ),
        Rule(
            "step",
            1.0,
            0.0,
            False,
            "a step with x + h == x, or whose round-off bound eps |f| / h is larger than "
            "rtol times the quantity measured, measures nothing: inconclusive, never a pass",
        ),
        Rule(
            "domain",
            0.0,
            0.0,
            True,
            N_(
                "f or f' is undefined, not real or not finite at the point: nothing can be verified"
            ),
        ),
        Rule(
            "breakdown",
            0.15,
            0.0,
            False,
            "the order holds at small h but not at the largest steps (higher-order terms or a "
            "nearby singularity): advisory, the derivative is right",
        ),
        Rule(
            "higher_order",
            0.15,
            0.0,
            False,
            "the leading truncation term vanishes at this point, so the observed order exceeds "
            "the method's: advisory",
        ),
        Rule(
            "order_unclear",
            0.15,
            0.0,
            False,
            "the error falls with h but not at the method's rate at the smallest usable steps "
            "(f changes fast nearby): advisory, the estimates still converge to the reference",
        ),
        Rule(
            "exact",
            0.0,
            0.0,
            False,
            N_("the stencil is exact for f here (error at round-off level at every step)"),
        ),
        Rule(
            "skipped",
            0.0,
            0.0,
            False,
            "the complex step needs every operation to be complex-analytic (|x|, sign, floor "
            "are not): not measured, inconclusive for that method only",
        ),
        Rule(
            "unfitted",
            0.0,
            0.0,
            False,
            "fewer than two steps where truncation dominates round-off: the order cannot be "
            "measured, inconclusive",
        ),
    )
}


@dataclass(frozen=True)
class Verdict:
    """A decision with the policy row that made it and the reason, in words."""

    verdict: str
    rule: str
    reason: str

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


def combine_verdicts(verdicts: list[str] | tuple[str, ...]) -> str:
    """Many verdicts into one: any fail fails; else any pass passes; else inconclusive.

    >>> combine_verdicts(["pass", "inconclusive"]), combine_verdicts(["pass", "fail"])
    ('pass', 'fail')
    >>> combine_verdicts(["inconclusive"]), combine_verdicts([])
    ('inconclusive', 'inconclusive')
    """
    if "fail" in verdicts:
        return "fail"
    return "pass" if "pass" in verdicts else "inconclusive"


def derivative_comparison(reference: Any, values: Any, scale: float | None = None) -> Comparison:
    """Exact reference vs claimed values under the ``derivative`` row (vectorised).

    ``scale`` sets the absolute floor ``atol * max(1, scale)`` (default: the largest
    ``|reference|``), so a claim of 0 for a derivative of 1e-30 is not a failure.

    >>> derivative_comparison([1.0, 2.0], [1.0, 2.0 + 1e-6]).passed.tolist()
    [True, False]
    """
    rule = POLICY["derivative"]
    ref = np.asarray(reference, dtype=object)
    if scale is None:
        finite = [abs(float(v)) for v in ref.ravel() if math.isfinite(float(v))]
        scale = max(finite, default=1.0)
    return compare(ref, values, rtol=rule.rtol, atol=rule.atol * max(1.0, float(scale)))


def judge_derivative(reference: Any, value: Any, scale: float | None = None) -> Verdict:
    """Is ``value`` the derivative's value ``reference``?  Both exact (mpmath or float).

    The same rule for the sweep's claim, homework ``check`` and the suite.

    >>> judge_derivative(3.0, 3.0001).reason
    'claimed 3.0001 but the derivative is 3 (relative difference 3.3e-05 > 1e-12)'
    """
    cmp = derivative_comparison(np.array([reference], dtype=object), [value], scale)
    rel = float(cmp.rel_error[0])
    rule = POLICY["derivative"]
    if cmp.ok:
        return Verdict("pass", rule.name, _("matches the derivative"))
    return Verdict(
        "fail",
        rule.name,
        _(
            "claimed {number} but the derivative is {number2} (relative difference {number3} > {rtol:g})"
        ).format(
            number=format_number(value),
            number2=format_number(reference),
            number3=format_number(rel, 2),
            rtol=rule.rtol,
        ),
    )


@dataclass(frozen=True)
class OrderJudgement:
    """The verdict on one (point, variable, method) error curve."""

    verdict: str
    rule: str
    flag: str
    observed_order: float
    note: str


def _slope(h: np.ndarray, err: np.ndarray) -> float:
    return float(np.polyfit(np.log10(h), np.log10(err), 1)[0])


def judge_order(
    stencil: str | Stencil,
    h: Any,
    error: Any,
    roundoff: Any,
    *,
    leading_derivative: float = math.nan,
    scale: float = 1.0,
) -> OrderJudgement:
    """Judge an error-vs-h curve against the stencil's order, where the truncation model holds.

    ``error`` is the absolute error against the exact reference at each step ``h``;
    ``roundoff`` the model's round-off at each step; ``leading_derivative`` ``|f^(k)(x)|``
    (k the stencil's truncation derivative) and ``scale`` the size of the lower derivatives,
    to recognise a vanishing leading term.  Rows with error >= 100x round-off are
    *measurable* (10x when fewer than three are).  The verdict:

    * ``pass``/``exact``: every error is at the round-off level;
    * ``fail``/``order``: at the smallest measurable steps the error stays within a factor 2
      over two decades of h, above 1e-10 of ``scale`` (``|f'|``): it converges to something
      else;
    * ``inconclusive``/``unfitted``: fewer than two measurable rows;
    * otherwise ``pass``, the order fitted on the smallest measurable steps, with an advisory
      flag when larger steps break down, the order is higher (vanishing term) or unclear.

    >>> import numpy as np
    >>> h = np.logspace(-1, -6, 11)
    >>> judge_order("central", h, 0.5 * h**2, np.full(11, 1e-16)).verdict
    'pass'
    >>> judge_order("central", h, 0.5 * h**2 + 1e-6, np.full(11, 1e-16), scale=1.0).flag
    'order'
    """
    st = get_stencil(stencil)
    p = st.order
    h = np.asarray(h, dtype=np.float64)
    err = np.asarray(error, dtype=np.float64)
    ro = np.broadcast_to(np.asarray(roundoff, dtype=np.float64), h.shape)
    valid = np.isfinite(err) & (h > 0)
    if not valid.any():
        rule = POLICY["unfitted"]
        return OrderJudgement(
            "inconclusive", rule.name, "unfitted", math.nan, _("no finite estimate")
        )
    floor = 10 * ro + 4 * EPS * max(scale, 1e-300)  # round-off level (10x slack: f's own ulps)
    if np.all(err[valid] <= floor[valid]):  # exact: at that level at every step
        rule = POLICY["exact"]
        return OrderJudgement("pass", "exact", "exact", math.nan, _(rule.reason))
    measurable = valid & (err > 0) & (err >= 100 * ro)
    if measurable.sum() < 3:
        measurable = valid & (err > 0) & (err >= 10 * ro)
    if measurable.sum() < 2:
        return OrderJudgement(
            "inconclusive",
            "unfitted",
            "unfitted",
            math.nan,
            _(
                "too few steps where truncation dominates round-off to measure the order; "
                "widen the h range"
            ),
        )
    order = np.argsort(h[measurable])
    hs, es = h[measurable][order], err[measurable][order]  # ascending h
    plateau = _plateau(hs, es, scale)
    if plateau is not None and _dips_below(h[valid], err[valid], es[0]):
        # elsewhere the estimates come ten times closer than the flat run: the run is round-off
        # the model underrates (f(x + h) == f(x - h) in float64, say), not another value
        keep = hs > plateau[1]
        hs, es, plateau = hs[keep], es[keep], None
        if len(hs) < 2:
            return OrderJudgement(
                "inconclusive",
                "unfitted",
                "unfitted",
                math.nan,
                _(
                    "round-off swamps the small steps and too few larger steps remain to measure "
                    "the order; widen the h range"
                ),
            )
    if plateau is not None:
        lo, hi = plateau
        rule = POLICY["order"]
        return OrderJudgement('fail', rule.name, 'order', _slope(hs, es) if len(hs) >= 2 else math.nan, _('the error stays near {number} from h = {number2} to {number3} instead of falling like h^{p}: the estimates converge to a different value than the reference derivative').format(number=format_number(es[0], 2), number2=format_number(lo, 2), number3=format_number(hi, 2), p=p))  # fmt: skip
    return _fitted(st, hs, es, leading_derivative, scale)


def _dips_below(h: np.ndarray, err: np.ndarray, level: float) -> bool:
    """Whether the error curve comes ten times below ``level`` somewhere, robustly: the
    smallest over h of the largest error among each step and its two neighbours (a single
    lucky step, where a truncation term crosses an offset, does not count)."""
    e = err[np.argsort(h)]
    if e.size < 3:
        return False
    envelope = np.maximum(np.maximum(e[:-2], e[1:-1]), e[2:])
    return bool(np.nanmin(envelope) * 10 < level)


def _plateau(hs: np.ndarray, es: np.ndarray, scale: float) -> tuple[float, float] | None:
    """(h_lo, h_hi) of a flat run at the small-h end: over two decades, max/min <= 2, and
    above ``rtol * scale`` (round-off of an ill-conditioned f stays flat too, but lower)."""
    rule = POLICY["order"]
    if es[0] <= rule.rtol * scale:
        return None
    for j in range(1, len(hs)):
        run = es[: j + 1]
        if run.max() > rule.atol * run.min():
            break
        if hs[j] >= 100 * hs[0] * (1 - 1e-9):
            return float(hs[0]), float(hs[j])
    return None


def _fitted(
    st: Stencil, hs: np.ndarray, es: np.ndarray, leading: float, scale: float
) -> OrderJudgement:
    p, tol = st.order, POLICY["breakdown"].rtol
    local = np.diff(np.log10(es)) / np.diff(np.log10(hs))
    # the asymptotic run: from the smallest steps up, while the local slope stays near p
    run = 1
    while run < len(hs) and abs(local[run - 1] - p) <= max(0.5, 0.25 * p):
        run += 1
    observed = _slope(hs[:run], es[:run]) if run >= 2 else _slope(hs, es)
    if run >= 2 and abs(observed - p) <= max(tol, 0.5 if run == 2 else tol):
        if run == len(hs):
            return OrderJudgement("pass", "order", "", observed, "")
        rule = POLICY["breakdown"]
        return OrderJudgement('pass', rule.name, 'breakdown', observed, _('order {p} holds for h <= {number} (slope {observed:.2f}) but breaks down by h = {number2}: higher-order terms or a singularity nearby (advisory)').format(p=p, number=format_number(hs[run - 1], 2), observed=observed, number2=format_number(hs[run], 2)))  # fmt: skip
    overall = _slope(hs, es)
    vanishing = math.isfinite(leading) and leading <= 1e-9 * max(scale, 1.0)
    if overall > p and vanishing:
        rule = POLICY["higher_order"]
        return OrderJudgement(
            "pass",
            rule.name,
            "higher_order",
            overall,
            _(
                "f^({truncation_derivative}) = 0 here, so the h^{p} term vanishes: observed order {overall:.2f} > {p} (advisory)"
            ).format(truncation_derivative=st.truncation_derivative, p=p, overall=overall),
        )
    rule = POLICY["order_unclear"]
    return OrderJudgement(
        "pass",
        rule.name,
        "order_unclear",
        overall,
        _(
            "observed order {overall:.2f} where theory says {p}: the error falls with h but f changes fast near the point (advisory)"
        ).format(overall=overall, p=p),
    )


def gradient_tolerance(
    stencil: str | Stencil,
    h: float,
    *,
    f_abs: float,
    deriv_abs: float = 0.0,
    eps: float = EPS,
) -> float:
    """The absolute error bound of a finite-difference gradient entry at step ``h``.

    Truncation ``C |f^(k)| h^p`` plus round-off ``eps |f| sum|w| / h`` (the stencil's model),
    doubled: the bound a correct backprop entry may differ by, beyond ``rtol``.

    >>> b = gradient_tolerance("central", 1e-4, f_abs=1.0, deriv_abs=6.0)
    >>> 2e-8 < b < 3e-8
    True
    """
    st = get_stencil(stencil)
    trunc = float(st.truncation_error(h, deriv_abs)) if deriv_abs else 0.0
    round_off = float(st.roundoff_error(h, f_abs, 0.0, eps))
    return 2.0 * (trunc + round_off)


def meaningful_step(
    x: Any, h: float, *, bound: float, quantity: float, rtol: float | None = None
) -> Verdict:
    """Whether a step can measure anything: ``x + h != x`` for every x, and an error bound
    (:func:`gradient_tolerance`) below ``rtol`` times the quantity measured.

    >>> meaningful_step([1.0, 2.0], 1e-17, bound=0.0, quantity=1.0).verdict
    'inconclusive'
    >>> meaningful_step([1.0, 2.0], 1e-4, bound=1e-9, quantity=1.0).verdict
    'pass'
    """
    rule = POLICY["step"]
    rtol = POLICY["gradient"].rtol if rtol is None else rtol
    xa = np.asarray(x, dtype=np.float64)
    if xa.size and np.any((xa + h) - xa == 0):
        n = int(np.count_nonzero((xa + h) - xa == 0))
        return Verdict(
            "inconclusive",
            rule.name,
            _(
                "h = {h:g} is below the float spacing of {n} of {size} values (x + h == x): the difference measures nothing; use h around 1e-4 to 1e-6"
            ).format(h=h, n=n, size=xa.size),
        )
    if not (bound <= rtol * quantity):
        return Verdict(
            "inconclusive",
            rule.name,
            _(
                "at h = {h:g} the difference's own error bound {bound:.2g} exceeds {rtol:g} x the quantity measured ({quantity:.2g}): round-off or truncation at this h swamps it"
            ).format(h=h, bound=bound, rtol=rtol, quantity=quantity),
        )
    return Verdict("pass", rule.name, _("the step can resolve the quantity"))
