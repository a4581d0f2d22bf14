"""verifier.homework.check: the equivalence policy, mistake diagnosis and answer reading.

The table below is the issue's "what it must show" item 1: every notation the parser accepts,
equivalent rewrites, each mistake kind (by name), near misses, domain-only equivalences,
multivariable partials, ambiguous notation and invalid input.
"""

from __future__ import annotations

import json

import pytest

from verifier import limits
from verifier.errors import ParseError
from verifier.homework import judge as homework
from verifier.homework.judge import Counterexample, Grade, check_answer

C, W, V = "correct", "incorrect", "invalid"
XY = ("x", "y")

# (function, answer, expected verdict, expected mistake or None, variable, variables)
TABLE: list[tuple[str, str, str, str | None, str, tuple[str, ...] | None]] = []


def rows(kind: str, items: list[tuple]) -> None:
    for item in items:
        f, a, verdict, *rest = item
        mistake = rest[0] if rest else None
        var = rest[1] if len(rest) > 1 else "x"
        variables = rest[2] if len(rest) > 2 else None
        TABLE.append(pytest.param(f, a, verdict, mistake, var, variables, id=f"{kind}:{f}|{a}"))


# Notation: the same correct answer typed the ways students type it.
rows(
    "notation",
    [
        ("x^2 + 2x + 1", "2x + 2", C),
        ("x^2 + 2x + 1", "2*x+2", C),
        ("x^2 + 2x + 1", "2 x + 2", C),
        ("x^2 + 2x + 1", "2(x+1)", C),
        ("x^2 + 2x + 1", "2·x + 2", C),
        ("x^2 + 2x + 1", "2×x + 2", C),
        ("x^2 + 2x + 1", "x*2 + 2", C),
        ("x^2 + 2x + 1", "4x − 2x + 2", C),
        ("x^2 + 2x + 1", "(4x+4)/2", C),
        ("x^2 + 2x + 1", "(4x + 4) ÷ 2", C),
        ("x^2 + 2x + 1", "2x + 2.0", C),
        ("x^2 + 2x + 1", "２x + ２", C),
        ("x^2 + 2x + 1", "  2x + 2  ", C),
        ("x**2+2*x+1", "2*x + 2", C),
        ("x³ + x²", "3x² + 2x", C),
        ("x^2", "2x^1", C),
        ("x^3 e^x", "3x^2e^x + x^3 e^x", C),
        ("x^3 e^x", "x^3 e^x + 3x^2 e^x", C),
        ("exp(x)", "e^x", C),
        ("e^x", "exp(x)", C),
        ("e^(2x)", "2e^(2x)", C),
        ("e^(2x)", "2 exp(2x)", C),
        ("ln x", "1/x", C),
        ("ln(x)", "x^(-1)", C),
        ("log(x)", "1/x", C),
        ("log10(x)", "1/(x ln(10))", C),
        ("log(x, 2)", "1/(x ln(2))", C),
        ("sqrt(x)", "1/(2sqrt(x))", C),
        ("√x", "1/(2√x)", C),
        ("x^(1/2)", "0.5x^(-0.5)", C),
        ("sin x", "cos x", C),
        ("sin(x)", "cos(x)", C),
        ("sinx", "cosx", C),
        ("lnx", "1/x", C),
        ("cos(x)", "-sin(x)", C),
        ("cos x", "−sin x", C),
        ("tan x", "sec(x)^2", C),
        ("sec x", "sec(x) tan(x)", C),
        ("csc x", "-csc(x) cot(x)", C),
        ("cot x", "-csc(x)^2", C),
        ("asin(x)", "1/sqrt(1-x^2)", C),
        ("arcsin x", "1/√(1−x²)", C),
        ("acos(x)", "-1/sqrt(1-x^2)", C),
        ("arccos(x)", "-1/sqrt(1 - x^2)", C),
        ("arctan x", "1/(1+x^2)", C),
        ("atan(x)", "1/(x^2+1)", C),
        ("sinh x", "cosh x", C),
        ("cosh(x)", "sinh(x)", C),
        ("|x|", "x/|x|", C),
        ("abs(x)", "sign(x)", C),
        ("|x|", "sgn(x)", C),
        ("π x^2", "2πx", C),
        ("pi x^2", "2 pi x", C),
        ("θ^2 + sin θ", "2θ + cos θ", C, None, "θ", ("θ",)),
        ("(x+1)(x-1)", "2x", C),
        ("2(x+1)^2", "4(x+1)", C),
        ("x^x", "x^x (ln(x) + 1)", C),
        ("2^x", "2^x ln(2)", C),
        ("x cos x", "cos x - x sin x", C),
        ("e^2x", "e^2", C),
    ],
)

