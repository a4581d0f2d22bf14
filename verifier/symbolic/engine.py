"""The engine that applies a rule table, and its records: :class:`Step`, :class:`Derivation`.

The engine knows no derivative: it walks an expression and hands each node to the
row of the table for its sympy head (:mod:`verifier.symbolic.rules` holds the rows,
:mod:`verifier.symbolic.mistakes` their faulty variants).  Constants and the variable
itself never reach the table.  A head with no row raises :class:`UnsupportedError`
naming it, or (``fallback=True``) becomes a visible ``fallback`` step computed by
``sympy.diff``.

>>> from verifier.expr import symbol
>>> x = symbol("x")
>>> table = RuleTable({sympy.sin: lambda e, v, eng: Step("trig", e, v, sympy.cos(e.args[0]))})
>>> apply_rules(table, sympy.sin(x), x).result
cos(x)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from verifier.errors import LimitError, UnsupportedError

__all__ = [
    "Chain",
    "Derivation",
    "Engine",
    "RuleFn",
    "RuleTable",
    "Step",
    "apply_rules",
    "clear_caches",
    "register_cache",
]


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
        >>> leaf = Step("constant", sympy.S.One, x, sympy.S.Zero)
        >>> [(d, s.rule) for d, s in Step("sum", x + 1, x, sympy.S.One, (leaf,)).walk()]
        [(0, 'sum'), (1, 'constant')]
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
    output of the rules (equal in value).  ``var`` is the expression's own symbol.

    >>> from verifier.symbolic.rules import differentiate
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

        >>> from verifier.symbolic.rules import differentiate
        >>> differentiate("x^2").to_frame()[["rule", "result"]].values.tolist()
        [['power', '2*x']]
        """
        import pandas as pd

        rows = [
            (depth, s.rule, str(s.expr), str(s.var), str(s.result), s.note)
            for depth, s in self.step.walk()
        ]
        return pd.DataFrame(rows, columns=["depth", "rule", "expr", "var", "result", "note"])

    def _repr_html_(self) -> str:
        """Notebooks: the result and the steps (:func:`verifier.symbolic.steps.derivation_html`)."""
        from verifier.symbolic.steps import derivation_html

        return derivation_html(self)

    def _repr_latex_(self) -> str:
        """Notebooks: ``d/dx (f) = f'`` as display math.

        >>> from verifier.symbolic.rules import differentiate
        >>> print(differentiate("ln(x)")._repr_latex_())
        $$\\frac{d}{dx}\\left(\\ln{\\left(x \\right)}\\right) = \\frac{1}{x}$$
        """
        from verifier.symbolic.steps import latex_expr

        v = latex_expr(self.var)
        return f"$$\\frac{{d}}{{d{v}}}\\left({latex_expr(self.expr)}\\right) = {latex_expr(self.result)}$$"

    def __str__(self) -> str:
        return f"d/d{self.var} {self.expr} = {self.result}"


# --------------------------------------------------------------------------- tables

RuleFn = Callable[[sympy.Expr, sympy.Symbol, "Engine"], Step]


class Chain:
    """Pseudo-head of a rule table for a unary function of an inner expression, ``f(u)``.

    It is a row of the table like the others so that its faulty variant
    (``chain_missing_inner``) can replace it.
    """


class RuleTable(dict[Any, RuleFn]):
    """A rule table (sympy head -> rule function) that remembers its outer steps ``d/du f(u)``.

    Steps are immutable, so the derivations made with one table share them
    (:func:`clear_caches` forgets them).  :meth:`replace` makes a variant with some
    rows swapped, e.g. a faulty rule.

    >>> table = RuleTable({})
    >>> variant = table.replace({Chain: lambda e, v, eng: None})
    >>> list(variant) == [Chain], list(table), variant.memo
    (True, [], {})
    """

    def __init__(self, rows: Mapping[Any, RuleFn]) -> None:
        super().__init__(rows)
        self.memo: dict[tuple[Any, ...], Step] = {}
        _TABLES[id(self)] = self

    def replace(self, rows: Mapping[Any, RuleFn]) -> RuleTable:
        """This table with the given rows in place of its own (an empty memo)."""
        return RuleTable({**self, **rows})


