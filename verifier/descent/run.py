"""Gradient descent (the seed's section 11) with both gradients checked at every step.

``x <- x - lr * grad`` (the lecture's ``w - grad * w * lr`` is a typo and is not
copied).  At every point visited, the analytic gradient (the reference's, or the
``gradient`` callable given with a loss) and the numeric one (central differences) are
judged like ``gradcheck`` judges a tensor (:func:`verifier.gradcheck.judge_entries`):
within ``rtol`` plus the central difference's own error bound at ``h``, which includes
its truncation ``h^2 |d^3 f / dx_i^3| / 6`` (:func:`verifier.policy.gradient_tolerance`).
A step where that bound exceeds ``rtol`` times the gradient is *inconclusive*; a run's
check fails when any step fails, passes when no step fails and some pass
(:func:`verifier.policy.combine_verdicts`).  The step itself uses whichever ``use=`` names.

``gradient_error`` plants a relative error in the analytic gradient (it is scaled by
``1 + gradient_error``): a teaching and testing knob, to see the check catch a 0.1% error.

Each run is classified (:func:`classify_run`), in this order:

``diverged``
    the loss or a coordinate became non-finite, or the last loss is above the first.
``oscillating``
    not diverged, and the steps point back and forth: at least half of the
    consecutive step pairs have a negative dot product (``dx_k . dx_{k+1} < 0``),
    or the loss went up at some step.  The reason says whether it still
    converges (``|grad|`` fell by ``gtol``) or stays bounded.
``converged``
    ``|grad(x_last)| <= gtol * |grad(x_0)|`` (gtol = 1e-4), or the gradient is zero.
``slow``
    none of the above: still going downhill, far from stationary after the steps.

>>> run = descend("(1-x)^2 + 100(y-x^2)^2", [-1, 1], lr=0.001, steps=50)
>>> run.check_verdict
'pass'
>>> descend("(1-x)^2 + 100(y-x^2)^2", [-1, 1], lr=0.001, steps=50, gradient_error=1e-3).check_verdict
'fail'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier.descent.objective import STENCIL, Objective, objective
from verifier.errors import DomainError, VerifierError
from verifier.gradcheck import DEFAULT_RTOL, DEFAULT_TAU, judge_entries
from verifier.policy import combine_verdicts, gradient_tolerance

__all__ = ["DescentRun", "classify_run", "descend"]

GTOL = 1e-4
REGIMES = ("slow", "converged", "oscillating", "diverged")


@dataclass(frozen=True, eq=False)
class DescentRun:
    """One gradient-descent run: the path, the losses and the per-step gradient check."""

    function: str
    variables: tuple[str, ...]
    lr: float
    steps: int
    use: str
    h: float
    path: np.ndarray  # (k + 1, n) points visited
    losses: np.ndarray  # (k + 1,)
    analytic: np.ndarray  # (k + 1, n) analytic gradient at each point (as planted)
    numeric: np.ndarray  # (k + 1, n) numeric gradient at each point
    check_rel_error: np.ndarray  # (k + 1,) worst scale-aware relative error
    check_verdicts: np.ndarray  # (k + 1,) "pass" | "fail" | "inconclusive"
    check_reasons: tuple[str, ...]  # (k + 1,)
    regime: str
    reason: str
    gradient_error: float = 0.0

    @property
    def steps_run(self) -> int:
        return int(self.path.shape[0] - 1)

    @property
    def final_point(self) -> np.ndarray:
        return self.path[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def check_passed(self) -> np.ndarray:
        """Per point: True where the check passed (an inconclusive point is not a pass)."""
        return self.check_verdicts == "pass"

    @property
    def check_verdict(self) -> str:
        """``fail`` if a step failed, else ``pass`` if one passed, else ``inconclusive``."""
        return combine_verdicts(list(self.check_verdicts))

    @property
    def check_reason(self) -> str:
        """The counts, and the first failing (else inconclusive) step's reason."""
        counts = {v: int(np.count_nonzero(self.check_verdicts == v)) for v in ("pass", "fail")}
        counts["inconclusive"] = len(self.check_verdicts) - counts["pass"] - counts["fail"]
        text = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        for verdict in ("fail", "inconclusive"):
            hits = np.flatnonzero(self.check_verdicts == verdict)
            if hits.size:
                k = int(hits[0])
                return f"{text}; {verdict} first at step {k}: {self.check_reasons[k]}"
        return text

    @property
    def checks_passed(self) -> bool:
        """True when the run's check verdict is ``pass``."""
        return self.check_verdict == "pass"

    def to_frame(self):
        """One row per point: step, coordinates, loss, |grad|, check error and verdict."""
        import pandas as pd

        data: dict[str, Any] = {"step": np.arange(self.path.shape[0])}
        for i, name in enumerate(self.variables):
            data[name] = self.path[:, i]
        data["loss"] = self.losses
        data["grad_norm"] = np.linalg.norm(self.analytic, axis=1)
        data["check_rel_error"] = self.check_rel_error
        data["check_verdict"] = self.check_verdicts
        data["check_passed"] = self.check_passed
        return pd.DataFrame(data)