# Equations read as their right-hand side.
rows(
    "equation",
    [
        ("x^2 + 2x + 1", "f'(x) = 2x + 2", C),
        ("x^2 + 2x + 1", "f′(x) = 2x + 2", C),
        ("x^2 + 2x + 1", "y' = 2x + 2", C),
        ("x^2 + 2x + 1", "dy/dx = 2x + 2", C),
        ("x^2 + 2x + 1", "d/dx = 2x + 2", C),
        ("x^2 + 2x + 1", "df/dx = 2x+2", C),
        ("x^2 + 2x + 1", "f' = 2x + 2", C),
        ("x^2 y + y^3", "∂f/∂x = 2xy", C, None, "x", XY),
        ("x^2 y + y^3", "f_y = x^2 + 3y^2", C, None, "y", XY),
        ("x^2 + 2x + 1", "f'(x) = 2x", W),
    ],
)

# Equivalent rewrites: factored/expanded, identities, common denominators.
rows(
    "rewrite",
    [
        ("x^3 e^x", "x^2 e^x (x + 3)", C),
        ("x^3 e^x", "e^x(x^3+3x^2)", C),
        ("2(x+1)^2", "4x + 4", C),
        ("(x+1)^3", "3x^2 + 6x + 3", C),
        ("x^2/(x+1)", "(x^2+2x)/(x+1)^2", C),
        ("x^2/(x+1)", "1 - 1/(x+1)^2", C),
        ("x/(x+1)", "1/(x+1)^2", C),
        ("x/(x+1)", "(x + 1 - x)/(x+1)^2", C),
        ("(x+1)/(x-1)", "-2/(x-1)^2", C),
        ("1/x", "-1/x^2", C),
        ("1/x", "-x^(-2)", C),
        ("1/(1+x^2)", "-2x/(1+x^2)^2", C),
        ("sin(x)^2", "2 sin(x) cos(x)", C),
        ("sin(x)^2", "sin(2x)", C),
        ("sin(2x)", "2(cos(x)^2 - sin(x)^2)", C),
        ("sin(2x)", "2 - 4 sin(x)^2", C),
        ("cos(x)^2", "-sin(2x)", C),
        ("sin(x) cos(x)", "cos(2x)", C),
        ("sin(x) cos(x)", "1 - 2sin(x)^2", C),
        ("tan x", "1 + tan(x)^2", C),
        ("tan(x)", "1/cos(x)^2", C),
        ("cot x", "-1/sin(x)^2", C),
        ("tanh x", "1 - tanh(x)^2", C),
        ("tanh x", "1/cosh(x)^2", C),
        ("ln(x^2)", "2/x", C),
        ("ln(2x)", "1/x", C),
        ("ln(x^3)", "3/x", C),
        ("ln(sqrt(x))", "1/(2x)", C),
        ("ln(e^x)", "1", C),
        ("e^x e^x", "2e^(2x)", C),
        ("2^x", "ln(2)·2^x", C),
        ("e^(x ln(2))", "2^x ln(2)", C),
        ("x^x", "e^(x ln(x)) (1 + ln(x))", C),
        ("sqrt(x^2 + 1)", "x/sqrt(x^2+1)", C),
        ("sqrt(x^2 + 1)", "x (x^2 + 1)^(-1/2)", C),
        ("(x^2 + 1)^10", "20x(x^2+1)^9", C),
        ("asin(x) + acos(x)", "0", C),
        ("sin(x)^2 + cos(x)^2", "0", C),
        ("atan(x) + atan(1/x)", "0", C),
        ("cosh(x)^2 - sinh(x)^2", "0", C),
        ("x^2 + 2x + 1", "2x + 2 + 0x", C),
        ("5", "0", C),
        ("x^2", "2x + (x + 10^30)^2 - x^2 - 2*10^30 x - 10^60", C),
        ("x^2", "2x + (x + 10^30)^2 - x^2 - 2*10^30 x - 10^60 + 1", W),
    ],
)

