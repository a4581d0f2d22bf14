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

import operator
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from verifier.errors import LimitError, UnsupportedError, VerifierError
from verifier.i18n import _

__all__ = [
    "Chain",
    "Derivation",
    "Derivatives",
    "Engine",
    "RuleFn",
    "RuleTable",
    "Step",
    "apply_rules",
    "clear_caches",
    "light_simplify",
    "pass_variables",
    "register_cache",
    "repeat_passes",
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


@dataclass(frozen=True, eq=False)
class Derivatives:
    """A higher or mixed derivative: one :class:`Derivation` per pass, each of the last's result.

    ``d^2/dy dx f`` is ``passes = (d/dx f, d/dy (d/dx f))``; ``result`` is the last pass's.

    >>> from verifier.symbolic.rules import differentiate
    >>> d = differentiate("x^3", order=2)
    >>> d.order, [str(p.result) for p in d.passes], str(d)
    (2, ['3*x**2', '6*x'], 'd^2/dx^2 x**3 = 6*x')
    """

    expr: sympy.Expr
    passes: tuple[Derivation, ...]

    @property
    def order(self) -> int:
        """How many passes (the derivative's total order)."""
        return len(self.passes)

    @property
    def variables(self) -> tuple[sympy.Symbol, ...]:
        """The variable of each pass, first pass first."""
        return tuple(p.var for p in self.passes)

    @property
    def var(self) -> sympy.Symbol:
        """The last pass's variable."""
        return self.passes[-1].var

    @property
    def result(self) -> sympy.Expr:
        """The derivative (lightly simplified, as each pass's result is)."""
        return self.passes[-1].result

    @property
    def unsimplified(self) -> sympy.Expr:
        """The last pass's raw rule output (of the previous pass's result)."""
        return self.passes[-1].unsimplified

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps of every pass, in order."""
        return tuple(s for p in self.passes for s in p.steps)

    @property
    def rules_used(self) -> frozenset[str]:
        """The names of the rules applied in any pass."""
        return frozenset().union(*(p.rules_used for p in self.passes))

    @property
    def notation(self) -> str:
        """``d^2/dx^2``, ``d^2/dy dx``: the operator, last variable first.

        >>> from verifier.symbolic.rules import differentiate
        >>> differentiate("x y", ["x", "y"]).notation
        'd^2/dy dx'
        """
        names = [v.name for v in reversed(self.variables)]
        groups: list[list[Any]] = []
        for n in names:
            if groups and groups[-1][0] == n:
                groups[-1][1] += 1
            else:
                groups.append([n, 1])
        den = " ".join(f"d{n}" + (f"^{k}" if k > 1 else "") for n, k in groups)
        return f"d^{self.order}/{den}" if self.order > 1 else f"d/{den}"

    def to_frame(self) -> Any:
        """Every pass's steps (:meth:`Derivation.to_frame`) with a ``pass`` column (1, 2, ...).

        >>> from verifier.symbolic.rules import differentiate
        >>> differentiate("x^3", order=2).to_frame()[["pass", "rule", "result"]].values.tolist()
        [[1, 'power', '3*x**2'], [2, 'constant_multiple', '6*x'], [2, 'power', '2*x']]
        """
        import pandas as pd

        frames = [p.to_frame().assign(**{"pass": k}) for k, p in enumerate(self.passes, 1)]
        out = pd.concat(frames, ignore_index=True)
        return out[["pass", *[c for c in out.columns if c != "pass"]]]

    def __str__(self) -> str:
        return f"{self.notation} {self.expr} = {self.result}"


def pass_variables(
    var: str | sympy.Symbol | Sequence[str | sympy.Symbol], order: int
) -> tuple[str | sympy.Symbol, ...] | None:
    """The variable of each pass, or ``None`` for one plain first derivative.

    ``order`` repeats one variable; a list names each pass (then ``order`` must be 1).

    >>> pass_variables("x", 1) is None, pass_variables("x", 3), pass_variables(["x", "y"], 1)
    (True, ('x', 'x', 'x'), ('x', 'y'))
    """
    try:
        n = -1 if isinstance(order, bool) else operator.index(order)  # numpy ints too
    except TypeError:
        n = -1
    if n < 1:
        raise VerifierError(
            _("the order of a derivative is a whole number >= 1, not {order!r}").format(
                order=order
            ),
            hint=_("e.g. order=2 for f'' (CLI: --order 2)"),
        )
    if isinstance(var, (str, sympy.Symbol)):
        return None if n == 1 else (var,) * n
    if not isinstance(var, Sequence) or not var:
        raise VerifierError(
            _("differentiate by a variable or a list of variables, not {var!r}").format(var=var),
            hint=_("e.g. 'x', or ['x', 'y'] for the mixed partial d^2/dy dx"),
        )
    if n != 1:
        raise VerifierError(
            _("give either order= or a list of variables, not both"),
            hint=_("['x', 'x', 'y'] is d^3/dy dx^2"),
        )
    return tuple(var)


def repeat_passes(
    expr: sympy.Expr,
    variables: Sequence[sympy.Symbol],
    derive: Callable[[sympy.Expr, sympy.Symbol], Derivation],
) -> Derivatives:
    """Differentiate ``expr`` once per variable, each pass the previous pass's result.

    >>> from verifier.symbolic.rules import differentiate
    >>> x = sympy.Symbol("x")
    >>> repeat_passes(x**3, [x, x], lambda f, v: differentiate(f, v)).result
    6*x
    """
    passes: list[Derivation] = []
    current = expr
    for v in variables:
        passes.append(derive(current, v))
        current = passes[-1].result
    return Derivatives(expr, tuple(passes))


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
        kind = _("function") if isinstance(expr, sympy.Function) or undefined else _("construct")
        head = f"{kind} {getattr(func, '__name__', str(func))}"
        if self.fallback:
            note = _("no rule for {head}").format(head=head)
            return Step("fallback", expr, var, sympy.diff(expr, var), note=note)
        shown = str(expr)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise UnsupportedError(
            _("no rule for {shown} ({head})").format(shown=shown, head=head),
            hint=_(
                "supported: + - * / ^, exp, log, sqrt, trig, inverse trig, hyperbolic, abs, sign; "
                "differentiate(..., fallback=True) (CLI: --fallback) lets sympy.diff do it as a "
                "visible 'fallback' step"
            ),
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
        raise LimitError(
            _("expression too deeply nested to differentiate"), limit="depth"
        ) from None


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
