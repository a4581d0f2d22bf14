"""Issue 11, "What it must show" 1: LaTeX answers graded like plain ones.

A table of LaTeX answers (every construct of the issue, correct, incorrect and invalid rows)
graded by :func:`verifier.homework.check_answer`, with the verdict and, for incorrect answers
where one fits, the mistake a teacher would name.
"""

from __future__ import annotations

import pytest

from verifier.homework.answer import read_answer
from verifier.homework.judge import check_answer

# (function, LaTeX answer, verdict, mistake or None)
CORRECT = [
    ("ln(x)", r"\frac{1}{x}"),
    ("ln(x)", r"\dfrac{1}{x}"),
    ("ln(x)", r"\tfrac1x"),
    ("ln(x)", r"$\frac{1}{x}$"),
    ("ln(x)", r"\(\frac{1}{x}\)"),
    ("ln(x)", r"\[\frac{1}{x}\]"),
    ("ln(x)", r"$$x^{-1}$$"),
    ("ln(x)", r"\frac{d}{dx}\ln x = \frac{1}{x}"),
    ("e^(x^2)", r"2x e^{x^2}"),
    ("e^(x^2)", r"2x\mathrm{e}^{x^2}"),
    ("e^(x^2)", r"2x\cdot\exp\left(x^2\right)"),
    ("sin(x)cos(x)", r"\cos^2 x - \sin^2 x"),
    ("sin(x)cos(x)", r"\cos^{2}(x)-\sin^{2}(x)"),
    ("sin(x)cos(x)", r"\cos 2x"),
    ("3/4 x^(4/3)", r"\sqrt[3]{x}"),
    ("x^3 e^x", r"e^{x}\left(x^3+3x^2\right)"),
    ("x^3 e^x", r"e^x(x^3+3x^2)"),
    ("x^3 e^x", r"x^2 e^x (x+3)"),
    ("sqrt(x)", r"\frac{1}{2\sqrt{x}}"),
    ("sqrt(x)", r"\frac{1}{2}x^{-\frac{1}{2}}"),
    ("sqrt(x)", r"\frac12 x^{-1/2}"),
    ("x^2", r"2\times x"),
    ("x^2", r"2 \cdot x"),
    ("x^2", r"4x \div 2"),
    ("x^2", r"2\,x"),
    ("x^2", r"2\ x"),
    ("x^2", r"f'(x) = 2x"),
    ("x^2", r"$f'(x) = 2x$"),
    ("x^2", r"f^{\prime}(x) = 2x"),
    ("x^2", r"\frac{d}{dx}\left(x^2\right) = 2x"),
    ("x^2", r"\frac{dy}{dx} = 2x"),
    ("x^2", r"\dfrac{\mathrm{d}}{\mathrm{d}x}x^2 = 2x"),
    ("sin(x)^2", r"2\sin x\cos x"),
    ("sin(x)^2", r"\sin 2x"),
    ("sin(x)^2", r"2\sin(x)\cos(x)"),
    ("log(x, 2)", r"\frac{1}{x\ln 2}"),
    ("log(x, 2)", r"\frac{1}{x \ln(2)}"),
    ("log(x, 2)", r"\frac{1}{x}\log_2 e"),
    ("2^x", r"2^x\ln 2"),
    ("2^x", r"2^{x}\ln{2}"),
    ("x ln(x)", r"\ln x + 1"),
    ("x ln(x)", r"\log x + 1"),
    ("ln(x^2+1)", r"\frac{2x}{x^2+1}"),
    ("atan(x)", r"\frac{1}{1+x^2}"),
    ("asin(x)", r"\frac{1}{\sqrt{1-x^2}}"),
    ("tan(x)", r"\sec^2 x"),
    ("tan(x)", r"\frac{1}{\cos^2 x}"),
    ("tan(x)", r"1+\tan^2 x"),
    ("sec(x)", r"\sec x\tan x"),
    ("cosh(x)", r"\sinh x"),
    ("pi x^2", r"2\pi x"),
    ("|x|", r"\frac{x}{\left|x\right|}"),
    ("|x|", r"\operatorname{sgn}(x)"),
    ("e^x", r"\mathrm{e}^x"),
    ("e^x", r"e^{x}"),
    ("1/x", r"-\frac{1}{x^2}"),
    ("1/x", r"-x^{-2}"),
    ("(x+1)^3", r"3\left(x+1\right)^2"),
    ("(x+1)^3", r"3\left[x+1\right]^2"),
    ("(x+1)^3", r"3\left\{x+1\right\}^2"),
    ("(x+1)^3", r"3\{x+1\}^2"),
    ("(x+1)^3", r"3\bigl(x+1\bigr)^{2}"),
    ("x^10", r"10x^9"),
    ("ln(ln(x))", r"\frac{1}{x\ln x}"),
    ("exp(sin(x))", r"\cos x\, e^{\sin x}"),
    ("x^x", r"x^x(\ln x + 1)"),
    ("sin(pi x)", r"\pi\cos(\pi x)"),
    ("log10(x)", r"\frac{1}{x\ln 10}"),
    ("log10(x)", r"\frac{\log_{10} e}{x}"),
]
INCORRECT = [
    ("x^3 e^x", r"3x^2 e^x", "product_as_fprime_g"),
    ("x^3 e^x", r"$3x^{2}\mathrm{e}^{x}$", "product_as_fprime_g"),
    ("sin(x^2)", r"\cos(x^2)", "chain_missing_inner"),
    ("sin(x^2)", r"\cos x^2", "chain_missing_inner"),
    ("x^3", r"3x^3", "power_not_lowered"),
    ("2^x", r"x\cdot 2^{x-1}", "power_rule_on_exponential"),
    ("ln(x)", r"\frac{1}{x^2}", "log_as_inverse_square"),
    ("ln(x)", r"\ln x", "log_unchanged"),
    ("cos(x)", r"\sin x", "cos_derivative_sign"),
    ("sin(x)", r"-\cos x", "sin_derivative_sign"),
    ("sin(x)/x", r"\frac{\sin x - x\cos x}{x^2}", "quotient_sign_swapped"),
    ("sin(x)/x", r"\frac{x\cos x - \sin x}{x}", "quotient_denominator_not_squared"),
    ("e^x", r"x e^{x-1}", "exp_as_power"),
    ("5x^2", r"2x", "constant_factor_dropped"),
    ("x^2", r"\frac{x^3}{3}", "antiderivative"),
    ("x^2", r"$2x + C$", "antiderivative"),
    ("x^2", r"x^2", "original_function"),
    ("x^2", r"-2x", "sign_error"),
    ("e^x", r"\mathrm{e}^{x-1}", None),
    ("x^2", r"\frac{1}{2}x", None),
    ("sqrt(x)", r"\frac{1}{\sqrt{x}}", None),
    ("ln(x)", r"\frac{1}{2\left|x\right|}", None),
]
INVALID = [
    ("x^2", r"\frac{2x}{"),
    ("x^2", r"\input{answer.tex}"),
    ("x^2", r"\def\a{2x}\a"),
    ("x^2", r"\csname x\endcsname"),
    ("x^2", r"\catcode`\x=12"),
    ("x^2", r"\write18{rm -rf /}"),
    ("x^2", r"2\theta"),
    ("x^2", r"\foo{x}"),
    ("x^2", r"$2x"),
    ("x^2", r"2x \\ 3"),
    ("x^2", r"\left(2x"),
    ("x^2", r"\frac{d}{dx}x^2"),
    ("x^2", r"\frac{d}{dt}(x^2) = 2x"),
    ("x^2", r"x_{a}"),
    ("x^2", r"2x & 3"),
    ("x^2", r"\frac{" * 60 + "1" + "}{x}" * 60),
    ("x^2", r"\sqrt[3{x}"),
    ("x^2", r"\sin^{-1} x"),
]
TABLE = (
    [(f, a, "correct", None) for f, a in CORRECT]
    + [(f, a, "incorrect", m) for f, a, m in INCORRECT]
    + [(f, a, "invalid", None) for f, a in INVALID]
)


