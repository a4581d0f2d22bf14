"""Numeric derivative estimates: compiled evaluation, stencils applied over h grids
and points, numeric gradients, and high-precision exact values.

The seed lecture's ``numerical_diff`` (section 10) is kept here faithfully as
:func:`nditer_gradient`, the reference every faster gradient is tested against.

The pieces:

* :func:`compile_function` compiles a (trusted, already parsed) sympy expression
  once with ``sympy.lambdify`` to numpy; the same code accepts complex arrays, which
  the complex step uses when :func:`complex_step_safe` allows it.
* :func:`estimate_derivative` applies one stencil at every point and every step
  in ONE vectorised call of the compiled function; each step is made exactly
  representable at its point (``h = (x + h) - x``).
* :func:`exact_value` / :func:`exact_derivative` evaluate with mpmath at >= 30
  digits at the exact float64 value of the point, and raise
  :class:`~verifier.errors.DomainError` naming the point where f or f' is
  undefined, not finite, complex, or where f has a kink.

>>> from verifier.expr import symbol
>>> x = symbol("x")
>>> est = estimate_derivative(x**2 + 2*x + 1, [15.0], "central", h=[0.1])
>>> round(float(est.value[0, 0]), 12)
32.0
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from verifier.errors import DomainError, UnsupportedError, VerifierError
from verifier.expr import symbol
from verifier.numeric.stencils import Stencil, get_stencil

__all__ = [
    "CompiledFunction",
    "Estimate",
    "compile_function",
    "complex_step_safe",
    "estimate_derivative",
    "exact_derivative",
    "exact_value",
    "exact_values",
    "format_point",
    "nditer_gradient",
    "numeric_gradient",
    "derivative_magnitudes",
    "points_array",
    "roundoff_scale",
]

# ----------------------------------------------------------------------------- safety

#: Heads that are not complex-analytic: through them ``Im f(x + ih) / h`` is not ``f'(x)``.
_NOT_ANALYTIC: tuple[tuple[type, str], ...] = (
    (sympy.Abs, "Abs (|u| is not complex-analytic)"),
    (sympy.sign, "sign"),
    (sympy.floor, "floor"),
    (sympy.ceiling, "ceiling"),
    (sympy.frac, "frac"),
    (sympy.Mod, "Mod"),
    (sympy.Max, "Max"),
    (sympy.Min, "Min"),
    (sympy.conjugate, "conjugate"),
    (sympy.re, "re"),
    (sympy.im, "im"),
    (sympy.arg, "arg"),
    (sympy.Heaviside, "Heaviside"),
    (sympy.DiracDelta, "DiracDelta"),
    (sympy.Piecewise, "Piecewise"),
)

#: Heads that can make a real function non-differentiable (a kink or a jump) at some point.
_NON_SMOOTH: tuple[type, ...] = (
    sympy.Abs,
    sympy.sign,
    sympy.floor,
    sympy.ceiling,
    sympy.frac,
    sympy.Mod,
    sympy.Max,
    sympy.Min,
    sympy.arg,
    sympy.Heaviside,
    sympy.DiracDelta,
    sympy.Piecewise,
)


def complex_step_safe(expr: sympy.Expr) -> tuple[bool, str]:
    """Whether the complex step ``Im f(x + ih) / h`` is valid for ``expr``, and why (not).

    It needs every operation to be complex-analytic; ``|x|``, ``sign``, ``floor``,
    ``Max``, conjugation and friends are not, and would give a wrong answer silently.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> complex_step_safe(sympy.exp(sympy.sin(x)))[0]
    True
    >>> ok, reason = complex_step_safe(sympy.Abs(x) + x)
    >>> ok, reason[:34]
    (False, 'contains Abs (|u| is not complex-a')
    """
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.logic.boolalg.Boolean) and not isinstance(node, sympy.Symbol):
            return False, f"contains a condition {node}: not complex-analytic"
        for head, name in _NOT_ANALYTIC:
            if isinstance(node, head):
                return False, f"contains {name} in {node}: Im f(x + ih)/h would not be f'(x)"
    return True, "every operation is complex-analytic"


# ----------------------------------------------------------------------------- compiling


@dataclass(frozen=True, eq=False)
class CompiledFunction:
    """A sympy expression compiled once to numpy (``sympy.lambdify``).

    ``real`` takes float64 arrays; ``complex`` is the same generated numpy code,
    which accepts complex128 arrays, offered only when :func:`complex_step_safe`
    says so (``None`` otherwise, with the reason in ``complex_reason``).

    >>> from verifier.expr import symbol
    >>> f = compile_function(symbol("x") ** 2, ["x"])
    >>> f(np.array([1.0, 3.0])).tolist()
    [1.0, 9.0]
    """

    expr: sympy.Expr
    variables: tuple[str, ...]
    real: Callable[..., Any]
    complex: Callable[..., Any] | None
    complex_reason: str

    @property
    def complex_safe(self) -> bool:
        return self.complex is not None

    def __call__(self, *args: Any) -> np.ndarray:
        return self.evaluate(*args)

    def evaluate(self, *args: Any, complex: bool = False) -> np.ndarray:
        """Evaluate at broadcastable arrays, one per variable (NaN where undefined)."""
        if len(args) != len(self.variables):
            raise VerifierError(
                f"{self.expr} takes {len(self.variables)} argument(s) "
                f"({', '.join(self.variables)}), got {len(args)}"
            )
        if complex:
            if self.complex is None:
                raise UnsupportedError(
                    f"complex step is not safe for {self.expr}: {self.complex_reason}",
                    hint="use five_point or central instead",
                )
            arrays = [np.asarray(a, dtype=np.complex128) for a in args]
            fn = self.complex
        else:
            arrays = [np.asarray(a, dtype=np.float64) for a in args]
            fn = self.real
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            try:
                out = np.asarray(fn(*arrays))
            except (ZeroDivisionError, OverflowError, ValueError):
                # a constant sub-expression that numpy evaluates eagerly (e.g. 1/0)
                out = np.asarray(np.nan)
        if complex:
            out = out.astype(np.complex128, copy=False)
        elif np.iscomplexobj(out):
            out = np.where(out.imag == 0, out.real, np.nan)
        else:
            out = out.astype(np.float64, copy=False)
        return np.broadcast_to(out, shape) if out.shape != shape else out


def _symbols_for(expr: sympy.Expr, variables: Sequence[str]) -> list[sympy.Symbol]:
    """The expression's own symbols for ``variables`` (so assumptions match)."""
    own = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    missing = sorted(set(own) - set(variables))
    if missing:
        raise VerifierError(
            f"{expr} uses {', '.join(missing)} but the variables are ({', '.join(variables)})",
            hint="give a value for every variable, e.g. --at x0=1,x1=3",
        )
    return [own.get(v, symbol(v)) for v in variables]


