"""Printing a :class:`~verifier.symbolic.rules.Derivation`: text, Markdown, LaTeX, a JSON-able dict.

No mathematics happens here: every number shown was computed by the rules and is
carried by the steps.  :func:`format_expr` prints an expression the way homework
is typed (``3x^2 e^x``, ``ln(x)``, ``|x|``, ``sqrt(x)``) and its output parses back
with :func:`verifier.expr.parse` to the same expression.

>>> from verifier.symbolic.rules import differentiate
>>> print(render_steps(differentiate("x^3 e^x")))
d/dx [x^3 e^x] = 3x^2 e^x + x^3 e^x
  product rule: d/dx [x^3 e^x] = 3x^2 e^x + x^3 e^x    ((f g)' = f' g + f g')
    power rule: d/dx [x^3] = 3x^2    ((x^n)' = n x^(n-1))
    exp rule: d/dx [e^x] = e^x    ((e^x)' = e^x)
result: 3x^2 e^x + x^3 e^x
"""

from __future__ import annotations

from typing import Any

import sympy

from verifier.errors import VerifierError
from verifier.symbolic.rules import RULE_INFO, Derivation, Derivatives, Step, identity_of

__all__ = ["FORMATS", "format_expr", "render_steps", "derivation_to_dict"]

FORMATS = ("text", "markdown", "latex")

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


# --------------------------------------------------------------------------- steps


def _label(rule: str) -> str:
    return RULE_INFO.get(rule, (rule, "", ""))[0]


def _identity(step: Step, latex: bool = False) -> str:
    """The identity the step used (LaTeX: the rule's general form)."""
    text = identity_of(step)
    if not latex or not text:
        return text
    generic = RULE_INFO[step.rule]
    return generic[2] if text == generic[1] else f"\\text{{{text}}}"


def _result_text(step: Step) -> str:
    """The result, in the order the rule produced its terms when it recorded them."""
    if not step.parts:
        return format_expr(step.result)
    terms = []
    for part in step.parts:
        neg = part.could_extract_minus_sign()
        body = format_expr(-part if neg else part)
        if _fmt_prec(-part if neg else part)[1] == _ADD:
            body = f"({body})"
        terms.append((neg, body))
    return _join_signed(terms)


def _chain_inner(step: Step) -> str:
    if step.rule == "chain" and len(step.substeps) == 2:
        return f"{step.substeps[0].var.name} = {format_expr(step.substeps[1].expr)}"
    return ""


def _text_line(step: Step) -> str:
    line = (
        f"{_label(step.rule)}: d/d{step.var.name} [{format_expr(step.expr)}] = {_result_text(step)}"
    )
    extra = [s for s in (_chain_inner(step), step.note) if s]
    if extra:
        line += "  [" + "; ".join(extra) + "]"
    ident = _identity(step)
    if ident:
        line += f"    ({ident})"
    return line


def _final_text(d: Derivation) -> str:
    if d.result == d.unsimplified and d.step.result == d.unsimplified:
        return _result_text(d.step)
    return format_expr(d.result)


def _render_text(d: Derivation) -> str:
    var = d.var.name
    lines = [f"d/d{var} [{format_expr(d.expr)}] = {_final_text(d)}"]
    for depth, step in d.step.walk():
        lines.append("  " * (depth + 1) + _text_line(step))
    if d.result != d.unsimplified:
        lines.append(f"= {format_expr(d.unsimplified)}  (as the rules give it)")
    lines.append(f"result: {_final_text(d)}")
    return "\n".join(lines)


def _render_markdown(d: Derivation) -> str:
    var = d.var.name
    lines = [f"**d/d{var}** `{format_expr(d.expr)}` = `{_final_text(d)}`", ""]
    for depth, step in d.step.walk():
        line = (
            f"{'  ' * depth}- **{_label(step.rule)}**: d/d{step.var.name} "
            f"`{format_expr(step.expr)}` = `{_result_text(step)}`"
        )
        extra = [s for s in (_chain_inner(step), step.note) if s]
        if extra:
            line += " (" + "; ".join(extra) + ")"
        ident = _identity(step)
        if ident:
            line += f" — *{ident}*"
        lines.append(line)
    lines.append("")
    if d.result != d.unsimplified:
        lines.append(f"As the rules give it: `{format_expr(d.unsimplified)}`")
        lines.append("")
    lines.append(f"**Result:** `{_final_text(d)}`")
    return "\n".join(lines)


def _tex(e: sympy.Basic) -> str:
    return sympy.latex(e)


def _render_latex(d: Derivation) -> str:
    def item(step: Step, depth: int) -> list[str]:
        pad = "  " * (depth + 1)
        dd = f"\\frac{{d}}{{d{_tex(step.var)}}}\\left({_tex(step.expr)}\\right)"
        text = f"{pad}\\item {_label(step.rule)}: ${dd} = {_tex(step.result)}$"
        if step.rule == "chain" and len(step.substeps) == 2:
            text += f" with ${_tex(step.substeps[0].var)} = {_tex(step.substeps[1].expr)}$"
        if step.note:
            text += f" ({step.note})"
        ident = _identity(step, latex=True)
        if ident:
            text += f", using ${ident}$"
        out = [text]
        if step.substeps:
            out.append(f"{pad}\\begin{{itemize}}")
            for s in step.substeps:
                out.extend(item(s, depth + 1))
            out.append(f"{pad}\\end{{itemize}}")
        return out

    v = _tex(d.var)
    lines = [
        f"$$\\frac{{d}}{{d{v}}}\\left({_tex(d.expr)}\\right) = {_tex(d.result)}$$",
        "\\begin{itemize}",
        *item(d.step, 0),
        "\\end{itemize}",
    ]
    if d.result != d.unsimplified:
        lines.append(f"As the rules give it: ${_tex(d.unsimplified)}$.")
    lines.append(f"Result: ${_tex(d.result)}$")
    return "\n".join(lines)


