"""The rule engine: a table of derivative rules, applied to a sympy expression, with steps.

One table, :data:`RULES`, maps a sympy *head* (``Add``, ``Mul``, ``Pow``, ``sin``,
...) to a small rule function.  Each rule's docstring states its identity.  A rule
returns a frozen :class:`Step` that carries its own result and the steps it used,
so the whole derivation is a tree computed once and printed separately
(:mod:`verifier.symbolic.steps`).  A head with no row raises :class:`UnsupportedError`
naming it, or (``fallback=True``) becomes a visible ``fallback`` step computed by
``sympy.diff``.

Mistakes students make are *faulty variants of rows of the same table*
(:data:`MISTAKES`): :func:`wrong_derivatives` swaps one row for its faulty twin
and differentiates again, so the mistake is applied everywhere its rule applies.

>>> from verifier.expr import symbol
>>> import sympy
>>> x = symbol("x")
>>> d = differentiate(x**3 * sympy.exp(x), x)
>>> d.result
x**3*exp(x) + 3*x**2*exp(x)
>>> [s.rule for s in d.steps]
['product', 'power', 'exp']
"""

from __future__ import annotations

import cmath
import functools
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from verifier.compare import compare
from verifier.errors import LimitError, UnsupportedError, VerifierError
from verifier.expr import symbol

__all__ = [
    "RULE_NAMES",
    "RULE_INFO",
    "RULES",
    "MISTAKES",
    "MISTAKE_RULES",
    "Chain",
    "Step",
    "Derivation",
    "Mistake",
    "WrongDerivative",
    "differentiate",
    "gradient",
    "wrong_derivatives",
    "light_simplify",
    "identity_of",
    "clear_caches",
]

# --------------------------------------------------------------------------- vocabulary

#: rule name -> (label shown to a student, identity as plain text, identity as LaTeX).
#: These names are a fixed vocabulary: case files list them in ``rules = [...]``.
RULE_INFO: dict[str, tuple[str, str, str]] = {
    "constant": ("constant rule", "(c)' = 0", r"(c)' = 0"),
    "variable": ("variable rule", "(x)' = 1", r"(x)' = 1"),
    "constant_multiple": ("constant multiple rule", "(c f)' = c f'", r"(c f)' = c f'"),
    "sum": ("sum rule", "(f + g)' = f' + g', (f + c)' = f'", r"(f + g)' = f' + g'"),
    "power": ("power rule", "(x^n)' = n x^(n-1)", r"(x^n)' = n x^{n-1}"),
    "exp": ("exp rule", "(e^x)' = e^x", r"(e^x)' = e^x"),
    "general_exponential": (
        "general exponential rule",
        "(a^x)' = a^x ln(a)",
        r"(a^x)' = a^x \ln a",
    ),
    "product": ("product rule", "(f g)' = f' g + f g'", r"(f g)' = f' g + f g'"),
    "quotient": (
        "quotient rule",
        "(f/g)' = (f' g - f g')/g^2",
        r"\left(\frac{f}{g}\right)' = \frac{f' g - f g'}{g^2}",
    ),
    "chain": ("chain rule", "(f(u))' = f'(u) u'", r"(f(u))' = f'(u)\,u'"),
    "log": ("log rule", "(ln x)' = 1/x", r"(\ln x)' = \frac{1}{x}"),
    "trig": ("trig rule", "(sin x)' = cos x, (cos x)' = -sin x, ...", r"(\sin x)' = \cos x"),
    "inverse_trig": (
        "inverse trig rule",
        "(asin x)' = 1/sqrt(1 - x^2), (atan x)' = 1/(1 + x^2), ...",
        r"(\arcsin x)' = \frac{1}{\sqrt{1 - x^2}}",
    ),
    "hyperbolic": (
        "hyperbolic rule",
        "(sinh x)' = cosh x, (cosh x)' = sinh x, ...",
        r"(\sinh x)' = \cosh x",
    ),
    "root": (
        "root rule",
        "(x^(1/n))' = (1/n) x^(1/n - 1)",
        r"(\sqrt[n]{x})' = \frac{1}{n} x^{1/n - 1}",
    ),
    "abs": ("abs rule", "(|x|)' = sign(x), undefined at x = 0", r"(|x|)' = \operatorname{sign} x"),
    "variable_exponent": (
        "variable exponent rule (logarithmic differentiation)",
        "(u^v)' = u^v (v ln u)'",
        r"(u^v)' = u^v \left(v \ln u\right)'",
    ),
    "fallback": (
        "fallback (sympy.diff)",
        "computed by sympy.diff",
        r"\text{computed by sympy.diff}",
    ),
}

RULE_NAMES: frozenset[str] = frozenset(RULE_INFO)


