"""Error-vs-h sweeps: every stencil at every step, judged by convergence.

:func:`sweep` estimates f' with each stencil over a grid of steps (default
10^-1 ... 10^-15, two per decade, 29 values), measures each estimate against the
exact reference (the rule engine's derivative in mpmath, at the exact float64
point) with the one comparator, and analyses each (point, variable, method):

* best h / best error (the oracle: it needs the answer),
* observed order: the least-squares slope of log10(error) against log10(h) on
  the truncation-dominated side (see :func:`fit_window`),
* the error model's best h and best error (:mod:`verifier.numeric.stencils`), the grid
  step nearest that prediction and the method's default step, with the errors a
  user without the answer would get there,
* a flag: ``exact`` (no slope to fit), ``order`` / ``breakdown`` (the observed
  order disagrees with theory), ``domain`` (f or f' undefined at the point),
  ``skipped`` (complex step not safe), ``higher_order`` (leading term vanishes).

>>> t = sweep("x^2 + 2x + 1", points=[15.0], h=[0.1], methods=["forward", "backward", "central"])
>>> t.frame[["method", "estimate"]].round(9).values.tolist()
[['forward', 32.1], ['backward', 31.9], ['central', 32.0]]
>>> t.analysis.set_index("method").loc["central", "flag"]
'exact'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from verifier.compare import compare
from verifier.errors import DomainError, VerifierError
from verifier.files import write_atomic
from verifier.numeric.estimate import (
    compile_function,
    derivative_magnitudes,
    estimate_derivative,
    exact_derivative,
    exact_value,
    format_point,
    points_array,
    roundoff_scale,
)
from verifier.report.plots import error_figure, figure_bytes
from verifier.numeric.stencils import EPS, Stencil, get_stencil

__all__ = [
    "ClaimCheck",
    "ErrorTable",
    "FAILING_FLAGS",
    "fit_window",
    "h_grid",
    "reliable_best",
    "sweep",
]

DEFAULT_METHODS: tuple[str, ...] = ("forward", "backward", "central", "five_point", "complex_step")
FRAME_COLUMNS = (
    "function",
    "variable",
    "point",
    "method",
    "h",
    "estimate",
    "exact",
    "abs_error",
    "rel_error",
)
ANALYSIS_COLUMNS = (
    "function",
    "variable",
    "point",
    "method",
    "expected_order",
    "observed_order",
    "exact",
    "best_h",
    "best_error",
    "min_rel_error",
    "theoretical_best_h",
    "theoretical_best_error",
    "predicted_h",
    "error_at_predicted_h",
    "default_h",
    "estimate_at_default_h",
    "error_at_default_h",
    "flag",
    "diagnosis",
)
#: flags that make a sweep fail (``passed`` False, CLI exit 1); the others are information
FAILING_FLAGS = frozenset({"order", "breakdown", "domain"})
#: |observed - expected| order tolerance
ORDER_TOLERANCE = 0.15


def h_grid(h_max: float = 1e-1, h_min: float = 1e-15, per_decade: float = 2) -> np.ndarray:
    """Steps from ``h_max`` down to ``h_min``, ``per_decade`` per decade (log-spaced).

    >>> g = h_grid()
    >>> len(g), float(g[0]), float(g[-1])
    (29, 0.1, 1e-15)
    """
    if not (0 < h_min <= h_max) or not math.isfinite(h_max):
        raise VerifierError(
            f"need 0 < h-min <= h-max, got h-min={h_min:g}, h-max={h_max:g}",
            hint="e.g. --h-min 1e-15 --h-max 1e-1",
        )
    if not (0 < per_decade <= 100):
        raise VerifierError(f"per-decade must be in (0, 100], got {per_decade:g}")
    hi, lo = math.log10(h_max), math.log10(h_min)
    n = int(round((hi - lo) * per_decade)) + 1
    if n > 2000:
        raise VerifierError(f"{n} steps is too many", hint="lower --per-decade")
    return np.logspace(hi, lo, max(n, 1)) if n > 1 else np.array([h_max])


def fit_window(
    h: np.ndarray, error: np.ndarray, roundoff: np.ndarray, best_h: float, factor: float = 100.0
) -> np.ndarray:
    """Which rows to fit the order on: the truncation-dominated side.

    A row qualifies when its step is larger than the observed best step and its
    error is at least ``factor`` times the round-off the model predicts at that
    step (so round-off bends the slope by under ~1/factor).  The caller retries
    with ``factor=10`` when fewer than 3 rows qualify.

    >>> h = np.array([1e-1, 1e-2, 1e-3, 1e-8])
    >>> fit_window(h, h, np.full(4, 1e-9), best_h=1e-8).tolist()
    [True, True, True, False]
    """
    ok = np.isfinite(error) & (error > 0) & (h > best_h)
    return ok & (error >= factor * roundoff)


def reliable_best(h: np.ndarray, error: np.ndarray) -> tuple[float, float]:
    """The best step and its error, not fooled by a lucky cancellation.

    In the round-off region an estimate is sometimes exact by chance (error 0 at
    one step, 1e-9 at its neighbours).  The best step is the one whose error *and*
    its neighbours' on the grid (half a decade either side by default) have the
    smallest maximum; that maximum is the best error a user can rely on.

    >>> reliable_best(np.array([1e-1, 1e-2, 1e-3, 1e-4]), np.array([1e-2, 1e-4, 0.0, 1e-3]))
    (0.001, 0.001)
    """
    order = np.argsort(-h)
    hs, es = h[order], np.where(np.isfinite(error[order]), error[order], np.inf)
    if hs.size == 0:
        return math.nan, math.nan
    padded = np.concatenate([[-np.inf], es, [-np.inf]])
    envelope = np.maximum(np.maximum(padded[:-2], padded[1:-1]), padded[2:])
    j = int(np.argmin(envelope))
    return float(hs[j]), float(envelope[j])


def _slope(h: np.ndarray, error: np.ndarray) -> float:
    return float(np.polyfit(np.log10(h), np.log10(error), 1)[0])


@dataclass(frozen=True)
class _Analysis:
    observed_order: float
    exact: bool
    flag: str
    diagnosis: str


def _analyse(
    stencil: Stencil, h: np.ndarray, err: np.ndarray, mags: dict[int, float], best_h: float
) -> _Analysis:
    """Exactness, fitted order and flag for one (point, variable, method)."""
    p = stencil.order
    valid = np.isfinite(err) & (h > 0)
    f_abs, fp_abs = mags.get(0, 0.0), mags.get(1, 0.0)
    f_abs = 0.0 if math.isnan(f_abs) else f_abs
    fp_abs = 0.0 if math.isnan(fp_abs) else fp_abs
    roundoff = np.asarray(stencil.roundoff_error(h, f_abs, fp_abs), dtype=float)
    # exact: at every step the error is at the round-off level (10x slack for the few ulps
    # a multi-operation f costs), i.e. there is no truncation error to fit a slope to
    floor = 10 * roundoff + 4 * EPS * max(fp_abs, 1e-300)
    if valid.any() and np.all(err[valid] <= floor[valid]):
        return _Analysis(
            math.nan,
            True,
            "exact",
            f"{stencil.name} is exact for this f (error at round-off level at every step)",
        )
    window = fit_window(h, err, roundoff, best_h)
    if window.sum() < 3:
        window = fit_window(h, err, roundoff, best_h, factor=10.0)
    if window.sum() < 2:
        return _Analysis(
            math.nan,
            False,
            "unfitted",
            "too few truncation-dominated steps to fit an order; widen the h range",
        )
    hw, ew = h[window], err[window]
    s = _slope(hw, ew)
    if abs(s - p) <= ORDER_TOLERANCE:
        return _Analysis(s, False, "", "")
    k = stencil.truncation_derivative
    dk = mags.get(k, math.nan)
    scale = max(mags.get(m, 0.0) for m in (0, 1, 2, 3) if not math.isnan(mags.get(m, math.nan)))
    if s > p and not math.isnan(dk) and dk <= 1e-9 * max(scale, 1.0):
        return _Analysis(
            s,
            False,
            "higher_order",
            f"f^({k}) = 0 here, so the h^{p} term vanishes: observed order {s:.2f} > {p}",
        )
    order = np.argsort(hw)
    hs, es = hw[order], ew[order]
    m = max(3, len(hs) // 2)
    if len(hs) >= 4 and m < len(hs):
        s_low = _slope(hs[:m], es[:m])
        if abs(s_low - p) <= ORDER_TOLERANCE:
            coef = np.polyfit(np.log10(hs[:m]), np.log10(es[:m]), 1)
            resid = np.abs(np.log10(es) - np.polyval(coef, np.log10(hs)))
            bad = resid > math.log10(3.0)
            if bad.any():
                first_off = float(hs[bad].min())
                on = hs[~bad & (hs < first_off)]
                held = f"h <= {float(on.max()):.2g}" if on.size else "small h"
                return _Analysis(
                    s,
                    False,
                    "breakdown",
                    f"order {p} holds for {held} (slope {s_low:.2f}) but breaks down by "
                    f"h = {first_off:.2g} (slope {s:.2f} over the whole range): a singularity "
                    f"or rapid change within about {first_off:.1g} of the point",
                )
    return _Analysis(
        s,
        False,
        "order",
        f"observed order {s:.2f} disagrees with theory ({p}): f may not be smooth here, "
        "or the reference derivative is wrong",
    )


@dataclass(frozen=True, eq=False)
class ClaimCheck:
    """A claimed derivative judged by the numeric estimates (an independent oracle).

    ``frame``: one row per (point, variable): claimed value, the rule engine's
    value, the numeric estimate (most accurate method at its default step), the
    relative error of the estimate against each, and the closest any sweep
    estimate came to the claim.  ``passed`` when the estimate agrees with the
    claim within ``rtol`` everywhere.
    """

    claimed: dict[str, sympy.Expr]
    frame: Any
    rtol: float
    passed: bool

    def summary(self) -> str:
        lines = []
        for r in self.frame.itertuples(index=False):
            verdict = "agrees" if r.agrees else "MISMATCH"
            lines.append(
                f"claim d/d{r.variable} = {r.claimed_expr} at {r.point_label}: {verdict} "
                f"(claimed {r.claimed:.12g}, numeric {r.numeric:.12g} by {r.method}, "
                f"rule engine {r.rule_engine:.12g}; rel. distance of the estimates to the "
                f"claim >= {r.closest_to_claim:.3g}, to the rule engine {r.rel_error_vs_exact:.3g})"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        return self.frame


@dataclass(frozen=True, eq=False)
class ErrorTable:
    """The result of :func:`sweep`: a tidy error table, its analysis, and the claim check.

    ``frame`` columns: function, variable, point, method, h, estimate, exact,
    abs_error, rel_error (one row per estimate; ``exact`` rounded to float64, the
    errors computed against the high-precision value).  ``analysis``: one row
    per (point, variable, method), see :data:`ANALYSIS_COLUMNS`.
    """

    function: str
    expr: sympy.Expr
    variables: tuple[str, ...]
    frame: Any
    analysis: Any
    claim: ClaimCheck | None = None
    steps: np.ndarray = field(default_factory=lambda: h_grid())
    derivatives: dict[str, sympy.Expr] = field(default_factory=dict)

    # -- verdict ---------------------------------------------------------------------------
    @property
    def passed(self) -> bool:
        """No failing flag (order, breakdown, domain) and the claim (if any) holds."""
        flags = set(self.analysis["flag"]) if len(self.analysis) else set()
        return not (flags & FAILING_FLAGS) and (self.claim is None or self.claim.passed)

    @property
    def diagnoses(self) -> list[str]:
        """Human sentences for every flagged row (except the plain "exact")."""
        # "exact" is already said by the flag column; notes are for what needs a sentence
        a = self.analysis
        rows = a[(a["diagnosis"] != "") & (a["flag"] != "exact")]
        seen: list[str] = []
        for r in rows.itertuples(index=False):
            text = f"{r.point} d/d{r.variable} {r.method}: {r.diagnosis}"
            if r.flag == "domain":
                text = f"{r.point} d/d{r.variable}: {r.diagnosis}"
            if text not in seen:
                seen.append(text)
        return seen

    def to_frame(self) -> Any:
        """The tidy error table (a pandas DataFrame)."""
        return self.frame

    # -- text ------------------------------------------------------------------------------
    def summary_frame(self) -> Any:
        """The compact per-method view printed by the CLI."""
        a = self.analysis
        out = a[["point", "variable", "method"]].copy()
        out["best_h"] = a["best_h"].map(_g)
        out["best_error"] = a["best_error"].map(_g)
        out["order"] = [
            "exact"
            if r.exact
            else (_f2(r.observed_order) + " / " + str(int(r.expected_order)))
            if not math.isnan(r.expected_order)
            else "-"
            for r in a.itertuples(index=False)
        ]
        out["model_h"] = a["theoretical_best_h"].map(_g)
        out["model_error"] = a["theoretical_best_error"].map(_g)
        out["default_h_error"] = a["error_at_default_h"].map(_g)
        out["flag"] = a["flag"]
        return out

    def summary(self) -> str:
        """Compact text: per method best h, best error, observed / expected order, flags."""
        derivs = ", ".join(f"d/d{v} = {d}" for v, d in self.derivatives.items())
        head = f"f = {self.function}   ({derivs}; rule engine, mpmath 30 digits)"
        body = self.summary_frame().to_string(index=False)
        lines = [head, body]
        lines += [f"note: {d}" for d in self.diagnoses]
        if self.claim is not None:
            lines.append(self.claim.summary())
        lines.append("passed" if self.passed else "FAILED")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return f"<p><b>f = {_esc(self.function)}</b>: {verdict}</p>" + self.summary_frame().to_html(
            index=False
        )

    # -- exports ---------------------------------------------------------------------------
    def to_csv(self, path: str | Path | None = None) -> str:
        """The tidy table as CSV (written whole to ``path`` if given)."""
        text = self.frame.to_csv(index=False)
        return _maybe_write(path, text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: function, variables, passed, frame and analysis records, claim."""
        return {
            "function": self.function,
            "variables": list(self.variables),
            "derivatives": {v: str(d) for v, d in self.derivatives.items()},
            "passed": self.passed,
            "frame": _records(self.frame),
            "analysis": _records(self.analysis),
            "claim": None
            if self.claim is None
            else {"passed": self.claim.passed, "rows": _records(self.claim.frame)},
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """Everything as JSON (non-finite numbers become null)."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False)
        return _maybe_write(path, text)

    def to_markdown(self, path: str | Path | None = None) -> str:
        """The summary as Markdown: the analysis table, notes and the claim."""
        parts = [
            f"# Error vs h: `{self.function}`",
            "",
            "Reference: "
            + ", ".join(f"d/d{v} = `{d}`" for v, d in self.derivatives.items())
            + " (rule engine, mpmath 30 digits at the exact float64 point).",
            "",
            self.summary_frame().to_markdown(index=False),
            "",
        ]
        parts += [f"- {d}" for d in self.diagnoses]
        if self.claim is not None:
            parts += ["", "## Claimed derivative", "", self.claim.frame.to_markdown(index=False)]
        parts += ["", f"**{'passed' if self.passed else 'FAILED'}**", ""]
        return _maybe_write(path, "\n".join(parts))

    def to_html(self, path: str | Path | None = None, *, plot: bool = True) -> str:
        """A self-contained HTML page: summary, plot (embedded PNG), analysis and full table."""
        import base64

        img = ""
        if plot and len(self.frame):
            data = base64.b64encode(self.plot_png_bytes()).decode("ascii")
            img = f'<img alt="error vs h" src="data:image/png;base64,{data}">'
        claim = "" if self.claim is None else self.claim.frame.to_html(index=False)
        notes = "".join(f"<li>{_esc(d)}</li>" for d in self.diagnoses)
        text = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>error vs h: {_esc(self.function)}</title></head><body>"
            + self._repr_html_()
            + (f"<ul>{notes}</ul>" if notes else "")
            + claim
            + img
            + "<h2>Analysis</h2>"
            + self.analysis.to_html(index=False)
            + "<h2>Estimates</h2>"
            + self.frame.to_html(index=False)
            + "</body></html>"
        )
        return _maybe_write(path, text)

    def to_latex(self, path: str | Path | None = None) -> str:
        """The per-method summary as a LaTeX tabular."""
        return _maybe_write(path, self.summary_frame().to_latex(index=False))

    # -- plot ------------------------------------------------------------------------------
    def figure(self) -> Any:
        """The log-log figure (a matplotlib Figure, Agg canvas, no pyplot state).

        One panel per (point, variable); one line per method (each its own colour,
        marker and line style); dashed reference slopes h^p for each method's order;
        the model's best h marked with an x; drawn by :func:`verifier.report.plots.error_figure`,
        the same picture as the suite's report.
        """
        return error_figure(self.frame, self.analysis, error="abs_error", function=self.function)

    def plot(self, path: str | Path | None = None, format: str = "png") -> Any:
        """Return the figure (``path=None``) or write it whole to ``path`` (PNG or SVG).

        >>> t = sweep("x^3", points=[1.0], methods=["central"])
        >>> t.plot().get_size_inches().tolist()
        [5.5, 4.0]
        """
        fmt = format.lower()
        if fmt not in ("png", "svg"):
            raise VerifierError(f"plot format {format!r} is not supported", hint="png or svg")
        fig = self.figure()
        if path is None:
            return fig
        write_atomic(path, figure_bytes(fig, fmt))
        return Path(path)

    def plot_bytes(self, format: str = "png") -> bytes:
        """The plot as bytes (for embedding in an HTML report)."""
        return figure_bytes(self.figure(), format)

    def plot_png_bytes(self) -> bytes:
        """The plot as PNG bytes."""
        return self.plot_bytes("png")


def _g(v: Any) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(v):
        return "-"
    return "inf" if math.isinf(v) else f"{v:.2g}"


def _f2(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:.2f}"


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))


def _maybe_write(path: str | Path | None, text: str) -> str:
    if path is not None:
        write_atomic(path, text)
    return text


def _records(frame: Any) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, (np.floating, float)):
                v = float(v)
                v = v if math.isfinite(v) else None
            elif isinstance(v, np.integer):
                v = int(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            clean[k] = v
        out.append(clean)
    return out


# ----------------------------------------------------------------------------- the sweep


def _resolve(
    expr: sympy.Expr | str, var: str | Sequence[str] | None, points: Any
) -> tuple[sympy.Expr, str, tuple[str, ...], tuple[str, ...]]:
    """(expression, display text, all variables, variables to differentiate by)."""
    names: tuple[str, ...] | None = None
    first = (
        points[0]
        if isinstance(points, Sequence) and points and not isinstance(points, str)
        else points
    )
    if isinstance(first, Mapping):
        names = tuple(str(k) for k in first)
    elif isinstance(var, str):
        names = (var,)
    elif var is not None:
        names = tuple(var)
    if isinstance(expr, str):
        from verifier.expr import parse

        text = expr
        e = parse(expr, variables=list(names) if names else None)
    elif isinstance(expr, sympy.Expr):
        e, text = expr, str(expr)
    else:
        raise VerifierError(
            f"cannot sweep an object of type {type(expr).__name__}",
            hint="pass the text of a function, e.g. 'exp(sin(x))'",
        )
    free = sorted(s.name for s in e.free_symbols if isinstance(s, sympy.Symbol))
    if names is None:
        names = tuple(free) if free else ("x",)
    extra = [s for s in free if s not in names]
    if extra:
        raise VerifierError(
            f"{text} uses {', '.join(extra)} but the point gives only {', '.join(names)}",
            hint="give every variable a value, e.g. --at x0=1,x1=3",
        )
    study = names if var is None else (var,) if isinstance(var, str) else tuple(var)
    bad = [v for v in study if v not in names]
    if bad:
        raise VerifierError(f"variable {', '.join(bad)} is not among ({', '.join(names)})")
    return e, text, names, study


def _claims(claimed: Any, study: tuple[str, ...], names: tuple[str, ...]) -> dict[str, sympy.Expr]:
    if isinstance(claimed, Mapping):
        items = dict(claimed)
    elif len(study) == 1:
        items = {study[0]: claimed}
    else:
        raise VerifierError(
            "a single claimed derivative needs a single variable",
            hint="give a mapping {variable: derivative} or choose --var",
        )
    out = {}
    for v, c in items.items():
        if v not in study:
            raise VerifierError(f"claimed derivative for {v!r}, which is not being studied")
        if isinstance(c, str):
            from verifier.expr import parse

            out[v] = parse(c, variables=list(names))
        elif isinstance(c, (int, float)):
            out[v] = sympy.Rational(c) if isinstance(c, int) else sympy.Float(c)
        elif isinstance(c, sympy.Expr):
            out[v] = c
        else:
            raise VerifierError(f"claimed derivative must be text or an expression, not {c!r}")
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
) -> ErrorTable:
    """Sweep every method over the step grid at every point; analyse; check a claim.

    ``points`` are numbers (one variable) or mappings ``{"x0": 1, "x1": 3}``;
    each partial derivative is compared with the rule engine's.  ``h`` defaults to
    :func:`h_grid` (10^-1 ... 10^-15, 29 steps).  A point where f or f' is
    undefined becomes a ``domain`` row in ``analysis`` (the sweep goes on with the
    other points); ``claimed`` (text, expression, or mapping per variable) is
    judged against the numeric estimates with ``rtol`` / ``atol``.

    >>> t = sweep("x0^2 + x1^2", points=[{"x0": 1, "x1": 3}], methods=["central"], h=[1e-5])
    >>> t.frame["estimate"].round(6).tolist()
    [2.0, 6.0]
    """
    import pandas as pd

    e, text, names, study = _resolve(expr, var, points)
    pts = points_array(points, names)
    if pts.shape[0] == 0:
        raise VerifierError("no points to sweep", hint="give at least one --at")
    grid = h_grid() if h is None else np.asarray(h, dtype=np.float64).ravel()
    if grid.size == 0 or np.any(~np.isfinite(grid)) or np.any(grid <= 0):
        raise VerifierError("steps h must be positive finite numbers")
    stencils = [get_stencil(m) for m in (methods or DEFAULT_METHODS)]
    claims = _claims(claimed, study, names) if claimed is not None else None
    cf = compile_function(e, names)

    from verifier.symbolic.rules import gradient

    derivs = {v: d.result for v, d in gradient(e, list(study)).items()}
    labels = [
        float(row[0])
        if len(names) == 1
        else format_point(dict(zip(names, row, strict=True)), names)
        for row in pts
    ]
    frames: list[Any] = []
    rows: list[dict[str, Any]] = []
    best_numeric: dict[tuple[int, str], tuple[float, str, float]] = {}
    sweep_estimates: dict[tuple[int, str], list[np.ndarray]] = {}
    for v in study:
        refs: dict[int, Any] = {}
        mags: dict[int, dict[int, float]] = {}
        for i, row in enumerate(pts):
            pd_ = dict(zip(names, (float(a) for a in row), strict=True))
            try:
                refs[i] = exact_derivative(e, v, pd_, variables=names, derivative=derivs[v])
            except DomainError as exc:
                rows.append(_domain_row(text, v, labels[i], exc))
                continue
            mags[i] = derivative_magnitudes(e, v, pd_, (0, 1, 2, 3, 5), variables=names)
            # the round-off term uses the size of f's terms (cancellation in f itself counts)
            mags[i][0] = max(mags[i][0], roundoff_scale(e, pd_, variables=names))
        ok = sorted(refs)
        if not ok:
            continue
        sub = pts[ok]
        xv = sub[:, names.index(v)]
        ref = np.empty(len(ok), dtype=object)
        ref[:] = [refs[i] for i in ok]
        for st in stencils:
            if st.complex and not cf.complex_safe:
                for i in ok:
                    rows.append(_skip_row(text, v, labels[i], st, cf.complex_reason))
                continue
            # every step and the default step, every point: ONE vectorised evaluation
            hh = np.concatenate(
                [np.broadcast_to(grid, (len(ok), grid.size)), st.default_h(xv).reshape(-1, 1)],
                axis=1,
            )
            est = estimate_derivative(cf, sub, st, hh, var=v)
            cmp = compare(
                np.broadcast_to(ref[:, None], est.value.shape), est.value, rtol=rtol, atol=atol
            )
            for k, i in enumerate(ok):
                hk, ek = est.h[k, :-1], est.value[k, :-1]
                abs_k, rel_k = cmp.abs_error[k, :-1], cmp.rel_error[k, :-1]
                keep = np.isfinite(ek) & (hk > 0)
                frames.append(
                    pd.DataFrame(
                        {
                            "function": text,
                            "variable": v,
                            "point": [labels[i]] * int(keep.sum()),
                            "method": st.name,
                            "h": hk[keep],
                            "estimate": ek[keep],
                            "exact": float(refs[i]),
                            "abs_error": abs_k[keep],
                            "rel_error": rel_k[keep],
                        }
                    )
                )
                sweep_estimates.setdefault((i, v), []).append(ek[keep])
                rows.append(
                    _analysis_row(
                        text,
                        v,
                        labels[i],
                        st,
                        hk[keep],
                        abs_k[keep],
                        rel_k[keep],
                        mags[i],
                        grid,
                        float(est.h[k, -1]),
                        float(est.value[k, -1]),
                        float(cmp.abs_error[k, -1]),
                        dropped=int((~keep).sum()),
                    )
                )
        for k, i in enumerate(ok):
            best_numeric[(i, v)] = _best_numeric(cf, sub[k : k + 1], v)
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({c: [] for c in FRAME_COLUMNS})
    )
    analysis = pd.DataFrame(rows, columns=list(ANALYSIS_COLUMNS))
    if len(analysis):
        # point order as given, then variable, then method order: stable sort on indices
        analysis["_p"] = [labels.index(p) for p in analysis["point"]]
        analysis["_v"] = [study.index(v) for v in analysis["variable"]]
        analysis = (
            analysis.sort_values(["_p", "_v"], kind="stable")
            .drop(columns=["_p", "_v"])
            .reset_index(drop=True)
        )
    if not frames and rows and all(r["flag"] == "domain" for r in rows):
        # nothing could be measured anywhere: that is bad input, not a result
        raise DomainError(
            "; ".join(dict.fromkeys(r["diagnosis"] for r in rows)),
            point=[labels[i] for i in range(len(labels))],
            hint="choose points where f and f' are defined and finite",
        )
    claim = None
    if claims is not None:
        claim = _check_claim(
            claims, derivs, names, pts, labels, best_numeric, sweep_estimates, rtol, atol
        )
    return ErrorTable(text, e, names, frame, analysis, claim, grid, derivs)


def _best_numeric(cf: Any, point: np.ndarray, v: str) -> tuple[float, str, float]:
    """What a user without the answer trusts most: complex step where safe, else five-point."""
    method = "complex_step" if cf.complex_safe else "five_point"
    est = estimate_derivative(cf, point, method, None, var=v)
    return float(est.value[0, 0]), method, float(est.h[0, 0])


def _check_claim(
    claims: dict[str, sympy.Expr],
    derivs: dict[str, sympy.Expr],
    names: tuple[str, ...],
    pts: np.ndarray,
    labels: list[Any],
    best: dict[tuple[int, str], tuple[float, str, float]],
    estimates: dict[tuple[int, str], list[np.ndarray]],
    rtol: float,
    atol: float,
) -> ClaimCheck:
    import pandas as pd

    recs = []
    for v, c in claims.items():
        for i, row in enumerate(pts):
            if (i, v) not in best:
                continue  # a domain point: already diagnosed
            pd_ = dict(zip(names, (float(a) for a in row), strict=True))
            numeric, method, hstep = best[(i, v)]
            label = format_point(pd_, names)
            try:
                cv = exact_value(c, pd_, variables=names, what="claimed f'")
            except DomainError as exc:
                recs.append(
                    {
                        "point": labels[i],
                        "point_label": label,
                        "variable": v,
                        "claimed_expr": str(c),
                        "claimed": math.nan,
                        "rule_engine": math.nan,
                        "numeric": numeric,
                        "method": method,
                        "h": hstep,
                        "rel_error_vs_claim": math.inf,
                        "rel_error_vs_exact": math.nan,
                        "closest_to_claim": math.inf,
                        "agrees": False,
                        "note": exc.message,
                    }
                )
                continue
            ev = exact_value(derivs[v], pd_, variables=names, what="f'")
            vs_claim = compare(np.array([cv], dtype=object), [numeric], rtol=rtol, atol=atol)
            vs_exact = compare(np.array([ev], dtype=object), [numeric], rtol=rtol, atol=atol)
            every = np.concatenate(estimates.get((i, v), [np.array([numeric])]) + [[numeric]])
            closest = compare(
                np.full(every.shape, cv, dtype=object), every, rtol=rtol, atol=atol
            ).rel_error.min()
            recs.append(
                {
                    "point": labels[i],
                    "point_label": label,
                    "variable": v,
                    "claimed_expr": str(c),
                    "claimed": float(cv),
                    "rule_engine": float(ev),
                    "numeric": numeric,
                    "method": method,
                    "h": hstep,
                    "rel_error_vs_claim": float(vs_claim.rel_error[0]),
                    "rel_error_vs_exact": float(vs_exact.rel_error[0]),
                    "closest_to_claim": float(closest),
                    "agrees": bool(vs_claim.ok),
                    "note": ""
                    if vs_claim.ok
                    else "the estimates converge to the rule engine's value, not to the claim"
                    if vs_exact.ok
                    else "the estimates match neither the claim nor the rule engine",
                }
            )
    frame = pd.DataFrame(recs)
    passed = bool(len(frame)) and bool(frame["agrees"].all())
    return ClaimCheck(dict(claims), frame, rtol, passed)


def _base_row(text: str, v: str, label: Any, method: str, order: float) -> dict[str, Any]:
    row: dict[str, Any] = {c: math.nan for c in ANALYSIS_COLUMNS}
    row.update(
        function=text,
        variable=v,
        point=label,
        method=method,
        expected_order=order,
        exact=False,
        flag="",
        diagnosis="",
    )
    return row


def _domain_row(text: str, v: str, label: Any, exc: DomainError) -> dict[str, Any]:
    row = _base_row(text, v, label, "-", math.nan)
    row.update(flag="domain", diagnosis=exc.message)
    return row


def _skip_row(text: str, v: str, label: Any, st: Stencil, reason: str) -> dict[str, Any]:
    row = _base_row(text, v, label, st.name, float(st.order))
    row.update(flag="skipped", diagnosis=f"complex step skipped: {reason}")
    return row


def _analysis_row(
    text: str,
    v: str,
    label: Any,
    st: Stencil,
    h: np.ndarray,
    abs_err: np.ndarray,
    rel_err: np.ndarray,
    mags: dict[int, float],
    grid: np.ndarray,
    default_h: float,
    default_est: float,
    default_err: float,
    *,
    dropped: int,
) -> dict[str, Any]:
    row = _base_row(text, v, label, st.name, float(st.order))
    if h.size == 0:
        row.update(flag="order", diagnosis="no finite estimate at any step")
        return row
    best_h, best_err = reliable_best(h, abs_err)
    f_abs, fp_abs, dk = (
        mags.get(0, math.nan),
        mags.get(1, math.nan),
        mags.get(st.truncation_derivative, math.nan),
    )
    if any(math.isnan(a) for a in (f_abs, fp_abs, dk)):
        th_h = th_err = math.nan
    else:
        th_h = st.best_h(f_abs=f_abs, fprime_abs=fp_abs, deriv_abs=dk)
        th_err = st.best_error(f_abs=f_abs, fprime_abs=fp_abs, deriv_abs=dk)
    # the grid step nearest the model's h* (the largest step when the model says "exact")
    if math.isnan(th_h):
        pred_h, pred_err = math.nan, math.nan
    else:
        target = h.max() if math.isinf(th_h) or th_h <= 0 else th_h
        j = int(np.argmin(np.abs(np.log10(h) - math.log10(target))))
        pred_h, pred_err = float(h[j]), float(abs_err[j])
    an = _analyse(st, h, abs_err, mags, best_h)
    diag = an.diagnosis
    if dropped:
        note = f"{dropped} step(s) gave no estimate (f undefined at x +- h, or h below the float spacing at x)"
        diag = f"{diag}; {note}" if diag else note
    row.update(
        observed_order=an.observed_order,
        exact=an.exact,
        best_h=best_h,
        best_error=best_err,
        min_rel_error=float(np.nanmin(rel_err)),
        theoretical_best_h=th_h,
        theoretical_best_error=th_err,
        predicted_h=pred_h,
        error_at_predicted_h=pred_err,
        default_h=default_h,
        estimate_at_default_h=default_est,
        error_at_default_h=default_err,
        flag=an.flag,
        diagnosis=diag,
    )
    return row
