"""Homework checking: grade one derivative answer, diagnose the mistake, grade a whole class.

``check(function, answer)`` decides whether ``answer`` is the derivative of ``function`` the way a
careful teacher would (see :func:`check` for the policy), tells the student how the answer was
read, gives a counterexample when it is wrong, names the likely mistake and shows the correct
derivation.  ``grade_class`` grades a CSV of submissions against a TOML file of problems on any
``concurrent.futures.Executor`` and :func:`write_grades` writes ``graded.csv``, ``summary.md`` and
``summary.html``.

>>> g = check("x^2 + 2x + 1", "2x + 2")
>>> g.verdict, g.ok
('correct', True)
>>> check("sin(x^2)", "cos(x^2)").mistake
'chain_missing_inner'
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import math
import os
import re
import signal
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy

from verifier.compare import compare
from verifier.errors import CaseError, LimitError, ParseError, UnsupportedError, VerifierError
from verifier.files import write_atomic

__all__ = [
    "Counterexample",
    "Grade",
    "Problem",
    "check",
    "grade_class",
    "load_problems",
    "read_submissions",
    "summarize",
    "write_grades",
    "WHOLE_ANSWER_MISTAKES",
]

# ---------------------------------------------------------------------------------------------
# Policy constants (one place, so the README and the tests can quote them)
# ---------------------------------------------------------------------------------------------

DPS = 40  # mpmath digits for every value the verdict depends on (>= 30 required)
RTOL = 1e-12  # relative tolerance: 3.0001x^2 (1e-4) and +1e-9 (>= 1e-11 at |f'| <= 100) fail
ATOL_SCALE = 1e-20  # absolute floor = ATOL_SCALE * max(1, max |f'|) over the test points
N_POINTS = 16  # test points per problem (nice points first, then seeded random ones)
MIN_POINTS = 4  # fewer valid points than this: the problem's domain is too thin to judge
SEED = 20240611
# Magnitudes beyond 10^1000 are treated as overflow: float64 cannot show them, and refusing
# them keeps mpmath from building numbers with millions of digits (exp(exp(exp(x)))).
_MAX_LOG_MAGNITUDE = 2300.0
_MAX_LOG2 = _MAX_LOG_MAGNITUDE * 1.45  # the same bound in powers of two
_MAX_FIELD = 20_000  # CSV fields longer than this are refused before any parsing

VERDICTS = ("correct", "incorrect", "invalid")

_MP = mpmath.MPContext()  # a private context: other modules may change mpmath.mp's precision
_MP.dps = DPS

# Whole-answer mistakes (the rule-level ones are faulty rows of verifier.symbolic.rules' table), one row
# each: name -> (description, hint, what the answer is compared with, how it is built from
# (f, f', other variable)).  "value": the answer equals the built expression; "derivative": the
# answer's own derivative equals it (an antiderivative, whatever its constant).
WHOLE_ANSWER_MISTAKES: dict[str, tuple[str, str, str, Callable[..., sympy.Expr]]] = {
    "sign_error": (
        "the answer is the negative of the derivative",
        "Check the signs: (cos x)' = -sin x, and the quotient rule subtracts f g'.",
        "value",
        lambda f, df, other: -df,
    ),
    "original_function": (
        "the answer is the original function, not its derivative",
        "You copied the function; apply the differentiation rules to it.",
        "value",
        lambda f, df, other: f,
    ),
    "antiderivative": (
        "the answer is an antiderivative (you integrated instead of differentiating)",
        "Differentiate: the derivative of your answer is the function itself, not its derivative.",
        "derivative",
        lambda f, df, other: f,
    ),
    "wrong_variable": (
        "the answer is the partial derivative with respect to another variable",
        "Differentiate with respect to the variable asked for and treat the others as constants.",
        "value",
        lambda f, df, other: sympy.diff(f, other),  # built once per other variable
    ),
}


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def _fmt_number(value: float | None, other: float | None = None) -> str:
    """Enough digits to show the value, and to show it differs from ``other``."""
    if value is None:
        return "undefined"
    text = f"{value:.8g}"
    if other is not None and text == f"{other:.8g}":
        text = repr(float(value))
    return text


@dataclass(frozen=True)
class Counterexample:
    """A point where the answer and the derivative differ (``answer`` None: undefined there).

    >>> print(Counterexample({"x": 1.5}, 3.0, 2.0).describe())
    at x = 1.5 the derivative is 3 but the answer gives 2
    """

    point: Mapping[str, float]
    correct: float
    answer: float | None

    def describe(self) -> str:
        where = ", ".join(f"{k} = {v:g}" for k, v in self.point.items())
        corr = _fmt_number(self.correct, self.answer)
        if self.answer is None:
            return f"at {where} the derivative is {corr} but the answer is not a finite real number there"
        return f"at {where} the derivative is {corr} but the answer gives {_fmt_number(self.answer, self.correct)}"

    def to_dict(self) -> dict[str, Any]:
        return {"point": dict(self.point), "correct": self.correct, "answer": self.answer}


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer, with everything a student needs to act on it.

    >>> g = check("x^3 e^x", "3x^2 e^x")
    >>> g.verdict, g.ok, g.mistake
    ('incorrect', False, 'product_as_fprime_g')
    >>> sorted(g.to_dict())[:4]
    ['answer', 'counterexample', 'derivative', 'function']
    """

    verdict: str
    reason: str
    function: str
    answer: str
    variable: str
    read_as: str | None = None
    counterexample: Counterexample | None = None
    mistake: str | None = None
    mistake_hint: str | None = None
    mistake_detail: str | None = None
    warnings: tuple[str, ...] = ()
    steps: str = ""
    derivative: str = ""

    @property
    def ok(self) -> bool:
        """True when the answer is correct."""
        return self.verdict == "correct"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every field."""
        out = dataclasses.asdict(self)
        out["counterexample"] = self.counterexample.to_dict() if self.counterexample else None
        out["warnings"] = list(self.warnings)
        return out

    def to_frame(self):
        """A one-row DataFrame (counterexample flattened to text)."""
        import pandas as pd

        row = self.to_dict()
        row["counterexample"] = self.counterexample.describe() if self.counterexample else None
        row["warnings"] = "; ".join(self.warnings)
        return pd.DataFrame([row])

    def report(self) -> str:
        """The multi-line text the CLI prints."""
        lines = [f"{self.verdict}: {self.reason}"]
        if self.read_as is not None:
            lines.append(f"read as: {self.read_as}")
        if self.counterexample is not None:
            lines.append(f"counterexample: {self.counterexample.describe()}")
        if self.mistake:
            lines.append(f"mistake: {self.mistake_detail or self.mistake} [{self.mistake}]")
            if self.mistake_hint:
                lines.append(f"hint: {self.mistake_hint}")
        for w in self.warnings:
            lines.append(f"warning: {w}")
        if self.derivative:
            lines.append(f"correct derivative: {self.derivative}")
        if self.steps:
            lines.append("steps:")
            lines.extend("  " + s for s in self.steps.splitlines())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.report()) + "</pre>"


# ---------------------------------------------------------------------------------------------
# Time limits: SIGALRM where the platform and thread allow it, a cooperative deadline always
# ---------------------------------------------------------------------------------------------


class _TimeUp(BaseException):  # noqa: N818  BaseException: sympy's broad `except Exception` must not swallow it
    """Raised when an answer's time limit is exhausted."""


