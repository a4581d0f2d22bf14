"""verifier: check derivatives symbolically and numerically, with one comparator.

>>> import verifier
>>> verifier.differentiate("x^2 + 2x + 1").result
2*x + 2

The public API is re-exported here and imported lazily, so ``import verifier``
(and the ``verifier`` command) stays fast; nothing is defined in this file.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from verifier._package import Package

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
    "parse": "expr",
    "parse_with_warnings": "expr",
    "Parsed": "expr",
    "ParseLimits": "expr",
    # expression -> derivation
    "differentiate": "symbolic.rules",
    "gradient": "symbolic.rules",
    "Derivation": "symbolic.rules",
    "Derivatives": "symbolic.engine",
    "hessian": "symbolic.hessian",
    "Hessian": "symbolic.hessian",
    "Step": "symbolic.rules",
    "RULES": "symbolic.rules",
    "MISTAKES": "symbolic.mistakes",
    "Mistake": "symbolic.mistakes",
    "WrongDerivative": "symbolic.mistakes",
    "wrong_derivatives": "symbolic.mistakes",
    "render_steps": "symbolic.steps",
    "format_expr": "symbolic.steps",
    "derivation_to_dict": "symbolic.steps",
    # numbers
    "STENCILS": "numeric.stencils",
    "Stencil": "numeric.stencils",
    "h_grid": "numeric.stencils",
    "compile_function": "numeric.evaluate",
    "CompiledFunction": "numeric.evaluate",
    "finite_difference": "numeric.estimate",
    "estimate_derivative": "numeric.estimate",
    "Estimate": "numeric.estimate",
    "numeric_gradient": "numeric.estimate",
    "nditer_gradient": "numeric.estimate",
    "numeric_hessian": "numeric.hessian",
    "HessianEstimate": "numeric.hessian",
    # the reference and the judgement
    "exact_value": "reference",
    "exact_derivative": "reference",
    "crosscheck": "reference",
    "compare": "compare",
    "Comparison": "compare",
    "POLICY": "policy",
    "Verdict": "policy",
    # jobs
    "sweep": "sweep_api",
    "ErrorTable": "sweep",
    "ClaimCheck": "sweep",
    "TwoLayerNet": "network",
    "BACKPROP_BUGS": "network",
    "gradcheck": "gradcheck",
    "gradcheck_network": "gradcheck",
    "parameter_gradients": "gradcheck",
    "GradCheckResult": "gradcheck",
    "TensorCheck": "gradcheck",
    "descend": "descent",
    "DescentRun": "descent",
    "learning_rate_study": "descent",
    "compare_training": "descent",
    "check_answer": "homework.judge",
    "Grade": "homework.judge",
    "Counterexample": "homework.judge",
    "Problem": "homework.classroom",
    "grade_class": "homework.classroom",
    "load_problems": "homework.classroom",
    "read_submissions": "homework.classroom",
    "summarize_grades": "homework.classroom",
    "run_suite": "suite.run",
    "run_case": "suite.run",
    "SuiteResult": "suite.records",
    "CaseOutcome": "suite.records",
    "load_cases": "suite.cases",
    "Case": "suite.schema",
    "key_table": "suite.schema",
    # reports
    "write_sweep_report": "report.sweep",
    "write_suite_report": "report.suite",
    "write_grades": "report.grades",
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


# `verifier.sweep` is the function, whatever submodule was imported first (see _package.py)
sys.modules[__name__].__class__ = Package
