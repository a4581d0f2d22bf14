"""The sweep's error model and curve fit: one (point, variable, method) curve -> an analysis row.

:func:`verifier.sweep.sweep` measures error curves; this module fills their ``analysis``
rows: the smallest measured error and its step (``min_error`` at ``min_h``), the reliable
best step and error on the grid (``reliable_error`` at ``reliable_h``, :func:`reliable_best`:
the smallest error that the neighbouring steps also reach), the error model's
prediction (:class:`~verifier.numeric.stencils.Stencil` ``best_h``/``best_error``, for any
derivative order: ``eps^(1/4)`` for the central second difference) and the policy's judgement
of the fitted order (:func:`verifier.policy.judge_order`).

>>> from verifier.numeric.stencils import STENCILS
>>> h = np.logspace(-1, -3, 5)
>>> row = analysis_row("x^4", "x", 1.0, STENCILS["second_central"])
>>> measure(row, STENCILS["second_central"], (h, 2 * h**2, 2 * h**2 / 12), {0: 1.0, 1: 4.0, 2: 12.0, 4: 24.0}, (1e-4, 12.0, 2e-8), 0)
>>> round(row["observed_order"], 6), row["verdict"]
(2.0, 'pass')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from verifier.numeric.stencils import Stencil
from verifier.policy import judge_order

__all__ = [
    "ANALYSIS_COLUMNS",
    "DOMAIN",
    "SKIPPED",
    "analysis_row",
    "measure",
    "order_text",
    "reliable_best",
    "smallest",
]

KEY = ("function", "variable", "point", "method")
_MEASURED = (
    *("expected_order", "observed_order", "exact", "min_h", "min_error"),
    *("reliable_h", "reliable_error", "min_rel_error"),
)
_MODEL = ("theoretical_best_h", "theoretical_best_error", "predicted_h", "error_at_predicted_h")
_AT_DEFAULT = ("default_h", "estimate_at_default_h", "error_at_default_h")
_JUDGED = ("flag", "diagnosis", "verdict", "rule")
ANALYSIS_COLUMNS = (*KEY, *_MEASURED, *_MODEL, *_AT_DEFAULT, *_JUDGED)
# rows that are not a measured curve: f or f' undefined (fails); complex step not safe
DOMAIN = {"flag": "domain", "verdict": "fail", "rule": "domain"}
SKIPPED = {"flag": "skipped", "verdict": "inconclusive", "rule": "skipped"}


def reliable_best(h: np.ndarray, error: np.ndarray) -> tuple[float, float]:
    """The best step and its error, not fooled by a lucky cancellation.

    In the round-off region an estimate is sometimes exact by chance (error 0 at
    one step, 1e-9 at its neighbours).  The best step is the one whose error *and*
    its neighbours' on the grid (half a decade either side by default) have the
    smallest maximum; that maximum is the best error a user can rely on.

    >>> reliable_best(np.array([1e-1, 1e-2, 1e-3, 1e-4]), np.array([1e-2, 1e-4, 0.0, 1e-3]))
    (0.001, 0.001)
    """
    order = np.argsort(-h)
    hs, es = h[order], np.where(np.isfinite(error[order]), error[order], np.inf)
    if hs.size == 0:
        return math.nan, math.nan
    padded = np.concatenate([[-np.inf], es, [-np.inf]])
    envelope = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])
    j = int(np.argmin(envelope))
    return float(hs[j]), float(envelope[j])


def smallest(h: np.ndarray, error: np.ndarray) -> tuple[float, float]:
    """The smallest measured error and its step (the largest such step on a tie).

    >>> smallest(np.array([1e-1, 1e-2, 1e-3, 1e-4]), np.array([1e-2, 1e-4, 0.0, 1e-3]))
    (0.001, 0.0)
    """
    ok = np.isfinite(error)
    if not ok.any():
        return math.nan, math.nan
    hs, es = h[ok], error[ok]
    j = int(np.flatnonzero(es == es.min())[np.argmax(hs[es == es.min()])])
    return float(hs[j]), float(es[j])


def order_text(exact: bool, observed: float, expected: float) -> str:
    """``exact``, or the fitted order (two decimals) against the method's: ``1.98 / 2``."""
    if exact or math.isnan(expected):
        return "exact" if exact else "-"
    return ("-" if math.isnan(observed) else f"{observed:.2f}") + f" / {int(expected)}"


