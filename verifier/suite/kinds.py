"""One runner per case kind: each calls the job that judges, and maps its records to rows.

Nothing here judges a number.  A ``derivative`` or ``gradient`` case is one
:func:`verifier.sweep.sweep` of all its points, split by point (:mod:`verifier.suite.swept`):
a point's verdict is that of its own analysis and claim rows (what :attr:`ErrorTable.verdict`
of a sweep of that point alone says), its reason the notes of the rows that decided it.
Beside the sweep, a case asserts what the sweep does not know: the rule engine agrees with ``sympy.diff``
(:func:`verifier.reference.crosscheck`), the ``rules`` appear in the derivation, the
``expected`` partials and the ``estimates`` at one ``h`` are what the case says
(:func:`verifier.policy.judge_derivative`).  A point where f' does not exist fails the
case (the case says it does).  ``homework`` cases call the grader, ``network`` cases the
gradient check, and take their verdicts.

>>> from verifier.suite.schema import DerivativeCase
>>> case = DerivativeCase(id="lin", path="x.toml", function="3x", points=(1.0,),
...                       methods=("central",), h=(0.5,))
>>> judged = KIND_RUNNERS["derivative"](case, Timer())
>>> judged.rows[0]["verdict"], judged.rows[0]["exact"]
('pass', 3.0)
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from verifier.errors import DomainError
from verifier.points import format_number, format_point
from verifier.suite.records import expect_turned, result_row
from verifier.suite.schema import Case
from verifier.suite.swept import PointRows, swept

__all__ = ["KIND_RUNNERS", "Judged", "Timer"]


class Timer:
    """Seconds per phase (parse, derivation, oracle, sweep, grade, gradcheck) of one case."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - t0


@dataclass(frozen=True, eq=False)
class Judged:
    """A kind runner's result: the rows (expectation applied) and what the report shows."""

    rows: tuple[dict[str, Any], ...]
    errors: Any = None
    analysis: Any = None
    steps: str = ""
    #: what the report draws beside the rows: ``curve``/``marks`` (a one-variable derivative
    #: case: f' and the claim), ``grade`` (a homework case: the grader's fields)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Finding:
    """One verdict about one point, with the policy row (or suite check) that decided it."""

    verdict: str
    rule: str
    reason: str


@lru_cache(maxsize=512)
def _parsed(text: str, variables: tuple[str, ...]) -> Any:
    from verifier.expr import parse

    return parse(text, variables)


def _combined(findings: list[_Finding]) -> dict[str, str]:
    """Every check must hold: one fail fails the point, else one inconclusive makes it so.

    Each finding is one check's own verdict (the sweep's, the oracle's, a stated value's);
    the rules and reasons of the checks that decided are kept.
    """
    verdict = next(
        (v for v in ("fail", "inconclusive") if any(f.verdict == v for f in findings)), "pass"
    )
    deciding = [f for f in findings if f.verdict == verdict and verdict != "pass"]
    return {
        "verdict": verdict,
        "rule": ",".join(dict.fromkeys(r for f in deciding for r in f.rule.split(",") if r)),
        "reason": "; ".join(dict.fromkeys(f.reason for f in deciding if f.reason)),
    }


# --------------------------------------------------------------------------- sweep records
def _sweep_finding(rows: PointRows, claimed: dict[str, str], tag: Callable[[str], str]) -> _Finding:
    """The point's sweep verdict (:attr:`ErrorTable.verdict`), with the rows that decided it.

    Claim rows first (the most direct evidence; ``claimed`` is the case's text per
    variable), then the analysis rows (point, variable, method) in the words of their notes.
    """
    verdict = rows.verdict
    said: list[tuple[str, str]] = []
    if verdict != "pass":
        for r in rows.claim:
            if r["verdict"] == verdict:
                text = f"{tag(r['variable'])}claim {claimed[r['variable']]}: {r['note']}"
                said.append((r["rule"], text))
        for r in rows.analysis:
            if r["verdict"] == verdict:
                method = "" if r["method"] in ("", "-") else f"{r['method']}: "
                said.append(
                    (r["rule"], f"{tag(r['variable'])}{method}{r['diagnosis'] or r['flag']}")
                )
    return _Finding(
        verdict,
        ",".join(dict.fromkeys(rule for rule, _ in said if rule)),
        "; ".join(dict.fromkeys(text for _, text in said)),
    )


