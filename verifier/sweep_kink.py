"""A kink swept: the one-sided estimates of f' where f is not differentiable.

:func:`verifier.sweep.sweep` refuses a point where f has a kink (``abs(x)`` at 0): there is
no exact f' to measure an error against.  A teacher wants to show it anyway, so
:func:`kink_sweep` records what each stencil estimates there over the step grid, with the
two one-sided derivatives of :func:`verifier.reference.one_sided_derivatives`: forward
differences approach the right derivative, backward the left, symmetric stencils their
mean.  The verdict stays the policy's ``domain`` row: nothing can be verified, so it is
never a pass.  The figure: :func:`verifier.report.sweep.kink_figure`.

>>> k = kink_sweep("abs(x)", points=[0.0], methods=["forward", "backward", "central"], h=[1e-3])
>>> k.frame[["method", "estimate"]].values.tolist()
[['forward', 1.0], ['backward', -1.0], ['central', 0.0]]
>>> k.verdict, k.sides.loc[0, ["left", "right"]].tolist()
('fail', [-1.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier import reference
from verifier.errors import DomainError, VerifierError
from verifier.expr import parse
from verifier.i18n import _
from verifier.numeric.estimate import estimate_derivative
from verifier.numeric.evaluate import compile_function
from verifier.numeric.stencils import get_stencil, h_grid, stencils_for
from verifier.points import format_number
from verifier.policy import POLICY

__all__ = ["KinkSweep", "kink_sweep"]

#: the policy row a kink is judged by (f' undefined at the point)
RULE = "domain"


@dataclass(frozen=True, eq=False)
class KinkSweep:
    """What each stencil estimates at a kink: ``frame`` (point, method, h, estimate) and
    ``sides`` (point, left, right: the one-sided derivatives), judged by the ``domain`` rule."""

    function: str
    variable: str
    frame: Any
    sides: Any

    @property
    def verdict(self) -> str:
        """The policy's ``domain`` verdict: ``fail`` (f' does not exist), never a pass."""
        return "fail" if POLICY[RULE].fails else "inconclusive"

    @property
    def passed(self) -> bool:
        """Always False: at a kink there is no derivative to verify."""
        return self.verdict == "pass"

    @property
    def reason(self) -> str:
        """The policy's sentence for the verdict."""
        return _(POLICY[RULE].reason)

    def summary(self) -> str:
        """One line per point: the two slopes, what each method approaches, the verdict."""
        lines = [f"f = {self.function}: not differentiable by {self.variable}"]
        for r in self.sides.itertuples(index=False):
            lines.append(
                f"{self.variable} = {format_number(r.point)}: {r.kind}; left derivative "
                f"{format_number(r.left)}, right derivative {format_number(r.right)}: forward "
                "differences approach the right one, backward the left, central their mean"
            )
        lines.append(f"{self.verdict.upper()} ({RULE}: {self.reason})")
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """The estimates (a pandas DataFrame)."""
        return self.frame


def kink_sweep(
    expr: str,
    var: str | None = None,
    points: Sequence[float] = (0.0,),
    methods: Sequence[str] | None = None,
    h: Sequence[float] | np.ndarray | None = None,
) -> KinkSweep:
    """Sweep the real stencils at points where f (one variable) has a kink or a jump.

    Raises the reference's :class:`DomainError` at a point where f is smooth or undefined
    (there :func:`verifier.sweep.sweep` applies), :class:`VerifierError` on bad input.

    >>> kink_sweep("x^2", points=[0.0])
    Traceback (most recent call last):
    ...
    verifier.errors.DomainError: f = x^2 has no kink at x = 0: its one-sided derivatives agree
    hint: use verifier sweep; it measures the error against the exact derivative
    """
    import pandas as pd

    e = parse(expr)
    names = sorted(s.name for s in e.free_symbols) or ["x"]
    v = var or names[0]
    if names != [v]:
        raise VerifierError(f"a kink is plotted for one variable; {expr} uses {', '.join(names)}")
    grid = h_grid() if h is None else np.asarray(h, dtype=np.float64).ravel()
    cf = compile_function(e, [v])
    stencils = [get_stencil(m) for m in (methods or stencils_for(1))]
    stencils = [st for st in stencils if not st.complex or cf.complex_safe]
    frames, sides = [], []
    for p in (float(q) for q in points):
        kind = reference.non_smooth_kind(e, v, {v: p}, variables=[v])
        if kind == "smooth":
            raise DomainError(
                f"f = {expr} has no kink at {v} = {format_number(p)}: its one-sided "
                "derivatives agree",
                point={v: p},
                hint="use verifier sweep; it measures the error against the exact derivative",
            )
        left, right = reference.one_sided_derivatives(e, v, {v: p}, variables=[v])
        sides.append({"point": p, "left": left, "right": right, "kind": kind})
        for st in stencils:
            est = estimate_derivative(cf, [[p]], st, grid, var=v)
            ok = np.isfinite(est.value[0])
            frames.append(
                pd.DataFrame(
                    {"point": p, "method": st.name, "h": est.h[0][ok], "estimate": est.value[0][ok]}
                )  # fmt: skip
            )
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return KinkSweep(expr, v, frame, pd.DataFrame(sides))