_local = threading.local()


def _deadline() -> float:
    return getattr(_local, "deadline", math.inf)


def _tick() -> None:
    """Cooperative check: raise when the current deadline has passed (works in any thread)."""
    if time.monotonic() > _deadline():
        raise _TimeUp()


def _signals_usable() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0  # nobody else's alarm is running
    )


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Bound the work inside: SIGALRM in a main thread (interrupts sympy), deadline checks always."""
    if seconds is None or seconds <= 0:
        yield
        return
    previous = _deadline()
    _local.deadline = min(previous, time.monotonic() + seconds)
    armed = False
    old_handler: Any = None
    if _signals_usable():

        def _on_alarm(signum: int, frame: Any) -> None:
            raise _TimeUp()

        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        armed = True
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        _local.deadline = previous


# ---------------------------------------------------------------------------------------------
# Real-domain evaluation of sympy expressions with mpmath (no lambdify, no strings)
# ---------------------------------------------------------------------------------------------


class _Undefined(Exception):  # noqa: N818
    """The expression is not a finite real number at this point."""


def _ok(v: Any) -> Any:
    if not isinstance(v, _MP.mpf) or not _MP.isfinite(v):
        raise _Undefined()
    if v and _MP.mag(v) > _MAX_LOG2:  # mag ~ log2|v|
        raise _Undefined()
    return v


def _guard_exp(a: Any) -> Any:
    if a > _MAX_LOG_MAGNITUDE:
        raise _Undefined()
    return a


def _domain(pred: Callable[[Any], bool], fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(a: Any) -> Any:
        if not pred(a):
            raise _Undefined()
        return fn(a)

    return apply


def _nonzero(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(a: Any) -> Any:
        d = fn(a)
        if not d:
            raise _Undefined()
        return 1 / d

    return apply


# One row per sympy head: the real function (domain enforced) evaluated in mpmath.
_REAL_FUNCS: dict[type, Callable[[Any], Any]] = {
    sympy.exp: lambda a: _MP.exp(_guard_exp(a)),
    sympy.log: _domain(lambda a: a > 0, _MP.log),
    sympy.sin: _MP.sin,
    sympy.cos: _MP.cos,
    sympy.tan: _domain(lambda a: bool(_MP.cos(a)), _MP.tan),
    sympy.cot: _nonzero(_MP.tan),
    sympy.sec: _nonzero(_MP.cos),
    sympy.csc: _nonzero(_MP.sin),
    sympy.asin: _domain(lambda a: -1 <= a <= 1, _MP.asin),
    sympy.acos: _domain(lambda a: -1 <= a <= 1, _MP.acos),
    sympy.atan: _MP.atan,
    sympy.acot: _domain(lambda a: bool(a), _MP.acot),
    sympy.asec: _domain(lambda a: abs(a) >= 1, _MP.asec),
    sympy.acsc: _domain(lambda a: abs(a) >= 1, _MP.acsc),
    sympy.sinh: lambda a: _MP.sinh(_guard_exp(abs(a)) and a),
    sympy.cosh: lambda a: _MP.cosh(_guard_exp(abs(a)) and a),
    sympy.tanh: _MP.tanh,
    sympy.coth: _nonzero(_MP.tanh),
    sympy.sech: lambda a: 1 / _MP.cosh(_guard_exp(abs(a)) and a),
    sympy.csch: _nonzero(lambda a: _MP.sinh(_guard_exp(abs(a)) and a)),
    sympy.asinh: _MP.asinh,
    sympy.acosh: _domain(lambda a: a >= 1, _MP.acosh),
    sympy.atanh: _domain(lambda a: -1 < a < 1, _MP.atanh),
    sympy.acoth: _domain(lambda a: abs(a) > 1, _MP.acoth),
    sympy.Abs: abs,
    sympy.sign: _MP.sign,
    sympy.floor: _MP.floor,
    sympy.ceiling: _MP.ceil,
}

_Evaluator = Callable[[Mapping[str, Any]], Any]


def _const(v: Any) -> _Evaluator:
    return lambda env: v


def _power(base: Any, exp: Any) -> Any:
    if not base:
        if exp > 0:
            return _MP.zero
        if exp == 0:
            return _MP.one
        raise _Undefined()  # 0 to a negative power
    integral = exp == _MP.floor(exp)
    if base < 0 and not integral:
        raise _Undefined()  # real domain: no principal complex roots of negatives
    if abs(exp) * (abs(_MP.mag(base)) + 1) > _MAX_LOG2:  # mag ~ log2|base|, cheap
        raise _Undefined()
    if integral and abs(exp) < 2**62:
        return base ** int(exp)
    return base**exp


def _compile(expr: sympy.Basic) -> _Evaluator:
    """Turn a sympy expression into a closure evaluating it in mpmath at DPS digits, real-only."""
    _tick()
    if expr.is_Symbol:
        name = expr.name
        return lambda env: env[name]
    if expr.is_Number or expr.is_NumberSymbol:
        if expr.is_Rational:
            return _const(_MP.mpf(int(expr.p)) / int(expr.q))
        if expr.is_Float:
            return _const(_MP.mpf(expr._mpf_))
        if expr is sympy.pi:
            return _const(+_MP.pi)
        if expr is sympy.E:
            return _const(+_MP.e)
        value = expr.evalf(DPS + 5)
        if value.is_Float:
            return _const(_MP.mpf(value._mpf_))

        def undefined(env: Mapping[str, Any]) -> Any:
            raise _Undefined()

        return undefined  # nan, zoo, oo, I: not a finite real
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
        if expr.exp.is_Integer:
            n = int(expr.exp)
            if abs(n) > 10**9:
                return lambda env: _ok(_power(b(env), _MP.mpf(n)))

            def ipow(env: Mapping[str, Any]) -> Any:
                base = b(env)
                if n < 0 and not base:
                    raise _Undefined()
                if base and abs(n) * (abs(_MP.mag(base)) + 1) > _MAX_LOG2:
                    raise _Undefined()
                return _ok(base**n)

            return ipow
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


def _compile_fallback(expr: sympy.Basic) -> _Evaluator:
    """A head without a row above: let sympy evaluate it numerically from mpmath arguments."""
    args = [_compile(a) for a in expr.args]
    func = expr.func

    def fallback(env: Mapping[str, Any]) -> Any:
        vals = [sympy.Float._new(a(env)._mpf_, _MP.prec) for a in args]
        try:
            out = func(*vals).evalf(DPS + 5)
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise _Undefined() from exc
        if not (isinstance(out, sympy.Float) or (out.is_Number and out.is_real)):
            raise _Undefined()
        return _ok(_MP.mpf(sympy.Float(out)._mpf_))

    return fallback


def _evaluate(fn: _Evaluator, env: Mapping[str, Any]) -> Any:
    """The value at one point, or None when the expression is not a finite real there."""
    try:
        return _ok(fn(env))
    except (_Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None


def _float_ok(v: Any) -> bool:
    return v is not None and abs(v) < 1e300


# ---------------------------------------------------------------------------------------------
# Problems: the parsed function, its derivation, test points and the mistake variants (cached)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One homework problem: differentiate ``function`` with respect to ``variable``.

    >>> Problem("p1", "x^2 y", variable="y", variables=("x", "y"), points=2.0).variables
    ('x', 'y')
    """

    id: str
    function: str
    variable: str = "x"
    variables: tuple[str, ...] | None = None
    points: float = 1.0

    def all_variables(self) -> tuple[str, ...]:
        return tuple(self.variables) if self.variables else (self.variable,)