def _variables_of(expr: sympy.Expr, variables: Sequence[str] | str | None) -> tuple[str, ...]:
    if variables is None:
        names = sorted(s.name for s in expr.free_symbols if isinstance(s, sympy.Symbol))
        return tuple(names) if names else ("x",)
    if isinstance(variables, str):
        return (variables,)
    return tuple(str(v) for v in variables)


@functools.lru_cache(maxsize=512)
def _compile(expr: sympy.Expr, variables: tuple[str, ...]) -> CompiledFunction:
    syms = _symbols_for(expr, variables)
    # lambdify generates code from the (trusted, already parsed) expression tree only
    fn = sympy.lambdify(syms, expr, modules="numpy", docstring_limit=0)
    safe, reason = complex_step_safe(expr)
    return CompiledFunction(expr, variables, fn, fn if safe else None, reason)


def compile_function(
    expr: sympy.Expr, variables: Sequence[str] | str | None = None
) -> CompiledFunction:
    """Compile ``expr`` once for fast vectorised evaluation (cached per expression).

    >>> from verifier.expr import symbol
    >>> f = compile_function(symbol("x0") ** 2 + symbol("x1") ** 2, ["x0", "x1"])
    >>> float(f(1.0, 3.0)), f.complex_safe
    (10.0, True)
    """
    if not isinstance(expr, sympy.Expr):
        raise VerifierError(
            f"expected a sympy expression, got {type(expr).__name__}",
            hint="parse text first with verifier.expr.parse",
        )
    return _compile(expr, _variables_of(expr, variables))