def _domain(exc: DomainError, tag: str = "") -> _Finding:
    """f or f' undefined at the point: the policy's ``domain`` row (the sweep's own verdict
    for such a point; the sweep raises instead when no point of it is measurable)."""
    from verifier.policy import POLICY

    rule = POLICY["domain"]
    verdict = "fail" if rule.fails else "inconclusive"
    return _Finding(verdict, rule.name, f"{tag}f or f' is undefined here: {exc.message}")


def _figures(rows: PointRows) -> dict[str, Any]:
    """The worst method's best estimate at the point (what a failing row shows)."""
    import numpy as np

    f = rows.frame
    rel = np.asarray(f["rel_error"], dtype=float)
    keys = list(zip(f["variable"].tolist(), f["method"].tolist(), strict=True))
    best: dict[tuple[str, str], int] = {}  # (variable, method) -> row of its smallest error
    for i, key in enumerate(keys):
        if np.isfinite(rel[i]) and (key not in best or rel[i] < rel[best[key]]):
            best[key] = i
    if not best:
        return {}
    w = max(best.values(), key=lambda i: rel[i])  # the first of equal worst, as idxmax
    variable, method = keys[w]
    orders: dict[str, Any] = {}
    for r in rows.analysis:
        if r["variable"] == variable and r["method"] == method:
            orders = r
            break
    return {
        "method": method,
        "rel_error": float(rel[w]),
        "h": float(f["h"][w]),
        "exact": float(f["exact"][w]),
        "estimate": float(f["estimate"][w]),
        "observed_order": float(orders.get("observed_order", math.nan)),
        "expected_order": float(orders.get("expected_order", math.nan)),
    }


def _stated_findings(
    case: Case, expr: Any, rows: PointRows, point: dict[str, float], tag: Callable[[str], str]
) -> list[_Finding]:
    """The values the case states: ``expected`` partials and ``estimates`` at its one h."""
    from verifier.policy import judge_derivative
    from verifier.reference import exact_derivative

    findings = []
    variables = tuple(point)
    for v, value in (getattr(case, "expected", None) or {}).items():
        try:
            exact = exact_derivative(expr, v, point, variables=variables)
        except DomainError as exc:
            findings.append(_domain(exc, tag(v)))
            continue
        j = judge_derivative(exact, value)
        said = f"{tag(v)}expected {format_number(value)}, but f' = {format_number(exact)}"
        findings.append(_Finding(j.verdict, j.rule, said if j.verdict != "pass" else ""))
    frame = rows.frame
    for method, value in (getattr(case, "estimates", None) or {}).items():
        first = next((i for i, m in enumerate(frame["method"].tolist()) if m == method), None)
        if first is None:
            findings.append(_Finding("fail", "estimates", f"{method}: no finite estimate"))
            continue
        got = float(frame["estimate"][first])
        j = judge_derivative(got, value)
        said = (
            f"{method}: estimate {format_number(got, 17)} at h = "
            f"{format_number(float(frame['h'][first]))}, the case expects {format_number(value)}"
        )
        findings.append(_Finding(j.verdict, j.rule, said if j.verdict != "pass" else ""))
    return findings


