"""The Hessian: every second partial derivative by the rule table, each with its steps.

Entry ``(i, j)`` is ``d/dv_j (d/dv_i f)``, derived on its own (two passes of
:func:`verifier.symbolic.rules.differentiate`), so a symmetric result is a check of the
rules, not an assumption.

>>> h = hessian("x^2 y + y^3", ["x", "y"])
>>> h.matrix.tolist()
[[2*y, 2*x], [2*x, 6*y]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from verifier.errors import VerifierError
from verifier.i18n import _
from verifier.symbolic.engine import Derivatives
from verifier.symbolic.rules import _as_expr, differentiate

__all__ = ["Hessian", "hessian"]


@dataclass(frozen=True, eq=False)
class Hessian:
    """``entries[i][j]`` is the :class:`Derivatives` of ``d^2 f / dv_j dv_i``.

    >>> hessian("x y", ["x", "y"]).to_frame()[["row", "column", "result"]].values.tolist()
    [['x', 'x', '0'], ['x', 'y', '1'], ['y', 'x', '1'], ['y', 'y', '0']]
    """

    expr: sympy.Expr
    variables: tuple[str, ...]
    entries: tuple[tuple[Derivatives, ...], ...]

    @property
    def matrix(self) -> sympy.Matrix:
        """The second derivatives as a sympy Matrix (rows and columns in ``variables`` order)."""
        return sympy.Matrix([[d.result for d in row] for row in self.entries])

    @property
    def symmetric(self) -> bool:
        """Whether the mixed partials agree as expressions (after ``expand``), as Schwarz says.

        >>> hessian("sin(x y)", ["x", "y"]).symmetric
        True
        """
        n = len(self.variables)
        m = self.matrix
        return all(sympy.expand(m[i, j] - m[j, i]) == 0 for i in range(n) for j in range(i + 1, n))

    def to_frame(self) -> Any:
        """One row per entry: row variable, column variable, result (sympy text)."""
        import pandas as pd

        rows = [
            (self.variables[i], self.variables[j], str(d.result))
            for i, row in enumerate(self.entries)
            for j, d in enumerate(row)
        ]
        return pd.DataFrame(rows, columns=["row", "column", "result"])

    def __str__(self) -> str:
        return f"Hessian of {self.expr} in ({', '.join(self.variables)}): {self.matrix.tolist()}"


def hessian(
    expr: sympy.Expr | str,
    variables: Sequence[str | sympy.Symbol],
    *,
    fallback: bool = False,
) -> Hessian:
    """The matrix of second partial derivatives of ``expr`` in ``variables``, with steps.

    >>> hessian("x^3", ["x"]).matrix.tolist()
    [[6*x]]
    """
    if isinstance(variables, (str, sympy.Symbol)) or not variables:
        raise VerifierError(
            _("a Hessian needs a list of variables, not {variables!r}").format(variables=variables),
            hint=_("e.g. hessian('x^2 y', ['x', 'y'])"),
        )
    e = _as_expr(expr)
    names = tuple(v.name if isinstance(v, sympy.Symbol) else str(v) for v in variables)
    if len(set(names)) != len(names):
        raise VerifierError(_("the variables {items} repeat a name").format(items=", ".join(names)))
    entries = tuple(
        tuple(differentiate(e, [vi, vj], fallback=fallback) for vj in variables) for vi in variables
    )
    return Hessian(e, names, entries)
