"""Mistakes students make: faulty rows of the rule table, and whole-answer mistakes.

A rule-level mistake (:data:`MISTAKES`) is a faulty variant of one or more rows of
:data:`verifier.symbolic.rules.RULES` (:data:`MISTAKE_RULES`): :func:`wrong_derivatives`
swaps the rows for their faulty twins and differentiates again with the same engine,
so the mistake is applied everywhere its rule applies.  A whole-answer mistake
(:data:`WHOLE_ANSWER_MISTAKES`) is built from the function and its derivative (a sign
error, the function copied, an antiderivative, the wrong variable).

Nothing here evaluates numbers: whether a wrong derivative really differs from the
right one is decided by a predicate the caller may pass (the homework judge passes one
built on the numeric evaluator); without it, a structural difference decides.

>>> [(w.mistake.name, w.result) for w in wrong_derivatives("x^3 e^x")][:2]
[('product_as_fprime_g', 3*x**2*exp(x)), ('product_missing_term', x**3*exp(x))]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from verifier.errors import VerifierError
from verifier.i18n import N_
from verifier.symbolic.engine import Chain, RuleFn, RuleTable, apply_rules, register_cache
from verifier.symbolic.rules import (
    RULES,
    chain_rule,
    differentiate,
    light_simplify,
    mul_rule,
    pow_rule,
    product_terms,
    unary_rule,
)

__all__ = [
    "INTEGRATION_CONSTANT",
    "MISTAKES",
    "MISTAKE_RULES",
    "WHOLE_ANSWER_MISTAKES",
    "Mistake",
    "WrongDerivative",
    "wrong_derivatives",
]


@dataclass(frozen=True)
class Mistake:
    """A faulty rule a student might use: which rule it corrupts, what it does, a hint
    (``description`` and ``hint`` in English; ``verifier.i18n._`` translates them where shown).

    >>> MISTAKES["power_not_lowered"].rule
    'power'
    """

    name: str
    rule: str
    description: str
    hint: str


@dataclass(frozen=True, eq=False)
class WrongDerivative:
    """The derivative computed with one rule replaced by its faulty variant.

    >>> w = wrong_derivatives("x^3")[0]
    >>> w.mistake.name, w.result
    ('power_not_lowered', 3*x**3)
    """

    mistake: Mistake
    result: sympy.Expr


_partial = functools.partial

# mistake name -> (rule corrupted, description, hint, replacement rows of the table)
_MISTAKE_TABLE: dict[str, tuple[str, str, str, dict[Any, RuleFn]]] = {
    "chain_missing_inner": (
        "chain",
        N_("chain rule without the inner derivative: (f(u))' = f'(u)"),
        N_("after differentiating the outer function, multiply by the derivative of the inside"),
        {Chain: _partial(chain_rule, combine=lambda outer, inner: outer)},
    ),
    "product_as_fprime_g": (
        "product",
        N_("product rule as (f g)' = f' g"),
        N_("the product rule has two terms: (f g)' = f' g + f g'"),
        {sympy.Mul: _partial(mul_rule, product=lambda fs, ds: product_terms(fs, ds)[:1])},
    ),
    "product_missing_term": (
        "product",
        N_("product rule with the f' g term dropped: (f g)' = f g'"),
        N_("the product rule has two terms: (f g)' = f' g + f g'"),
        {sympy.Mul: _partial(mul_rule, product=lambda fs, ds: product_terms(fs, ds)[1:])},
    ),
    "quotient_sign_swapped": (
        "quotient",
        N_("quotient rule with the numerator's terms swapped: (f g' - f' g)/g^2"),
        N_("the quotient rule is (f' g - f g')/g^2: the derivative of the numerator comes first"),
        {sympy.Mul: _partial(mul_rule, quotient=lambda n, dn, g, dg: (n * dg - dn * g) / g**2)},
    ),
    "quotient_denominator_not_squared": (
        "quotient",
        N_("quotient rule with g instead of g^2 below: (f' g - f g')/g"),
        N_("the denominator of the quotient rule is squared: (f' g - f g')/g^2"),
        {sympy.Mul: _partial(mul_rule, quotient=lambda n, dn, g, dg: (dn * g - n * dg) / g)},
    ),
    "power_not_lowered": (
        "power",
        N_("power rule without lowering the exponent: (x^n)' = n x^n"),
        N_("the exponent drops by one: (x^n)' = n x^(n-1)"),
        {sympy.Pow: _partial(pow_rule, power=lambda b, n: n * b**n)},
    ),
    "power_rule_on_exponential": (
        "general_exponential",
        N_("power rule applied to an exponential: (a^x)' = x a^(x-1)"),
        N_("x is in the exponent, so this is not x^n: (a^x)' = a^x ln(a)"),
        {sympy.Pow: _partial(pow_rule, general_exponential=lambda a, u: u * a ** (u - 1))},
    ),
    "exp_as_power": (
        "exp",
        N_("power rule applied to e^x: (e^x)' = x e^(x-1)"),
        N_("e^x is its own derivative: (e^x)' = e^x"),
        {sympy.exp: unary_rule("exp", lambda u: u * sympy.exp(u - 1), "e^x -> x e^(x-1)")},
    ),
    "log_as_inverse_square": (
        "log",
        N_("(ln x)' = 1/x^2"),
        N_("(ln x)' = 1/x"),
        {sympy.log: unary_rule("log", lambda u: 1 / u**2, "ln x -> 1/x^2")},
    ),
    "log_unchanged": (
        "log",
        N_("(ln x)' = ln x (treated like e^x)"),
        N_("only e^x is its own derivative; (ln x)' = 1/x"),
        {sympy.log: unary_rule("log", sympy.log, "ln x -> ln x")},
    ),
    "cos_derivative_sign": (
        "trig",
        N_("(cos x)' = sin x (sign lost)"),
        N_("(cos x)' = -sin x"),
        {sympy.cos: unary_rule("trig", sympy.sin, "cos x -> sin x")},
    ),
    "sin_derivative_sign": (
        "trig",
        N_("(sin x)' = -cos x (sign added)"),
        N_("(sin x)' = cos x"),
        {sympy.sin: unary_rule("trig", lambda u: -sympy.cos(u), "sin x -> -cos x")},
    ),
    "constant_factor_dropped": (
        "constant_multiple",
        N_("constant factor dropped: (c f)' = f'"),
        N_("a constant factor stays: (c f)' = c f'"),
        {sympy.Mul: _partial(mul_rule, constant_multiple=lambda c, df: df)},
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

#: mistake name -> the whole table with that mistake's rows swapped in (built once)
_FAULTY_TABLES: dict[str, RuleTable] = {
    name: RULES.replace(rows) for name, rows in MISTAKE_RULES.items()
}


def _partial_by_name(f: sympy.Expr, df: sympy.Expr, other: str | sympy.Symbol) -> sympy.Expr:
    """d/d(other) f, ``other`` matched by name (the rule engine; sympy.diff where no rule)."""
    return differentiate(f, other, fallback=True).unsimplified


#: Whole-answer mistakes (the rule-level ones are :data:`MISTAKES`), one row each:
#: name -> (description, hint, what the answer is compared with, how it is built from
#: ``(f, f', other variable)``).  ``"value"``: the answer equals the built expression;
#: ``"derivative"``: the answer's own derivative equals it (an antiderivative, whatever
#: its constant).  ``other`` is used only by ``wrong_variable`` (built once per other
#: variable; a name or a symbol, matched by name) and by ``first_derivative_given`` (the
#: variable itself, for a problem asking for f'' or higher), and is ``None`` for the rest.
WHOLE_ANSWER_MISTAKES: dict[str, tuple[str, str, str, Callable[..., sympy.Expr]]] = {
    "sign_error": (
        N_("the answer is the negative of the derivative"),
        N_("Check the signs: (cos x)' = -sin x, and the quotient rule subtracts f g'."),
        "value",
        lambda f, df, other: -df,
    ),
    "original_function": (
        N_("the answer is the original function, not its derivative"),
        N_("You copied the function; apply the differentiation rules to it."),
        "value",
        lambda f, df, other: f,
    ),
    "antiderivative": (
        N_("the answer is an antiderivative (you integrated instead of differentiating)"),
        N_(
            "Differentiate: the derivative of your answer is the function itself, not its derivative."
        ),
        "derivative",
        lambda f, df, other: f,
    ),
    "wrong_variable": (
        N_("the answer is the partial derivative with respect to another variable"),
        N_(
            "Differentiate with respect to the variable asked for and treat the others as constants."
        ),
        "value",
        _partial_by_name,
    ),
    "first_derivative_given": (
        N_(
            "first derivative given: the answer is f', but the problem asks for a higher derivative"
        ),
        N_("Differentiate again: f'' is the derivative of f', and f''' the derivative of f''."),
        "value",
        _partial_by_name,
    ),
}


#: An answer typed with ``+ C`` at the end: the constant of integration says the student
#: integrated (recognised from the text, whatever the rest is worth), reported as the
#: whole-answer mistake ``antiderivative`` with its own description and hint.
INTEGRATION_CONSTANT = Mistake(
    "antiderivative",
    "integration_constant",
    N_(
        "the answer ends in '+ C', the constant of an antiderivative: that is integrating, "
        "not differentiating"
    ),
    N_("A derivative has no '+ C': differentiate the function and leave the constant out."),
)


@functools.lru_cache(maxsize=1024)
def _candidates(
    expr: sympy.Expr, var: sympy.Symbol
) -> tuple[tuple[WrongDerivative, ...], sympy.Expr]:
    """The faulty derivatives that differ in form from the correct one, and the correct one."""
    correct = differentiate(expr, var)
    out: list[WrongDerivative] = []
    for name, table in _FAULTY_TABLES.items():
        try:
            wrong = apply_rules(table, expr, var).result
        except (VerifierError, RecursionError):
            continue
        if wrong != correct.unsimplified and light_simplify(wrong) != correct.result:
            out.append(WrongDerivative(MISTAKES[name], wrong))
    return tuple(out), correct.unsimplified


register_cache(_candidates.cache_clear)


def wrong_derivatives(
    expr: sympy.Expr | str,
    var: str | sympy.Symbol = "x",
    *,
    differs: Callable[[sympy.Expr, sympy.Expr], bool] | None = None,
) -> list[WrongDerivative]:
    """Derivatives a student would get with one rule replaced by a faulty variant.

    Only variants that differ from the correct derivative are returned, in the order
    of :data:`MISTAKES`.  A variant differs when its form differs after the same
    :func:`~verifier.symbolic.rules.light_simplify`, and, if ``differs`` is given,
    when ``differs(wrong, correct)`` is true as well (both as the rules give them,
    unsimplified; e.g. a check at a few points by the numeric evaluator).  ``var``
    is matched by name, like :func:`~verifier.symbolic.rules.differentiate`.  The
    variants are cached by ``(expr, var)``; ``differs`` is called on every call.

    >>> [w.mistake.name for w in wrong_derivatives("x^2 + 1")]
    ['power_not_lowered']
    >>> wrong_derivatives("sin(x)/x", differs=lambda wrong, correct: False)
    []
    """
    d = differentiate(expr, var)
    found, correct = _candidates(d.expr, d.var)
    if differs is None:
        return list(found)
    return [w for w in found if differs(w.result, correct)]
