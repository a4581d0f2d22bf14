"""What a case's values must satisfy beyond their types: ranges, sizes, cross-key rules.

:func:`check_semantics` and :func:`parse_check` return ``(key, message)`` for the first rule
a case breaks (None when it keeps them all); :mod:`verifier.suite.cases` turns that into a
``file:line`` error naming the case and the key.  Sizes are capped here (points, steps,
network work, order) so that a case file cannot ask for unbounded work.
"""

from __future__ import annotations

import math
import re
from typing import Any

from verifier.errors import VerifierError
from verifier.limits import MAX_ORDER
from verifier.suite.schema import (
    MAX_BATCH,
    MAX_NETWORK_PARAMS,
    MAX_NETWORK_WORK,
    MAX_PER_DECADE,
    MAX_POINTS,
    MAX_STEPS,
)

__all__ = ["check_semantics", "parse_check"]

_NAME = re.compile(r"^[A-Za-z\u0370-\u03ff][A-Za-z0-9_\u0370-\u03ff]*$")
_MODE = re.compile(r"^(full|fast|nditer|sample=[1-9][0-9]*)$")


def _check_numeric(values: dict[str, Any], kind: str) -> tuple[str, str] | None:
    names = values.get("variable" if kind == "derivative" else "variables")
    for name in [names] if isinstance(names, str) else names or ():
        if not _NAME.match(name):
            key = "variable" if kind == "derivative" else "variables"
            return key, f"{name!r} is not a variable name (a letter, then letters/digits)"
    if not values.get("methods"):
        return "methods", "at least one method is needed"
    if values["h_min"] <= 0 or values["h_max"] <= values["h_min"]:
        return "h_max", "need 0 < h_min < h_max"
    if not 1 <= values["per_decade"] <= MAX_PER_DECADE:
        return "per_decade", f"need 1 to {MAX_PER_DECADE} steps per decade"
    h = values.get("h")
    if h is not None and len(h) > MAX_STEPS:
        return "h", f"at most {MAX_STEPS} explicit steps"
    if h is not None and not h:
        return "h", "at least one step is needed (or leave h out for the sweep's range)"
    steps = values["per_decade"] * math.log10(values["h_max"] / values["h_min"]) + 1
    if h is None and steps > MAX_STEPS:
        return "per_decade", (
            f"h_min..h_max at per_decade gives {steps:,.0f} steps, more than {MAX_STEPS}"
        )
    if h is not None and any(step <= 0 for step in h):
        return "h", "every step must be > 0"
    if values["rtol"] < 0 or values["atol"] < 0:
        return "rtol", "tolerances must be >= 0"
    return None


