"""Text -> sympy expression: the whitelist parser (plain notation) and its limits.

``names`` holds the whitelist (functions, constants, characters), ``lexer`` turns
characters into tokens, ``build`` makes sympy objects under :class:`ParseLimits`,
``reader`` is the token cursor the grammar reads through, and ``parser`` is the
grammar, with the readings of ambiguous notation documented in its docstring.
"""

from verifier.expr.build import ParseLimits
from verifier.expr.names import CONSTANTS, FUNCTIONS, symbol
from verifier.expr.parser import Parsed, parse, parse_with_warnings

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "ParseLimits",
    "Parsed",
    "parse",
    "parse_with_warnings",
    "symbol",
]
