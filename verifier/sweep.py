"""Error-vs-h sweeps: every stencil at every step, measured against the exact reference.

:func:`sweep` estimates f' with each stencil over a grid of steps (``h_grid()``), measures
each estimate against :mod:`verifier.reference` with the one comparator, and maps each
(point, variable, method) to an ``analysis`` row: best step and error, the error model's
prediction, the default step's error, and :func:`verifier.policy.judge_order`'s judgement
(``verdict``, ``rule``, ``flag``, ``diagnosis``).  A ``claimed`` derivative is judged exactly
by :func:`verifier.policy.judge_derivative` (as homework ``check`` does), the numeric estimate
beside it as evidence.  Files and figures: :mod:`verifier.report.sweep`.

>>> t = sweep("x^2 + 2x + 1", points=[15.0], h=[0.1], methods=["forward", "backward", "central"])
>>> t.frame[["method", "estimate"]].round(9).values.tolist()
[['forward', 32.1], ['backward', 31.9], ['central', 32.0]]
>>> t.analysis.set_index("method").loc["central", ["flag", "verdict"]].tolist()
['exact', 'pass']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from verifier import reference
from verifier.compare import compare
from verifier.errors import DomainError, VerifierError
from verifier.i18n import N_, _
from verifier.numeric.estimate import column_frame, estimate_derivative
from verifier.numeric.evaluate import compile_function
from verifier.numeric.stencils import Stencil, get_stencil, h_grid, stencils_for
from verifier.points import format_number, format_point, points_array
from verifier.policy import combine_verdicts, derivative_comparison, judge_derivative
from verifier.sweep_fit import (
    ANALYSIS_COLUMNS,
    DOMAIN,
    SKIPPED,
    analysis_row,
    measure,
    order_text,
    reliable_best,
)
from verifier.symbolic.steps import derivatives_latex

__all__ = [
    "ANALYSIS_COLUMNS",
    "CLAIM_COLUMNS",
    "COLUMNS_NOTE",
    "ClaimCheck",
    "DEFAULT_METHODS",
    "ErrorTable",
    "FRAME_COLUMNS",
    "reliable_best",
    "sweep",
]

DEFAULT_METHODS: tuple[str, ...] = stencils_for(1)
_KEY = ("function", "variable", "point", "method")
FRAME_COLUMNS = (*_KEY, "h", "estimate", "exact", "abs_error", "rel_error")
_CLAIM_KEY = ("point", "point_label", "variable", "claimed_expr")
_EXACT = ("claimed", "rule_engine", "rel_error", "verdict", "rule", "agrees")
_EVIDENCE = ("numeric", "method", "h", "rel_error_vs_claim", "rel_error_vs_exact")
CLAIM_COLUMNS = (*_CLAIM_KEY, *_EXACT, *_EVIDENCE, "closest_to_claim", "numeric_agrees", "note")
#: (summary column, analysis column) of the numbers the summary shows with 2 digits
_SUMMARY_NUMBERS = (
    ("min_h", "min_h"),
    ("min_error", "min_error"),
    ("reliable_h", "reliable_h"),
    ("reliable_error", "reliable_error"),
    ("model_h", "theoretical_best_h"),
    ("model_error", "theoretical_best_error"),
    ("default_h_error", "error_at_default_h"),
)
#: how to read the summary's step and error columns (printed under the table)
COLUMNS_NOTE = N_(
    "columns: min_error = the smallest error measured, at step min_h; reliable_error = the "
    "smallest error that the neighbouring steps on the grid also stay below, at reliable_h "
    "(a lucky cancellation at one step is not a step to rely on); model_h, model_error = "
    "the error model's best step and error; the verdict reads the fitted order, not these"
)


@dataclass(frozen=True, eq=False)
class ClaimCheck:
    """A claimed derivative judged exactly, with the numeric estimate as independent evidence.

    ``frame`` (:data:`CLAIM_COLUMNS`), one row per (point, variable): claimed and rule engine
    value (exact, shown rounded), ``verdict``/``rule`` of :func:`verifier.policy.judge_derivative`
    (``agrees``: it passed); the evidence: the numeric estimate, its distances to claim and
    rule engine, ``numeric_agrees`` (within ``rtol`` of the claim).
    """

    claimed: dict[str, sympy.Expr]
    frame: Any
    rtol: float
    order: int = 1

    @property
    def verdict(self) -> str:
        """``fail`` if any row fails, else ``pass`` (``inconclusive`` with no rows)."""
        return combine_verdicts(list(self.frame["verdict"]))

    @property
    def passed(self) -> bool:
        """Every (point, variable) claim matches the exact derivative."""
        return self.verdict == "pass"

    def summary(self) -> str:
        """One line per (point, variable): the exact verdict, then the numeric evidence."""
        lines = []
        for r in self.frame.itertuples(index=False):
            verdict = "agrees" if r.agrees else "MISMATCH"
            lines.append(
                f"claim {operator(r.variable, self.order)} = {r.claimed_expr} at {r.point_label}: {verdict} "
                f"(claimed {format_number(r.claimed)}, rule engine {format_number(r.rule_engine)}"
                f", relative difference {format_number(r.rel_error, 2)}; numeric "
                f"{format_number(r.numeric)} by {r.method}, rel. distance to the claim "
                f"{format_number(r.rel_error_vs_claim, 3)}, to the rule engine "
                f"{format_number(r.rel_error_vs_exact, 3)})" + (f": {r.note}" if r.note else "")
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """The claim rows (a pandas DataFrame)."""
        return self.frame


@dataclass(frozen=True, eq=False)
class ErrorTable:
    """The result of :func:`sweep`: a tidy error table, its analysis, and the claim check.

    ``frame`` (:data:`FRAME_COLUMNS`): one row per estimate (``exact`` rounded to float64, the
    errors computed against the high-precision value).  ``analysis``
    (:data:`ANALYSIS_COLUMNS`): one row per (point, variable, method).
    """

    function: str
    expr: sympy.Expr
    variables: tuple[str, ...]
    frame: Any
    analysis: Any
    claim: ClaimCheck | None = None
    steps: np.ndarray = field(default_factory=h_grid)
    derivatives: dict[str, sympy.Expr] = field(default_factory=dict)
    order: int = 1
    reference: str = ""  # what the errors are measured against, when not the rule engine

    # -- verdict ---------------------------------------------------------------------------
    @property
    def verdict(self) -> str:
        """Analysis and claim rows combined: any fail fails, else any pass passes."""
        claim = [] if self.claim is None else list(self.claim.frame["verdict"])
        return combine_verdicts(list(self.analysis["verdict"]) + claim)

    @property
    def passed(self) -> bool:
        """The verdict is ``pass``: nothing fails and something was verified."""
        return self.verdict == "pass"

    @property
    def diagnoses(self) -> list[str]:
        """Human sentences for every flagged row (except the plain "exact")."""
        a = self.analysis
        rows = a[(a["diagnosis"] != "") & (a["flag"] != "exact")]
        said = [
            f"{r.point} {operator(r.variable, self.order)}"
            f"{'' if r.flag == 'domain' else ' ' + r.method}: {r.diagnosis}"
            for r in rows.itertuples(index=False)
        ]
        return list(dict.fromkeys(said))

    def to_frame(self) -> Any:
        """The tidy error table (a pandas DataFrame)."""
        return self.frame

    # -- text ------------------------------------------------------------------------------
    def summary_frame(self) -> Any:
        """The compact per-method view printed by the CLI."""
        a = self.analysis
        out = a[["point", "variable", "method"]].copy()
        for col, src in _SUMMARY_NUMBERS:
            out[col] = [format_number(v, 2) for v in a[src]]
        orders = [order_text(r.exact, r.observed_order, r.expected_order) for r in a.itertuples()]
        out.insert(7, "order", orders)  # after reliable_error
        return out.assign(flag=a["flag"], verdict=a["verdict"])

    def summary(self) -> str:
        """Compact text: per method best h, best error, observed / expected order, flags."""
        derivs = ", ".join(f"{operator(v, self.order)} = {d}" for v, d in self.derivatives.items())
        head = f"f = {self.function}   ({self.reference or derivs + '; rule engine, mpmath 30 digits'})"
        lines = [head, self.summary_frame().to_string(index=False), _(COLUMNS_NOTE)]
        lines += [f"note: {d}" for d in self.diagnoses]
        if self.claim is not None:
            lines.append(self.claim.summary())
        lines.append({"pass": "passed", "fail": "FAILED"}.get(self.verdict, "inconclusive"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        verdict = {"pass": "passed", "fail": "FAILED"}.get(self.verdict, "inconclusive")
        head = f"<p><b>f = {html.escape(self.function)}</b>: {verdict}</p>"
        return head + self.summary_frame().to_html(index=False)

    def _repr_latex_(self) -> str:  # notebooks: f, its derivatives and the verdict, as math
        return derivatives_latex(self.expr, self.derivatives, self.verdict)


# ----------------------------------------------------------------------------- the sweep


def operator(var: str, order: int = 1) -> str:
    """``d/dx``, ``d^2/dx^2``: the derivative a sweep studies.

    >>> operator("x"), operator("y", 3)
    ('d/dx', 'd^3/dy^3')
    """
    return f"d/d{var}" if order == 1 else f"d^{order}/d{var}^{order}"


def _methods(methods: Sequence[str] | None, order: int) -> list[Stencil]:
    """The stencils of a sweep of the ``order``-th derivative (by default all that estimate it)."""
    from verifier.symbolic.engine import pass_variables

    pass_variables("x", order)  # the one check that an order is a whole number >= 1
    default = stencils_for(order)
    if methods is None and not default:
        raise VerifierError(
            f"no stencil estimates the derivative of order {order}",
            hint="stencils exist for orders 1, 2 and 3",
        )
    stencils = [get_stencil(m) for m in (methods or default)]
    if bad := [st.name for st in stencils if st.mixed or st.derivative != order]:
        raise VerifierError(
            f"method {', '.join(bad)} does not estimate the derivative of order {order}",
            hint="for this order use: " + (", ".join(default) or "none"),
        )
    return stencils


def _resolve(
    expr: sympy.Expr | str, var: str | Sequence[str] | None, points: Any
) -> tuple[sympy.Expr, str, tuple[str, ...], tuple[str, ...]]:
    """(expression, display text, all variables, variables to differentiate by)."""
    from verifier.expr import parse

    seq = isinstance(points, Sequence) and points and not isinstance(points, str)
    first = points[0] if seq else points
    study = None if var is None else (var,) if isinstance(var, str) else tuple(var)
    names = tuple(str(k) for k in first) if isinstance(first, Mapping) else study
    if isinstance(expr, str):
        e, text = parse(expr, variables=list(names) if names else None), expr
    elif isinstance(expr, sympy.Expr):
        e, text = expr, str(expr)
    else:
        raise VerifierError(
            f"cannot sweep an object of type {type(expr).__name__}",
            hint="pass the text of a function, e.g. 'exp(sin(x))'",
        )
    free = sorted(s.name for s in e.free_symbols if isinstance(s, sympy.Symbol))
    names = names or tuple(free) or ("x",)
    if extra := [s for s in free if s not in names]:
        raise VerifierError(
            f"{text} uses {', '.join(extra)} but the point gives only {', '.join(names)}",
            hint="give every variable a value, e.g. --at x0=1,x1=3",
        )
    study = study or names
    if bad := [v for v in study if v not in names]:
        raise VerifierError(f"variable {', '.join(bad)} is not among ({', '.join(names)})")
    return e, text, names, study


def _claims(claimed: Any, study: tuple[str, ...], names: tuple[str, ...]) -> dict[str, sympy.Expr]:
    from verifier.expr import parse

    if not isinstance(claimed, Mapping) and len(study) != 1:
        raise VerifierError(
            "a single claimed derivative needs a single variable",
            hint="give a mapping {variable: derivative} or choose --var",
        )
    out = {}
    for v, c in (claimed if isinstance(claimed, Mapping) else {study[0]: claimed}).items():
        if v not in study:
            raise VerifierError(f"claimed derivative for {v!r}, which is not being studied")
        if isinstance(c, bool) or not isinstance(c, (str, int, float, sympy.Expr)):
            raise VerifierError(f"claimed derivative must be text or an expression, not {c!r}")
        if isinstance(c, str):
            out[v] = parse(c, variables=list(names))
        elif isinstance(c, sympy.Expr):
            out[v] = c
        else:  # a number: exact for an int, the float's own value otherwise
            out[v] = sympy.Integer(c) if isinstance(c, int) else sympy.Float(c)
    return out


def sweep(
    expr: sympy.Expr | str,
    var: str | Sequence[str] | None = None,
    points: Any = (1.0,),
    methods: Sequence[str] | None = None,
    h: Sequence[float] | np.ndarray | None = None,
    *,
    claimed: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    order: int = 1,
) -> ErrorTable:
    """Sweep every method over the step grid at every point; judge each curve; check a claim.

    ``points``: numbers (one variable) or mappings ``{"x0": 1, "x1": 3}``.  A point where f
    or f' is undefined is a failing ``domain`` row (the other points go on).  ``claimed``
    (text, expression, or a mapping per variable) is judged exactly; ``rtol``/``atol`` only
    say whether the numeric estimate (the evidence) agrees with it.  ``order=n`` sweeps the
    n-th derivative (claims are then of f^(n)) with the stencils that estimate it.

    >>> t = sweep("x0^2 + x1^2", points=[{"x0": 1, "x1": 3}], methods=["central"], h=[1e-5])
    >>> t.frame["estimate"].round(6).tolist()
    [2.0, 6.0]
    >>> sweep("x^2", points=[1.0], claimed="2x + 1e-9").claim.verdict
    'fail'
    >>> t = sweep("x^4", points=[1.0], order=2, methods=["second_central"], h=[1e-2, 1e-3])
    >>> t.frame["estimate"].round(4).tolist(), t.derivatives  # 12 + 2h^2 (h^2 f^(4) / 12)
    ([12.0002, 12.0], {'x': 12*x**2})
    """
    import pandas as pd

    e, text, names, study = _resolve(expr, var, points)
    pts = points_array(points, names)
    if not len(pts):
        raise VerifierError("no points to sweep", hint="give at least one --at")
    grid = h_grid() if h is None else np.asarray(h, dtype=np.float64).ravel()
    if grid.size == 0 or np.any(~np.isfinite(grid)) or np.any(grid <= 0):
        raise VerifierError("steps h must be positive finite numbers")
    stencils = _methods(methods, order)
    claims = _claims(claimed, study, names) if claimed is not None else None
    cf = compile_function(e, names)
    extra = () if order == 1 else (order,)
    derivs = {v: reference.derivative(e, v, *extra) for v in study}
    # |f^(k)| the error models need: f, f', the derivative itself, each truncation derivative
    ks = sorted({0, 1, 2, 3, 5, order, *(st.truncation_derivative for st in stencils)})
    coords = [dict(zip(names, (float(a) for a in row), strict=True)) for row in pts]
    labels = [c[names[0]] if len(names) == 1 else format_point(c, names) for c in coords]
    frames: list[Any] = []
    rows: list[dict[str, Any]] = []
    refs: dict[tuple[int, str], Any] = {}  # (point index, variable) -> exact f'
    estimates: dict[tuple[int, str], list[np.ndarray]] = {}
    for v in study:
        mags: dict[int, dict[int, float]] = {}
        for i, c in enumerate(coords):
            try:
                refs[(i, v)] = reference.exact_derivative(
                    e, v, c, variables=names, derivative=derivs[v]
                )
            except DomainError as exc:
                rows.append(analysis_row(text, v, labels[i], None, diagnosis=exc.message, **DOMAIN))
                continue
            mags[i] = reference.derivative_magnitudes(e, v, c, ks, variables=names)
            # the round-off term uses the size of f's terms (cancellation in f itself counts)
            mags[i][0] = max(mags[i][0], reference.roundoff_scale(e, c, variables=names))
        if not (ok := sorted(mags)):
            continue
        sub, ref = pts[ok], np.array([refs[(i, v)] for i in ok], dtype=object)
        for st in stencils:
            if st.complex and not cf.complex_safe:
                why = f"complex step skipped: {cf.complex_reason}"
                rows += [analysis_row(text, v, labels[i], st, diagnosis=why, **SKIPPED) for i in ok]
                continue
            # every step and the default step (last column), every point: ONE evaluation
            default_h = st.default_h(sub[:, names.index(v)]).reshape(-1, 1)
            hh = np.concatenate([np.broadcast_to(grid, (len(ok), grid.size)), default_h], axis=1)
            est = estimate_derivative(cf, sub, st, hh, var=v)
            cmp = compare(np.broadcast_to(ref[:, None], est.value.shape), est.value, atol=atol)
            for k, i in enumerate(ok):
                hk, ek = est.h[k, :-1], est.value[k, :-1]
                keep = np.isfinite(ek) & (hk > 0)
                hk, ek = hk[keep], ek[keep]
                abs_k, rel_k = cmp.abs_error[k, :-1][keep], cmp.rel_error[k, :-1][keep]
                values = (text, v, [labels[i]] * len(hk), st.name, hk, ek, float(ref[k]))
                frames.append(dict(zip(FRAME_COLUMNS, (*values, abs_k, rel_k), strict=True)))
                estimates.setdefault((i, v), []).append(ek)
                at_default = (est.h[k, -1], est.value[k, -1], cmp.abs_error[k, -1])
                row = analysis_row(text, v, labels[i], st)
                measure(row, st, (hk, abs_k, rel_k), mags[i], at_default, int((~keep).sum()))
                rows.append(row)
    if not frames and rows and all(r["flag"] == "domain" for r in rows):
        # nothing could be measured anywhere: that is bad input, not a result
        raise DomainError(
            "; ".join(dict.fromkeys(r["diagnosis"] for r in rows)),
            point=list(labels),
            hint="choose points where f and f' are defined and finite",
        )
    frame = column_frame(frames, FRAME_COLUMNS, repeated=(*_KEY[:2], _KEY[3], "exact"))
    # point order as given, then variable, then method order (rows are made per variable)
    rows.sort(key=lambda r: (labels.index(r["point"]), study.index(r["variable"])))
    analysis = pd.DataFrame(rows, columns=list(ANALYSIS_COLUMNS))
    claim = None
    if claims is not None:
        claim = _check_claim(claims, cf, coords, labels, refs, estimates, rtol, atol, order)
    return ErrorTable(text, e, names, frame, analysis, claim, grid, derivs, order)


def _check_claim(
    claims: dict[str, sympy.Expr],
    cf: Any,
    coords: list[dict[str, float]],
    labels: list[Any],
    refs: dict[tuple[int, str], Any],
    estimates: dict[tuple[int, str], list[np.ndarray]],
    rtol: float,
    atol: float,
    order: int = 1,
) -> ClaimCheck:
    """Each claim judged exactly (the ``derivative`` policy row), the numeric estimate beside."""
    import pandas as pd

    # the estimate a user without the answer trusts most, at its default step
    method = "complex_step" if cf.complex_safe else "five_point"
    if order > 1:  # the highest-order stencil of that derivative
        method = max(stencils_for(order), key=lambda m: get_stencil(m).order)
    names = cf.variables
    recs = []
    for (i, v), ref in refs.items():
        if v not in claims:
            continue
        c, at = claims[v], coords[i]
        est = estimate_derivative(cf, [at], method, None, var=v)
        numeric = float(est.value[0, 0])
        rec = dict.fromkeys(CLAIM_COLUMNS, math.nan) | {
            "point": labels[i],
            "point_label": format_point(at, names),
            "variable": v,
            "claimed_expr": str(c),
            "rule_engine": float(ref),
            "numeric": numeric,
            "method": method,
            "h": float(est.h[0, 0]),
            "rel_error_vs_exact": float(compare([ref], [numeric], atol=atol).rel_error[0]),
        }
        try:
            cv = reference.exact_value(c, at, variables=names, what="claimed " + "f" + "'" * order)
        except DomainError as exc:
            inf = dict.fromkeys(("rel_error", "rel_error_vs_claim", "closest_to_claim"), math.inf)
            rec.update(verdict="fail", rule="domain", agrees=False, numeric_agrees=False)
            recs.append(rec | inf | {"note": exc.message})
            continue
        judged = judge_derivative(ref, cv)
        vs_claim = compare([cv], [numeric], rtol=rtol, atol=atol)
        every = np.concatenate([*estimates.get((i, v), []), [numeric]])
        closest = compare(np.full(every.shape, cv, dtype=object), every, atol=atol).rel_error
        why = (
            f"the numeric estimate agrees with the claim within rtol {rtol:g}: a difference "
            "this small is below what finite differences resolve"
            if vs_claim.ok
            else "the estimates converge to the rule engine's value, not to the claim"
        )
        rec.update(
            claimed=float(cv),
            rel_error=float(derivative_comparison([ref], [cv]).rel_error[0]),
            verdict=judged.verdict,
            rule=judged.rule,
            agrees=judged.passed,
            rel_error_vs_claim=float(vs_claim.rel_error[0]),
            closest_to_claim=float(np.nanmin(closest)),
            numeric_agrees=bool(vs_claim.ok),
            note="" if judged.passed else f"{judged.reason}; {why}",
        )
        recs.append(rec)
    # point order as given, then the claims' variable order
    recs.sort(key=lambda r: (labels.index(r["point"]), list(claims).index(r["variable"])))
    return ClaimCheck(dict(claims), pd.DataFrame(recs, columns=list(CLAIM_COLUMNS)), rtol, order)
