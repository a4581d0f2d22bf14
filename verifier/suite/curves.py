"""The data behind a derivative case's function panel: f' and the claim on a grid of x.

The report draws what this returns (:func:`verifier.report.svg.function_svg`); it computes
nothing.  The exact derivative is the rule engine's (:func:`verifier.reference.derivative`),
evaluated in float64 by the one compiled evaluator; the claim likewise.  Values that are
undefined or not finite become NaN (a gap in the drawn line).

>>> import sympy
>>> x = sympy.Symbol("x")
>>> curve, marks = claim_curve(x**2, 3 * x, "x", [1.0])
>>> list(curve.columns), len(curve), marks.values.tolist()
(['x', 'exact', 'claimed'], 201, [[1.0, 2.0, 3.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy

from verifier import reference
from verifier.numeric.evaluate import compile_function

__all__ = ["claim_curve"]

#: samples across the drawn interval
SAMPLES = 201


def _values(expr: sympy.Expr, var: str, xs: np.ndarray) -> np.ndarray:
    f = compile_function(expr, [var])
    with np.errstate(all="ignore"):
        try:
            y = np.asarray(f(xs), dtype=np.complex128)
        except (ArithmeticError, TypeError, ValueError):
            return np.full(xs.shape, np.nan)
    y = np.broadcast_to(y, xs.shape)
    real = np.where(np.abs(y.imag) <= 1e-12 * np.maximum(1.0, np.abs(y.real)), y.real, np.nan)
    return np.where(np.isfinite(real), real, np.nan)


def claim_curve(
    expr: sympy.Expr, claimed: sympy.Expr | None, var: str, points: Sequence[float]
) -> tuple[Any, Any]:
    """(curve, marks): f' and the claim over an interval around ``points``, and at them.

    The interval spans the points with a margin of a third of their spread (at least 1,
    or half the point's size), so each point sits inside the picture.
    """
    import pandas as pd

    pts = np.asarray([float(p) for p in points], dtype=float)
    lo, hi = float(pts.min()), float(pts.max())
    margin = max((hi - lo) / 3, 1.0, 0.5 * max(abs(lo), abs(hi)))
    xs = np.unique(np.concatenate([np.linspace(lo - margin, hi + margin, SAMPLES - len(pts)), pts]))
    derivative = reference.derivative(expr, var)
    columns = {"x": xs, "exact": _values(derivative, var, xs)}
    marks = {"x": pts, "exact": _values(derivative, var, pts)}
    if claimed is not None:
        columns["claimed"] = _values(claimed, var, xs)
        marks["claimed"] = _values(claimed, var, pts)
    return pd.DataFrame(columns), pd.DataFrame(marks)