@dataclass(frozen=True)
class _Variant:
    name: str
    description: str
    hint: str
    values: tuple[Any, ...]  # mpf or None per test point
    kind: str = "value"  # "value": compare the answer; "derivative": compare d(answer)/dvar


@dataclass(frozen=True, eq=False)
class _Context:
    key: tuple[Any, ...]
    function: str
    variable: str
    variables: tuple[str, ...]
    expr: sympy.Expr
    correct: sympy.Expr
    also_correct: tuple[sympy.Expr, ...]
    derivation: Any
    points: tuple[dict[str, float], ...]
    envs: tuple[dict[str, Any], ...]
    f_values: tuple[Any, ...]
    d_values: tuple[Any, ...]
    atol: float
    d_fn: _Evaluator
    variants: tuple[_Variant, ...]
    derivative_text: str
    steps_text: str
    notes: tuple[str, ...] = field(default=())


def _nice_candidates(nvars: int) -> list[tuple[float, ...]]:
    # Readable points first so counterexamples are easy to check by hand.
    singles = (0.5, 1.5, -0.5, 2.5, -1.5, 1.0, 2.0, -2.0, 0.25, 3.0)
    if nvars == 1:
        return [(v,) for v in singles]
    n = len(singles)
    return [tuple(singles[(i + 3 * k) % n] for k in range(nvars)) for i in range(n)]


def _random_candidates(nvars: int, n: int, seed: int) -> list[tuple[float, ...]]:
    rng = np.random.default_rng(seed)
    scales = [(-1.0, 1.0), (-4.0, 4.0), (0.0, 4.0), (0.0, 1.0), (-10.0, 10.0), (1.0, 6.0)]
    out = []
    for i in range(n):
        lo, hi = scales[i % len(scales)]
        out.append(tuple(float(np.round(rng.uniform(lo, hi), 4)) for _ in range(nvars)))
    return out


def _env(names: Sequence[str], point: Sequence[float]) -> dict[str, Any]:
    return {n: _MP.mpf(v) for n, v in zip(names, point, strict=True)}


def _format_expr(expr: sympy.Expr) -> str:
    from verifier.symbolic.steps import format_expr

    return format_expr(expr)


def _parse(text: str, variables: Sequence[str]) -> Any:
    from verifier.expr import parse_with_warnings

    return parse_with_warnings(text, variables=tuple(variables))


def _differentiate(expr: sympy.Expr, var: str) -> Any:
    from verifier.symbolic.rules import differentiate

    try:
        return differentiate(expr, var)
    except UnsupportedError:
        return differentiate(expr, var, fallback=True)


def _rule_variants(expr: sympy.Expr, var: str) -> list[tuple[str, str, str, sympy.Expr]]:
    from verifier.symbolic.rules import wrong_derivatives

    out = []
    for wd in wrong_derivatives(expr, var):
        m = wd.mistake
        out.append((m.name, m.description, m.hint, wd.result))
    return out


def _problem_context(
    function: str | sympy.Expr, variable: str, variables: tuple[str, ...]
) -> _Context:
    key = (function if isinstance(function, str) else sympy.srepr(function), variable, variables)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _build_context(function, variable, variables, key)
        if len(_CONTEXTS) > 256:
            _CONTEXTS.clear()
        _CONTEXTS[key] = ctx
    return ctx


_CONTEXTS: dict[tuple[Any, ...], _Context] = {}


