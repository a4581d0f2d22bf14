"""The rule engine against its oracle (sympy.diff), the seed's rules, errors, symbols by name."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.compare import compare
from verifier.errors import UnsupportedError, VerifierError
from verifier.expr import FUNCTIONS, parse, symbol
from verifier.numeric.evaluate import Undefined, mp_value
from verifier.symbolic import mistakes
from verifier.symbolic.rules import (
    RULE_INFO,
    RULE_NAMES,
    RULES,
    Chain,
    Derivation,
    Step,
    clear_caches,
    differentiate,
    gradient,
    light_simplify,
)

x, y = symbol("x"), symbol("y")
x0, x1 = symbol("x0"), symbol("x1")


def _load_textbook() -> list[tuple[str, str, str, tuple[str, ...]]]:
    path = Path(__file__).parent.parent / "data" / "textbook.py"
    spec = importlib.util.spec_from_file_location("_textbook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TEXTBOOK


TEXTBOOK = _load_textbook()

# the other letters of the textbook table are constants with these values
CONSTANTS = {symbol("y"): sympy.Rational(7, 10), symbol("a"): 2, symbol("b"): -3, symbol("c"): 5}


# --------------------------------------------------------------------------- the oracle


def _values(expr: sympy.Expr, points: list[float]) -> list[mpmath.mpf | None]:
    """expr at each x (40 digits, the package's one evaluator, real domain); None where it is
    undefined, not real or not finite.  The evaluator shares no code with the rule engine, so it
    is a fair judge of it (sympy 1.12's own mpmath printer got cot(x)**-2 wrong)."""
    expr = expr.xreplace(CONSTANTS)
    # sympy.diff writes d|u|/dx with DiracDelta terms, zero away from the kinks we avoid
    expr = expr.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    # a float pass first: mpmath takes unbounded time for cos(10^100000), float just overflows
    screen = sympy.lambdify(x, expr, modules="numpy")
    out: list[mpmath.mpf | None] = []
    for p in points:
        try:
            with np.errstate(all="ignore"):
                z = complex(screen(np.complex128(p)))
            if not (abs(z) < 1e300):
                raise OverflowError
            v = mp_value(expr, {"x": p})
        except (Undefined, ZeroDivisionError, ValueError, OverflowError, TypeError):
            out.append(None)
            continue
        out.append(v if abs(v) <= 1e300 else None)
    return out


def _agrees(ours: sympy.Expr, theirs: sympy.Expr, rng: random.Random) -> int:
    """How many of 5 random points in the domain confirm ours == theirs (1e-12); raises if one
    disagrees.  A difference that expands to 0 counts as 5.

    Bound: both sides are evaluated with mpmath at 30 digits and one of them is rounded to
    float64 (relative error ~1e-16), so equal functions agree far inside rtol = atol = 1e-12;
    a wrong rule changes the value by far more than that at a random point."""
    if ours == theirs or sympy.expand(ours - theirs) == 0:
        return 5
    points = [rng.uniform(0.15, 0.95) for _ in range(3)] + [
        rng.uniform(1.05, 2.6) for _ in range(2)
    ]
    a, b = _values(ours, points), _values(theirs, points)
    pairs = [
        (p, u, v) for p, u, v in zip(points, a, b, strict=True) if u is not None and v is not None
    ]
    if pairs:
        result = compare(
            np.array([v for _, _, v in pairs], dtype=object),
            np.array([float(u) for _, u, _ in pairs]),
            rtol=1e-12,
            atol=1e-12,
        )
        assert result.ok, f"ours {ours} != sympy {theirs} at x = {[p for p, _, _ in pairs]}"
    return len(pairs)


# --------------------------------------------------------------------------- textbook table


def test_textbook_table_covers_every_rule() -> None:
    assert len(TEXTBOOK) >= 80
    expected = set().union(*(rules for *_, rules in TEXTBOOK))
    assert expected == RULE_NAMES - {"fallback"}


@pytest.mark.parametrize(
    ("text", "sympy_text", "what", "rules"), TEXTBOOK, ids=[t[0] for t in TEXTBOOK]
)
def test_textbook_equals_sympy_diff(
    text: str, sympy_text: str, what: str, rules: tuple[str, ...]
) -> None:
    d = differentiate(text)
    assert d.var == x
    reference = sympy.diff(d.expr, x)
    rng = random.Random(text)
    checked = _agrees(d.unsimplified, reference, rng)
    assert checked >= 1, f"no point in the domain of {text} was checked"
    assert _agrees(d.result, reference, rng) >= 1  # the display form is the same function
    assert set(rules) <= d.rules_used, f"{text}: expected {rules}, used {sorted(d.rules_used)}"


# --------------------------------------------------------------------------- random expressions

_UNARY_HEADS = [h for h in RULES if h not in (sympy.Add, sympy.Mul, sympy.Pow, Chain)]
_LEAVES = st.sampled_from(
    [x, x, x, y, sympy.Integer(2), sympy.Integer(-3), sympy.Rational(1, 2), sympy.pi]
)
_EXPONENTS = st.sampled_from(
    [sympy.Integer(n) for n in (-2, -1, 2, 3)]
    + [sympy.Rational(1, 2), sympy.Rational(1, 3), sympy.Rational(3, 2)]
)


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """``base ** exponent``, but a power of two constants becomes their sum: sympy would
    compute 2**(3**(2**...)) exactly, which takes minutes (and is not a derivative test)."""
    if base.has(x) or exponent.has(x):
        return base**exponent
    return base + exponent


def _exprs(depth: int) -> st.SearchStrategy[sympy.Expr]:
    if depth == 0:
        return _LEAVES
    sub = _exprs(depth - 1)
    return st.one_of(
        _LEAVES,
        st.builds(lambda h, a: h(a), st.sampled_from(_UNARY_HEADS), sub),
        st.builds(lambda a, b: a + b, sub, sub),
        st.builds(lambda a, b: a * b, sub, sub),
        st.builds(lambda a, b: a / b, sub, sub),
        st.builds(lambda a, n: a**n, sub, _EXPONENTS),
        st.builds(
            _power,
            st.sampled_from([sympy.Integer(2), sympy.Rational(1, 3), sympy.E]),
            sub,
        ),
        st.builds(_power, sub, sub),
    )


RANDOM_EXPRS = _exprs(4)
_tally = {"examples": 0, "checked": 0, "heads": set()}


def test_strategy_draws_from_every_head_of_the_table() -> None:
    assert set(_UNARY_HEADS) | {sympy.Add, sympy.Mul, sympy.Pow, Chain} == set(RULES)
    assert len(_UNARY_HEADS) >= 20


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(expr=RANDOM_EXPRS)
def _check_random(expr: sympy.Expr) -> None:
    _tally["examples"] += 1
    _tally["heads"].update(type(n) for n in sympy.preorder_traversal(expr))
    foreign = {
        type(n)
        for n in sympy.preorder_traversal(expr)
        if isinstance(n, sympy.Function) and type(n) not in RULES and x in n.free_symbols
    }
    if foreign:  # sympy's own evaluation made re(...), im(...): no row, and the error names it
        with pytest.raises(UnsupportedError, match="no rule for"):
            differentiate(expr, x)
        return
    d = differentiate(expr, x)
    reference = sympy.diff(expr, x)
    if reference.has(sympy.Derivative, sympy.zoo, sympy.nan) or d.unsimplified.has(
        sympy.zoo, sympy.nan
    ):
        return  # sympy left d/dx sign(u) unevaluated, or 0**x made zoo: no oracle here
    if _agrees(d.unsimplified, reference, random.Random(str(expr))) > 0:
        _tally["checked"] += 1


def test_random_expressions_equal_sympy_diff() -> None:
    _check_random()
    assert _tally["examples"] >= 1000
    # most random expressions are defined at some of the points; all of those agreed
    assert _tally["checked"] >= 0.6 * _tally["examples"], _tally
    assert set(_UNARY_HEADS) <= _tally["heads"]


# --------------------------------------------------------------------------- the seed's rules


def test_seed_power_rule() -> None:
    n = symbol("n")
    for k in (2, 3, 7, -1, sympy.Rational(5, 2), n):
        d = differentiate(x**k, x)
        assert sympy.simplify(d.result - k * x ** (k - 1)) == 0
        assert d.step.rule == "power"


def test_seed_exp_rule() -> None:
    d = differentiate(sympy.exp(x), x)
    assert d.result == sympy.exp(x) and d.step.rule == "exp"


def test_seed_constant_multiple() -> None:
    c = symbol("c")
    d = differentiate(c * sympy.sin(x), x)
    assert d.result == c * sympy.cos(x)
    assert d.step.rule == "constant_multiple" and d.step.substeps[0].rule == "trig"


def test_seed_constant_term() -> None:
    d = differentiate(x**2 + 5, x)
    assert d.result == 2 * x
    assert d.step.rule == "sum"
    assert [s.rule for s in d.step.substeps] == ["constant", "power"]
    assert "constant term" in d.step.note


def test_seed_sum_rule() -> None:
    d = differentiate(x**3 + sympy.sin(x), x)
    assert d.result == 3 * x**2 + sympy.cos(x)
    assert d.step.rule == "sum" and {s.rule for s in d.step.substeps} == {"power", "trig"}


def test_seed_product_rule() -> None:
    d = differentiate(x**3 * sympy.exp(x), x)
    assert d.result == 3 * x**2 * sympy.exp(x) + x**3 * sympy.exp(x)
    assert [s.rule for s in d.steps] == ["product", "power", "exp"]
    assert d.step.parts == (3 * x**2 * sympy.exp(x), x**3 * sympy.exp(x))  # f'g, then fg'


def test_seed_worked_example() -> None:
    d = differentiate(x**2 + 2 * x + 1, x)
    assert d.result == 2 * x + 2
    assert {"sum", "power", "constant_multiple", "variable", "constant"} <= d.rules_used


def test_seed_worked_example_from_text() -> None:
    assert differentiate("x^2 + 2x + 1").result == 2 * x + 2


def test_seed_partials_gradient() -> None:
    g = gradient(x0**2 + x1**2, ["x0", "x1"])
    assert list(g) == ["x0", "x1"]
    assert g["x0"].result == 2 * x0 and g["x1"].result == 2 * x1
    assert all(isinstance(v, Derivation) for v in g.values())


def test_partial_treats_other_variables_as_constants() -> None:
    d = differentiate(x**2 * y + sympy.sin(y), y)
    assert d.result == x**2 + sympy.cos(y)
    assert differentiate(x**2 * y, "y").result == x**2
    assert differentiate(sympy.exp(y), x).step.rule == "constant"


# --------------------------------------------------------------------------- specific rules


@pytest.mark.parametrize(
    ("expr", "rule"),
    [
        (sympy.sqrt(x), "root"),
        (sympy.cbrt(x), "root"),
        (2**x, "general_exponential"),
        (x**x, "variable_exponent"),
        (sympy.sin(x) / x, "quotient"),
        (sympy.log(x, 2), "constant_multiple"),
        (sympy.Abs(x), "abs"),
        (sympy.asin(x), "inverse_trig"),
        (sympy.cosh(x), "hyperbolic"),
        (sympy.sin(x**2), "chain"),
        (sympy.Integer(4), "constant"),
        (sympy.pi, "constant"),
        (x, "variable"),
    ],
)
def test_rule_chosen(expr: sympy.Expr, rule: str) -> None:
    assert differentiate(expr, x).step.rule == rule


def test_chain_substeps_are_outer_then_inner() -> None:
    d = differentiate(sympy.sin(x**2), x)
    outer, inner = d.step.substeps
    assert outer.rule == "trig" and outer.var != x and outer.result == sympy.cos(outer.var)
    assert inner.rule == "power" and inner.expr == x**2
    assert d.result == 2 * x * sympy.cos(x**2)


def test_abs_is_sign_times_inner_and_notes_the_kink() -> None:
    d = differentiate(sympy.Abs(x**2 - 4), x)
    assert d.result == 2 * x * sympy.sign(x**2 - 4)
    abs_step = next(s for s in d.steps if s.rule == "abs")
    assert "undefined" in abs_step.note


def test_sign_has_zero_derivative_away_from_zero() -> None:
    assert differentiate(sympy.sign(x), x).result == 0
    assert differentiate(x * sympy.sign(x), x).result == sympy.sign(x)


def test_log_base_is_division_by_a_constant() -> None:
    d = differentiate(sympy.log(x, 2), x)
    assert d.step.rule == "constant_multiple" and d.step.substeps[0].rule == "log"
    assert d.result == 1 / (x * sympy.log(2))


def test_n_factor_product() -> None:
    d = differentiate(x * sympy.sin(x) * sympy.exp(x), x)
    assert d.step.rule == "product" and len(d.step.substeps) == 3 and len(d.step.parts) == 3


def test_result_is_lightly_simplified_and_raw_kept() -> None:
    d = differentiate(sympy.sin(x) / x**2, x)
    assert d.unsimplified == (x**2 * sympy.cos(x) - 2 * x * sympy.sin(x)) / x**4
    assert d.result == (x * sympy.cos(x) - 2 * sympy.sin(x)) / x**3
    assert sympy.simplify(d.result - d.unsimplified) == 0


def test_light_simplify_is_bounded() -> None:
    big = sum((x + k) ** -1 * sympy.sin(k * x) for k in range(1, 40))
    assert light_simplify(big) is big  # over budget: returned untouched, immediately


def test_steps_are_frozen_and_compare_by_identity() -> None:
    a = Step("power", x**2, x, 2 * x)
    b = Step("power", x**2, x, 2 * x)
    assert a != b and a == a
    with pytest.raises(AttributeError):
        a.rule = "sum"  # type: ignore[misc]


def test_rule_table_rows_state_their_identity() -> None:
    for head, rule in RULES.items():
        assert rule.__doc__ and "=" in rule.__doc__, head
    assert set(RULE_INFO) == RULE_NAMES


def test_derivation_frame_and_text() -> None:
    d = differentiate(x**3 * sympy.exp(x), x)
    frame = d.to_frame()
    assert list(frame["rule"]) == ["product", "power", "exp"]
    assert list(frame["depth"]) == [0, 1, 1]
    assert str(d) == "d/dx x**3*exp(x) = x**3*exp(x) + 3*x**2*exp(x)"


# --------------------------------------------------------------------------- unsupported


def test_unsupported_head_is_named() -> None:
    with pytest.raises(UnsupportedError, match=r"no rule for gamma\(x\) \(function gamma\)"):
        differentiate(sympy.gamma(x), x)
    f = sympy.Function("f")
    with pytest.raises(UnsupportedError, match=r"function f"):
        differentiate(f(x) + x, x)
    with pytest.raises(UnsupportedError, match=r"construct Max|function Max"):
        differentiate(sympy.Max(x, x**2), x)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_the_parser_knows_has_a_rule(name: str) -> None:
    arity = FUNCTIONS[name][1]
    arg = (
        "x/3 + 2"
        if name not in ("asin", "acos", "arcsin", "arccos", "atanh", "artanh", "arctanh", "asech")
        else "x/3"
    )
    text = f"{name}({arg})" if arity == 1 else f"{name}({arg}, 3)"
    expr = parse(text, variables=("x",))
    d = differentiate(expr, x)
    assert "fallback" not in d.rules_used
    assert _agrees(d.unsimplified, sympy.diff(expr, x), random.Random(name)) >= 1


def test_unsupported_head_of_a_constant_is_fine() -> None:
    assert differentiate(sympy.gamma(y) * x, x).result == sympy.gamma(y)


def test_fallback_step_is_visible() -> None:
    d = differentiate(x * sympy.gamma(x), x, fallback=True)
    fb = [s for s in d.steps if s.rule == "fallback"]
    assert len(fb) == 1 and "gamma" in fb[0].note
    assert sympy.simplify(d.result - sympy.diff(x * sympy.gamma(x), x)) == 0


def test_bad_arguments() -> None:
    with pytest.raises(VerifierError):
        differentiate([x], x)  # type: ignore[arg-type]
    with pytest.raises(VerifierError):
        differentiate(x, "2x")


# --------------------------------------------------------------------------- symbols by name

X_PLAIN, Y_PLAIN = sympy.Symbol("x"), sympy.Symbol("y")


@pytest.mark.parametrize(
    "sym",
    [
        sympy.Symbol("x"),
        sympy.Symbol("x", positive=True),
        sympy.Symbol("x", integer=True),
        sympy.Symbol("x", real=True, nonzero=True),
        symbol("x"),
    ],
    ids=["plain", "positive", "integer", "real_nonzero", "parser"],
)
def test_variable_is_matched_by_name_whatever_its_assumptions(sym: sympy.Symbol) -> None:
    for var in ("x", symbol("x"), sympy.Symbol("x"), sympy.Symbol("x", positive=True)):
        d = differentiate(sym**2, var)
        assert d.var == sym  # the expression's own symbol, not the one asked with
        assert d.result == 2 * sym and d.result.free_symbols == {sym}
        product = differentiate(sympy.sin(sym) * sym, var).result
        assert product == sym * sympy.cos(sym) + sympy.sin(sym)


def test_issue_examples_plain_and_positive_symbols() -> None:
    assert differentiate(sympy.Symbol("x") ** 2, "x").result == 2 * X_PLAIN
    xp = sympy.Symbol("x", positive=True)
    assert differentiate(xp**2, "x").result == 2 * xp


def test_partials_and_gradient_match_by_name() -> None:
    yp = sympy.Symbol("y", positive=True)
    f = X_PLAIN**2 * yp + sympy.exp(yp)
    assert differentiate(f, "y").result == X_PLAIN**2 + sympy.exp(yp)
    assert differentiate(f, symbol("y")).result == X_PLAIN**2 + sympy.exp(yp)
    g = gradient(f, ["x", symbol("y")])
    assert list(g) == ["x", "y"]
    assert g["x"].result == 2 * X_PLAIN * yp and g["x"].var == X_PLAIN
    assert g["y"].var == yp


def test_parsed_and_plain_expressions_give_the_same_derivative() -> None:
    text = "sin(x^2) e^x / (1 + x^2)"
    parsed = differentiate(text).result
    plain = differentiate(parse(text, variables=("x",)).xreplace({x: X_PLAIN}), "x").result
    assert plain == parsed.xreplace({x: X_PLAIN})


def test_absent_variable_gives_zero_and_two_symbols_of_one_name_are_refused() -> None:
    assert differentiate(Y_PLAIN**2, "x").result == 0
    assert differentiate(Y_PLAIN**2, sympy.Symbol("x", positive=True)).result == 0
    xp = sympy.Symbol("x", positive=True)
    with pytest.raises(VerifierError, match="2 different symbols named 'x'"):
        differentiate(X_PLAIN + xp**2, "x")
    # asking with one of them exactly is not ambiguous
    assert differentiate(X_PLAIN + xp**2, xp).result == 2 * xp


def test_clear_caches_forgets_derivations_outer_steps_and_mistakes() -> None:
    differentiate(sympy.sin(x**2), x)
    mistakes.wrong_derivatives(sympy.sin(x**2), x)
    assert RULES.memo
    clear_caches()
    assert not RULES.memo
    assert mistakes._candidates.cache_info().currsize == 0
    assert all(not t.memo for t in mistakes._FAULTY_TABLES.values())