def identity_of(step: Step) -> str:
    """The identity a step used, as plain text: the head's own for one-argument functions.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> identity_of(differentiate(sympy.cos(x), x).step)
    "(cos(x))' = -sin(x)"
    >>> identity_of(differentiate(x**2, x).step)
    "(x^n)' = n x^(n-1)"
    """
    if step.rule in ("constant", "variable", "fallback"):
        return ""
    if step.rule not in ("chain", "power", "root", "general_exponential", "variable_exponent"):
        specific = _UNARY_TABLE.get(type(step.expr))
        if specific is not None:
            return specific[2]
    return RULE_INFO.get(step.rule, ("", "", ""))[1]


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, eq=False)
class Step:
    """One application of a rule: ``d/d(var) expr = result``, with the steps it used.

    ``eq=False``: two steps are the same only if they are the same object, so two
    different rules with equal fields never compare equal.  ``note`` says
    something the identity alone does not (a constant term, a point where the
    derivative is undefined, the inner function of a chain).

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> s = Step("power", x**2, x, 2 * x)
    >>> s.rule, s.result, s.substeps
    ('power', 2*x, ())
    """

    rule: str
    expr: sympy.Expr
    var: sympy.Symbol
    result: sympy.Expr
    substeps: tuple[Step, ...] = ()
    note: str = ""
    #: the result's terms in the order the rule produced them (``f' g``, then ``f g'``),
    #: for display only: sympy re-orders the terms of ``result``
    parts: tuple[sympy.Expr, ...] = ()

    def walk(self) -> Iterator[tuple[int, Step]]:
        """Depth-first, parents before children: ``(depth, step)`` pairs.

        >>> from verifier.expr import symbol
        >>> x = symbol("x")
        >>> [(d, s.rule) for d, s in differentiate(x**2 + 1, x).step.walk()]
        [(0, 'sum'), (1, 'constant'), (1, 'power')]
        """
        stack: list[tuple[int, Step]] = [(0, self)]
        while stack:
            depth, step = stack.pop()
            yield depth, step
            stack.extend((depth + 1, s) for s in reversed(step.substeps))


@dataclass(frozen=True, eq=False)
class Derivation:
    """The derivative of ``expr`` with respect to ``var`` and the steps that produced it.

    ``result`` is lightly simplified for display; ``unsimplified`` is the raw
    output of the rules (equal in value).

    >>> d = differentiate("x^2 + 2x + 1")
    >>> d.result, d.rules_used == {"sum", "power", "constant_multiple", "variable", "constant"}
    (2*x + 2, True)
    """

    expr: sympy.Expr
    var: sympy.Symbol
    result: sympy.Expr
    unsimplified: sympy.Expr
    step: Step

    @property
    def steps(self) -> tuple[Step, ...]:
        """All steps, flattened depth-first (parents before children)."""
        return tuple(s for _, s in self.step.walk())

    @property
    def rules_used(self) -> frozenset[str]:
        """The names of the rules applied anywhere in the derivation."""
        return frozenset(s.rule for s in self.steps)

    def to_frame(self) -> Any:
        """The steps as a pandas DataFrame: depth, rule, expr, var, result, note.

        >>> differentiate("x^2").to_frame()[["rule", "result"]].values.tolist()
        [['power', '2*x']]
        """
        import pandas as pd

        rows = [
            {
                "depth": depth,
                "rule": s.rule,
                "expr": str(s.expr),
                "var": str(s.var),
                "result": str(s.result),
                "note": s.note,
            }
            for depth, s in self.step.walk()
        ]
        return pd.DataFrame(rows, columns=["depth", "rule", "expr", "var", "result", "note"])

    def __str__(self) -> str:
        return f"d/d{self.var} {self.expr} = {self.result}"


# --------------------------------------------------------------------------- engine

RuleFn = Callable[[sympy.Expr, sympy.Symbol, "_Engine"], Step]


class Chain:
    """Pseudo-head of :data:`RULES` for a unary function of an inner expression, ``f(u)``.

    It is a row of the table like the others so that its faulty variant
    (``chain_missing_inner``) can replace it.
    """


#: stand-ins for the inner function of a chain; the first name the expression does not use
_STAND_INS: dict[str, sympy.Dummy] = {
    n: sympy.Dummy(n, real=True) for n in ("u", "w", "v", "z", "s", "q", "p", "r")
}
_OUTER_MEMO: dict[int, dict[tuple[Any, ...], Step]] = {}
_MEMO_LIMIT = 4096


def _is_permanent(table: Mapping[Any, RuleFn]) -> bool:
    return table is RULES or any(table is t for t in _MISTAKE_TABLES.values())


