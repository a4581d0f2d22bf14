"""The LaTeX whitelist: every command :mod:`verifier.expr.latex` reads, and what it stands for.

Commands are looked up here and nowhere else; a command in none of these tables is refused
(the ones in :data:`_FORBIDDEN`, TeX programming and file access, by a message of their own).

>>> _SYMBOLS["cdot"], _GREEK["theta"], "input" in _FORBIDDEN
('*', 'θ', True)
"""

from __future__ import annotations

from verifier.expr.names import _GREEK_ALIAS, _LETTER_FUNCTIONS
from verifier.i18n import N_

__all__: list[str] = []

_SUPERSCRIPT = dict(zip("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻", strict=True))
_GREEK = {alias: g for g, alias in _GREEK_ALIAS.items()} | {
    "varepsilon": "ε",
    "varphi": "φ",
    "vartheta": "θ",
    "varrho": "ρ",
    "lambda": "λ",
}
# command -> the plain text it stands for
_SYMBOLS = {
    "pi": "π",
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "{": "(",
    "}": ")",
    "lbrace": "(",
    "rbrace": ")",
    "lbrack": "(",
    "rbrack": ")",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
}
_SPACES = {",", ":", ";", "!", " ", "quad", "qquad", "enspace", "thinspace", "medspace"}
_SPACES |= {"thickspace", "negthinspace", "displaystyle", "textstyle", "limits"}
_FRACS = {"frac", "dfrac", "tfrac", "cfrac"}
_SIZES = {f"{b}{s}" for b in ("big", "Big", "bigg", "Bigg") for s in ("", "l", "r", "m")}
_SIZES |= {"left", "right", "middle"}
_DELIMITERS = {"(": "(", ")": ")", "[": "(", "]": ")", "|": "|", ".": ""}
_DELIMITERS |= {"\\" + k: v for k, v in _SYMBOLS.items() if v in "()|"}
_TEXT = {"mathrm", "operatorname", "mathit", "text", "textrm", "mathnormal"}
# TeX programming, files and output: named in the error so a teacher sees what was tried
_FORBIDDEN = {
    "input", "include", "def", "edef", "gdef", "xdef", "let", "futurelet", "csname",
    "endcsname", "catcode", "newcommand", "renewcommand", "providecommand", "write",
    "immediate", "openout", "openin", "read", "expandafter", "usepackage", "documentclass",
    "begin", "end", "makeatletter", "special", "jobname", "string", "uppercase", "lowercase",
    "loop", "repeat", "the", "number", "romannumeral", "global", "long", "outer", "href",
    "url", "includegraphics", "afterassignment", "aftergroup", "scantokens", "detokenize",
    "newenvironment", "input@path", "lccode", "uccode", "mathcode", "char", "relax", "verb",
}  # fmt: skip
_KNOWN = sorted(
    {*_LETTER_FUNCTIONS, *_GREEK, *_SYMBOLS, *_FRACS, *_SIZES, *_TEXT, "sqrt", "abs"}
    | {s for s in _SPACES if s.isalpha()}
)
_CHAR_ERRORS = {
    "#": N_("'#' (a TeX macro parameter) is not allowed"),
    "&": N_("'&' (an alignment tab) is not allowed: give one formula"),
    "%": N_("'%' starts a TeX comment: it is not allowed"),
    "$": N_("'$' may only enclose the whole formula"),
}
_HINT = N_("type only the formula, e.g. \\frac{1}{x} or \\sin^2 x")
_OPEN_CLOSE = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