# Domain-only equivalences: equal to f' wherever f is defined and differentiable.
rows(
    "domain",
    [
        ("ln x", "1/|x|", C),
        ("ln|x|", "1/x", C),
        ("ln(abs(x))", "1/x", C),
        ("x^2 + 2x", "(2x^2 - 2)/(x - 1)", C),
        ("x^2", "(2x^2 + 2x)/(x + 1)", C),
        ("sqrt(x)", "sqrt(x)/(2x)", C),
        ("ln(x)", "1/sqrt(x^2)", C),
        ("(x^2-1)/(x-1)", "1", C),
        ("sqrt(x^2)", "x/|x|", C),
        ("ln(x)^2", "2ln(x)/x", C),
        ("x sqrt(x)", "1.5 sqrt(x)", C),
        ("asin(x)", "1/sqrt((1-x)(1+x))", C),
        ("x^2", "2sqrt(x^3)/sqrt(x)", W),
        ("x^2", "2 sqrt(x) sqrt(x)", C),
        ("ln(x^2)", "2/|x|", W),
        ("|x|", "1", W),
        ("x^3/3", "|x|^2", C),
        ("x^3/3", "|x| x", W),
    ],
)

# Near misses: decimals are exact, so approximations are wrong.
rows(
    "near_miss",
    [
        ("x^3", "3.0001x^2", W),
        ("x^3", "3x^2 + 1e-9", W),
        ("x^3", "3x^2 + 0.000000001", W),
        ("e^x", "2.71828^x", W),
        ("e^x", "2.718281828^x", W),
        ("x^2", "2.000000001x", W),
        ("sin x", "cos(1.0000001x)", W),
        ("x^2/4", "0.5x", C),
        ("x^2/3", "0.6667x", W),
        ("x^2/3", "0.6666666667x", W),
        ("pi x^2", "6.2832x", W),
        ("pi x^2", "6.2831853x", W),
        ("x^2", "2x + 0.0", C),
        ("x^5/5", "x^4.0001", W),
        ("sin x", "cos x + 1e-12x", W),
        ("ln x", "0.99999999/x", W),
    ],
)