def analysis_row(
    text: str, v: str, label: Any, st: Stencil | None, **judged: str
) -> dict[str, Any]:
    """An analysis row: its key, ``judged`` (flag, diagnosis, verdict, rule), NaN measurements."""
    row: dict[str, Any] = dict.fromkeys(ANALYSIS_COLUMNS, math.nan)
    row.update(function=text, variable=v, point=label, exact=False)
    row.update(method=st.name if st else "-", expected_order=float(st.order) if st else math.nan)
    row.update(flag="", diagnosis="", verdict="inconclusive", rule="")
    row.update(judged)
    return row


def measure(
    row: dict[str, Any],
    st: Stencil,
    measured: tuple[np.ndarray, np.ndarray, np.ndarray],
    mags: dict[int, float],
    at_default: tuple[float, float, float],
    dropped: int,
) -> None:
    """Fill ``row`` with one curve's measurements and the policy's judgement of them.

    ``measured`` is (h, abs_error, rel_error) at the finite estimates; ``at_default`` is
    (default h, estimate there, its abs_error); ``mags`` are ``|f^(k)|`` for the model.
    """
    h, abs_err, rel_err = measured
    f_abs, fp_abs, dk = (mags.get(k, math.nan) for k in (0, 1, st.truncation_derivative))
    f0, fp0 = (0.0 if math.isnan(a) else a for a in (f_abs, fp_abs))
    roundoff = np.asarray(st.roundoff_error(h, f0, fp0), dtype=float)
    # the size of the derivative measured: the order check's scale
    size = fp0 if st.derivative == 1 else mags.get(st.derivative, math.nan)
    size = 0.0 if math.isnan(size) else size
    judged = judge_order(st, h, abs_err, roundoff, leading_derivative=dk, scale=size)
    th_h = th_err = pred_h = pred_err = math.nan
    if not any(math.isnan(a) for a in (f_abs, fp_abs, dk)):
        th_h = st.best_h(f_abs=f_abs, fprime_abs=fp_abs, deriv_abs=dk)
        th_err = st.best_error(f_abs=f_abs, fprime_abs=fp_abs, deriv_abs=dk)
    if h.size and not math.isnan(th_h):
        # the grid step nearest the model's h* (the largest step when the model says "exact")
        target = h.max() if math.isinf(th_h) or th_h <= 0 else th_h
        j = int(np.argmin(np.abs(np.log10(h) - math.log10(target))))
        pred_h, pred_err = float(h[j]), float(abs_err[j])
    notes = [judged.note] if judged.note else []
    if dropped:
        why = "f undefined at x +- h, or h below the float spacing at x"
        notes.append(f"{dropped} step(s) gave no estimate ({why})")
    row.update(observed_order=judged.observed_order, exact=judged.flag == "exact")
    row.update(zip(("min_h", "min_error"), smallest(h, abs_err), strict=True))
    row.update(zip(("reliable_h", "reliable_error"), reliable_best(h, abs_err), strict=True))
    row.update(min_rel_error=float(np.nanmin(rel_err)) if rel_err.size else math.nan)
    row.update(theoretical_best_h=th_h, theoretical_best_error=th_err)
    row.update(predicted_h=pred_h, error_at_predicted_h=pred_err)
    row.update(zip(_AT_DEFAULT, (float(a) for a in at_default), strict=True))
    row.update(flag=judged.flag, diagnosis="; ".join(notes))
    row.update(verdict=judged.verdict, rule=judged.rule)