def check_semantics(values: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """Cross-key rules a type check cannot see; returns (key, message) or None."""
    if kind in ("derivative", "gradient"):
        problem = _check_numeric(values, kind)
        if problem:
            return problem
    if kind in ("derivative", "homework") and not 1 <= values["order"] <= MAX_ORDER:
        return "order", f"the order is a whole number from 1 to {MAX_ORDER} (2: f'')"
    pts = values.get("points")
    if pts is not None and len(pts) > MAX_POINTS:
        return "points", f"{len(pts)} points, more than {MAX_POINTS}: split the case"
    if kind == "derivative":
        if not values["points"]:
            return "points", "at least one point is needed"
        if problem := _check_order(values):
            return problem
        est = values.get("estimates")
        if est and (values.get("h") is None or len(values["h"]) != 1):
            return "estimates", "estimates need exactly one explicit step, e.g. h = 0.1"
        bad = [m for m in est or () if m not in values["methods"]]
        if bad:
            return "estimates", f"{bad[0]!r} is not one of this case's methods"
    if kind == "gradient":
        if (values.get("point") is None) == (values.get("points") is None):
            return "point", "give exactly one of point = {...} or points = [{...}, ...]"
        pts = values.get("points") or (values["point"],)
        names = list(values.get("variables") or pts[0])
        for p in pts:
            if sorted(p) != sorted(names):
                return "point", f"point {p} must give exactly the variables {names}"
        for k in ("claimed", "expected"):
            extra = sorted(set(values.get(k) or {}) - set(names))
            if extra:
                return k, f"{extra[0]!r} is not one of the variables {names}"
    if kind == "network":
        return _check_network(values)
    if kind == "hessian":
        return _check_hessian(values)
    return None


def _check_order(values: dict[str, Any]) -> tuple[str, str] | None:
    """The stencils of the case's derivative order; the default methods become that order's."""
    from verifier.numeric.stencils import STENCILS, stencils_for

    order = values["order"]
    if order == 1:
        return None
    if not stencils_for(order):
        return "order", f"no stencil estimates the derivative of order {order} (orders 1 to 3)"
    if tuple(values["methods"]) == stencils_for(1):  # the default: this order's stencils
        values["methods"] = stencils_for(order)
    bad = [m for m in values["methods"] if STENCILS[m].mixed or STENCILS[m].derivative != order]
    if bad:
        return "methods", f"{bad[0]!r} does not estimate the derivative of order {order}"
    return None


def _check_hessian(values: dict[str, Any]) -> tuple[str, str] | None:
    if (values.get("point") is None) == (values.get("points") is None):
        return "point", "give exactly one of point = {...} or points = [{...}, ...]"
    pts = values.get("points") or (values["point"],)
    names = list(values.get("variables") or pts[0])
    if len(names) < 1 or any(not _NAME.match(n) for n in names):
        return "variables", f"{names} are not variable names"
    for p in pts:
        if sorted(p) != sorted(names):
            return "point", f"point {p} must give exactly the variables {names}"
    for key in values.get("claimed") or {}:
        pair = [k.strip() for k in key.split(",")]
        if len(pair) != 2 or any(k not in names for k in pair):
            return "claimed", f'{key!r} is not a pair of the variables {names}, e.g. "x,y"'
    if values.get("h") is not None and not values["h"] > 0:
        return "h", "the step must be > 0"
    return None


def _check_network(values: dict[str, Any]) -> tuple[str, str] | None:
    sizes = values["sizes"]
    if len(sizes) != 3 or min(sizes) < 1:
        return "sizes", "expected three positive layer sizes [input, hidden, output]"
    d, hidden, c = sizes
    if d * hidden + hidden + hidden * c + c > MAX_NETWORK_PARAMS:
        return "sizes", f"more than {MAX_NETWORK_PARAMS:,} parameters"
    if not 1 <= values["batch"] <= MAX_BATCH:
        return "batch", f"the batch needs 1 to {MAX_BATCH:,} examples"
    if not _MODE.match(values["mode"]):
        return "mode", f"{values['mode']!r} is not full, fast, nditer or sample=K"
    params = d * hidden + hidden + hidden * c + c
    mode = values["mode"]
    estimated = {"full": params, "nditer": 10 * params, "fast": 100}.get(mode)
    work = params * values["batch"] * (estimated or int(mode.split("=")[1]))
    if work > MAX_NETWORK_WORK:
        return "mode", (
            f"{params:,} parameters x batch {values['batch']:,} in mode {mode!r} is about "
            f"{work:.1e} operations, more than {MAX_NETWORK_WORK:.0e}"
        )
    if values["h"] <= 0:
        return "h", "the step must be > 0"
    if values.get("bug") is not None:
        from verifier.network import BACKPROP_BUGS

        if values["bug"] not in BACKPROP_BUGS:
            return "bug", f"{values['bug']!r} is not one of {', '.join(BACKPROP_BUGS)}"
    return None


def parse_check(values: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """Parse the case's expressions now, so a typo is reported with file, case and key."""
    if kind not in ("derivative", "gradient", "hessian"):
        return None  # homework answers may be invalid on purpose; the grader judges them
    from verifier.expr import parse

    if kind == "derivative":
        variables: list[str] = [values["variable"]]
        claims = [values["claimed"]] if values.get("claimed") is not None else []
    else:
        pts = values.get("points") or (values["point"],)
        variables = list(values.get("variables") or pts[0])
        claims = list((values.get("claimed") or {}).values())
    for key, text in [("function", values["function"])] + [("claimed", t) for t in claims]:
        try:
            parse(text, variables)
        except VerifierError as exc:
            return key, f"cannot read {text!r}: {exc}"
        except Exception as exc:  # a parser bug must not stop the other files
            return key, f"cannot read {text!r}: the parser failed ({type(exc).__name__}: {exc})"
    return None


# --------------------------------------------------------------------------- loading