# Each mistake kind, diagnosed by name.
rows(
    "mistake",
    [
        ("sin(x^2)", "cos(x^2)", W, "chain_missing_inner"),
        ("(2x+1)^5", "5(2x+1)^4", W, "chain_missing_inner"),
        ("ln(x^2+1)", "1/(x^2+1)", W, "chain_missing_inner"),
        ("sin(3x)", "cos(3x)", W, "chain_missing_inner"),
        ("sqrt(x^2+1)", "1/(2sqrt(x^2+1))", W, "chain_missing_inner"),
        ("x^3 e^x", "3x^2 e^x", W, "product_as_fprime_g"),
        ("x^2 sin x", "2x sin x", W, "product_as_fprime_g"),
        ("x^2 sin x", "x^2 cos x", W, "product_missing_term"),
        ("e^x sin x", "e^x cos x", W, "product_missing_term"),
        ("x/(x+1)", "-1/(x+1)^2", W, "quotient_sign_swapped"),
        ("sin(x)/x", "(sin(x) - x cos(x))/x^2", W, "quotient_sign_swapped"),
        ("x/(x+1)", "1/(x+1)", W, "quotient_denominator_not_squared"),
        ("sin(x)/x", "(x cos(x) - sin(x))/x", W, "quotient_denominator_not_squared"),
        ("x^5", "5x^5", W, "power_not_lowered"),
        ("x^3 + x", "3x^3 + 1", W, "power_not_lowered"),
        ("2^x", "x·2^(x-1)", W, "power_rule_on_exponential"),
        ("3^x", "x·3^(x-1)", W, "power_rule_on_exponential"),
        ("e^x", "x e^(x-1)", W, "exp_as_power"),
        ("ln x", "1/x^2", W, "log_as_inverse_square"),
        ("ln x", "ln x", W, "log_unchanged"),
        ("cos x", "sin x", W, "cos_derivative_sign"),
        ("cos(2x)", "2 sin(2x)", W, "cos_derivative_sign"),
        ("sin x", "-cos x", W, "sin_derivative_sign"),
        ("5x^3", "3x^2", W, "constant_factor_dropped"),
        ("3 sin x", "cos x", W, "constant_factor_dropped"),
        ("x^2 - 3x", "-2x + 3", W, "sign_error"),
        ("x^4", "-4x^3", W, "sign_error"),
        ("x^3", "x^4/4", W, "antiderivative"),
        ("cos x", "sin x + 1", W, "antiderivative"),
        ("x^2 + 2x + 1", "x^3/3 + x^2 + x", W, "antiderivative"),
        ("x^3", "x^3", W, "original_function"),
        ("x^2 + 2x + 1", "(x+1)^2", W, "original_function"),
        ("x^2 y + y^3", "x^2 + 3y^2", W, "wrong_variable", "x", XY),
        ("x^2 y + y^3", "2xy", W, "wrong_variable", "y", XY),
        ("x^2 sin x", "2x cos x", W, None),
        ("x^2", "2", W, None),
    ],
)

# Partial derivatives.
rows(
    "partial",
    [
        ("x^2 y + y^3", "2xy", C, None, "x", XY),
        ("x^2 y + y^3", "2 y x", C, None, "x", XY),
        ("x^2 y + y^3", "x^2 + 3y^2", C, None, "y", XY),
        ("x0^2 + x1^2", "2x0", C, None, "x0", ("x0", "x1")),
        ("x0^2 + x1^2", "2 x1", C, None, "x1", ("x0", "x1")),
        ("sin(x y)", "y cos(x y)", C, None, "x", XY),
        ("e^(x y)", "x e^(x y)", C, None, "y", XY),
        ("x y", "y", C, None, "x", XY),
        ("2xy", "2x", C, None, "y", XY),
        ("ln(x^2 + y^2)", "2x/(x^2+y^2)", C, None, "x", XY),
        ("x^2 y^3", "2x y^3", C, None, "x", XY),
        ("x^2 y^3", "3x^2 y^2", C, None, "y", XY),
        ("x^2 y^3", "6x y^2", W, None, "x", XY),
    ],
)

# Ambiguous notation: read like * left to right (1/2x = x/2); answers still graded.
rows(
    "ambiguous",
    [
        ("x^2/4", "1/2x", C),
        ("x^2", "1/2x", W),
        ("ln(2x)", "1/2x", W),
        ("sin(x)^2", "2 sin x cos x", C),
        ("sin(x)^3/3", "sin^2 x cos x", C),
        ("sin(x)^2", "sin^2 x", W, "original_function"),
        ("x sin x", "sin x + x cos x", C),
        ("sin(x^2)", "cos x^2 · 2x", C),
        ("cos(2x)", "-2 sin 2x", C),
    ],
)