def classify_run(
    losses: np.ndarray, path: np.ndarray, grad_norms: np.ndarray, *, gtol: float = GTOL
) -> tuple[str, str]:
    """``(regime, reason)`` of a run; see the module docstring for the exact rules.

    >>> x = 5 * (-0.8) ** np.arange(101)          # lr = 0.9 on x^2: alternating, shrinking
    >>> classify_run(x**2, x[:, None], np.abs(2 * x))[0]
    'oscillating'
    """
    losses = np.asarray(losses, dtype=np.float64)
    path = np.asarray(path, dtype=np.float64)
    grad_norms = np.asarray(grad_norms, dtype=np.float64)
    finite = bool(np.all(np.isfinite(losses)) and np.all(np.isfinite(path)))
    if not finite:
        k = int(np.argmin(np.isfinite(losses) & np.all(np.isfinite(path), axis=1)))
        return "diverged", f"the loss overflowed (not finite) at step {k}"
    if losses[-1] > losses[0]:
        return "diverged", f"the loss grew from {losses[0]:.4g} to {losses[-1]:.4g}"
    g0, g_last = float(grad_norms[0]), float(grad_norms[-1])
    converged = g_last == 0.0 or (g0 > 0 and g_last <= gtol * g0)
    moves = np.diff(path, axis=0)
    dots = np.einsum("ij,ij->i", moves[:-1], moves[1:]) if moves.shape[0] > 1 else np.zeros(0)
    pairs = int(np.count_nonzero(dots != 0))
    against = int(np.count_nonzero(dots < 0))
    rises = int(np.count_nonzero(np.diff(losses) > 0))
    if (pairs >= 2 and against * 2 >= pairs) or rises:
        how = (
            f"{against} of {pairs} consecutive steps reverse direction"
            if against
            else f"the loss went up at {rises} step(s)"
        )
        if converged:
            return (
                "oscillating",
                f"converges with alternating sign ({how}); |grad| {g0:.3g} -> {g_last:.3g}",
            )
        return (
            "oscillating",
            f"bounded but not settling ({how}); loss {losses[0]:.4g} -> {losses[-1]:.4g}",
        )
    if converged:
        return "converged", f"|grad| fell from {g0:.3g} to {g_last:.3g} (<= {gtol:g} of start)"
    share = g_last / g0 if g0 > 0 else 0.0
    return (
        "slow",
        f"after {path.shape[0] - 1} steps |grad| is still {100 * share:.3g}% of its start "
        f"(loss {losses[0]:.4g} -> {losses[-1]:.4g}); take more steps or a larger rate",
    )


def descend(
    expr_or_loss: Any,
    start: Sequence[float] | np.ndarray,
    lr: float,
    steps: int = 100,
    *,
    variables: Sequence[str] | None = None,
    gradient: Callable[[np.ndarray], Any] | None = None,
    use: str = "analytic",
    h: float = 1e-4,
    rtol: float = DEFAULT_RTOL,
    tau: float = DEFAULT_TAU,
    gradient_error: float = 0.0,
) -> DescentRun:
    """Run ``steps`` steps of ``x <- x - lr * grad`` from ``start``.

    ``expr_or_loss`` is text (parsed by :func:`verifier.expr.parse`), a sympy
    expression, or a callable ``f(x) -> float`` on a vector with ``gradient=``.
    ``use`` picks the gradient that moves the point (``analytic`` or ``numeric``);
    both are computed and judged at every point.  ``gradient_error`` scales the analytic
    gradient by ``1 + gradient_error`` (a planted error, for teaching and testing).
    A run stops early when the loss or the point stops being finite.

    >>> run = descend("x0^2 + x1^2", [3, 4], lr=0.1, steps=50)
    >>> run.regime, run.checks_passed, bool(run.final_loss < 1e-8)
    ('converged', True, True)
    """
    x = validated_start(start, lr, steps, use, h, gradient_error)
    obj = objective(expr_or_loss, variables, gradient, x.size)
    return run_descent(obj, x, float(lr), int(steps), use, float(h), rtol, tau, gradient_error)


