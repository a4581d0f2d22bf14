"""The rule table: each sympy head's derivative rule, and ``differentiate`` that applies it.

One table, :data:`RULES`, maps a sympy *head* (``Add``, ``Mul``, ``Pow``, ``sin``,
...) to a small rule function; each rule's docstring states its identity.  A rule
returns a frozen :class:`Step` that carries its own result and the steps it used,
so the whole derivation is a tree computed once (by :mod:`verifier.symbolic.engine`)
and printed separately (:mod:`verifier.symbolic.steps`).  Mistakes students make are
faulty variants of rows of this table (:mod:`verifier.symbolic.mistakes`).

Symbols are matched by name: ``x`` means the expression's own ``x``, whatever its
assumptions.  Nothing here evaluates numbers.

>>> from verifier.expr import symbol
>>> x = symbol("x")
>>> d = differentiate(x**3 * sympy.exp(x), x)
>>> d.result
x**3*exp(x) + 3*x**2*exp(x)
>>> [s.rule for s in d.steps]
['product', 'power', 'exp']
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import sympy

from verifier.errors import VerifierError
from verifier.expr import parse, symbol
from verifier.i18n import N_, _
from verifier.symbolic.engine import (
    MEMO_LIMIT,
    Chain,
    Derivation,
    Derivatives,
    Engine,
    RuleFn,
    RuleTable,
    Step,
    apply_rules,
    clear_caches,
    light_simplify,
    pass_variables,
    register_cache,
    repeat_passes,
)

__all__ = [
    "RULE_NAMES", "RULE_INFO", "RULES", "Chain", "RuleTable", "Step", "Derivation",
    "differentiate", "raw_derivative", "gradient", "light_simplify", "Derivatives", "identity_of", "clear_caches",
    # the pieces faulty rows are made of (verifier.symbolic.mistakes)
    "apply_rules", "chain_rule", "mul_rule", "pow_rule", "product_terms", "unary_rule",
]  # fmt: skip

# --------------------------------------------------------------------------- vocabulary

#: rule name -> (label shown to a student, identity as plain text, identity as LaTeX).
#: These names are a fixed vocabulary: case files list them in ``rules = [...]``.
RULE_INFO: dict[str, tuple[str, str, str]] = {
    "constant": (N_("constant rule"), "(c)' = 0", r"(c)' = 0"),
    "variable": (N_("variable rule"), "(x)' = 1", r"(x)' = 1"),
    "constant_multiple": (N_("constant multiple rule"), "(c f)' = c f'", r"(c f)' = c f'"),
    "sum": (N_("sum rule"), "(f + g)' = f' + g', (f + c)' = f'", r"(f + g)' = f' + g'"),
    "power": (N_("power rule"), "(x^n)' = n x^(n-1)", r"(x^n)' = n x^{n-1}"),
    "exp": (N_("exp rule"), "(e^x)' = e^x", r"(e^x)' = e^x"),
    "general_exponential": (
        N_("general exponential rule"),
        "(a^x)' = a^x ln(a)",
        r"(a^x)' = a^x \ln a",
    ),
    "product": (N_("product rule"), "(f g)' = f' g + f g'", r"(f g)' = f' g + f g'"),
    "quotient": (
        N_("quotient rule"),
        "(f/g)' = (f' g - f g')/g^2",
        r"\left(\frac{f}{g}\right)' = \frac{f' g - f g'}{g^2}",
    ),
    "chain": (N_("chain rule"), "(f(u))' = f'(u) u'", r"(f(u))' = f'(u)\,u'"),
    "log": (N_("log rule"), "(ln x)' = 1/x", r"(\ln x)' = \frac{1}{x}"),
    "trig": (N_("trig rule"), "(sin x)' = cos x, (cos x)' = -sin x, ...", r"(\sin x)' = \cos x"),
    "inverse_trig": (
        N_("inverse trig rule"),
        "(asin x)' = 1/sqrt(1 - x^2), (atan x)' = 1/(1 + x^2), ...",
        r"(\arcsin x)' = \frac{1}{\sqrt{1 - x^2}}",
    ),
    "hyperbolic": (
        N_("hyperbolic rule"),
        "(sinh x)' = cosh x, (cosh x)' = sinh x, ...",
        r"(\sinh x)' = \cosh x",
    ),
    "root": (
        N_("root rule"),
        "(x^(1/n))' = (1/n) x^(1/n - 1)",
        r"(\sqrt[n]{x})' = \frac{1}{n} x^{1/n - 1}",
    ),
    "abs": (
        N_("abs rule"),
        N_("(|x|)' = sign(x), undefined at x = 0"),
        r"(|x|)' = \operatorname{sign} x",
    ),
    "variable_exponent": (
        N_("variable exponent rule (logarithmic differentiation)"),
        "(u^v)' = u^v (v ln u)'",
        r"(u^v)' = u^v \left(v \ln u\right)'",
    ),
    "fallback": (
        N_("fallback (sympy.diff)"),
        N_("computed by sympy.diff"),
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


# --------------------------------------------------------------------------- the rules
# Each rule is called only when expr depends on var; constants and the variable itself
# are handled by the engine before the table is consulted.  The keyword arguments are the
# formulas a faulty row (verifier.symbolic.mistakes) replaces.


def _add_rule(expr: sympy.Expr, var: sympy.Symbol, eng: Engine) -> Step:
    """Sum rule: d/dx (f + g) = f' + g'; a constant term drops out: d/dx (f + c) = f'."""
    subs = tuple(eng.d(t, var) for t in expr.args)
    note = N_("constant term drops out") if any(s.rule == "constant" for s in subs) else ""
    parts = tuple(s.result for s in subs if s.result != 0)
    return Step("sum", expr, var, sympy.Add(*parts), subs, note, parts)