class _Engine:
    """Applies a rule table recursively; one instance per derivation (not shared)."""

    __slots__ = ("table", "fallback", "memo")

    def __init__(self, table: Mapping[Any, RuleFn], fallback: bool) -> None:
        self.table = table
        self.fallback = fallback
        # outer steps f(u) are shared between derivations, but only for the tables that
        # live as long as the module (RULES and the mistake tables): steps are immutable
        self.memo = _OUTER_MEMO.setdefault(id(table), {}) if _is_permanent(table) else {}

    def d(self, expr: sympy.Expr, var: sympy.Symbol) -> Step:
        """The step differentiating ``expr`` with respect to ``var``."""
        if var not in expr.free_symbols:
            return Step("constant", expr, var, sympy.S.Zero)
        if expr == var:
            return Step("variable", expr, var, sympy.S.One)
        head = type(expr)
        rule = self.table.get(head)
        if rule is None:
            return self._unsupported(expr, var)
        if head in _UNARY and expr.args[0] != var:
            return self.table[Chain](expr, var, self)
        return rule(expr, var, self)

    def dummy(self, expr: sympy.Expr) -> sympy.Dummy:
        """A stand-in ``u`` for the inner function, named apart from the user's symbols."""
        names = {s.name for s in expr.free_symbols}
        return next(u for name, u in _STAND_INS.items() if name not in names)

    def _unsupported(self, expr: sympy.Expr, var: sympy.Symbol) -> Step:
        if self.fallback:
            result = sympy.diff(expr, var)
            return Step("fallback", expr, var, result, note=f"no rule for {_head_name(expr)}")
        shown = str(expr)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise UnsupportedError(
            f"no rule for {shown} ({_head_name(expr)})",
            hint="supported: + - * / ^, exp, log, sqrt, trig, inverse trig, hyperbolic, abs, sign; "
            "differentiate(..., fallback=True) (CLI: --fallback) lets sympy.diff do it as a "
            "visible 'fallback' step",
        )


def _head_name(expr: sympy.Basic) -> str:
    func = expr.func
    if isinstance(expr, sympy.Function) or isinstance(func, sympy.core.function.UndefinedFunction):
        return f"function {getattr(func, '__name__', str(func))}"
    return f"construct {getattr(func, '__name__', str(func))}"


def _depends(expr: sympy.Expr, var: sympy.Symbol) -> bool:
    return var in expr.free_symbols


# --------------------------------------------------------------------------- the rules
# Each rule is called only when expr depends on var; constants and the variable itself
# are handled by the engine before the table is consulted.


def _add_rule(expr: sympy.Expr, var: sympy.Symbol, eng: _Engine) -> Step:
    """Sum rule: d/dx (f + g) = f' + g'; a constant term drops out: d/dx (f + c) = f'."""
    subs = tuple(eng.d(t, var) for t in expr.args)
    note = "constant term drops out" if any(s.rule == "constant" for s in subs) else ""
    parts = tuple(s.result for s in subs if s.result != 0)
    return Step("sum", expr, var, sympy.Add(*parts), subs, note, parts)


def _split_mul(
    expr: sympy.Expr, var: sympy.Symbol
) -> tuple[list[sympy.Expr], list[sympy.Expr], list[sympy.Expr]]:
    """Factors of a product: (constant, numerator, denominator-as-positive-powers)."""
    const: list[sympy.Expr] = []
    num: list[sympy.Expr] = []
    den: list[sympy.Expr] = []
    for f in expr.args:
        if not _depends(f, var):
            const.append(f)
        elif f.is_Pow and f.exp.is_number and f.exp.is_extended_negative:
            den.append(sympy.Pow(f.base, -f.exp))
        else:
            num.append(f)
    return const, num, den


def _product_terms(
    factors: Sequence[sympy.Expr], derivs: Sequence[sympy.Expr]
) -> tuple[sympy.Expr, ...]:
    """(f1 f2 ... fn)' = sum_i f1 ... fi' ... fn, as the tuple of its terms."""
    return tuple(sympy.Mul(*factors[:i], di, *factors[i + 1 :]) for i, di in enumerate(derivs))


def _quotient_formula(n: sympy.Expr, dn: sympy.Expr, g: sympy.Expr, dg: sympy.Expr) -> sympy.Expr:
    """(f/g)' = (f' g - f g') / g^2."""
    return (dn * g - n * dg) / g**2


def _constant_multiple(c: sympy.Expr, df: sympy.Expr) -> sympy.Expr:
    """(c f)' = c f'."""
    return c * df


