"""The one comparator: absolute error, relative error and pass/fail, defined once.

Every other module (sweep, suite, homework grader, network gradient check) calls
:func:`compare`; none defines its own error measure.

Definitions (``a`` the reference, ``b`` the estimate, element by element)::

    abs_error = |a - b|
    rel_error = |a - b| / max(|a|, |b|, floor)      where max(|a|, |b|) >= atol
              = |a - b|                             where both |a|, |b| < atol
    passed    = abs_error <= atol  or  rel_error <= rtol

``floor`` (default 0) makes the relative error scale-aware: with
``floor = tau * max|g|`` entries that are tiny compared with the rest of a
gradient do not raise false alarms (the gradient check uses it).

References may be high-precision mpmath numbers: they are split into a
double-double pair ``hi + lo`` so that ``(b - hi) - lo`` gives the error of the
float64 estimate, not the error of rounding the reference to float64.

>>> c = compare([1.0, 2.0], [1.0, 2.1], rtol=1e-3)
>>> c.ok, c.worst_index
(False, (1,))
>>> round(float(c.rel_error[1]), 6)
0.047619
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verifier.i18n import _

__all__ = ["Comparison", "compare", "relative_error", "split_high_precision"]

DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 1e-12


def split_high_precision(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split numbers (floats, ints, mpmath mpf, Fractions) into float64 ``hi`` and ``lo``.

    ``hi`` is the value rounded to float64 and ``lo`` the rounding remainder,
    so ``hi + lo`` carries about 32 significant digits.

    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     third = mpmath.mpf(1) / 3
    >>> hi, lo = split_high_precision([third])
    >>> bool(hi[0] == 1 / 3), bool(lo[0] != 0)
    (True, True)
    """
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.dtype != object:
        hi = np.asarray(arr, dtype=np.float64)
        return hi, np.zeros_like(hi)
    flat = arr.reshape(-1)
    hi = np.empty(flat.shape, dtype=np.float64)
    lo = np.zeros(flat.shape, dtype=np.float64)
    seen: dict[int, tuple[float, float]] = {}  # a broadcast reference repeats one object
    for i, v in enumerate(flat):
        pair = seen.get(id(v))
        if pair is None:
            h, low = float(v), 0.0
            if np.isfinite(h):
                try:
                    low = float(v - h)
                except TypeError:  # a plain Python number without exact subtraction
                    low = 0.0
            pair = seen[id(v)] = (h, low)
        hi[i], lo[i] = pair
    return hi.reshape(arr.shape), lo.reshape(arr.shape)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Element-wise comparison of a reference with an estimate (arrays of one shape)."""

    reference: np.ndarray
    estimate: np.ndarray
    abs_error: np.ndarray
    rel_error: np.ndarray
    passed: np.ndarray
    rtol: float
    atol: float
    floor: float = 0.0
    _worst: tuple[int, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """True when every element passed."""
        return bool(np.all(self.passed))

    @property
    def n_failed(self) -> int:
        return int(np.size(self.passed) - np.count_nonzero(self.passed))

    @property
    def worst_index(self) -> tuple[int, ...]:
        """Index of the largest relative error (ties: the first); () for scalars."""
        return self._worst

    @property
    def max_abs_error(self) -> float:
        return float(np.max(self.abs_error)) if self.abs_error.size else 0.0

    @property
    def max_rel_error(self) -> float:
        return float(np.max(self.rel_error)) if self.rel_error.size else 0.0

    def summary(self) -> str:
        """One line: pass/fail, counts, the worst element with both values."""
        n = int(np.size(self.passed))
        verdict = "pass" if self.ok else "FAIL"
        if n == 0:
            return "pass: nothing to compare"
        w = self.worst_index
        ref = float(self.reference[w]) if self.reference.ndim else float(self.reference)
        est = float(self.estimate[w]) if self.estimate.ndim else float(self.estimate)
        where = f" at {w if len(w) != 1 else w[0]}" if w else ""
        return (
            f"{verdict}: {n - self.n_failed}/{n} within rtol={self.rtol:g}, atol={self.atol:g}; "
            f"worst rel error {self.max_rel_error:.3g}{where} "
            f"(reference {ref:.17g}, estimate {est:.17g})"
        )

    def to_frame(self):
        """One row per element: index, reference, estimate, abs_error, rel_error, passed."""
        import pandas as pd

        idx = list(np.ndindex(self.reference.shape)) if self.reference.ndim else [()]
        return pd.DataFrame(
            {
                "index": [i if len(i) != 1 else i[0] for i in idx],
                "reference": np.ravel(self.reference),
                "estimate": np.ravel(self.estimate),
                "abs_error": np.ravel(self.abs_error),
                "rel_error": np.ravel(self.rel_error),
                "passed": np.ravel(self.passed),
            }
        )

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.to_frame().head(50).to_html(index=False)


def compare(
    reference: Any,
    estimate: Any,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    floor: float = 0.0,
) -> Comparison:
    """Compare ``estimate`` against ``reference`` element by element.

    ``reference`` may hold mpmath numbers; their extra digits are used when
    computing the error.  Non-finite values never pass.

    >>> compare(32.0, 32.1, rtol=1e-2).ok
    True
    >>> compare([0.0], [1e-14]).ok   # both below atol: judged by absolute error
    True
    """
    if rtol < 0 or atol < 0 or floor < 0:
        raise ValueError(_("rtol, atol and floor must be >= 0"))
    ref_hi, ref_lo = split_high_precision(reference)
    est = np.asarray(estimate, dtype=np.float64)
    ref_hi, ref_lo, est = np.broadcast_arrays(ref_hi, ref_lo, est)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # (est - hi) is exact when est and hi are close (Sterbenz); lo restores the
        # reference's digits beyond float64.
        abs_err = np.abs((est - ref_hi) - ref_lo)
        scale = np.maximum(np.maximum(np.abs(ref_hi), np.abs(est)), floor)
        tiny = np.maximum(np.abs(ref_hi), np.abs(est)) < atol
        rel_err = np.where(tiny, abs_err, abs_err / np.where(scale > 0, scale, 1.0))
        finite = np.isfinite(est) & np.isfinite(ref_hi)
        same_inf = (~finite) & (est == ref_hi)  # +inf vs +inf is not an error of the estimate
        abs_err = np.where(finite, abs_err, np.where(same_inf, 0.0, np.inf))
        rel_err = np.where(finite, rel_err, np.where(same_inf, 0.0, np.inf))
        passed = finite & ((abs_err <= atol) | (rel_err <= rtol))
    if rel_err.size:
        key = np.where(np.isnan(rel_err), np.inf, rel_err)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(key)), rel_err.shape))
    else:
        worst = ()
    return Comparison(
        reference=np.array(ref_hi, dtype=np.float64),
        estimate=np.array(est, dtype=np.float64),
        abs_error=np.asarray(abs_err, dtype=np.float64),
        rel_error=np.asarray(rel_err, dtype=np.float64),
        passed=np.asarray(passed, dtype=bool),
        rtol=float(rtol),
        atol=float(atol),
        floor=float(floor),
        _worst=worst,
    )


def relative_error(reference: Any, estimate: Any, *, atol: float = DEFAULT_ATOL) -> np.ndarray:
    """The relative error alone, as :func:`compare` defines it.

    >>> float(relative_error(2.0, 2.2))
    0.09090909090909098
    """
    return compare(reference, estimate, atol=atol).rel_error


def clearly_apart(
    reference: Any, estimate: Any, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL
) -> bool:
    """True when some element is so far off that :func:`compare` must fail it: a cheap screen
    in float64 that lets a caller skip the exact comparison of a clear mismatch.

    An element counts only when both values are finite floats and ``|e - r|`` is more than
    ``SCREEN`` times what :func:`compare` (without ``floor``) lets pass, ``max(atol, rtol *
    max(|r|, |e|))``, plus 1e-15 |r| for float64's rounding of an exact reference (half an
    ulp is 1.1e-16 of it): so a pair :func:`compare` passes is never apart.  False says
    nothing: compare them.

    >>> clearly_apart([1.0, 2.0], [1.0, 2.5], rtol=1e-12), clearly_apart([1.0], [1.0 + 1e-9])
    (True, False)
    """
    refs, ests = np.broadcast_arrays(np.asarray(reference, dtype=object), np.asarray(estimate))
    for ref, est in zip(refs.ravel(), ests.ravel(), strict=True):
        try:
            r, e = float(ref), float(est)
        except (TypeError, ValueError, OverflowError):
            continue
        if not (math.isfinite(r) and math.isfinite(e)):
            continue
        allowed = max(float(atol), float(rtol) * max(abs(r), abs(e)))
        if abs(e - r) > SCREEN * allowed + 1e-15 * abs(r):
            return True
    return False


#: how much looser than the tolerance :func:`clearly_apart` is (its margin for float rounding)
SCREEN = 1e4
