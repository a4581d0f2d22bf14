"""A problem prepared for judging: the exact derivative, test points, exact values, mistakes.

:func:`prepare` does the per-problem work once (cached): the reference derivation
(:mod:`verifier.reference`, cross-checked against ``sympy.diff`` there), seeded test points
where f and f' are finite reals (nice points first, so counterexamples are easy to check by
hand), the exact values there (the one evaluator, :mod:`verifier.numeric.evaluate`), and the
values of every diagnosable mistake (:mod:`verifier.symbolic.mistakes`).  Values are compared
under the ``derivative`` row of :data:`verifier.policy.POLICY`.

>>> p = prepare("x^3 e^x", "x", ("x",))
>>> p.derivative_text, len(p.points), p.points[0]
('x^3 e^x + 3x^2 e^x', 16, {'x': 0.5})
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from verifier import reference
from verifier.compare import clearly_apart
from verifier.errors import UnsupportedError, VerifierError
from verifier.homework.answer import as_expression
from verifier.i18n import _, language
from verifier.limits import tick
from verifier.numeric.estimate import finite_difference
from verifier.numeric.evaluate import Undefined, mp_compile, mp_value_adaptive, mpf
from verifier.policy import POLICY, derivative_comparison
from verifier.symbolic.mistakes import WHOLE_ANSWER_MISTAKES, wrong_derivatives

__all__ = [
    "Prepared",
    "Variant",
    "clear_cache",
    "numeric_derivative",
    "precise_value",
    "prepare",
    "same_values",
    "value",
]

N_POINTS = 16  # test points per problem (nice points first, then seeded random ones)
MIN_POINTS = 4  # fewer valid points than this: the problem's domain is too thin to judge
SEED = 20240611
_N_NICE = 6  # at most this many nice points, so seeded random points always take part


def value(fn: Callable[[Any], Any], env: Any) -> Any:
    """``fn(env)`` (a compiled expression at one point), or None where it is not a finite real
    that float64 can show.

    >>> from verifier.expr import symbol
    >>> value(mp_compile(sympy.log(symbol("x"))), {"x": mpf(-1)}) is None
    True
    """
    try:
        v = fn(env)
    except (Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None
    return v if abs(v) < 1e300 else None


def precise_value(expr: sympy.Expr, point: Mapping[str, float]) -> Any:
    """The value by adaptive-precision evaluation (terms that cancel beyond 40 digits), or None.

    >>> from verifier.expr import parse
    >>> float(precise_value(parse("(x + 10^30)^2 - x^2 - 2*10^30 x - 10^60 + x"), {"x": 0.5}))
    0.5
    """
    v = mp_value_adaptive(expr, point)
    return v if v is not None and abs(v) < 1e300 else None


_NAN = mpf("nan")


def numeric_derivative(fn: Any, envs: Sequence[Mapping[str, Any]], var: str) -> list[Any]:
    """d/dvar of a compiled expression at each point by the central stencil at 40 digits,
    through :func:`verifier.numeric.estimate.finite_difference` (None: undefined nearby).

    With h = 1e-15 (relative) the truncation error is ~h^2 = 1e-30 and the rounding error
    ~10^-40 / h = 1e-25, both far below the policy's rtol; unlike sympy.diff it costs two
    evaluations, whatever the size of the expression.

    >>> from verifier.expr import parse
    >>> d = numeric_derivative(mp_compile(parse("x^3")), [{"x": mpf(2)}, {"x": mpf(-1)}], "x")
    >>> [round(float(v), 12) for v in d]
    [12.0, 3.0]
    """
    steps = np.array([mpf(10) ** -15 * max(1, abs(env[var])) for env in envs], dtype=object)

    def shifted(d: np.ndarray) -> np.ndarray:  # d: (len(envs), 2) displacements of var
        out = np.empty(d.shape, dtype=object)
        for idx in np.ndindex(d.shape):
            tick()
            env = envs[idx[0]]
            v = value(fn, {**env, var: env[var] + d[idx]})
            out[idx] = _NAN if v is None else v
        return out

    est = finite_difference(shifted, "central", steps)
    return [None if e != e else e for e in np.ravel(est)]  # NaN != NaN: undefined nearby


@dataclass(frozen=True)
class Variant:
    """A diagnosable mistake's values at the test points (None where undefined)."""

    name: str
    description: str
    hint: str
    values: tuple[Any, ...]
    kind: str = "value"  # "value": compare the answer; "derivative": compare d(answer)/dvar


