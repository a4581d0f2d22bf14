"""Higher and mixed derivatives by the rule table against sympy.diff; the Hessian; passes."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.compare import compare
from verifier.errors import VerifierError
from verifier.expr import parse, symbol
from verifier.numeric.evaluate import Undefined, mp_value
from verifier.symbolic.engine import Derivatives
from verifier.symbolic.hessian import hessian
from verifier.symbolic.rules import RULES, Chain, Derivation, differentiate
from verifier.symbolic.steps import derivation_to_dict, render_steps

x, y, z = symbol("x"), symbol("y"), symbol("z")

#: points tried for each comparison; the ones where either side is undefined are skipped
_POINTS = (0.3, 0.55, 0.8, 1.4, 2.3, 3.7, -0.45, -1.7)


def _agree(ours: sympy.Expr, theirs: sympy.Expr, names: tuple[str, ...], seed: str) -> int:
    """Points (of the few tried) where both are defined; fails unless they agree there.

    Both sides are evaluated at 40 digits by the package's one evaluator, so two forms of
    one function agree to ~1e-35: rtol 1e-12 (as the textbook table uses) leaves room for
    cancellation in long third derivatives.  DiracDelta (sympy's d/dx sign) is 0 away
    from the origin, which no point here is.
    """
    theirs = theirs.replace(sympy.DiracDelta, lambda *a: sympy.S.Zero)
    rng = random.Random(seed)
    pairs = []
    for _ in range(8):
        pt = {n: rng.choice(_POINTS) for n in names}
        try:
            a, b = mp_value(ours, pt), mp_value(theirs, pt)
        except Undefined:
            continue
        pairs.append((pt, a, b))
    if pairs:
        res = compare(
            np.array([b for *_, b in pairs], dtype=object),
            np.array([a for _, a, _ in pairs], dtype=object),
            rtol=1e-12,
            atol=1e-12,
        )
        assert res.ok, f"ours {ours} != sympy {theirs} at {[p for p, *_ in pairs]}"
    return len(pairs)


# (text, order): one second and one third derivative of every head of the table at least
ORDERED = [
    *[
        (t, k)
        for t in (
            "x^5 - 3x^3 + x",
            "x^(-2)",
            "sqrt(x)",
            "x^(3/2) + x^(1/3)",
            "1/(1 + x^2)",
            "x^2 e^x",
            "e^(3x) sin(x)",
            "2^x",
            "x^x",
            "(x + 1)^(x - 1)",
            "ln(x)",
            "ln(1 + x^2)",
            "x ln(x)",
            "log(x, 10)",
            "sin(x)",
            "cos(2x)",
            "tan(x)",
            "sec(x)",
            "csc(x)",
            "cot(x)",
            "sin(x)^2 cos(x)",
            "asin(x/4)",
            "acos(x/4)",
            "atan(x)",
            "acot(x)",
            "asec(x + 2)",
            "acsc(x + 2)",
            "sinh(x)",
            "cosh(x^2)",
            "tanh(x)",
            "coth(x + 2)",
            "sech(x)",
            "csch(x + 1)",
            "asinh(x)",
            "acosh(x + 2)",
            "atanh(x/4)",
            "asech(x/4 + 0.5)",
            "acsch(x + 1)",
            "acoth(x + 2)",
            "|x| x",
            "sign(x) x^2",
            "|x^2 - 1|",
            "e^(sin(x))",
            "sin(e^x)",
            "sqrt(1 + x^2)",
            "(x^2 + 1)/(x - 5)",
            "x/(1 + e^x)",
        )
        for k in (2, 3)
    ],  # fmt: skip
]
MIXED = [
    ("x^2 y^3", ["x", "y"]),
    ("x^2 y^3", ["y", "x"]),
    ("x^3 y^2 z", ["x", "y", "z"]),
    ("e^(x y)", ["x", "y"]),
    ("e^(x y)", ["x", "x", "y"]),
    ("sin(x y)", ["x", "y"]),
    ("cos(x + y^2)", ["y", "x"]),
    ("ln(x^2 + y^2 + 1)", ["x", "y"]),
    ("x^y", ["x", "y"]),
    ("y^x", ["x", "y", "y"]),
    ("sqrt(x^2 + y^2 + 1)", ["x", "y"]),
    ("atan(y/x)", ["x", "y"]),
    ("x/(x + y + 4)", ["y", "x"]),
    ("tanh(x y)", ["x", "y"]),
    ("asin(x y/10)", ["x", "y"]),
    ("sinh(x) cosh(y)", ["x", "y", "x"]),
    ("x e^y + y ln(x)", ["x", "y"]),
    ("tan(x + y)", ["x", "y"]),
    ("sec(x y)", ["y", "x"]),
    ("|x| y^2", ["x", "y"]),
    ("2^(x y)", ["x", "y"]),
    ("acot(x + y)", ["x", "y"]),
    ("x y z", ["x", "y", "z"]),
    ("e^(x + 2y) sin(z)", ["z", "y", "x"]),
]


def _heads(expr: sympy.Expr) -> set:
    out = set()
    for n in sympy.preorder_traversal(expr):
        if type(n) in RULES:
            out.add(type(n))
            if len(n.args) == 1 and not n.args[0].is_Symbol and n.args[0].has(x, y, z):
                out.add(Chain)
    return out


def test_the_tables_are_large_and_cover_every_head():
    assert len(ORDERED) >= 60 and {k for _, k in ORDERED} == {2, 3}
    assert len(MIXED) >= 20 and all(len(set(v)) > 1 for _, v in MIXED)
    seen = set().union(*(_heads(parse(t)) for t, _ in ORDERED))
    assert seen == set(RULES), set(RULES) - seen
    assert set().union(*(_heads(parse(t, variables=None)) for t, _ in MIXED)) >= {
        sympy.Add, sympy.Mul, sympy.Pow, Chain, sympy.exp, sympy.log, sympy.sin,
    }  # fmt: skip


@pytest.mark.parametrize(("text", "order"), ORDERED, ids=[f"{t} ({k})" for t, k in ORDERED])
def test_higher_derivatives_equal_sympy_diff(text, order):
    expr = parse(text)
    d = differentiate(expr, "x", order=order)
    assert isinstance(d, Derivatives) and d.order == order and len(d.passes) == order
    # each pass differentiates the one before: the chain is the derivative, step by step
    assert d.passes[0].expr == expr
    for before, after in zip(d.passes, d.passes[1:], strict=False):
        assert after.expr == before.result
    theirs = sympy.diff(expr, x, order)
    assert _agree(d.result, theirs, ("x",), text) >= 2, f"no points in the domain of {text}"


@pytest.mark.parametrize(("text", "variables"), MIXED, ids=[f"{t} {v}" for t, v in MIXED])
def test_mixed_partials_equal_sympy_diff(text, variables):
    expr = parse(text, variables=None)
    d = differentiate(expr, variables)
    assert [v.name for v in d.variables] == variables
    syms = {s.name: s for s in expr.free_symbols}
    theirs = sympy.diff(expr, *[syms[v] for v in variables])
    names = tuple(sorted(syms))
    assert _agree(d.result, theirs, names, text) >= 2


# ----------------------------------------------------------------------------- hypothesis

_UNARY = sorted((h for h in RULES if h not in (sympy.Add, sympy.Mul, sympy.Pow, Chain)), key=str)
_LEAVES = st.sampled_from([x, x, x, sympy.Integer(2), sympy.Rational(1, 2), sympy.Integer(-3)])


def _exprs(depth: int) -> st.SearchStrategy[sympy.Expr]:
    """Small random expressions (cheap at order 3): every head, sums, products, powers."""
    if depth == 0:
        return _LEAVES
    sub = _exprs(depth - 1)
    return st.one_of(
        _LEAVES,
        st.builds(lambda h, a: h(a), st.sampled_from(_UNARY), sub),
        st.builds(lambda a, b: a + b, sub, sub),
        st.builds(lambda a, b: a * b, sub, sub),
        st.builds(lambda a, b: a / b, sub, sub),
        st.builds(lambda a, n: a**n, sub, st.sampled_from([-1, 2, 3, sympy.Rational(1, 2)])),
    )


_tally = {"examples": 0, "checked": 0}


@settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(expr=_exprs(3), order=st.sampled_from([2, 3]))
def _check_random(expr: sympy.Expr, order: int) -> None:
    _tally["examples"] += 1
    foreign = {
        type(n)
        for n in sympy.preorder_traversal(expr)
        if isinstance(n, sympy.Function) and type(n) not in RULES and n.has(x)
    }
    if foreign:  # sympy's evaluation made re(...)/im(...): no row (test_symbolic_rules covers it)
        return
    d = differentiate(expr, x, order=order)
    theirs = sympy.diff(expr, x, order)
    if theirs.has(sympy.Derivative, sympy.zoo, sympy.nan) or d.result.has(sympy.zoo, sympy.nan):
        return  # sympy left a derivative unevaluated, or 0**x made zoo: no oracle here
    if _agree(d.result, theirs, ("x",), str(expr)) > 0:
        _tally["checked"] += 1


def test_random_expressions_at_orders_two_and_three_equal_sympy_diff():
    _check_random()
    assert _tally["examples"] >= 500
    # most random expressions are defined at some of the points; all of those agreed
    assert _tally["checked"] >= 0.6 * _tally["examples"], _tally


# ----------------------------------------------------------------------------- API and printing


def test_order_one_is_the_plain_derivation_and_bad_orders_are_refused():
    assert isinstance(differentiate("x^3"), Derivation)
    assert isinstance(differentiate("x^3", ["x"]), Derivatives)
    assert differentiate("x^3", order=np.int64(2)).result == 6 * x
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(VerifierError, match="whole number >= 1"):
            differentiate("x^3", order=bad)
    with pytest.raises(VerifierError, match="not both"):
        differentiate("x^3", ["x", "x"], order=2)
    with pytest.raises(VerifierError, match="list of variables"):
        differentiate("x^3", [])


def test_high_order_of_a_power_is_not_capped():
    assert differentiate(x**150, "x", order=150).result == sympy.factorial(150)
    assert differentiate("x^3", order=4).result == 0


def test_passes_render_and_serialize():
    d = differentiate("x^3 e^x", order=2)
    text = render_steps(d)
    assert "pass 1 of 2" in text and "pass 2 of 2" in text
    assert text.rstrip().endswith("= x^3 e^x + 6x^2 e^x + 6x e^x")
    assert "### Pass 2 of 2" in render_steps(d, "markdown")
    assert r"\frac{d^{2}}{dx^{2}}" in render_steps(d, "latex")
    assert r"\partial y\,\partial x" in render_steps(differentiate("x^2 y^3", ["x", "y"]), "latex")
    js = derivation_to_dict(d)
    assert js["order"] == 2 and js["operator"] == "d^2/dx^2" and len(js["passes"]) == 2
    frame = d.to_frame()
    assert sorted(set(frame["pass"])) == [1, 2] and "product" in set(frame["rule"])
    assert str(differentiate("x^2 y^3", ["x", "y", "y"])) == "d^3/dy^2 dx x**2*y**3 = 12*x*y"


def test_hessian_entries_are_derivations_and_symmetric():
    h = hessian("x^3 y + sin(x y)", ["x", "y"])
    f = h.expr
    want = sympy.Matrix(2, 2, lambda i, j: sympy.diff(f, [x, y][i], [x, y][j]))
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(h.matrix, want, strict=True))
    assert h.symmetric and h.entries[0][1].variables == (x, y)
    assert h.to_frame().shape == (4, 3)
    with pytest.raises(VerifierError, match="list of variables"):
        hessian("x y", "x")
    with pytest.raises(VerifierError, match="repeat"):
        hessian("x y", ["x", "x"])