def product_terms(
    factors: Sequence[sympy.Expr], derivs: Sequence[sympy.Expr]
) -> tuple[sympy.Expr, ...]:
    """(f1 f2 ... fn)' = sum_i f1 ... fi' ... fn, as the tuple of its terms.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> product_terms([x, sympy.sin(x)], [1, sympy.cos(x)])
    (sin(x), x*cos(x))
    """
    return tuple(sympy.Mul(*factors[:i], di, *factors[i + 1 :]) for i, di in enumerate(derivs))


def _quotient_formula(n: sympy.Expr, dn: sympy.Expr, g: sympy.Expr, dg: sympy.Expr) -> sympy.Expr:
    """(f/g)' = (f' g - f g') / g^2."""
    return (dn * g - n * dg) / g**2


def mul_rule(
    expr: sympy.Expr,
    var: sympy.Symbol,
    eng: Engine,
    *,
    product: Callable[..., tuple[sympy.Expr, ...]] = product_terms,
    quotient: Callable[..., sympy.Expr] = _quotient_formula,
    constant_multiple: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = sympy.Mul,
) -> Step:
    """Products, by shape.

    * constant multiple: d/dx (c f) = c f'  (also division by a constant, e.g. log(x)/log(2));
    * quotient, when a factor is a negative power of something depending on x:
      d/dx (f/g) = (f' g - f g') / g^2;
    * product of n factors: d/dx (f g h) = f' g h + f g' h + f g h'.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> mul_rule(3 * sympy.sin(x), x, Engine(RULES, False)).result
    3*cos(x)
    """
    const: list[sympy.Expr] = []
    num: list[sympy.Expr] = []
    den: list[sympy.Expr] = []  # denominator factors as positive powers
    for f in expr.args:
        if var not in f.free_symbols:
            const.append(f)
        elif f.is_Pow and f.exp.is_number and f.exp.is_extended_negative:
            den.append(sympy.Pow(f.base, -f.exp))
        else:
            num.append(f)
    if const:
        inner = sympy.Mul(*num) / sympy.Mul(*den)
        sub = eng.d(inner, var)
        result = constant_multiple(sympy.Mul(*const), sub.result)
        return Step("constant_multiple", expr, var, result, (sub,))
    if den:
        f, g = sympy.Mul(*num), sympy.Mul(*den)
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


