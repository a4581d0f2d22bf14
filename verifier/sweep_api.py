"""``verifier.sweep``: the sweep of an expression, its text, or a Python function.

:func:`sweep` takes what a notebook user has at hand and hands it to
:func:`verifier.sweep.sweep` (text or a sympy expression: exact reference by the rule
engine) or measures a Python callable itself.  A callable has no exact derivative, so its
reference is stated in the result (:attr:`ErrorTable.reference`): the derivative you pass
(``reference=``), or else the complex step at h = 1e-30 when the function accepts complex
numbers (numpy functions do; exact to rounding for real-analytic f, since it subtracts
nothing).  Points: ``at=`` (a number, numbers, or ``{"x0": 1, "x1": 3}`` mappings); a
number where the variable goes (``sweep("x^2", 1.3)``) is read as the point.

>>> t = sweep("x^2", at=1.3, methods=["central"])
>>> t.analysis["verdict"].tolist()
['pass']
>>> import numpy as np
>>> t = sweep(np.sin, at=[0.5, 1.0], methods=["central", "forward"])
>>> t.reference
'the complex step at h = 1e-30 (the function accepts complex numbers)'
>>> t.analysis["verdict"].tolist()
['pass', 'pass', 'pass', 'pass']
>>> sweep(abs, at=1.0, reference=lambda x: np.sign(x), methods=["central"]).passed
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from verifier.compare import compare
from verifier.errors import VerifierError
from verifier.numeric.estimate import estimate_derivative
from verifier.numeric.evaluate import CompiledFunction
from verifier.numeric.stencils import get_stencil, h_grid
from verifier.sweep import ANALYSIS_COLUMNS, DEFAULT_METHODS, ErrorTable
from verifier.sweep import sweep as sweep_expression
from verifier.sweep_fit import analysis_row, measure

__all__ = ["REFERENCE_STEP", "sweep"]

#: the complex step of a callable's reference: tiny, since nothing is subtracted
REFERENCE_STEP = 1e-30


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _points(at: Any) -> list[Any]:
    if _is_number(at) or isinstance(at, Mapping):
        return [at]
    if isinstance(at, np.ndarray):
        return [float(v) for v in at.ravel()]
    if isinstance(at, Sequence) and not isinstance(at, str):
        return list(at)
    raise TypeError(
        f"at= takes a number, a list of numbers or of mappings, not {type(at).__name__}"
    )


def sweep(
    f: Any,
    var: Any = None,
    points: Any = (1.0,),
    methods: Sequence[str] | None = None,
    h: Sequence[float] | np.ndarray | None = None,
    *,
    at: Any = None,
    reference: Callable[..., Any] | None = None,
    claimed: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    order: int = 1,
) -> ErrorTable:
    """Sweep ``f`` (text, a sympy expression or a Python callable of one variable) at ``at``.

    Positional use is the expression sweep's (``f, var, points, methods, h``); a
    number in ``var``'s place is the point.  See the module docstring.
    """
    if _is_number(var) or (
        isinstance(var, Sequence | np.ndarray)
        and not isinstance(var, str)
        and len(var)
        and all(_is_number(v) for v in var)
    ):
        if at is not None:
            raise TypeError("sweep(f, var, ...): var is a variable name; the point goes in at=")
        var, at = None, var
    if var is not None and not isinstance(var, str | Sequence):
        raise TypeError(
            f"sweep(f, var, ...): var must be a variable name like 'x', not {type(var).__name__}"
            "; give the point as at=1.3"
        )
    pts = _points(at) if at is not None else list(points)
    if isinstance(f, str | sympy.Expr):
        if reference is not None:
            raise TypeError("reference= is for Python functions; an expression's is exact")
        return sweep_expression(
            f, var, pts, methods, h, claimed=claimed, rtol=rtol, atol=atol, order=order
        )
    if not callable(f):
        raise VerifierError(
            f"cannot sweep an object of type {type(f).__name__}",
            hint="pass text ('exp(sin(x))'), a sympy expression or a Python function",
        )
    if order != 1:
        raise VerifierError(
            f"order = {order} needs an expression: a Python function is swept for f' only",
            hint="pass the function as text or a sympy expression",
        )
    if claimed is not None:
        raise TypeError("claimed= needs an exact derivative: sweep the expression instead")
    return _sweep_callable(f, pts, methods, h, reference, atol)


def _vectorised(f: Callable[..., Any], kind: type) -> Callable[[np.ndarray], np.ndarray]:
    def call(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # a scalar function (math.exp) given an array: one value at a time instead
            warnings.simplefilter("error", DeprecationWarning)
            try:
                y = np.asarray(f(x))
                if y.shape == np.shape(x):
                    return y
            except (TypeError, ValueError, DeprecationWarning):
                pass
            flat = [f(v) for v in np.ravel(x)]
            return np.asarray(flat, dtype=kind).reshape(np.shape(x))

    return call


def _compiled(f: Callable[..., Any], name: str, probe: float) -> CompiledFunction:
    complex_fn, why = None, ""
    try:
        with warnings.catch_warnings():  # a function that casts complex to real drops it
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            value = complex(_vectorised(f, complex)(np.asarray([probe + 1e-3j])).ravel()[0])
        complex_fn = _vectorised(f, complex) if value.imag != 0 else None
        why = "" if complex_fn else "the function drops the imaginary part"
    except (TypeError, ValueError, AttributeError, np.exceptions.ComplexWarning):
        why = "the function does not accept complex numbers"
    real = _vectorised(f, float)
    return CompiledFunction(sympy.Symbol(name), ("x",), real, complex_fn, why)


def _sweep_callable(
    f: Callable[..., Any],
    points: list[Any],
    methods: Sequence[str] | None,
    h: Any,
    reference: Callable[..., Any] | None,
    atol: float,
) -> ErrorTable:
    import pandas as pd

    if any(not _is_number(p) for p in points) or not points:
        raise VerifierError(
            "a Python function is swept at numbers (one variable)",
            hint="at=1.3 or at=[0.5, 1.0]; several variables: sweep an expression",
        )
    name = getattr(f, "__name__", "f")
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 1)
    cf = _compiled(f, name, float(pts[0, 0]))
    if reference is not None:
        ref = np.asarray(_vectorised(reference, float)(pts[:, 0]), dtype=np.float64)
        stated = "the reference derivative given (float64)"
    elif cf.complex_safe:
        ref = estimate_derivative(cf, pts, "complex_step", REFERENCE_STEP, var="x").value[:, 0]
        stated = (
            f"the complex step at h = {REFERENCE_STEP:g} (the function accepts complex numbers)"
        )
    else:
        raise VerifierError(
            f"{name} has no exact derivative to measure against ({cf.complex_reason})",
            hint="pass reference=<its derivative>, e.g. reference=np.cos for np.sin",
        )
    grid = h_grid() if h is None else np.asarray(h, dtype=np.float64).ravel()
    frames, rows = [], []
    for st in [get_stencil(m) for m in (methods or DEFAULT_METHODS)]:
        if st.complex and not cf.complex_safe:
            continue
        est = estimate_derivative(cf, pts, st, grid, var="x")
        cmp = compare(np.broadcast_to(ref[:, None], est.value.shape), est.value, atol=atol)
        for k, p in enumerate(pts[:, 0]):
            keep = np.isfinite(est.value[k]) & (est.h[k] > 0)
            hk, ek = est.h[k][keep], est.value[k][keep]
            abs_k, rel_k = cmp.abs_error[k][keep], cmp.rel_error[k][keep]
            frames.append(
                pd.DataFrame(
                    {"function": name, "variable": "x", "point": float(p), "method": st.name,
                     "h": hk, "estimate": ek, "exact": float(ref[k]), "abs_error": abs_k,
                     "rel_error": rel_k}
                )
            )  # fmt: skip
            row = analysis_row(name, "x", float(p), st)
            at_default = (math.nan, math.nan, math.nan)
            # the round-off model needs |f| and |f'|; the higher derivatives are unknown (NaN)
            mags = {0: abs(float(cf.real(np.asarray([p]))[0])), 1: abs(float(ref[k]))}
            measure(row, st, (hk, abs_k, rel_k), mags, at_default, int((~keep).sum()))
            rows.append(row)
    frame = pd.concat(frames, ignore_index=True)
    analysis = pd.DataFrame(rows, columns=list(ANALYSIS_COLUMNS))
    return ErrorTable(
        name, sympy.Symbol(name), ("x",), frame, analysis, None, grid, {}, reference=stated
    )
