"""What gradient descent runs on: ``f(x)``, its analytic gradient, its numeric gradient and
the third derivatives that bound the central difference's truncation error.

Text and sympy expressions are differentiated by the reference (the rule engine,
:func:`verifier.reference.derivative`) and compiled once; a callable comes with its own
``gradient``.  The numeric gradient is :func:`verifier.numeric.estimate.finite_difference`
with the central stencil.

>>> obj = objective("x0^2 + 3*x1^2")
>>> obj.variables, obj.gradient(np.array([1.0, 1.0])).tolist()
(('x0', 'x1'), [2.0, 6.0])
>>> obj.third_derivatives(np.array([1.0, 1.0]), 1e-4).tolist()   # a quadratic: exact
[0.0, 0.0]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier.errors import VerifierError
from verifier.numeric.estimate import finite_difference
from verifier.numeric.evaluate import CompiledFunction, compile_function
from verifier.numeric.stencils import STENCILS

__all__ = ["Objective", "objective"]

STENCIL = STENCILS["central"]


def _natural(name: str) -> tuple[str, int]:
    m = re.fullmatch(r"(.*?)(\d*)", name)
    assert m is not None
    return m.group(1), int(m.group(2)) if m.group(2) else -1


@dataclass(frozen=True, eq=False)
class Objective:
    """``f`` on a float64 vector, with its analytic gradient and (for expressions) more.

    ``compiled`` is f over arrays (for contour plots) and ``thirds`` the compiled pure third
    partials ``d^3 f / dx_i^3`` (None for a callable: no truncation bound then).
    """

    label: str
    variables: tuple[str, ...]
    value: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]
    compiled: CompiledFunction | None = None
    thirds: tuple[CompiledFunction, ...] | None = None

    def numeric_gradient(self, x: np.ndarray, h: float) -> np.ndarray:
        """Central differences at ``x`` (steps made representable; NaN where x + h == x)."""
        n = x.size
        if self.compiled is not None:
            basis = np.eye(n)

            def shifted(d: np.ndarray) -> np.ndarray:  # d: (n, offsets)
                pts = x[None, None, :] + d[:, :, None] * basis[:, None, :]  # (n, m, n)
                return np.asarray(self.compiled.evaluate(*np.moveaxis(pts, -1, 0)), float)

        else:

            def shifted(d: np.ndarray) -> np.ndarray:
                out = np.empty(d.shape)
                for i in range(n):
                    for k in range(d.shape[1]):
                        moved = x.copy()
                        moved[i] = x[i] + d[i, k]
                        out[i, k] = self.value(moved)
                return out

        return np.asarray(finite_difference(shifted, STENCIL, np.full(n, float(h)), x=x))

    def third_derivatives(self, x: np.ndarray, h: float) -> np.ndarray | None:
        """``max |d^3 f / dx_i^3|`` over ``x_i - h, x_i, x_i + h`` per variable, or None.

        The central difference's truncation error in ``x_i`` is ``h^2 / 6`` times
        ``d^3 f / dx_i^3`` somewhere in ``[x_i - h, x_i + h]``.
        """
        if self.thirds is None:
            return None
        n = x.size
        out = np.empty(n)
        for i, third in enumerate(self.thirds):
            pts = np.repeat(x[None, :], 3, axis=0)
            pts[:, i] += np.array([-h, 0.0, h])
            values = np.abs(np.asarray(third.evaluate(*pts.T), dtype=np.float64))
            out[i] = float(np.max(np.broadcast_to(values, (3,))))
        return out


def objective(
    expr_or_loss: Any,
    variables: Sequence[str] | None = None,
    gradient: Callable | None = None,
    n: int = 0,
) -> Objective:
    """Build the :class:`Objective` of text, a sympy expression, or a callable with a gradient.

    >>> objective(lambda x: float(x[0] ** 2), gradient=lambda x: 2 * x, n=1).variables
    ('x0',)
    """
    import sympy

    if callable(expr_or_loss) and not isinstance(expr_or_loss, sympy.Basic):
        grad = gradient if gradient is not None else getattr(expr_or_loss, "gradient", None)
        if grad is None:
            raise VerifierError(
                "a loss callable needs its analytic gradient to check against",
                hint="pass gradient=lambda x: ... (or give the loss a .gradient method)",
            )
        names = tuple(variables) if variables else tuple(f"x{i}" for i in range(n))
        label = getattr(expr_or_loss, "__name__", "loss")

        def value(x: np.ndarray) -> float:
            return float(expr_or_loss(x))

        def grad_fn(x: np.ndarray) -> np.ndarray:
            return np.asarray(grad(x), dtype=np.float64).reshape(-1)

        return Objective(label, names, value, grad_fn)

    from verifier.reference import derivative

    if isinstance(expr_or_loss, str):
        from verifier.expr import parse_with_warnings

        parsed = parse_with_warnings(
            expr_or_loss, variables=tuple(variables) if variables else None
        )
        expr, label = parsed.expr, expr_or_loss
        names = tuple(variables) if variables else tuple(sorted(parsed.variables, key=_natural))
    elif isinstance(expr_or_loss, sympy.Expr):
        expr, label = expr_or_loss, str(expr_or_loss)
        found = sorted((s.name for s in expr.free_symbols), key=_natural)
        names = tuple(variables) if variables else tuple(found)
    else:
        raise VerifierError(
            f"cannot descend on a {type(expr_or_loss).__name__}",
            hint="give an expression (text or sympy) or a loss callable with a gradient",
        )
    if not names:
        raise VerifierError(f"{label!r} has no variables to descend on")
    f = compile_function(expr, names)
    firsts = [derivative(expr, v) for v in names]
    partials = [compile_function(d, names) for d in firsts]
    thirds = tuple(
        compile_function(derivative(derivative(d, v), v), names)
        for d, v in zip(firsts, names, strict=True)
    )

    def value_expr(x: np.ndarray) -> float:
        return float(f(*x))

    def grad_expr(x: np.ndarray) -> np.ndarray:
        return np.array([float(p(*x)) for p in partials])

    return Objective(label, names, value_expr, grad_expr, f, thirds)