def _mul_rule(
    expr: sympy.Expr,
    var: sympy.Symbol,
    eng: _Engine,
    *,
    product: Callable[
        [Sequence[sympy.Expr], Sequence[sympy.Expr]], tuple[sympy.Expr, ...]
    ] = _product_terms,
    quotient: Callable[..., sympy.Expr] = _quotient_formula,
    constant_multiple: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = _constant_multiple,
) -> Step:
    """Products, by shape.

    * constant multiple: d/dx (c f) = c f'  (also division by a constant, e.g. log(x)/log(2));
    * quotient, when a factor is a negative power of something depending on x:
      d/dx (f/g) = (f' g - f g') / g^2;
    * product of n factors: d/dx (f g h) = f' g h + f g' h + f g h'.
    """
    const, num, den = _split_mul(expr, var)
    if const:
        c = sympy.Mul(*const)
        inner = sympy.Mul(*num) / sympy.Mul(*den) if den else sympy.Mul(*num)
        sub = eng.d(inner, var)
        return Step("constant_multiple", expr, var, constant_multiple(c, sub.result), (sub,))
    if den:
        f = sympy.Mul(*num)
        g = sympy.Mul(*den)
        sf, sg = eng.d(f, var), eng.d(g, var)
        result = quotient(f, sf.result, g, sg.result)
        return Step("quotient", expr, var, result, (sf, sg))
    subs = tuple(eng.d(f, var) for f in num)
    terms = tuple(t for t in product(num, [s.result for s in subs]) if t != 0)
    return Step("product", expr, var, sympy.Add(*terms), subs, parts=terms)


def _power_formula(base: sympy.Expr, n: sympy.Expr) -> sympy.Expr:
    """(x^n)' = n x^(n-1)."""
    return n * base ** (n - 1)


def _general_exp_formula(a: sympy.Expr, u: sympy.Expr) -> sympy.Expr:
    """(a^x)' = a^x ln(a)."""
    return a**u * sympy.log(a)


def _pow_rule(
    expr: sympy.Expr,
    var: sympy.Symbol,
    eng: _Engine,
    *,
    power: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = _power_formula,
    general_exponential: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = _general_exp_formula,
) -> Step:
    """Powers, by which part depends on x.

    * power: d/dx x^n = n x^(n-1) for any constant n; root when n = 1/k (sqrt, cbrt, ...);
    * exp: d/dx e^x = e^x; general exponential: d/dx a^x = a^x ln(a) (a constant);
    * variable exponent (logarithmic differentiation): d/dx u^v = u^v (v ln u)';
    * a non-trivial base or exponent goes through the chain rule first.
    """
    base, ex = expr.args
    base_dep, ex_dep = _depends(base, var), _depends(ex, var)
    if base_dep and ex_dep:
        sub = eng.d(ex * sympy.log(base), var)
        return Step("variable_exponent", expr, var, expr * sub.result, (sub,))
    if base_dep:
        if base != var:
            return eng.table[Chain](expr, var, eng)
        rule = "root" if ex.is_Rational and ex.p == 1 and ex.q > 1 else "power"
        return Step(rule, expr, var, power(base, ex))
    if ex != var:
        return eng.table[Chain](expr, var, eng)
    if base == sympy.E:  # only reachable with unevaluated E**x; sympy normally makes exp(x)
        return Step("exp", expr, var, expr)
    return Step("general_exponential", expr, var, general_exponential(base, ex))


def _inner_of(expr: sympy.Expr, var: sympy.Symbol) -> tuple[sympy.Expr, int]:
    """The inner function of a unary head (for Pow: whichever of base/exponent has x)."""
    if expr.is_Pow:
        return (expr.base, 0) if _depends(expr.base, var) else (expr.exp, 1)
    return expr.args[0], 0


def _chain_formula(outer: sympy.Expr, inner: sympy.Expr) -> sympy.Expr:
    """(f(u))' = f'(u) u'."""
    return outer * inner


def _chain_rule(
    expr: sympy.Expr,
    var: sympy.Symbol,
    eng: _Engine,
    *,
    combine: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = _chain_formula,
) -> Step:
    """Chain rule: d/dx f(u) = f'(u) u', for any unary f and inner u(x).

    Substeps: the outer rule applied to f(u) with respect to a stand-in ``u``, and
    the derivative of the inner expression.
    """
    inner, slot = _inner_of(expr, var)
    u = eng.dummy(expr)
    args = list(expr.args)
    key = (expr.func, slot, *args[:slot], *args[slot + 1 :], u)
    outer = eng.memo.get(key)
    if outer is None:
        args[slot] = u
        outer = eng.d(expr.func(*args), u)
        if len(eng.memo) > _MEMO_LIMIT:
            eng.memo.clear()
        eng.memo[key] = outer
    inner_step = eng.d(inner, var)
    df = outer.result.xreplace({u: inner})
    return Step("chain", expr, var, combine(df, inner_step.result), (outer, inner_step))


def _unary(
    rule: str, formula: Callable[[sympy.Expr], sympy.Expr], identity: str, note: str = ""
) -> RuleFn:
    """A row for a unary head: d/du f(u) = formula(u), applied to f(x) (chain handles f(u))."""

    def apply(expr: sympy.Expr, var: sympy.Symbol, eng: _Engine) -> Step:
        return Step(rule, expr, var, formula(expr.args[0]), note=note)

    apply.__doc__ = identity
    apply.__name__ = apply.__qualname__ = f"{rule}_rule"
    return apply