# Invalid input: the parser's message, never an exception.
rows(
    "invalid",
    [
        ("x^2", "2x +", V),
        ("x^2", "", V),
        ("x^2", "   ", V),
        ("x^2", "2y", V),
        ("x^2", "sinn(x)", V),
        ("x^2", "(2x", V),
        ("x^2", "2x)", V),
        ("x^2", "__import__('os').system('echo hi')", V),
        ("x^2", "lambda: 2*x", V),
        ("x^2", "g(x) = 2x", V),
        ("x^2", "f''(x) = 2", V),
        ("x^2", "dy/dt = 2x", V),
        ("x^2", "2x = 2x", V),
        ("x^2", "f'(x) = 2x = 2x", V),
        ("x^2", "9^9^9^9", V),
        ("x^2", "x" * 2000, V),
        ("x^2", "2x;", V),
        ("x^2", "2 x ,", V),
    ],
)


def test_table_is_large_enough():
    kinds = {p.id.split(":")[0] for p in TABLE}
    assert len(TABLE) >= 150
    assert kinds == {
        "notation",
        "equation",
        "rewrite",
        "domain",
        "near_miss",
        "mistake",
        "partial",
        "ambiguous",
        "invalid",
    }
    named = {p.values[3] for p in TABLE if p.values[3]}
    expected = {
        "chain_missing_inner",
        "product_as_fprime_g",
        "product_missing_term",
        "quotient_sign_swapped",
        "quotient_denominator_not_squared",
        "power_not_lowered",
        "power_rule_on_exponential",
        "exp_as_power",
        "log_as_inverse_square",
        "log_unchanged",
        "cos_derivative_sign",
        "sin_derivative_sign",
        "constant_factor_dropped",
        "sign_error",
        "antiderivative",
        "original_function",
        "wrong_variable",
    }
    assert named == expected


@pytest.mark.parametrize(("function", "answer", "verdict", "mistake", "var", "variables"), TABLE)
def test_check_table(function, answer, verdict, mistake, var, variables):
    g = check_answer(function, answer, var, variables=variables)
    assert g.verdict == verdict, g.reason
    assert g.mistake == mistake, g.reason
    assert "\n" not in g.reason
    if verdict == "incorrect":
        ce = g.counterexample
        assert ce is not None and set(ce.point) <= set(variables or (var,))
        assert ce.answer is None or ce.answer != ce.correct
    else:
        assert g.counterexample is None
    if verdict == "invalid":
        assert g.read_as is None and g.reason
    else:
        assert g.read_as
    assert g.derivative and g.steps


def test_product_rule_mistake_names_the_missing_term():
    g = check_answer("x^3 e^x", "3x^2 e^x")
    assert g.mistake_detail == "product rule: missing the term x^3 e^x"
    assert g.mistake_hint and g.mistake_hint.count(".") <= 1
    assert "product rule: missing the term x^3 e^x" in g.reason


def test_counterexample_values_are_the_real_values():
    g = check_answer("x^3", "x^2")
    ce = g.counterexample
    (x,) = ce.point.values()
    assert ce.correct == pytest.approx(3 * x**2, rel=1e-15)
    assert ce.answer == pytest.approx(x**2, rel=1e-15)


def test_undefined_on_a_region_gives_a_counterexample_without_answer_value():
    g = check_answer("x^2", "2sqrt(x^3)/sqrt(x)")
    assert g.verdict == "incorrect"
    assert g.counterexample.answer is None and g.counterexample.point["x"] < 0
    assert "undefined" in g.reason


def test_cancellation_beyond_40_digits_uses_adaptive_precision():
    g = check_answer("x^2", "2x + (x + 10^30)^2 - x^2 - 2*10^30 x - 10^60")
    assert g.ok and "adaptive precision" in g.reason


def test_isolated_singularity_is_reported_and_allowed():
    g = check_answer("x^2 + 2x", "(2x^2 - 2)/(x - 1)")
    assert g.ok
    assert "isolated point x = 1" in g.reason


def test_ambiguous_reading_warning_in_reason():
    g = check_answer("x^2/4", "1/2x")
    assert g.ok and g.warnings
    assert "note:" in g.reason and "1/2x" in g.reason
    g2 = check_answer("sin(x)^2", "2 sin x cos x")
    assert g2.ok and g2.warnings
    g3 = check_answer("sin(x)^3/3", "sin^2 x cos x")
    assert g3.ok and g3.warnings