def validated_start(
    start: Any, lr: Any, steps: Any, use: str, h: Any, gradient_error: Any = 0.0
) -> np.ndarray:
    """The start as a float64 vector, after checking the run's settings.

    >>> validated_start([3, 4], 0.1, 10, "analytic", 1e-4).tolist()
    [3.0, 4.0]
    """
    if use not in ("analytic", "numeric"):
        raise VerifierError(f"use must be 'analytic' or 'numeric', got {use!r}")
    try:
        rate = float(lr)
    except (TypeError, ValueError):
        raise VerifierError(f"learning rate must be a number, got {lr!r}") from None
    if not math.isfinite(rate) or rate <= 0:
        raise VerifierError(f"learning rate must be a positive number, got {lr!r}", hint="e.g. 0.1")
    if int(steps) != steps or steps < 0:
        raise VerifierError(f"steps must be a non-negative integer, got {steps!r}")
    if not (isinstance(h, int | float) and math.isfinite(h) and h > 0):
        raise VerifierError(f"h must be a positive number, got {h!r}")
    if not isinstance(gradient_error, int | float) or not math.isfinite(gradient_error):
        raise VerifierError(f"gradient_error must be a finite number, got {gradient_error!r}")
    try:
        x = np.array(start, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise VerifierError(f"start must be a list of numbers, got {start!r}") from None
    return x


def _check(obj: Objective, x: np.ndarray, fx: float, g_ana: np.ndarray, h: float, rtol, tau):
    """The numeric gradient at ``x`` and the judgement of ``g_ana`` against it."""
    g_num = obj.numeric_gradient(x, h)
    thirds = obj.third_derivatives(x, h)
    third = thirds if thirds is not None else np.zeros(x.size)
    bounds = [gradient_tolerance(STENCIL, h, f_abs=abs(fx), deriv_abs=float(m)) for m in third]
    # the truncation part alone (f_abs = 0), to say which way h should move
    trunc = [gradient_tolerance(STENCIL, h, f_abs=0.0, deriv_abs=float(m)) for m in third]
    j = judge_entries(
        g_num, g_ana, bound=np.array(bounds), rtol=rtol, tau=tau, x=x, h=h, truncation=trunc
    )
    worst = float(np.max(j.scaled_rel_error)) if j.scaled_rel_error.size else 0.0
    return g_num, worst, j.verdict, j.reason


def run_descent(
    obj: Objective,
    x: np.ndarray,
    lr: float,
    steps: int,
    use: str,
    h: float,
    rtol: float,
    tau: float,
    gradient_error: float = 0.0,
) -> DescentRun:
    """The loop of :func:`descend` on a built objective and a validated start.

    >>> from verifier.descent.objective import objective
    >>> run = run_descent(objective("x^2"), np.array([1.0]), 0.25, 20, "analytic", 1e-4, 1e-5, 1e-3)
    >>> run.regime, run.check_verdict
    ('converged', 'pass')
    """
    if x.size != len(obj.variables):
        raise VerifierError(
            f"start has {x.size} value(s) but {obj.label!r} has {len(obj.variables)} variable(s) "
            f"({', '.join(obj.variables)})",
            hint="give one starting value per variable, e.g. --from 3,4",
        )
    path, losses, analytic, numeric, errors, verdicts, reasons = [], [], [], [], [], [], []
    with np.errstate(all="ignore"):
        for k in range(int(steps) + 1):
            fx = obj.value(x)
            if not math.isfinite(fx) or not np.all(np.isfinite(x)):
                if k == 0:
                    raise DomainError(
                        f"{obj.label} is not finite at the start {x.tolist()}",
                        point=x.tolist(),
                        hint="start where the function is defined",
                    )
                path.append(x.copy())
                losses.append(fx)
                analytic.append(np.full(x.size, np.nan))
                numeric.append(np.full(x.size, np.nan))
                errors.append(np.nan)
                verdicts.append("inconclusive")
                reasons.append("the run left the floats: nothing to compare")
                break
            g_ana = obj.gradient(x)
            if g_ana.shape != x.shape:
                raise VerifierError(
                    f"the gradient has {g_ana.size} entries for {x.size} variable(s)"
                )
            g_ana = g_ana * (1.0 + gradient_error) if gradient_error else g_ana
            g_num, err, verdict, why = _check(obj, x, fx, g_ana, h, rtol, tau)
            path.append(x.copy())
            losses.append(fx)
            analytic.append(g_ana)
            numeric.append(g_num)
            errors.append(err)
            verdicts.append(verdict)
            reasons.append(why)
            if k < steps:
                x = x - lr * (g_ana if use == "analytic" else g_num)
    path_a, losses_a = np.array(path), np.array(losses)
    analytic_a = np.array(analytic)
    regime, reason = classify_run(losses_a, path_a, np.linalg.norm(analytic_a, axis=1))
    return DescentRun(
        function=obj.label,
        variables=obj.variables,
        lr=lr,
        steps=int(steps),
        use=use,
        h=float(h),
        path=path_a,
        losses=losses_a,
        analytic=analytic_a,
        numeric=np.array(numeric),
        check_rel_error=np.array(errors, dtype=np.float64),
        check_verdicts=np.array(verdicts, dtype=str),
        check_reasons=tuple(reasons),
        regime=regime,
        reason=reason,
        gradient_error=float(gradient_error),
    )