# head -> (rule name, derivative formula in u, identity). The formulas are the textbook forms.
_UNARY_TABLE: dict[type, tuple[str, Callable[[sympy.Expr], sympy.Expr], str, str]] = {
    sympy.exp: ("exp", lambda u: sympy.exp(u), "(e^x)' = e^x", ""),
    sympy.log: ("log", lambda u: 1 / u, "(ln(x))' = 1/x (log_b x = ln x / ln b)", ""),
    sympy.sin: ("trig", lambda u: sympy.cos(u), "(sin(x))' = cos(x)", ""),
    sympy.cos: ("trig", lambda u: -sympy.sin(u), "(cos(x))' = -sin(x)", ""),
    sympy.tan: ("trig", lambda u: sympy.sec(u) ** 2, "(tan(x))' = sec(x)^2", ""),
    sympy.sec: ("trig", lambda u: sympy.sec(u) * sympy.tan(u), "(sec(x))' = sec(x) tan(x)", ""),
    sympy.csc: ("trig", lambda u: -sympy.csc(u) * sympy.cot(u), "(csc(x))' = -csc(x) cot(x)", ""),
    sympy.cot: ("trig", lambda u: -(sympy.csc(u) ** 2), "(cot(x))' = -csc(x)^2", ""),
    sympy.asin: (
        "inverse_trig",
        lambda u: 1 / sympy.sqrt(1 - u**2),
        "(asin(x))' = 1/sqrt(1 - x^2)",
        "",
    ),
    sympy.acos: (
        "inverse_trig",
        lambda u: -1 / sympy.sqrt(1 - u**2),
        "(acos(x))' = -1/sqrt(1 - x^2)",
        "",
    ),
    sympy.atan: ("inverse_trig", lambda u: 1 / (1 + u**2), "(atan(x))' = 1/(1 + x^2)", ""),
    sympy.acot: ("inverse_trig", lambda u: -1 / (1 + u**2), "(acot(x))' = -1/(1 + x^2)", ""),
    sympy.asec: (
        "inverse_trig",
        lambda u: 1 / (sympy.Abs(u) * sympy.sqrt(u**2 - 1)),
        "(asec(x))' = 1/(|x| sqrt(x^2 - 1))",
        "",
    ),
    sympy.acsc: (
        "inverse_trig",
        lambda u: -1 / (sympy.Abs(u) * sympy.sqrt(u**2 - 1)),
        "(acsc(x))' = -1/(|x| sqrt(x^2 - 1))",
        "",
    ),
    sympy.sinh: ("hyperbolic", lambda u: sympy.cosh(u), "(sinh(x))' = cosh(x)", ""),
    sympy.cosh: ("hyperbolic", lambda u: sympy.sinh(u), "(cosh(x))' = sinh(x)", ""),
    sympy.tanh: ("hyperbolic", lambda u: sympy.sech(u) ** 2, "(tanh(x))' = sech(x)^2", ""),
    sympy.coth: ("hyperbolic", lambda u: -(sympy.csch(u) ** 2), "(coth(x))' = -csch(x)^2", ""),
    sympy.sech: (
        "hyperbolic",
        lambda u: -sympy.sech(u) * sympy.tanh(u),
        "(sech(x))' = -sech(x) tanh(x)",
        "",
    ),
    sympy.csch: (
        "hyperbolic",
        lambda u: -sympy.csch(u) * sympy.coth(u),
        "(csch(x))' = -csch(x) coth(x)",
        "",
    ),
    sympy.asinh: (
        "hyperbolic",
        lambda u: 1 / sympy.sqrt(u**2 + 1),
        "(asinh(x))' = 1/sqrt(x^2 + 1)",
        "",
    ),
    sympy.acosh: (
        "hyperbolic",
        lambda u: 1 / sympy.sqrt(u**2 - 1),
        "(acosh(x))' = 1/sqrt(x^2 - 1), x > 1",
        "",
    ),
    sympy.atanh: (
        "hyperbolic",
        lambda u: 1 / (1 - u**2),
        "(atanh(x))' = 1/(1 - x^2), |x| < 1",
        "",
    ),
    sympy.asech: (
        "hyperbolic",
        lambda u: -1 / (u * sympy.sqrt(1 - u**2)),
        "(asech(x))' = -1/(x sqrt(1 - x^2)), 0 < x < 1",
        "",
    ),
    sympy.acsch: (
        "hyperbolic",
        lambda u: -1 / (sympy.Abs(u) * sympy.sqrt(u**2 + 1)),
        "(acsch(x))' = -1/(|x| sqrt(x^2 + 1)), x != 0",
        "",
    ),
    sympy.acoth: (
        "hyperbolic",
        lambda u: 1 / (1 - u**2),
        "(acoth(x))' = 1/(1 - x^2), |x| > 1",
        "",
    ),
    sympy.Abs: (
        "abs",
        lambda u: sympy.sign(u),
        "(|x|)' = sign(x), undefined at x = 0",
        "undefined where the argument is 0",
    ),
    sympy.sign: (
        "constant",
        lambda u: sympy.S.Zero,
        "(sign(x))' = 0 for x != 0, undefined at 0",
        "sign is constant away from 0",
    ),
}