_TABLES: weakref.WeakValueDictionary[int, RuleTable] = weakref.WeakValueDictionary()
_CLEARERS: list[Callable[[], None]] = []
MEMO_LIMIT = 4096  # outer steps a table remembers before it starts over

#: stand-ins for the inner function of a chain; the first name the expression does not use
_STAND_INS: dict[str, sympy.Dummy] = {
    n: sympy.Dummy(n, real=True) for n in ("u", "w", "v", "z", "s", "q", "p", "r")
}


# --------------------------------------------------------------------------- engine


class Engine:
    """Applies a rule table recursively; one instance per derivation (not shared).

    A :class:`RuleTable` lends its memo of outer steps; any other mapping gets a fresh one.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> Engine(RuleTable({}), fallback=True).d(sympy.gamma(x), x).rule
    'fallback'
    """

    __slots__ = ("table", "fallback", "memo")

    def __init__(self, table: Mapping[Any, RuleFn], fallback: bool) -> None:
        self.table = table
        self.fallback = fallback
        self.memo = table.memo if isinstance(table, RuleTable) else {}

    def d(self, expr: sympy.Expr, var: sympy.Symbol) -> Step:
        """The step differentiating ``expr`` with respect to ``var``."""
        if var not in expr.free_symbols:
            return Step("constant", expr, var, sympy.S.Zero)
        if expr == var:
            return Step("variable", expr, var, sympy.S.One)
        rule = self.table.get(type(expr))
        if rule is None:
            return self._unsupported(expr, var)
        return rule(expr, var, self)

    def dummy(self, expr: sympy.Expr) -> sympy.Dummy:
        """A stand-in ``u`` for the inner function, named apart from the user's symbols."""
        names = {s.name for s in expr.free_symbols}
        return next(u for name, u in _STAND_INS.items() if name not in names)

    def _unsupported(self, expr: sympy.Expr, var: sympy.Symbol) -> Step:
        func = expr.func
        undefined = isinstance(func, sympy.core.function.UndefinedFunction)
        kind = "function" if isinstance(expr, sympy.Function) or undefined else "construct"
        head = f"{kind} {getattr(func, '__name__', str(func))}"
        if self.fallback:
            return Step("fallback", expr, var, sympy.diff(expr, var), note=f"no rule for {head}")
        shown = str(expr)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise UnsupportedError(
            f"no rule for {shown} ({head})",
            hint="supported: + - * / ^, exp, log, sqrt, trig, inverse trig, hyperbolic, abs, sign; "
            "differentiate(..., fallback=True) (CLI: --fallback) lets sympy.diff do it as a "
            "visible 'fallback' step",
        )


def apply_rules(
    table: Mapping[Any, RuleFn], expr: sympy.Expr, var: sympy.Symbol, *, fallback: bool = False
) -> Step:
    """The step tree of ``d/d(var) expr`` by a rule table (``RULES`` or a faulty variant).

    ``var`` is used as given (:func:`verifier.symbolic.rules.differentiate` matches it
    by name).  Too deep a nesting raises :class:`LimitError`.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> apply_rules(RuleTable({}), sympy.exp(2), x).rule
    'constant'
    """
    try:
        return Engine(table, fallback).d(expr, var)
    except RecursionError:
        raise LimitError("expression too deeply nested to differentiate", limit="depth") from None


def register_cache(clear: Callable[[], None]) -> None:
    """Have :func:`clear_caches` call ``clear`` too (the symbolic modules' own caches).

    >>> register_cache(lambda: None)
    """
    _CLEARERS.append(clear)


def clear_caches() -> None:
    """Forget cached derivations, outer steps and mistake variants (benchmarks time real work).

    >>> clear_caches()
    """
    for clear in _CLEARERS:
        clear()
    for table in list(_TABLES.values()):
        table.memo.clear()
