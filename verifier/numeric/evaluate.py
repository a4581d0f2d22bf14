"""Evaluation of (trusted, already parsed) sympy expressions: the numpy compiler and THE
high-precision evaluator.

* :func:`compile_function` compiles an expression once with ``sympy.lambdify`` to numpy; the
  same code accepts complex arrays, which the complex step uses when
  :func:`complex_step_safe` allows it.
* :func:`mp_compile` turns an expression into a closure evaluating it in mpmath at
  :data:`MP_DPS` digits, in the REAL domain: ``log`` of a negative, an even root of a
  negative, ``asin(2)``, a pole, or an overflow beyond 10^2300 raise :class:`Undefined` with
  the reason, instead of wandering into complex numbers.  Symbols are looked up BY NAME, so
  an expression built with ``sympy.Symbol("x")`` and one built by the parser (real symbols)
  evaluate alike.  This is the only mpmath evaluator of the package: exact references,
  homework judgements and the suite all come through here (:mod:`verifier.reference`).
* :func:`mp_value_adaptive` re-evaluates with sympy's adaptive precision (it raises the
  working precision where terms cancel), for a second opinion on a near miss.

>>> from verifier.expr import symbol
>>> x = symbol("x")
>>> f = mp_compile(sympy.log(x) + x**2)
>>> str(f({"x": 2.0}))[:12]
'4.6931471805'
>>> mp_value(sympy.log(x), {"x": -1.0})
Traceback (most recent call last):
...
verifier.numeric.evaluate.Undefined: not real: log of a non-positive number
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy

from verifier.errors import UnsupportedError, VerifierError
from verifier.expr import symbol
from verifier.limits import tick
from verifier.numeric.namespace import prepare_lambdify
from verifier.numeric.stencils import complex_step_safe
from verifier.points import variables_of

__all__ = [
    "MP_DPS",
    "CompiledFunction",
    "MpFunction",
    "Undefined",
    "clear_caches",
    "compile_function",
    "mp_compile",
    "mp_value",
    "mp_value_adaptive",
    "mpf",
    "working_precision",
]

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


@functools.lru_cache(maxsize=512)
def _lambdified(expr: sympy.Expr, variables: tuple[str, ...]) -> CompiledFunction:
    syms = _symbols_for(expr, variables)
    prepare_lambdify()  # its numpy names, without numpy's lazy submodules
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
    return _lambdified(expr, variables_of(expr, variables))


# ----------------------------------------------------------------------------- the mpmath evaluator

#: mpmath digits for every value a verdict depends on (>= 30 required by the reference).
MP_DPS = 40
# Magnitudes beyond 10^2300 are treated as overflow: float64 cannot show them, and refusing
# them keeps mpmath from building numbers with millions of digits (exp(exp(exp(x)))).
_MAX_LOG_MAGNITUDE = 2300.0
_MAX_LOG2 = _MAX_LOG_MAGNITUDE * 1.45  # the same bound in powers of two

_MP = mpmath.MPContext()  # a private context: other code may change mpmath.mp's precision
_MP.dps = MP_DPS


class Undefined(ArithmeticError):  # noqa: N818  (a value state, like ZeroDivisionError)
    """The expression is not a finite real number at this point; ``args[0]`` says why."""


def mpf(value: Any) -> Any:
    """An exact high-precision copy of a number (a float64 is taken at its exact binary value).

    >>> str(mpf(0.1))[:22]
    '0.10000000000000000555'
    """
    return _MP.mpf(value)


def _ok(v: Any) -> Any:
    if not isinstance(v, _MP.mpf):
        raise Undefined("not real")
    if not _MP.isfinite(v):
        raise Undefined("not finite")
    if v and _MP.mag(v) > _MAX_LOG2:  # mag ~ log2|v|
        raise Undefined("not finite: beyond 10^2300")
    return v


def _guard_exp(a: Any) -> Any:
    if a > _MAX_LOG_MAGNITUDE:
        raise Undefined("not finite: beyond 10^2300")
    return a


def _domain(pred: Callable[[Any], bool], fn: Callable[[Any], Any], why: str) -> Callable:
    def apply(a: Any) -> Any:
        if not pred(a):
            raise Undefined(why)
        return fn(a)

    return apply


def _reciprocal(fn: Callable[[Any], Any], name: str) -> Callable[[Any], Any]:
    def apply(a: Any) -> Any:
        d = fn(a)
        if not d:
            raise Undefined(f"not finite: {name} has a pole here")
        return 1 / d

    return apply


def _big(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda a: fn(_guard_exp(abs(a)) and a)


# One row per sympy head: the real function (domain enforced) evaluated in mpmath.
_REAL_FUNCS: dict[type, Callable[[Any], Any]] = {
    sympy.exp: lambda a: _MP.exp(_guard_exp(a)),
    sympy.log: _domain(lambda a: a > 0, _MP.log, "not real: log of a non-positive number"),
    sympy.sin: _MP.sin,
    sympy.cos: _MP.cos,
    sympy.tan: _domain(lambda a: bool(_MP.cos(a)), _MP.tan, "not finite: tan has a pole here"),
    sympy.cot: _reciprocal(_MP.tan, "cot"),
    sympy.sec: _reciprocal(_MP.cos, "sec"),
    sympy.csc: _reciprocal(_MP.sin, "csc"),
    sympy.asin: _domain(lambda a: -1 <= a <= 1, _MP.asin, "not real: asin outside [-1, 1]"),
    sympy.acos: _domain(lambda a: -1 <= a <= 1, _MP.acos, "not real: acos outside [-1, 1]"),
    sympy.atan: _MP.atan,
    sympy.acot: _domain(lambda a: bool(a), _MP.acot, "undefined: acot(0)"),
    sympy.asec: _domain(lambda a: abs(a) >= 1, _MP.asec, "not real: asec inside (-1, 1)"),
    sympy.acsc: _domain(lambda a: abs(a) >= 1, _MP.acsc, "not real: acsc inside (-1, 1)"),
    sympy.sinh: _big(_MP.sinh),
    sympy.cosh: _big(_MP.cosh),
    sympy.tanh: _MP.tanh,
    sympy.coth: _reciprocal(_MP.tanh, "coth"),
    sympy.sech: _big(lambda a: 1 / _MP.cosh(a)),
    sympy.csch: _reciprocal(_big(_MP.sinh), "csch"),
    sympy.asinh: _MP.asinh,
    sympy.acosh: _domain(lambda a: a >= 1, _MP.acosh, "not real: acosh below 1"),
    sympy.atanh: _domain(lambda a: -1 < a < 1, _MP.atanh, "not real: atanh outside (-1, 1)"),
    sympy.acoth: _domain(lambda a: abs(a) > 1, _MP.acoth, "not real: acoth inside [-1, 1]"),
    sympy.Abs: abs,
    sympy.sign: _MP.sign,
    sympy.floor: _MP.floor,
    sympy.ceiling: _MP.ceil,
}

#: A compiled evaluator: ``fn(env)`` with ``env`` mapping variable names to numbers.
MpFunction = Callable[[Mapping[str, Any]], Any]


def _const(v: Any) -> MpFunction:
    return lambda env: v


def _power(base: Any, exp: Any) -> Any:
    if not base:
        if exp > 0:
            return _MP.zero
        if exp == 0:
            return _MP.one
        raise Undefined("not finite: 0 to a negative power")
    integral = exp == _MP.floor(exp)
    if base < 0 and not integral:
        raise Undefined("not real: a fractional power of a negative number")
    if abs(exp) * (abs(_MP.mag(base)) + 1) > _MAX_LOG2:  # mag ~ log2|base|, cheap
        raise Undefined("not finite: beyond 10^2300")
    if integral and abs(exp) < 2**62:
        return base ** int(exp)
    return base**exp


def _int_power(b: MpFunction, n: int) -> MpFunction:
    def ipow(env: Mapping[str, Any]) -> Any:
        base = b(env)
        if n < 0 and not base:
            raise Undefined("not finite: division by zero")
        if base and abs(n) * (abs(_MP.mag(base)) + 1) > _MAX_LOG2:
            raise Undefined("not finite: beyond 10^2300")
        return _ok(base**n)

    return ipow


def _number(expr: sympy.Basic) -> MpFunction:
    if expr.is_Rational:
        return _const(_MP.mpf(int(expr.p)) / int(expr.q))
    if expr.is_Float:
        return _const(_MP.mpf(expr._mpf_))
    if expr is sympy.pi:
        return _const(+_MP.pi)
    if expr is sympy.E:
        return _const(+_MP.e)
    value = expr.evalf(MP_DPS + 5)
    if value.is_Float:
        return _const(_MP.mpf(value._mpf_))

    def undefined(env: Mapping[str, Any]) -> Any:
        raise Undefined(f"not a finite real: {expr}")

    return undefined  # nan, zoo, oo, I


def _compile(expr: sympy.Basic) -> MpFunction:
    tick()
    if expr.is_Symbol:
        name = expr.name
        return lambda env: env[name]
    if expr.is_Number or expr.is_NumberSymbol:
        return _number(expr)
    if expr.is_Add:
        parts = [_compile(a) for a in expr.args]
        return lambda env: _ok(_MP.fsum(p(env) for p in parts))
    if expr.is_Mul:
        parts = [_compile(a) for a in expr.args]

        def mul(env: Mapping[str, Any]) -> Any:
            v = _MP.one
            for p in parts:
                v = _ok(v * p(env))
            return v

        return mul
    if expr.is_Pow:
        b, e = _compile(expr.base), _compile(expr.exp)
        if expr.exp.is_Integer and abs(int(expr.exp)) <= 10**9:
            return _int_power(b, int(expr.exp))
        return lambda env: _ok(_power(b(env), e(env)))
    fn = _REAL_FUNCS.get(expr.func)
    if fn is not None and len(expr.args) == 1:
        arg = _compile(expr.args[0])
        return lambda env: _ok(fn(arg(env)))
    if expr.func in (sympy.Max, sympy.Min):
        parts = [_compile(a) for a in expr.args]
        pick = max if expr.func is sympy.Max else min
        return lambda env: pick(p(env) for p in parts)
    return _compile_fallback(expr)


def _compile_fallback(expr: sympy.Basic) -> MpFunction:
    """A head without a row above: sympy evaluates it numerically from mpmath arguments."""
    args = [_compile(a) for a in expr.args]
    func = expr.func

    def fallback(env: Mapping[str, Any]) -> Any:
        vals = [sympy.Float._new(a(env)._mpf_, _MP.prec) for a in args]
        try:
            out = func(*vals).evalf(MP_DPS + 5)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise Undefined(f"undefined: {func.__name__}") from exc
        if not (isinstance(out, sympy.Float) or (out.is_Number and out.is_real)):
            raise Undefined(f"not real: {func.__name__}")
        return _ok(_MP.mpf(sympy.Float(out)._mpf_))

    return fallback


@functools.lru_cache(maxsize=2048)
def _compiled(expr: sympy.Basic) -> MpFunction:
    fn = _compile(expr)

    def evaluate(env: Mapping[str, Any]) -> Any:
        if not all(isinstance(v, _MP.mpf) for v in env.values()):
            env = {k: _MP.mpf(v) for k, v in env.items()}
        try:
            return _ok(fn(env))
        except KeyError as exc:
            raise VerifierError(f"no value for the variable {exc.args[0]} of {expr}") from None
        except Undefined:
            raise
        except ZeroDivisionError:
            raise Undefined("not finite: division by zero") from None
        except (ValueError, OverflowError, TypeError) as exc:
            raise Undefined(f"undefined ({type(exc).__name__})") from None

    return evaluate


def mp_compile(expr: sympy.Basic) -> MpFunction:
    """Compile ``expr`` (cached) into ``fn(env) -> mpf`` at :data:`MP_DPS` digits, real domain.

    ``env`` maps variable NAMES to numbers (floats are taken exactly).  ``fn`` raises
    :class:`Undefined` where the value is not a finite real.  Compiling checks the current
    time budget (:func:`verifier.limits.tick`) at every node.

    >>> from verifier.expr import symbol
    >>> fn = mp_compile(sympy.sqrt(symbol("x")))
    >>> str(fn({"x": 2.0}))[:10]
    '1.41421356'
    >>> fn({"x": -2.0})
    Traceback (most recent call last):
    ...
    verifier.numeric.evaluate.Undefined: not real: a fractional power of a negative number
    """
    if not isinstance(expr, sympy.Basic):
        raise VerifierError(f"expected a sympy expression, got {type(expr).__name__}")
    return _compiled(expr)


def mp_value(expr: sympy.Basic, point: Mapping[str, Any], dps: int = MP_DPS) -> Any:
    """``expr`` at ``point`` (names -> numbers) as an mpf with ``dps`` >= :data:`MP_DPS` digits.

    More digits than :data:`MP_DPS` re-run the compiled closure in a wider working precision
    (constants such as pi were rounded at :data:`MP_DPS`, so ask for more only when the
    expression's constants are exact).

    >>> from verifier.expr import symbol
    >>> float(mp_value(symbol("x") ** 2 + 1, {"x": 3.0}))
    10.0
    """
    env = {str(k): v for k, v in point.items()}
    fn = mp_compile(expr)
    if dps <= MP_DPS:
        return fn(env)
    with _MP.workdps(dps):
        return fn(env)


def mp_value_adaptive(expr: sympy.Basic, point: Mapping[str, float]) -> Any:
    """The value by sympy's adaptive-precision ``evalf`` (it raises the working precision where
    terms cancel), or ``None`` when it is not a finite real.  Deterministic and bounded
    (``maxn``), so every executor reaches the same result.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> float(mp_value_adaptive((x + 1) ** 2 - x**2 - 2 * x, {"x": 1e20}))
    1.0
    """
    names = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    subs = {names.get(k, symbol(k)): sympy.Rational(v) for k, v in point.items()}
    try:
        val = expr.evalf(MP_DPS, subs=subs, maxn=4 * MP_DPS * 10)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    if not val.is_Float:
        return None
    v = _MP.mpf(val._mpf_)
    return v if _MP.isfinite(v) and abs(v) < 1e300 else None


def clear_caches() -> None:
    """Forget every compiled function (numpy and mpmath): benchmarks time cold starts with it.

    >>> clear_caches()
    """
    _compiled.cache_clear()
    _lambdified.cache_clear()


def working_precision(dps: int) -> Any:
    """A context in which arithmetic on this module's mpmath numbers keeps ``dps`` digits.

    Values returned by :func:`mp_value` carry the evaluator's context: to combine them (a
    difference quotient at 60 digits, say) without rounding to :data:`MP_DPS`, combine
    them inside this context.

    >>> with working_precision(60):
    ...     tiny = (mpf(1) + mpf(10) ** -50) - 1
    >>> float(tiny) > 0
    True
    """
    return _MP.workdps(dps)
