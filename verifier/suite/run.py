"""Run case files: one row per case and point, with the verdict and the comparator's figures.

What a case verifies, by kind:

* ``derivative`` -- at every point: the rule engine's derivative agrees with
  ``sympy.diff`` (the independent oracle, both evaluated at 30 digits); every
  method's estimates converge at the method's order (from the sweep's log-log
  slope) to within ``rtol`` (or match ``estimates`` at a single ``h``); a
  ``claimed`` derivative equals the engine's; the required ``rules`` appear in
  the derivation.  A point where f' does not exist (a kink, a pole, outside the
  domain) is a *failure* of the case's claim, not a crash.
* ``gradient`` -- the same for every partial derivative at every point.
* ``homework`` -- the grader gives the case's ``verdict`` (and ``mistake``).
* ``network`` -- the network gradient check passes for every tensor.

``expect = "fail"`` turns the verdict around: each point the verifier rejects is
``xfail-caught``, each it lets through is ``xfail-missed`` (a checker bug).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "c.toml").write_text('''schema = 1
... [[case]]
... id = "seed"
... function = "x^2 + 2x + 1"
... points = [15]
... h = 0.1
... methods = ["forward", "backward", "central"]
... estimates = {forward = 32.1, backward = 31.9, central = 32}
... ''')
>>> r = run_suite([d])
>>> r.results[["case", "point", "verdict"]].values.tolist(), r.exit_code
([['seed', '15', 'pass']], 0)
"""

from __future__ import annotations

import contextlib
import fnmatch
import math
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from verifier.suite.cases import Case, CaseError, case_files, read_cases
from verifier.compare import compare
from verifier.errors import DomainError, VerifierError

__all__ = [
    "RESULT_COLUMNS",
    "CaseOutcome",
    "SuiteResult",
    "run",
    "run_suite",
    "run_case",
]

# The engine and the oracle are both exact; 30-digit values must agree far below float64.
ORACLE_RTOL = 1e-20
# A claimed derivative is exact too: it must match the engine to (near) float64 precision.
CLAIM_RTOL = 1e-12
# An `estimates = {...}` value is what the stencil gives at that h, as typed in decimal.
ESTIMATE_RTOL = 1e-9
# An explicit sweep needs this many steps before a slope can be fitted.
MIN_STEPS_FOR_ORDER = 3

RESULT_COLUMNS = [
    "file",
    "case",
    "kind",
    "point",
    "methods",
    "verdict",
    "expected",
    "reason",
    "method",
    "rel_error",
    "h",
    "exact",
    "estimate",
    "observed_order",
    "expected_order",
    "error_type",
    "duration",
]
VERDICTS = ("pass", "fail", "error", "xfail-caught", "xfail-missed")


@dataclass(frozen=True)
class CaseOutcome:
    """Everything one case produced; picklable, so it can come back from a worker process.

    ``rows`` are the results rows (dicts with :data:`RESULT_COLUMNS`); ``errors`` every
    estimate (the sweep's tidy frame, or the gradient check's per-tensor table);
    ``analysis`` best h and order per point and method; ``steps`` the derivation as text;
    ``timings`` seconds per phase (parse, derivation, oracle, sweep, grade, gradcheck).
    """

    case: Case
    rows: tuple[dict[str, Any], ...]
    errors: Any = None
    analysis: Any = None
    steps: str = ""
    duration: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The case's verdict: the worst of its rows (error > fail/xfail-missed > ...)."""
        order = ["error", "xfail-missed", "fail", "xfail-caught", "pass"]
        found = {r["verdict"] for r in self.rows}
        return next((v for v in order if v in found), "pass")

    @property
    def ok(self) -> bool:
        """True when the case held (passed, or was an expected failure that was caught)."""
        return self.verdict in ("pass", "xfail-caught")


