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
from verifier.i18n import _
from verifier.symbolic.notation import _ADD, _fmt_prec, _join_signed, format_expr
from verifier.symbolic.rules import RULE_INFO, Derivation, Derivatives, Step, identity_of

__all__ = [
    "FORMATS",
    "format_expr",
    "latex_expr",
    "latex_text",
    "render_steps",
    "result_text",
    "derivation_html",
    "derivatives_latex",
    "derivation_to_dict",
]

FORMATS = ("text", "markdown", "latex")

# --------------------------------------------------------------------------- steps


def _label(rule: str) -> str:
    return _(RULE_INFO.get(rule, (rule, "", ""))[0])


def _identity(step: Step) -> str:
    """The identity the step used, as text (its words in the current language)."""
    ident = identity_of(step)
    return _(ident) if ident else ""


def _note(step: Step) -> str:
    return _(step.note) if step.note else ""


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
    extra = [s for s in (_chain_inner(step), _note(step)) if s]
    if extra:
        line += "  [" + "; ".join(extra) + "]"
    ident = _identity(step)
    if ident:
        line += f"    ({ident})"
    return line


def result_text(d: Derivation | Derivatives) -> str:
    """The result in homework notation, as the steps' last line writes it.

    >>> from verifier.symbolic.rules import differentiate
    >>> result_text(differentiate("x^3 e^x"))
    '3x^2 e^x + x^3 e^x'
    """
    return _final_text(d)


def _final_text(d: Derivation | Derivatives) -> str:
    if isinstance(d, Derivatives):  # the passes' terms are long: print the simplified result
        return format_expr(d.result)
    if d.result == d.unsimplified and d.step.result == d.unsimplified:
        return _result_text(d.step)
    return format_expr(d.result)


def _render_text(d: Derivation) -> str:
    var = d.var.name
    lines = [f"d/d{var} [{format_expr(d.expr)}] = {_final_text(d)}"]
    for depth, step in d.step.walk():
        lines.append("  " * (depth + 1) + _text_line(step))
    if d.result != d.unsimplified:
        lines.append(_("= {expr}  (as the rules give it)").format(expr=format_expr(d.unsimplified)))
    lines.append(_("result: {result}").format(result=_final_text(d)))
    return "\n".join(lines)


def _render_markdown(d: Derivation) -> str:
    var = d.var.name
    lines = [f"**d/d{var}** `{format_expr(d.expr)}` = `{_final_text(d)}`", ""]
    for depth, step in d.step.walk():
        line = (
            f"{'  ' * depth}- **{_label(step.rule)}**: d/d{step.var.name} "
            f"`{format_expr(step.expr)}` = `{_result_text(step)}`"
        )
        extra = [s for s in (_chain_inner(step), _note(step)) if s]
        if extra:
            line += " (" + "; ".join(extra) + ")"
        ident = _identity(step)
        if ident:
            line += f" — *{ident}*"
        lines.append(line)
    lines.append("")
    if d.result != d.unsimplified:
        lines.append(
            _("As the rules give it: {expr}").format(expr=f"`{format_expr(d.unsimplified)}`")
        )
        lines.append("")
    lines.append(_("**Result:** {result}").format(result=f"`{_final_text(d)}`"))
    return "\n".join(lines)


def latex_expr(e: sympy.Basic) -> str:
    """An expression as LaTeX math, ``ln`` and ``arcsin`` as students write them.

    >>> from verifier.expr import symbol
    >>> print(latex_expr(sympy.log(symbol("x")) / symbol("x")))
    \\frac{\\ln{\\left(x \\right)}}{x}
    """
    return sympy.latex(e, ln_notation=True, inv_trig_style="full")


_tex = latex_expr

#: LaTeX's text mode: the characters that are commands (or errors) there
_TEXT_ESCAPES = {
    "\\": "\\textbackslash{}",
    "^": "\\textasciicircum{}",
    "~": "\\textasciitilde{}",
    "_": "\\_",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "{": "\\{",
    "}": "\\}",
    "<": "\\textless{}",
    ">": "\\textgreater{}",
    "|": "\\textbar{}",
}


def latex_text(text: Any) -> str:
    """``text`` safe in LaTeX's text mode (steps, notes, table cells and headers).

    >>> print(latex_text("best_h: x^2 & 5%"))
    best\\_h: x\\textasciicircum{}2 \\& 5\\%
    """
    return "".join(_TEXT_ESCAPES.get(ch, ch) for ch in str(text))


_text = latex_text


#: list levels of the LaTeX steps below the top one (LaTeX allows four in all)
_LATEX_DEPTH = 3


