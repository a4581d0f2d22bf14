r"""LaTeX notation, read through the same parser: LaTeX -> plain notation, character by character.

Students type answers in boxes that produce LaTeX (``\frac{1}{x}``, ``2x e^{x^2}``).
:func:`translate` rewrites LaTeX into the notation of :mod:`verifier.expr.parser`, remembering
for every character it writes the position of the LaTeX it came from; :func:`parse_latex`
parses that with the same grammar, limits, readings and warnings, and reports errors at the
position in what was typed.  Nothing runs TeX: commands are looked up in
:mod:`verifier.expr.latex_names`; any other (``\input``, ``\def``, ``\csname``, ``\catcode``,
unknown names) is refused by name and position.

Readings
--------
* ``$...$``, ``$$...$$``, ``\(...\)`` and ``\[...\]`` around the whole formula are dropped.
* ``\frac{a}{b}`` (``\dfrac``, ``\tfrac``, ``\cfrac``, ``\frac12``) is ((a)/(b)): ``\frac{1}{2}x``
  is x/2 without the warning ``1/2x`` gets.  ``\sqrt{a}``, ``\sqrt[n]{a}`` is root(a, n).
* ``^`` takes one token or a brace group, as in TeX (``e^{2x}``; ``e^2x`` = e^2*x); an integer
  exponent is a superscript, so ``\sin^2 x`` is (sin x)^2 like ``sin²x``.  ``x^10`` and
  ``e^-x`` are x^10 and e^(-x), with a warning (TeX shows x¹0 and e⁻x).
* ``_`` after a variable is its index (``x_{1}``); ``\log_b x`` is the logarithm to base b.
* Braces group (``{x+1}``); ``\left( \right)``, ``\left[``, ``\left\{``, ``\big(`` ..., bare
  ``[ ]`` and ``\{ \}`` are brackets; ``\left| \right|``, ``\lvert \rvert`` are bars.
* ``\cdot``, ``\times``, ``\ast`` multiply, ``\div`` divides; ``\,``, ``\;``, ``\quad``, ``~``
  are spaces; ``\displaystyle`` and ``\left.`` are ignored.
* ``\sin``, ``\ln``, ``\exp`` ... (every function the parser knows), ``\operatorname{sech}``;
  ``\mathrm{e}`` and ``e`` are Euler's number, ``\pi`` is pi, ``\theta`` ... are variables.
  Then the plain readings apply (``\sin x \cos x`` = sin(x)*cos(x), with a warning).

>>> translate("\\frac{1}{x^{2}}", ParseLimits()).plain
' ((1)/(x²))'
>>> parse_latex("$2x e^{x^2}$", ("x",)).expr
2*x*exp(x**2)
>>> parse_latex("\\input{/etc/passwd}", ("x",))
Traceback (most recent call last):
  ...
verifier.errors.ParseError: LaTeX command '\input' is not allowed: it is TeX programming or file access, not math at position 0
  \input{/etc/passwd}
  ^
hint: type only the formula, e.g. \frac{1}{x} or \sin^2 x
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence

from verifier.errors import LimitError, ParseError
from verifier.expr.build import ParseLimits
from verifier.expr.latex_names import (
    _CHAR_ERRORS,
    _DELIMITERS,
    _FORBIDDEN,
    _FRACS,
    _GREEK,
    _HINT,
    _KNOWN,
    _OPEN_CLOSE,
    _SIZES,
    _SPACES,
    _SUPERSCRIPT,
    _SYMBOLS,
    _TEXT,
)
from verifier.expr.names import _LETTER_FUNCTIONS
from verifier.expr.parser import Parsed, parse_with_warnings
from verifier.expr.reader import _Reader
from verifier.i18n import _

__all__ = ["looks_like_latex", "parse_latex", "strip_delimiters", "translate"]


def looks_like_latex(text: str) -> bool:
    """True when ``text`` uses LaTeX (a backslash, a brace or a dollar sign, which plain
    notation never has).

    >>> looks_like_latex("\\\\frac{1}{x}"), looks_like_latex("1/x")
    (True, False)
    """
    return any(c in text for c in "\\{}$")


def _delimited(text: str) -> tuple[int, int]:
    """(start, end) of the formula inside ``$...$``, ``\\(...\\)`` ... (the whole text if none)."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    for left, right in _OPEN_CLOSE:
        if stripped.startswith(left):
            if len(stripped) >= len(left) + len(right) and stripped.endswith(right):
                return lead + len(left), lead + len(stripped) - len(right)
            raise ParseError(_("the formula opens with '{left}' but does not end with '{right}'").format(left=left, right=right), text=text, position=lead, hint=_("close it with '{right}' or leave both out").format(right=right))  # fmt: skip
    return 0, len(text)