@dataclass(frozen=True)
class SuiteResult:
    """A whole run: the results table, every estimate, the per-case outcomes, file problems."""

    results: Any
    errors: Any
    outcomes: tuple[CaseOutcome, ...]
    problems: tuple[CaseError, ...]
    duration: float

    @property
    def cases(self) -> tuple[Case, ...]:
        return tuple(o.case for o in self.outcomes)

    def summary(self) -> dict[str, Any]:
        """Counts of cases by outcome (a case counts once, by its worst row) and the time."""
        verdicts = [o.verdict for o in self.outcomes]
        return {
            "cases": len(self.outcomes),
            "points": len(self.results),
            "passed": verdicts.count("pass"),
            "failed": verdicts.count("fail") + verdicts.count("xfail-missed"),
            "errors": verdicts.count("error") + len(self.problems),
            "expected-fail caught": verdicts.count("xfail-caught"),
            "expected-fail missed": verdicts.count("xfail-missed"),
            "invalid files": len({p.path for p in self.problems}),
            "time (s)": round(self.duration, 2),
        }

    def to_frame(self) -> Any:
        """The summary as a one-row DataFrame."""
        import pandas as pd

        return pd.DataFrame([self.summary()])

    @property
    def exit_code(self) -> int:
        """0 all held, 1 a case failed or raised, 2 an invalid case file (usage error)."""
        if self.problems:
            return 2
        return 0 if all(o.ok for o in self.outcomes) else 1


# --------------------------------------------------------------------------- helpers
class _Timer:
    """Accumulates seconds per phase (parse, derivation, oracle, sweep, grade, gradcheck)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - t0


@lru_cache(maxsize=512)
def _parsed(text: str, variables: tuple[str, ...]) -> Any:
    from verifier.expr import parse

    return parse(text, variables)


@lru_cache(maxsize=512)
def _derived(text: str, variable: str, variables: tuple[str, ...]) -> Any:
    from verifier.symbolic.rules import differentiate

    return differentiate(_parsed(text, variables), variable)


def _fmt_point(point: Any) -> str:
    if isinstance(point, dict):
        return ", ".join(f"{k}={v:g}" for k, v in point.items())
    return f"{point:g}"


def _h_grid(case: Case) -> list[float] | None:
    """The case's explicit steps, or the sweep range as a list (None: the sweep's default)."""
    if case.get("h") is not None:
        return list(case.get("h"))
    h_min, h_max, per = case.get("h_min"), case.get("h_max"), case.get("per_decade")
    lo, hi = math.log10(h_min), math.log10(h_max)
    n = round((hi - lo) * per)
    return [10 ** (hi - i / per) for i in range(n + 1)]


def _mp_value(expr: Any, subs: dict[Any, float], dps: int = 30) -> Any:
    """expr at the exact float64 point, to ``dps`` digits, as an mpmath number.

    Raises DomainError when the value is not a finite real number there.
    """
    import mpmath
    import sympy

    exact_point = {s: sympy.Float(v, 60) for s, v in subs.items()}
    where = ", ".join(f"{s}={v:g}" for s, v in subs.items())
    try:
        value = expr.evalf(dps, subs=exact_point)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:  # mpmath: 1/0, log(0), ...
        raise DomainError(
            f"{expr} cannot be evaluated at {where} ({type(exc).__name__})", point=where
        ) from exc
    if not value.is_real or not value.is_finite or value.has(sympy.nan, sympy.zoo):
        raise DomainError(f"{expr} is not a finite real number at {where}", point=where)
    return mpmath.mpf(sympy.Float(value, dps)._mpf_)


def _row(case: Case, point: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(
        file=os.path.basename(case.path),
        case=case.id,
        kind=case.kind,
        point=point,
        expected=case.expect,
        methods=",".join(case.get("methods") or [])
        or {"homework": "grader", "network": f"gradcheck {case.get('mode')}"}.get(case.kind, ""),
        reason="",
        error_type="",
    )
    row.update(values)
    return row


def _finish(case: Case, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn raw pass/fail into the verdict the case expects."""
    if case.expect != "fail":
        return rows
    for r in rows:
        if r["verdict"] == "fail":
            r["verdict"] = "xfail-caught"
        elif r["verdict"] == "pass":
            r["verdict"] = "xfail-missed"
            r["reason"] = "expected the verifier to reject this, but every check held" + (
                f" ({r['reason']})" if r["reason"] else ""
            )
    return rows


