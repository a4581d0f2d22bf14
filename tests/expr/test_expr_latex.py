"""verifier.expr.latex: LaTeX read through the same parser (issue 11, "What to build": LaTeX).

Every construct of the issue parses to the expression a teacher reads; the result says it read
LaTeX; errors point into what was typed; hostile LaTeX is refused by name within the limits;
and every expression sympy prints in LaTeX (the printer of symbolic/steps.py) reads back as
itself (hypothesis).
"""

from __future__ import annotations

import builtins
import math
import time

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from verifier.errors import LimitError, ParseError
from verifier.expr import ParseLimits, parse, parse_with_warnings, symbol
from verifier.expr.latex import looks_like_latex, strip_delimiters, translate
from verifier.limits import TimeUp, time_limit
from verifier.symbolic.rules import differentiate

x, y = symbol("x"), symbol("y")
theta = symbol("θ")
sin, cos, exp, log, sqrt = sympy.sin, sympy.cos, sympy.exp, sympy.log, sympy.sqrt

# (LaTeX, the expression) -- every construct of the LaTeX bullet
CONSTRUCTS = [
    (r"\frac{1}{x}", 1 / x),
    (r"\dfrac{1}{x}", 1 / x),
    (r"\tfrac{1}{x}", 1 / x),
    (r"\cfrac{1}{x}", 1 / x),
    (r"\frac12 x", x / 2),
    (r"\frac{1}{2}x", x / 2),
    (r"\frac{x+1}{x-1}", (x + 1) / (x - 1)),
    (r"\frac{\frac{1}{x}}{2}", 1 / (2 * x)),
    (r"\sqrt{x}", sqrt(x)),
    (r"\sqrt x", sqrt(x)),
    (r"\sqrt{2}x", sqrt(2) * x),
    (r"\sqrt[3]{x}", sympy.root(x, 3)),
    (r"\sqrt[4]{x^2+1}", sympy.root(x**2 + 1, 4)),
    (r"x^{2}", x**2),
    (r"x^2", x**2),
    (r"x^{-1}", 1 / x),
    (r"x^{\frac{3}{2}}", x ** sympy.Rational(3, 2)),
    (r"e^{x^2}", exp(x**2)),
    (r"e^{2x}", exp(2 * x)),
    (r"e^2x", sympy.E**2 * x),
    (r"2x e^{x^2}", 2 * x * exp(x**2)),
    (r"\log_2 x", log(x) / log(2)),
    (r"\log_{10}(x^2)", log(x**2) / log(10)),
    (r"\log_{e} x", log(x)),
    (r"x_1 + x_{2}", symbol("x_1") + symbol("x_2")),
    (r"2\cdot x", 2 * x),
    (r"2\times x", 2 * x),
    (r"x\div 2", x / 2),
    (r"\left(x+1\right)^2", (x + 1) ** 2),
    (r"\left[x+1\right]^2", (x + 1) ** 2),
    (r"\left\{x+1\right\}^2", (x + 1) ** 2),
    (r"\bigl(x+1\bigr)^2", (x + 1) ** 2),
    (r"[x+1]^2", (x + 1) ** 2),
    (r"\{x+1\}^2", (x + 1) ** 2),
    (r"{x+1}^2", (x + 1) ** 2),
    (r"\left|x\right|", sympy.Abs(x)),
    (r"\lvert x \rvert", sympy.Abs(x)),
    (r"\ln x", log(x)),
    (r"\ln|x|", log(sympy.Abs(x))),
    (r"\log x", log(x)),
    (r"\exp(x^2)", exp(x**2)),
    (r"\sin x", sin(x)),
    (r"\sin^2 x", sin(x) ** 2),
    (r"\sin^{2}x", sin(x) ** 2),
    (r"\cos^2 x - \sin^2 x", cos(x) ** 2 - sin(x) ** 2),
    (r"\tan^{3}(x)", sympy.tan(x) ** 3),
    (r"\sec x \tan x", sympy.sec(x) * sympy.tan(x)),
    (r"\arctan x", sympy.atan(x)),
    (r"\sinh x + \cosh x", sympy.sinh(x) + sympy.cosh(x)),
    (r"\sin\pi x", sin(sympy.pi * x)),
    (r"\mathrm{e}^x", exp(x)),
    (r"\mathrm{e}^{-x}", exp(-x)),
    (r"e^x", exp(x)),
    (r"\pi x", sympy.pi * x),
    (r"\operatorname{sech} x", sympy.sech(x)),
    (r"\operatorname{arcsinh}(x)", sympy.asinh(x)),
    (r"2\,x", 2 * x),
    (r"2\;x\!+\quad 1", 2 * x + 1),
    (r"2~x", 2 * x),
    (r"\displaystyle\frac{1}{x}", 1 / x),
    (r"$\frac{1}{x}$", 1 / x),
    (r"$$\frac{1}{x}$$", 1 / x),
    (r"\(\frac{1}{x}\)", 1 / x),
    (r"\[\frac{1}{x}\]", 1 / x),
    (r"e^{x}\left(x^3+3x^2\right)", exp(x) * (x**3 + 3 * x**2)),
    (r"\abs{x}", sympy.Abs(x)),
]


