"""Gradient descent (the seed's section 11) with both gradients checked at every step.

``x <- x - lr * grad`` (the lecture's ``w - grad * w * lr`` is a typo and is not
copied).  At every point visited, the analytic gradient (our rule engine, or the
``gradient`` callable given with a loss) and the numeric one (the seed's central
differences) are compared with :func:`verifier.compare.compare`; the step itself
uses whichever ``use=`` names.

A learning-rate study runs several rates from one start and classifies each run
(:func:`classify_run`), in this order:

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

On ``f = x0^2 + x1^2`` from (3, 4) with 100 steps, ``x <- (1 - 2 lr) x``: lr = 0.001
is slow (|grad| still 82% of its start), 0.1 converges (0.8^100), 0.9 oscillates
while converging ((-0.8)^100), 1.1 diverges ((-1.2)^100).

>>> study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.001, 0.1, 0.9, 1.1], steps=100)
>>> [run.regime for run in study.runs]
['slow', 'converged', 'oscillating', 'diverged']
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verifier.compare import compare
from verifier.errors import DomainError, VerifierError
from verifier.files import write_atomic
from verifier.gradcheck import (
    ATOL_ROUNDOFF_FACTOR,
    DEFAULT_RTOL,
    DEFAULT_TAU,
    gradcheck,
)
from verifier.network import TwoLayerNet, random_batch
from verifier.numeric.estimate import nditer_gradient
from verifier.report.plots import figure_bytes

__all__ = [
    "DescentRun",
    "LearningRateStudy",
    "TrainingComparison",
    "classify_run",
    "compare_training",
    "descend",
    "learning_rate_study",
]

GTOL = 1e-4
_STYLES = ("-", "--", "-.", ":")
REGIMES = ("slow", "converged", "oscillating", "diverged")


# ----------------------------------------------------------------------------- objective
@dataclass(frozen=True, eq=False)
class _Objective:
    """f(x) and its analytic gradient on a float64 vector."""

    label: str
    variables: tuple[str, ...]
    value: Callable[[np.ndarray], float]
    gradient: Callable[[np.ndarray], np.ndarray]
    vectorized: Callable[..., Any] | None  # f over grids (for contour plots), when compiled


def _natural(name: str) -> tuple[str, int]:
    m = re.fullmatch(r"(.*?)(\d*)", name)
    assert m is not None
    return m.group(1), int(m.group(2)) if m.group(2) else -1


def _objective(
    expr_or_loss: Any, variables: Sequence[str] | None, gradient: Callable | None, n: int
) -> _Objective:
    import sympy

    if callable(expr_or_loss) and not isinstance(expr_or_loss, sympy.Basic):
        grad = gradient if gradient is not None else getattr(expr_or_loss, "gradient", None)
        if grad is None:
            raise VerifierError(
                "a loss callable needs its analytic gradient to check against",
                hint="pass gradient=lambda x: ... (or give the loss a .gradient method)",
            )
        names = tuple(variables) if variables else tuple(f"x{i}" for i in range(n))
        label = getattr(expr_or_loss, "__name__", "loss")

        def value(x: np.ndarray) -> float:
            return float(expr_or_loss(x))

        def grad_fn(x: np.ndarray) -> np.ndarray:
            return np.asarray(grad(x), dtype=np.float64).reshape(-1)

        return _Objective(label, names, value, grad_fn, None)

    from verifier.numeric.estimate import compile_function
    from verifier.symbolic.rules import gradient as rule_gradient

    if isinstance(expr_or_loss, str):
        from verifier.expr import parse_with_warnings

        parsed = parse_with_warnings(
            expr_or_loss, variables=tuple(variables) if variables else None
        )
        expr, label = parsed.expr, expr_or_loss
        names = tuple(variables) if variables else tuple(sorted(parsed.variables, key=_natural))
    elif isinstance(expr_or_loss, sympy.Expr):
        expr, label = expr_or_loss, str(expr_or_loss)
        found = sorted((s.name for s in expr.free_symbols), key=_natural)
        names = tuple(variables) if variables else tuple(found)
    else:
        raise VerifierError(
            f"cannot descend on a {type(expr_or_loss).__name__}",
            hint="give an expression (text or sympy) or a loss callable with a gradient",
        )
    if not names:
        raise VerifierError(f"{label!r} has no variables to descend on")
    f = compile_function(expr, names)
    partials = [compile_function(d.result, names) for d in rule_gradient(expr, names).values()]

    def value_expr(x: np.ndarray) -> float:
        return float(f(*x))

    def grad_expr(x: np.ndarray) -> np.ndarray:
        return np.array([float(p(*x)) for p in partials])

    return _Objective(label, names, value_expr, grad_expr, f)


# ----------------------------------------------------------------------------- runs
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
    analytic: np.ndarray  # (k + 1, n) analytic gradient at each point
    numeric: np.ndarray  # (k + 1, n) numeric gradient at each point
    check_rel_error: np.ndarray  # (k + 1,) worst scale-aware relative error
    check_passed: np.ndarray  # (k + 1,) bool
    regime: str
    reason: str

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
    def checks_passed(self) -> bool:
        """True when analytic and numeric gradients agreed at every point visited."""
        return bool(np.all(self.check_passed))

    def to_frame(self):
        """One row per point: step, coordinates, loss, |grad|, check error and verdict."""
        import pandas as pd

        data: dict[str, Any] = {"step": np.arange(self.path.shape[0])}
        for i, name in enumerate(self.variables):
            data[name] = self.path[:, i]
        data["loss"] = self.losses
        data["grad_norm"] = np.linalg.norm(self.analytic, axis=1)
        data["check_rel_error"] = self.check_rel_error
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


def _check_gradients(numeric: np.ndarray, analytic: np.ndarray, loss: float, h: float, rtol, tau):
    atol = ATOL_ROUNDOFF_FACTOR * np.finfo(np.float64).eps * max(abs(loss), 1.0) / h
    scale = float(np.max(np.abs(numeric))) if numeric.size else 0.0
    c = compare(numeric, analytic, rtol=rtol, atol=atol, floor=tau * scale)
    return c.max_rel_error, c.ok


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
) -> DescentRun:
    """Run ``steps`` steps of ``x <- x - lr * grad`` from ``start``.

    ``expr_or_loss`` is text (parsed by :func:`verifier.expr.parse`), a sympy
    expression, or a callable ``f(x) -> float`` on a vector with ``gradient=``.
    ``use`` picks the gradient that moves the point (``analytic`` or ``numeric``);
    both are computed and compared at every point.  A run stops early when the
    loss or the point stops being finite.

    >>> run = descend("x0^2 + x1^2", [3, 4], lr=0.1, steps=50)
    >>> run.regime, run.checks_passed, bool(run.final_loss < 1e-8)
    ('converged', True, True)
    """
    x = _validated_start(start, lr, steps, use, h)
    obj = _objective(expr_or_loss, variables, gradient, x.size)
    return _run(obj, x, float(lr), int(steps), use, float(h), rtol, tau)


def _validated_start(start: Any, lr: Any, steps: Any, use: str, h: Any) -> np.ndarray:
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
    try:
        x = np.array(start, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise VerifierError(f"start must be a list of numbers, got {start!r}") from None
    return x


def _run(
    obj: _Objective,
    x: np.ndarray,
    lr: float,
    steps: int,
    use: str,
    h: float,
    rtol: float,
    tau: float,
) -> DescentRun:
    if x.size != len(obj.variables):
        raise VerifierError(
            f"start has {x.size} value(s) but {obj.label!r} has {len(obj.variables)} variable(s) "
            f"({', '.join(obj.variables)})",
            hint="give one starting value per variable, e.g. --from 3,4",
        )
    path, losses, analytic, numeric, errors, oks = [], [], [], [], [], []
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
                oks.append(True)  # nothing to compare: the run left the floats
                break
            work = x.copy()
            g_num = nditer_gradient(lambda w=work: obj.value(w), work, float(h))
            g_ana = obj.gradient(x)
            if g_ana.shape != x.shape:
                raise VerifierError(
                    f"the gradient has {g_ana.size} entries for {x.size} variable(s)"
                )
            err, ok = _check_gradients(g_num, g_ana, fx, float(h), rtol, tau)
            path.append(x.copy())
            losses.append(fx)
            analytic.append(g_ana)
            numeric.append(g_num)
            errors.append(err)
            oks.append(ok)
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
        check_passed=np.array(oks, dtype=bool),
        regime=regime,
        reason=reason,
    )


# ----------------------------------------------------------------------------- the study
@dataclass(frozen=True, eq=False)
class LearningRateStudy:
    """Runs from one start at several learning rates, classified; table and plot."""

    runs: tuple[DescentRun, ...]
    vectorized: Callable[..., Any] | None = None

    @property
    def passed(self) -> bool:
        """True when the gradient check held at every point of every run."""
        return all(r.checks_passed for r in self.runs)

    def to_frame(self):
        """One row per rate: lr, regime, reason, losses, final point, gradient check."""
        import pandas as pd

        rows = []
        for r in self.runs:
            rows.append(
                {
                    "lr": r.lr,
                    "regime": r.regime,
                    "steps": r.steps_run,
                    "start_loss": float(r.losses[0]),
                    "final_loss": r.final_loss,
                    "final_point": "(" + ", ".join(f"{v:.6g}" for v in r.final_point) + ")",
                    "final_grad_norm": float(np.linalg.norm(r.analytic[-1])),
                    "max_check_rel_error": float(np.nanmax(r.check_rel_error)),
                    "gradient_check": "pass" if r.checks_passed else "FAIL",
                    "reason": r.reason,
                }
            )
        return pd.DataFrame(rows)

    def to_csv(self) -> str:
        return self.to_frame().to_csv(index=False)

    def to_markdown(self) -> str:
        return self.to_frame().to_markdown(index=False, floatfmt=".4g")

    def figure(self):
        """Left: the paths on a contour of f (two variables); right: loss vs step, log scale."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        two_d = len(self.runs[0].variables) == 2 if self.runs else False
        fig, axes = plt.subplots(1, 2 if two_d else 1, figsize=(12 if two_d else 6.5, 5))
        axes = np.atleast_1d(axes)
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        if two_d:
            self._contour(axes[0], colors)
        ax = axes[-1]
        all_losses = np.concatenate([r.losses[np.isfinite(r.losses)] for r in self.runs])
        ref = 0.0 if all_losses.size == 0 or all_losses.min() >= 0 else float(all_losses.min())
        # a window of 48 decades around the start: exact zeros and overflowing runs would
        # otherwise squash every other curve
        top = max(float(np.max(np.abs(r.losses[0] - ref))) for r in self.runs) or 1.0
        bottom, ceiling = top * 1e-24, top * 1e24
        for i, r in enumerate(self.runs):
            y = np.clip(np.abs(r.losses - ref), bottom, ceiling)
            ax.semilogy(
                np.arange(y.size),
                y,
                color=colors[i % len(colors)],
                label=f"lr={r.lr:g} ({r.regime})",
            )
        ax.set_ylim(bottom / 10, ceiling * 10)
        ax.set_xlabel("step")
        ax.set_ylabel("loss" if ref == 0 else f"loss - ({ref:.4g})")
        ax.set_title("loss against step (log scale)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def _contour(self, ax, colors) -> None:
        start = self.runs[0].path[0]
        tame = [
            r.path[np.all(np.isfinite(r.path), axis=1)] for r in self.runs if r.regime != "diverged"
        ]
        pts = np.vstack([start[None, :], *tame]) if tame else start[None, :]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.maximum(hi - lo, 1e-3 * np.maximum(np.abs(hi), 1.0))
        lo, hi = lo - 0.35 * span, hi + 0.35 * span
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 161), np.linspace(lo[1], hi[1], 161))
        if self.vectorized is not None:
            with np.errstate(all="ignore"):
                gz = np.asarray(self.vectorized(gx, gy), dtype=np.float64)
            gz = np.broadcast_to(gz, gx.shape)
            finite = gz[np.isfinite(gz)]
            if finite.size:
                ax.contour(gx, gy, gz, levels=20, cmap="Greys", linewidths=0.7)
        for i, r in enumerate(self.runs):
            ax.plot(
                r.path[:, 0],
                r.path[:, 1],
                ".-",
                color=colors[i % len(colors)],
                ms=3,
                lw=0.8,
                label=f"lr={r.lr:g}",
            )
        ax.plot([start[0]], [start[1]], "k*", ms=10, label="start")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal", adjustable="box")
        v = self.runs[0].variables
        ax.set_xlabel(v[0])
        ax.set_ylabel(v[1])
        ax.set_title(f"paths on contours of {self.runs[0].function}")
        ax.legend(fontsize=8)

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """Write the figure (PNG, or the format of the suffix) whole; returns the path."""

        return _write_figure(self.figure(), path)

    def write(self, out: str | os.PathLike[str], stem: str = "descend") -> dict[str, Path]:
        """``out/<stem>.csv``, ``.md`` and ``.png``, each written whole."""
        folder = Path(out)
        paths = {
            "csv": folder / f"{stem}.csv",
            "markdown": folder / f"{stem}.md",
            "plot": folder / f"{stem}.png",
        }
        write_atomic(paths["csv"], self.to_csv())
        write_atomic(paths["markdown"], self.to_markdown() + "\n")
        self.plot(paths["plot"])
        return paths