def strip_delimiters(text: str) -> str:
    """The formula without the ``$...$``, ``$$...$$``, ``\\(...\\)`` or ``\\[...\\]`` around it.

    >>> strip_delimiters("  $f'(x) = 2x$ ")
    "f'(x) = 2x"
    """
    start, end = _delimited(text)
    return text[start:end]


@dataclasses.dataclass(frozen=True)
class Translation:
    """LaTeX in plain notation: the text, the LaTeX position of each character (``origin``,
    one more entry for the end) and readings a student may not have meant (warnings)."""

    plain: str
    origin: tuple[int, ...]
    warnings: tuple[str, ...]


class _Translator:
    """A recursive reader of LaTeX groups that writes plain notation."""

    def __init__(self, text: str, limits: ParseLimits) -> None:
        self.text = text
        self.limits = limits
        self.start, self.end = _delimited(text)
        self.i = self.start
        self.out: list[str] = []
        self.origin: list[int] = []
        self.warnings: list[str] = []
        self.depth = 0

    def emit(self, s: str, pos: int) -> None:
        self.out.extend(s)
        self.origin.extend([pos] * len(s))

    def err(self, message: str, pos: int, hint: str | None = _HINT) -> ParseError:
        hint = _(hint) if hint == _HINT else hint
        return ParseError(message, text=self.text, position=pos, hint=hint)

    def ch(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < self.end else ""

    enter = _Reader.enter  # the parser's depth limit (self.depth, self.limits)

    def command(self) -> tuple[str, int]:
        """Read ``\\name`` (letters) or ``\\c`` (one other character) at the cursor."""
        start = self.i
        self.i += 1
        if not self.ch():
            raise self.err(_("a lone '\\' at the end"), start)
        if self.ch().isascii() and self.ch().isalpha():
            while self.ch().isascii() and self.ch().isalpha():
                self.i += 1
            name = self.text[start + 1 : self.i]
            while self.ch() in (" ", "\t"):  # TeX swallows the spaces after a command name
                self.i += 1
            return name, start
        self.i += 1
        return self.text[start + 1], start

    def skip_spaces(self) -> None:
        while self.ch() in (" ", "\t", "\n", "\r"):
            self.i += 1

    def run(self, stop: str = "") -> None:
        """Translate items until ``stop`` (a closing character) or the end of the formula."""
        while self.i < self.end and self.ch() not in stop:
            self.item()

    def group(self) -> tuple[int, int]:
        """Translate ``{...}`` at the cursor; (output index where it started, its start)."""
        start = self.i
        self.enter(start)
        self.i += 1
        mark = len(self.out)
        self.run("}")
        if self.ch() != "}":
            raise self.err(_("'{' is never closed"), start, _("add the matching '}'"))
        self.i += 1
        self.depth -= 1
        return mark, start

    def argument(self, what: str, pos: int) -> str:
        """One argument of a command: a brace group or one token, translated into brackets."""
        self.skip_spaces()
        start = self.i
        mark = len(self.out)
        if self.ch() == "{":
            self.group()
        elif self.ch() and self.ch() not in "}]^_&#%$":
            self.token()
        if len(self.out) == mark or not "".join(self.out[mark:]).strip():
            raise self.err(
                _("{what} is missing").format(what=what),
                start if self.ch() else pos,
                _("use braces: {...}"),
            )
        self.out.insert(mark, "(")
        self.origin.insert(mark, start)
        self.emit(")", max(self.i - 1, start))
        return "".join(self.out[mark:])

    def token(self) -> None:
        """One TeX token: a digit, a letter, a command with its arguments, or a character."""
        c = self.ch()
        if c == "\\":
            self.item()
        else:
            self.emit(c, self.i)
            self.i += 1

    def item(self) -> None:
        c, pos = self.ch(), self.i
        if c == "\\":
            name, pos = self.command()
            self.control(name, pos)
        elif c == "{":
            mark, start = self.group()
            if "".join(self.out[mark:]).strip():
                self.out.insert(mark, "(")
                self.origin.insert(mark, start)
                self.emit(")", self.i - 1)
        elif c == "}":
            raise self.err(_("unexpected '}'"), pos, _("no '{' is open here"))
        elif c == "^":
            self.i += 1
            self.superscript(pos)
        elif c == "_":
            self.i += 1
            self.subscript(pos)
        elif c in "[]":
            self.emit("(" if c == "[" else ")", pos)
            self.i += 1
        elif c in _CHAR_ERRORS:
            raise self.err(_(_CHAR_ERRORS[c]), pos)
        elif c in "\n\r\t~":
            self.emit(" ", pos)
            self.i += 1
        else:
            self.emit(c, pos)
            self.i += 1

    def control(self, name: str, pos: int) -> None:
        if name in _SPACES:
            self.emit(" ", pos)
        elif name in _SYMBOLS:
            self.emit(_SYMBOLS[name], pos)
        elif name in _GREEK:
            self.emit(_GREEK[name], pos)
        elif name in _FRACS:
            self.fraction(name, pos)
        elif name == "sqrt":
            self.root(pos)
        elif name == "abs":
            body = self.argument(_("the argument of \\abs"), pos)
            self.out[-len(body)] = self.out[-1] = "|"
        elif name in _SIZES:
            self.delimiter(name, pos)
        elif name in _TEXT:
            self.text_command(name, pos)
        elif name in _LETTER_FUNCTIONS:
            self.function(name, pos)
        elif name == "\\":
            raise self.err(_("a line break '\\\\' is not allowed"), pos, _("give one formula"))
        elif name in _FORBIDDEN:
            raise self.err(
                _(
                    "LaTeX command '\\{name}' is not allowed: it is TeX programming or file access, not math"
                ).format(name=name),
                pos,
            )
        else:
            close = difflib.get_close_matches(name, _KNOWN, n=3, cutoff=0.7)
            raise self.err(_("unknown LaTeX command '\\{name}'").format(name=name), pos, _('did you mean {names}?').format(names=_(' or ').join('\\' + c for c in close)) if close else _('known commands: \\frac, \\sqrt, \\sin, \\cos, \\ln, \\exp, \\pi, \\cdot, \\left( \\right)'))  # fmt: skip

    def fraction(self, name: str, pos: int) -> None:
        self.enter(pos)
        self.emit(" (", pos)
        num = self.argument(_("the numerator of \\{name}").format(name=name), pos)
        self.emit("/", pos)
        den = self.argument(_("the denominator of \\{name}").format(name=name), pos)
        if num.replace(" ", "") == "(d)" and den.replace(" ", "")[:2] == "(d":
            raise self.err(
                _("\\frac{d}{dx} is only read on the left side of an equation"),
                pos,
                _("write the derivative itself, or \\frac{d}{dx}(...) = your answer"),
            )
        self.emit(")", self.i - 1)
        self.depth -= 1

    def root(self, pos: int) -> None:
        self.enter(pos)
        self.skip_spaces()
        if self.ch() == "[":
            open_at = self.i
            self.i += 1
            self.emit(" root(", pos)
            mark = len(self.out)
            self.run("]")
            if self.ch() != "]":
                raise self.err(
                    _("the '[' of \\sqrt[n] is never closed"), open_at, _("write \\sqrt[3]{x}")
                )
            index = ("".join(self.out[mark:]), self.origin[mark:])
            del self.out[mark:], self.origin[mark:]
            self.i += 1
            self.argument(_("the argument of \\sqrt"), pos)
            self.emit(",(", self.i - 1)
            self.out.extend(index[0])
            self.origin.extend(index[1])
            self.emit("))", self.i - 1)
        else:
            self.emit(" sqrt", pos)
            self.argument(_("the argument of \\sqrt"), pos)
        self.depth -= 1

    def delimiter(self, name: str, pos: int) -> None:
        """``\\left(``, ``\\bigr]``, ``\\right.`` ...: the delimiter as a bracket or a bar."""
        self.skip_spaces()
        start = self.i
        if self.ch() == "\\":
            d, _end = self.command()
            d = "\\" + d
        else:
            d = self.ch()
            self.i += 1
        if d not in _DELIMITERS:
            raise self.err(
                _("'\\{name}' needs a delimiter such as ( ) [ ] | or ., not '{d}'").format(
                    name=name, d=d
                ),
                start,
            )
        self.emit(_DELIMITERS[d], start)

    def text_command(self, name: str, pos: int) -> None:
        """``\\mathrm{e}``, ``\\operatorname{sech}``: a name typed upright."""
        self.skip_spaces()
        if self.ch() != "{":
            raise self.err(
                _("\\{name} needs braces, as in \\{name}{{e}}").format(name=name), self.i
            )
        close = self.text.find("}", self.i, self.end)
        word = self.text[self.i + 1 : close].strip() if close > 0 else ""
        if not word.isascii() or not word.isalpha():
            raise self.err(
                _("\\{name}{{...}} may only hold a name, such as e or sech").format(name=name),
                self.i,
                _("write the formula outside the braces"),
            )
        self.i = close + 1
        if word in _LETTER_FUNCTIONS:
            self.function(word, pos)
        elif name == "operatorname":
            raise self.err(
                _("unknown function '{word}'").format(word=word),
                pos,
                _("known functions: sin, cos, ln, ..."),
            )
        else:
            self.emit(word, pos)

    def function(self, name: str, pos: int) -> None:
        """``\\sin``: the name, then its power (``\\sin^2``) or base (``\\log_2``)."""
        self.skip_spaces()
        base = None
        if self.ch() == "_" and name in ("log", "ln"):
            self.i += 1
            base = self.argument(_("the base of \\log"), pos)
            self.skip_spaces()
        if base is not None:
            at = self.origin[-len(base)]
            del self.out[-len(base) :], self.origin[-len(base) :]
            self.emit(f" (1/ln{base}) ", at)
            if self.ch() == "^":
                raise self.err(
                    _("a power of a logarithm to a base needs brackets"),
                    self.i,
                    _("write (\\log_2 x)^2"),
                )
            name = "ln"
        self.emit(" " + name, pos)
        if self.ch() == "^":
            at = self.i
            self.i += 1
            self.superscript(at)
        self.emit(" ", self.i)

    def superscript(self, pos: int) -> None:
        """``^``: one token or a group; an integer exponent becomes superscript digits."""
        self.skip_spaces()
        start, mark = self.i, len(self.out)
        if self.ch() in ("-", "+") or (self.ch().isdigit() and self.ch(1).isdigit()):
            # x^10, e^-x, x^-2: TeX raises only the first character; read what was meant
            k = 1 if self.ch() in "+-" else 0
            if self.ch(k).isdigit():
                while self.ch(k).isdigit():
                    k += 1
            elif self.ch(k).isascii() and self.ch(k).isalpha():
                k += 1
            else:
                raise self.err(_("'^' needs an exponent"), start, _("write x^{-2}"))
            body = self.text[start : start + k]
            self.warnings.append(
                _(
                    "read '^{body}' as the exponent {body}; in LaTeX write ^{{{body}}} (TeX raises only the first character)"
                ).format(body=body)
            )
            for j in range(start, start + k):
                self.emit(self.text[j], j)
            self.i = start + k
        elif self.ch() == "{":
            self.group()
        elif self.ch() and self.ch() not in "}^_":
            self.token()
        compact = "".join(self.out[mark:]).replace(" ", "")
        if not compact:
            raise self.err(_("'^' needs an exponent"), start, _("write x^{2}"))
        digits = compact.removeprefix("-")
        if digits.isdigit() and not (compact.startswith("-") and int(digits) == 0):
            del self.out[mark:], self.origin[mark:]
            self.emit("".join(_SUPERSCRIPT[c] for c in compact), start)
        else:
            self.out[mark:mark] = ["^", "("]
            self.origin[mark:mark] = [pos, pos]
            self.emit(")", max(self.i - 1, start))

    def subscript(self, pos: int) -> None:
        """``x_1``, ``x_{12}``: the index of a variable (digits only)."""
        self.skip_spaces()
        if self.ch() == "{":
            close = self.text.find("}", self.i, self.end)
            index = self.text[self.i + 1 : close] if close > 0 else ""
            after = close + 1
        else:
            index, after = self.ch(), self.i + 1
        prev = self.out[-1] if self.out else ""
        if not index.strip().isdigit() or not (prev.isalpha() and prev.isascii()):
            raise self.err(
                _(
                    "a subscript is only read as the index of a variable (x_1) or the base of \\log_2"
                ),
                pos,
                _("write x_1, x_{2} or \\log_{10} x"),
            )
        self.emit("_" + index.strip(), pos)
        self.i = after


def translate(text: str, limits: ParseLimits) -> Translation:
    """LaTeX -> plain notation, with the LaTeX position of every character written.

    >>> t = translate("\\\\sqrt[3]{x} + \\\\left|x\\\\right|", ParseLimits())
    >>> t.plain
    ' root((x),(3)) + |x|'
    >>> t.origin[t.plain.index("|")]
    19
    """
    tr = _Translator(text, limits)
    tr.run()
    return Translation("".join(tr.out), (*tr.origin, tr.end), tuple(tr.warnings))


def parse_latex(
    text: str,
    variables: Sequence[str] | None = ("x",),
    *,
    strict: bool = False,
    limits: ParseLimits | None = None,
) -> Parsed:
    """Parse LaTeX through the plain grammar (:func:`translate` first); errors point into
    ``text``.  ``notation`` of the result is ``"latex"``.

    >>> p = parse_latex("\\\\cos^2 x - \\\\sin^2 x")
    >>> p.expr, p.notation, p.warnings
    (-sin(x)**2 + cos(x)**2, 'latex', ())
    """
    limits = limits or ParseLimits()
    if len(text) > limits.max_length:
        raise LimitError(
            _("the input has {n} characters, more than the limit of {max_length}").format(
                n=len(text), max_length=limits.max_length
            ),
            limit="max_length",
            hint=_("homework answers are short; raise ParseLimits.max_length if needed"),
        )
    tr = translate(text, limits)
    if not tr.plain.strip():
        raise ParseError(_("the formula is empty"), text=text, position=0, hint=_(_HINT))
    inner = dataclasses.replace(limits, max_length=max(limits.max_length, len(tr.plain)))
    try:
        parsed = parse_with_warnings(
            tr.plain, variables, strict=strict, limits=inner, notation="plain"
        )
    except ParseError as exc:
        pos = exc.position
        where = None if pos is None else tr.origin[min(pos, len(tr.origin) - 1)]
        raise ParseError(exc.message, text=text, position=where, hint=exc.hint) from None
    return dataclasses.replace(
        parsed, text=text, notation="latex", warnings=tr.warnings + parsed.warnings
    )
