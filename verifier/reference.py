"""THE exact reference: the derivative, its check against ``sympy.diff``, its exact values.

Every job gets exact values from here:

* :func:`derivation` / :func:`derivative`: the rule engine's derivative (with its steps);
* :func:`crosscheck`: the rule engine against ``sympy.diff``, once per (expression, variable),
  under the ``oracle`` row of :data:`verifier.policy.POLICY`;
* :func:`exact_value` / :func:`exact_values` / :func:`exact_derivative`: values at the exact
  float64 point from the one evaluator (:mod:`verifier.numeric.evaluate`, 40 digits), with a
  :class:`~verifier.errors.DomainError` naming the point where f or f' is undefined, and a
  one-sided probe for kinks and jumps of non-smooth functions;
* :func:`derivative_magnitudes` / :func:`roundoff_scale`: the sizes the error model needs.

Symbols are matched by name: an expression built with ``sympy.Symbol("x")`` works like one
from the parser.

>>> from verifier.expr import symbol
>>> x = symbol("x")
>>> float(exact_derivative(x**2 + 2*x + 1, "x", 15.0))
32.0
>>> crosscheck(sympy.sin(x) ** 2, "x").verdict
'pass'
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from verifier.errors import DomainError, VerifierError
from verifier.i18n import _
from verifier.limits import tick
from verifier.numeric.estimate import finite_difference
from verifier.numeric.evaluate import (
    MP_DPS,
    Undefined,
    compile_function,
    mp_value,
    mp_value_adaptive,
    mpf,
    working_precision,
)
from verifier.numeric.stencils import NON_SMOOTH, non_smooth_heads
from verifier.points import format_point, points_array, variables_of
from verifier.policy import POLICY, Verdict
from verifier.symbolic.rules import Derivation, Derivatives, differentiate, raw_derivative

__all__ = [
    "crosscheck",
    "derivation",
    "derivative",
    "derivative_magnitudes",
    "exact_derivative",
    "exact_value",
    "exact_values",
    "non_smooth_kind",
    "one_sided_derivatives",
    "roundoff_scale",
]

#: points where the oracle compares the two derivatives when the caller gives none
_SPOT = (0.3, 0.7, 1.3, 2.2, -0.6)


def derivation(
    expr: sympy.Expr, var: str | sympy.Symbol | Sequence[str], order: int = 1
) -> Derivation | Derivatives:
    """The rule engine's derivation of ``expr`` by ``var`` (a name; matched by name).

    ``order`` or a list of variables gives a higher or mixed derivative, pass by pass.

    >>> derivation(sympy.Symbol("x") ** 3, "x").result
    3*x**2
    >>> derivation(sympy.Symbol("x") ** 3, "x", 2).result
    6*x
    """
    return differentiate(expr, var, order=order)


def derivative(
    expr: sympy.Expr, var: str | sympy.Symbol | Sequence[str], order: int = 1
) -> sympy.Expr:
    """The rule engine's derivative (of ``order``, or mixed for a list of variables).

    >>> derivative(sympy.exp(2 * sympy.Symbol("x")), "x")
    2*exp(2*x)
    >>> derivative(sympy.exp(2 * sympy.Symbol("x")), "x", 3)
    8*exp(2*x)
    """
    return differentiate(expr, var, order=order).result


def _point_dict(point: Any, names: Sequence[str]) -> dict[str, float]:
    arr = points_array(point, names)
    if arr.shape[0] != 1:
        raise VerifierError(_("expected one point"))
    return dict(zip(names, (float(v) for v in arr[0]), strict=True))


def _domain_error(what: str, expr: Any, where: str, reason: str, pd_: dict, hint: str):
    kind, _sep, detail = reason.partition(": ")
    detail = f" ({detail})" if detail else ""
    return DomainError(
        _("{what} = {expr} is {kind} at {where}{detail}").format(
            what=what, expr=expr, kind=kind, where=where, detail=detail
        ),
        point=pd_,
        hint=hint,
    )


def exact_value(
    expr: sympy.Expr,
    point: Any,
    dps: int = 30,
    *,
    variables: Sequence[str] | None = None,
    what: str = "f",
) -> Any:
    """``expr`` at ``point`` as an mpmath number with at least ``dps`` (>= 30) digits.

    The point is taken at its exact float64 value (0.1 is 0.1000000000000000055511...).
    Raises :class:`DomainError` naming the point when the value is not a finite real.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> str(exact_value(x * 10, 0.1))[:25]
    '1.00000000000000005551115'
    >>> exact_value(sympy.log(x), -1.0)
    Traceback (most recent call last):
    ...
    verifier.errors.DomainError: f = log(x) is not real at x = -1 (log of a non-positive number)
    hint: choose a point inside the domain of f
    """
    if dps < 30:
        raise VerifierError(_("exact values need at least 30 digits, not {dps}").format(dps=dps))
    names = variables_of(expr, variables)
    pd_ = _point_dict(point, names)
    try:
        return mp_value(expr, pd_, max(dps, MP_DPS))
    except Undefined as exc:
        raise _domain_error(
            what,
            expr,
            format_point(pd_, names),
            str(exc),
            pd_,
            "choose a point inside the domain of f",
        ) from None


def exact_values(
    expr: sympy.Expr,
    points: Any,
    dps: int = 30,
    *,
    variables: Sequence[str] | None = None,
    what: str = "f",
) -> np.ndarray:
    """:func:`exact_value` at many points: an object array of mpmath numbers.

    >>> from verifier.expr import symbol
    >>> [float(v) for v in exact_values(symbol("x") ** 2, [1.0, 2.0])]
    [1.0, 4.0]
    """
    names = variables_of(expr, variables)
    pts = points_array(points, names)
    out = np.empty(pts.shape[0], dtype=object)
    for k, row in enumerate(pts):
        out[k] = exact_value(
            expr, dict(zip(names, row, strict=True)), dps, variables=names, what=what
        )
    return out


def one_sided_derivatives(
    expr: sympy.Expr, var: str, point: Any, *, variables: Sequence[str] | None = None
) -> tuple[float, float]:
    """The left and right derivatives of f by ``var`` at the point (a kink's two slopes).

    >>> from verifier.expr import symbol
    >>> one_sided_derivatives(abs(symbol("x")), "x", 0.0)
    (-1.0, 1.0)
    """
    names = variables_of(expr, variables)
    names = names if var in names else (*names, var)
    _, left, right, _ = _one_sided(expr, var, _point_dict(point, names), names)
    return float(left), float(right)


def _sides_kind(f0: Any, left: Any, right: Any, step: Any) -> str:
    """``smooth`` (the one-sided derivatives agree), ``a kink`` or ``a jump``."""
    if abs(right - left) <= mpf(10) ** -12 * max(1, abs(right), abs(left)):
        return "smooth"
    # f(x+s) - f(x-s) = (left + right) s is O(s) at a kink and O(1) at a jump
    jump = abs((right + left) * step.item()) > mpf(10) ** -20 * max(1, abs(f0))
    return "a jump" if jump else "a kink"


def non_smooth_kind(
    expr: sympy.Expr, var: str, point: Any, *, variables: Sequence[str] | None = None
) -> str:
    """``smooth``, ``a kink`` or ``a jump``: how f behaves by ``var`` at the point.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> non_smooth_kind(abs(x), "x", 0.0), non_smooth_kind(x**2, "x", 0.0)
    ('a kink', 'smooth')
    """
    names = variables_of(expr, variables)
    names = names if var in names else (*names, var)
    return _sides_kind(*_one_sided(expr, var, _point_dict(point, names), names))


def _one_sided(
    expr: sympy.Expr, var: str, pd_: dict[str, float], names: tuple[str, ...]
) -> tuple[Any, Any, Any, Any]:
    """(f, left derivative, right derivative, step): forward and backward differences with
    h = 1e-30 |x| at 60 digits, exact far beyond float64."""
    where = format_point(pd_, names)
    x0 = mpf(pd_[var])
    step = np.array(mpf(10) ** -30 * max(1, abs(x0)), dtype=object)

    def shifted(d: np.ndarray) -> np.ndarray:
        out = np.empty(d.shape, dtype=object)
        for idx in np.ndindex(d.shape):
            out[idx] = mp_value(expr, {**pd_, var: x0 + d[idx]}, 60)
        return out

    try:
        with working_precision(60):  # the quotients of 1e-30 steps need all 60 digits
            f0 = mp_value(expr, pd_, 60)
            right = finite_difference(shifted, "forward", step)
            left = finite_difference(shifted, "backward", step)
    except Undefined:
        raise DomainError(
            _("f = {expr} is not defined on both sides of {where}").format(expr=expr, where=where),
            point=pd_,
            hint=_(
                "a derivative needs f defined around the point; move the point inside the domain"
            ),
        ) from None
    return f0, left, right, step


def _check_one_sided(
    expr: sympy.Expr, var: str, pd_: dict[str, float], names: tuple[str, ...]
) -> None:
    """Raise DomainError when the one-sided derivatives of a non-smooth f differ at the point."""
    where = format_point(pd_, names)
    f0, left, right, step = _one_sided(expr, var, pd_, names)
    kind = _sides_kind(f0, left, right, step)
    if kind != "smooth":
        raise DomainError(_('f = {expr} is not differentiable at {where}: {kind} from {items} (one-sided derivatives: left {left:.6g}, right {right:.6g})').format(expr=expr, where=where, kind=kind, items=', '.join(non_smooth_heads(expr)), left=float(left), right=float(right)), point=pd_, hint=_('forward and backward differences converge to different values here; study a point where f is smooth'))  # fmt: skip


def exact_derivative(
    expr: sympy.Expr,
    var: str,
    point: Any,
    dps: int = 30,
    *,
    variables: Sequence[str] | None = None,
    derivative: sympy.Expr | None = None,
) -> Any:
    """The exact reference: the rule engine's derivative evaluated at the point.

    Checks, in order, that f is real and finite at the point (also in float64), that a
    non-smooth f has equal one-sided derivatives there, and that f' is real and finite;
    otherwise a :class:`DomainError` names the point.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> exact_derivative(sympy.sqrt(x), "x", 0.0)
    Traceback (most recent call last):
    ...
    verifier.errors.DomainError: f' = 1/(2*sqrt(x)) is not finite at x = 0 (0 to a negative power)
    hint: f is not differentiable there (vertical tangent or singular derivative); choose another point
    """
    names = variables_of(expr, variables)
    if var not in names:
        names = (*names, var)
    pd_ = _point_dict(point, names)
    exact_value(expr, pd_, dps, variables=names, what="f")
    fx = compile_function(expr, names)(*[pd_[v] for v in names])
    if not np.all(np.isfinite(fx)):
        raise DomainError(
            _("f = {expr} is not finite in float64 at {point}").format(
                expr=expr, point=format_point(pd_, names)
            ),
            point=pd_,
            hint=_("the value overflows float64; choose a smaller point or rescale f"),
        )
    if any(isinstance(n, NON_SMOOTH) for n in sympy.preorder_traversal(expr)):
        _check_one_sided(expr, var, pd_, names)
    d = differentiate(expr, var).result if derivative is None else derivative
    try:
        return exact_value(d, pd_, dps, variables=names, what="f'")
    except DomainError as exc:
        raise DomainError(
            exc.message,
            point=pd_,
            hint=_(
                "f is not differentiable there (vertical tangent or singular derivative); "
                "choose another point"
            ),
        ) from None


def crosscheck(
    expr: sympy.Expr,
    var: str | Sequence[str],
    points: Any = None,
    *,
    variables: Sequence[str] | None = None,
    derivative: sympy.Expr | None = None,
    order: int = 1,
) -> Verdict:
    """The rule engine's derivative against ``sympy.diff``, under the ``oracle`` policy row.

    ``order`` (or a list of variables, one per pass) checks a higher or mixed derivative.

    Structurally equal results pass at once; otherwise both are evaluated at ``points`` (or
    a few spot points) and compared; a mismatch is re-evaluated with adaptive precision
    before it fails.  Points where either side is undefined are skipped.

    >>> x = sympy.Symbol("x")
    >>> crosscheck(x * sympy.exp(x), "x").verdict
    'pass'
    >>> crosscheck(x * sympy.exp(x) * sympy.Symbol("y"), ["x", "y"]).verdict
    'pass'
    """
    rule = POLICY["oracle"]
    names = variables_of(expr, variables)
    passes = [var] * order if isinstance(var, str) else list(var)
    names = (*names, *dict.fromkeys(v for v in passes if v not in names))
    ours = differentiate(expr, var, order=order).result if derivative is None else derivative
    theirs = _oracle_derivative(expr, tuple(passes))
    n = len(passes)
    op = f"d^{n}/" + " ".join(f"d{v}" for v in reversed(passes)) if n > 1 else f"d/d{var}"
    if ours == theirs:
        return Verdict("pass", rule.name, _("the rule engine and sympy.diff agree symbolically"))
    rows = (
        points_array(points, names)
        if points is not None
        else np.array([[_SPOT[(i + k) % len(_SPOT)] for i in range(len(names))] for k in range(4)])
    )
    checked = 0
    for row in rows:
        pd_ = dict(zip(names, (float(a) for a in row), strict=True))
        try:
            a, b = mp_value(ours, pd_), mp_value(theirs, pd_)
        except Undefined:
            continue
        checked += 1
        scale = max(1.0, abs(float(b)))
        if _close(a, b, rule, scale):
            continue
        a2, b2 = mp_value_adaptive(ours, pd_), mp_value_adaptive(theirs, pd_)
        if a2 is not None and b2 is not None and _close(a2, b2, rule, scale):
            continue
        return Verdict(
            "fail",
            rule.name,
            _(
                "the rule engine's {op} = {ours} differs from sympy.diff's {theirs} at {point} ({a:.17g} vs {b:.17g})"
            ).format(
                op=op,
                ours=ours,
                theirs=theirs,
                point=format_point(pd_, names),
                a=float(a),
                b=float(b),
            ),
        )
    if not checked:
        return Verdict("inconclusive", rule.name, _("no point where both derivatives are defined"))
    return Verdict(
        "pass",
        rule.name,
        _("the rule engine and sympy.diff agree at {checked} points").format(checked=checked),
    )


def _close(a: Any, b: Any, rule: Any, scale: float) -> bool:
    return abs(a - b) <= rule.rtol * max(abs(a), abs(b)) + rule.atol * scale


@functools.lru_cache(maxsize=1024)  # once per case, not at each of its points
def _oracle_derivative(expr: sympy.Expr, passes: tuple[str, ...]) -> sympy.Expr:
    own = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    syms = [own.get(v) for v in passes]
    return sympy.Integer(0) if None in syms else sympy.diff(expr, *syms)


#: the error model's derivatives may grow to this many nodes (or MODEL_GROWTH times f's size):
#: past it an order is "model unavailable" (NaN) instead of minutes of sympy.diff
MODEL_NODES = 3000
MODEL_GROWTH = 30


def _tree_size(expr: sympy.Basic, cap: int) -> int:
    n = 0
    for _node in sympy.preorder_traversal(expr):
        n += 1
        if n > cap:
            break
    return n


@functools.lru_cache(maxsize=1024)
def _nth_derivative(expr: sympy.Expr, name: str, k: int, engine: bool = True) -> sympy.Expr | None:
    # the error MODEL only (|f''|, |f'''|, |f^(5)|, and f^(6) for the 5-point f''), one order at
    # a time from the cached order below, each checked for size BEFORE the next pass (a tower
    # x^x^...^x grows without bound); None when it grew too large.  Each pass is the rule
    # engine's (unsimplified: simplifying costs more than it saves; a head without a rule
    # falls back to sympy.diff), the values sympy.diff gives.  The engine's unsimplified
    # terms can multiply where sympy.diff's automatic collection keeps them few
    # (sqrt(1 + x^2): 990 nodes at order 5 against 35), so past the cap the same orders are
    # tried again with sympy.diff, under the same cap.
    sym = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}.get(name)
    if k == 0:
        return expr
    if sym is None:
        return sympy.Integer(0)
    lower = _nth_derivative(expr, name, k - 1, engine)
    if lower is None:
        return _nth_derivative(expr, name, k, False) if engine else None
    tick()
    cap = max(MODEL_NODES, MODEL_GROWTH * _tree_size(expr, MODEL_NODES))
    size = _tree_size(lower, cap)
    below = _nth_derivative(expr, name, k - 2, engine) if k > 1 else None
    growth = size / _tree_size(below or expr, cap) if k > 1 else 3
    d: sympy.Expr | None = None
    if size * max(3.0, growth) <= cap:  # else the next pass would be larger still: not computed
        with contextlib.suppress(VerifierError):
            d = raw_derivative(lower, sym) if engine else None
        d = sympy.diff(lower, sym) if d is None else d
        d = None if _tree_size(d, cap) > cap else d
    if d is None and engine:
        return _nth_derivative(expr, name, k, False)
    return d


def derivative_magnitudes(
    expr: sympy.Expr,
    var: str,
    point: Any,
    orders: Sequence[int] = (0, 1, 2, 3, 5),
    *,
    variables: Sequence[str] | None = None,
) -> dict[int, float]:
    """``|d^k f / d var^k|`` at the point for the error model (NaN where undefined).

    NaN also where a derivative grows past :data:`MODEL_NODES` nodes (``x^x^...^x``): not computed.

    >>> derivative_magnitudes(sympy.Symbol("x") ** 3, "x", 2.0, (0, 1, 2, 3, 5))
    {0: 8.0, 1: 12.0, 2: 12.0, 3: 6.0, 5: 0.0}
    """
    names = variables_of(expr, variables)
    if var not in names:
        names = (*names, var)
    pd_ = _point_dict(point, names)
    out: dict[int, float] = {}
    for k in orders:
        d = _nth_derivative(expr, var, k)
        try:
            out[k] = math.nan if d is None else float(abs(mp_value(d, pd_)))
        except (Undefined, VerifierError):
            out[k] = math.nan
    return out


def roundoff_scale(
    expr: sympy.Expr, point: Any, *, variables: Sequence[str] | None = None
) -> float:
    """The size of the numbers f is computed from: ``sum |term|`` of a top-level sum, else ``|f|``.

    Round-off in evaluating ``x^6 - 3x^2 + 1`` is about eps times its largest terms, not
    eps times the (smaller, cancelled) result.

    >>> roundoff_scale(sympy.Symbol("x") ** 2 - 1, 1.0)
    2.0
    """
    names = variables_of(expr, variables)
    pd_: Mapping[str, float] = _point_dict(point, names)
    terms = expr.args if isinstance(expr, sympy.Add) else (expr,)
    total = 0.0
    for term in terms:
        try:
            total += float(abs(mp_value(term, pd_)))
        except Undefined:
            return math.nan
    return total