def _build_context(
    function: str | sympy.Expr, variable: str, variables: tuple[str, ...], key: tuple[Any, ...]
) -> _Context:
    from verifier.expr import symbol
    from verifier.symbolic.steps import render_steps

    if variable not in variables:
        raise VerifierError(
            f"the variable {variable!r} is not among the variables {', '.join(variables)}",
            hint="pass variables=(...) including the variable to differentiate by",
        )
    if isinstance(function, str):
        expr = _parse(function, variables).expr
        ftext = function
    else:
        expr = function
        ftext = _format_expr(function)
    var = symbol(variable)
    derivation = _differentiate(expr, variable)
    correct = derivation.result
    reference = sympy.diff(expr, var)  # the independent oracle for the rule engine
    f_fn, d_fn, r_fn = _compile(expr), _compile(correct), _compile(reference)

    points: list[dict[str, float]] = []
    envs: list[dict[str, Any]] = []
    fv: list[Any] = []
    dv: list[Any] = []
    rv: list[Any] = []
    cands = _nice_candidates(len(variables)) + _random_candidates(len(variables), 400, SEED)
    n_nice = 6  # at most this many nice points, so seeded random points always take part
    for i, cand in enumerate(cands):
        if len(points) >= N_POINTS:
            break
        if i < len(_nice_candidates(len(variables))) and len(points) >= n_nice:
            continue
        env = _env(variables, cand)
        f_val, d_val, r_val = _evaluate(f_fn, env), _evaluate(d_fn, env), _evaluate(r_fn, env)
        if _float_ok(f_val) and _float_ok(d_val) and _float_ok(r_val):
            points.append(dict(zip(variables, cand, strict=True)))
            envs.append(env)
            fv.append(f_val)
            dv.append(d_val)
            rv.append(r_val)
    if len(points) < MIN_POINTS:
        raise VerifierError(
            f"could not find {MIN_POINTS} points where {ftext} and its derivative are real and finite",
            hint="check the function; its domain may be empty or very small",
        )
    scale = max(1.0, max(abs(float(v)) for v in dv))
    atol = ATOL_SCALE * scale
    notes: list[str] = []
    extra_correct: list[sympy.Expr] = []
    if not compare(np.array(rv, dtype=object), [float(v) for v in dv], rtol=RTOL, atol=atol).ok:
        # The rule engine disagrees with sympy.diff: grade against the oracle, say so.
        notes.append(
            "the rule engine's derivative disagreed with sympy.diff; graded with sympy.diff"
        )
        correct, dv = reference, rv
    elif derivation.unsimplified != correct:
        extra_correct.append(derivation.unsimplified)
    steps_text = render_steps(derivation, format="text")

    raw: list[tuple[str, str, str, sympy.Expr, str]] = []
    # A function without faulty variants still gets the whole-answer mistakes below.
    with contextlib.suppress(VerifierError):
        for name, desc, hint, res in _rule_variants(expr, variable):
            raw.append((name, desc, hint, res, "value"))
    for name, (desc, hint, kind, build) in WHOLE_ANSWER_MISTAKES.items():
        if name != "wrong_variable":
            raw.append((name, desc, hint, build(expr, correct, None), kind))
            continue
        for other in variables:
            if other != variable:
                desc = (
                    f"the answer is the partial derivative with respect to {other}, not {variable}"
                )
                raw.append((name, desc, hint, build(expr, correct, symbol(other)), kind))
    variants: list[_Variant] = []
    dfloats = [float(v) for v in dv]
    for name, desc, hint, res, kind in raw:
        fn = _compile(res)
        vals = tuple(_evaluate(fn, env) for env in envs)
        if kind == "value":
            defined = [i for i, v in enumerate(vals) if _float_ok(v)]
            if len(defined) < MIN_POINTS:
                continue
            same = compare(
                np.array([vals[i] for i in defined], dtype=object),
                [dfloats[i] for i in defined],
                rtol=RTOL,
                atol=atol,
            )
            if same.ok:
                continue  # this faulty rule gives the right answer here: not a diagnosable mistake
        variants.append(_Variant(name, desc, hint, vals, kind))
    return _Context(
        key=key,
        function=ftext,
        variable=variable,
        variables=variables,
        expr=expr,
        correct=correct,
        also_correct=(correct, reference, *extra_correct),
        derivation=derivation,
        points=tuple(points),
        envs=tuple(envs),
        f_values=tuple(fv),
        d_values=tuple(dv),
        atol=atol,
        d_fn=_compile(correct),
        variants=tuple(variants),
        derivative_text=_format_expr(correct),
        steps_text=steps_text,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# Judging one parsed answer against a problem (cached by the canonical expression)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judgement:
    verdict: str
    reason: str
    counterexample: Counterexample | None = None
    mistake: str | None = None
    mistake_hint: str | None = None
    mistake_detail: str | None = None


_JUDGEMENTS: dict[tuple[Any, ...], _Judgement] = {}
_READ_AS: dict[sympy.Expr, str] = {}  # canonical answer -> normal notation


def _values_match(ref: Sequence[Any], est: Sequence[Any], atol: float) -> tuple[bool, int]:
    """Compare where both are defined; (all matched, number of points compared)."""
    idx = [i for i in range(len(ref)) if _float_ok(ref[i]) and _float_ok(est[i])]
    if not idx:
        return False, 0
    c = compare(
        np.array([ref[i] for i in idx], dtype=object),
        [float(est[i]) for i in idx],
        rtol=RTOL,
        atol=atol,
    )
    return c.ok, len(idx)


def _probe_isolated(
    ctx: _Context, fn: _Evaluator, point: dict[str, float], d_fn: _Evaluator
) -> bool:
    """True when the answer is defined at nearby points: an isolated singularity, not a region.

    Whether the answer is right is decided at the other test points, not here."""
    checked = 0
    for rel in (1e-7, -1e-7, 1e-4, -1e-4):
        probe = {k: v + rel * max(1.0, abs(v)) for k, v in point.items()}
        env = _env(ctx.variables, [probe[k] for k in ctx.variables])
        d_val = _evaluate(d_fn, env)
        if not _float_ok(d_val):
            continue  # the derivative itself is undefined there: this probe says nothing
        if not _float_ok(_evaluate(fn, env)):
            return False
        checked += 1
    return checked >= 2


def _precise_value(expr: sympy.Expr, point: Mapping[str, float]) -> Any:
    """The value at ``point`` by sympy's adaptive-precision evalf (it raises the working
    precision where terms cancel), or None when it is not a finite real.  Deterministic and
    bounded (maxn), so every executor reaches the same verdict."""
    from verifier.expr import symbol

    subs = {symbol(k): sympy.Rational(v) for k, v in point.items()}  # the exact float64 point
    try:
        val = expr.evalf(DPS, subs=subs, maxn=4 * DPS * 10)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    if not val.is_Float:
        return None
    v = _MP.mpf(val._mpf_)
    return v if _float_ok(v) else None


def _agrees_with_more_precision(ctx: _Context, answer: sympy.Expr, failed: Sequence[int]) -> bool:
    """A mismatch caused by cancellation beyond DPS digits disappears with adaptive precision."""
    for i in failed[:3]:
        _tick()
        v = _precise_value(answer, ctx.points[i])
        if v is None or _values_match([ctx.d_values[i]], [v], ctx.atol) != (True, 1):
            return False
    return True


def _numeric_derivative(fn: _Evaluator, envs: Sequence[Mapping[str, Any]], var: str) -> list[Any]:
    """d/dvar of a compiled expression by a central difference at DPS digits.

    With h = 1e-15 (relative) the truncation error is ~h^2 = 1e-30 and the rounding error
    ~10^-DPS / h = 1e-25, both far below RTOL; unlike sympy.diff it costs two evaluations,
    whatever the size of the expression.
    """
    out: list[Any] = []
    for env in envs:
        _tick()
        x = env[var]
        step = _MP.mpf(10) ** -15 * max(_MP.one, abs(x))
        up, down = dict(env), dict(env)
        up[var], down[var] = x + step, x - step
        a, b = _evaluate(fn, up), _evaluate(fn, down)
        out.append(None if a is None or b is None else (a - b) / (2 * step))
    return out


def _mistake_detail(ctx: _Context, name: str, description: str, answer: sympy.Expr) -> str:
    if name in ("product_as_fprime_g", "product_missing_term"):
        missing = sympy.expand(ctx.correct - answer)
        with contextlib.suppress(Exception):
            missing = sympy.factor(missing)
        return f"product rule: missing the term {_format_expr(missing)}"
    return description


def _judge(ctx: _Context, answer: sympy.Expr) -> _Judgement:

    if any(answer == c for c in ctx.also_correct) or (answer - ctx.correct) == 0:
        return _Judgement("correct", f"the answer is the derivative {ctx.derivative_text}")
    fn = _compile(answer)
    d_fn = ctx.d_fn
    values: list[Any] = []
    isolated: list[dict[str, float]] = []
    for env, point in zip(ctx.envs, ctx.points, strict=True):
        _tick()
        v = _evaluate(fn, env)
        if not _float_ok(v):
            if _probe_isolated(ctx, fn, point, d_fn):
                isolated.append(point)
            else:
                d = float(ctx.d_values[len(values)])
                ce = Counterexample(point, d, None)
                return _Judgement(
                    "incorrect",
                    "the answer is undefined (or not finite) on a region where the derivative is "
                    f"defined: {ce.describe()}",
                    counterexample=ce,
                )
        values.append(v)
    compared = [i for i, v in enumerate(values) if _float_ok(v)]
    c = compare(
        np.array([ctx.d_values[i] for i in compared], dtype=object),
        [float(values[i]) for i in compared],
        rtol=RTOL,
        atol=ctx.atol,
    )
    note = ""
    if isolated:
        where = ", ".join(", ".join(f"{k} = {v:g}" for k, v in p.items()) for p in isolated)
        note = f" (undefined only at the isolated point {where}, which is allowed)"
    if c.ok and len(compared) >= MIN_POINTS:
        return _Judgement(
            "correct",
            f"equals the derivative {ctx.derivative_text} at {len(compared)} test points{note}",
        )
    failed = [compared[j] for j in range(len(compared)) if not c.passed[j]]
    if not failed:  # right wherever defined, but defined at too few test points to judge
        return _Judgement(
            "incorrect",
            f"the answer is undefined at most test points (defined at {len(compared)})",
        )
    if _agrees_with_more_precision(ctx, answer, failed):
        precise = [_precise_value(answer, ctx.points[i]) for i in compared]
        if _values_match([ctx.d_values[i] for i in compared], precise, ctx.atol) == (
            True,
            len(compared),
        ):
            return _Judgement(
                "correct",
                f"equals the derivative {ctx.derivative_text} at {len(compared)} test points "
                f"(terms cancel: checked with adaptive precision){note}",
            )
    bad = failed[0]  # the first failing point: nice points come first, easy to check by hand
    ce = Counterexample(ctx.points[bad], float(ctx.d_values[bad]), float(values[bad]))
    for variant in ctx.variants:
        _tick()
        if variant.kind == "derivative":
            antiderivative = _numeric_derivative(fn, ctx.envs, ctx.variable)
            matched, n = _values_match(ctx.f_values, antiderivative, ctx.atol)
        else:
            matched, n = _values_match(variant.values, values, ctx.atol)
        if matched and n >= MIN_POINTS:
            detail = _mistake_detail(ctx, variant.name, variant.description, answer)
            return _Judgement(
                "incorrect",
                f"{ce.describe()}; likely mistake: {detail}",
                counterexample=ce,
                mistake=variant.name,
                mistake_hint=variant.hint,
                mistake_detail=detail,
            )
    return _Judgement("incorrect", ce.describe(), counterexample=ce)


# ---------------------------------------------------------------------------------------------
# Reading answers: equations read as their right-hand side
# ---------------------------------------------------------------------------------------------

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_ARGS = rf"\(\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\)"
# Recognised left sides: f'(x) =, y' =, dy/dx =, d/dx =, df/dx =, d/dx f(x) =, ∂f/∂x =, f_x =
_LHS = re.compile(
    rf"""^\s*(?:
        (?P<prime>[A-Za-z])\s*(?:'|′)\s*(?P<pargs>{_ARGS})?
      | (?P<d1>d|∂)\s*(?P<num>[A-Za-z])?\s*(?P<nargs>{_ARGS})?\s*/\s*(?P<d2>d|∂)\s*(?P<den>{_NAME})
        (?:\s*(?P<after>[A-Za-z])\s*(?P<aargs>{_ARGS})?)?
      | (?P<sub>[A-Za-z])_\{{?(?P<subvar>{_NAME})\}}?
    )\s*=(?P<rhs>.*)$""",
    re.VERBOSE | re.DOTALL,
)


def split_equation(text: str, variable: str = "x", variables: Sequence[str] = ("x",)) -> str:
    """Strip a recognised derivative left side (``f'(x) =``, ``dy/dx =``) and return the rest.

    Text without ``=`` comes back unchanged; an unknown left side is a ParseError.

    >>> split_equation("f'(x) = 2x + 2")
    ' 2x + 2'
    >>> split_equation("dy/dx = 3x^2")
    ' 3x^2'
    """
    if "=" not in text:
        return text
    m = _LHS.match(text)
    if m is None:
        lhs = text.split("=", 1)[0].strip()
        raise ParseError(
            f"could not read the left side '{lhs[:40]}' of the equation",
            text=text[:200],
            position=text.index("="),
            hint="write just the derivative (2x + 2), or f'(x) = ..., y' = ..., dy/dx = ...",
        )
    named = m.group("den") or m.group("subvar")
    if named is not None and named != variable:
        raise ParseError(
            f"the left side differentiates with respect to {named}, but the question asks for {variable}",
            text=text[:200],
            hint=f"differentiate with respect to {variable}",
        )
    for group in ("pargs", "nargs", "aargs"):
        args = m.group(group)
        if args:
            names = [a.strip() for a in args.strip("() \t").split(",")]
            unknown = [a for a in names if a not in variables]
            if unknown:
                raise ParseError(
                    f"the left side names {', '.join(unknown)}, which is not a variable of this problem",
                    text=text[:200],
                    hint=f"the variables are {', '.join(variables)}",
                )
    rhs = m.group("rhs")
    if "=" in rhs:
        raise ParseError(
            "the answer has more than one '='",
            text=text[:200],
            position=len(text) - len(rhs) + rhs.index("="),
            hint="write a single derivative, e.g. f'(x) = 2x + 2",
        )
    return rhs


def _one_line(exc: VerifierError) -> str:
    msg = exc.message
    pos = getattr(exc, "position", None)
    if pos is not None:
        msg += f" at position {pos}"
    if exc.hint:
        msg += f" (hint: {exc.hint})"
    return " ".join(msg.split())


# ---------------------------------------------------------------------------------------------
# check(): one answer
# ---------------------------------------------------------------------------------------------


def check(
    function: str | sympy.Expr,
    answer: str,
    variable: str = "x",
    *,
    variables: Sequence[str] | None = None,
    time_limit: float | None = 2.0,
) -> Grade:
    """Grade ``answer`` as the derivative of ``function`` with respect to ``variable``.

    Policy (a careful teacher's, deterministic):

    * the answer is parsed by :mod:`verifier.expr` (never evaluated as code); an equation is read
      as its right-hand side (``f'(x) = ...``, ``y' = ...``, ``dy/dx = ...``, ``d/dx = ...``);
      unparseable text is ``invalid`` with the parser's message and hint;
    * the answer is compared with the rule engine's derivative (cross-checked with ``sympy.diff``)
      at seeded test points where f and f' are real and finite, in mpmath at 40 digits, with
      :func:`verifier.compare.compare` (rtol 1e-12, absolute floor 1e-20 x max |f'|);
    * where the answer is undefined but f' is defined: an isolated point (the answer is right
      just beside it) is ignored, a region makes the answer incorrect;
    * the fast path is a symbolic zero (the answer and f' are the same sympy expression after
      sympy's automatic simplification); no unbounded ``simplify`` is ever called;
    * where the 40-digit values differ because terms of the answer cancel beyond 40 digits,
      sympy's adaptive-precision ``evalf`` (bounded) re-evaluates the failing points;
    * an incorrect answer that matches a faulty rule variant (verifier.symbolic.rules) or a whole-answer
      mistake (sign error, the function itself, an antiderivative, another variable's partial)
      gets that mistake's name and hint.

    The problem's function is trusted input: if it does not parse, the error is raised.

    >>> check("x^2 + 2x", "(2x^2 - 2)/(x - 1)").verdict
    'correct'
    >>> check("ln(x)", "1/|x|").verdict
    'correct'
    >>> check("x^2", "3.0001x").verdict
    'incorrect'
    >>> check("x^2 y + y^3", "2xy", variable="x", variables=("x", "y")).verdict
    'correct'
    >>> check("x^2", "2x +").verdict
    'invalid'
    """
    names = tuple(variables) if variables else (variable,)
    setup_limit = max(10.0, 5 * (time_limit or 0))  # the teacher's function gets more room
    try:
        with _time_limit(setup_limit):
            ctx = _problem_context(function, variable, names)
    except _TimeUp:
        raise LimitError(
            f"preparing the problem {function!s:.60} took longer than {setup_limit:g} s",
            limit="time",
            hint="simplify the problem's function",
        ) from None
    base = {
        "function": ctx.function,
        "answer": answer,
        "variable": variable,
        "steps": ctx.steps_text,
        "derivative": ctx.derivative_text,
    }
    if not isinstance(answer, str):
        return Grade("invalid", "the answer is not text", **{**base, "answer": repr(answer)})
    if len(answer) > _MAX_FIELD:
        return Grade(
            "invalid",
            f"the answer is {len(answer)} characters long (limit {_MAX_FIELD})",
            **{**base, "answer": answer[:200] + "..."},
        )
    try:
        with _time_limit(time_limit):
            rhs = split_equation(answer, variable, names)
            if not rhs.strip():
                raise ParseError("the answer is empty", text=answer, hint="type the derivative")
            parsed = _parse(rhs, names)
            expr = parsed.expr
            warnings = tuple(parsed.warnings) + ctx.notes
            read_as = _READ_AS.get(expr)
            if read_as is None:
                read_as = _READ_AS[expr] = _format_expr(expr)
                if len(_READ_AS) > 20_000:
                    _READ_AS.clear()
            jkey = (ctx.key, expr)
            judgement = _JUDGEMENTS.get(jkey)
            if judgement is None:
                judgement = _judge(ctx, expr)
                if len(_JUDGEMENTS) > 20_000:
                    _JUDGEMENTS.clear()
                _JUDGEMENTS[jkey] = judgement
    except VerifierError as exc:
        return Grade("invalid", _one_line(exc), **base)
    reason = judgement.reason
    if parsed.warnings:
        reason += "; note: " + "; ".join(parsed.warnings)
    return Grade(
        judgement.verdict,
        reason,
        read_as=read_as,
        counterexample=judgement.counterexample,
        mistake=judgement.mistake,
        mistake_hint=judgement.mistake_hint,
        mistake_detail=judgement.mistake_detail,
        warnings=warnings,
        **base,
    )


# ---------------------------------------------------------------------------------------------
# A class: problems.toml, submissions.csv, grading on an executor, reports
# ---------------------------------------------------------------------------------------------


def load_problems(path: str | os.PathLike[str]) -> dict[str, Problem]:
    """Read ``[[problem]]`` tables (id, function, variable or variables, points) from TOML.

    Every function is parsed here, so a broken problem is reported before any grading, as a
    CaseError naming the file, the problem id and the key.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
    >>> _ = p.write_text('[[problem]]\\nid = "p1"\\nfunction = "x^3"\\npoints = 2\\n')
    >>> load_problems(p)["p1"].points
    2.0
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseError("file not found", path=str(p), hint="check the --problems path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CaseError(f"not valid TOML: {exc}", path=str(p)) from None
    tables = data.get("problem")
    if not isinstance(tables, list) or not tables:
        raise CaseError(
            "no [[problem]] tables", path=str(p), key="problem",
            hint='write [[problem]] id = "p1" function = "x^2" variable = "x" points = 1',
        )  # fmt: skip
    problems: dict[str, Problem] = {}
    allowed = {"id", "function", "variable", "variables", "points"}
    for i, t in enumerate(tables, start=1):
        pid = t.get("id")
        if isinstance(pid, int) and not isinstance(pid, bool):
            pid = str(pid)  # id = 3 and a CSV saying 3 mean the same problem
        if not isinstance(pid, str) or not pid.strip():
            raise CaseError(f"problem #{i} has no string 'id'", path=str(p), key="id")
        extra = sorted(set(t) - allowed)
        if extra:
            raise CaseError(
                f"unknown key {extra[0]!r}", path=str(p), case_id=pid, key=extra[0],
                hint=f"allowed keys: {', '.join(sorted(allowed))}",
            )  # fmt: skip
        if pid in problems:
            raise CaseError("duplicate problem id", path=str(p), case_id=pid, key="id")
        fn = t.get("function")
        if not isinstance(fn, str) or not fn.strip():
            raise CaseError("missing or empty 'function'", path=str(p), case_id=pid, key="function")
        variable = t.get("variable")
        variables = t.get("variables")
        if variables is not None:
            if not (
                isinstance(variables, list)
                and variables
                and all(isinstance(v, str) for v in variables)
            ):
                raise CaseError(
                    "'variables' must be a list of names", path=str(p), case_id=pid, key="variables"
                )
            variables = tuple(variables)
            if variable is None:
                variable = variables[0]
        variable = "x" if variable is None else variable
        if not isinstance(variable, str):
            raise CaseError("'variable' must be a name", path=str(p), case_id=pid, key="variable")
        if variables is not None and variable not in variables:
            raise CaseError(
                f"variable {variable!r} is not in variables",
                path=str(p),
                case_id=pid,
                key="variable",
            )
        pts = t.get("points", 1)
        if isinstance(pts, bool) or not isinstance(pts, int | float) or pts < 0:
            raise CaseError(
                "'points' must be a number >= 0", path=str(p), case_id=pid, key="points"
            )
        prob = Problem(pid, fn, variable, variables, float(pts))
        try:
            _parse(fn, prob.all_variables())
        except VerifierError as exc:
            raise CaseError(
                f"the function does not parse: {_one_line(exc)}",
                path=str(p),
                case_id=pid,
                key="function",
            ) from None
        problems[pid] = prob
    return problems


# bytes that were not UTF-8, kept by the 'surrogateescape' decoding as lone surrogates
_UNDECODED = re.compile("[\udc80-\udcff]")

DEFAULT_COLUMNS = {"student": "student", "problem": "problem", "answer": "answer"}


def read_submissions(path: str | os.PathLike[str], *, columns: Mapping[str, str] | None = None):
    """Read a submissions CSV into a DataFrame, one row per data line, never failing on a row.

    Columns: the CSV's own columns (as text) plus ``_line`` (1-based line in the file) and
    ``_error`` (why the row cannot be graded: wrong field count, missing field, bytes that are not
    UTF-8, a field over 20,000 characters; '' when fine).  ``columns`` maps the roles
    student/problem/answer to the CSV's header names.  A missing file or header is an error.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("student,problem,answer\\nann,p1,2x\\nbob,p1\\n")
    >>> read_submissions(p)[["student", "_error"]].values.tolist()
    [['ann', ''], ['bob', 'row has 2 fields, expected 3']]
    """
    import pandas as pd

    cols = {**DEFAULT_COLUMNS, **(columns or {})}
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise VerifierError(f"{p}: file not found", hint="check the submissions path") from None
    text = raw.decode("utf-8-sig", errors="surrogateescape")  # bad bytes become marked, per row
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 50 * 1024 * 1024))
    try:
        first = text.split("\n", 1)[0]
        # Spreadsheets in some locales export ';' or tab separated "CSV": follow the header.
        delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            raise VerifierError(
                f"{p}: no header line", hint="the first line names the columns"
            ) from None
        header = [h.strip() for h in header]
        missing = [f"{role} ('{name}')" for role, name in cols.items() if name not in header]
        if missing:
            raise VerifierError(
                f"{p}: missing column {', '.join(missing)}; the header is {', '.join(header)}",
                hint="map the columns with --student-col, --problem-col, --answer-col",
            )
        rows: list[dict[str, Any]] = []
        while True:
            line = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                rows.append({"_line": line, "_error": f"unreadable CSV row: {exc}"})
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            row: dict[str, Any] = {"_line": line, "_error": ""}
            for h, v in zip(header, fields, strict=False):
                row[h] = v
            if len(fields) != len(header):
                row["_error"] = f"row has {len(fields)} fields, expected {len(header)}"
            for h in header:
                v = row.get(h, "")
                if _UNDECODED.search(v):
                    row["_error"] = row["_error"] or f"column '{h}' has bytes that are not UTF-8"
                    row[h] = v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                if len(row.get(h, "")) > _MAX_FIELD:
                    row["_error"] = row["_error"] or (
                        f"column '{h}' is {len(v)} characters long (limit {_MAX_FIELD})"
                    )
                    row[h] = row[h][:200] + "..."
            for role in ("student", "problem", "answer"):
                if not row["_error"] and not str(row.get(cols[role], "")).strip():
                    row["_error"] = f"missing {role} ('{cols[role]}')"
            rows.append(row)
    finally:
        csv.field_size_limit(old_limit)
    frame = pd.DataFrame(rows, columns=["_line", *header, "_error"]).fillna("")
    return frame


def _grade_one(problem: Problem, answer: str, time_limit: float) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        g = check(
            problem.function,
            answer,
            problem.variable,
            variables=problem.variables,
            time_limit=time_limit,
        )
        out = {
            "verdict": g.verdict,
            "reason": g.reason,
            "mistake": g.mistake or "",
            "read_as": g.read_as or "",
        }
    except _TimeUp:
        out = {
            "verdict": "error",
            "reason": f"timed out after {time_limit:g} s",
            "mistake": "",
            "read_as": "",
        }
    except VerifierError as exc:
        out = {"verdict": "error", "reason": _one_line(exc), "mistake": "", "read_as": ""}
    except RecursionError:
        out = {
            "verdict": "error",
            "reason": "the answer is nested too deeply",
            "mistake": "",
            "read_as": "",
        }
    except (MemoryError, Exception) as exc:  # one answer's crash must not stop the class
        out = {
            "verdict": "error",
            "reason": f"internal error: {type(exc).__name__}: {str(exc)[:200]}",
            "mistake": "",
            "read_as": "",
        }
    out["seconds"] = time.perf_counter() - start
    return out


def grade_batch(
    problem: Problem, answers: Sequence[str], time_limit: float = 2.0
) -> list[dict[str, Any]]:
    """Grade answers to one problem (the unit of work sent to an executor); never raises.

    Each result: verdict (correct|incorrect|invalid|error), reason, mistake, read_as, seconds.

    >>> [r["verdict"] for r in grade_batch(Problem("p", "x^2"), ["2x", "x", "2x+"])]
    ['correct', 'incorrect', 'invalid']
    """
    return [_grade_one(problem, a, time_limit) for a in answers]


class _InlineExecutor(Executor):
    """Runs each task at submit time in this thread (the default: no pool start-up)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any):
        from concurrent.futures import Future

        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


