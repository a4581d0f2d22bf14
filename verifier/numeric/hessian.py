"""The numeric Hessian: second central differences on the diagonal, the 4-point mixed stencil
off it, every entry through the one estimator (:func:`~verifier.numeric.estimate.finite_difference`).

>>> from verifier.expr import symbol
>>> x, y = symbol("x"), symbol("y")
>>> H = numeric_hessian(x**2 * y + y**3, [1.0, 2.0])
>>> np.round(H.value, 6).tolist()
[[4.0, 2.0], [2.0, 12.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from verifier.errors import VerifierError
from verifier.numeric.estimate import finite_difference, representable_step
from verifier.numeric.evaluate import CompiledFunction, compile_function
from verifier.numeric.stencils import STENCILS

__all__ = ["HessianEstimate", "numeric_hessian"]

DIAGONAL, MIXED = STENCILS["second_central"], STENCILS["mixed_central"]


@dataclass(frozen=True, eq=False)
class HessianEstimate:
    """``value[i, j]`` estimates ``d^2 f / dv_i dv_j`` at ``point`` with steps ``h[i, j]``.

    The estimate is symmetric by construction (one mixed difference per pair ``i < j``).
    """

    variables: tuple[str, ...]
    point: np.ndarray
    h: np.ndarray
    value: np.ndarray

    def to_frame(self) -> Any:
        """One row per entry: row, column, h, estimate.

        >>> from verifier.expr import symbol
        >>> numeric_hessian(symbol("x") ** 2, [3.0]).to_frame()["estimate"].round(6).tolist()
        [2.0]
        """
        import pandas as pd

        n = len(self.variables)
        return pd.DataFrame(
            {
                "row": [self.variables[i] for i in range(n) for _ in range(n)],
                "column": [self.variables[j] for _ in range(n) for j in range(n)],
                "h": self.h.ravel(),
                "estimate": self.value.ravel(),
            }
        )


def numeric_hessian(
    f: str | sympy.Expr | CompiledFunction | Callable[[np.ndarray], Any],
    x: Any,
    h: float | None = None,
    *,
    variables: Sequence[str] | None = None,
) -> HessianEstimate:
    """Estimate the Hessian of ``f`` at the point ``x`` (a vector, one value per variable).

    ``f`` is text or a sympy expression (its variables, or ``variables``, in order) or a callable
    mapping an array of points ``(..., n)`` to values ``(...)``.  ``h`` is the step of every
    entry; ``None`` takes each stencil's default step ``eps^(1/4) max(1, |x_i|)``.  Steps
    are made representable at the coordinates they move (``x + h`` exact).

    >>> H = numeric_hessian(lambda p: np.sin(p[..., 0]) * p[..., 1], [0.5, 2.0], h=1e-4)
    >>> bool(abs(H.value[0, 1] - np.cos(0.5)) < 1e-7)  # truncation h^2/6 |f_xxxy|, round-off eps/h^2
    True
    """
    xa = np.array(x, dtype=np.float64).ravel()
    if isinstance(f, str):  # the text of a function: parsed, never evaluated as code
        from verifier.expr import parse

        f = parse(f, variables=list(variables) if variables else None)
    if isinstance(f, (sympy.Expr, CompiledFunction)):
        cf = f if isinstance(f, CompiledFunction) else compile_function(f, variables)
        names = tuple(cf.variables)
        if xa.size != len(names):
            raise VerifierError(
                f"the point needs {len(names)} values ({', '.join(names)}), got {xa.size}"
            )

        def fn(p: np.ndarray) -> np.ndarray:
            return np.asarray(cf.evaluate(*np.moveaxis(p, -1, 0)), dtype=np.float64)

    elif callable(f):
        names = tuple(variables) if variables else tuple(f"x{i}" for i in range(xa.size))
        fn = f
    else:
        raise VerifierError(f"cannot differentiate an object of type {type(f).__name__}")
    if h is not None and not (isinstance(h, (int, float)) and np.isfinite(h) and h > 0):
        raise VerifierError(f"h must be a positive number, not {h!r}")
    n = xa.size
    value, steps = np.empty((n, n)), np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            st = DIAGONAL if i == j else MIXED
            hij = st.default_h(max(abs(xa[i]), abs(xa[j]))) if h is None else float(h)
            axes = [i] if i == j else [i, j]

            def shifted(d: np.ndarray, axes: list[int] = axes) -> np.ndarray:
                pts = np.broadcast_to(xa, (*d.shape[: d.ndim - (len(axes) > 1)], n)).copy()
                for k, a in enumerate(axes):
                    pts[..., a] = xa[a] + (d[..., k] if len(axes) > 1 else d)
                with np.errstate(all="ignore"):
                    return fn(pts)

            at = xa[i] if i == j else xa[[i, j]]
            est = finite_difference(shifted, st, np.array([hij]), x=at)
            used = np.array([hij])
            for a in np.atleast_1d(at):
                used = representable_step(a, used)  # the step finite_difference used
            value[i, j] = value[j, i] = float(est[0])
            steps[i, j] = steps[j, i] = float(used[0])
    return HessianEstimate(names, xa, steps, value)
