"""Text -> sympy expression: the whitelist parser (plain and LaTeX notation) and its limits."""

from verifier.expr.parser import (
    CONSTANTS,
    FUNCTIONS,
    Parsed,
    ParseLimits,
    parse,
    parse_with_warnings,
    symbol,
)

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "ParseLimits",
    "Parsed",
    "parse",
    "parse_with_warnings",
    "symbol",
]