def test_read_as_is_normal_notation():
    g = check_answer("x^3 e^x", "3x**2*exp(x)")
    assert g.read_as == "3x^2 e^x"


def test_invalid_carries_parser_message_and_hint():
    g = check_answer("x^2", "sinn(x)")
    assert g.verdict == "invalid"
    assert "sinn" in g.reason and "hint:" in g.reason


def test_function_that_does_not_parse_raises():
    with pytest.raises(ParseError):
        check_answer("x^2 +", "2x")


def test_deterministic_and_cached():
    a = check_answer("e^x sin x", "e^x cos x")
    homework.clear_caches()
    b = check_answer("e^x sin x", "e^x cos x")
    assert a == b
    # the same canonical answer typed differently: same verdict and counterexample
    c = check_answer("e^x sin x", "exp(x)*cos(x)")
    assert (c.verdict, c.counterexample, c.mistake) == (a.verdict, a.counterexample, a.mistake)


def test_grade_to_dict_is_json_and_frame():
    g = check_answer("x^3 e^x", "3x^2 e^x")
    d = json.loads(json.dumps(g.to_dict()))
    assert d["verdict"] == "incorrect" and d["mistake"] == "product_as_fprime_g"
    assert set(d["counterexample"]) == {"point", "correct", "answer"}
    frame = g.to_frame()
    assert list(frame["verdict"]) == ["incorrect"] and len(frame) == 1
    assert isinstance(g, Grade) and not g.ok
    assert "<pre>" in g._repr_html_()


def test_counterexample_describe_shows_a_difference():
    ce = Counterexample({"x": 0.5}, 1.6487212707001282, 1.6487206985)
    text = ce.describe()
    a, b = text.split(" is ")[1].split(" but the answer gives ")
    assert a != b


def test_time_limit_interrupts_slow_work(monkeypatch):
    import time

    def slow(ctx, expr):
        while True:
            time.sleep(0.01)
            limits.tick()

    monkeypatch.setattr(homework, "_judge", slow)
    start = time.monotonic()
    with pytest.raises(limits.OverBudget, match="over budget: checking the answer"):
        check_answer("x^2", "2x + 1/7", time_limit=0.3)
    assert time.monotonic() - start < 5


def test_real_domain_values():
    """The values homework judges by: None where an expression is not a finite real."""
    import sympy

    from verifier.expr import symbol
    from verifier.homework.prepared import value
    from verifier.numeric.evaluate import mp_compile, mpf

    x = symbol("x")
    fn = mp_compile(sympy.sqrt(x) + sympy.log(x))
    assert value(fn, {"x": mpf(-1)}) is None
    assert value(fn, {"x": mpf(1)}) == 1  # sqrt(1) = 1 and log(1) = 0 are exact in mpmath
    huge = mp_compile(sympy.exp(sympy.exp(sympy.exp(x))))
    assert value(huge, {"x": mpf(3)}) is None  # overflow, not a hang
    assert value(mp_compile(1 / x), {"x": mpf(0)}) is None


def test_records_have_frames():
    from verifier.homework.answer import read_answer
    from verifier.homework.prepared import prepare

    ce = check_answer("x^3", "x^2").counterexample
    frame = ce.to_frame()
    assert list(frame.columns) == ["x", "correct", "answer"] and len(frame) == 1
    a = read_answer("1/2x").to_frame()
    assert a["read_as"].tolist() == ["x/2"] and a["warnings"].str.len().iloc[0] > 0
    p = prepare("x^2 y", "x", ("x", "y")).to_frame()
    assert list(p.columns) == ["x", "y", "f", "f'"] and len(p) == 16
    # f' = 2xy at the exact float64 point; rel 1e-15 covers the one rounding to float
    assert p["f'"].tolist() == pytest.approx((2 * p["x"] * p["y"]).tolist(), rel=1e-15)