def pow_rule(
    expr: sympy.Expr,
    var: sympy.Symbol,
    eng: Engine,
    *,
    power: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = _power_formula,
    general_exponential: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = _general_exp_formula,
) -> Step:
    """Powers, by which part depends on x.

    * power: d/dx x^n = n x^(n-1) for any constant n; root when n = 1/k (sqrt, cbrt, ...);
    * exp: d/dx e^x = e^x; general exponential: d/dx a^x = a^x ln(a) (a constant);
    * variable exponent (logarithmic differentiation): d/dx u^v = u^v (v ln u)';
    * a non-trivial base or exponent goes through the chain rule first.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> pow_rule(2**x, x, Engine(RULES, False)).result
    2**x*log(2)
    """
    base, ex = expr.args
    base_dep, ex_dep = var in base.free_symbols, var in ex.free_symbols
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


def chain_rule(
    expr: sympy.Expr,
    var: sympy.Symbol,
    eng: Engine,
    *,
    combine: Callable[[sympy.Expr, sympy.Expr], sympy.Expr] = sympy.Mul,
) -> Step:
    """Chain rule: d/dx f(u) = f'(u) u', for any unary f and inner u(x).

    Substeps: the outer rule applied to f(u) with respect to a stand-in ``u``, and
    the derivative of the inner expression (for a power, whichever of base and
    exponent depends on x).  ``combine(f'(u), u')`` is the product.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> chain_rule(sympy.sin(x**2), x, Engine(RULES, False)).result
    2*x*cos(x**2)
    """
    slot = 1 if expr.is_Pow and var not in expr.base.free_symbols else 0
    inner = expr.args[slot]
    u = eng.dummy(expr)
    args = list(expr.args)
    key = (expr.func, slot, *args[:slot], *args[slot + 1 :], u)
    outer = eng.memo.get(key)
    if outer is None:
        args[slot] = u
        outer = eng.d(expr.func(*args), u)
        if len(eng.memo) > MEMO_LIMIT:
            eng.memo.clear()
        eng.memo[key] = outer
    inner_step = eng.d(inner, var)
    df = outer.result.xreplace({u: inner})
    return Step("chain", expr, var, combine(df, inner_step.result), (outer, inner_step))


def unary_rule(
    rule: str, formula: Callable[[sympy.Expr], sympy.Expr], identity: str, note: str = ""
) -> RuleFn:
    """A row for a unary head: d/dx f(x) = formula(x); f(u) of an inner u goes to the chain rule.

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> row = unary_rule("trig", sympy.cos, "(sin(x))' = cos(x)")
    >>> row.__doc__, row(sympy.sin(x), x, Engine(RULES, False)).result
    ("(sin(x))' = cos(x)", cos(x))
    """

    def apply(expr: sympy.Expr, var: sympy.Symbol, eng: Engine) -> Step:
        if expr.args[0] != var:
            return eng.table[Chain](expr, var, eng)
        return Step(rule, expr, var, formula(var), note=note)

    apply.__doc__ = identity
    apply.__name__ = apply.__qualname__ = f"{rule}_rule"
    return apply