@dataclass(frozen=True, eq=False)
class Prepared:
    """One problem ready for judging (see :func:`prepare`)."""

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
    scale: float  # max |f'| over the test points: the policy's absolute floor is relative to it
    variants: tuple[Variant, ...]
    derivative_text: str
    steps_text: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self):
        """The test points with f and f' there (floats), one row per point.

        >>> prepare("x^2", "x", ("x",)).to_frame().iloc[0].tolist()
        [0.5, 0.25, 1.0]
        """
        import pandas as pd

        rows = [
            {**q, "f": float(f), "f'": float(d)}
            for q, f, d in zip(self.points, self.f_values, self.d_values, strict=True)
        ]
        return pd.DataFrame(rows, columns=[*self.variables, "f", "f'"])

    def env(self, point: Sequence[float] | dict[str, float]) -> dict[str, Any]:
        """The exact (mpf) environment of a point given as numbers or a mapping."""
        if isinstance(point, dict):
            point = [point[k] for k in self.variables]
        return {n: mpf(v) for n, v in zip(self.variables, point, strict=True)}


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


def _derivation(expr: sympy.Expr, var: str, order: int = 1) -> Any:
    try:
        return reference.derivation(expr, var, order)
    except UnsupportedError:  # a head without a rule: a visible fallback step (sympy.diff)
        from verifier.symbolic.rules import differentiate

        return differentiate(expr, var, order=order, fallback=True)


def same_values(reference_values: Sequence[Any], values: Sequence[Any], scale: float) -> bool:
    """True when ``values`` are the derivative's ``reference_values`` wherever both are
    defined (None: undefined) under the policy's ``derivative`` row, at >= 1 point.

    >>> same_values([mpf(2), None], [2.0, 5.0], 2.0), same_values([mpf(2)], [2.0 + 1e-9], 2.0)
    (True, False)
    """
    idx = [i for i, (r, v) in enumerate(zip(reference_values, values, strict=True))
           if r is not None and v is not None]  # fmt: skip
    if not idx:
        return False
    ref = np.array([reference_values[i] for i in idx], dtype=object)
    vals = [float(values[i]) for i in idx]
    rule = POLICY["derivative"]  # derivative_comparison's tolerances, for the cheap screen
    if clearly_apart(ref, vals, rtol=rule.rtol, atol=rule.atol * max(1.0, float(scale))):
        return False  # a clear mismatch (most wrong answers): no exact comparison needed
    return derivative_comparison(ref, vals, scale).ok


_CACHE: dict[tuple[Any, ...], Prepared] = {}


def clear_cache() -> None:
    """Forget every prepared problem (benchmarks time cold work).

    >>> clear_cache()
    """
    _CACHE.clear()


def prepare(
    function: str | sympy.Expr, variable: str, variables: tuple[str, ...], order: int = 1
) -> Prepared:
    """The problem "differentiate ``function`` by ``variable``" ready for judging (cached).

    ``function`` is text (parsed with ``variables``) or a sympy expression (symbols matched by
    name).  It is trusted input: a parse error or an empty domain raises.  ``order=n`` asks
    for the n-th derivative (its values, steps pass by pass, and its mistakes).

    >>> prepare("x^4", "x", ("x",), 2).derivative_text
    '12x^2'
    """
    if not isinstance(function, str):
        function = as_expression(function, variables)
    fkey = function if isinstance(function, str) else sympy.srepr(function)
    # the steps, notes and mistakes are worded in the current language
    key = (fkey, variable, variables, language()) + (() if order == 1 else (order,))
    prepared = _CACHE.get(key)
    if prepared is None:
        prepared = _build(function, variable, variables, key, order)
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = prepared
    return prepared


