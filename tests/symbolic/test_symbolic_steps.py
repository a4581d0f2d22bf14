"""Printing derivations: text, Markdown, LaTeX, JSON, and the homework-notation printer."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.errors import LimitError, VerifierError
from verifier.expr import parse, symbol
from verifier.symbolic.rules import RULES, Chain, differentiate
from verifier.symbolic.steps import FORMATS, derivation_to_dict, format_expr, render_steps

x, y = symbol("x"), symbol("y")


def _textbook() -> list[tuple[str, str, str, tuple[str, ...]]]:
    path = Path(__file__).parent.parent / "data" / "textbook.py"
    spec = importlib.util.spec_from_file_location("_textbook_steps", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TEXTBOOK


TEXTBOOK = _textbook()


# --------------------------------------------------------------------------- the example


def test_x3_ex_text() -> None:
    text = render_steps(differentiate("x^3 e^x"), "text")
    lines = text.splitlines()
    assert lines[0] == "d/dx [x^3 e^x] = 3x^2 e^x + x^3 e^x"
    assert lines[1].strip().startswith("product rule: d/dx [x^3 e^x] = 3x^2 e^x + x^3 e^x")
    assert lines[2].strip().startswith("power rule: d/dx [x^3] = 3x^2")
    assert lines[3].strip().startswith("exp rule: d/dx [e^x] = e^x")
    assert lines[-1] == "result: 3x^2 e^x + x^3 e^x"
    # nesting shows which rule used which
    assert lines[2].startswith("    ") and not lines[1].startswith("    ")


def test_x3_ex_markdown() -> None:
    md = render_steps(differentiate("x^3 e^x"), "markdown")
    assert "- **product rule**: d/dx `x^3 e^x` = `3x^2 e^x + x^3 e^x`" in md
    assert "  - **power rule**: d/dx `x^3` = `3x^2`" in md
    assert "  - **exp rule**: d/dx `e^x` = `e^x`" in md
    assert md.rstrip().endswith("**Result:** `3x^2 e^x + x^3 e^x`")


def test_x3_ex_latex() -> None:
    tex = render_steps(differentiate("x^3 e^x"), "latex")
    assert tex.count(r"\begin{itemize}") == tex.count(r"\end{itemize}") == 2
    assert r"\item product rule: $\frac{d}{dx}\left(x^{3} e^{x}\right)" in tex
    assert r"\item power rule: $\frac{d}{dx}\left(x^{3}\right) = 3 x^{2}$" in tex
    assert r"\item exp rule: $\frac{d}{dx}\left(e^{x}\right) = e^{x}$" in tex
    assert tex.count("$") % 2 == 0
    assert tex.strip().endswith(r"Result: $x^{3} e^{x} + 3 x^{2} e^{x}$")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_step_appears_once_per_format(fmt: str) -> None:
    d = differentiate("sin(x^2) + ln(x)/x")
    out = render_steps(d, fmt)
    labels = {"chain": "chain rule", "trig": "trig rule", "power": "power rule"}
    for rule, label in labels.items():
        n = sum(1 for s in d.steps if s.rule == rule)
        assert out.count(label + ":") + out.count(f"**{label}**") == n, (rule, out)


def test_chain_names_its_inner_function() -> None:
    text = render_steps(differentiate("sin(x^2)"))
    assert "[u = x^2]" in text and "d/du [sin(u)] = cos(u)" in text
    assert "(sin(x))' = cos(x)" in text  # the head's own identity, not a generic one


def test_simplified_result_shows_the_raw_one_too() -> None:
    text = render_steps(differentiate("sin(x)/x^2"))
    assert "= (x^2 cos(x) - 2x sin(x))/x^4  (as the rules give it)" in text
    assert text.endswith("result: (x cos(x) - 2 sin(x))/x^3")


def test_notes_are_shown() -> None:
    text = render_steps(differentiate("|x| + 3"))
    assert "undefined where the argument is 0" in text
    assert "constant term drops out" in text


def test_fallback_step_is_rendered() -> None:
    d = differentiate(x * sympy.gamma(x), x, fallback=True)
    assert "fallback (sympy.diff): d/dx [gamma(x)]" in render_steps(d)
    assert "no rule for function gamma" in render_steps(d, "markdown")


def test_unknown_format() -> None:
    with pytest.raises(VerifierError, match="unknown steps format 'html'"):
        render_steps(differentiate("x"), "html")


def test_derivation_to_dict_is_json() -> None:
    d = derivation_to_dict(differentiate("x^3 e^x"))
    again = json.loads(json.dumps(d))
    assert again["result"] == "3x^2 e^x + x^3 e^x"
    assert again["rules_used"] == ["exp", "power", "product"]
    assert again["steps"]["rule"] == "product"
    assert [s["rule"] for s in again["steps"]["substeps"]] == ["power", "exp"]
    assert again["steps"]["substeps"][0]["result"] == "3x^2"


# --------------------------------------------------------------------------- format_expr


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (3 * x**2 * sympy.exp(x), "3x^2 e^x"),
        (x**2 + 2 * x + 1, "x^2 + 2x + 1"),
        (2 * x + 2, "2x + 2"),
        (-(x**2), "-x^2"),
        (x / 2, "x/2"),
        (1 / (2 * x), "1/(2x)"),
        (sympy.Rational(3, 2) * x**2, "3x^2/2"),
        (sympy.sqrt(x), "sqrt(x)"),
        (1 / sympy.sqrt(x), "1/sqrt(x)"),
        (sympy.exp(2 * x), "e^(2x)"),
        (sympy.exp(-x), "e^(-x)"),
        (sympy.log(x), "ln(x)"),
        (sympy.Abs(x - 1), "|x - 1|"),
        (sympy.sin(x) ** 2, "sin(x)^2"),
        (3 * sympy.sin(x), "3 sin(x)"),
        (3 * (x + 1) ** 2 * y, "3y (x + 1)^2"),
        (x ** sympy.Rational(1, 3), "x^(1/3)"),
        (2**x * x, "x*2^x"),  # a digit may not follow a factor unmarked
        (3 * 2**x, "3*2^x"),
        (sympy.pi * x, "pi x"),
        (sympy.E, "e"),
        (x * y, "x y"),
        (sympy.sin(x) / x**2, "sin(x)/x^2"),
        ((x + 1) ** -2, "1/(x + 1)^2"),
    ],
)
def test_format_expr(expr: sympy.Expr, text: str) -> None:
    assert format_expr(expr) == text


def _round_trips(expr: sympy.Expr) -> None:
    text = format_expr(expr)
    try:
        back = parse(text, variables=None)
    except LimitError:  # e.g. 3^(3^(e^3)): sympy built it, the parser rightly refuses the size
        return
    assert back == expr or sympy.expand(back - expr) == 0, (expr, text, back)


@pytest.mark.parametrize("text", [t[0] for t in TEXTBOOK])
def test_format_expr_round_trips_textbook(text: str) -> None:
    d = differentiate(text)
    for e in (d.expr, d.result, d.unsimplified):
        _round_trips(e)


_HEADS = [h for h in RULES if h not in (sympy.Add, sympy.Mul, sympy.Pow, Chain)]
_LEAF = st.sampled_from([x, y, sympy.Integer(3), sympy.Rational(2, 5), sympy.Integer(-2), sympy.pi])


def _exprs(depth: int) -> st.SearchStrategy[sympy.Expr]:
    if depth == 0:
        return _LEAF
    sub = _exprs(depth - 1)
    return st.one_of(
        _LEAF,
        st.builds(lambda h, a: h(a), st.sampled_from(_HEADS), sub),
        st.builds(lambda a, b: a + b, sub, sub),
        st.builds(lambda a, b: a * b, sub, sub),
        st.builds(lambda a, b: a / b, sub, sub),
        st.builds(lambda a, b: a**b, sub, sub),
    )


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(expr=_exprs(3))
def test_format_expr_round_trips_random(expr: sympy.Expr) -> None:
    if any(
        isinstance(n, sympy.Function) and type(n) not in RULES
        for n in sympy.preorder_traversal(expr)
    ) or expr.has(sympy.zoo, sympy.nan, sympy.I, sympy.oo):
        return  # re(...), im(...) and infinities are sympy's, not homework notation
    _round_trips(expr)