@functools.lru_cache(maxsize=1024)
def _mp_function(expr: sympy.Expr, variables: tuple[str, ...]) -> Callable[..., Any]:
    syms = _symbols_for(expr, variables)
    try:
        return sympy.lambdify(syms, expr, modules="mpmath", docstring_limit=0)
    except (NameError, TypeError, SyntaxError) as exc:  # pragma: no cover - printer gaps
        raise UnsupportedError(f"cannot evaluate {expr} in high precision: {exc}") from None


# ----------------------------------------------------------------------------- points


def _fmt_number(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def format_point(point: Any, variables: Sequence[str] = ("x",)) -> str:
    """A point as the user would write it: ``x = 15`` or ``x0 = 1, x1 = 3``.

    >>> format_point(0.1), format_point({"x0": 1.0, "x1": 3.0}, ["x0", "x1"])
    ('x = 0.1', 'x0 = 1, x1 = 3')
    """
    if isinstance(point, Mapping):
        return ", ".join(f"{v} = {_fmt_number(point[v])}" for v in variables if v in point)
    arr = np.atleast_1d(np.asarray(point, dtype=np.float64))
    return ", ".join(f"{v} = {_fmt_number(a)}" for v, a in zip(variables, arr, strict=False))


def _as_float(value: Any, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise VerifierError(
            f"point value {value!r} for {where} is not a number", hint="use e.g. 1.3 or x0=1,x1=3"
        ) from None
    if not math.isfinite(v):
        raise VerifierError(f"point value {value!r} for {where} is not finite")
    return v


def points_array(points: Any, variables: Sequence[str]) -> np.ndarray:
    """Points as a float64 array of shape (n, len(variables)).

    Accepts a number, a sequence of numbers (one variable), a mapping
    ``{"x0": 1, "x1": 3}``, a sequence of mappings, or an (n, m) array.

    >>> points_array([1, 2], ["x"]).tolist()
    [[1.0], [2.0]]
    >>> points_array({"x1": 3, "x0": 1}, ["x0", "x1"]).tolist()
    [[1.0, 3.0]]
    """
    variables = tuple(variables)
    m = len(variables)
    if isinstance(points, Mapping):
        points = [points]
    if isinstance(points, np.ndarray) and points.dtype != object:
        arr = points.astype(np.float64)
        arr = arr.reshape(-1, 1) if arr.ndim <= 1 and m == 1 else np.atleast_2d(arr)
    elif np.ndim(points) == 0 and not isinstance(points, Mapping):
        arr = np.array([[_as_float(points, variables[0])]]) if m == 1 else None
        if arr is None:
            raise VerifierError(
                f"one number cannot be a point of ({', '.join(variables)})",
                hint="give a mapping such as x0=1,x1=3",
            )
    else:
        rows = []
        for p in points:
            if isinstance(p, Mapping):
                extra = sorted(set(map(str, p)) - set(variables))
                missing = [v for v in variables if v not in p]
                if missing or extra:
                    raise VerifierError(
                        f"point {dict(p)} does not match the variables ({', '.join(variables)})",
                        hint="name every variable once, e.g. x0=1,x1=3",
                    )
                rows.append([_as_float(p[v], v) for v in variables])
            elif np.ndim(p) == 0:
                if m != 1:
                    raise VerifierError(
                        f"point {p!r} is one number but there are {m} variables",
                        hint="give a mapping such as x0=1,x1=3",
                    )
                rows.append([_as_float(p, variables[0])])
            else:
                vals = [_as_float(a, "point") for a in p]
                if len(vals) != m:
                    raise VerifierError(f"point {list(p)} needs {m} coordinates")
                rows.append(vals)
        arr = np.array(rows, dtype=np.float64).reshape(-1, m)
    if arr.shape[1] != m:
        raise VerifierError(f"points have {arr.shape[1]} coordinates but there are {m} variables")
    if not np.all(np.isfinite(arr)):
        raise VerifierError("points must be finite numbers")
    return arr


# ----------------------------------------------------------------------------- estimates


@dataclass(frozen=True, eq=False)
class Estimate:
    """Derivative estimates of one method: ``value[i, j]`` at ``point[i]`` with step ``h[i, j]``.

    ``h`` holds the steps actually used (representable at the point).
    """

    method: str
    variable: str
    point: np.ndarray
    h: np.ndarray
    value: np.ndarray

    def to_frame(self) -> Any:
        """Tidy rows: point, method, variable, h, estimate."""
        import pandas as pd

        n, nh = self.value.shape
        return pd.DataFrame(
            {
                "point": np.repeat(np.arange(n), nh),
                "method": self.method,
                "variable": self.variable,
                "h": self.h.ravel(),
                "estimate": self.value.ravel(),
            }
        )


def estimate_derivative(
    f: sympy.Expr | CompiledFunction,
    points: Any,
    method: str | Stencil = "central",
    h: Any = None,
    *,
    var: str | None = None,
    variables: Sequence[str] | None = None,
) -> Estimate:
    """Apply one stencil at every point and every step, in ONE call of the compiled function.

    ``h`` is a scalar, a 1-D grid (shared by all points) or an (n, nh) array;
    ``None`` uses the stencil's default step at each point.  Real stencils make
    each step representable first: ``h = (x + h) - x``, so ``x + h`` is exact and
    the only error left is the stencil's and f's.  Steps below the float spacing
    at x become 0 and give NaN.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> e = estimate_derivative(sympy.sin(x), [0.0, 1.0], "complex_step")
    >>> np.allclose(e.value[:, 0], [1.0, np.cos(1.0)], rtol=1e-15)
    True
    """
    cf = f if isinstance(f, CompiledFunction) else compile_function(f, variables)
    stencil = get_stencil(method)
    names = cf.variables
    if var is None:
        if len(names) != 1:
            raise VerifierError(
                f"say which variable to differentiate by: one of {', '.join(names)}"
            )
        var = names[0]
    if var not in names:
        raise VerifierError(f"{var!r} is not a variable of {cf.expr} ({', '.join(names)})")
    i = names.index(var)
    pts = points_array(points, names)
    n = pts.shape[0]
    xi = pts[:, i : i + 1]  # (n, 1)
    if h is None:
        hh = np.broadcast_to(stencil.default_h(xi), (n, 1)).astype(np.float64)
    else:
        ha = np.asarray(h, dtype=np.float64)
        if np.any(~np.isfinite(ha)) or np.any(ha <= 0):
            raise VerifierError("steps h must be positive finite numbers")
        if ha.ndim == 2:
            if ha.shape[0] != n:
                raise VerifierError(f"h has {ha.shape[0]} rows but there are {n} points")
            hh = ha
        else:
            hh = np.broadcast_to(ha.reshape(1, -1), (n, ha.size))
    if not stencil.complex:
        hh = (xi + hh) - xi  # representable: x + h is exact (Sterbenz)
    offs = np.asarray(stencil.offsets, dtype=np.float64)
    if stencil.complex:
        coord = xi[:, :, None] + 1j * (hh[:, :, None] * offs)
    else:
        coord = xi[:, :, None] + hh[:, :, None] * offs
    shape = coord.shape
    args = [
        coord if j == i else np.broadcast_to(pts[:, j][:, None, None], shape)
        for j in range(len(names))
    ]
    values = cf.evaluate(*args, complex=stencil.complex)
    with np.errstate(all="ignore"):
        est = np.asarray(stencil.apply(values, hh), dtype=np.float64).reshape(hh.shape)
    est = np.where(hh > 0, est, np.nan)
    return Estimate(stencil.name, var, pts, np.array(hh), est)


# ----------------------------------------------------------------------------- exact values


def _point_dict(point: Any, variables: Sequence[str]) -> dict[str, float]:
    arr = points_array(point, variables)
    if arr.shape[0] != 1:
        raise VerifierError("expected one point")
    return dict(zip(variables, (float(v) for v in arr[0]), strict=True))


def _mp_eval(expr: sympy.Expr, variables: tuple[str, ...], values: Sequence[Any], dps: int) -> Any:
    """Evaluate at mpmath numbers; returns an mpf, or raises ArithmeticError/ValueError."""
    import mpmath

    fn = _mp_function(expr, variables)
    with mpmath.workdps(dps):
        val = fn(*values)
        if isinstance(val, mpmath.mpc):
            # sympy's mpmath printer may route a real function through complex
            # intermediates (sech(x^2) becomes exp(exp(2*log(x))) ...), leaving an
            # imaginary part at the working precision's noise level: that is real.
            noise = mpmath.mpf(10) ** (10 - dps) * max(abs(val.real), mpmath.mpf(1))
            if abs(val.imag) > noise:
                raise _NotReal(val)
            val = val.real
        val = mpmath.mpf(val)
    if not mpmath.isfinite(val):
        raise _NotFinite(val)
    return val


class _NotReal(ArithmeticError):
    pass


class _NotFinite(ArithmeticError):
    pass


def exact_value(
    expr: sympy.Expr,
    point: Any,
    dps: int = 30,
    *,
    variables: Sequence[str] | None = None,
    what: str = "f",
) -> Any:
    """``expr`` at ``point`` with mpmath at ``dps`` (>= 30) significant digits.

    The point is taken at its exact float64 value (``mpmath.mpf(0.1)`` is
    0.1000000000000000055511..., not 1/10); 10 guard digits absorb cancellation
    inside the expression.  Raises :class:`DomainError` naming the point when the
    value is undefined, complex or not finite.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> import mpmath
    >>> mpmath.nstr(exact_value(x * 10, 0.1), 25)
    '1.000000000000000055511151'
    >>> exact_value(sympy.log(x), -1.0)
    Traceback (most recent call last):
    ...
    verifier.errors.DomainError: f = log(x) is not real at x = -1 (its value is complex)
    hint: choose a point inside the domain of f
    """
    import mpmath

    if dps < 30:
        raise VerifierError(f"exact values need at least 30 digits, not {dps}")
    names = _variables_of(expr, variables)
    pd_ = _point_dict(point, names)
    where = format_point(pd_, names)
    # mpmath.mpf(float) is exact: the reference is f at the float64 point, not at a decimal
    args = [mpmath.mpf(pd_[v]) for v in names]
    hint = "choose a point inside the domain of f"
    try:
        return _mp_eval(expr, names, args, dps + 10)
    except _NotReal:
        raise DomainError(
            f"{what} = {expr} is not real at {where} (its value is complex)", point=pd_, hint=hint
        ) from None
    except _NotFinite as exc:
        raise DomainError(
            f"{what} = {expr} is not finite at {where} (value {exc.args[0]})", point=pd_, hint=hint
        ) from None
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise DomainError(
            f"{what} = {expr} is undefined at {where} ({type(exc).__name__})",
            point=pd_,
            hint=hint,
        ) from None


def exact_values(
    expr: sympy.Expr,
    points: Any,
    dps: int = 30,
    *,
    variables: Sequence[str] | None = None,
    what: str = "f",
) -> np.ndarray:
    """:func:`exact_value` at many points (compiled once): an object array of mpf.

    >>> from verifier.expr import symbol
    >>> [float(v) for v in exact_values(symbol("x") ** 2, [1.0, 2.0])]
    [1.0, 4.0]
    """
    names = _variables_of(expr, variables)
    pts = points_array(points, names)
    out = np.empty(pts.shape[0], dtype=object)
    for k, row in enumerate(pts):
        out[k] = exact_value(
            expr, dict(zip(names, row, strict=True)), dps, variables=names, what=what
        )
    return out


def _check_one_sided(
    expr: sympy.Expr, var: str, pd_: dict[str, float], names: tuple[str, ...]
) -> None:
    """Raise DomainError when the one-sided derivatives of a non-smooth f differ at the point.

    Only expressions with kinks or jumps (Abs, floor, Max, ...) are checked: the rule
    engine's derivative of |x| at 0 (sign(0) = 0, or 0/0) would otherwise be misreported.
    Quotients with h = 1e-30 at 60 digits are exact far beyond float64.
    """
    import mpmath

    heads = sorted(
        {type(n).__name__ for n in sympy.preorder_traversal(expr) if isinstance(n, _NON_SMOOTH)}
    )
    where = format_point(pd_, names)
    with mpmath.workdps(60):
        base = [mpmath.mpf(pd_[v]) for v in names]
        i = names.index(var)
        step = mpmath.mpf(10) ** -30 * max(1, abs(base[i]))
        plus, minus = list(base), list(base)
        plus[i] += step
        minus[i] -= step
        try:
            f0 = _mp_eval(expr, names, base, 60)
            right = (_mp_eval(expr, names, plus, 60) - f0) / step
            left = (f0 - _mp_eval(expr, names, minus, 60)) / step
        except (ArithmeticError, ValueError, TypeError):
            raise DomainError(
                f"f = {expr} is not defined on both sides of {where}",
                point=pd_,
                hint="a derivative needs f defined around the point; move the point inside the domain",
            ) from None
        gap = abs(right - left)
        if gap > mpmath.mpf(10) ** -12 * max(1, abs(right), abs(left)):
            # f(x+s) - f(x-s) = (left + right) s is O(s) at a kink and O(1) at a jump
            jump = abs((right + left) * step) > mpmath.mpf(10) ** -20 * max(1, abs(f0))
            kind = "a jump" if jump else "a kink"
            raise DomainError(
                f"f = {expr} is not differentiable at {where}: {kind} from "
                f"{', '.join(heads)} (one-sided derivatives: left {float(left):.6g}, "
                f"right {float(right):.6g})",
                point=pd_,
                hint="forward and backward differences converge to different values here; "
                "study a point where f is smooth",
            )


def exact_derivative(
    expr: sympy.Expr,
    var: str,
    point: Any,
    dps: int = 30,
    *,
    variables: Sequence[str] | None = None,
    derivative: sympy.Expr | None = None,
) -> Any:
    """The exact reference: the rule engine's derivative evaluated with mpmath at the point.

    Checks, in order, that f is real and finite at the point (in mpmath and in
    float64), that a non-smooth f has equal one-sided derivatives there, and
    that f' is real and finite; otherwise a :class:`DomainError` names the point.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> float(exact_derivative(x**2 + 2*x + 1, "x", 15.0))
    32.0
    >>> exact_derivative(sympy.sqrt(x), "x", 0.0)
    Traceback (most recent call last):
    ...
    verifier.errors.DomainError: f' = 1/(2*sqrt(x)) is undefined at x = 0 (ZeroDivisionError)
    hint: f is not differentiable there (vertical tangent or singular derivative); choose another point
    """
    names = _variables_of(expr, variables)
    if var not in names:
        names = (*names, var)
    pd_ = _point_dict(point, names)
    where = format_point(pd_, names)
    exact_value(expr, pd_, dps, variables=names, what="f")
    fx = compile_function(expr, names)(*[pd_[v] for v in names])
    if not np.all(np.isfinite(fx)):
        raise DomainError(
            f"f = {expr} is not finite in float64 at {where}",
            point=pd_,
            hint="the value overflows float64; choose a smaller point or rescale f",
        )
    if any(isinstance(n, _NON_SMOOTH) for n in sympy.preorder_traversal(expr)):
        _check_one_sided(expr, var, pd_, names)
    if derivative is None:
        from verifier.symbolic.rules import differentiate

        derivative = differentiate(expr, var).result
    try:
        return exact_value(derivative, pd_, dps, variables=names, what="f'")
    except DomainError as exc:
        raise DomainError(
            exc.message,
            point=pd_,
            hint="f is not differentiable there (vertical tangent or singular derivative); "
            "choose another point",
        ) from None


@functools.lru_cache(maxsize=1024)
def _nth_derivative(expr: sympy.Expr, sym: sympy.Symbol, k: int) -> sympy.Expr:
    # Error MODEL only (truncation constants |f''|, |f'''|, |f^(5)|): sympy.diff on the already
    # parsed, trusted expression.  The exact reference always comes from the rule engine.
    return sympy.diff(expr, sym, k)


def derivative_magnitudes(
    expr: sympy.Expr,
    var: str,
    point: Any,
    orders: Sequence[int] = (0, 1, 2, 3, 5),
    *,
    variables: Sequence[str] | None = None,
) -> dict[int, float]:
    """``|d^k f / d var^k|`` at the point for the error model (NaN where undefined).

    >>> from verifier.expr import symbol
    >>> derivative_magnitudes(symbol("x") ** 3, "x", 2.0, (0, 1, 2, 3, 5))
    {0: 8.0, 1: 12.0, 2: 12.0, 3: 6.0, 5: 0.0}
    """
    import mpmath

    names = _variables_of(expr, variables)
    if var not in names:
        names = (*names, var)
    pd_ = _point_dict(point, names)
    args = [mpmath.mpf(pd_[v]) for v in names]
    sym = _symbols_for(expr, names)[names.index(var)]
    out: dict[int, float] = {}
    for k in orders:
        try:
            out[k] = float(abs(_mp_eval(_nth_derivative(expr, sym, k), names, args, 30)))
        except (ArithmeticError, ValueError, TypeError, NameError):
            # NameError: a head mpmath lacks (DiracDelta from differentiating |x|): no model
            out[k] = math.nan
    return out


def roundoff_scale(
    expr: sympy.Expr, point: Any, *, variables: Sequence[str] | None = None
) -> float:
    """The size of the numbers f is computed from: ``sum |term|`` of a top-level sum, else ``|f|``.

    Round-off in evaluating ``x^6 - 3x^2 + 1`` is about eps times its largest
    terms, not eps times the (smaller, cancelled) result; the error model uses
    this scale for its ``eps |f| / h`` term.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> roundoff_scale(x**2 - 1, 1.0)
    2.0
    """
    import mpmath

    names = _variables_of(expr, variables)
    pd_ = _point_dict(point, names)
    args = [mpmath.mpf(pd_[v]) for v in names]
    terms = expr.args if isinstance(expr, sympy.Add) else (expr,)
    total = 0.0
    for term in terms:
        try:
            total += float(abs(_mp_eval(term, names, args, 30)))
        except (ArithmeticError, ValueError, TypeError):
            return math.nan
    return total


# ----------------------------------------------------------------------------- gradients


def numeric_gradient(
    f: Callable[[np.ndarray], Any] | sympy.Expr | CompiledFunction,
    x: Any,
    h: float = 1e-4,
    method: str = "vectorized",
    *,
    variables: Sequence[str] | None = None,
) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``, two ways that give the same numbers.

    ``f`` is a sympy expression (its variables, or ``variables``, in order) or a
    callable mapping an array shaped like ``x`` to a scalar.  ``method="nditer"``
    runs the seed's loop (:func:`nditer_gradient`) element by element;
    ``"vectorized"`` stacks all 2n perturbed copies of x and evaluates them in one
    call, so a callable must broadcast over a leading axis (``f(P)`` with
    ``P.shape == (2n, *x.shape)`` returns shape ``(2n,)``).

    >>> from verifier.expr import symbol
    >>> f = symbol("x0") ** 2 + symbol("x1") ** 2
    >>> np.round(numeric_gradient(f, [1.0, 3.0], h=1e-5), 6).tolist()
    [2.0, 6.0]
    >>> g = lambda p: np.sum(p**2, axis=-1)
    >>> bool(np.array_equal(numeric_gradient(g, [1.0, 3.0]), numeric_gradient(g, [1.0, 3.0], method="nditer")))
    True
    """
    xa = np.array(x, dtype=np.float64)  # a copy: the caller's array is never touched
    if isinstance(f, (sympy.Expr, CompiledFunction)):
        cf = f if isinstance(f, CompiledFunction) else compile_function(f, variables)
        if xa.ndim != 1 or xa.size != len(cf.variables):
            raise VerifierError(
                f"x must be a vector of {len(cf.variables)} values ({', '.join(cf.variables)})"
            )

        def fn(p: np.ndarray) -> np.ndarray:
            return cf.evaluate(*np.moveaxis(np.asarray(p), -1, 0))

    elif callable(f):
        fn = f
    else:
        raise VerifierError(f"cannot differentiate an object of type {type(f).__name__}")
    if not (isinstance(h, (int, float)) and math.isfinite(h) and h > 0):
        raise VerifierError(f"h must be a positive number, not {h!r}")
    if method == "nditer":
        buf = xa.copy()
        return nditer_gradient(lambda: float(fn(buf)), buf, h)
    if method != "vectorized":
        raise VerifierError(f"unknown method {method!r}", hint="use 'vectorized' or 'nditer'")
    n = xa.size
    # perturbation i changes only element i, by exactly the same float operation as the
    # seed's in-place x[idx] = tmp + h / tmp - h (adding 0.0 leaves the others unchanged)
    step = (np.eye(n, dtype=np.float64) * h).reshape((n, *xa.shape))
    stacked = np.concatenate([xa + step, xa - step])
    with np.errstate(all="ignore"):
        vals = np.asarray(fn(stacked), dtype=np.float64).reshape(2 * n)
    return ((vals[:n] - vals[n:]) / (2 * h)).reshape(xa.shape)


def nditer_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The seed's numerical gradient: central differences, one element at a time.

    ``f`` takes no arguments and reads ``x`` in place (the seed's convention).
    Each element is set to ``x + h``, then ``x - h``, ``f`` is called for each,
    and the element is restored before moving on (the lecture's listing had
    ``it.iternext()`` outside the loop; here it is inside).  ``x`` is restored
    exactly even when ``f`` raises.

    >>> x = np.array([1.0, 3.0])
    >>> g = nditer_gradient(lambda: float(np.sum(x**2)), x, h=1e-5)
    >>> np.round(g, 6).tolist()
    [2.0, 6.0]
    """
    nd_coef = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        index = it.multi_index
        tmp = x[index]
        try:
            x[index] = tmp + h
            fxh2 = f()  # f(x + h)
            x[index] = tmp - h
            fxh1 = f()  # f(x - h)
        finally:
            x[index] = tmp
        nd_coef[index] = (fxh2 - fxh1) / (2 * h)
        it.iternext()
    return nd_coef
