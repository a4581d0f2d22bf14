"""Untrusted text -> sympy expression, the way students type it.

A small hand-written tokenizer and recursive-descent parser that builds sympy
objects directly from a whitelist: numbers, the variables, the known function
and constant names below, and ``+ - * / ^ ** ( ) , |``.  Nothing the user typed
ever reaches ``eval``/``exec``/``sympify``/``parse_expr``, and no user string is
ever handed to a sympy function (sympy sympifies strings, which calls ``eval``).

>>> parse("x^2 + 2x + 1")
x**2 + 2*x + 1
>>> parse("sin x cos x")
sin(x)*cos(x)
>>> parse_with_warnings("1/2x").warnings
("read '1/2x' as (1/2)*x; write 1/(2x) if you meant that",)

Readings (each one is tested in tests/test_parse.py)
----------------------------------------------------
* Implicit products bind like ``*``, left to right: ``2x`` = 2*x,
  ``(x+1)(x-1)``, ``x y`` and ``2xy`` are products, ``1/2x`` = (1/2)*x (as
  sympy and STACK read it; warns, because 1/(2x) is the other reading).
* ``^`` and ``**`` are powers, right-associative (``2^x^2`` = 2^(x^2)), and
  bind tighter than a leading minus (``-x^2`` = -(x^2)).  An exponent is one
  factor: ``e^2x`` = e^2*x and ``x^2y`` = x^2*y (both warn; write ``e^(2x)``).
  No warning when the factor after the exponent has its own power
  (``3x^2e^x``) or the exponent is a superscript (``x²y``).
* A function name followed by ``(`` is a call: ``sin(x)^2`` = (sin x)^2.  Without
  brackets the argument is the next factor together with its power and the
  factors glued to it, and ends at the next operator or space: ``sin x^2`` =
  sin(x^2), ``cos 2x`` = cos(2x), ``sin x cos x`` = sin(x)*cos(x) (warns),
  ``cos x - x sin x`` = cos(x) - x*sin(x).  ``√`` works the same way:
  ``√x``, ``√(x+1)``, ``√2x`` = sqrt(2x) (warns).
* ``sin^2 x``, ``sin^2(x)`` and ``sin²x`` are (sin x)^2 (the unbracketed form
  warns).  ``sin^-1 x`` is refused: it could be asin(x) or 1/sin(x).
* Letter runs are split into known names and variables, longest known name
  first: ``cosx`` = cos(x), ``lnx`` = ln(x), ``xsinx`` = x*sin(x),
  ``exp`` = exp (never e*x*p), ``sinh`` = sinh, ``pix`` = pi*x.  Digits glued
  to a variable name must make a declared variable (``x0``, ``x_1``, ``x₁``);
  ``x2`` with only ``x`` declared is an error (x*2 or x^2?).  Digits glued to a
  function name are its argument (``sin2x`` = sin(2x)), except ``log10`` and
  ``log2``.
* ``e`` is Euler's number, ``pi`` and ``π`` are pi.  ``log`` and ``ln`` are
  natural logarithms, ``log(x, b)`` is the logarithm to base b, ``log10(x)``
  and ``log2(x)`` too.  ``|x|`` = abs(x); bars nest (``|x - |x||``): a ``|``
  where an operand is expected opens, one after an operand closes.
* Numbers are exact: ``0.5`` = 1/2, ``2.71828`` = 271828/100000 (so
  ``2.71828^x`` is not e^x).  Scientific notation ``<number>e<digits>`` and
  ``<number>e-<digits>`` (also ``E``, ``e+``) is a number only when no letter,
  digit, ``(``, ``.`` or ``√`` follows the exponent digits; it always warns
  because ``2e-1`` could also be 2e - 1.  ``3e x`` and ``2e^x`` are products
  with Euler's number.
* A number right after a factor (``x 2``, ``(x+1)2``) is an error, not a
  product: did you mean x*2?
* ``variables=None`` infers variables: single lowercase Latin or Greek
  letters, optionally followed by digits (``x0``) or a subscript (``x_1``,
  ``x₁`` is named ``x1``); never ``e`` or a function name; uppercase letters
  must be declared.  Inferred letters may be glued in runs of at most two
  (``xy``); longer runs (``abc``, ``exec``) and Python keywords (``or``,
  ``if``) are refused: write ``a*b*c`` or declare the variables.
* Constants must be real and defined: ``1/0``, ``log(0)``, ``0^0``,
  ``log(x, 1)`` are refused as undefined, ``√-1`` and ``log(-2)`` as not real.
* ``=`` is refused: give the expression, not an equation.

Unicode: an explicit table maps superscript digits and ``⁻`` (exponents),
subscript digits (variable indices), ``−`` and ``–`` (minus), ``×``, ``·``,
``⋅``, ``∙`` (times), ``÷``, ``∕`` (divide), ``π``, ``√``, full-width digits,
letters and operators, no-break and ideographic spaces, and Greek letters
(identifiers).  Every other character, including mathematical alphanumeric
letters (``𝑒𝑥𝑒𝑐``), invisible, bidirectional and control characters and
newlines, is refused by name and position.  No NFKC normalisation.

Limits (:class:`ParseLimits`; each has its own :class:`LimitError`, whose
``limit`` attribute names the field): input length, tokens, nesting depth,
digits per literal, constant exponents, digits of any number in the result,
the size of the result tree, and a time budget.  sympy evaluates eagerly
(``exp(10^9 log 2)`` becomes ``2^(10^9)``), so every power, product and function
application is checked *before* its sympy constructor runs and the result is
measured *after* it.  Before: constant exponents, the digits a rational power
would have (also through ``exp(c log t)`` = t^c and the merging of powers of one
base), and a structural bound on the size of every constant (``e^e^e^e`` is about
10^1,656,520: sympy would evaluate it numerically to compare it, at a precision
that grows with its size).  After: node count, digits, undefined or imaginary
values (a memoised walk, so the checks cost about the new nodes).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import keyword
import math
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import sympy

from verifier.errors import LimitError, ParseError, VerifierError

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "ParseLimits",
    "Parsed",
    "parse",
    "parse_with_warnings",
    "symbol",
]


@functools.lru_cache(maxsize=1024)
def symbol(name: str) -> sympy.Symbol:
    """The one way to make a variable: a real sympy Symbol, so symbols compare equal everywhere.

    >>> symbol("x") == symbol("x")
    True
    >>> symbol("x").is_real
    True
    """
    return sympy.Symbol(name, real=True)


# --------------------------------------------------------------------------- limits and results


@dataclasses.dataclass(frozen=True)
class ParseLimits:
    """Resource limits for one parse; every one has its own :class:`LimitError`.

    * ``max_length``: characters of input (checked before anything else).
    * ``max_tokens``: tokens after splitting letter runs.
    * ``max_depth``: nesting of brackets, bars, signs, powers and function
      arguments; the parser's recursion is bounded by it, far below Python's
      recursion limit.
    * ``max_digits``: digits in one number literal; also the largest number of
      digits whose root (``sqrt``, fractional power) sympy is asked to take,
      since sympy factors the number to simplify the root.
    * ``max_exponent``: largest magnitude of a constant exponent of a number
      (``2^1000`` is fine, ``10^10^10`` is not), of a constant inside any
      exponent, of a scientific-notation exponent, and of the denominator of
      a fractional exponent of a number (sympy looks for an exact q-th root).
    * ``max_symbolic_exponent``: largest magnitude of a constant exponent of an
      expression with variables (``(x+1)^100`` is fine, ``(x+1)^1000`` is not:
      anyone expanding it would wait).
    * ``max_number_digits``: digits of any number in any intermediate result
      (Python refuses to print integers over 4,300 digits), of the power
      sympy builds to simplify ``b^(p/q)`` (about p digits of b), and the
      size 10^±N of any constant (``e^1000`` is fine, ``e^e^e^e`` is not).
    * ``max_result_size``: nodes of any intermediate result tree.
    * ``max_seconds``: wall-clock budget for one parse, checked after every
      sympy constructor (a backstop: sympy decides the sign of a constant such
      as ``|sin(pi/7)^2 + cos(pi/7)^2 - 1|`` numerically, which takes a few
      milliseconds each).

    >>> ParseLimits().max_length
    1000
    >>> ParseLimits(max_depth=10).max_depth
    10
    """

    max_length: int = 1000
    max_tokens: int = 500
    max_depth: int = 50
    max_digits: int = 100
    max_exponent: int = 1000
    max_symbolic_exponent: int = 100
    max_number_digits: int = 1000
    max_result_size: int = 2000
    max_seconds: float = 0.5


@dataclasses.dataclass(frozen=True)
class Parsed:
    """The result of :func:`parse_with_warnings`.

    ``warnings`` are plain sentences about readings that could have meant
    something else (a student-facing note); ``variables`` are the declared
    variables, or the inferred ones in order of first appearance.

    >>> p = parse_with_warnings("e^2x")
    >>> p.expr
    x*exp(2)
    >>> p.warnings
    ("read 'e^2x' as e^2*x; write e^(2x) if you meant that",)
    >>> p.variables
    ('x',)
    """

    expr: sympy.Expr
    warnings: tuple[str, ...]
    variables: tuple[str, ...]
    text: str


# --------------------------------------------------------------------------- whitelist tables


def _log(x: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x, base)


# name -> (canonical name, min args, max args, builder).  The builders are sympy
# classes/functions that only ever receive sympy objects built by this module.
FUNCTIONS: dict[str, tuple[str, int, int, Callable[..., sympy.Expr]]] = {
    "sin": ("sin", 1, 1, sympy.sin),
    "cos": ("cos", 1, 1, sympy.cos),
    "tan": ("tan", 1, 1, sympy.tan),
    "sec": ("sec", 1, 1, sympy.sec),
    "csc": ("csc", 1, 1, sympy.csc),
    "cosec": ("csc", 1, 1, sympy.csc),
    "cot": ("cot", 1, 1, sympy.cot),
    "asin": ("asin", 1, 1, sympy.asin),
    "acos": ("acos", 1, 1, sympy.acos),
    "atan": ("atan", 1, 1, sympy.atan),
    "asec": ("asec", 1, 1, sympy.asec),
    "acsc": ("acsc", 1, 1, sympy.acsc),
    "acot": ("acot", 1, 1, sympy.acot),
    "arcsin": ("asin", 1, 1, sympy.asin),
    "arccos": ("acos", 1, 1, sympy.acos),
    "arctan": ("atan", 1, 1, sympy.atan),
    "arcsec": ("asec", 1, 1, sympy.asec),
    "arccsc": ("acsc", 1, 1, sympy.acsc),
    "arccot": ("acot", 1, 1, sympy.acot),
    "sinh": ("sinh", 1, 1, sympy.sinh),
    "cosh": ("cosh", 1, 1, sympy.cosh),
    "tanh": ("tanh", 1, 1, sympy.tanh),
    "sech": ("sech", 1, 1, sympy.sech),
    "csch": ("csch", 1, 1, sympy.csch),
    "coth": ("coth", 1, 1, sympy.coth),
    "asinh": ("asinh", 1, 1, sympy.asinh),
    "acosh": ("acosh", 1, 1, sympy.acosh),
    "atanh": ("atanh", 1, 1, sympy.atanh),
    "acoth": ("acoth", 1, 1, sympy.acoth),
    "asech": ("asech", 1, 1, sympy.asech),
    "acsch": ("acsch", 1, 1, sympy.acsch),
    "arsinh": ("asinh", 1, 1, sympy.asinh),
    "arcosh": ("acosh", 1, 1, sympy.acosh),
    "artanh": ("atanh", 1, 1, sympy.atanh),
    "arcsinh": ("asinh", 1, 1, sympy.asinh),
    "arccosh": ("acosh", 1, 1, sympy.acosh),
    "arctanh": ("atanh", 1, 1, sympy.atanh),
    "exp": ("exp", 1, 1, sympy.exp),
    "ln": ("ln", 1, 1, sympy.log),
    "log": ("log", 1, 2, _log),
    "log10": ("log10", 1, 1, lambda x: sympy.log(x, 10)),
    "log2": ("log2", 1, 1, lambda x: sympy.log(x, 2)),
    "sqrt": ("sqrt", 1, 1, sympy.sqrt),
    "cbrt": ("cbrt", 1, 1, sympy.cbrt),
    "root": ("root", 2, 2, sympy.root),
    "abs": ("abs", 1, 1, sympy.Abs),
    "sign": ("sign", 1, 1, sympy.sign),
    "sgn": ("sign", 1, 1, sympy.sign),
}

CONSTANTS: dict[str, sympy.Expr] = {"e": sympy.E, "pi": sympy.pi, "π": sympy.pi}

# Function names made of letters only (log10/log2 end in digits: handled as suffixes).
_LETTER_FUNCTIONS = frozenset(name for name in FUNCTIONS if name.isalpha())
_KNOWN_NAMES = _LETTER_FUNCTIONS | frozenset(CONSTANTS)


def _char_table() -> dict[str, str]:
    """The explicit Unicode whitelist: character -> canonical ASCII (or Greek) character."""
    table: dict[str, str] = {}
    for code in range(0x21, 0x7F):  # full-width ASCII block U+FF01..U+FF5E
        ch = chr(code)
        if ch.isalnum() or ch in "+-*/^(),|.=":
            table[chr(code + 0xFEE0)] = ch
    table.update(
        {
            "\u2212": "-",  # MINUS SIGN
            "\u2013": "-",  # EN DASH (word processors turn '-' into it)
            "\u00d7": "*",  # MULTIPLICATION SIGN
            "\u00b7": "*",  # MIDDLE DOT
            "\u22c5": "*",  # DOT OPERATOR
            "\u2219": "*",  # BULLET OPERATOR
            "\u00f7": "/",  # DIVISION SIGN
            "\u2215": "/",  # DIVISION SLASH
            "\u00a0": " ",  # NO-BREAK SPACE
            "\u3000": " ",  # IDEOGRAPHIC SPACE
            "\u221a": "√",  # SQUARE ROOT
        }
    )
    return table


_CHAR_MAP = _char_table()
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6"}
_SUPERSCRIPTS |= {"⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
_SUBSCRIPTS = {chr(0x2080 + d): str(d) for d in range(10)}
# Greek letters usable as identifiers (π is the constant); final sigma is left out.
_GREEK = frozenset(chr(c) for c in range(0x3B1, 0x3CA) if c != 0x3C2) | frozenset(
    chr(c) for c in range(0x391, 0x3AA) if c != 0x3A2
)
_GREEK_ALIAS = {
    g: unicodedata.name(g).split()[-1].lower() for g in _GREEK if g.islower() and g != "π"
}


def _class_table() -> dict[str, tuple[str, str]]:
    """Every allowed character -> (class, canonical character); anything else is refused."""
    classes: dict[str, tuple[str, str]] = {}

    def classify(c: str) -> tuple[str, str]:
        if c.isalpha():
            return ("letter", c)
        if c.isdigit():
            return ("digit", c)
        named = {" ": "space", "_": "under", ".": "dot"}
        return (named.get(c, "op"), c)

    for code in range(0x20, 0x7F):
        ch = chr(code)
        if ch.isalnum() or ch in "+-*/^(),|. _":
            classes[ch] = classify(ch)
    for ch, canonical in _CHAR_MAP.items():
        if canonical != "=":
            classes[ch] = classify(canonical)
    classes.update({ch: ("sup", c) for ch, c in _SUPERSCRIPTS.items()})
    classes.update({ch: ("sub", c) for ch, c in _SUBSCRIPTS.items()})
    classes.update({ch: ("letter", ch) for ch in _GREEK | {"π"}})
    return classes


_CLASSES = _class_table()

# canonical function name -> the sympy class whose magnitude rule applies (see _magnitude)
_MAGNITUDE_CLASS: dict[str, Any] = {
    "exp": sympy.exp,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "csch": sympy.csch,
    "sech": sympy.sech,
    "ln": sympy.log,
    "log": sympy.log,
    "log10": sympy.log,
    "log2": sympy.log,
}

_CHAR_HINTS = {
    "=": "give only the expression, not an equation: drop 'f(x) =' and write the right-hand side",
    "'": "quotes are not part of math notation",
    '"': "quotes are not part of math notation",
    "`": "quotes are not part of math notation",
    "[": "use parentheses ( ) for grouping",
    "]": "use parentheses ( ) for grouping",
    "{": "use parentheses ( ) for grouping",
    "}": "use parentheses ( ) for grouping",
    ";": "give one expression only",
    "!": "factorials are not supported",
    "_": "'_' is only allowed as a subscript after a letter, as in x_1",
    "\n": "the expression must fit on one line",
    "\r": "the expression must fit on one line",
    "\t": "use ordinary spaces",
    "%": "write percentages as fractions, e.g. 5/100",
    ":": "give one expression only",
}


def _char_name(ch: str) -> str:
    try:
        return unicodedata.name(ch)
    except ValueError:
        return f"U+{ord(ch):04X}"


def _char_error(text: str, pos: int) -> ParseError:
    ch = text[pos]
    hint = _CHAR_HINTS.get(ch)
    category = unicodedata.category(ch)
    if hint is None:
        if category == "Cf":
            hint = "remove the invisible formatting character (often pasted from a web page)"
        elif category.startswith("C"):
            hint = "remove the control character"
        elif category.startswith("Z"):
            hint = "use an ordinary space"
        elif 0x1D400 <= ord(ch) <= 0x1D7FF:
            hint = "type plain letters and digits (x, not 𝑥)"
        else:
            hint = "use only numbers, variables, known functions and + - * / ^ ( ) , |"
    shown = repr(ch) if category.startswith(("C", "Z")) else f"'{ch}'"
    if ch == "=":
        message = "'=' is not allowed: this is an expression, not an equation"
    else:
        message = f"character {shown} ({_char_name(ch)}) is not allowed"
    return ParseError(message, text=text, position=pos, hint=hint)


# --------------------------------------------------------------------------- tokens


@dataclasses.dataclass(frozen=True)
class _Tok:
    kind: str  # num var const func op sup end
    value: Any  # Rational | Symbol | sympy constant | function name | operator | Integer
    start: int
    end: int
    space: bool  # whitespace before this token
    sci: bool = False  # number written in scientific notation


class _Lexer:
    """Characters -> tokens.  Splits letter runs into known names and variables."""

    def __init__(self, text: str, variables: tuple[str, ...] | None, limits: ParseLimits) -> None:
        self.text = text
        self.limits = limits
        self.infer = variables is None
        # typed name -> declared name (Greek letters also answer to their ASCII name)
        self.lookup: dict[str, str] = {}
        for name in variables or ():
            self.lookup[name] = name
        for name in variables or ():
            if name in _GREEK_ALIAS and _GREEK_ALIAS[name] not in self.lookup:
                self.lookup[_GREEK_ALIAS[name]] = name
            for greek, alias in _GREEK_ALIAS.items():
                if alias == name and greek not in self.lookup:
                    self.lookup[greek] = name
        self.declared = tuple(variables or ())
        self.found: dict[str, None] = {}  # variables used, in order
        self.pending: list[_Tok] = []
        self.count = 0
        self.chars = self._canonical()

    # -- characters
    def _canonical(self) -> list[tuple[str, str]]:
        """(class, canonical char) per input character; rejects everything off the whitelist."""
        out = [_CLASSES.get(ch) for ch in self.text]
        if None in out:
            raise _char_error(self.text, out.index(None))
        return out  # type: ignore[return-value]

    def _cls(self, i: int) -> str:
        return self.chars[i][0] if i < len(self.chars) else "end"

    def _ch(self, i: int) -> str:
        return self.chars[i][1] if i < len(self.chars) else ""

    def _err(self, message: str, pos: int, hint: str | None = None) -> ParseError:
        return ParseError(message, text=self.text, position=pos, hint=hint)

    def _emit(self, tok: _Tok) -> None:
        self.count += 1
        if self.count > self.limits.max_tokens:
            raise LimitError(
                f"too many tokens: more than {self.limits.max_tokens}",
                limit="max_tokens",
                hint="split the expression or raise ParseLimits.max_tokens",
            )
        self.pending.append(tok)

    # -- main loop
    def run(self) -> Iterator[_Tok]:
        """Tokens, produced lazily: an error early in a long input stops the work there."""
        i, n = 0, len(self.chars)
        space = False
        while i < n:
            yield from self.pending
            self.pending.clear()
            cls, ch = self.chars[i]
            if cls == "space":
                space = True
                i += 1
                continue
            if cls in ("digit", "dot"):
                i = self._number(i, space)
            elif cls == "letter":
                i = self._name(i, space)
            elif cls == "sup":
                i = self._superscript(i, space)
            elif cls == "op":
                if ch == "*" and self._ch(i + 1) == "*" and self._cls(i + 1) == "op":
                    self._emit(_Tok("op", "^", i, i + 2, space))
                    i += 2
                else:
                    self._emit(_Tok("op", ch, i, i + 1, space))
                    i += 1
            elif ch == "√":
                self._emit(_Tok("op", "√", i, i + 1, space))
                i += 1
            elif cls == "sub":
                raise self._err(
                    "a subscript must follow a variable name", i, "write x₁ or x_1 for a variable"
                )
            else:  # underscore not after a name
                raise _char_error(self.text, i)
            space = False
        yield from self.pending
        self.pending.clear()
        self.count -= 1  # the end marker does not count
        self._emit(_Tok("end", None, n, n, space))
        yield from self.pending

    def _number(self, i: int, space: bool) -> int:
        start = i
        digits: list[str] = []
        while self._cls(i) == "digit":
            digits.append(self._ch(i))
            i += 1
        frac: list[str] = []
        if self._cls(i) == "dot":
            i += 1
            while self._cls(i) == "digit":
                frac.append(self._ch(i))
                i += 1
            if not digits and not frac:
                raise self._err("a lone '.' is not a number", start, "write 0.5 or .5")
            if self._cls(i) == "dot":
                raise self._err("a number has at most one decimal point", i, "write 1.5, not 1.5.2")
        if len(digits) + len(frac) > self.limits.max_digits:
            raise LimitError(
                f"number at position {start} has {len(digits) + len(frac)} digits, "
                f"more than the limit of {self.limits.max_digits}",
                limit="max_digits",
                hint="numbers this long are not homework notation",
            )
        value = sympy.Rational(int("".join(digits) or "0"))
        if frac:
            value = sympy.Rational(int("".join(digits + frac)), 10 ** len(frac))
        sci = False
        end = self._scientific(i)
        if end is not None:
            sign_i = i + 1
            sign = -1 if self._ch(sign_i) == "-" else 1
            first = sign_i + 1 if self._ch(sign_i) in "+-" else sign_i
            exp_digits = "".join(self._ch(k) for k in range(first, end))
            if len(exp_digits) > 6 or int(exp_digits) > self.limits.max_exponent:
                raise LimitError(
                    f"exponent of the number at position {start} exceeds the limit of "
                    f"{self.limits.max_exponent}",
                    limit="max_exponent",
                )
            value = value * sympy.Rational(10) ** (sign * int(exp_digits))
            sci = True
            i = end
        self._emit(_Tok("num", value, start, i, space, sci=sci))
        return i

    def _scientific(self, i: int) -> int | None:
        """End index of a scientific exponent starting at i (the 'e'), or None."""
        if self._cls(i) != "letter" or self._ch(i) not in "eE":
            return None
        k = i + 1
        if self._cls(k) == "op" and self._ch(k) in "+-":
            k += 1
        if self._cls(k) != "digit":
            return None
        while self._cls(k) == "digit":
            k += 1
        if self._cls(k) in ("letter", "dot", "sub", "under") or self._ch(k) in ("(", "√"):
            return None
        return k

    def _superscript(self, i: int, space: bool) -> int:
        start = i
        text = ""
        while self._cls(i) == "sup":
            text += self._ch(i)
            i += 1
        body = text[1:] if text.startswith("-") else text
        if not body.isdigit():
            raise self._err("a superscript exponent needs digits, as in x² or x⁻¹", start)
        if len(body) > 6:
            raise LimitError(
                f"superscript exponent at position {start} is too long", limit="max_exponent"
            )
        self._emit(_Tok("sup", sympy.Integer(int(text)), start, i, space))
        return i

    # -- names
    def _name(self, i: int, space: bool) -> int:
        start = i
        letters: list[str] = []
        while self._cls(i) == "letter":
            letters.append(self._ch(i))
            i += 1
        run = "".join(letters)
        has_suffix = self._cls(i) in ("digit", "sub", "under")
        pieces = self._split(run, start, i, has_suffix)
        # a suffix: digits, subscript digits, or '_' + digits
        suffix, sub, j = "", False, i
        if self._cls(j) == "under":
            j += 1
            sub = True
            if self._cls(j) not in ("digit", "sub"):
                raise self._err(
                    "'_' must be followed by digits, as in x_1", j - 1, "write x_1 or x1"
                )
        underscore = sub
        kind_of_digits = self._cls(j)
        if kind_of_digits == "sub":
            sub = True
        if kind_of_digits in ("digit", "sub"):
            while self._cls(j) == kind_of_digits:
                suffix += self._ch(j)
                j += 1
        if suffix:
            last_kind, last_name, last_start, last_typed = pieces[-1]
            typed = self.text[last_start:j]
            if last_kind == "func" and not sub:
                if last_name + suffix in FUNCTIONS:  # log10, log2
                    pieces[-1] = ("func", last_name + suffix, last_start, last_typed + suffix)
                    i = j
                # else: the digits are the function's argument (sin2x); the number lexer reads them
            elif last_kind == "const":
                raise self._err(
                    f"unknown name '{typed}'",
                    last_start,
                    f"did you mean {last_name}*{suffix} or {last_name}^{suffix}?",
                )
            else:
                base = last_typed
                # x_1 is named as typed; x₁ is named x1 (like the seed's x0, x1)
                candidates = (
                    (f"{base}_{suffix}", f"{base}{suffix}")
                    if underscore
                    else (f"{base}{suffix}", f"{base}_{suffix}")
                    if sub
                    else (f"{base}{suffix}", f"{base}_{suffix}")
                )
                chosen = next((c for c in candidates if c in self.lookup), None)
                if chosen is None and self.infer and len(base) == 1:
                    chosen = candidates[0]
                    self.lookup[chosen] = chosen
                if chosen is None:
                    hint = (
                        f"did you mean {base}*{suffix} or {base}^{suffix}?"
                        if not sub
                        else "declare it as a variable"
                    )
                    raise self._err(
                        f"unknown name '{typed}'{self._declared_note()}", last_start, hint
                    )
                pieces[-1] = ("var", self.lookup[chosen], last_start, self.text[last_start:j])
                i = j
        glued = False
        for kind, name, pos, typed in pieces:
            end = pos + len(typed)
            tok_space = space and not glued
            glued = True
            if kind == "func":
                self._emit(_Tok("func", name, pos, end, tok_space))
            elif kind == "const":
                self._emit(_Tok("const", CONSTANTS[name], pos, end, tok_space))
            else:
                self.found.setdefault(name)
                self._emit(_Tok("var", symbol(name), pos, end, tok_space))
        return i

    def _declared_note(self) -> str:
        if self.infer:
            return ""
        return f" (declared variables: {', '.join(self.declared) or 'none'})"

    def _split(
        self, run: str, start: int, end: int, has_suffix: bool = False
    ) -> list[tuple[str, str, int, str]]:
        """Split a letter run: longest known name or declared variable first, then letters.

        With digits after the run, its tail may be the stem of an indexed
        variable (the 'x' of a declared 'x0'); the caller checks the full name.
        """
        names = _KNOWN_NAMES | self.lookup.keys()
        stems = {n.rstrip("0123456789").removesuffix("_") for n in self.lookup if n[-1].isdigit()}
        longest = max(map(len, names))
        pieces: list[tuple[str, str, int, str]] = []
        unknown: list[int] = []
        k = 0
        while k < len(run):
            match = None
            for size in range(min(longest, len(run) - k), 0, -1):
                cand = run[k : k + size]
                if cand in names:
                    match = cand
                    break
            if match is None and has_suffix and run[k:] in stems:
                pieces.append(("var", run[k:], start + k, run[k:]))
                break
            if match is None:
                if self.infer and run[k].islower():
                    pieces.append(("var", run[k], start + k, run[k]))
                    self.lookup[run[k]] = run[k]
                else:
                    unknown.append(k)
                    pieces.append(("?", run[k], start + k, run[k]))
                k += 1
                continue
            if match in _LETTER_FUNCTIONS:
                pieces.append(("func", match, start + k, match))
            elif match in CONSTANTS and match not in self.lookup:
                pieces.append(("const", match, start + k, match))
            else:
                pieces.append(("var", self.lookup[match], start + k, match))
            k += len(match)
        call = self._followed_by_paren(end)
        ends_with_func = pieces[-1][0] == "func"
        has_func = any(piece[0] == "func" for piece in pieces)
        if len(run) > 1 and call and not ends_with_func and (has_func or unknown):
            raise self._unknown_function(run, start)
        if unknown:
            if len(run) >= 3 and not any(len(piece[3]) > 1 for piece in pieces):
                raise self._err(
                    f"unknown name '{run}'{self._declared_note()}",
                    start,
                    self._name_hint(run),
                )
            k = unknown[0]
            segment = run[k]
            while k + len(segment) < len(run) and (k + len(segment)) in unknown:
                segment += run[k + len(segment)]
            raise self._err(
                f"unknown name '{segment}'{self._declared_note()}",
                start + k,
                f"only lowercase letters are taken as variables; declare {segment!r} to use it"
                if self.infer
                else f"declare {segment!r} as a variable, or check the spelling",
            )
        if self.infer and (keyword.iskeyword(run) or keyword.issoftkeyword(run)):
            # 'or', 'if', 'in', 'is' ... are words, not a product of two inferred variables
            raise self._err(f"unknown name '{run}'", start, self._name_hint(run))
        if self.infer:
            # inferred single letters glue in runs of at most two (xy), so that
            # words such as 'exec' or 'eval' are refused instead of multiplied out
            segment = 0
            for kind, _, _, typed in pieces:
                single = len(typed) == 1
                segment = segment + 1 if single and kind in ("var", "const") else 0
                if segment > 2:
                    if call:
                        raise self._unknown_function(run, start)
                    raise self._err(
                        f"unknown name '{run}'",
                        start,
                        self._name_hint(run),
                    )
        return pieces

    def _name_hint(self, run: str) -> str:
        greek = [g for g, alias in _GREEK_ALIAS.items() if alias == run.lower()]
        if greek:
            return f"write {greek[0]}, or declare '{run}' as a variable"
        close = difflib.get_close_matches(run, sorted(_LETTER_FUNCTIONS), n=3, cutoff=0.7)
        if close:
            return "did you mean " + " or ".join(close) + "?"
        return (
            "not a known function, constant or variable; write a product with '*' "
            f"(as in {'*'.join(run[:3])}) or declare the variable"
        )

    def _followed_by_paren(self, end: int) -> bool:
        k = end
        while self._cls(k) == "space":
            k += 1
        return self._cls(k) == "op" and self._ch(k) == "("

    def _unknown_function(self, run: str, start: int) -> ParseError:
        close = difflib.get_close_matches(run, sorted(FUNCTIONS), n=3, cutoff=0.6)
        hint = (
            "did you mean " + " or ".join(close) + "?"
            if close
            else "known functions: " + ", ".join(sorted({v[0] for v in FUNCTIONS.values()}))
        )
        return self._err(f"unknown function '{run}'", start, hint)


# --------------------------------------------------------------------------- building + limits

_UNDEFINED = frozenset({sympy.zoo, sympy.nan, sympy.oo, -sympy.oo})


def _log10(r: sympy.Rational) -> float:
    """log10 of the larger of |numerator| and denominator (math.log10 takes big ints)."""
    return math.log10(max(abs(int(r.p)), int(r.q), 1))


Mag = tuple[float, float]  # (up, down): 10^-down <= |value| <= 10^up


def _abs_float(r: sympy.Rational) -> float:
    """|r| as a float without overflow (float(huge/huge) may overflow): via logarithms."""
    if not r:
        return 0.0
    lg = math.log10(abs(int(r.p))) - math.log10(int(r.q))
    return 10 ** min(lg, 300.0) if lg > -300.0 else 0.0


def _times(f: float, n: int) -> float:
    """f * |n| as a float; inf when n is too large for a float (no OverflowError)."""
    n = abs(n)
    return f * n if n.bit_length() < 1000 else math.inf


class _Info(NamedTuple):
    size: int  # nodes in the tree
    digits: int  # most digits of any rational number in it
    magnitude: Mag  # constant nodes: (up, down) with 10^-down <= |value| <= 10^up
    numeric: bool  # no variables
    undefined: bool  # contains zoo, nan or an infinity
    imaginary: bool  # contains the imaginary unit


_ATOM_MAGNITUDE = {sympy.E: (math.log10(math.e), 0.0), sympy.pi: (math.log10(math.pi), 0.0)}
_MAG_CAP = 1e12  # magnitudes are compared with max_number_digits; cap to stay finite
_EXP_LIKE = (sympy.exp, sympy.sinh, sympy.cosh, sympy.csch, sympy.sech)


def _magnitude(func: Any, args: tuple[sympy.Basic, ...], mags: list[Mag]) -> Mag:
    """Bounds (up, down) on how large and how small a constant node can be:
    10^-down <= |value| <= 10^up, from the bounds of its arguments.

    Structural and cheap (no numeric evaluation, which is what could hang):
    products add bounds, powers multiply them by the exponent, exp
    exponentiates, log takes a logarithm; other functions keep their
    argument's bounds plus one digit (the argument's size sets the precision
    sympy needs to evaluate them, and tan or 1/sin can be large near a pole).
    """
    ups = [m[0] for m in mags]
    downs = [m[1] for m in mags]
    if func is sympy.Add:
        up, down = max(ups) + math.log10(len(mags)), max(downs)
    elif func is sympy.Mul:
        up, down = sum(ups), sum(downs)
    elif func is sympy.Pow:
        exponent = args[1]
        if exponent.is_Rational:
            k = _abs_float(exponent)
            up, down = (ups[0] * k, downs[0] * k) if exponent >= 0 else (downs[0] * k, ups[0] * k)
        else:
            k = 10 ** min(ups[1], 13.0)
            up = down = max(ups[0], downs[0]) * k
    elif func in _EXP_LIKE:
        up = down = 0.4343 * 10 ** min(ups[0], 13.0)
    elif func is sympy.log:
        size = max(ups[0], downs[0])
        up = math.log10(size * 2.303 + 1.0) + 1.0 + (downs[1] if len(mags) > 1 else 0.0)
        # log p/q can be as small as about 1/max(p, q) (log(1 + 10^-900))
        near_one = _log10(args[0]) if args[0].is_Rational else size
        down = near_one + 1.0 + (ups[1] if len(mags) > 1 else 0.0)
    else:
        up = down = max(max(ups, default=0.0), max(downs, default=0.0)) + 1.0
    return (min(up, _MAG_CAP), min(down, _MAG_CAP))


class _Builder:
    """Wraps every sympy constructor: checks before (could a number explode?) and after (size)."""

    def __init__(self, text: str, limits: ParseLimits) -> None:
        self.text = text
        self.limits = limits
        self._measured: dict[sympy.Basic, _Info] = {}
        self.deadline = time.perf_counter() + limits.max_seconds

    # -- measuring
    @staticmethod
    def _digits(r: sympy.Rational) -> int:
        """Decimal digits of the larger of numerator and denominator (math.log10 takes big ints)."""
        return int(_log10(r)) + 1

    def _measure(self, e: sympy.Basic) -> _Info:
        """Size, digits, magnitude bound and flags of e, memoised.

        Sub-trees are mostly results measured before, so checking after every
        constructor costs about the number of new nodes, not the whole tree.
        """
        known = self._measured.get(e)
        if known is not None:
            return known
        if e.is_Rational:
            # digits of the larger part; magnitude |log10 |e||, exact: log10 |p| - log10 q
            lg = math.log10(max(abs(int(e.p)), 1)) - math.log10(int(e.q)) if e else 0.0
            info = _Info(1, int(_log10(e)) + 1, (max(lg, 0.0), max(-lg, 0.0)), True, False, False)
        elif e in _UNDEFINED:
            info = _Info(1, 0, (0.0, 0.0), True, True, False)
        elif e.is_Symbol:
            info = _Info(1, 0, (0.0, 0.0), False, False, False)
        elif not e.args:  # pi, E, I and other constants (all below 10 in size)
            info = _Info(1, 0, _ATOM_MAGNITUDE.get(e, (1.0, 1.0)), True, False, e is sympy.I)
        else:
            size, digits, numeric, undefined, imaginary = 1, 0, True, False, False
            kids = []
            for arg in e.args:
                kid = self._measure(arg)
                kids.append(kid)
                size += kid.size
                digits = max(digits, kid.digits)
                numeric = numeric and kid.numeric
                undefined = undefined or kid.undefined
                imaginary = imaginary or kid.imaginary
                if size > self.limits.max_result_size:
                    break
            mag = _magnitude(e.func, e.args, [k.magnitude for k in kids]) if numeric else (0.0, 0.0)
            info = _Info(size, digits, mag, numeric, undefined, imaginary)
        self._measured[e] = info
        return info

    def check(self, e: sympy.Expr, start: int, end: int) -> sympy.Expr:
        """After a constructor: refuse undefined values and results over the size limits."""
        info = self._measure(e)
        if info.undefined:
            raise ParseError(
                f"'{self.text[start:end]}' is undefined (division by zero or a pole)",
                text=self.text,
                position=start,
                hint="check the expression; it has no finite value",
            )
        if info.imaginary:
            raise ParseError(
                f"'{self.text[start:end]}' is not a real number",
                text=self.text,
                position=start,
                hint="the verifier works with real functions of real variables",
            )
        if info.size > self.limits.max_result_size:
            raise LimitError(
                f"the expression is too large: more than {self.limits.max_result_size} nodes",
                limit="max_result_size",
            )
        if info.digits > self.limits.max_number_digits:
            raise LimitError(
                f"a number in '{self._short(start, end)}' would have about {info.digits} digits, "
                f"more than the limit of {self.limits.max_number_digits}",
                limit="max_number_digits",
            )
        self.check_magnitude(info.magnitude, start, end)
        return e

    def check_magnitude(self, bounds: Mag, start: int, end: int) -> None:
        """A constant must stay within 10^±max_number_digits: sympy evaluates constants
        numerically (to decide a sign or compare) at a precision that grows with their size."""
        magnitude = max(bounds)
        if magnitude > self.limits.max_number_digits:
            shown = f"10^{int(magnitude)}" if magnitude < 1e12 else "10^(10^12)"
            raise LimitError(
                f"the constant '{self._short(start, end)}' could be as large as {shown} "
                f"(or as small as its inverse), beyond the limit of "
                f"10^{self.limits.max_number_digits}",
                limit="max_number_digits",
                hint="constants this large are not homework notation",
            )

    def predict(self, func: Any, args: Sequence[sympy.Expr], start: int, end: int) -> None:
        """Before a constructor: bound the size of the constant it would make."""
        infos = [self._measure(a) for a in args]
        if all(i.numeric for i in infos):
            mags = [i.magnitude for i in infos]
            self.check_magnitude(_magnitude(func, tuple(args), mags), start, end)

    def tally(self, total: int, e: sympy.Expr) -> int:
        """Running size of the terms or factors collected for one Add or Mul.

        Checked while collecting, so that sympy is never asked to flatten
        thousands of arguments (that alone takes seconds).
        """
        total += self._measure(e)[0]
        if total > self.limits.max_result_size:
            raise LimitError(
                f"the expression is too large: more than {self.limits.max_result_size} nodes",
                limit="max_result_size",
                hint="split it into smaller expressions",
            )
        return total

    def _short(self, start: int, end: int) -> str:
        s = self.text[start:end]
        return s if len(s) <= 40 else s[:37] + "..."

    # -- pre-checks
    def _estimate_digits(self, b: sympy.Expr, e: sympy.Rational) -> int:
        """Digits a number inside b**e could reach if sympy evaluates the power."""
        if b.is_Rational:
            return int(min(_log10(b) * _abs_float(e), 1e15)) + 1
        if b.is_Pow and b.base.is_Rational and b.exp.is_Rational:
            return int(min(_log10(b.base) * _abs_float(b.exp * e), 1e15)) + 1
        if b.is_Mul:
            return sum(self._estimate_digits(f, e) for f in b.args)
        return 0

    def check_pow(self, b: sympy.Expr, e: sympy.Expr, start: int, end: int, level: int = 0) -> None:
        """Before Pow(b, e): the power, and what sympy could turn it into, must stay small."""
        lim = self.limits
        where = self._short(start, end)
        if e.is_Rational:
            cap = lim.max_exponent if b.is_number else lim.max_symbolic_exponent
            if abs(e) > cap:
                raise LimitError(
                    f"constant exponent {self._num(e)} in '{where}' exceeds the limit of "
                    f"{cap} for {'a number' if b.is_number else 'an expression with variables'}",
                    limit="max_exponent" if b.is_number else "max_symbolic_exponent",
                    hint="powers this large are not homework notation",
                )
            if self._estimate_digits(b, e) > lim.max_number_digits:
                raise LimitError(
                    f"'{where}' would have about {self._estimate_digits(b, e)} digits, more "
                    f"than the limit of {lim.max_number_digits}",
                    limit="max_number_digits",
                )
            if (
                not e.is_Integer
                and b.is_Rational
                and _times(_log10(b), int(e.p)) > lim.max_number_digits
            ):
                # sympy takes b^(p/q) apart through b^p: 999^0.51009 builds 999^51009
                raise LimitError(
                    f"'{where}': a number to the power {self._num(e)} would be taken apart through a "
                    f"power with {self._count(_times(_log10(b), int(e.p)))} digits",
                    limit="max_number_digits",
                    hint="use a simpler fraction in the exponent",
                )
            if not e.is_Integer and b.is_number and int(e.q) > lim.max_exponent:
                # sympy looks for an exact q-th root: 10^(1/2^999) would never finish
                raise LimitError(
                    f"'{where}': the denominator of the exponent exceeds {lim.max_exponent}",
                    limit="max_exponent",
                    hint="use a simpler fraction in the exponent",
                )
            if not e.is_Integer and b.is_Rational and self._digits(b) > lim.max_digits:
                raise LimitError(
                    f"root of a number with more than {lim.max_digits} digits in '{where}'",
                    limit="max_digits",
                )
        else:
            self._check_exponent_constants(e, where)
        if b is sympy.E:
            self.check_exp_arg(e, start, end)
        if level < 3:
            if isinstance(b, sympy.Pow | sympy.exp):
                # sympy may merge (b^u)^v into b^(u*v)
                inner_base, inner_exp = b.as_base_exp()
                self.check_mul([inner_exp, e], start, end, level + 1)
                self.check_pow(inner_base, sympy.Mul(inner_exp, e), start, end, level + 1)
            if b.is_Mul and e.is_Rational:
                # sympy distributes a rational power over the factors of a product
                for factor in b.args:
                    self.check_pow(factor, e, start, end, level + 1)

    def _check_exponent_constants(self, e: sympy.Expr, where: str) -> None:
        for term in sympy.Add.make_args(e):
            coeff = term.as_coeff_Mul()[0]
            if coeff.is_Rational and abs(coeff) > self.limits.max_exponent:
                raise LimitError(
                    f"constant {self._num(coeff)} in the exponent of '{where}' exceeds the limit "
                    f"of {self.limits.max_exponent}",
                    limit="max_exponent",
                )

    def check_exp_arg(self, a: sympy.Expr, start: int, end: int) -> None:
        """Before exp(a): sympy turns exp(c*log(t)) into t**c, so c is a constant exponent."""
        where = self._short(start, end)
        for term in sympy.Add.make_args(a):
            factors = sympy.Mul.make_args(term)
            coeff = sympy.Mul(*[f for f in factors if f.is_Rational])
            logs = [f for f in factors if isinstance(f, sympy.log) or f.has(sympy.log)]
            if (term.is_Rational or logs) and abs(coeff) > self.limits.max_exponent:
                raise LimitError(
                    f"constant exponent {self._num(coeff)} in '{where}' exceeds the limit "
                    f"of {self.limits.max_exponent}",
                    limit="max_exponent",
                )
            for f in logs:
                if isinstance(f, sympy.log) and coeff.is_Rational:
                    self.check_pow(f.args[0], coeff, start, end, level=3)

    def check_mul(
        self, factors: Sequence[sympy.Expr], start: int, end: int, level: int = 2
    ) -> None:
        """Before Mul: sympy merges powers of one numeric base (2^a * 2^b = 2^(a+b))."""
        groups: dict[sympy.Expr, list[sympy.Expr]] = {}
        for f in factors:
            for g in sympy.Mul.make_args(f):
                base, exp_ = g.as_base_exp()
                if base.is_number:
                    groups.setdefault(base, []).append(exp_)
        for base, exps in groups.items():
            # plain rational factors just multiply (bounded by the digit check after)
            if len(exps) > 1 and not (base.is_Rational and all(x == 1 for x in exps)):
                self.check_pow(base, sympy.Add(*exps), start, end, level=max(level, 2))

    @staticmethod
    def _count(digits: float) -> str:
        return f"about {digits:.3g}" if digits < 1e300 else "astronomically many"

    @classmethod
    def _num(cls, r: sympy.Expr) -> str:
        """A number for a message; never str() of a huge integer (Python refuses > 4,300 digits)."""
        if r.is_Rational and max(abs(r.p), r.q) >= 10**30:
            if r.is_Integer:
                return f"about 10^{cls._digits(r) - 1}"
            return f"(a fraction of {cls._digits(r)}-digit numbers)"
        return str(r)

    # -- constructors
    def _build(
        self, fn: Callable[..., sympy.Expr], args: Sequence[sympy.Expr], start: int, end: int
    ) -> sympy.Expr:
        """Call one sympy constructor (on sympy objects only), then check its result."""
        try:
            value = fn(*args)
        except VerifierError:
            raise
        except RecursionError as exc:
            raise LimitError(
                f"'{self._short(start, end)}' is nested too deeply for sympy", limit="max_depth"
            ) from exc
        except Exception as exc:  # sympy refusing a value must not become a traceback
            raise ParseError(
                f"'{self._short(start, end)}' cannot be evaluated ({type(exc).__name__})",
                text=self.text,
                position=start,
                hint="check the expression",
            ) from exc
        if time.perf_counter() > self.deadline:
            raise LimitError(
                f"parsing took longer than {self.limits.max_seconds} s (at '{self._short(start, end)}')",
                limit="max_seconds",
                hint="simplify the expression",
            )
        return self.check(value, start, end)

    def add(self, terms: list[sympy.Expr], start: int, end: int) -> sympy.Expr:
        return self._build(sympy.Add, terms, start, end)

    def mul(self, factors: list[sympy.Expr], start: int, end: int) -> sympy.Expr:
        self.check_mul(factors, start, end)
        self.predict(sympy.Mul, factors, start, end)
        return self._build(sympy.Mul, factors, start, end)

    def pow(self, b: sympy.Expr, e: sympy.Expr, start: int, end: int) -> sympy.Expr:
        if b == 0 and e.is_Rational and e <= 0:
            raise ParseError(
                f"'{self._short(start, end)}' is undefined",
                text=self.text,
                position=start,
                hint="0 cannot be raised to a negative or zero power",
            )
        self.check_pow(b, e, start, end)
        self.predict(sympy.Pow, (b, e), start, end)
        return self._build(sympy.Pow, (b, e), start, end)

    def reciprocal(self, b: sympy.Expr, start: int, end: int, op_pos: int) -> sympy.Expr:
        if b == 0:
            raise ParseError(
                "division by zero", text=self.text, position=op_pos, hint="the divisor is 0"
            )
        return self.pow(b, sympy.Integer(-1), start, end)

    def apply(self, name: str, args: list[sympy.Expr], start: int, end: int) -> sympy.Expr:
        canonical, _, _, builder = FUNCTIONS[name]
        if canonical == "log" and len(args) == 2:
            base = args[1]
            if base.is_number and (base == 1 or base.is_positive is False):
                raise ParseError(
                    f"'{self._short(start, end)}': the base of a logarithm must be positive "
                    "and not 1",
                    text=self.text,
                    position=start,
                    hint="write log(x, b) with b > 0, b != 1",
                )
        if canonical == "exp":
            self.check_exp_arg(args[0], start, end)
        elif canonical in ("sqrt", "cbrt"):
            self.check_pow(args[0], sympy.Rational(1, 2 if canonical == "sqrt" else 3), start, end)
        elif canonical == "root":
            if args[1] == 0:
                raise ParseError(
                    "root of degree 0",
                    text=self.text,
                    position=start,
                    hint="use root(x, n), n != 0",
                )
            self.check_pow(args[0], self.pow(args[1], sympy.Integer(-1), start, end), start, end)
        self.predict(_MAGNITUDE_CLASS.get(canonical), args, start, end)
        return self._build(builder, args, start, end)


# --------------------------------------------------------------------------- parser


@dataclasses.dataclass(frozen=True)
class _Node:
    expr: sympy.Expr
    start: int
    end: int
    # set on an unbracketed function application (sin x): (function text, argument text)
    open_call: tuple[str, str] | None = None


class _Parser:
    def __init__(
        self,
        text: str,
        tokens: Iterator[_Tok],
        builder: _Builder,
        limits: ParseLimits,
        strict: bool,
    ) -> None:
        self.text = text
        self.source = tokens
        self.toks: list[_Tok] = []  # tokens read so far (the lexer is lazy)
        self.i = 0
        self.b = builder
        self.limits = limits
        self.strict = strict
        self.depth = 0
        self.bars = 0  # open |...| at the current bracket level
        self.warnings: list[str] = []

    # -- helpers
    def _at(self, index: int) -> _Tok:
        while len(self.toks) <= index and (not self.toks or self.toks[-1].kind != "end"):
            self.toks.append(next(self.source))
        return self.toks[min(index, len(self.toks) - 1)]

    @property
    def tok(self) -> _Tok:
        return self._at(self.i)

    def peek(self, k: int = 1) -> _Tok:
        return self._at(self.i + k)

    def advance(self) -> _Tok:
        t = self._at(self.i)
        if t.kind != "end":
            self.i += 1
        return t

    def is_op(self, t: _Tok, ops: str) -> bool:
        return t.kind == "op" and t.value in ops

    def err(self, message: str, pos: int, hint: str | None = None) -> ParseError:
        return ParseError(message, text=self.text, position=pos, hint=hint)

    def src(self, start: int, end: int) -> str:
        return self.text[start:end].strip()

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(
                f"the expression is nested more than {self.limits.max_depth} levels deep "
                f"(at position {pos})",
                limit="max_depth",
                hint="simplify the expression or raise ParseLimits.max_depth",
            )

    def leave(self) -> None:
        self.depth -= 1

    def ambiguous(self, reading: str, alternative: str, pos: int, typed: str) -> None:
        """Record an ambiguous reading; strict mode refuses it and asks for parentheses."""
        if self.strict:
            raise self.err(
                f"ambiguous notation '{typed}'",
                pos,
                f"add parentheses: write {reading} or {alternative}",
            )
        message = f"read '{typed}' as {reading}; write {alternative} if you meant that"
        if message not in self.warnings:
            self.warnings.append(message)

    def starts_factor(self, t: _Tok) -> bool:
        """Can t begin an implicit factor?  A '|' inside open bars closes instead."""
        if t.kind in ("num", "var", "const", "func"):
            return True
        if t.kind == "op":
            if t.value in "(√":
                return True
            if t.value == "|":
                return self.bars == 0
        return False

    @staticmethod
    def _show(e: sympy.Expr) -> str:
        """An expression in unambiguous notation for a warning (short ones only)."""
        s = sympy.sstr(e)
        return s if len(s) <= 40 else "(...)"

    def describe(self, t: _Tok) -> str:
        if t.kind == "end":
            return "the end of the expression"
        return f"'{self.text[t.start : t.end]}'"

    # -- grammar
    def parse(self) -> sympy.Expr:
        if self.tok.kind == "end":
            raise self.err("the expression is empty", 0, "type an expression such as x^2 + 1")
        node = self.expr()
        t = self.tok
        if t.kind != "end":
            raise self.unexpected(t)
        return node.expr

    def unexpected(self, t: _Tok) -> ParseError:
        if self.is_op(t, ")"):
            return self.err("unexpected ')'", t.start, "no '(' is open here")
        if self.is_op(t, "|"):
            return self.err("unexpected '|'", t.start, "bars come in pairs, as in |x|")
        if self.is_op(t, ","):
            return self.err(
                "unexpected ','", t.start, "a comma only separates arguments, as in log(x, 2)"
            )
        if t.kind == "end":
            return self.err("the expression ended too early", t.start, "something is missing")
        return self.err(f"unexpected {self.describe(t)}", t.start)

    def expr(self) -> _Node:
        """sum := term (('+' | '-') term)*   (nesting is counted by the callers)"""
        first = self.term()
        terms = [first.expr]
        start, end = first.start, first.end
        total = self.b.tally(0, first.expr)
        while self.is_op(self.tok, "+-"):
            op = self.advance()
            rhs = self.term()  # a second sign ('x--1') is the unary sign of this term
            value = rhs.expr
            if op.value == "-":
                value = self.b.mul([sympy.Integer(-1), value], op.start, rhs.end)
            terms.append(value)
            total = self.b.tally(total, value)
            end = rhs.end
        if len(terms) == 1:
            return first
        return _Node(self.b.add(terms, start, end), start, end)

    def term(self) -> _Node:
        """term := unary (('*' | '/' | implicit) factor)*, left to right."""
        first = self.unary()
        factors = [first.expr]
        start, end = first.start, first.end
        total = self.b.tally(0, first.expr)
        last = first
        last_div: tuple[_Node, _Node] | None = None  # (numerator so far, divisor) of the last '/'
        while True:
            t = self.tok
            if self.is_op(t, "*/"):
                op = self.advance()
                if self.tok.kind == "end" or self.is_op(self.tok, "*/)^,"):
                    raise self.err(
                        f"'{op.value}' needs something after it", self.tok.start, "remove it"
                    )
                rhs = self.unary()
                if op.value == "/":
                    value = self.b.reciprocal(rhs.expr, rhs.start, rhs.end, op.start)
                    last_div = (_Node(sympy.Integer(0), start, end), rhs)
                else:
                    value = rhs.expr
                    last_div = None
                factors.append(value)
                total = self.b.tally(total, value)
                end, last = rhs.end, rhs
                continue
            if self.starts_factor(t):
                if t.kind == "num":
                    left = self.src(last.start, last.end)
                    raise self.err(
                        "a number cannot follow a factor without an operator",
                        t.start,
                        f"did you mean {left}*{self.src(t.start, t.end)}?",
                    )
                rhs = self.power()
                if last.open_call is not None and t.space:
                    fn, arg = last.open_call
                    typed = self.src(last.start, rhs.end)
                    other = self._show(rhs.expr)
                    self.ambiguous(
                        f"{fn}({arg})*{other}", f"{fn}({arg}*{other})", last.start, typed
                    )
                if last_div is not None:
                    num, div = last_div
                    typed = self.src(num.start, rhs.end)
                    n_txt = self.src(num.start, div.start).rstrip("/ ").strip()
                    d_txt = self.src(div.start, div.end)
                    f_txt = self.src(rhs.start, rhs.end)
                    self.ambiguous(
                        f"({n_txt}/{d_txt})*{f_txt}",
                        f"{n_txt}/({self.src(div.start, rhs.end)})",
                        num.start,
                        typed,
                    )
                    last_div = None
                factors.append(rhs.expr)
                total = self.b.tally(total, rhs.expr)
                end, last = rhs.end, rhs
                continue
            break
        if len(factors) == 1:
            return first
        return _Node(self.b.mul(factors, start, end), start, end)

    def unary(self) -> _Node:
        """unary := ('-' | '+') unary | power"""
        t = self.tok
        if self.is_op(t, "+-"):
            self.advance()
            self.enter(t.start)
            inner = self.unary()
            self.leave()
            if t.value == "+":
                return _Node(inner.expr, t.start, inner.end)
            value = self.b.mul([sympy.Integer(-1), inner.expr], t.start, inner.end)
            return _Node(value, t.start, inner.end)
        return self.power()

    def power(self) -> _Node:
        """power := primary ('^' unary | superscript)?

        The exponent is a signed power (``x^-2``), and ``unary`` recursing into
        ``power`` makes ``^`` right-associative (``2^3^2`` = 2^9).
        """
        base = self.primary()
        t = self.tok
        if t.kind == "sup":
            self.advance()
            value = self.b.pow(base.expr, t.value, base.start, t.end)
            return _Node(value, base.start, t.end)
        if self.is_op(t, "^"):
            self.advance()
            self.enter(t.start)
            exponent = self.unary()
            self.leave()
            value = self.b.pow(base.expr, exponent.expr, base.start, exponent.end)
            node = _Node(value, base.start, exponent.end)
            nxt = self.tok
            bracketed = self.text[exponent.start] == "(" and self.text[exponent.end - 1] == ")"
            if (
                not bracketed
                and not nxt.space
                and nxt.kind in ("var", "const")
                and not (self.peek().kind == "sup" or self.is_op(self.peek(), "^"))
            ):
                e_txt = self.src(exponent.start, exponent.end)
                b_txt = self.src(base.start, base.end)
                f_txt = self.src(nxt.start, nxt.end)
                self.ambiguous(
                    f"{b_txt}^{e_txt}*{f_txt}",
                    f"{b_txt}^({e_txt}{f_txt})",
                    base.start,
                    self.src(base.start, nxt.end),
                )
            return node
        return base

    def primary(self) -> _Node:
        t = self.tok
        if t.kind == "num":
            self.advance()
            if t.sci:
                typed = self.src(t.start, t.end)
                self.ambiguous(
                    f"the number {self._plain_number(t.value)} (scientific notation)",
                    typed.replace("e", "*e", 1).replace("E", "*E", 1),
                    t.start,
                    typed,
                )
            return _Node(self.b.check(t.value, t.start, t.end), t.start, t.end)
        if t.kind == "var" or t.kind == "const":
            self.advance()
            return _Node(t.value, t.start, t.end)
        if t.kind == "func":
            return self.call()
        if self.is_op(t, "("):
            return self.group()
        if self.is_op(t, "|"):
            return self.bars_group()
        if self.is_op(t, "√"):
            return self.radical()
        if t.kind == "end":
            raise self.err(
                "the expression ended too early", t.start, "something is missing at the end"
            )
        if self.is_op(t, ")"):
            raise self.err("unexpected ')'", t.start, "an operand is missing before it")
        if t.kind == "sup":
            raise self.err("a superscript needs something to raise", t.start, "write x² or x^2")
        raise self.err(f"unexpected {self.describe(t)}", t.start, "an operand is missing before it")

    @staticmethod
    def _plain_number(value: sympy.Rational) -> str:
        return str(value) if value.is_Integer else f"{value.p}/{value.q}"

    def group(self) -> _Node:
        open_tok = self.advance()
        self.enter(open_tok.start)
        saved, self.bars = self.bars, 0
        if self.is_op(self.tok, ")"):
            raise self.err("empty parentheses", open_tok.start, "put an expression inside ( )")
        inner = self.expr()
        if not self.is_op(self.tok, ")"):
            raise self.err(
                f"missing ')' before {self.describe(self.tok)}",
                self.tok.start,
                f"unbalanced parenthesis opened at {open_tok.start}",
            )
        close = self.advance()
        self.bars = saved
        self.leave()
        return _Node(inner.expr, open_tok.start, close.end)

    def bars_group(self) -> _Node:
        open_tok = self.advance()
        self.enter(open_tok.start)
        self.bars += 1
        if self.is_op(self.tok, "|") and self.bars > 0 and self.peek().kind == "end":
            raise self.err("empty bars", open_tok.start, "put an expression inside | |")
        inner = self.expr()
        if not self.is_op(self.tok, "|"):
            raise self.err(
                f"missing '|' before {self.describe(self.tok)}",
                self.tok.start,
                f"unbalanced '|' opened at {open_tok.start}",
            )
        close = self.advance()
        self.bars -= 1
        self.leave()
        value = self.b.apply("abs", [inner.expr], open_tok.start, close.end)
        return _Node(value, open_tok.start, close.end)

    def radical(self) -> _Node:
        t = self.advance()
        self.enter(t.start)
        bracketed = self.is_op(self.tok, "(")
        arg = self.group() if bracketed else self.open_argument("√")
        self.leave()
        value = self.b.apply("sqrt", [arg.expr], t.start, arg.end)
        open_call = None if bracketed else ("sqrt", self.src(arg.start, arg.end))
        return _Node(value, t.start, arg.end, open_call)

    def call(self) -> _Node:
        """A function: f(args), f^n(args), f x, f^n x (see the module docstring)."""
        ftok = self.advance()
        name = ftok.value
        canonical, lo, hi, _ = FUNCTIONS[name]
        self.enter(ftok.start)
        power: sympy.Expr | None = None
        pow_tok: _Tok | None = None
        if self.tok.kind == "sup":
            pow_tok = self.advance()
            power = pow_tok.value
        elif self.is_op(self.tok, "^"):
            pow_tok = self.advance()
            power = self.function_power(name)
        if power is not None and pow_tok is not None and (power.is_negative or power == 0):
            shown = self.src(ftok.start, self.toks[self.i - 1].end)
            raise self.err(
                f"'{shown}' is ambiguous",
                ftok.start,
                f"write a{canonical}(x) for the inverse function or 1/{canonical}(x) "
                f"for the reciprocal"
                if canonical in ("sin", "cos", "tan", "sec", "csc", "cot")
                else f"write 1/{canonical}(x) for the reciprocal",
            )
        if self.is_op(self.tok, "("):
            args, end = self.arguments(name, lo, hi)
            value = self.b.apply(name, args, ftok.start, end)
            node = _Node(value, ftok.start, end)
        else:
            if not self.starts_factor(self.tok) and not self.is_op(self.tok, "+-"):
                raise self.err(
                    f"'{name}' needs an argument",
                    self.tok.start,
                    f"write {name}(x)",
                )
            arg = self.open_argument(name)
            value = self.b.apply(name, [arg.expr], ftok.start, arg.end)
            arg_txt = self.src(arg.start, arg.end)
            node = _Node(value, ftok.start, arg.end, open_call=(name, arg_txt))
            if lo > 1:
                raise self.err(f"'{name}' needs {lo} arguments in parentheses", ftok.start)
            if power is not None and pow_tok is not None and pow_tok.kind != "sup":
                typed = self.src(ftok.start, arg.end)
                p_txt = self.src(pow_tok.end, arg.start)
                self.ambiguous(
                    f"({name}({arg_txt}))^{p_txt}",
                    f"{name}({arg_txt}^{p_txt})",
                    ftok.start,
                    typed,
                )
        if power is not None:
            value = self.b.pow(node.expr, power, node.start, node.end)
            node = _Node(value, node.start, node.end, node.open_call)
        self.leave()
        return node

    def function_power(self, name: str) -> sympy.Expr:
        """The n of sin^n: a signed number or a bracketed expression."""
        t = self.tok
        sign = 1
        if self.is_op(t, "+-"):
            sign = -1 if t.value == "-" else 1
            self.advance()
            t = self.tok
        if t.kind == "num":
            self.advance()
            return sign * t.value
        if self.is_op(t, "("):
            return sign * self.group().expr
        raise self.err(
            f"the power of '{name}' must be a number, as in {name}^2(x)",
            t.start,
            f"write ({name}(x))^n for other powers",
        )

    def arguments(self, name: str, lo: int, hi: int) -> tuple[list[sympy.Expr], int]:
        open_tok = self.advance()
        saved, self.bars = self.bars, 0
        if self.is_op(self.tok, ")"):
            raise self.err(f"'{name}()' has no argument", open_tok.start, f"write {name}(x)")
        args = [self.expr().expr]
        while self.is_op(self.tok, ","):
            comma = self.advance()
            if len(args) >= hi:
                raise self.err(
                    f"'{name}' takes {'one argument' if hi == 1 else f'at most {hi} arguments'}",
                    comma.start,
                    "log(x, b) is the only two-argument form besides root(x, n)",
                )
            args.append(self.expr().expr)
        if not self.is_op(self.tok, ")"):
            raise self.err(
                f"missing ')' before {self.describe(self.tok)}",
                self.tok.start,
                f"unbalanced parenthesis opened at {open_tok.start}",
            )
        if len(args) < lo:
            raise self.err(f"'{name}' needs {lo} arguments", open_tok.start)
        close = self.advance()
        self.bars = saved
        return args, close.end

    def open_argument(self, name: str) -> _Node:
        """Unbracketed argument: a factor with its power and the factors glued to it."""
        t = self.tok
        if self.is_op(t, "+-"):
            self.advance()
            self.enter(t.start)
            inner = self.open_argument(name)
            self.leave()
            if t.value == "+":
                return _Node(inner.expr, t.start, inner.end)
            value = self.b.mul([sympy.Integer(-1), inner.expr], t.start, inner.end)
            return _Node(value, t.start, inner.end)
        first = self.power()
        factors = [first.expr]
        end = first.end
        while not self.tok.space and self.starts_factor(self.tok) and self.tok.kind != "num":
            nxt = self.power()
            factors.append(nxt.expr)
            end = nxt.end
        if len(factors) == 1:
            node = _Node(first.expr, first.start, end)
        else:
            node = _Node(self.b.mul(factors, first.start, end), first.start, end)
            if name == "√":
                typed = self.src(first.start - 1, end)
                self.ambiguous(
                    f"sqrt({self.src(first.start, end)})",
                    f"sqrt({self.src(first.start, first.end)})*{self.src(first.end, end)}",
                    first.start - 1,
                    typed,
                )
        return node


# --------------------------------------------------------------------------- public API


def _check_variables(variables: Sequence[str] | str | None) -> tuple[str, ...] | None:
    if variables is None:
        return None
    names = (variables,) if isinstance(variables, str) else tuple(variables)
    for name in names:
        if not isinstance(name, str) or not name:
            raise ParseError(f"invalid variable name {name!r}", hint="use names such as x, t, x0")
        body = name.rstrip("0123456789")
        body = body[:-1] if body.endswith("_") and body != name else body
        ok = bool(body) and all((c.isascii() and c.isalpha()) or c in _GREEK for c in body)
        if not ok:
            raise ParseError(
                f"invalid variable name {name!r}",
                hint="a variable is letters (Latin or Greek), optionally followed by digits",
            )
        if name in FUNCTIONS or name in CONSTANTS:
            raise ParseError(
                f"'{name}' cannot be a variable: it is a known "
                f"{'function' if name in FUNCTIONS else 'constant'}",
                hint="choose another variable name",
            )
    return names


def parse_with_warnings(
    text: str,
    variables: Sequence[str] | None = ("x",),
    *,
    strict: bool = False,
    limits: ParseLimits | None = None,
) -> Parsed:
    """Parse homework notation; also return the ambiguous readings taken, as sentences.

    ``variables`` are the allowed variable names (``None`` infers them);
    ``strict=True`` turns every ambiguous reading into a :class:`ParseError`
    asking for parentheses.  Raises :class:`ParseError` (with position, caret
    line and hint) or :class:`LimitError`.

    >>> parse_with_warnings("sin^2 x").warnings
    ("read 'sin^2 x' as (sin(x))^2; write sin(x^2) if you meant that",)
    >>> parse_with_warnings("θ^2 + r", variables=None).variables
    ('θ', 'r')
    >>> parse_with_warnings("1/2x", strict=True)
    Traceback (most recent call last):
      ...
    verifier.errors.ParseError: ambiguous notation '1/2x' at position 0
      1/2x
      ^
    hint: add parentheses: write (1/2)*x or 1/(2x)
    """
    limits = limits or ParseLimits()
    if not isinstance(text, str):
        raise ParseError(
            f"expected text, got {type(text).__name__}", hint="pass the expression as a str"
        )
    if len(text) > limits.max_length:
        raise LimitError(
            f"the input has {len(text)} characters, more than the limit of {limits.max_length}",
            limit="max_length",
            hint="homework answers are short; raise ParseLimits.max_length if needed",
        )
    declared = _check_variables(variables)
    lexer = _Lexer(text, declared, limits)
    tokens = lexer.run()
    parser = _Parser(text, tokens, _Builder(text, limits), limits, strict)
    expr = parser.parse()
    used = declared if declared is not None else tuple(lexer.found)
    return Parsed(expr=expr, warnings=tuple(parser.warnings), variables=used, text=text)


def parse(
    text: str,
    variables: Sequence[str] | None = ("x",),
    *,
    strict: bool = False,
    limits: ParseLimits | None = None,
) -> sympy.Expr:
    """Parse homework notation into a sympy expression (see the module docstring).

    >>> parse("3x^2e^x + x^3 e^x")
    x**3*exp(x) + 3*x**2*exp(x)
    >>> parse("√(x+1) + |x|")
    sqrt(x + 1) + Abs(x)
    >>> parse("log(x, 2)")
    log(x)/log(2)
    >>> parse("2xy", variables=("x", "y"))
    2*x*y
    >>> parse("sinn(x)")
    Traceback (most recent call last):
      ...
    verifier.errors.ParseError: unknown function 'sinn' at position 0
      sinn(x)
      ^
    hint: did you mean sin or sinh or sign?
    """
    return parse_with_warnings(text, variables, strict=strict, limits=limits).expr
