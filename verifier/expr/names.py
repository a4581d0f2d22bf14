"""The whitelist: every name and character the parser knows, and nothing else.

``FUNCTIONS`` maps each accepted function name to its canonical name, its
number of arguments and the sympy builder that makes it; ``CONSTANTS`` maps the
names of constants to sympy constants; :func:`symbol` is the one way to make a
variable.  The character tables decide what the lexer accepts.

Unicode: an explicit table maps superscript digits and ``⁻`` (exponents),
subscript digits (variable indices), ``−`` and ``–`` (minus), ``×``, ``·``,
``⋅``, ``∙`` and the middle dots of Korean and Japanese input methods
(``ㆍ``, ``・``, ``･``) (times), ``÷``, ``∕`` (divide), ``π``, ``√``, full-width digits,
letters and operators, no-break and ideographic spaces, and Greek letters
(identifiers).  Every other character, including mathematical alphanumeric
letters (``𝑒𝑥𝑒𝑐``), invisible, bidirectional and control characters and
newlines, is refused by name and position.  No NFKC normalisation.

>>> FUNCTIONS["arcsin"][:3]
('asin', 1, 1)
>>> CONSTANTS["π"]
pi
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Callable, Sequence

import sympy

from verifier.errors import ParseError
from verifier.i18n import N_, _

__all__ = ["CONSTANTS", "FUNCTIONS", "symbol"]


@functools.lru_cache(maxsize=1024)
def symbol(name: str) -> sympy.Symbol:
    """The one way to make a variable: a real sympy Symbol, so symbols compare equal everywhere.

    >>> symbol("x") == symbol("x")
    True
    >>> symbol("x").is_real
    True
    """
    return sympy.Symbol(name, real=True)


# --------------------------------------------------------------------------- whitelist tables


def _log(x: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x, base)


# name -> (canonical name, min args, max args, builder).  The builders are sympy
# classes/functions that only ever receive sympy objects built by the parser.
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
            "\u318d": "*",  # HANGUL LETTER ARAEA (the middle dot of Korean keyboards: 2ㆍx)
            "\u30fb": "*",  # KATAKANA MIDDLE DOT (East Asian input methods)
            "\uff65": "*",  # HALFWIDTH KATAKANA MIDDLE DOT
            "\u2027": "*",  # HYPHENATION POINT
            "\u2022": "*",  # BULLET
            "\u2217": "*",  # ASTERISK OPERATOR
            "\u2715": "*",  # MULTIPLICATION X
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


_CHAR_HINTS = {
    "=": N_(
        "give only the expression, not an equation: drop 'f(x) =' and write the right-hand side"
    ),
    "'": N_("quotes are not part of math notation"),
    '"': N_("quotes are not part of math notation"),
    "`": N_("quotes are not part of math notation"),
    "[": N_("use parentheses ( ) for grouping"),
    "]": N_("use parentheses ( ) for grouping"),
    "{": N_("use parentheses ( ) for grouping"),
    "}": N_("use parentheses ( ) for grouping"),
    ";": N_("give one expression only"),
    "!": N_("factorials are not supported"),
    "_": N_("'_' is only allowed as a subscript after a letter, as in x_1"),
    "\n": N_("the expression must fit on one line"),
    "\r": N_("the expression must fit on one line"),
    "\t": N_("use ordinary spaces"),
    "%": N_("write percentages as fractions, e.g. 5/100"),
    ":": N_("give one expression only"),
}


def _char_name(ch: str) -> str:
    try:
        return unicodedata.name(ch)
    except ValueError:
        return f"U+{ord(ch):04X}"


def _name_hint(run: str) -> str:
    """The hint for an unknown letter run: a Greek letter, a close function name, or '*'."""
    greek = [g for g, alias in _GREEK_ALIAS.items() if alias == run.lower()]
    if greek:
        return _("write {greek}, or declare '{run}' as a variable").format(greek=greek[0], run=run)
    close = difflib.get_close_matches(run, sorted(_LETTER_FUNCTIONS), n=3, cutoff=0.7)
    if close:
        return _("did you mean {names}?").format(names=_(" or ").join(close))
    return _(
        "not a known function, constant or variable; write a product with '*' "
        "(as in {example}) or declare the variable"
    ).format(example="*".join(run[:3]))


def _function_hint(run: str) -> str:
    """The hint for an unknown function name: close names, or the list of known ones."""
    close = difflib.get_close_matches(run, sorted(FUNCTIONS), n=3, cutoff=0.6)
    if close:
        return _("did you mean {names}?").format(names=_(" or ").join(close))
    known = ", ".join(sorted({v[0] for v in FUNCTIONS.values()}))
    return _("known functions: {names}").format(names=known)


def _check_variables(variables: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """Declared variable names, checked: letters (Latin or Greek) and digits, no known name."""
    if variables is None:
        return None
    names = (variables,) if isinstance(variables, str) else tuple(variables)
    for name in names:
        if not isinstance(name, str) or not name:
            raise ParseError(
                _("invalid variable name {name!r}").format(name=name),
                hint=_("use names such as x, t, x0"),
            )
        body = name.rstrip("0123456789")
        body = body[:-1] if body.endswith("_") and body != name else body
        ok = bool(body) and all((c.isascii() and c.isalpha()) or c in _GREEK for c in body)
        if not ok:
            raise ParseError(
                _("invalid variable name {name!r}").format(name=name),
                hint=_("a variable is letters (Latin or Greek), optionally followed by digits"),
            )
        if name in FUNCTIONS or name in CONSTANTS:
            raise ParseError(
                _("'{name}' cannot be a variable: it is a known {value}").format(
                    name=name, value="function" if name in FUNCTIONS else "constant"
                ),
                hint=_("choose another variable name"),
            )
    return names
