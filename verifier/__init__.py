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
    "parse": "expr.parser",
    "parse_with_warnings": "expr.parser",
    "Parsed": "expr.parser",
    "ParseLimits": "expr.parser",
    # expression -> derivation
    "differentiate": "symbolic.rules",
    "gradient": "symbolic.rules",
    "Derivation": "symbolic.rules",
    "Step": "symbolic.rules",
    "RULES": "symbolic.rules",
    "MISTAKES": "symbolic.rules",
    "Mistake": "symbolic.rules",
    "WrongDerivative": "symbolic.rules",
    "wrong_derivatives": "symbolic.rules",
    "render_steps": "symbolic.steps",
    "format_expr": "symbolic.steps",
    "derivation_to_dict": "symbolic.steps",
    # numbers
    "STENCILS": "numeric.stencils",
    "Stencil": "numeric.stencils",
    "nditer_gradient": "numeric.estimate",
    "numeric_gradient": "numeric.estimate",
    "compile_function": "numeric.estimate",
    "CompiledFunction": "numeric.estimate",
    "estimate_derivative": "numeric.estimate",
    "Estimate": "numeric.estimate",
    "exact_value": "numeric.estimate",
    "exact_derivative": "numeric.estimate",
    "complex_step_safe": "numeric.estimate",
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
    "check": "homework.judge",
    "Grade": "homework.judge",
    "grade_class": "homework.judge",
    "Problem": "homework.judge",
    "Counterexample": "homework.judge",
    "load_problems": "homework.judge",
    "read_submissions": "homework.judge",
    "write_grades": "homework.judge",
    "summarize": "homework.judge",
    # suite
    "run": "suite.run",
    "run_suite": "suite.run",
    "run_case": "suite.run",
    "SuiteResult": "suite.run",
    "CaseOutcome": "suite.run",
    "load_cases": "suite.cases",
    "Case": "suite.cases",
    "key_table": "suite.cases",
    "write_report": "report.page",
    "error_figure": "report.plots",
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