def test_the_table_covers_at_least_80_answers_of_every_verdict():
    assert len(TABLE) >= 80
    assert {row[2] for row in TABLE} == {"correct", "incorrect", "invalid"}


@pytest.mark.parametrize(
    ("function", "answer", "verdict", "mistake"),
    TABLE,
    ids=[f"{r[0]} | {r[1][:40]}" for r in TABLE],
)
def test_latex_answers_get_the_expected_verdict(function, answer, verdict, mistake):
    g = check_answer(function, answer)
    assert g.verdict == verdict, g.report()
    assert g.mistake == mistake, g.report()
    assert g.answer == answer  # echoed as typed
    if verdict == "invalid":
        assert g.reason  # what and where (the parser's message with its position and hint)


def test_an_invalid_latex_answer_says_what_and_where():
    g = check_answer("x^2", r"2x + \foo")
    assert g.verdict == "invalid"
    assert "unknown LaTeX command '\\foo' at position 5" in g.reason


def test_the_answer_says_it_was_read_as_latex():
    assert read_answer(r"\frac{1}{x}").notation == "latex"
    assert read_answer(r"$f'(x) = 2x$").notation == "latex"
    assert read_answer("1/x").notation == "plain"
    assert read_answer(r"\frac{1}{x}").read_as == "1/x"