def learning_rate_study(
    expr_or_loss: Any,
    start: Sequence[float] | np.ndarray,
    rates: Sequence[float],
    steps: int = 100,
    **options: Any,
) -> LearningRateStudy:
    """:func:`descend` from ``start`` at each rate in ``rates`` (options passed through).

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
    if options:
        raise VerifierError(f"unknown option(s) {sorted(options)}")
    x = _validated_start(start, rates[0], steps, use, h)
    obj = _objective(expr_or_loss, variables, gradient, x.size)
    runs = []
    for lr in rates:
        _validated_start(start, lr, steps, use, h)
        runs.append(_run(obj, x.copy(), float(lr), int(steps), use, float(h), rtol, tau))
    return LearningRateStudy(tuple(runs), obj.vectorized)


# ----------------------------------------------------------------------------- networks
@dataclass(frozen=True, eq=False)
class TrainingComparison:
    """``TwoLayerNet`` trained twice from one seed: with backprop and with numeric gradients."""

    sizes: tuple[int, int, int]
    batch: int
    seed: int
    lr: float
    losses_analytic: np.ndarray
    losses_numeric: np.ndarray
    gradcheck_passed: np.ndarray  # per step: backprop vs numeric on the numeric-trained net
    kinks: np.ndarray  # per step
    # The curves are not identical to round-off: at ReLU kinks the central difference is
    # not the derivative (errors up to ~1e-4 absolute on a few hundred W0 entries), so the
    # numeric-trained net drifts by ~1e-6..1e-5 relative in loss over a few steps at
    # lr = 0.1; 1e-4 allows that and still flags a real disagreement.
    rtol: float = 1e-4

    @property
    def coincide(self) -> bool:
        """The two loss curves agree to ``rtol`` at every step (the one comparator)."""
        return compare(self.losses_numeric, self.losses_analytic, rtol=self.rtol, atol=0.0).ok

    @property
    def max_gap(self) -> float:
        return compare(self.losses_numeric, self.losses_analytic, rtol=self.rtol).max_rel_error

    @property
    def passed(self) -> bool:
        return self.coincide and bool(np.all(self.gradcheck_passed))

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "step": np.arange(self.losses_analytic.size),
                "loss_backprop": self.losses_analytic,
                "loss_numeric": self.losses_numeric,
                "rel_gap": compare(
                    self.losses_numeric, self.losses_analytic, rtol=self.rtol
                ).rel_error,
                "gradcheck": np.where(self.gradcheck_passed, "pass", "FAIL"),
                "kinks": self.kinks,
            }
        )

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """Both loss curves against step (they should lie on top of each other)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        steps = np.arange(self.losses_analytic.size)
        ax.plot(steps, self.losses_analytic, "o-", label="backprop gradient")
        ax.plot(steps, self.losses_numeric, "x--", label="numeric gradient (full)")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        d, hdn, c = self.sizes
        ax.set_title(f"TwoLayerNet {d}-{hdn}-{c}, N={self.batch}, lr={self.lr:g}")
        ax.legend()
        fig.tight_layout()
        return _write_figure(fig, path)