def grade_class(
    submissions: Any,
    problems: str | os.PathLike[str] | Mapping[str, Problem] | Iterable[Problem],
    *,
    executor: Executor | None = None,
    time_limit: float = 2.0,
    columns: Mapping[str, str] | None = None,
    out: str | os.PathLike[str] | None = None,
    batch_size: int = 200,
    progress: bool = False,
):
    """Grade a class: one output row per submission row, in input order.

    ``submissions``: a CSV path or a DataFrame (as :func:`read_submissions` returns);
    ``problems``: a TOML path (see :func:`load_problems`) or Problems.  Identical
    (problem, answer) pairs are graded once; work is sent to ``executor`` (any
    ``concurrent.futures.Executor``: a process pool, ``distributed.Client.get_executor()``)
    in batches of at most ``batch_size`` answers to one problem.  The per-answer time limit is
    enforced inside the worker.  Added columns: verdict (correct|incorrect|invalid|error),
    score, reason, mistake, read_as, seconds.  With ``out`` the reports are written there.

    >>> import pandas as pd
    >>> subs = pd.DataFrame({"student": ["a", "b", "c"], "problem": ["p", "p", "q"],
    ...                      "answer": ["2x", "x^2", "1"]})
    >>> graded = grade_class(subs, [Problem("p", "x^2", points=2)])
    >>> graded[["verdict", "score", "mistake"]].values.tolist()
    [['correct', 2.0, ''], ['incorrect', 0.0, 'original_function'], ['error', 0.0, '']]
    """
    import pandas as pd

    cols = {**DEFAULT_COLUMNS, **(columns or {})}
    if isinstance(problems, str | os.PathLike):
        probs = load_problems(problems)
    elif isinstance(problems, Mapping):
        probs = dict(problems)
    else:
        probs = {p.id: p for p in problems}
    if isinstance(submissions, pd.DataFrame):
        frame = submissions.copy()
        missing = [name for name in cols.values() if name not in frame.columns]
        if missing:
            raise VerifierError(f"submissions have no column {', '.join(missing)}")
        if "_error" not in frame.columns:
            frame["_error"] = ""
    else:
        frame = read_submissions(submissions, columns=cols)
    n = len(frame)
    verdict = [""] * n
    reason = [""] * n
    mistake = [""] * n
    read_as = [""] * n
    seconds = [0.0] * n
    pending: dict[tuple[str, str], list[int]] = {}
    for i, (err, pid, ans) in enumerate(
        zip(
            frame["_error"].astype(str),
            frame[cols["problem"]].astype(str),
            frame[cols["answer"]].astype(str),
            strict=True,
        )
    ):
        if err:
            verdict[i], reason[i] = "error", err
        elif pid.strip() not in probs:
            verdict[i], reason[i] = "error", f"unknown problem id {pid.strip()!r}"
        else:
            pending.setdefault((pid.strip(), ans), []).append(i)
    by_problem: dict[str, list[str]] = {}
    for pid, ans in pending:
        by_problem.setdefault(pid, []).append(ans)
    tasks = []
    for pid, answers in by_problem.items():
        for k in range(0, len(answers), batch_size):
            tasks.append((pid, answers[k : k + batch_size]))
    ex = executor or _InlineExecutor()
    futures = [
        (pid, chunk, ex.submit(grade_batch, probs[pid], chunk, time_limit)) for pid, chunk in tasks
    ]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(pending), unit="answer", desc="grading", leave=False)
    for pid, chunk, fut in futures:
        try:
            results = fut.result()
        except BaseException as exc:  # a dead worker: its answers become error rows, the rest go on
            if isinstance(exc, KeyboardInterrupt):
                raise
            results = [
                {"verdict": "error", "reason": f"worker failed: {type(exc).__name__}: {str(exc)[:200]}",
                 "mistake": "", "read_as": "", "seconds": 0.0}
                for _ in chunk
            ]  # fmt: skip
        for ans, res in zip(chunk, results, strict=True):
            for i in pending[(pid, ans)]:
                verdict[i], reason[i] = res["verdict"], res["reason"]
                mistake[i], read_as[i] = res["mistake"], res["read_as"]
                seconds[i] = res["seconds"]
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    frame = frame.drop(columns=["_error"])
    if "_line" in frame.columns:  # the input line, unless the CSV has its own 'line' column
        frame = (
            frame.rename(columns={"_line": "line"})
            if "line" not in frame
            else frame.drop(columns=["_line"])
        )
    frame["verdict"] = verdict
    points = [
        probs[p.strip()].points if (v == "correct" and p.strip() in probs) else 0.0
        for v, p in zip(verdict, frame[cols["problem"]].astype(str), strict=True)
    ]
    frame["score"] = points
    frame["reason"] = reason
    frame["mistake"] = mistake
    frame["read_as"] = read_as
    frame["seconds"] = seconds
    frame.attrs["columns"] = cols
    frame.attrs["problems"] = {pid: dataclasses.asdict(p) for pid, p in probs.items()}
    frame.attrs["unique_answers"] = len(pending)
    if out is not None:
        write_grades(frame, out)
    return frame


