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

Readings (each one is tested in tests/expr/test_expr_parser.py)
---------------------------------------------------------------
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
  factors glued to it, and ends at the next operator, space or function name:
  ``sin x^2`` = sin(x^2), ``cos 2x`` = cos(2x), ``sin x cos x`` and ``2sinxcosx``
  are products of sin(x) and cos(x) (both warn),
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
  product: did you mean x*2?  With its own power it is a factor: ``x 2^(x-1)``.
* LaTeX (``notation="latex"``, or text with ``\\``, ``{``, ``}`` or ``$``) is
  rewritten into this notation by :mod:`verifier.expr.latex`, then read the same way.
* ``variables=None`` infers variables: single lowercase Latin or Greek
  letters, optionally followed by digits (``x0``) or a subscript (``x_1``,
  ``x₁`` is named ``x1``); never ``e`` or a function name; uppercase letters
  must be declared.  Inferred letters may be glued in runs of at most two
  (``xy``); longer runs (``abc``, ``exec``) and Python keywords (``or``,
  ``if``) are refused: write ``a*b*c`` or declare the variables.
* Constants must be real and defined: ``1/0``, ``log(0)``, ``0^0``,
  ``log(x, 1)`` are refused as undefined, ``√-1`` and ``log(-2)`` as not real.
* ``=`` is refused: give the expression, not an equation.

Unicode: characters are read through an explicit whitelist (superscripts,
subscripts, Unicode minus and times signs, full-width forms, Greek letters;
see :mod:`verifier.expr.names`); every other character is refused by name and
position.  Limits: :class:`ParseLimits` bounds the input, the tokens, the
nesting and every number and tree sympy would build (see :mod:`verifier.expr.build`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import sympy

from verifier.errors import LimitError, ParseError
from verifier.expr.build import ParseLimits, _Builder
from verifier.expr.lexer import _Lexer, _Tok
from verifier.expr.names import CONSTANTS, FUNCTIONS, _check_variables, symbol
from verifier.expr.reader import _Node, _Reader
from verifier.i18n import _

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "ParseLimits",
    "Parsed",
    "parse",
    "parse_with_warnings",
    "symbol",
]


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
    notation: str = "plain"  # or "latex" (see verifier.expr.latex)


# --------------------------------------------------------------------------- parser