def compare_training(
    sizes: tuple[int, int, int] = (784, 50, 10),
    batch: int = 100,
    seed: int = 0,
    lr: float = 0.1,
    steps: int = 5,
    *,
    h: float = 1e-4,
) -> TrainingComparison:
    """Train two identical nets ``steps`` steps, one with backprop, one with numeric gradients.

    At every step the numeric-trained net's backprop gradient is checked against its
    numeric gradient (:func:`verifier.gradcheck.gradcheck`, ``full`` mode, kinks excluded).

    >>> tc = compare_training((8, 5, 3), batch=6, steps=3, lr=0.5)
    >>> tc.coincide, bool(tc.losses_analytic[-1] < tc.losses_analytic[0])
    (True, True)
    """
    if not math.isfinite(float(lr)) or lr <= 0:
        raise VerifierError(f"learning rate must be a positive number, got {lr!r}")
    if int(steps) != steps or steps < 0:
        raise VerifierError(f"steps must be a non-negative integer, got {steps!r}")
    d, hdn, c = (int(s) for s in sizes)
    by_backprop = TwoLayerNet(d, hdn, c, seed=seed)
    by_numeric = TwoLayerNet(d, hdn, c, seed=seed)
    x, t = random_batch(batch, d, c, seed=seed)
    la, ln, passed, kinks = [], [], [], []
    for k in range(int(steps) + 1):
        la.append(by_backprop.loss(x, t))
        loss_n = by_numeric.loss_fn(x, t)
        ln.append(loss_n())
        check = gradcheck(loss_n, by_numeric.params, by_numeric.gradient(x, t), h=h, mode="full")
        passed.append(check.passed)
        kinks.append(check.n_kinks)
        if k == steps:
            break
        grads_a = by_backprop.gradient(x, t)
        numeric = {tc.name: tc.numeric.reshape(tc.shape) for tc in check.tensors}
        for key in by_backprop.params:
            by_backprop.params[key] -= lr * grads_a[key]
            by_numeric.params[key] -= lr * numeric[key]
    return TrainingComparison(
        sizes=(d, hdn, c),
        batch=int(batch),
        seed=int(seed),
        lr=float(lr),
        losses_analytic=np.array(la),
        losses_numeric=np.array(ln),
        gradcheck_passed=np.array(passed, dtype=bool),
        kinks=np.array(kinks, dtype=int),
    )


def _write_figure(fig: Any, path: str | os.PathLike[str]) -> Path:
    """Write a pyplot figure whole, in the format of the suffix (PNG by default), and close it."""
    import matplotlib.pyplot as plt

    target = Path(path)
    try:
        write_atomic(target, figure_bytes(fig, target.suffix.lstrip(".") or "png", dpi=110))
    finally:
        plt.close(fig)
    return target
