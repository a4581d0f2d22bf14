"""The judgement of numeric against analytic gradient entries, under the ``gradient`` rule.

One function, :func:`judge_entries`, for every element of a tensor (``gradcheck``), every
direction of the ``fast`` mode and every component of a descent step
(:mod:`verifier.descent`).  Each entry gets a status:

``wrong``
    ``|numeric - analytic|`` exceeds both the numeric difference's own error bound
    (``bound``: round-off plus the stencil's truncation bound at ``h``, from
    :func:`verifier.policy.gradient_tolerance`) and ``rtol`` times the larger of the two
    (at least the floor ``tau * max|numeric|``), by the one comparator
    (:func:`verifier.compare.compare`).  A difference beyond the error bound is real.
``inconclusive``
    not wrong, but the step cannot resolve the entry (:func:`verifier.policy.meaningful_step`):
    ``x + h == x``, or the error bound exceeds ``rtol`` times the entry's scale, so an
    error of that size would pass unseen.  Never reported as a pass.
``ok``
    within tolerance, and the step resolves it.
``kink``
    excluded by the caller (a ReLU flips within the step).

The verdict: ``fail`` if an entry is wrong, else ``inconclusive`` if one is (or nothing was
checked), else ``pass``.

>>> j = judge_entries(np.array([2.0, 6.0]), np.array([2.0, 6.006]), bound=1e-9)
>>> j.verdict, j.status.tolist()
('fail', ['ok', 'wrong'])
>>> judge_entries(np.array([2.0]), np.array([2.0]), bound=1.0).verdict
'inconclusive'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from verifier.compare import compare
from verifier.points import format_number
from verifier.policy import POLICY, meaningful_step

__all__ = ["DEFAULT_RTOL", "DEFAULT_TAU", "EntryJudgement", "judge_entries"]

#: the ``gradient`` row of the policy
DEFAULT_RTOL = POLICY["gradient"].rtol
#: scale floor (the row's ``atol``): entries a thousand times smaller than a tensor's largest
#: are judged on ``tau * max|g|`` (so tiny entries do not raise false alarms)
DEFAULT_TAU = POLICY["gradient"].atol


@dataclass(frozen=True, eq=False)
class EntryJudgement:
    """Statuses, errors and the verdict of a set of gradient entries."""

    status: np.ndarray  # "ok" | "wrong" | "kink" | "inconclusive"
    abs_error: np.ndarray
    rel_error: np.ndarray  # plain |a - b| / max(|a|, |b|)
    scaled_rel_error: np.ndarray  # with the floor
    floor: float
    bound: float
    worst: int | None  # position of the worst (largest scaled error) judged entry
    verdict: str
    reason: str

    @property
    def n_wrong(self) -> int:
        return int(np.count_nonzero(self.status == "wrong"))

    @property
    def n_inconclusive(self) -> int:
        return int(np.count_nonzero(self.status == "inconclusive"))


def judge_entries(
    numeric: np.ndarray,
    analytic: np.ndarray,
    *,
    bound: float | np.ndarray,
    rtol: float = DEFAULT_RTOL,
    tau: float = DEFAULT_TAU,
    scale_aware: bool = True,
    kink: np.ndarray | None = None,
    x: np.ndarray | None = None,
    h: float | None = None,
    truncation: float | np.ndarray = 0.0,
) -> EntryJudgement:
    """Judge 1-D arrays of numeric and analytic entries (see the module docstring).

    ``bound`` is the numeric error bound (scalar, or one per entry); ``kink`` marks entries
    to exclude; ``x`` and ``h`` (optional) the values that were stepped, for the
    ``x + h == x`` test (a NaN numeric entry, a step that vanished, is inconclusive too);
    ``truncation`` the truncation part of ``bound``, to say which way ``h`` should move.

    >>> j = judge_entries(np.array([1.0, 0.0]), np.array([1.0, 1e-12]), bound=1e-11)
    >>> j.verdict, float(j.floor)
    ('pass', 0.001)
    """
    numeric = np.asarray(numeric, dtype=np.float64).reshape(-1)
    analytic = np.asarray(analytic, dtype=np.float64).reshape(-1)
    kink = np.zeros(numeric.shape, bool) if kink is None else np.asarray(kink, bool).reshape(-1)
    bounds = np.broadcast_to(np.asarray(bound, dtype=np.float64), numeric.shape)
    include = ~kink
    vanished = include & np.isnan(numeric)  # the step vanished (x + h == x)
    judged = include & ~vanished
    finite = numeric[judged & np.isfinite(numeric)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    floor = tau * scale if scale_aware and math.isfinite(scale) else 0.0
    plain = compare(numeric, analytic, rtol=rtol, atol=0.0)
    scaled = compare(numeric, analytic, rtol=rtol, atol=0.0, floor=floor) if floor else plain
    judge = scaled if scale_aware else plain
    # within the difference's own error bound, or within rtol (the one comparator's rule)
    within = judge.passed | (np.isfinite(numeric) & (judge.abs_error <= bounds))
    wrong = judged & ~within
    denom = np.maximum(np.maximum(np.abs(numeric), np.abs(analytic)), floor)
    unresolved = judged & ~wrong & ~(bounds <= rtol * denom)
    status = np.full(numeric.shape, "ok", dtype="<U12")
    status[kink] = "kink"
    status[vanished | unresolved] = "inconclusive"
    status[wrong] = "wrong"
    worst = None
    if judged.any():  # the worst wrong entry, else the worst judged one
        among = wrong if wrong.any() else judged
        key = np.where(among, np.nan_to_num(judge.rel_error, nan=np.inf), -1.0)
        worst = int(np.argmax(key))
    trunc = np.broadcast_to(np.asarray(truncation, dtype=np.float64), numeric.shape)
    verdict, reason = _verdict(
        judged, wrong, vanished, unresolved, bounds, trunc, denom, rtol, floor, x, h, worst,
        numeric, analytic, judge.rel_error,
    )  # fmt: skip
    return EntryJudgement(
        status=status,
        abs_error=plain.abs_error,
        rel_error=plain.rel_error,
        scaled_rel_error=scaled.rel_error,
        floor=floor,
        bound=float(np.max(bounds)) if bounds.size else 0.0,
        worst=worst,
        verdict=verdict,
        reason=reason,
    )


def _verdict(
    judged, wrong, vanished, unresolved, bounds, trunc, denom, rtol, floor, x, h, worst, num,
    ana, rel,
) -> tuple[str, str]:  # fmt: skip
    n = int(np.count_nonzero(judged | vanished))
    if wrong.any():
        return "fail", (
            f"{int(wrong.sum())} of {n} entries differ by more than rtol {rtol:g} (floor "
            f"{format_number(floor, 3)}) and the difference's error bound "
            f"{format_number(float(np.max(bounds)), 3)}; worst: numeric "
            f"{format_number(num[worst])}, analytic {format_number(ana[worst])} (relative "
            f"error {format_number(rel[worst], 3)})"
        )
    if n == 0:
        return "inconclusive", "nothing to judge: every entry sits at a kink"
    if vanished.any() or unresolved.any():
        # the policy's step rule says why, on the least resolved entry
        if vanished.any():
            step = meaningful_step(
                x if x is not None else [0.0], h if h is not None else 0.0, bound=0, quantity=1
            )
            why = step.reason if step.verdict == "inconclusive" else "x + h == x"
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                i = int(np.argmax(np.where(unresolved, bounds / denom, -1.0)))
            step = meaningful_step(
                [], h or 1.0, bound=float(bounds[i]), quantity=float(denom[i]), rtol=rtol
            )
            why = step.reason
            if step.verdict == "inconclusive" and 2 * trunc[i] > bounds[i]:
                # truncation, not round-off, dominates the bound: the cure is a smaller h
                why = (
                    f"at h = {h:g} the difference's error bound {format_number(bounds[i], 2)}, "
                    f"mostly truncation (h^2 M3 / 6), exceeds {rtol:g} x the quantity "
                    f"measured ({format_number(denom[i], 2)}); a smaller h resolves it"
                )
        k = int(np.count_nonzero(vanished | unresolved))
        return "inconclusive", f"{k} of {n} entries cannot be resolved: {why}"
    return "pass", (
        f"{n} entries agree within rtol {rtol:g} (error bound "
        f"{format_number(float(np.max(bounds)), 3)})"
    )
