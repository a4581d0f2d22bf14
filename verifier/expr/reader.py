"""The reader the grammar works through: lookahead over the lazy token stream, and the
state reading keeps: the nesting depth (bounded by :attr:`ParseLimits.max_depth`) and the
ambiguous readings taken (warnings, or errors in strict mode).

>>> from verifier.expr.lexer import _Lexer
>>> text = "x + 1"
>>> r = _Reader(text, _Lexer(text, ("x",), ParseLimits()).run(), ParseLimits(), strict=False)
>>> r.advance().value, r.tok.value, r.peek().value
(x, '+', 1)
>>> r.ambiguous("x+1", "(x+1)", 0, "x + 1")
>>> r.warnings
["read 'x + 1' as x+1; write (x+1) if you meant that"]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import sympy

from verifier.errors import LimitError, ParseError
from verifier.expr.build import ParseLimits
from verifier.expr.lexer import _Tok
from verifier.i18n import _

__all__: list[str] = []


@dataclasses.dataclass(frozen=True)
class _Node:
    expr: sympy.Expr
    start: int
    end: int
    # set on an unbracketed function application (sin x): (function text, argument text)
    open_call: tuple[str, str] | None = None


class _Reader:
    """Tokens as the grammar reads them (pulled from the lazy lexer on demand), with the
    nesting depth and the warnings collected on the way."""

    def __init__(
        self, text: str, tokens: Iterator[_Tok], limits: ParseLimits, strict: bool
    ) -> None:
        self.text = text
        self.source = tokens
        self.toks: list[_Tok] = []  # tokens read so far (the lexer is lazy)
        self.i = 0
        self.limits = limits
        self.strict = strict
        self.depth = 0
        self.warnings: list[str] = []

    # -- the cursor
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

    def powered(self) -> bool:
        """Does an exponent follow the current token (``2^x``, ``2²``)?"""
        return self.peek().kind == "sup" or self.is_op(self.peek(), "^")

    # -- text and errors
    def err(self, message: str, pos: int, hint: str | None = None) -> ParseError:
        return ParseError(message, text=self.text, position=pos, hint=hint)

    def src(self, start: int, end: int) -> str:
        return self.text[start:end].strip()

    def describe(self, t: _Tok) -> str:
        if t.kind == "end":
            return _("the end of the expression")
        return f"'{self.text[t.start : t.end]}'"

    # -- depth and readings
    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitError(
                _(
                    "the expression is nested more than {max_depth} levels deep (at position {pos})"
                ).format(max_depth=self.limits.max_depth, pos=pos),
                limit="max_depth",
                hint=_("simplify the expression or raise ParseLimits.max_depth"),
            )

    def leave(self) -> None:
        self.depth -= 1

    def ambiguous(self, reading: str, alternative: str, pos: int, typed: str) -> None:
        """Record an ambiguous reading; strict mode refuses it and asks for parentheses."""
        if self.strict:
            raise self.err(
                _("ambiguous notation '{typed}'").format(typed=typed),
                pos,
                _("add parentheses: write {reading} or {alternative}").format(
                    reading=reading, alternative=alternative
                ),
            )
        message = _("read '{typed}' as {reading}; write {alternative} if you meant that").format(
            typed=typed, reading=reading, alternative=alternative
        )
        if message not in self.warnings:
            self.warnings.append(message)

    @staticmethod
    def _plain_number(value: sympy.Rational) -> str:
        return str(value) if value.is_Integer else f"{value.p}/{value.q}"

    @staticmethod
    def _show(e: sympy.Expr) -> str:
        """An expression in unambiguous notation for a warning (short ones only)."""
        s = sympy.sstr(e)
        return s if len(s) <= 40 else "(...)"

    def unexpected(self, t: _Tok) -> ParseError:
        if self.is_op(t, ")"):
            return self.err(_("unexpected ')'"), t.start, _("no '(' is open here"))
        if self.is_op(t, "|"):
            return self.err(_("unexpected '|'"), t.start, _("bars come in pairs, as in |x|"))
        if self.is_op(t, ","):
            return self.err(
                _("unexpected ','"), t.start, _("a comma only separates arguments, as in log(x, 2)")
            )
        if t.kind == "end":
            return self.err(_("the expression ended too early"), t.start, _("something is missing"))
        return self.err(f"unexpected {self.describe(t)}", t.start)
