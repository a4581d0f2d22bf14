"""Points and numbers as people read them: one point parser, one number formatter.

Every job turns user points into a float64 array with :func:`points_array` and prints
numbers with :func:`format_number` / points with :func:`format_point`, so a value reads the
same in the CLI, the reports, the grades and the error messages.

>>> points_array([{"x0": 1, "x1": 3}], ["x0", "x1"]).tolist()
[[1.0, 3.0]]
>>> format_point({"x0": 1.0, "x1": 3.0}, ["x0", "x1"])
'x0 = 1, x1 = 3'
>>> format_number(0.1 + 0.2), format_number(float("nan")), format_number(2.5e-13, digits=2)
('0.3', '-', '2.5e-13')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from verifier.errors import VerifierError
from verifier.i18n import _

__all__ = [
    "format_exact",
    "format_number",
    "format_point",
    "points_array",
    "records",
    "variables_of",
]


def format_number(value: Any, digits: int = 12) -> str:
    """A number for people: ``digits`` significant digits, no trailing ``.0``, ``-`` for NaN.

    Messages use 12 digits (what float64 round-off leaves meaningful in a difference
    quotient); compact tables use 2 or 3. Exact coordinates use :func:`format_exact`.

    >>> format_number(15.0), format_number(1 / 3), format_number(float("inf"))
    ('15', '0.333333333333', 'inf')
    >>> format_number("n/a")
    'n/a'
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    text = f"{v:.{digits}g}"
    return text


def format_exact(value: Any) -> str:
    """A point coordinate exactly as given (shortest repr that round-trips), ``1.0`` -> ``1``.

    >>> format_exact(0.1), format_exact(15.0), format_exact(2.5e-13)
    ('0.1', '15', '2.5e-13')
    """
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_point(point: Any, variables: Sequence[str] = ("x",)) -> str:
    """A point as the user would write it: ``x = 15`` or ``x0 = 1, x1 = 3``.

    >>> format_point(0.1), format_point({"x0": 1.0, "x1": 3.0}, ["x0", "x1"])
    ('x = 0.1', 'x0 = 1, x1 = 3')
    """
    if isinstance(point, Mapping):
        return ", ".join(f"{v} = {format_exact(point[v])}" for v in variables if v in point)
    arr = np.atleast_1d(np.asarray(point, dtype=np.float64))
    return ", ".join(f"{v} = {format_exact(a)}" for v, a in zip(variables, arr, strict=False))


def _as_float(value: Any, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise VerifierError(
            _("point value {value!r} for {where} is not a number").format(value=value, where=where),
            hint=_("use e.g. 1.3 or x0=1,x1=3"),
        ) from None
    if not math.isfinite(v):
        raise VerifierError(
            _("point value {value!r} for {where} is not finite").format(value=value, where=where)
        )
    return v


def points_array(points: Any, variables: Sequence[str]) -> np.ndarray:
    """Points as a float64 array of shape (n, len(variables)).

    Accepts a number, a sequence of numbers (one variable), a mapping
    ``{"x0": 1, "x1": 3}``, a sequence of mappings, or an (n, m) array.

    >>> points_array([1, 2], ["x"]).tolist()
    [[1.0], [2.0]]
    >>> points_array({"x1": 3, "x0": 1}, ["x0", "x1"]).tolist()
    [[1.0, 3.0]]
    """
    variables = tuple(variables)
    m = len(variables)
    if isinstance(points, Mapping):
        points = [points]
    if isinstance(points, np.ndarray) and points.dtype != object:
        arr = points.astype(np.float64)
        arr = arr.reshape(-1, 1) if arr.ndim <= 1 and m == 1 else np.atleast_2d(arr)
    elif np.ndim(points) == 0 and not isinstance(points, Mapping):
        arr = np.array([[_as_float(points, variables[0])]]) if m == 1 else None
        if arr is None:
            raise VerifierError(
                _("one number cannot be a point of ({items})").format(items=", ".join(variables)),
                hint=_("give a mapping such as x0=1,x1=3"),
            )
    else:
        rows = []
        for p in points:
            if isinstance(p, Mapping):
                extra = sorted(set(map(str, p)) - set(variables))
                missing = [v for v in variables if v not in p]
                if missing or extra:
                    raise VerifierError(
                        _("point {dict} does not match the variables ({items})").format(
                            dict=dict(p), items=", ".join(variables)
                        ),
                        hint=_("name every variable once, e.g. x0=1,x1=3"),
                    )
                rows.append([_as_float(p[v], v) for v in variables])
            elif np.ndim(p) == 0:
                if m != 1:
                    raise VerifierError(
                        _("point {p!r} is one number but there are {m} variables").format(p=p, m=m),
                        hint=_("give a mapping such as x0=1,x1=3"),
                    )
                rows.append([_as_float(p, variables[0])])
            else:
                vals = [_as_float(a, "point") for a in p]
                if len(vals) != m:
                    raise VerifierError(
                        _("point {list} needs {m} coordinates").format(list=list(p), m=m)
                    )
                rows.append(vals)
        arr = np.array(rows, dtype=np.float64).reshape(-1, m)
    if arr.shape[1] != m:
        raise VerifierError(
            _("points have {shape} coordinates but there are {m} variables").format(
                shape=arr.shape[1], m=m
            )
        )
    if not np.all(np.isfinite(arr)):
        raise VerifierError(_("points must be finite numbers"))
    return arr


def variables_of(expr: sympy.Expr, variables: Sequence[str] | str | None = None) -> tuple[str, ...]:
    """The variable names: ``variables`` as given, else the expression's symbols by name, sorted.

    >>> variables_of(sympy.Symbol("y") + sympy.Symbol("x"))
    ('x', 'y')
    >>> variables_of(sympy.Integer(3)), variables_of(sympy.Symbol("x"), "t")
    (('x',), ('t',))
    """
    if variables is None:
        names = sorted(s.name for s in expr.free_symbols if isinstance(s, sympy.Symbol))
        return tuple(names) if names else ("x",)
    if isinstance(variables, str):
        return (variables,)
    return tuple(str(v) for v in variables)


def records(frame: Any) -> list[dict[str, Any]]:
    """A table's rows as dicts of Python values: ``frame.to_dict("records")``, made cheaply.

    pandas builds each row through one column lookup per column and row; this converts the
    whole table once (what per-point judging and drawing loops over).

    >>> import pandas as pd
    >>> records(pd.DataFrame({"method": ["central"], "rel_error": [1e-9], "n": [3]}))
    [{'method': 'central', 'rel_error': 1e-09, 'n': 3}]
    """
    columns = list(frame.columns)
    if not len(columns):
        return [{} for _ in range(len(frame))]
    return [dict(zip(columns, row, strict=True)) for row in frame.to_numpy(dtype=object).tolist()]