def _derivative_like(case: Case, timer: Timer) -> Judged:
    """A derivative or gradient case: one sweep of every point, mapped point by point."""
    from verifier import reference
    from verifier.numeric.stencils import h_grid
    from verifier.symbolic.steps import render_steps

    if case.kind == "derivative":
        variables: tuple[str, ...] = (case.variable,)
        points = [{case.variable: float(p)} for p in case.points]
        claimed = {case.variable: case.claimed} if case.claimed else {}
    else:
        pts = case.points or (case.point,)
        variables = tuple(case.variables or pts[0])
        points = [{v: float(p[v]) for v in variables} for p in pts]
        claimed = dict(case.claimed or {})

    order = getattr(case, "order", 1)

    def tag(v: str) -> str:
        return f"d/d{v} " if len(variables) > 1 else ""

    with timer("parse"):
        expr = _parsed(case.function, variables)
        claims = {v: _parsed(t, variables) for v, t in claimed.items()}
    everywhere: list[_Finding] = []
    with timer("derivation"):
        derivations = {v: reference.derivation(expr, v, order) for v in variables}
    used = frozenset().union(*(d.rules_used for d in derivations.values()))
    missing = [r for r in case.rules if r not in used]
    if missing:
        said = f"rules {', '.join(missing)} do not appear in the derivation"
        everywhere.append(_Finding("fail", "rules", f"{said} (used: {', '.join(sorted(used))})"))
    steps = "\n\n".join(
        (f"d/d{v}:\n" if len(variables) > 1 else "") + render_steps(derivations[v], "text")
        for v in variables
    )
    grid = case.h if case.h is not None else h_grid(case.h_max, case.h_min, case.per_decade)
    var: Any = variables[0] if case.kind == "derivative" else list(variables)
    options = {
        "methods": list(case.methods),
        "h": list(grid),
        "claimed": claims or None,
        "rtol": case.rtol,
        "atol": case.atol,
        **({"order": order} if order != 1 else {}),
    }
    given = [point[var] if case.kind == "derivative" else point for point in points]
    with timer("sweep"):
        errors, analysis, shares = swept(expr, var, given, options)
    rows = []
    for point, at in zip(points, shares, strict=True):
        label = format_point(point, variables)
        if isinstance(at, DomainError):  # f' does not exist at a point the case says it does
            rows.append(result_row(case, label, **_combined([_domain(at)])))
            continue
        findings = [*everywhere, _sweep_finding(at, claimed, tag)]
        with timer("oracle"):
            for v in variables:  # the rule engine against sympy.diff, here
                j = reference.crosscheck(expr, v, [point], variables=variables, order=order)
                findings.append(_Finding(j.verdict, j.rule, f"{tag(v)}{j.reason}"))
            findings += _stated_findings(case, expr, at, point, tag)
        rows.append(result_row(case, label, **_combined(findings), **_figures(at)))
    extras = {}
    if case.kind == "derivative" and case.points:
        from verifier.suite.curves import claim_curve

        with timer("curve"):
            curve, marks = claim_curve(expr, claims.get(var), var, list(case.points))
        from verifier.symbolic.steps import format_expr

        extras = {
            "curve": curve,
            "marks": marks,
            "derivative": format_expr(derivations[var].result),
        }
    return Judged(
        rows=tuple(expect_turned(case, rows)),
        errors=errors,
        analysis=analysis,
        steps=steps,
        extras=extras,
    )


# --------------------------------------------------------------------------- other kinds
def _homework(case: Case, timer: Timer) -> Judged:
    """The grader must give the case's ``verdict`` (and diagnose its ``mistake``)."""
    from verifier.homework.judge import check_answer

    with timer("grade"):
        grade = check_answer(
            case.function,
            case.answer,
            variable=case.variable,
            variables=tuple(case.variables) if case.variables else None,
            order=case.order,
        )
    findings = []
    if grade.verdict != case.verdict:
        said = f"the grader says {grade.verdict} ({grade.reason}), the case expects {case.verdict}"
        findings.append(_Finding("fail", "grade", said))
    if case.mistake and grade.mistake != case.mistake:
        said = f"the grader diagnosed mistake {grade.mistake!r}, the case expects {case.mistake!r}"
        findings.append(_Finding("fail", "mistake", said))
    judged = (
        _combined(findings)
        if findings
        else {"verdict": "pass", "rule": "grade", "reason": f"{grade.verdict}: {grade.reason}"}
    )
    counter = grade.counterexample
    figures = {}
    if counter is not None:  # the correct derivative and the answer at the counterexample
        figures = {
            "exact": float(counter.correct) if counter.correct is not None else None,
            "estimate": float(counter.answer) if counter.answer is not None else None,
        }
    row = result_row(case, case.answer, method="grader", **judged, **figures)
    shown = ("answer", "read_as", "verdict", "reason", "mistake", "mistake_hint", "derivative")
    extras = {"grade": {k: getattr(grade, k) for k in shown}}
    return Judged(
        rows=tuple(expect_turned(case, [row])), steps=str(grade.steps or ""), extras=extras
    )