#: heads whose single argument goes through the chain rule when it is not the variable itself
#: (Pow decides for itself, in its rule: either its base or its exponent may be the inner part).
_UNARY: frozenset[type] = frozenset(_UNARY_TABLE)

#: The rule table: sympy head -> rule function ``(expr, var, engine) -> Step``.
#: Symbols and numbers (x, 2, pi, E, other variables) never reach the table: the engine
#: gives them the ``variable`` and ``constant`` rules directly.
RULES: dict[Any, RuleFn] = {
    sympy.Add: _add_rule,
    sympy.Mul: _mul_rule,
    sympy.Pow: _pow_rule,
    Chain: _chain_rule,
    **{head: _unary(rule, f, ident, note) for head, (rule, f, ident, note) in _UNARY_TABLE.items()},
}


# --------------------------------------------------------------------------- public API


def _size(expr: sympy.Basic) -> int:
    """Number of nodes: a cheap stand-in for ``count_ops`` (which is slow)."""
    return sum(1 for _ in sympy.preorder_traversal(expr))


def light_simplify(expr: sympy.Expr, *, budget: int = 400, max_denominators: int = 4) -> sympy.Expr:
    """A cheap, bounded tidy-up for display: never ``sympy.simplify``, never a hang.

    Sums with fractions are put over one denominator (``together``, which never
    expands) and common factors, numeric ones included, are pulled out
    (``factor_terms``), so powers shared by numerator and denominator cancel.  The
    tidier form is kept only if it is smaller.  Expressions of more than ``budget``
    nodes, or with more than ``max_denominators`` different denominators, are
    returned as they are.  The value never changes.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> light_simplify((x**2 * sympy.exp(x) - 2 * x * sympy.exp(x)) / x**4)
    (x - 2)*exp(x)/x**3
    >>> light_simplify(2 * x + 2)
    2*x + 2
    """
    if expr.is_Atom:
        return expr
    nodes = 0
    denominators: set[sympy.Expr] = set()
    for node in sympy.preorder_traversal(expr):
        nodes += 1
        if node.is_Pow and node.exp.is_negative:
            denominators.add(node.base)
        if nodes > budget:
            return expr
    # together() multiplies the denominators out: cheap for a few, quadratic for many
    if not denominators or len(denominators) > max_denominators:
        return expr
    candidate = sympy.factor_terms(sympy.together(expr))
    return candidate if _size(candidate) < nodes else expr


def _as_var(var: str | sympy.Symbol, expr: sympy.Expr) -> sympy.Symbol:
    if isinstance(var, sympy.Symbol):
        return var
    if not isinstance(var, str) or not var.isidentifier():
        raise VerifierError(
            f"cannot differentiate with respect to {var!r}: not a variable name",
            hint="name one variable, e.g. 'x', 'y', 'x0' or 'θ'",
        )
    # a symbol of that name already in the expression wins, so that an expression built
    # elsewhere with other assumptions is still differentiated in its own variable
    for s in expr.free_symbols:
        if isinstance(s, sympy.Symbol) and s.name == var:
            return s
    return symbol(var)


def _as_expr(expr: sympy.Expr | str | int) -> sympy.Expr:
    if isinstance(expr, str):
        from verifier.expr import parse

        return parse(expr, variables=None)
    if isinstance(expr, bool):
        raise VerifierError("cannot differentiate a bool")
    if isinstance(expr, int):
        return sympy.Integer(expr)
    if isinstance(expr, sympy.Expr):
        return expr
    raise VerifierError(
        f"cannot differentiate an object of type {type(expr).__name__}",
        hint="pass a sympy expression or the text of one, e.g. 'x^2 + 1'",
    )


@functools.lru_cache(maxsize=2048)
def _derive(expr: sympy.Expr, var: sympy.Symbol, fallback: bool) -> Derivation:
    try:
        step = _Engine(RULES, fallback).d(expr, var)
    except RecursionError:
        raise LimitError("expression too deeply nested to differentiate", limit="depth") from None
    raw = step.result
    return Derivation(expr, var, light_simplify(raw), raw, step)


def clear_caches() -> None:
    """Forget cached derivations, outer steps and mistake variants (benchmarks time real work).

    >>> clear_caches()
    """
    _derive.cache_clear()
    _wrong.cache_clear()
    _OUTER_MEMO.clear()


