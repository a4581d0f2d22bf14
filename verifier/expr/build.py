"""Building sympy objects under limits: :class:`ParseLimits`, magnitude bounds, guards.

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

>>> _Builder("2^1001", ParseLimits()).pow(sympy.Integer(2), sympy.Integer(1001), 0, 6)
Traceback (most recent call last):
  ...
verifier.errors.LimitError: constant exponent 1001 in '2^1001' exceeds the limit of 1000 for a number
hint: powers this large are not homework notation
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import sympy

from verifier.errors import LimitError, ParseError, VerifierError
from verifier.expr.names import FUNCTIONS
from verifier.i18n import _
from verifier.limits import TimeUp, remaining, time_limit

__all__ = ["ParseLimits"]


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
# canonical function name -> the sympy class whose magnitude rule applies (see _magnitude)
_MAGNITUDE_CLASS: dict[str, Any] = {f.__name__: f for f in _EXP_LIKE} | dict.fromkeys(
    ("ln", "log", "log10", "log2"), sympy.log
)


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
                _("'{text}' is undefined (division by zero or a pole)").format(
                    text=self.text[start:end]
                ),
                text=self.text,
                position=start,
                hint=_("check the expression; it has no finite value"),
            )
        if info.imaginary:
            raise ParseError(
                _("'{text}' is not a real number").format(text=self.text[start:end]),
                text=self.text,
                position=start,
                hint=_("the verifier works with real functions of real variables"),
            )
        if info.size > self.limits.max_result_size:
            raise LimitError(
                _("the expression is too large: more than {max_result_size} nodes").format(
                    max_result_size=self.limits.max_result_size
                ),
                limit="max_result_size",
            )
        if info.digits > self.limits.max_number_digits:
            raise LimitError(_("a number in '{short}' would have about {digits} digits, more than the limit of {max_number_digits}").format(short=self._short(start, end), digits=info.digits, max_number_digits=self.limits.max_number_digits), limit='max_number_digits')  # fmt: skip
        self.check_magnitude(info.magnitude, start, end)
        return e

    def check_magnitude(self, bounds: Mag, start: int, end: int) -> None:
        """A constant must stay within 10^±max_number_digits: sympy evaluates constants
        numerically (to decide a sign or compare) at a precision that grows with their size."""
        magnitude = max(bounds)
        if magnitude > self.limits.max_number_digits:
            shown = f"10^{int(magnitude)}" if magnitude < 1e12 else "10^(10^12)"
            raise LimitError(_("the constant '{short}' could be as large as {shown} (or as small as its inverse), beyond the limit of 10^{max_number_digits}").format(short=self._short(start, end), shown=shown, max_number_digits=self.limits.max_number_digits), limit='max_number_digits', hint=_('constants this large are not homework notation'))  # fmt: skip

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
                _("the expression is too large: more than {max_result_size} nodes").format(
                    max_result_size=self.limits.max_result_size
                ),
                limit="max_result_size",
                hint=_("split it into smaller expressions"),
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
                raise LimitError(_("constant exponent {num} in '{where}' exceeds the limit of {cap} for {value}").format(num=self._num(e), where=where, cap=cap, value=_('a number') if b.is_number else _('an expression with variables')), limit='max_exponent' if b.is_number else 'max_symbolic_exponent', hint=_('powers this large are not homework notation'))  # fmt: skip
            if self._estimate_digits(b, e) > lim.max_number_digits:
                raise LimitError(_("'{where}' would have about {estimate_digits} digits, more than the limit of {max_number_digits}").format(where=where, estimate_digits=self._estimate_digits(b, e), max_number_digits=lim.max_number_digits), limit='max_number_digits')  # fmt: skip
            if (
                not e.is_Integer
                and b.is_Rational
                and _times(_log10(b), int(e.p)) > lim.max_number_digits
            ):
                # sympy takes b^(p/q) apart through b^p: 999^0.51009 builds 999^51009
                raise LimitError(_("'{where}': a number to the power {num} would be taken apart through a power with {count} digits").format(where=where, num=self._num(e), count=self._count(_times(_log10(b), int(e.p)))), limit='max_number_digits', hint=_('use a simpler fraction in the exponent'))  # fmt: skip
            if not e.is_Integer and b.is_number and int(e.q) > lim.max_exponent:
                # sympy looks for an exact q-th root: 10^(1/2^999) would never finish
                raise LimitError(
                    _("'{where}': the denominator of the exponent exceeds {max_exponent}").format(
                        where=where, max_exponent=lim.max_exponent
                    ),
                    limit="max_exponent",
                    hint=_("use a simpler fraction in the exponent"),
                )
            if not e.is_Integer and b.is_Rational and self._digits(b) > lim.max_digits:
                raise LimitError(
                    _("root of a number with more than {max_digits} digits in '{where}'").format(
                        max_digits=lim.max_digits, where=where
                    ),
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
                    _(
                        "constant {num} in the exponent of '{where}' exceeds the limit of {max_exponent}"
                    ).format(
                        num=self._num(coeff), where=where, max_exponent=self.limits.max_exponent
                    ),
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
                    _(
                        "constant exponent {num} in '{where}' exceeds the limit of {max_exponent}"
                    ).format(
                        num=self._num(coeff), where=where, max_exponent=self.limits.max_exponent
                    ),
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
                return _("about {power}").format(power=f"10^{cls._digits(r) - 1}")
            return _("(a fraction of {n}-digit numbers)").format(n=cls._digits(r))
        return str(r)

    # -- constructors
    def _build(
        self, fn: Callable[..., sympy.Expr], args: Sequence[sympy.Expr], start: int, end: int
    ) -> sympy.Expr:
        """Call one sympy constructor (on sympy objects only), then check its result."""
        try:
            with time_limit(max(1e-3, self.deadline - time.perf_counter())):  # SIGALRM
                value = fn(*args)  # Abs of a constant radical sum: minimal_polynomial, minutes
        except TimeUp:
            if remaining() == 0.0:  # the caller's own budget ran out: theirs to report
                raise
            value = None
        except VerifierError:
            raise
        except RecursionError as exc:
            raise LimitError(
                _("'{short}' is nested too deeply for sympy").format(short=self._short(start, end)),
                limit="max_depth",
            ) from exc
        except Exception as exc:  # sympy refusing a value must not become a traceback
            raise ParseError(
                _("'{short}' cannot be evaluated ({__name__})").format(
                    short=self._short(start, end), __name__=type(exc).__name__
                ),
                text=self.text,
                position=start,
                hint=_("check the expression"),
            ) from exc
        if value is None or time.perf_counter() > self.deadline:
            raise LimitError(
                _(
                    "parsing took longer than {max_seconds} s (at '{short}'): the expression is too complex"
                ).format(max_seconds=self.limits.max_seconds, short=self._short(start, end)),
                limit="max_seconds",
                hint=_("simplify the expression"),
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
                _("'{short}' is undefined").format(short=self._short(start, end)),
                text=self.text,
                position=start,
                hint=_("0 cannot be raised to a negative or zero power"),
            )
        self.check_pow(b, e, start, end)
        self.predict(sympy.Pow, (b, e), start, end)
        return self._build(sympy.Pow, (b, e), start, end)

    def reciprocal(self, b: sympy.Expr, start: int, end: int, op_pos: int) -> sympy.Expr:
        if b == 0:
            raise ParseError(
                _("division by zero"), text=self.text, position=op_pos, hint=_("the divisor is 0")
            )
        return self.pow(b, sympy.Integer(-1), start, end)

    def apply(self, name: str, args: list[sympy.Expr], start: int, end: int) -> sympy.Expr:
        canonical, _lo, _hi, builder = FUNCTIONS[name]
        if canonical == "log" and len(args) == 2:
            base = args[1]
            if base.is_number and (base == 1 or base.is_positive is False):
                raise ParseError(
                    _("'{short}': the base of a logarithm must be positive and not 1").format(
                        short=self._short(start, end)
                    ),
                    text=self.text,
                    position=start,
                    hint=_("write log(x, b) with b > 0, b != 1"),
                )
        if canonical == "exp":
            self.check_exp_arg(args[0], start, end)
        elif canonical in ("sqrt", "cbrt"):
            self.check_pow(args[0], sympy.Rational(1, 2 if canonical == "sqrt" else 3), start, end)
        elif canonical == "root":
            if args[1] == 0:
                raise ParseError(
                    _("root of degree 0"),
                    text=self.text,
                    position=start,
                    hint=_("use root(x, n), n != 0"),
                )
            self.check_pow(args[0], self.pow(args[1], sympy.Integer(-1), start, end), start, end)
        self.predict(_MAGNITUDE_CLASS.get(canonical), args, start, end)
        return self._build(builder, args, start, end)