# --------------------------------------------------------------------------- kinds
def _judge_methods(
    case: Case, table: Any, label: Any, hs: list[float] | None, variable: str
) -> tuple[list[str], dict[str, Any]]:
    """Failures of the numeric estimates at one point, and the figures of its worst method.

    The sweep judges convergence (its ``flag``: ``order``/``breakdown``/``domain`` fail);
    here each method's best estimate must also be within ``rtol``.  With fewer than
    :data:`MIN_STEPS_FOR_ORDER` explicit steps there is no slope: every estimate must be
    within ``rtol``, or equal the case's ``estimates``.
    """
    import numpy as np

    from verifier.sweep import FAILING_FLAGS

    frame, analysis = table.frame, table.analysis
    fsel = (frame["point"] == label) & (frame["variable"] == variable)
    asel = (analysis["point"] == label) & (analysis["variable"] == variable)
    failures: list[str] = []
    worst: dict[str, Any] = {}
    estimates = case.get("estimates") or {}
    rtol, atol = case.get("rtol"), case.get("atol")
    tag = f"d/d{variable} " if case.kind == "gradient" else ""
    few_steps = hs is not None and len(hs) < MIN_STEPS_FOR_ORDER
    domain = analysis[asel & (analysis["flag"] == "domain")]
    if len(domain):  # the sweep found f or f' undefined here: one reason, not one per method
        return [f"{tag}the sweep cannot measure here: {domain['diagnosis'].iloc[0]}"], worst
    for method in case.get("methods"):
        rows = frame[fsel & (frame["method"] == method)]
        arow = analysis[asel & (analysis["method"] == method)]
        a = arow.iloc[0] if len(arow) else None
        flag = str(a["flag"]) if a is not None else ""
        if rows.empty:
            if flag == "skipped":
                continue  # complex step where it is unsafe: the analysis says why
            failures.append(f"{tag}{method}: no finite estimate at any step")
            continue
        rel = rows["rel_error"].to_numpy(float)
        ib = int(np.nanargmin(np.where(np.isfinite(rel), rel, np.inf)))
        best = rows.iloc[ib]
        figures = {
            "method": method,
            "rel_error": float(best["rel_error"]),
            "h": float(best["h"]),
            "exact": float(best["exact"]),
            "estimate": float(best["estimate"]),
            "observed_order": float(a["observed_order"]) if a is not None else math.nan,
            "expected_order": float(a["expected_order"]) if a is not None else math.nan,
        }
        if method in estimates:
            c = compare(estimates[method], rows["estimate"].to_numpy(float), rtol=ESTIMATE_RTOL)
            if not c.ok:
                failures.append(
                    f"{tag}{method}: estimate {float(rows['estimate'].iloc[0]):.17g} at "
                    f"h = {float(rows['h'].iloc[0]):g}, the case expects {estimates[method]:g}"
                )
            figures["rel_error"] = c.max_rel_error
        elif few_steps:
            c = compare(
                rows["exact"].to_numpy(float),
                rows["estimate"].to_numpy(float),
                rtol=rtol,
                atol=atol,
            )
            if not c.ok:
                failures.append(f"{tag}{method}: {c.summary()}")
        else:
            c = compare(figures["exact"], figures["estimate"], rtol=rtol, atol=atol)
            if not c.ok:
                failures.append(
                    f"{tag}{method}: best relative error {figures['rel_error']:.3g} at "
                    f"h = {figures['h']:g} (estimate {figures['estimate']:.17g}, exact "
                    f"{figures['exact']:.17g}) exceeds rtol {rtol:g}"
                )
            if flag in FAILING_FLAGS or flag == "unfitted":
                failures.append(f"{tag}{method}: {a['diagnosis'] or flag}")
        if not worst or not figures["rel_error"] <= worst["rel_error"]:
            worst = figures
    return failures, worst