def summarize(graded: Any) -> tuple[Any, Any]:
    """Per-problem and per-student summaries of a graded frame.

    Per problem: submissions, correct, % correct, incorrect, invalid, error, most common mistakes.
    Per student: score (the best attempt at each problem counts), max score (all problems),
    answered, correct.

    >>> import pandas as pd
    >>> subs = pd.DataFrame({"student": ["a", "b"], "problem": ["p", "p"], "answer": ["2x", "x^2"]})
    >>> per_problem, per_student = summarize(grade_class(subs, [Problem("p", "x^2")]))
    >>> per_problem[["problem", "submissions", "% correct"]].values.tolist()
    [['p', 2, 50.0]]
    """
    import pandas as pd

    cols = graded.attrs.get("columns", DEFAULT_COLUMNS)
    probs = graded.attrs.get("problems", {})
    pcol, scol = cols["problem"], cols["student"]
    rows = []
    for pid, group in graded.groupby(graded[pcol].astype(str).str.strip(), sort=True):
        counts = Counter(group["verdict"])
        mistakes = Counter(m for m in group["mistake"] if m)
        rows.append(
            {
                "problem": pid,
                "submissions": len(group),
                "correct": counts["correct"],
                "% correct": round(100.0 * counts["correct"] / len(group), 1),
                "incorrect": counts["incorrect"],
                "invalid": counts["invalid"],
                "error": counts["error"],
                "most common mistakes": ", ".join(f"{m} ({c})" for m, c in mistakes.most_common(3)),
            }
        )
    per_problem = pd.DataFrame(rows)
    srows = []
    total = sum(p.get("points", 0.0) for p in probs.values())
    for sid, group in graded.groupby(graded[scol].astype(str), sort=True):
        answered = group[pcol].astype(str).str.strip()
        # several attempts at one problem count once: the best one
        best = group.groupby(answered)["score"].max()
        srows.append(
            {
                "student": sid,
                "score": float(best.sum()),
                "max score": float(total),
                "answered": len(group),
                "correct": int((group["verdict"] == "correct").sum()),
            }
        )
    per_student = pd.DataFrame(srows)
    return per_problem, per_student


