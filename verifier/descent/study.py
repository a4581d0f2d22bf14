"""A learning-rate study: runs from one start at several rates, classified and checked.

On ``f = x0^2 + x1^2`` from (3, 4) with 100 steps, ``x <- (1 - 2 lr) x``: lr = 0.001
is slow (|grad| still 82% of its start), 0.1 converges (0.8^100), 0.9 oscillates
while converging ((-0.8)^100), 1.1 diverges ((-1.2)^100).

>>> study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.001, 0.1, 0.9, 1.1], steps=100)
>>> [run.regime for run in study.runs]
['slow', 'converged', 'oscillating', 'diverged']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier.descent.objective import objective
from verifier.descent.run import DescentRun, run_descent, validated_start
from verifier.errors import VerifierError
from verifier.gradcheck import DEFAULT_RTOL, DEFAULT_TAU
from verifier.numeric.evaluate import CompiledFunction
from verifier.points import format_number
from verifier.policy import combine_verdicts

__all__ = ["LearningRateStudy", "learning_rate_study"]


@dataclass(frozen=True, eq=False)
class LearningRateStudy:
    """Runs from one start at several learning rates, classified; a table and a surface."""

    runs: tuple[DescentRun, ...]
    compiled: CompiledFunction | None = None

    @property
    def verdict(self) -> str:
        """The gradient check over every run: a failing run fails the study."""
        return combine_verdicts([r.check_verdict for r in self.runs])

    @property
    def passed(self) -> bool:
        """True when the gradient check's verdict is ``pass``."""
        return self.verdict == "pass"

    def surface(self, lo: Sequence[float], hi: Sequence[float], n: int = 161):
        """``(gx, gy, f(gx, gy))`` on an ``n x n`` grid over the box, for two variables with
        a compiled f (None otherwise): what a contour plot draws.

        >>> s = learning_rate_study("x^2 + y^2", [1, 1], [0.1], steps=2)
        >>> gx, gy, gz = s.surface([-1, -1], [1, 1], n=3)
        >>> gz.tolist()[1]
        [1.0, 0.0, 1.0]
        """
        if self.compiled is None or not self.runs or len(self.runs[0].variables) != 2:
            return None
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n))
        with np.errstate(all="ignore"):
            gz = np.asarray(self.compiled.evaluate(gx, gy), dtype=np.float64)
        return gx, gy, np.broadcast_to(gz, gx.shape)

    def to_frame(self):
        """One row per rate: lr, regime, reason, losses, final point, gradient check."""
        import pandas as pd

        rows = []
        for r in self.runs:
            verdict = r.check_verdict
            rows.append(
                {
                    "lr": r.lr,
                    "regime": r.regime,
                    "steps": r.steps_run,
                    "start_loss": float(r.losses[0]),
                    "final_loss": r.final_loss,
                    "final_point": "("
                    + ", ".join(format_number(v, 6) for v in r.final_point)
                    + ")",
                    "final_grad_norm": float(np.linalg.norm(r.analytic[-1])),
                    "max_check_rel_error": float(np.nanmax(r.check_rel_error)),
                    "gradient_check": {"pass": "pass", "fail": "FAIL"}.get(verdict, verdict),
                    "check_steps": r.check_reason.split(";")[0],
                    "reason": r.reason,
                }
            )
        return pd.DataFrame(rows)


def learning_rate_study(
    expr_or_loss: Any,
    start: Sequence[float] | np.ndarray,
    rates: Sequence[float],
    steps: int = 100,
    **options: Any,
) -> LearningRateStudy:
    """:func:`~verifier.descent.descend` from ``start`` at each rate (options passed through).

    >>> s = learning_rate_study("x^2", [1.0], [0.25, 1.0], steps=20)
    >>> s.to_frame()[["lr", "regime"]].values.tolist()
    [[0.25, 'converged'], [1.0, 'oscillating']]
    """
    if not len(rates):
        raise VerifierError("no learning rates given", hint="e.g. 0.001,0.1,0.9,1.1")
    use = options.pop("use", "analytic")
    h = options.pop("h", 1e-4)
    rtol = options.pop("rtol", DEFAULT_RTOL)
    tau = options.pop("tau", DEFAULT_TAU)
    variables = options.pop("variables", None)
    gradient = options.pop("gradient", None)
    gradient_error = options.pop("gradient_error", 0.0)
    if options:
        raise VerifierError(f"unknown option(s) {sorted(options)}")
    x = validated_start(start, rates[0], steps, use, h, gradient_error)
    obj = objective(expr_or_loss, variables, gradient, x.size)
    runs = []
    for lr in rates:
        validated_start(start, lr, steps, use, h)
        runs.append(
            run_descent(
                obj, x.copy(), float(lr), int(steps), use, float(h), rtol, tau, gradient_error
            )
        )
    return LearningRateStudy(tuple(runs), obj.compiled)