def _sweep_table(
    case: Case, expr: Any, variables: Sequence[str], points: list[Any], claimed: Any, timer: _Timer
) -> Any:
    from verifier.sweep import sweep

    var: Any = variables[0] if case.kind == "derivative" else list(variables)
    with timer("sweep"):
        return sweep(
            expr,
            var,
            points=points,
            methods=list(case.get("methods")),
            h=_h_grid(case),
            claimed=claimed or None,
            rtol=case.get("rtol"),
            atol=case.get("atol"),
        )


def _derivative_like(case: Case, timer: _Timer) -> CaseOutcome:
    """The derivative and gradient kinds: engine vs oracle vs numeric vs claim, per point."""
    import sympy

    from verifier.numeric.estimate import format_point
    from verifier.expr import symbol
    from verifier.symbolic.steps import render_steps

    function = case.get("function")
    if case.kind == "derivative":
        variables: tuple[str, ...] = (case.get("variable"),)
        points: list[Any] = [float(p) for p in case.get("points")]
        claimed = {variables[0]: case.get("claimed")} if case.get("claimed") else {}
        expected_values: dict[str, float] = {}
    else:
        pts = case.get("points") or [case.get("point")]
        variables = tuple(case.get("variables") or pts[0])
        points = [{v: float(p[v]) for v in variables} for p in pts]
        claimed = dict(case.get("claimed") or {})
        expected_values = dict(case.get("expected") or {})
    with timer("parse"):
        expr = _parsed(function, variables)
        claimed_exprs = {v: _parsed(t, variables) for v, t in claimed.items()}
    with timer("derivation"):
        derivations = {v: _derived(function, v, variables) for v in variables}
    with timer("oracle"):
        oracle = {v: sympy.diff(expr, symbol(v)) for v in variables}
    steps = "\n\n".join(
        (f"d/d{v}:\n" if len(variables) > 1 else "") + render_steps(derivations[v], "text")
        for v in variables
    )
    used = frozenset().union(*(d.rules_used for d in derivations.values()))
    missing_rules = [r for r in case.get("rules") or [] if r not in used]

    def subs_of(p: Any) -> dict[Any, float]:
        return {symbol(v): (p if case.kind == "derivative" else p[v]) for v in variables}

    # Points where f or f' is undefined fail the case's claim (a kink, a pole, outside the
    # domain); they are found first so that the sweep only sees points with a reference.
    domain_failures: dict[int, str] = {}
    engine: dict[tuple[int, str], Any] = {}
    with timer("oracle"):
        for i, p in enumerate(points):
            try:
                _mp_value(expr, subs_of(p))
                for v in variables:
                    engine[(i, v)] = _mp_value(derivations[v].result, subs_of(p))
            except DomainError as exc:
                domain_failures[i] = f"f or f' is undefined here: {exc.message}"
    good = [p for i, p in enumerate(points) if i not in domain_failures]
    table = None
    sweep_error = ""
    if good:
        try:
            table = _sweep_table(case, expr, variables, good, claimed_exprs, timer)
        except DomainError as exc:
            sweep_error = f"the numeric sweep cannot run here: {exc.message}"
    claim_frame = table.claim.frame if table is not None and table.claim is not None else None

    rows: list[dict[str, Any]] = []
    for i, p in enumerate(points):
        label = _fmt_point(p)
        if i in domain_failures:
            rows.append(_row(case, label, verdict="fail", reason=domain_failures[i]))
            continue
        sweep_label = p if case.kind == "derivative" else format_point(p, variables)
        failures: list[str] = []
        worst: dict[str, Any] = {}
        for v in variables:
            value = engine[(i, v)]
            tag = f"d/d{v} " if case.kind == "gradient" else ""
            with timer("oracle"):
                try:
                    reference = _mp_value(oracle[v], subs_of(p))
                    if not compare([reference], [value], rtol=ORACLE_RTOL, atol=0.0).ok:
                        failures.append(
                            f"{tag}rule engine gives {float(value):.17g} but sympy.diff gives "
                            f"{float(reference):.17g}"
                        )
                except DomainError as exc:
                    failures.append(f"{tag}sympy.diff is undefined here: {exc.message}")
                if v in claimed_exprs:
                    try:
                        said = _mp_value(claimed_exprs[v], subs_of(p))
                        c = compare([value], [said], rtol=CLAIM_RTOL, atol=case.get("atol"))
                        if not c.ok:
                            failures.append(
                                f"{tag}claimed {claimed[v]} gives {float(said):.17g}, but "
                                f"f' = {float(value):.17g} (rel error {c.max_rel_error:.3g})"
                            )
                    except DomainError as exc:
                        failures.append(
                            f"{tag}claimed {claimed[v]} is undefined here: {exc.message}"
                        )
                if v in expected_values:
                    c = compare(
                        [value], [expected_values[v]], rtol=CLAIM_RTOL, atol=case.get("atol")
                    )
                    if not c.ok:
                        failures.append(
                            f"{tag}expected {expected_values[v]:g}, but it is {float(value):.17g}"
                        )
            if table is None:
                failures.append(sweep_error)
                continue
            fails, w = _judge_methods(case, table, sweep_label, case.get("h"), v)
            failures += fails
            if w and (not worst or not w["rel_error"] <= worst["rel_error"]):
                worst = w
            if claim_frame is not None and v in claimed_exprs:
                # The sweep's own claim check: the numeric estimates against the claim.
                sel = claim_frame[
                    (claim_frame["variable"] == v) & (claim_frame["point"] == sweep_label)
                ]
                if (
                    len(sel)
                    and not bool(sel["agrees"].iloc[0])
                    and not any("claimed" in f for f in failures)
                ):
                    failures.append(
                        f"{tag}the numeric estimates do not converge to the claim {claimed[v]}"
                    )
        if missing_rules:
            failures.append(
                f"rules {', '.join(missing_rules)} do not appear in the derivation "
                f"(used: {', '.join(sorted(used))})"
            )
        rows.append(
            _row(
                case,
                label,
                verdict="fail" if failures else "pass",
                reason="; ".join(failures),
                **worst,
            )
        )
    return CaseOutcome(
        case=case,
        rows=tuple(_finish(case, rows)),
        errors=table.frame.copy() if table is not None else None,
        analysis=table.analysis.copy() if table is not None else None,
        steps=steps,
    )