@pytest.mark.parametrize(("text", "expected"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_every_latex_construct_parses_to_the_intended_expression(text, expected):
    p = parse_with_warnings(text, ("x", "x_1", "x_2"), notation="latex")
    assert p.expr == expected, f"{text!r} -> {p.expr}, expected {expected}"
    assert p.notation == "latex"
    assert p.text == text


def test_greek_commands_are_the_declared_variables():
    assert parse(r"\sin\theta + \theta^2", ("θ",)) == sin(theta) + theta**2


def test_plain_text_is_plain_and_latex_is_latex():
    assert parse_with_warnings("x^2").notation == "plain"
    assert parse_with_warnings("x^2", notation="latex").notation == "latex"
    assert looks_like_latex(r"\frac{1}{x}") and looks_like_latex("e^{x}")
    assert not looks_like_latex("e^(x) + 1/x")


# (LaTeX, warns): TeX's own readings do not warn; readings TeX would not take do
WARNINGS = [
    (r"\frac{1}{2}x", False),  # unlike 1/2x: \frac brackets itself
    (r"e^2x", False),  # TeX raises one token: e^2 x, as the LMS preview shows it
    (r"\sin^2 x", False),  # the usual notation for (sin x)^2
    (r"x^10", True),  # TeX shows x¹0; read x^10 and say so
    (r"e^-x", True),
    (r"\sin x \cos x", True),  # the plain reading: sin(x)*cos(x), with its warning
]


@pytest.mark.parametrize(("text", "warns"), WARNINGS)
def test_latex_readings_warn_where_tex_would_read_otherwise(text, warns):
    assert bool(parse_with_warnings(text, notation="latex").warnings) == warns


def test_translation_keeps_the_position_of_every_character():
    text = r"\sqrt[3]{x} + \left|x\right|"
    t = translate(text, ParseLimits())
    assert len(t.origin) == len(t.plain) + 1
    for i, ch in enumerate(t.plain):
        if ch == "x":
            assert text[t.origin[i]] == "x"


def test_strip_delimiters():
    assert strip_delimiters(" $2x$ ") == "2x"
    assert strip_delimiters(r"\(2x\)") == "2x"
    assert strip_delimiters("2x") == "2x"


# (LaTeX, position of the error in what was typed, a fragment of the message)
ERRORS = [
    (r"\frac{1}{x", 8, "never closed"),
    (r"\frac{1}", 0, "denominator"),
    (r"x^{}", 2, "exponent"),
    (r"\sinx", 0, "unknown LaTeX command '\\sinx'"),
    (r"\frac{1}{x} + y", 14, "unknown name 'y'"),
    (r"2x}", 2, "unexpected '}'"),
    (r"\sqrt[3{x}", 5, "never closed"),
    (r"$2x", 0, "does not end"),
    (r"2x $+ 1$", 3, "'$'"),
    (r"x \\ y", 2, "line break"),
    (r"x_{a}", 1, "subscript"),
    (r"\frac{d}{dx}x^2", 0, "left side of an equation"),
    (r"\left< x \right>", 5, "delimiter"),
    (r"\mathrm{x+1}", 7, "may only hold a name"),
    (r"\operatorname{foo}(x)", 0, "unknown function 'foo'"),
    (r"\log_2^2 x", 6, "needs brackets"),
    (r"\text{답}", 5, "may only hold a name"),
]


@pytest.mark.parametrize(("text", "position", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
def test_latex_errors_name_what_and_where_with_a_hint(text, position, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert fragment in err.message
    assert err.position == position, (err.position, str(err))
    assert err.text == text and err.hint


def test_unknown_commands_get_suggestions():
    err = pytest.raises(ParseError, parse, r"\sinn x").value
    assert "\\sin" in err.hint
    err = pytest.raises(ParseError, parse, r"\foo x").value
    assert "\\frac" in err.hint


# ------------------------------------------------------------------ hostile LaTeX

HOSTILE = [
    r"\input{/etc/passwd}",
    r"\include{secret}",
    r"\def\x{1}\x",
    r"\edef\a{\a\a}\a",
    r"\let\frac\input",
    r"\csname input\endcsname{/etc/passwd}",
    r"\catcode`\@=11",
    r"\catcode 92=12",
    r"\newcommand{\x}{\x\x}\x",
    r"\renewcommand{\frac}{\input}",
    r"\write18{rm -rf /}",
    r"\immediate\write18{touch /tmp/x}",
    r"\openout1=out.tex",
    r"\read16 to \x",
    r"\expandafter\x\y",
    r"\usepackage{shellesc}",
    r"\begin{document}x\end{document}",
    r"\makeatletter\@input{x}",
    r"\href{http://evil}{x}",
    r"\url{http://evil}",
    r"\includegraphics{/etc/passwd}",
    r"\special{shell}",
    r"\loop x\repeat",
    r"#1",
    r"x % comment",
    r"x & y",
    r"\verb|x|",
    r"\relax x",
    r"\char65",
    r"\foo",
    r"\x",
    r"\@",
]


@pytest.fixture
def tripwires(monkeypatch):
    """eval/exec/compile raise if anything calls them while hostile LaTeX is parsed."""

    def tripwire(*args, **kwargs):
        raise AssertionError("an evaluator was called")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, tripwire)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_latex_is_refused_by_name(text, tripwires):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert err.position is not None and err.hint, str(err)
    assert err.text == text


def test_tex_programming_is_named_in_the_error():
    for command in ("input", "def", "csname", "catcode", "write", "newcommand"):
        err = pytest.raises(ParseError, parse, "\\" + command + "{x}").value
        assert f"'\\{command}' is not allowed" in err.message
        assert err.position == 0


@pytest.mark.parametrize(
    "text",
    [
        r"\frac{" * 400 + "1" + "}{x}" * 400,
        "{" * 500 + "x" + "}" * 500,
        r"\sqrt{" * 300 + "x" + "}" * 300,
        "x^{" * 300 + "2" + "}" * 300,
        r"\left(" * 150 + "x" + r"\right)" * 150,
        r"\frac{1}{x}+" * 200 + "x",
        r"\sin" * 500,
        "{" * 1000,
    ],
    ids=["frac", "braces", "sqrt", "powers", "left-right", "many-fracs", "functions", "open"],
)
def test_resource_attacks_end_fast_with_a_limit_or_parse_error(text):
    started = time.perf_counter()
    with pytest.raises((ParseError, LimitError)):
        parse(text, limits=ParseLimits(max_length=10_000))
    # a safety bound, not a benchmark: each of these stops at a limit within milliseconds
    assert time.perf_counter() - started < 1.0


def test_deep_frac_nesting_hits_the_depth_limit():
    with pytest.raises(LimitError) as info:
        parse(r"\frac{" * 60 + "1" + "}{x}" * 60)
    assert info.value.limit == "max_depth"


def test_the_length_limit_applies_to_what_was_typed():
    with pytest.raises(LimitError) as info:
        parse(r"\frac{1}{x}" * 200)
    assert info.value.limit == "max_length"


# ------------------------------------------------------------------ read back what we print

_FUNCS = [
    sympy.sin,
    sympy.cos,
    sympy.tan,
    sympy.sec,
    sympy.csc,
    sympy.cot,
    sympy.exp,
    sympy.log,
    sympy.sqrt,
    sympy.Abs,
    sympy.atan,
    sympy.asin,
    sympy.sinh,
    sympy.cosh,
    sympy.tanh,
    sympy.asinh,
    sympy.sign,
    sympy.cbrt,
]


@st.composite
def _expressions(draw, depth=3):
    """Random expressions in x and y built from the functions the parser knows."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(
            st.sampled_from(
                [x, y, sympy.E, sympy.pi]
                + [sympy.Integer(n) for n in range(1, 6)]
                + [sympy.Rational(1, 2), sympy.Rational(3, 7)]
            )
        )
    op = draw(st.sampled_from(["+", "-", "*", "/", "^", "fn", "fn"]))
    a = draw(_expressions(depth - 1))
    if op == "fn":
        return draw(st.sampled_from(_FUNCS))(a)
    if op == "^":
        return a ** draw(st.sampled_from([2, 3, -1, -2, sympy.Rational(1, 2), x]))
    b = draw(_expressions(depth - 1))
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]


def _readable(e) -> bool:
    # a number, not an interval: sympy turns e.g. atan(zoo) into AccumBounds(-pi/2, pi/2),
    # which no student types (and whose LaTeX is an interval, not a formula)
    if any(isinstance(a, sympy.AccumBounds) for a in sympy.preorder_traversal(e)):
        return False
    return not e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I) and e.is_real is not False


def _read_back(e):
    text = sympy.latex(e)
    try:
        return text, parse(text, ("x", "y"), limits=ParseLimits(max_seconds=60.0, max_length=5000))
    except LimitError:  # a huge constant (exp(exp(...))): over a limit, rightly
        assume(False)
        raise


def _same(got, want) -> bool:
    """``got`` equals ``want``: identical, simplified to 0 within 10 s, or equal in value.

    sympy.simplify has no bound of its own (it ran past 15 minutes on one drawn expression on a
    loaded machine), so it runs under a time limit; past it, both sides are evaluated at 30
    digits at a few points and must agree to 1e-20 relative there: the same expression read
    back differs only in rounding of its last digits, a misreading differs in the leading ones.
    """
    if got == want:
        return True
    try:
        with time_limit(10):
            if sympy.simplify(got - want) == 0:
                return True
    except TimeUp:
        pass
    compared = 0
    for px, py in [(0.37, 0.61), (1.3, -0.45), (-0.8, 2.2)]:
        try:
            a = complex(got.evalf(30, subs={x: px, y: py}))
            b = complex(want.evalf(30, subs={x: px, y: py}))
        except (TypeError, ValueError):  # undefined there (zoo, nan): another point decides
            continue
        if all(map(math.isfinite, (a.real, a.imag, b.real, b.imag))):
            compared += 1
            if abs(a - b) > 1e-20 * max(1.0, abs(a), abs(b)):
                return False
    return compared > 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_every_expression_printed_in_latex_reads_back_as_itself(expr):
    assume(_readable(expr))
    text, got = _read_back(expr)
    assert _same(got, expr), (text, got, expr)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions(depth=2))
def test_derivatives_printed_in_latex_read_back(expr):
    """The rule engine's results, as steps.py prints them (sympy.latex), read back exactly."""
    assume(_readable(expr) and expr.has(x))
    derivative = differentiate(expr, x).result
    assume(_readable(derivative))
    text, got = _read_back(derivative)
    assert _same(got, derivative), (text, got, derivative)


_LATEX_SOUP = [
    "\\frac", "\\dfrac", "\\sqrt", "\\sin", "\\log", "\\ln", "\\left", "\\right", "\\cdot",
    "\\pi", "\\mathrm", "\\operatorname", "\\{", "\\}", "\\,", "\\", "\\input", "\\abs", "{",
    "}", "[", "]", "(", ")", "|", "^", "_", "$", "x", "2", "10", "e", "+", "-", "/", " ", ".",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_LATEX_SOUP), max_size=30))
def test_random_latex_soup_never_escapes_as_another_exception(pieces):
    text = "".join(pieces)
    started = time.perf_counter()
    try:
        parsed = parse_with_warnings(text, ("x",), notation="latex")
    except (ParseError, LimitError) as err:
        assert err.message
        if isinstance(err, ParseError) and err.position is not None:
            assert 0 <= err.position <= len(text)
    else:
        assert isinstance(parsed.expr, sympy.Expr)
    assert time.perf_counter() - started < 1.0  # a safety bound, not a benchmark
