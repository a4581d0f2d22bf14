"""Characters -> tokens: the tokenizer of the whitelist parser.

Every character is looked up in the whitelist of :mod:`verifier.expr.names`;
anything else is refused by name and position, with a caret line and a hint.
Letter runs are split into known names and variables (longest known name
first), numbers are exact rationals, superscripts become exponent tokens.
Tokens are produced lazily, so an error early in a long input stops the work
there (the grammar reads them through :class:`verifier.expr.reader._Reader`).

>>> [(t.kind, t.value) for t in _Lexer("2sinx", None, ParseLimits()).run()]
[('num', 2), ('func', 'sin'), ('var', x), ('end', None)]
>>> list(_Lexer("x = 1", ("x",), ParseLimits()).run())
Traceback (most recent call last):
  ...
verifier.errors.ParseError: '=' is not allowed: this is an expression, not an equation at position 2
  x = 1
    ^
hint: give only the expression, not an equation: drop 'f(x) =' and write the right-hand side
"""

from __future__ import annotations

import dataclasses
import keyword
import unicodedata
from collections.abc import Iterator
from typing import Any

import sympy

from verifier.errors import LimitError, ParseError
from verifier.expr.build import ParseLimits
from verifier.expr.names import (
    _CHAR_HINTS,
    _CLASSES,
    _GREEK_ALIAS,
    _KNOWN_NAMES,
    _LETTER_FUNCTIONS,
    CONSTANTS,
    FUNCTIONS,
    _char_name,
    _function_hint,
    _name_hint,
    symbol,
)
from verifier.i18n import _


def _char_error(text: str, pos: int) -> ParseError:
    ch = text[pos]
    hint = _CHAR_HINTS.get(ch)
    hint = None if hint is None else _(hint)
    category = unicodedata.category(ch)
    if hint is None:
        if category == "Cf":
            hint = _("remove the invisible formatting character (often pasted from a web page)")
        elif category.startswith("C"):
            hint = _("remove the control character")
        elif category.startswith("Z"):
            hint = _("use an ordinary space")
        elif 0x1D400 <= ord(ch) <= 0x1D7FF:
            hint = _("type plain letters and digits (x, not 𝑥)")
        else:
            hint = _("use only numbers, variables, known functions and + - * / ^ ( ) , |")
    shown = repr(ch) if category.startswith(("C", "Z")) else f"'{ch}'"
    if ch == "=":
        message = _("'=' is not allowed: this is an expression, not an equation")
    else:
        message = _("character {shown} ({char_name}) is not allowed").format(
            shown=shown, char_name=_char_name(ch)
        )
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
                _("too many tokens: more than {max_tokens}").format(
                    max_tokens=self.limits.max_tokens
                ),
                limit="max_tokens",
                hint=_("split the expression or raise ParseLimits.max_tokens"),
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
                    _("a subscript must follow a variable name"),
                    i,
                    _("write x₁ or x_1 for a variable"),
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
                raise self._err(_("a lone '.' is not a number"), start, _("write 0.5 or .5"))
            if self._cls(i) == "dot":
                raise self._err(
                    _("a number has at most one decimal point"), i, _("write 1.5, not 1.5.2")
                )
        if len(digits) + len(frac) > self.limits.max_digits:
            raise LimitError(
                _(
                    "number at position {start} has {n} digits, more than the limit of {max_digits}"
                ).format(start=start, n=len(digits) + len(frac), max_digits=self.limits.max_digits),
                limit="max_digits",
                hint=_("numbers this long are not homework notation"),
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
                    _(
                        "exponent of the number at position {start} exceeds the limit of {max_exponent}"
                    ).format(start=start, max_exponent=self.limits.max_exponent),
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
            raise self._err(_("a superscript exponent needs digits, as in x² or x⁻¹"), start)
        if len(body) > 6:
            raise LimitError(
                _("superscript exponent at position {start} is too long").format(start=start),
                limit="max_exponent",
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
                    _("'_' must be followed by digits, as in x_1"), j - 1, _("write x_1 or x1")
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
                    _("unknown name '{typed}'").format(typed=typed),
                    last_start,
                    _("did you mean {last_name}*{suffix} or {last_name}^{suffix}?").format(
                        last_name=last_name, suffix=suffix
                    ),
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
                        _("did you mean {base}*{suffix} or {base}^{suffix}?").format(
                            base=base, suffix=suffix
                        )
                        if not sub
                        else _("declare it as a variable")
                    )
                    raise self._err(
                        _("unknown name '{typed}'{declared_note}").format(
                            typed=typed, declared_note=self._declared_note()
                        ),
                        last_start,
                        hint,
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
        names = ", ".join(self.declared) or _("none")
        return _(" (declared variables: {names})").format(names=names)

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
                    _("unknown name '{run}'{declared_note}").format(
                        run=run, declared_note=self._declared_note()
                    ),
                    start,
                    _name_hint(run),
                )
            k = unknown[0]
            segment = run[k]
            while k + len(segment) < len(run) and (k + len(segment)) in unknown:
                segment += run[k + len(segment)]
            raise self._err(
                _("unknown name '{segment}'{declared_note}").format(
                    segment=segment, declared_note=self._declared_note()
                ),
                start + k,
                _(
                    "only lowercase letters are taken as variables; declare {segment!r} to use it"
                ).format(segment=segment)
                if self.infer
                else _("declare {segment!r} as a variable, or check the spelling").format(
                    segment=segment
                ),
            )
        if self.infer and (keyword.iskeyword(run) or keyword.issoftkeyword(run)):
            # 'or', 'if', 'in', 'is' ... are words, not a product of two inferred variables
            raise self._err(_("unknown name '{run}'").format(run=run), start, _name_hint(run))
        if self.infer:
            # inferred single letters glue in runs of at most two (xy), so that
            # words such as 'exec' or 'eval' are refused instead of multiplied out
            segment = 0
            for kind, _name, _pos, typed in pieces:
                single = len(typed) == 1
                segment = segment + 1 if single and kind in ("var", "const") else 0
                if segment > 2:
                    if call:
                        raise self._unknown_function(run, start)
                    raise self._err(
                        _("unknown name '{run}'").format(run=run),
                        start,
                        _name_hint(run),
                    )
        return pieces

    def _followed_by_paren(self, end: int) -> bool:
        k = end
        while self._cls(k) == "space":
            k += 1
        return self._cls(k) == "op" and self._ch(k) == "("

    def _unknown_function(self, run: str, start: int) -> ParseError:
        return self._err(_("unknown function '{run}'").format(run=run), start, _function_hint(run))