def _build(
    function: str | sympy.Expr,
    variable: str,
    variables: tuple[str, ...],
    key: tuple[Any, ...],
    order: int = 1,
) -> Prepared:
    from verifier.expr import parse_with_warnings, symbol
    from verifier.symbolic.steps import format_expr, render_steps

    if variable not in variables:
        raise VerifierError(
            _("the variable {variable} is not among the variables {variables}").format(
                variable=repr(variable), variables=", ".join(variables)
            ),
            hint=_("pass variables=(...) including the variable to differentiate by"),
        )
    if isinstance(function, str):
        expr = parse_with_warnings(function, variables).expr
        ftext = function
    else:
        expr = function
        ftext = format_expr(function)
    derivation = _derivation(expr, variable, order)
    correct = derivation.result
    f_fn, d_fn = mp_compile(expr), mp_compile(correct)
    points: list[dict[str, float]] = []
    envs: list[dict[str, Any]] = []
    fv: list[Any] = []
    dv: list[Any] = []
    nice = _nice_candidates(len(variables))
    for i, cand in enumerate(nice + _random_candidates(len(variables), 400, SEED)):
        if len(points) >= N_POINTS:
            break
        if i < len(nice) and len(points) >= _N_NICE:
            continue
        env = {n: mpf(v) for n, v in zip(variables, cand, strict=True)}
        f_val = value(f_fn, env)
        d_val = None if f_val is None else value(d_fn, env)
        if d_val is not None:
            points.append(dict(zip(variables, cand, strict=True)))
            envs.append(env)
            fv.append(f_val)
            dv.append(d_val)
    if len(points) < MIN_POINTS:
        raise VerifierError(
            _(
                "could not find {n} points where {function} and its derivative are real and finite"
            ).format(n=MIN_POINTS, function=ftext),
            hint=_("check the function; its domain may be empty or very small"),
        )
    notes: list[str] = []
    also_correct = [correct]
    oracle = reference.crosscheck(
        expr, variable, [[q[n] for n in variables] for q in points], variables=variables,
        derivative=correct, order=order,
    )  # fmt: skip
    if oracle.verdict == "fail":
        # The rule engine disagrees with sympy.diff: grade against the oracle, say so.
        notes.append(_("graded with sympy.diff: {reason}").format(reason=oracle.reason))
        correct = sympy.diff(expr, symbol(variable), order)
        d_fn = mp_compile(correct)
        dv = [value(d_fn, env) for env in envs]
        keep = [i for i, v in enumerate(dv) if v is not None]
        points, envs = [points[i] for i in keep], [envs[i] for i in keep]
        fv, dv = [fv[i] for i in keep], [dv[i] for i in keep]
    elif derivation.unsimplified != correct:
        also_correct.append(derivation.unsimplified)
    scale = max(1.0, max(abs(float(v)) for v in dv))
    return Prepared(
        key=key,
        function=ftext,
        variable=variable,
        variables=variables,
        expr=expr,
        correct=correct,
        also_correct=tuple(also_correct),
        derivation=derivation,
        points=tuple(points),
        envs=tuple(envs),
        f_values=tuple(fv),
        d_values=tuple(dv),
        scale=scale,
        variants=_variants(expr, variable, variables, correct, envs, dv, scale, derivation),
        derivative_text=format_expr(correct),
        steps_text=render_steps(derivation, format="text"),
        notes=tuple(notes),
    )


def _variants(
    expr: sympy.Expr,
    variable: str,
    variables: tuple[str, ...],
    correct: sympy.Expr,
    envs: Sequence[dict[str, Any]],
    dv: Sequence[Any],
    scale: float,
    derivation: Any = None,
) -> tuple[Variant, ...]:
    """The mistakes whose values differ from the derivative's at the test points (a mistake
    defined at fewer than MIN_POINTS of them, or equal there, cannot be diagnosed).

    For a higher derivative the faulty rules are those of its last pass (of f^(n-1)), the
    function's own first derivative is the mistake ``first_derivative_given``, and
    ``wrong_variable`` (a first partial) does not apply."""
    passes = getattr(derivation, "passes", ())
    computed: dict[sympy.Expr, tuple[Any, ...]] = {}

    def values_of(res: sympy.Expr) -> tuple[Any, ...]:
        if res not in computed:
            fn = mp_compile(res)
            computed[res] = tuple(value(fn, env) for env in envs)
        return computed[res]

    def differs(wrong: sympy.Expr, _correct: sympy.Expr = correct) -> bool:
        vals = values_of(wrong)
        if sum(v is not None for v in vals) < MIN_POINTS:
            return False
        return not same_values(dv, vals, scale)

    variants: list[Variant] = []
    # A function without faulty variants still gets the whole-answer mistakes below.
    with contextlib.suppress(VerifierError):
        last = passes[-1].expr if passes else expr
        for wd in wrong_derivatives(last, variable, differs=differs):
            m = wd.mistake
            variants.append(Variant(m.name, _(m.description), _(m.hint), values_of(wd.result)))
    for name, (desc, hint, kind, build) in WHOLE_ANSWER_MISTAKES.items():
        if (name == "first_derivative_given" and not passes) or (
            name == "wrong_variable" and passes
        ):
            continue
        others = [o for o in variables if o != variable] if name == "wrong_variable" else [None]
        others = [variable] if name == "first_derivative_given" else others
        for other in others:
            if name == "wrong_variable":
                desc = _(
                    "the answer is the partial derivative with respect to {other}, not {variable}"
                ).format(other=other, variable=variable)
            res = build(expr, correct, other)
            if kind == "value" and not differs(res):
                continue  # gives the right answer here: not a diagnosable mistake
            variants.append(Variant(name, _(desc), _(hint), values_of(res), kind))
    # an answer that is exactly f' says more than a faulty rule that happens to give it too
    variants.sort(key=lambda v: v.name != "first_derivative_given")
    return tuple(variants)
