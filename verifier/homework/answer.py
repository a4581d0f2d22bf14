"""What was typed -> an expression: equations, answer text, parser warnings, "read as".

A student's answer is text (``"f'(x) = 2x + 2"``) or, from a program, a sympy expression.
:func:`read_answer` turns either into an :class:`Answer`: the expression (its symbols are the
parser's, matched BY NAME whatever assumptions the caller's symbols carry), the parser's
warnings about ambiguous notation and the expression in normal notation ("read as"), or raises
a :class:`~verifier.errors.VerifierError` whose one-line message (:func:`one_line`) makes the
answer ``invalid``.  Nothing here evaluates text as code: only :mod:`verifier.expr` parses.

>>> a = read_answer("dy/dx = 3x**2*exp(x)")
>>> a.read_as, a.warnings
('3x^2 e^x', ())
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from verifier.errors import ParseError, VerifierError
from verifier.expr.latex import looks_like_latex, strip_delimiters
from verifier.i18n import _, language

__all__ = [
    "MAX_ANSWER_LENGTH",
    "Answer",
    "as_expression",
    "expression_variables",
    "one_line",
    "read_answer",
    "read_as",
    "shown_answer",
    "split_equation",
]

#: Answers (and CSV fields) longer than this are refused before any parsing.
MAX_ANSWER_LENGTH = 20_000

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_ARGS = rf"\(\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\)"
# Recognised left sides: f'(x) =, y' =, dy/dx =, d/dx =, df/dx =, d/dx f(x) =, ∂f/∂x =, f_x =
_LHS = re.compile(
    rf"""^\s*(?:
        (?P<prime>[A-Za-z])\s*(?:'|′)\s*(?P<pargs>{_ARGS})?
      | (?P<d1>d|∂)\s*(?P<num>[A-Za-z])?\s*(?P<nargs>{_ARGS})?\s*/\s*(?P<d2>d|∂)\s*(?P<den>{_NAME})
        (?:\s*(?P<after>[A-Za-z])\s*(?P<aargs>{_ARGS})?)?
      | (?P<sub>[A-Za-z])_\{{?(?P<subvar>{_NAME})\}}?
    )\s*=(?P<rhs>.*)$""",
    re.VERBOSE | re.DOTALL,
)


# LaTeX left sides in the plain form above: \frac{d}{dx}(...) -> d/dx, \frac{dy}{dx} -> dy/dx
_TEX_LHS = [
    (re.compile(r"\\(?:left|right|displaystyle)|\\[,;:! ]|\s"), ""),
    (re.compile(r"\\(?:mathrm|operatorname|text)\{(\w+)\}"), r"\1"),
    (re.compile(r"\\[dtc]frac"), r"\\frac"),
    (re.compile(r"\^\{?\\prime\}?|\\prime|\^\{'\}"), "'"),
    (re.compile(r"\\partial"), "∂"),
    (re.compile(r"\\frac\{(d|∂)\}\{(d|∂)(\w+)\}.*$"), r"\1/\2\3"),
    (re.compile(r"\\frac\{(d|∂)(\w)\}\{(d|∂)(\w+)\}$"), r"\1\2/\3\4"),
    (re.compile(r"[{}]"), ""),
]
# A label before the answer: 답: 2x, 정답: 2x, Answer: 2x
_LABEL = re.compile(r"^\s*(?:정답|답안|답|answer|ans)\s*[:：]\s*", re.IGNORECASE)
# '+ C' at the end: the constant of an antiderivative (before closing LaTeX delimiters)
_CONSTANT = re.compile(r"\s*\+\s*(?P<c>C|c)\s*(?=(?:\$\$?|\\\)|\\\])?\s*$)")
_DECIMAL = re.compile(r"(?<![\d.])\d*\.\d+")


def _plain_lhs(lhs: str) -> str:
    r"""A LaTeX left side rewritten into the plain form :data:`_LHS` reads.

    >>> _plain_lhs(r"\frac{d}{dx}\left(x^3 e^x\right)"), _plain_lhs(r"f^{\prime}\left(x\right)")
    ('d/dx', "f'(x)")
    """
    for pattern, replacement in _TEX_LHS:
        lhs = pattern.sub(replacement, lhs)
    return lhs


def split_equation(text: str, variable: str = "x", variables: Sequence[str] = ("x",)) -> str:
    """Strip a recognised derivative left side (``f'(x) =``, ``dy/dx =``) and return the rest.

    Text without ``=`` comes back unchanged; an unknown left side is a ParseError.

    >>> split_equation("f'(x) = 2x + 2")
    ' 2x + 2'
    >>> split_equation("dy/dx = 3x^2")
    ' 3x^2'
    """
    if "=" not in text:
        return text
    m = _LHS.match(text)
    if m is None and "\\" in text:  # a LaTeX left side: \frac{d}{dx}(...) = ..., f^{\prime}(x) =
        eq = text.index("=")
        m = _LHS.match(_plain_lhs(text[:eq]) + text[eq:])
    if m is None:
        lhs = text.split("=", 1)[0].strip()
        raise ParseError(
            _("could not read the left side '{lhs}' of the equation").format(lhs=lhs[:40]),
            text=text[:200],
            position=text.index("="),
            hint=_("write just the derivative (2x + 2), or f'(x) = ..., y' = ..., dy/dx = ..."),
        )
    named = m.group("den") or m.group("subvar")
    if named is not None and named != variable:
        raise ParseError(
            _(
                "the left side differentiates with respect to {named}, but the question asks for {variable}"
            ).format(named=named, variable=variable),
            text=text[:200],
            hint=_("differentiate with respect to {variable}").format(variable=variable),
        )
    for group in ("pargs", "nargs", "aargs"):
        args = m.group(group)
        if args:
            names = [a.strip() for a in args.strip("() \t").split(",")]
            unknown = [a for a in names if a not in variables]
            if unknown:
                raise ParseError(
                    _(
                        "the left side names {items}, which is not a variable of this problem"
                    ).format(items=", ".join(unknown)),
                    text=text[:200],
                    hint=_("the variables are {items}").format(items=", ".join(variables)),
                )
    rhs = m.group("rhs")
    if "=" in rhs:
        raise ParseError(
            _("the answer has more than one '='"),
            text=text[:200],
            position=len(text) - len(rhs) + rhs.index("="),
            hint=_("write a single derivative, e.g. f'(x) = 2x + 2"),
        )
    return rhs


def one_line(exc: VerifierError) -> str:
    """An error as one line: message, position and hint (for a grade's reason or a CSV cell).

    >>> one_line(ParseError("unknown function 'sinn'", text="sinn(x)", position=0, hint="sin?"))
    "unknown function 'sinn' at position 0 (hint: sin?)"
    """
    msg = exc.message
    pos = getattr(exc, "position", None)
    if pos is not None:
        msg += _(" at position {position}").format(position=pos)
    if exc.hint:
        msg += _(" (hint: {hint})").format(hint=exc.hint)
    return " ".join(msg.split())


def expression_variables(expr: sympy.Basic) -> tuple[str, ...]:
    """The names of the free symbols of ``expr``, sorted (the variables a caller's sympy
    expression brings when none are named).

    >>> x, y = sympy.symbols("x y", positive=True)
    >>> expression_variables(x**2 * y)
    ('x', 'y')
    """
    return tuple(sorted({s.name for s in expr.free_symbols if isinstance(s, sympy.Symbol)}))


def as_expression(expr: sympy.Basic, variables: Sequence[str] | None = None) -> sympy.Expr:
    """A caller's sympy expression with every symbol replaced by the parser's symbol of the same
    NAME (whatever its assumptions: plain, ``positive=True``, ``real=True``), so that it is
    differentiated, evaluated and compared like parsed text.  With ``variables`` a symbol of
    another name is an error.

    >>> from verifier.expr import symbol
    >>> as_expression(sympy.Symbol("x") ** 2) == symbol("x") ** 2
    True
    >>> as_expression(sympy.Symbol("y", positive=True), ["x"])
    Traceback (most recent call last):
    ...
    verifier.errors.VerifierError: the expression uses y, which is not a variable (x)
    hint: name every variable, e.g. variables=('x', 'y')
    """
    from verifier.expr import symbol

    if not isinstance(expr, sympy.Expr):
        raise VerifierError(
            _("expected a sympy expression, got {__name__}").format(__name__=type(expr).__name__),
            hint=_("pass text such as '2x' or a sympy expression"),
        )
    symbols = {s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    if variables is not None:
        unknown = sorted({s.name for s in symbols} - set(variables))
        if unknown:
            raise VerifierError(
                _("the expression uses {items}, which is not a variable ({items2})").format(
                    items=", ".join(unknown), items2=", ".join(variables)
                ),
                hint=_("name every variable, e.g. variables={value!r}").format(
                    value=(*variables, *unknown)
                ),
            )
    if any(not isinstance(s, sympy.Symbol) for s in expr.free_symbols):
        raise VerifierError(
            _("the expression has free objects that are not symbols: {expr}").format(expr=expr)
        )
    canonical = {s: symbol(s.name) for s in symbols if s != symbol(s.name)}
    return expr.xreplace(canonical) if canonical else expr


_READ_AS: dict[sympy.Expr, str] = {}  # canonical answer -> normal notation


def read_as(expr: sympy.Expr) -> str:
    """How an answer was read, in normal notation (cached: a class types the same answers).

    >>> from verifier.expr import parse
    >>> read_as(parse("3x**2*exp(x)"))
    '3x^2 e^x'
    """
    from verifier.symbolic.steps import format_expr

    text = _READ_AS.get(expr)
    if text is None:
        if len(_READ_AS) > 20_000:
            _READ_AS.clear()
        text = _READ_AS[expr] = format_expr(expr)
    return text


#: (text, variable, variables, language) -> Answer: the service reads an answer to judge it
#: and again to show it; a class types the same answers
_READ: dict[tuple[str, str, tuple[str, ...], str], Answer] = {}


def clear_cache() -> None:
    """Forget the cached "read as" texts and read answers.

    >>> clear_cache()
    """
    _READ_AS.clear()
    _READ.clear()


def shown_answer(answer: Any) -> str:
    """The answer as a grade shows it: text (cut at 200 characters when over the limit), a
    sympy expression in normal notation, anything else by ``repr``.

    >>> shown_answer("2x"), shown_answer(2 * sympy.Symbol("x")), shown_answer(None)
    ('2x', '2x', 'None')
    """
    if isinstance(answer, str):
        return answer if len(answer) <= MAX_ANSWER_LENGTH else answer[:200] + "..."
    if isinstance(answer, sympy.Expr):
        try:
            return read_as(as_expression(answer))
        except VerifierError:
            return str(answer)
    return repr(answer)


@dataclass(frozen=True)
class Answer:
    """A read answer: what was typed, the expression, the parser's warnings, the "read as".

    >>> read_answer("1/2x").warnings[0][:12]
    "read '1/2x' "
    """

    text: str
    expr: sympy.Expr
    warnings: tuple[str, ...]
    read_as: str
    notation: str = "plain"  # or "latex"
    constant: str = ""  # a '+ C' typed at the end (an antiderivative's constant), else ""

    def to_frame(self):
        """A one-row DataFrame (warnings joined by '; ')."""
        import pandas as pd

        row = {"text": self.text, "read_as": self.read_as, "expr": str(self.expr)}
        row |= {"notation": self.notation, "constant": self.constant}
        return pd.DataFrame([{**row, "warnings": "; ".join(self.warnings)}])


def read_answer(
    answer: str | sympy.Expr, variable: str = "x", variables: Sequence[str] | None = None
) -> Answer:
    """Read an answer to "differentiate with respect to ``variable``".

    Text: an equation is read as its right-hand side (``f'(x) = ...``, ``y' = ...``,
    ``dy/dx = ...``, ``d/dx = ...``), then parsed by :mod:`verifier.expr` with ``variables``
    (default: ``variable`` only).  A sympy expression: its symbols are matched by name.
    Raises :class:`~verifier.errors.VerifierError` (a ParseError for text) when the answer
    cannot be graded: not text, empty, longer than :data:`MAX_ANSWER_LENGTH`, not parseable.

    >>> read_answer("f'(x) = 2(x+1)").read_as
    '2x + 2'
    >>> read_answer(sympy.Symbol("y", positive=True) * 2, "y", ["x", "y"]).read_as
    '2y'
    >>> try:
    ...     read_answer("2x +")
    ... except ParseError as exc:
    ...     print("invalid:", exc.position)
    invalid: 4
    """
    from verifier.expr import parse_with_warnings

    names = tuple(variables) if variables else (variable,)
    if isinstance(answer, sympy.Basic):
        expr = as_expression(answer, names)
        return Answer(shown_answer(expr), expr, (), read_as(expr))
    if not isinstance(answer, str):
        raise VerifierError(_("the answer is not text"))
    if len(answer) > MAX_ANSWER_LENGTH:
        raise VerifierError(
            _("the answer is {n} characters long (limit {MAX_ANSWER_LENGTH})").format(
                n=len(answer), MAX_ANSWER_LENGTH=MAX_ANSWER_LENGTH
            )
        )
    key = (answer, variable, names, language())
    hit = _READ.get(key)
    if hit is not None:
        return hit
    typed = _LABEL.sub("", answer, count=1)
    notation = "latex" if looks_like_latex(typed) else "plain"
    rhs = split_equation(strip_delimiters(typed) if notation == "latex" else typed, variable, names)
    m, constant = _CONSTANT.search(rhs), ""
    if m is not None and m.group("c") not in names and rhs[: m.start()].strip():
        rhs, constant = rhs[: m.start()] + rhs[m.end() :], m.group().strip()
    if not rhs.strip():
        raise ParseError(_("the answer is empty"), text=answer, hint=_("type the derivative"))
    parsed = parse_with_warnings(rhs, names, notation=notation)
    shown = _as_typed(parsed.expr, rhs)
    read = Answer(answer, parsed.expr, tuple(parsed.warnings), shown, notation, constant)
    if len(_READ) >= 20_000:
        _READ.clear()
    _READ[key] = read
    return read


def _as_typed(expr: sympy.Expr, text: str) -> str:
    """:func:`read_as`, with the numbers typed as decimals shown as typed (``2.71828^x``, not
    ``(67957/25000)^x``): each such exact rational is printed as a float (uncached: a float
    may compare equal to its rational).

    >>> from verifier.expr import parse
    >>> _as_typed(parse("2.71828^x"), "2.71828^x")
    '2.71828^x'
    """
    from verifier.symbolic.steps import format_expr

    floats: dict[sympy.Expr, sympy.Expr] = {}
    for literal in _DECIMAL.findall(text):
        exact = sympy.Rational(literal)
        if not exact.is_Integer:
            shown = sympy.Float(literal, max(15, len(literal)))
            floats |= {exact: shown, -exact: -shown}
    return format_expr(expr.xreplace(floats)) if floats else read_as(expr)