def differentiate(
    expr: sympy.Expr | str, var: str | sympy.Symbol = "x", *, fallback: bool = False
) -> Derivation:
    """Differentiate ``expr`` with respect to ``var`` by the rule table, keeping the steps.

    Text is parsed with :func:`verifier.expr.parse` (variables inferred); other
    variables are treated as constants (a partial derivative).

    >>> d = differentiate("x^3 e^x")
    >>> d.result, [s.rule for s in d.steps]
    (x**3*exp(x) + 3*x**2*exp(x), ['product', 'power', 'exp'])
    >>> differentiate("x^2 y + y^2", "y").result
    x**2 + 2*y
    """
    e = _as_expr(expr)
    return _derive(e, _as_var(var, e), bool(fallback))


def gradient(
    expr: sympy.Expr | str, variables: Sequence[str | sympy.Symbol]
) -> dict[str, Derivation]:
    """All partial derivatives, ordered like ``variables``: name -> :class:`Derivation`.

    >>> g = gradient("x0^2 + x1^2", ["x0", "x1"])
    >>> {k: v.result for k, v in g.items()}
    {'x0': 2*x0, 'x1': 2*x1}
    """
    e = _as_expr(expr)
    out: dict[str, Derivation] = {}
    for v in variables:
        sym = _as_var(v, e)
        out[sym.name] = _derive(e, sym, False)
    return out


# --------------------------------------------------------------------------- mistakes


@dataclass(frozen=True)
class Mistake:
    """A faulty rule a student might use: which rule it corrupts, what it does, a hint."""

    name: str
    rule: str
    description: str
    hint: str


@dataclass(frozen=True, eq=False)
class WrongDerivative:
    """The derivative computed with one rule replaced by its faulty variant."""

    mistake: Mistake
    result: sympy.Expr


# mistake name -> (rule corrupted, description, hint, replacement rows of the table)
_MISTAKE_TABLE: dict[str, tuple[str, str, str, dict[Any, RuleFn]]] = {
    "chain_missing_inner": (
        "chain",
        "chain rule without the inner derivative: (f(u))' = f'(u)",
        "after differentiating the outer function, multiply by the derivative of the inside",
        {Chain: functools.partial(_chain_rule, combine=lambda outer, inner: outer)},
    ),
    "product_as_fprime_g": (
        "product",
        "product rule as (f g)' = f' g",
        "the product rule has two terms: (f g)' = f' g + f g'",
        {
            sympy.Mul: functools.partial(
                _mul_rule, product=lambda fs, ds: _product_terms(fs, ds)[:1]
            )
        },
    ),
    "product_missing_term": (
        "product",
        "product rule with the f' g term dropped: (f g)' = f g'",
        "the product rule has two terms: (f g)' = f' g + f g'",
        {
            sympy.Mul: functools.partial(
                _mul_rule, product=lambda fs, ds: _product_terms(fs, ds)[1:]
            )
        },
    ),
    "quotient_sign_swapped": (
        "quotient",
        "quotient rule with the numerator's terms swapped: (f g' - f' g)/g^2",
        "the quotient rule is (f' g - f g')/g^2: the derivative of the numerator comes first",
        {
            sympy.Mul: functools.partial(
                _mul_rule, quotient=lambda n, dn, g, dg: (n * dg - dn * g) / g**2
            )
        },
    ),
    "quotient_denominator_not_squared": (
        "quotient",
        "quotient rule with g instead of g^2 below: (f' g - f g')/g",
        "the denominator of the quotient rule is squared: (f' g - f g')/g^2",
        {
            sympy.Mul: functools.partial(
                _mul_rule, quotient=lambda n, dn, g, dg: (dn * g - n * dg) / g
            )
        },
    ),
    "power_not_lowered": (
        "power",
        "power rule without lowering the exponent: (x^n)' = n x^n",
        "the exponent drops by one: (x^n)' = n x^(n-1)",
        {sympy.Pow: functools.partial(_pow_rule, power=lambda b, n: n * b**n)},
    ),
    "power_rule_on_exponential": (
        "general_exponential",
        "power rule applied to an exponential: (a^x)' = x a^(x-1)",
        "x is in the exponent, so this is not x^n: (a^x)' = a^x ln(a)",
        {
            sympy.Pow: functools.partial(
                _pow_rule, general_exponential=lambda a, u: u * a ** (u - 1)
            )
        },
    ),
    "exp_as_power": (
        "exp",
        "power rule applied to e^x: (e^x)' = x e^(x-1)",
        "e^x is its own derivative: (e^x)' = e^x",
        {sympy.exp: _unary("exp", lambda u: u * sympy.exp(u - 1), "e^x -> x e^(x-1)")},
    ),
    "log_as_inverse_square": (
        "log",
        "(ln x)' = 1/x^2",
        "(ln x)' = 1/x",
        {sympy.log: _unary("log", lambda u: 1 / u**2, "ln x -> 1/x^2")},
    ),
    "log_unchanged": (
        "log",
        "(ln x)' = ln x (treated like e^x)",
        "only e^x is its own derivative; (ln x)' = 1/x",
        {sympy.log: _unary("log", lambda u: sympy.log(u), "ln x -> ln x")},
    ),
    "cos_derivative_sign": (
        "trig",
        "(cos x)' = sin x (sign lost)",
        "(cos x)' = -sin x",
        {sympy.cos: _unary("trig", lambda u: sympy.sin(u), "cos x -> sin x")},
    ),
    "sin_derivative_sign": (
        "trig",
        "(sin x)' = -cos x (sign added)",
        "(sin x)' = cos x",
        {sympy.sin: _unary("trig", lambda u: -sympy.cos(u), "sin x -> -cos x")},
    ),
    "constant_factor_dropped": (
        "constant_multiple",
        "constant factor dropped: (c f)' = f'",
        "a constant factor stays: (c f)' = c f'",
        {sympy.Mul: functools.partial(_mul_rule, constant_multiple=lambda c, df: df)},
    ),
}