_RENDERERS = {"text": _render_text, "markdown": _render_markdown, "latex": _render_latex}


def render_steps(derivation: Derivation | Derivatives, format: str = "text") -> str:
    """The derivation as plain text, Markdown or LaTeX (``format``), one line per step.

    A higher derivative (:class:`Derivatives`) is rendered pass by pass under a heading.

    >>> from verifier.symbolic.rules import differentiate
    >>> print(render_steps(differentiate("sin(x^2)"), "markdown"))  # doctest: +NORMALIZE_WHITESPACE
    **d/dx** `sin(x^2)` = `2x cos(x^2)`
    <BLANKLINE>
    - **chain rule**: d/dx `sin(x^2)` = `2x cos(x^2)` (u = x^2) — *(f(u))' = f'(u) u'*
      - **trig rule**: d/du `sin(u)` = `cos(u)` — *(sin(x))' = cos(x)*
      - **power rule**: d/dx `x^2` = `2x` — *(x^n)' = n x^(n-1)*
    <BLANKLINE>
    **Result:** `2x cos(x^2)`
    """
    renderer = _RENDERERS.get(format)
    if renderer is None:
        raise VerifierError(
            f"unknown steps format {format!r}", hint=f"use one of: {', '.join(FORMATS)}"
        )
    if isinstance(derivation, Derivatives):
        return _render_passes(derivation, renderer, format)
    return renderer(derivation)


_PASS_HEAD = {
    "text": "pass {k} of {n} ({op}):",
    "markdown": "### Pass {k} of {n}: {op} = d/d{v} `{prev}`",
    "latex": "\\paragraph{{Pass {k} of {n}}} ${op_tex} = \\frac{{d}}{{d{v}}}\\left({prev_tex}\\right)$",
}
_PASS_TAIL = {
    "text": "{op} [{expr}] = {result}",
    "markdown": "**{op}** `{expr}` = `{result}`",
    "latex": "Result: ${op_tex}\\left({expr_tex}\\right) = {result_tex}$",
}


def _op_tex(d: Derivatives) -> str:
    """``\\frac{d^{2}}{dx^{2}}``; ``\\partial`` when the variables differ."""
    names = [v.name for v in reversed(d.variables)]
    mark = "d" if len(set(names)) == 1 else "\\partial "
    if mark == "d":
        den = f"d{names[0]}" + (f"^{{{d.order}}}" if d.order > 1 else "")
    else:
        den = "\\,".join(f"{mark}{n}" for n in names)
    top = f"{mark.strip()}^{{{d.order}}}" if d.order > 1 else mark.strip()
    return f"\\frac{{{top}}}{{{den}}}"


def _render_passes(d: Derivatives, renderer: Any, format: str) -> str:
    n, blocks = d.order, []
    for k, p in enumerate(d.passes, 1):
        sub = Derivatives(d.expr, d.passes[:k])
        op = sub.notation
        op_tex = _op_tex(sub)
        head = _PASS_HEAD[format].format(
            k=k, n=n, op=op, op_tex=op_tex, v=p.var.name, prev=format_expr(p.expr),
            prev_tex=_tex(p.expr),
        )  # fmt: skip
        blocks += [head, renderer(p)]
    tail = _PASS_TAIL[format].format(
        op=d.notation, op_tex=_op_tex(d), expr=format_expr(d.expr), result=format_expr(d.result),
        expr_tex=_tex(d.expr), result_tex=_tex(d.result),
    )  # fmt: skip
    return ("\n" if format == "text" else "\n\n").join([*blocks, tail])


def _step_dict(step: Step) -> dict[str, Any]:
    return {
        "rule": step.rule,
        "label": _label(step.rule),
        "expr": format_expr(step.expr),
        "var": step.var.name,
        "result": _result_text(step),
        "sympy": {"expr": str(step.expr), "result": str(step.result)},
        "note": step.note,
        "substeps": [_step_dict(s) for s in step.substeps],
    }


def derivation_to_dict(derivation: Derivation | Derivatives) -> dict[str, Any]:
    """A JSON-able dict: the expression, the result (homework notation, sympy, LaTeX), the steps.

    A higher derivative adds ``order``, ``variables`` and ``passes`` (one dict per pass).

    >>> from verifier.symbolic.rules import differentiate
    >>> d = derivation_to_dict(differentiate("x^2 + 2x + 1"))
    >>> d["result"], d["result_sympy"], d["rules_used"]
    ('2x + 2', '2*x + 2', ['constant', 'constant_multiple', 'power', 'sum', 'variable'])
    """
    d = derivation
    if isinstance(d, Derivatives):
        return {
            "expr": format_expr(d.expr),
            "order": d.order,
            "variables": [v.name for v in d.variables],
            "operator": d.notation,
            "result": format_expr(d.result),
            "result_sympy": str(d.result),
            "result_latex": sympy.latex(d.result),
            "expr_sympy": str(d.expr),
            "rules_used": sorted(d.rules_used),
            "passes": [derivation_to_dict(p) for p in d.passes],
        }
    return {
        "expr": format_expr(d.expr),
        "var": d.var.name,
        "result": _final_text(d),
        "result_sympy": str(d.result),
        "result_latex": sympy.latex(d.result),
        "unsimplified": str(d.unsimplified),
        "expr_sympy": str(d.expr),
        "rules_used": sorted(d.rules_used),
        "steps": _step_dict(d.step),
    }