class _Parser(_Reader):
    """The grammar: tokens -> sympy objects through the builder, with the readings taken."""

    def __init__(
        self,
        text: str,
        tokens: Iterator[_Tok],
        builder: _Builder,
        limits: ParseLimits,
        strict: bool,
    ) -> None:
        super().__init__(text, tokens, limits, strict)
        self.b = builder
        self.bars = 0  # open |...| at the current bracket level

    # -- helpers
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

    # -- grammar
    def parse(self) -> sympy.Expr:
        if self.tok.kind == "end":
            raise self.err(_("the expression is empty"), 0, _("type an expression such as x^2 + 1"))
        node = self.expr()
        t = self.tok
        if t.kind != "end":
            raise self.unexpected(t)
        return node.expr

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
                        _("'{value}' needs something after it").format(value=op.value),
                        self.tok.start,
                        _("remove it"),
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
                if t.kind == "num" and not self.powered():  # x 2^(x-1) is a product
                    left = self.src(last.start, last.end)
                    raise self.err(
                        _("a number cannot follow a factor without an operator"),
                        t.start,
                        _("did you mean {left}*{src}?").format(
                            left=left, src=self.src(t.start, t.end)
                        ),
                    )
                rhs = self.power()
                if last.open_call is not None and (t.space or t.kind == "func"):
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
                self.ambiguous(_('the number {number} (scientific notation)').format(number=self._plain_number(t.value)), typed.replace('e', '*e', 1).replace('E', '*E', 1), t.start, typed)  # fmt: skip
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
                _("the expression ended too early"), t.start, _("something is missing at the end")
            )
        if self.is_op(t, ")"):
            raise self.err(_("unexpected ')'"), t.start, _("an operand is missing before it"))
        if t.kind == "sup":
            raise self.err(
                _("a superscript needs something to raise"), t.start, _("write x² or x^2")
            )
        raise self.err(
            f"unexpected {self.describe(t)}", t.start, _("an operand is missing before it")
        )

    def group(self) -> _Node:
        open_tok = self.advance()
        self.enter(open_tok.start)
        saved, self.bars = self.bars, 0
        if self.is_op(self.tok, ")"):
            raise self.err(
                _("empty parentheses"), open_tok.start, _("put an expression inside ( )")
            )
        inner = self.expr()
        if not self.is_op(self.tok, ")"):
            raise self.err(
                _("missing ')' before {describe}").format(describe=self.describe(self.tok)),
                self.tok.start,
                _("unbalanced parenthesis opened at {start}").format(start=open_tok.start),
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
            raise self.err(_("empty bars"), open_tok.start, _("put an expression inside | |"))
        inner = self.expr()
        if not self.is_op(self.tok, "|"):
            raise self.err(
                _("missing '|' before {describe}").format(describe=self.describe(self.tok)),
                self.tok.start,
                _("unbalanced '|' opened at {start}").format(start=open_tok.start),
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
        canonical, lo, hi, _build = FUNCTIONS[name]
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
            raise self.err(_("'{shown}' is ambiguous").format(shown=shown), ftok.start, _('write a{canonical}(x) for the inverse function or 1/{canonical}(x) for the reciprocal').format(canonical=canonical) if canonical in ('sin', 'cos', 'tan', 'sec', 'csc', 'cot') else _('write 1/{canonical}(x) for the reciprocal').format(canonical=canonical))  # fmt: skip
        if self.is_op(self.tok, "("):
            args, end = self.arguments(name, lo, hi)
            value = self.b.apply(name, args, ftok.start, end)
            node = _Node(value, ftok.start, end)
        else:
            if not self.starts_factor(self.tok) and not self.is_op(self.tok, "+-"):
                raise self.err(
                    _("'{name}' needs an argument").format(name=name),
                    self.tok.start,
                    _("write {name}(x)").format(name=name),
                )
            arg = self.open_argument(name)
            value = self.b.apply(name, [arg.expr], ftok.start, arg.end)
            arg_txt = self.src(arg.start, arg.end)
            node = _Node(value, ftok.start, arg.end, open_call=(name, arg_txt))
            if lo > 1:
                raise self.err(
                    _("'{name}' needs {lo} arguments in parentheses").format(name=name, lo=lo),
                    ftok.start,
                )
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
            _("the power of '{name}' must be a number, as in {name}^2(x)").format(name=name),
            t.start,
            _("write ({name}(x))^n for other powers").format(name=name),
        )

    def arguments(self, name: str, lo: int, hi: int) -> tuple[list[sympy.Expr], int]:
        open_tok = self.advance()
        saved, self.bars = self.bars, 0
        if self.is_op(self.tok, ")"):
            raise self.err(
                _("'{name}()' has no argument").format(name=name),
                open_tok.start,
                _("write {name}(x)").format(name=name),
            )
        args = [self.expr().expr]
        while self.is_op(self.tok, ","):
            comma = self.advance()
            if len(args) >= hi:
                raise self.err(_("'{name}' takes {value}").format(name=name, value=_('one argument') if hi == 1 else _('at most {n} arguments').format(n=hi)), comma.start, _('log(x, b) is the only two-argument form besides root(x, n)'))  # fmt: skip
            args.append(self.expr().expr)
        if not self.is_op(self.tok, ")"):
            raise self.err(
                _("missing ')' before {describe}").format(describe=self.describe(self.tok)),
                self.tok.start,
                _("unbalanced parenthesis opened at {start}").format(start=open_tok.start),
            )
        if len(args) < lo:
            raise self.err(
                _("'{name}' needs {lo} arguments").format(name=name, lo=lo), open_tok.start
            )
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
        while (
            not self.tok.space
            and self.starts_factor(self.tok)
            and self.tok.kind not in ("num", "func")
        ):
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


def parse_with_warnings(
    text: str,
    variables: Sequence[str] | None = ("x",),
    *,
    strict: bool = False,
    limits: ParseLimits | None = None,
    notation: str = "auto",
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
            _("expected text, got {__name__}").format(__name__=type(text).__name__),
            hint=_("pass the expression as a str"),
        )
    if len(text) > limits.max_length:
        raise LimitError(_('the input has {n} characters, more than the limit of {max_length}').format(n=len(text), max_length=limits.max_length), limit='max_length', hint=_('homework answers are short; raise ParseLimits.max_length if needed'))  # fmt: skip
    from verifier.expr import latex  # LaTeX is rewritten into this grammar (it imports us)

    if notation == "latex" or (notation == "auto" and latex.looks_like_latex(text)):
        return latex.parse_latex(text, variables, strict=strict, limits=limits)
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
