"""verifier: check derivatives symbolically and numerically, with one comparator.

>>> import verifier
>>> verifier.differentiate("x^2 + 2x + 1").result
2*x + 2

The public API is re-exported here and imported lazily, so ``import verifier``
(and the ``verifier`` command) stays fast; nothing is defined in this file.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "VerifierError": "errors",
    "ParseError": "errors",
    "UnsupportedError": "errors",
    "DomainError": "errors",
    "LimitError": "errors",
    "CaseError": "errors",
    # text -> expression
    "parse": "parse",
    "parse_with_warnings": "parse",
    "Parsed": "parse",
    "ParseLimits": "parse",
    # expression -> derivation
    "differentiate": "rules",
    "gradient": "rules",
    "Derivation": "rules",
    "Step": "rules",
    "RULES": "rules",
    "render_steps": "steps",
    # numbers
    "STENCILS": "stencils",
    "Stencil": "stencils",
    "nditer_gradient": "numeric",
    "numeric_gradient": "numeric",
    "compare": "compare",
    "Comparison": "compare",
    "sweep": "sweep",
    "ErrorTable": "sweep",
    # networks
    "TwoLayerNet": "network",
    "gradcheck": "gradcheck",
    "GradCheckResult": "gradcheck",
    "descend": "descent",
    # homework
    "check": "homework",
    "Grade": "homework",
    "grade_class": "homework",
    # suite
    "run": "suite",
    "load_cases": "cases",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'verifier' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"verifier.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