def _render_latex(d: Derivation) -> str:
    def item(step: Step, depth: int) -> list[str]:
        pad = "  " * (depth + 1)
        dd = f"\\frac{{d}}{{d{_tex(step.var)}}}\\left({_tex(step.expr)}\\right)"
        text = f"{pad}\\item {_text(_label(step.rule))}: ${dd} = {_tex(step.result)}$"
        if step.rule == "chain" and len(step.substeps) == 2:
            inner = f"${_tex(step.substeps[0].var)} = {_tex(step.substeps[1].expr)}$"
            text += _(" with {inner}").format(inner=inner)
        if step.note:
            text += f" ({_text(_note(step))})"
        ident = identity_of(step)
        if ident:  # the rule's general form in math mode; a particular one as text
            generic = RULE_INFO[step.rule]
            used = f"${generic[2]}$" if ident == generic[1] else _text(_(ident))
            text += _(", using {identity}").format(identity=used)
        if depth >= _LATEX_DEPTH:  # LaTeX nests lists 4 deep: deeper steps are indented
            text = text.replace(
                "\\item ", f"\\item[] \\hspace*{{{depth - _LATEX_DEPTH + 1}em}}$\\cdot$ ", 1
            )
        out = [text]
        if step.substeps and depth < _LATEX_DEPTH:
            out.append(f"{pad}\\begin{{itemize}}")
            for s in step.substeps:
                out.extend(item(s, depth + 1))
            out.append(f"{pad}\\end{{itemize}}")
        else:
            for s in step.substeps:
                out.extend(item(s, depth + 1))
        return out

    v = _tex(d.var)
    lines = [
        f"$$\\frac{{d}}{{d{v}}}\\left({_tex(d.expr)}\\right) = {_tex(d.result)}$$",
        "\\begin{itemize}",
        *item(d.step, 0),
        "\\end{itemize}",
    ]
    if d.result != d.unsimplified:
        lines.append(_("As the rules give it: {expr}").format(expr=f"${_tex(d.unsimplified)}$."))
    lines.append(_("Result: {result}").format(result=f"${_tex(d.result)}$"))
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
            _("unknown steps format {format}").format(format=repr(format)),
            hint=_("use one of: {choices}").format(choices=", ".join(FORMATS)),
        )
    if isinstance(derivation, Derivatives):
        return _render_passes(derivation, renderer, format)
    return renderer(derivation)


def _pass_head(format: str, k: int, n: int, op: str, op_tex: str, v: str, prev: sympy.Expr) -> str:
    if format == "text":
        return _("pass {k} of {n} ({op}):").format(k=k, n=n, op=op)
    if format == "markdown":
        return "### " + _("Pass {k} of {n}: {op}").format(
            k=k, n=n, op=f"{op} = d/d{v} `{format_expr(prev)}`"
        )
    math = f"${op_tex} = \\frac{{d}}{{d{v}}}\\left({_tex(prev)}\\right)$"
    return "\\paragraph{" + _("Pass {k} of {n}").format(k=k, n=n) + "} " + math


def _pass_tail(format: str, d: Derivatives) -> str:
    expr, result = format_expr(d.expr), format_expr(d.result)
    if format == "text":
        return f"{d.notation} [{expr}] = {result}"
    if format == "markdown":
        return f"**{d.notation}** `{expr}` = `{result}`"
    math = f"${_op_tex(d)}\\left({_tex(d.expr)}\\right) = {_tex(d.result)}$"
    return _("Result: {result}").format(result=math)


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
        head = _pass_head(format, k, n, sub.notation, _op_tex(sub), p.var.name, p.expr)
        blocks += [head, renderer(p)]
    tail = _pass_tail(format, d)
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


def derivatives_latex(expr: sympy.Expr, derivatives: dict[str, sympy.Expr], verdict: str) -> str:
    """f, its partial derivatives and a verdict as one line of LaTeX math (a sweep's view).

    >>> from verifier.expr import symbol
    >>> x = symbol("x")
    >>> print(derivatives_latex(x**2, {"x": 2 * x}, "pass"))
    $f = x^{2},\\quad \\partial_{x} f = 2 x\\quad\\text{(passed)}$
    """
    parts = [f"f = {latex_expr(expr)}"]
    parts += [f"\\partial_{{{v}}} f = {latex_expr(d)}" for v, d in derivatives.items()]
    said = {"pass": _("passed"), "fail": _("FAILED")}.get(verdict, _("inconclusive"))
    return "$" + ",\\quad ".join(parts) + f"\\quad\\text{{({said})}}$"


def derivation_html(derivation: Derivation) -> str:
    """The result and the steps as escaped HTML (a notebook's view of a derivation).

    >>> from verifier.symbolic.rules import differentiate
    >>> html = derivation_html(differentiate("x^3 e^x"))
    >>> "<b>3x^2 e^x + x^3 e^x</b>" in html and "product rule" in html
    True
    """
    import html

    d = derivation
    head = (
        f"<p>d/d{html.escape(d.var.name)} [{html.escape(format_expr(d.expr))}] = "
        f"<b>{html.escape(_final_text(d))}</b></p>"
    )
    return head + f"<pre>{html.escape(render_steps(d, 'text'))}</pre>"


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
        "result_latex": latex_expr(d.result),
        "unsimplified": str(d.unsimplified),
        "expr_sympy": str(d.expr),
        "rules_used": sorted(d.rules_used),
        "steps": _step_dict(d.step),
    }
