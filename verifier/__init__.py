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
    "MISTAKES": "rules",
    "Mistake": "rules",
    "WrongDerivative": "rules",
    "wrong_derivatives": "rules",
    "render_steps": "steps",
    "format_expr": "steps",
    "derivation_to_dict": "steps",
    # numbers
    "STENCILS": "stencils",
    "Stencil": "stencils",
    "nditer_gradient": "numeric",
    "numeric_gradient": "numeric",
    "compile_function": "numeric",
    "CompiledFunction": "numeric",
    "estimate_derivative": "numeric",
    "Estimate": "numeric",
    "exact_value": "numeric",
    "exact_derivative": "numeric",
    "complex_step_safe": "numeric",
    "compare": "compare",
    "Comparison": "compare",
    "sweep": "sweep",
    "ErrorTable": "sweep",
    "ClaimCheck": "sweep",
    "h_grid": "sweep",
    # networks
    "TwoLayerNet": "network",
    "gradcheck": "gradcheck",
    "GradCheckResult": "gradcheck",
    "descend": "descent",
    "gradcheck_network": "gradcheck",
    "numerical_gradient": "gradcheck",
    "TensorCheck": "gradcheck",
    "BACKPROP_BUGS": "network",
    "learning_rate_study": "descent",
    "compare_training": "descent",
    "DescentRun": "descent",
    # homework
    "check": "homework",
    "Grade": "homework",
    "grade_class": "homework",
    "Problem": "homework",
    "Counterexample": "homework",
    "load_problems": "homework",
    "read_submissions": "homework",
    "write_grades": "homework",
    "summarize": "homework",
    # suite
    "run": "suite",
    "run_suite": "suite",
    "run_case": "suite",
    "SuiteResult": "suite",
    "CaseOutcome": "suite",
    "load_cases": "cases",
    "Case": "cases",
    "key_table": "cases",
    "write_report": "report",
    "error_figure": "plots",
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