def _homework(case: Case, timer: _Timer) -> CaseOutcome:
    from verifier.homework.judge import check

    with timer("grade"):
        variables = case.get("variables")
        grade = check(
            case.get("function"),
            case.get("answer"),
            case.get("variable"),
            variables=tuple(variables) if variables else None,
        )
    failures = []
    if grade.verdict != case.get("verdict"):
        failures.append(
            f"the grader says {grade.verdict} ({grade.reason}), the case expects {case.get('verdict')}"
        )
    want = case.get("mistake")
    if want and grade.mistake != want:
        failures.append(
            f"the grader diagnosed mistake {grade.mistake!r}, the case expects {want!r}"
        )
    reason = "; ".join(failures) or f"{grade.verdict}: {grade.reason}"
    counter = grade.counterexample
    figures: dict[str, Any] = {}
    if counter is not None:
        # The counterexample's values: the correct derivative and the answer at its point.
        figures = {
            "exact": float(counter.correct) if counter.correct is not None else None,
            "estimate": float(counter.answer) if counter.answer is not None else None,
        }
    row = _row(
        case,
        f"{case.get('answer')}",
        verdict="fail" if failures else "pass",
        reason=reason,
        method="grader",
        **figures,
    )
    return CaseOutcome(
        case=case,
        rows=tuple(_finish(case, [row])),
        steps=str(getattr(grade, "steps", "") or ""),
    )