U = sympy.Dummy("u", real=True)  # the argument in the formulas below
_sqrt, _abs = sympy.sqrt, sympy.Abs
# head -> (rule name, d/du f(u) as an expression in U, identity): the textbook forms.
_UNARY_TABLE: dict[type, tuple[str, sympy.Expr, str]] = {
    sympy.exp: ("exp", sympy.exp(U), "(e^x)' = e^x"),
    sympy.log: ("log", 1 / U, "(ln(x))' = 1/x (log_b x = ln x / ln b)"),
    sympy.sin: ("trig", sympy.cos(U), "(sin(x))' = cos(x)"),
    sympy.cos: ("trig", -sympy.sin(U), "(cos(x))' = -sin(x)"),
    sympy.tan: ("trig", sympy.sec(U) ** 2, "(tan(x))' = sec(x)^2"),
    sympy.sec: ("trig", sympy.sec(U) * sympy.tan(U), "(sec(x))' = sec(x) tan(x)"),
    sympy.csc: ("trig", -sympy.csc(U) * sympy.cot(U), "(csc(x))' = -csc(x) cot(x)"),
    sympy.cot: ("trig", -(sympy.csc(U) ** 2), "(cot(x))' = -csc(x)^2"),
    sympy.asin: ("inverse_trig", 1 / _sqrt(1 - U**2), "(asin(x))' = 1/sqrt(1 - x^2)"),
    sympy.acos: ("inverse_trig", -1 / _sqrt(1 - U**2), "(acos(x))' = -1/sqrt(1 - x^2)"),
    sympy.atan: ("inverse_trig", 1 / (1 + U**2), "(atan(x))' = 1/(1 + x^2)"),
    sympy.acot: ("inverse_trig", -1 / (1 + U**2), "(acot(x))' = -1/(1 + x^2)"),
    sympy.asec: (
        "inverse_trig",
        1 / (_abs(U) * _sqrt(U**2 - 1)),
        "(asec(x))' = 1/(|x| sqrt(x^2 - 1))",
    ),
    sympy.acsc: (
        "inverse_trig",
        -1 / (_abs(U) * _sqrt(U**2 - 1)),
        "(acsc(x))' = -1/(|x| sqrt(x^2 - 1))",
    ),
    sympy.sinh: ("hyperbolic", sympy.cosh(U), "(sinh(x))' = cosh(x)"),
    sympy.cosh: ("hyperbolic", sympy.sinh(U), "(cosh(x))' = sinh(x)"),
    sympy.tanh: ("hyperbolic", sympy.sech(U) ** 2, "(tanh(x))' = sech(x)^2"),
    sympy.coth: ("hyperbolic", -(sympy.csch(U) ** 2), "(coth(x))' = -csch(x)^2"),
    sympy.sech: ("hyperbolic", -sympy.sech(U) * sympy.tanh(U), "(sech(x))' = -sech(x) tanh(x)"),
    sympy.csch: ("hyperbolic", -sympy.csch(U) * sympy.coth(U), "(csch(x))' = -csch(x) coth(x)"),
    sympy.asinh: ("hyperbolic", 1 / _sqrt(U**2 + 1), "(asinh(x))' = 1/sqrt(x^2 + 1)"),
    sympy.acosh: ("hyperbolic", 1 / _sqrt(U**2 - 1), "(acosh(x))' = 1/sqrt(x^2 - 1), x > 1"),
    sympy.atanh: ("hyperbolic", 1 / (1 - U**2), "(atanh(x))' = 1/(1 - x^2), |x| < 1"),
    sympy.asech: (
        "hyperbolic",
        -1 / (U * _sqrt(1 - U**2)),
        "(asech(x))' = -1/(x sqrt(1 - x^2)), 0 < x < 1",
    ),
    sympy.acsch: (
        "hyperbolic",
        -1 / (_abs(U) * _sqrt(U**2 + 1)),
        "(acsch(x))' = -1/(|x| sqrt(x^2 + 1)), x != 0",
    ),
    sympy.acoth: ("hyperbolic", 1 / (1 - U**2), "(acoth(x))' = 1/(1 - x^2), |x| > 1"),
    sympy.Abs: ("abs", sympy.sign(U), N_("(|x|)' = sign(x), undefined at x = 0")),
    sympy.sign: ("constant", sympy.S.Zero, N_("(sign(x))' = 0 for x != 0, undefined at 0")),
}
#: what a step of these heads says beyond its identity
_NOTES = {
    sympy.Abs: N_("undefined where the argument is 0"),
    sympy.sign: N_("sign is constant away from 0"),
}

#: The rule table: sympy head -> rule function ``(expr, var, engine) -> Step``.
#: Symbols and numbers (x, 2, pi, E, other variables) never reach the table: the engine
#: gives them the ``variable`` and ``constant`` rules directly.
RULES: RuleTable = RuleTable(
    {
        sympy.Add: _add_rule,
        sympy.Mul: mul_rule,
        sympy.Pow: pow_rule,
        Chain: chain_rule,
        **{
            h: unary_rule(r, sympy.Lambda(U, d), i, _NOTES.get(h, ""))
            for h, (r, d, i) in _UNARY_TABLE.items()
        },
    }
)


# --------------------------------------------------------------------------- public API