#: mistake name -> :class:`Mistake` (what homework shows a student).
MISTAKES: dict[str, Mistake] = {
    name: Mistake(name, rule, desc, hint) for name, (rule, desc, hint, _) in _MISTAKE_TABLE.items()
}

#: mistake name -> the rows that replace rows of :data:`RULES` to make the mistake.
MISTAKE_RULES: dict[str, dict[Any, RuleFn]] = {
    name: rows for name, (_, _, _, rows) in _MISTAKE_TABLE.items()
}


def _spot_values(expr: sympy.Expr, points: list[dict[sympy.Symbol, sympy.Float]]) -> list[complex]:
    out = []
    for point in points:
        try:
            out.append(complex(expr.xreplace(point).evalf(17)))
        except (TypeError, ValueError, ZeroDivisionError):
            out.append(complex("nan"))
    return out


def _differs(
    wrong: sympy.Expr,
    correct: sympy.Expr,
    points: list[dict[sympy.Symbol, sympy.Float]],
    correct_values: list[complex],
) -> bool:
    """True when ``wrong`` and ``correct`` are different functions (a spot check, not a proof).

    Both are compared at fixed points in (0.3, 2.2); points where either is undefined
    or not real are skipped.  With no usable point, structural inequality decides.
    """
    if wrong == correct:
        return False
    pairs = [
        (w.real, c.real)
        for w, c in zip(_spot_values(wrong, points), correct_values, strict=True)
        if cmath.isfinite(w) and cmath.isfinite(c) and not w.imag and not c.imag
    ]
    if not pairs:
        return True
    w_vals, c_vals = zip(*pairs, strict=True)
    return not compare(np.array(c_vals), np.array(w_vals), rtol=1e-9, atol=1e-12).ok


#: mistake name -> the whole table with that mistake's rows swapped in (built once)
_MISTAKE_TABLES: dict[str, dict[Any, RuleFn]] = {
    name: {**RULES, **rows} for name, rows in MISTAKE_RULES.items()
}


@functools.lru_cache(maxsize=1024)
def _wrong(expr: sympy.Expr, var: sympy.Symbol) -> tuple[WrongDerivative, ...]:
    correct = _derive(expr, var, False).unsimplified
    syms = sorted(expr.free_symbols | {var}, key=lambda s: s.name)
    rng = random.Random(12345)  # fixed points: the same answer always gets the same verdict
    points = [{s: sympy.Float(rng.uniform(0.3, 2.2), 17) for s in syms} for _ in range(4)]
    correct_values = _spot_values(correct, points)
    out: list[WrongDerivative] = []
    for name, table in _MISTAKE_TABLES.items():
        try:
            wrong = _Engine(table, False).d(expr, var).result
        except (VerifierError, RecursionError):
            continue
        if _differs(wrong, correct, points, correct_values):
            out.append(WrongDerivative(MISTAKES[name], wrong))
    return tuple(out)


def wrong_derivatives(
    expr: sympy.Expr | str, var: str | sympy.Symbol = "x"
) -> list[WrongDerivative]:
    """Derivatives a student would get with one rule replaced by a faulty variant.

    Only variants whose result differs from the correct derivative are returned,
    in the order of :data:`MISTAKES`.  Cached by ``(expr, var)``.

    >>> [(w.mistake.name, w.result) for w in wrong_derivatives("x^3 e^x")][:2]
    [('product_as_fprime_g', 3*x**2*exp(x)), ('product_missing_term', x**3*exp(x))]
    """
    e = _as_expr(expr)
    return list(_wrong(e, _as_var(var, e)))