def _network(case: Case, timer: _Timer) -> CaseOutcome:
    """The seed's network: backprop against central differences, every tensor (one row)."""
    from verifier.gradcheck import gradcheck_network

    with timer("gradcheck"):
        result = gradcheck_network(
            sizes=tuple(case.get("sizes")),
            batch=case.get("batch"),
            seed=case.get("seed"),
            mode=case.get("mode"),
            h=case.get("h"),
            bug=case.get("bug"),
            progress=False,
        )
    frame = result.to_frame()
    worst = frame.loc[frame["max_rel_error"].astype(float).idxmax()] if len(frame) else None
    failed = frame[~frame["passed"].astype(bool)] if len(frame) else frame
    if len(failed):
        reason = "; ".join(
            f"{r.tensor}: {r.wrong} wrong, worst at {r.worst_index} (numeric {r.worst_numeric:.17g}, "
            f"backprop {r.worst_analytic:.17g}, rel error {r.max_rel_error:.3g})"
            for r in failed.itertuples(index=False)
        )
    else:
        reason = f"{result.n_checked} parameters agree" + (
            f" ({result.n_kinks} kinks excluded)" if result.n_kinks else ""
        )
    sizes = "-".join(str(s) for s in case.get("sizes"))
    row = _row(
        case,
        f"{sizes}, N={case.get('batch')}",
        verdict="pass" if result.passed and not len(failed) else "fail",
        reason=reason,
        method=case.get("mode"),
        h=case.get("h"),
        rel_error=float(worst["max_rel_error"]) if worst is not None else None,
        exact=float(worst["worst_analytic"]) if worst is not None else None,
        estimate=float(worst["worst_numeric"]) if worst is not None else None,
    )
    return CaseOutcome(
        case=case, rows=tuple(_finish(case, [row])), errors=frame, steps=result.summary()
    )


_KINDS: dict[str, Callable[[Case, _Timer], CaseOutcome]] = {
    "derivative": _derivative_like,
    "gradient": _derivative_like,
    "homework": _homework,
    "network": _network,
}


def _error_outcome(case: Case, exc: BaseException, duration: float = 0.0) -> CaseOutcome:
    message = str(exc) if isinstance(exc, VerifierError) else f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, VerifierError):
        # An unexpected exception is a bug somewhere: keep the place it happened.
        tb = traceback.extract_tb(exc.__traceback__)
        if tb:
            last = tb[-1]
            message += f" (at {os.path.basename(last.filename)}:{last.lineno})"
    row = _row(
        case,
        "",
        verdict="error",
        reason=message,
        error_type=type(exc).__name__,
        duration=duration,
    )
    return CaseOutcome(case=case, rows=(row,), duration=duration)


def run_case(case: Case) -> CaseOutcome:
    """Run one case; never raises (an exception becomes an ``error`` row).

    >>> from verifier.suite.cases import Case
    >>> c = Case(id="lin", kind="derivative", path="x.toml", line=1,
    ...          values={"function": "3x", "variable": "x", "points": [1.0], "methods": ["central"],
    ...                  "h": [0.5], "rtol": 1e-6, "atol": 1e-12, "rules": []})
    >>> out = run_case(c)
    >>> out.verdict, out.rows[0]["exact"]
    ('pass', 3.0)
    """
    timer = _Timer()
    t0 = time.perf_counter()
    try:
        outcome = _KINDS[case.kind](case, timer)
    except Exception as exc:  # one case that raises must not stop the suite
        return _error_outcome(case, exc, time.perf_counter() - t0)
    duration = time.perf_counter() - t0
    share = duration / max(len(outcome.rows), 1)
    rows = tuple({**r, "duration": share} for r in outcome.rows)
    return CaseOutcome(
        case=outcome.case,
        rows=rows,
        errors=outcome.errors,
        analysis=outcome.analysis,
        steps=outcome.steps,
        duration=duration,
        timings=timer.seconds,
    )