def _as_var(var: str | sympy.Symbol, expr: sympy.Expr) -> sympy.Symbol:
    """The expression's own symbol named like ``var`` (any assumptions), else a new one."""
    if isinstance(var, sympy.Dummy) or (isinstance(var, sympy.Symbol) and var in expr.free_symbols):
        return var
    name = var.name if isinstance(var, sympy.Symbol) else var
    if not isinstance(name, str) or not name.isidentifier():
        raise VerifierError(
            _("cannot differentiate with respect to {var}: not a variable name").format(
                var=repr(var)
            ),
            hint=_("name one variable, e.g. 'x', 'y', 'x0' or 'θ'"),
        )
    same = {s for s in expr.free_symbols if type(s) is sympy.Symbol and s.name == name}
    if len(same) > 1:
        raise VerifierError(
            _("the expression has {n} different symbols named {name}").format(
                n=len(same), name=repr(name)
            ),
            hint=_("make symbols with verifier.expr.symbol or parse: one name, one variable"),
        )
    if same:
        return same.pop()
    return var if isinstance(var, sympy.Symbol) else symbol(name)


def _as_expr(expr: sympy.Expr | str | int) -> sympy.Expr:
    if isinstance(expr, str):
        return parse(expr, variables=None)
    if isinstance(expr, bool):
        raise VerifierError(_("cannot differentiate a bool"))
    if isinstance(expr, int):
        return sympy.Integer(expr)
    if isinstance(expr, sympy.Expr):
        return expr
    raise VerifierError(
        _("cannot differentiate an object of type {type}").format(type=type(expr).__name__),
        hint=_("pass a sympy expression or the text of one, e.g. 'x^2 + 1'"),
    )


@functools.lru_cache(maxsize=2048)
def _derive(expr: sympy.Expr, var: sympy.Symbol, fallback: bool) -> Derivation:
    step = apply_rules(RULES, expr, var, fallback=fallback)
    return Derivation(expr, var, light_simplify(step.result), step.result, step)


register_cache(_derive.cache_clear)


@functools.lru_cache(maxsize=2048)
def _raw(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    return apply_rules(RULES, expr, var, fallback=True).result


register_cache(_raw.cache_clear)


def raw_derivative(expr: sympy.Expr, var: str | sympy.Symbol) -> sympy.Expr:
    """``d/d(var) expr`` as the rules give it, without the display tidy-up that costs more than
    the pass (the error model's higher derivatives: steps nobody reads).

    >>> raw_derivative(sympy.Symbol("x") ** 3, "x")
    3*x**2
    """
    return _raw(expr, _as_var(var, expr))


def differentiate(
    expr: sympy.Expr | str,
    var: str | sympy.Symbol | Sequence[str | sympy.Symbol] = "x",
    *,
    order: int = 1,
    fallback: bool = False,
) -> Derivation | Derivatives:
    """Differentiate ``expr`` with respect to ``var`` by the rule table, keeping the steps.

    Text is parsed with :func:`verifier.expr.parse` (variables inferred); other
    variables are treated as constants (a partial derivative).  ``var`` (a name or
    a symbol) means the expression's symbol of that name, whatever its assumptions.
    ``order=n`` or a list of variables (a mixed partial, ``["x", "y"]`` is d/dy d/dx)
    gives :class:`Derivatives`: one derivation per pass, each of the last one's result.

    >>> d = differentiate("x^3 e^x")
    >>> d.result, [s.rule for s in d.steps]
    (x**3*exp(x) + 3*x**2*exp(x), ['product', 'power', 'exp'])
    >>> differentiate("x^2 y + y^2", "y").result
    x**2 + 2*y
    >>> differentiate(sympy.Symbol("t", positive=True) ** 2, "t").result
    2*t
    >>> differentiate("x^4", order=2).result, differentiate("x^2 y^3", ["x", "y"]).result
    (12*x**2, 6*x*y**2)
    """
    e, names, fb = _as_expr(expr), pass_variables(var, order), bool(fallback)
    if names is None:
        return _derive(e, _as_var(var, e), fb)
    return repeat_passes(e, [_as_var(v, e) for v in names], lambda f, v: _derive(f, v, fb))


def gradient(
    expr: sympy.Expr | str, variables: Sequence[str | sympy.Symbol]
) -> dict[str, Derivation]:
    """All partial derivatives, ordered like ``variables``: name -> :class:`Derivation`.

    >>> g = gradient("x0^2 + x1^2", ["x0", "x1"])
    >>> {k: v.result for k, v in g.items()}
    {'x0': 2*x0, 'x1': 2*x1}
    """
    e = _as_expr(expr)
    return {(sym := _as_var(v, e)).name: _derive(e, sym, False) for v in variables}