def _network(case: Case, timer: Timer) -> Judged:
    """The seed's network: backprop against central differences; the check's own verdict."""
    from verifier.gradcheck import gradcheck_network

    with timer("gradcheck"):
        result = gradcheck_network(
            sizes=tuple(case.sizes),
            batch=case.batch,
            seed=case.seed,
            mode=case.mode,
            h=case.h,
            bug=case.bug,
            progress=False,
        )
    frame = result.to_frame()
    failed = frame[frame["verdict"] == "fail"] if len(frame) else frame  # inconclusive: reason
    reason = "; ".join(
        f"{r.tensor}: {r.wrong} wrong, worst at {r.worst_index} (numeric "
        f"{format_number(r.worst_numeric, 17)}, backprop {format_number(r.worst_analytic, 17)}, "
        f"rel error {format_number(r.max_rel_error, 3)})"
        for r in failed.itertuples(index=False)
    )
    reason = "; ".join(t for t in (reason, result.reason) if t)
    worst = frame.loc[frame["max_rel_error"].astype(float).idxmax()] if len(frame) else None
    figures = {}
    if worst is not None:
        figures = {
            "rel_error": float(worst["max_rel_error"]),
            "exact": float(worst["worst_analytic"]),
            "estimate": float(worst["worst_numeric"]),
        }
    label = f"{'-'.join(str(s) for s in case.sizes)}, N={case.batch}"
    row = result_row(
        case,
        label,
        verdict=result.verdict,
        rule="gradient",
        reason=reason,
        method=case.mode,
        h=case.h,
        **figures,
    )
    return Judged(rows=tuple(expect_turned(case, [row])), errors=frame, steps=result.summary())


def _hessian(case: Case, timer: Timer) -> Judged:
    """Each claimed entry judged exactly; every entry against sympy.diff; the numeric Hessian
    (second and mixed differences) against the exact one under the ``hessian`` policy row."""
    from verifier.numeric.hessian import numeric_hessian
    from verifier.policy import judge_derivative
    from verifier.policy_hessian import judge_hessian
    from verifier.reference import crosscheck, exact_value
    from verifier.symbolic.hessian import hessian
    from verifier.symbolic.steps import render_steps

    pts = case.points or (case.point,)
    variables = tuple(case.variables or pts[0])
    with timer("parse"):
        expr = _parsed(case.function, variables)
        claims = {
            tuple(k.strip() for k in key.split(",")): _parsed(text, variables)
            for key, text in (case.claimed or {}).items()
        }
    with timer("derivation"):
        hess = hessian(expr, variables)
    n = len(variables)
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    steps = "\n\n".join(
        f"{hess.entries[i][j].notation}:\n" + render_steps(hess.entries[i][j]) for i, j in pairs
    )
    rows = []
    for p in pts:
        point = {v: float(p[v]) for v in variables}
        label = format_point(point, variables)
        try:
            exact = [[exact_value(d.result, point, variables=variables, what=d.notation + " f")
                      for d in row] for row in hess.entries]  # fmt: skip
        except DomainError as exc:
            rows.append(result_row(case, label, **_combined([_domain(exc)])))
            continue
        findings = []
        with timer("oracle"):
            for i, j in pairs:
                vs = [variables[i], variables[j]]
                o = crosscheck(expr, vs, [point], variables=variables, derivative=hess.matrix[i, j])
                findings.append(_Finding(o.verdict, o.rule, o.reason))
        for (a, b), claimed in claims.items():
            i, j = variables.index(a), variables.index(b)
            try:
                value = exact_value(claimed, point, variables=variables, what="the claimed entry")
            except DomainError as exc:
                findings.append(_Finding("fail", "domain", exc.message))
                continue
            jd = judge_derivative(exact[i][j], value)
            said = f"d^2f/d{a} d{b}: {jd.reason}" if not jd.passed else ""
            findings.append(_Finding(jd.verdict, jd.rule, said))
        with timer("sweep"):
            est = numeric_hessian(expr, [point[v] for v in variables], case.h, variables=variables)
        jn = judge_hessian(exact, est.value, variables)
        findings.append(_Finding(jn.verdict, jn.rule, jn.reason if not jn.passed else ""))
        err = [abs(float(exact[i][j]) - est.value[i, j]) for i, j in pairs]
        k = max(range(len(pairs)), key=err.__getitem__)
        i, j = pairs[k]
        figures = {"exact": float(exact[i][j]), "estimate": float(est.value[i, j])}
        figures |= {"h": float(est.h[i, j]), "method": "hessian"}
        rows.append(result_row(case, label, **_combined(findings), **figures))
    return Judged(rows=tuple(expect_turned(case, rows)), steps=steps)


#: kind -> its runner ``(case, timer) -> Judged``
KIND_RUNNERS: dict[str, Callable[[Case, Timer], Judged]] = {
    "derivative": _derivative_like,
    "gradient": _derivative_like,
    "homework": _homework,
    "network": _network,
    "hessian": _hessian,
}
