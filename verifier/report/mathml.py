"""Expressions as presentation MathML, which Chromium and Firefox draw without any script.

The markup is sympy's presentation printer with the homework notation's conventions: ``e`` for
Euler's number, ``ln`` for the natural logarithm, and numeric character references instead of
named entities, so that it is valid in HTML and in XML (XHTML, SVG, feeds) alike.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> to_mathml(sympy.exp(x) / x)
'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mfrac><msup><mi>e</mi><mi>x</mi></msup><mi>x</mi></mfrac></mrow></math>'
"""

from __future__ import annotations

import html.entities
import re

import sympy

__all__ = ["to_mathml"]

_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def _numeric_reference(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    text = html.entities.html5.get(name + ";")
    return "".join(f"&#x{ord(c):x};" for c in text) if text else match.group(0)


def to_mathml(expr: sympy.Basic, display: str = "inline") -> str:
    """``expr`` as one ``<math>`` element (``display`` is ``"inline"`` or ``"block"``).

    >>> import sympy
    >>> "<mi>ln</mi>" in to_mathml(sympy.log(sympy.Symbol("x")))
    True
    """
    from sympy.printing.mathml import mathml

    body = mathml(expr, printer="presentation")
    body = body.replace("<mi>&ExponentialE;</mi>", "<mi>e</mi>").replace(
        "<mi>log</mi>", "<mi>ln</mi>"
    )
    body = _ENTITY.sub(_numeric_reference, body)
    if display not in ("inline", "block"):
        raise ValueError(f"display must be 'inline' or 'block', got {display!r}")
    return f'<math xmlns="{_NAMESPACE}" display="{display}">{body}</math>'
