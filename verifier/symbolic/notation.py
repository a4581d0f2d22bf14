"""Homework notation: how a student writes an expression (``3x^2 e^x``, ``ln(x)``, ``sin(x)/(2x)``).

:func:`format_expr` prints a sympy expression that way; the steps (:mod:`verifier.symbolic.steps`)
and every report use it, and the parser reads its output back as the same expression.
"""

from __future__ import annotations

import sympy

__all__ = ["format_expr"]

# precedence levels of the homework notation (higher binds tighter)
_ADD, _MUL, _POW, _ATOM = 1, 2, 3, 4

# sympy function name -> how a student writes it
_FUNC_NAMES = {"log": "ln"}


def format_expr(expr: sympy.Basic) -> str:
    """An expression in homework notation: ``3*x**2*exp(x)`` -> ``3x^2 e^x``.

    Numbers glue to a following variable or bracket (``3x^2``, ``2(x + 1)``),
    other factors are separated by a space, ``exp(u)`` is ``e^u``, ``log`` is
    ``ln``, ``Abs`` is ``|u|`` and denominators are bracketed when they have more
    than one factor (``1/(2x)``; ``x/2`` is x halved).

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> format_expr(3 * x**2 * sympy.exp(x))
    '3x^2 e^x'
    >>> format_expr(sympy.sin(x) / (2 * x) - sympy.log(x) + sympy.Abs(x) ** 2 / 3)
    'x^2/3 - ln(x) + sin(x)/(2x)'
    >>> format_expr(sympy.exp(-2 * x) * sympy.sqrt(x + 1))
    'sqrt(x + 1) e^(-2x)'
    """
    return _fmt(expr, 0)


def _paren(text: str, inner: int, outer: int) -> str:
    return f"({text})" if inner < outer else text


def _fmt(e: sympy.Basic, outer: int) -> str:
    text, prec = _fmt_prec(e)
    return _paren(text, prec, outer)


def _number(e: sympy.Number) -> tuple[str, int]:
    if e.is_Integer:
        return str(e), (_ATOM if e >= 0 else _ADD)
    if e.is_Rational:
        return f"{e.p}/{e.q}", (_MUL if e > 0 else _ADD)
    if e.is_Float:
        text = repr(float(e))
        return text, (_ATOM if float(e) >= 0 else _ADD)
    return str(e), _ATOM


def _fmt_prec(e: sympy.Basic) -> tuple[str, int]:
    if e.is_Number:
        return _number(e)
    if isinstance(e, sympy.Dummy):
        return e.name, _ATOM
    if e.is_Symbol:
        return e.name, _ATOM
    if e is sympy.E:
        return "e", _ATOM
    if e is sympy.pi:
        return "pi", _ATOM
    if e.is_Add:
        return _fmt_add(e), _ADD
    if e.is_Mul:
        return _fmt_mul(e)
    if e.is_Pow:
        return _fmt_pow(e.base, e.exp)
    if isinstance(e, sympy.exp):
        return _fmt_pow(sympy.E, e.args[0])
    if isinstance(e, sympy.Abs):
        return f"|{_fmt(e.args[0], 0)}|", _ATOM
    if isinstance(e, sympy.Function):
        name = _FUNC_NAMES.get(e.func.__name__, e.func.__name__)
        return f"{name}({', '.join(_fmt(a, 0) for a in e.args)})", _ATOM
    return str(e), _ATOM


def _join_signed(terms: list[tuple[bool, str]]) -> str:
    """``[(False, "a"), (True, "b")]`` -> ``"a - b"``: terms with their signs pulled out."""
    out = ""
    for i, (neg, body) in enumerate(terms):
        if i == 0:
            out = f"-{body}" if neg else body
        else:
            out += f" - {body}" if neg else f" + {body}"
    return out


def _fmt_add(e: sympy.Expr) -> str:
    terms = []
    for i, term in enumerate(e.as_ordered_terms()):
        neg = term.could_extract_minus_sign()
        if i == 0:
            body = _fmt(-term, _MUL) if neg else _fmt(term, _ADD)
        else:
            body = _fmt(-term if neg else term, _ADD + 1)
        terms.append((neg, body))
    return _join_signed(terms)


def _glues(text: str) -> bool:
    """Whether a factor may follow a number with no space: a variable (maybe raised) or a
    bracket, as in ``3x^2`` and ``2(x + 1)``; ``3 sin(x)`` and ``3 e^x`` keep their space
    so that no name can swallow the digit."""
    if text.startswith("("):
        return True
    head = text.split("^")[0]
    return head.isidentifier() and head not in ("e", "pi")


def _join_factors(number: str, factors: list[str]) -> str:
    # a factor that starts with a digit (2^x) needs an explicit '*': '3 2^x' is not a product
    out = number
    for f in factors:
        if not out:
            out = f
        elif f[:1].isdigit():
            out += f"*{f}"
        elif out == number and _glues(f):
            out += f
        else:
            out += f" {f}"
    return out


def _fmt_mul(e: sympy.Expr) -> tuple[str, int]:
    coeff, rest = e.as_coeff_Mul()
    if coeff.is_negative:
        text = _fmt(-e, _MUL)
        return f"-{text}", _ADD
    num_f: list[str] = []
    den_f: list[str] = []
    for f in sympy.Mul.make_args(rest):
        if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
            den_f.append(_fmt(sympy.Pow(f.base, -f.exp), _POW))
        else:
            num_f.append(_fmt(f, _MUL + 1))
    p, q = (coeff.p, coeff.q) if coeff.is_Rational else (None, None)
    if p is None:
        number = _fmt(coeff, _MUL + 1)
        q = 1
    else:
        number = "" if p == 1 and num_f else str(p)
    num = _join_factors(number, num_f) or "1"
    den_parts = ([str(q)] if q != 1 else []) + den_f
    if not den_parts:
        return num, _MUL
    den = _join_factors(den_parts[0], den_parts[1:]) if q != 1 else " ".join(den_parts)
    if len(den_parts) > 1:
        den = f"({den})"
    return f"{num}/{den}", _MUL


def _fmt_pow(base: sympy.Expr, ex: sympy.Expr) -> tuple[str, int]:
    if ex == sympy.S.Half:
        return f"sqrt({_fmt(base, 0)})", _ATOM
    if ex.is_Rational and ex.is_negative:
        return f"1/{_fmt(sympy.Pow(base, -ex), _POW)}", _MUL
    b = "e" if base is sympy.E else _fmt(base, _ATOM)
    x_text, x_prec = _fmt_prec(ex)
    if not (x_prec == _ATOM and (ex.is_Symbol or (ex.is_Integer and ex >= 0))):
        x_text = f"({x_text})"
    return f"{b}^{x_text}", _POW