def _matcher(select: str | Callable[[Case], bool] | None) -> Callable[[Case], bool]:
    if select is None:
        return lambda case: True
    if callable(select):
        return select
    pattern = select.lower()
    if any(ch in pattern for ch in "*?["):
        return lambda case: (
            fnmatch.fnmatchcase(case.id.lower(), pattern)
            or fnmatch.fnmatchcase(case.key.lower(), pattern)
        )
    return lambda case: pattern in case.key.lower()


def collect(
    paths: Sequence[str | os.PathLike[str]], select: str | Callable[[Case], bool] | None = None
) -> tuple[list[Case], list[CaseError]]:
    """Read every case file (folders give their ``*.toml``): the selected cases and all problems."""
    files = case_files(paths)
    keep = _matcher(select)
    cases: list[Case] = []
    problems: list[CaseError] = []
    for path in files:
        f = read_cases(path)
        problems.extend(f.problems)
        cases.extend(c for c in f.cases if keep(c))
    return cases, problems


def run_suite(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    executor: Executor | None = None,
    select: str | Callable[[Case], bool] | None = None,
    progress: Callable[[CaseOutcome], None] | None = None,
) -> SuiteResult:
    """Run every case in ``paths`` (files or folders) and gather a :class:`SuiteResult`.

    ``executor``: any :class:`concurrent.futures.Executor` (a process pool runs cases in
    parallel); None runs them here, one by one.  ``select``: a substring or glob of case ids
    (``-k``), or a predicate.  ``progress`` is called with each finished case.  A broken
    file becomes a problem (exit code 2) and its valid cases still run; a case that raises
    becomes an ``error`` row.  See the module docstring for an example.
    """
    import pandas as pd

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    t0 = time.perf_counter()
    cases, problems = collect(paths, select)
    outcomes: list[CaseOutcome | None] = [None] * len(cases)
    if executor is None:
        for i, case in enumerate(cases):
            outcomes[i] = run_case(case)
            if progress:
                progress(outcomes[i])
    else:
        from concurrent.futures import as_completed

        futures = {executor.submit(run_case, case): i for i, case in enumerate(cases)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                outcomes[i] = fut.result()
            except Exception as exc:  # a worker that died or a result that did not pickle
                outcomes[i] = _error_outcome(cases[i], exc)
            if progress:
                progress(outcomes[i])
    done = tuple(o for o in outcomes if o is not None)
    rows = [r for o in done for r in o.rows]
    for p in problems:
        rows.append(
            {
                **dict.fromkeys(RESULT_COLUMNS),
                "file": os.path.basename(p.path),
                "case": p.case_id or "",
                "kind": "",
                "point": "",
                "verdict": "error",
                "expected": "",
                "reason": str(p),
                "error_type": "CaseError",
            }
        )
    results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    frames = []
    for o in done:
        if o.errors is not None and len(o.errors) and o.case.kind in ("derivative", "gradient"):
            f = o.errors.copy()
            f.insert(0, "case", o.case.id)
            f.insert(0, "file", os.path.basename(o.case.path))
            frames.append(f)
    errors = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return SuiteResult(
        results=results,
        errors=errors,
        outcomes=done,
        problems=tuple(problems),
        duration=time.perf_counter() - t0,
    )


def run(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    executor: Executor | None = None,
    select: str | Callable[[Case], bool] | None = None,
    progress: Callable[[CaseOutcome], None] | None = None,
) -> Any:
    """Run the cases in ``paths``; the results DataFrame (one row per case and point).

    :func:`run_suite` gives the same with every estimate, the per-case details and the
    exit code.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "c.toml").write_text('schema = 1\\n[[case]]\\nid = "wrong"\\nfunction = "x^2"\\n'
    ...     'points = [1, 2]\\nclaimed = "x"\\nexpect = "fail"\\nmethods = ["central"]\\n')
    >>> run(d)["verdict"].tolist()
    ['xfail-caught', 'xfail-caught']
    """
    return run_suite(paths, executor=executor, select=select, progress=progress).results