def write_grades(graded: Any, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``graded.csv``, ``summary.md`` and ``summary.html`` into ``out``, each file whole.

    >>> import tempfile, pandas as pd
    >>> subs = pd.DataFrame({"student": ["a"], "problem": ["p"], "answer": ["2x"]})
    >>> paths = write_grades(grade_class(subs, [Problem("p", "x^2")]), tempfile.mkdtemp())
    >>> sorted(p.name for p in paths.values())
    ['graded.csv', 'summary.html', 'summary.md']
    """
    import html

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    per_problem, per_student = summarize(graded)
    counts = Counter(graded["verdict"])
    headline = (
        f"{len(graded)} submissions: {counts['correct']} correct, {counts['incorrect']} incorrect, "
        f"{counts['invalid']} invalid, {counts['error']} error"
    )
    csv_text = graded.drop(columns=["seconds"], errors="ignore").to_csv(index=False)
    md = "\n".join(
        [
            "# Grades",
            "",
            headline,
            "",
            "## Per problem",
            "",
            per_problem.to_markdown(index=False) if len(per_problem) else "(none)",
            "",
            "## Per student",
            "",
            per_student.to_markdown(index=False) if len(per_student) else "(none)",
            "",
        ]
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grades</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2em .5em}</style></head><body>"
        f"<h1>Grades</h1><p>{html.escape(headline)}</p>"
        f"<h2>Per problem</h2>{per_problem.to_html(index=False)}"
        f"<h2>Per student</h2>{per_student.to_html(index=False)}</body></html>\n"
    )
    paths = {"graded": d / "graded.csv", "markdown": d / "summary.md", "html": d / "summary.html"}
    write_atomic(paths["graded"], csv_text)
    write_atomic(paths["markdown"], md)
    write_atomic(paths["html"], page)
    return paths
