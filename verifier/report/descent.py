"""The descent job's report: its figures, its table text and its files.

* :func:`study_figure`: a learning-rate study's paths on the contours of f (two
  variables) and the loss against step on a log scale;
* :func:`training_figure`: the two loss curves of a
  :class:`~verifier.descent.TrainingComparison`;
* :func:`study_markdown`, :func:`write_study`, :func:`write_training`: the table and the
  files (CSV, Markdown, PNG), each written whole (:func:`verifier.files.write_atomic`).

Figures are bare :class:`matplotlib.figure.Figure` objects on an Agg canvas: no pyplot
state, and the caller's matplotlib backend is left alone.

>>> from verifier.descent import learning_rate_study
>>> study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.1, 1.1], steps=20)
>>> fig = study_figure(study)
>>> len(fig.axes), fig.axes[1].get_yscale()
(2, 'log')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from verifier.files import write_atomic
from verifier.i18n import _
from verifier.report.fonts import speaks
from verifier.report.plots import figure_bytes

__all__ = [
    "loss_limits",
    "study_figure",
    "study_markdown",
    "training_figure",
    "write_study",
    "write_training",
]

_DPI = 110


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def _colors() -> list[str]:
    import matplotlib

    return list(matplotlib.rcParams["axes.prop_cycle"].by_key()["color"])


#: one look per run (marker, line style), so runs that coincide stay told apart
_LOOKS = (("o", "-"), ("s", "--"), ("^", "-."), ("D", ":"), ("v", (0, (5, 1, 1, 1))), ("P", "-"))


def _look(i: int, colors: list[str]) -> dict[str, Any]:
    marker, style = _LOOKS[i % len(_LOOKS)]
    return {"color": colors[i % len(colors)], "marker": marker, "linestyle": style}


def loss_limits(runs: Any, ref: float = 0.0) -> tuple[float, float]:
    """The loss axis fitted to the runs: every value of the runs that did not diverge (and
    each run's start), rounded out to whole decades; a diverged run leaves through the top.

    >>> from verifier.descent import learning_rate_study
    >>> study = learning_rate_study("100(x1 - x0^2)^2 + (1 - x0)^2", [0, 0], [0.001], steps=100)
    >>> lo, hi = loss_limits(study.runs)
    >>> 1e-3 <= lo and hi <= 100
    True
    """
    values = [np.abs(r.losses[0] - ref) for r in runs]
    values += [np.abs(r.losses - ref) for r in runs if r.regime != "diverged"]
    v = np.concatenate([np.atleast_1d(x) for x in values])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return 1e-16, 1.0
    hi = 10.0 ** np.ceil(np.log10(v.max()) + 0.05)
    lo = 10.0 ** np.floor(np.log10(max(v.min(), hi * 1e-30)) - 0.05)
    return float(lo), float(hi)


@speaks
def study_figure(study: Any) -> Any:
    """Left: the paths on a contour of f (two variables); right: loss vs step, log scale.

    The loss axis is fitted to the runs (:func:`loss_limits`); each run has its own colour,
    marker and line style, markers staggered so equal curves both show; each curve ends
    with its learning rate and regime.
    """
    runs = study.runs
    two_d = bool(runs) and len(runs[0].variables) == 2
    fig = _figure(12 if two_d else 6.5, 5)
    axes = np.atleast_1d(fig.subplots(1, 2 if two_d else 1))
    colors = _colors()
    if two_d:
        _contour(axes[0], study, colors)
    ax = axes[-1]
    all_losses = np.concatenate([r.losses[np.isfinite(r.losses)] for r in runs])
    ref = 0.0 if all_losses.size == 0 or all_losses.min() >= 0 else float(all_losses.min())
    lo, hi = loss_limits(runs, ref)
    for i, r in enumerate(runs):
        y = np.abs(r.losses - ref)
        y = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        n = y.size
        every = max(1, n // 12)
        ax.semilogy(
            np.arange(n), np.clip(y, lo, hi * 10), **_look(i, colors), ms=5, lw=1.3,
            mfc="none" if i % 2 else None, markevery=(i * max(1, every // len(runs)), every),
            label=f"lr={r.lr:g} ({r.regime})",
        )  # fmt: skip
        last = int(np.max(np.nonzero(np.isfinite(y))[0], initial=0))
        y_end = float(np.clip(y[last], lo, hi)) if np.isfinite(y[last]) else hi
        ax.annotate(
            f"lr={r.lr:g}: {r.regime}", (last, y_end), xytext=(4, 6 - 11 * (i % 3)),
            textcoords="offset points", fontsize=8, color=colors[i % len(colors)],
        )  # fmt: skip
    ax.set_ylim(lo, hi * 10)
    ax.set_xlabel(_("step"))
    ax.set_ylabel(_("loss") if ref == 0 else _("loss - ({ref})").format(ref=f"{ref:.4g}"))
    ax.set_title(_("loss against step (log scale; a diverged run leaves through the top)"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _contour(ax: Any, study: Any, colors: list[str]) -> None:
    runs = study.runs
    start = runs[0].path[0]
    tame = [r.path[np.all(np.isfinite(r.path), axis=1)] for r in runs if r.regime != "diverged"]
    pts = np.vstack([start[None, :], *tame]) if tame else start[None, :]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-3 * np.maximum(np.abs(hi), 1.0))
    lo, hi = lo - 0.35 * span, hi + 0.35 * span
    surface = study.surface(lo, hi)
    if surface is not None and np.isfinite(surface[2]).any():
        ax.contour(*surface, levels=20, cmap="Greys", linewidths=0.7)
    for i, r in enumerate(runs):
        ax.plot(
            r.path[:, 0], r.path[:, 1], **_look(i, colors), ms=6 if i % 2 else 4, lw=0.9,
            mfc="none" if i % 2 else None, label=f"lr={r.lr:g} ({r.regime})",
        )  # fmt: skip
    ax.plot([start[0]], [start[1]], "k*", ms=10, label=_("start"))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal", adjustable="box")
    names = runs[0].variables
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(_("paths on contours of {function}").format(function=runs[0].function))
    ax.legend(fontsize=8)


@speaks
def training_figure(tc: Any) -> Any:
    """Both loss curves against step (they should lie on top of each other).

    >>> from verifier.descent import compare_training
    >>> fig = training_figure(compare_training((8, 5, 3), batch=6, steps=2, lr=0.5))
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['backprop gradient', 'numeric gradient (full)']
    """
    fig = _figure(6.5, 4.5)
    ax = fig.subplots()
    steps = np.arange(tc.losses_analytic.size)
    ax.plot(steps, tc.losses_analytic, "o-", label=_("backprop gradient"))
    ax.plot(steps, tc.losses_numeric, "x--", label=_("numeric gradient (full)"))
    ax.set_xlabel(_("step"))
    ax.set_ylabel(_("loss"))
    d, hdn, c = tc.sizes
    ax.set_title(f"TwoLayerNet {d}-{hdn}-{c}, N={tc.batch}, lr={tc.lr:g}")
    ax.legend()
    fig.tight_layout()
    return fig


def study_markdown(study: Any) -> str:
    """The study's table (one row per rate) as Markdown.

    >>> from verifier.descent import learning_rate_study
    >>> "| regime" in study_markdown(learning_rate_study("x^2", [1.0], [0.25], steps=5))
    True
    """
    from verifier.report.tables import to_markdown

    # to_markdown escapes "|" (the |grad| column) and line breaks in cells and headers
    return to_markdown(study.to_frame(), floatfmt=".4g")


def _write_figure(fig: Any, path: Path) -> Path:
    write_atomic(path, figure_bytes(fig, path.suffix.lstrip(".") or "png", dpi=_DPI))
    return path


def write_study(
    study: Any, out: str | os.PathLike[str], stem: str = "descend", *, plot: bool = True
) -> dict[str, Path]:
    """``out/<stem>.csv``, ``.md`` and (with ``plot``) ``.png``, each written whole.

    >>> import tempfile
    >>> from verifier.descent import learning_rate_study
    >>> paths = write_study(learning_rate_study("x^2", [1.0], [0.25], steps=5), tempfile.mkdtemp())
    >>> sorted(paths)
    ['csv', 'markdown', 'plot']
    """
    folder = Path(out)
    paths = {"csv": folder / f"{stem}.csv", "markdown": folder / f"{stem}.md"}
    write_atomic(paths["csv"], study.to_frame().to_csv(index=False))
    write_atomic(paths["markdown"], study_markdown(study) + "\n")
    if plot:
        paths["plot"] = _write_figure(study_figure(study), folder / f"{stem}.png")
    return paths


def write_training(
    tc: Any, out: str | os.PathLike[str], stem: str = "network", *, plot: bool = True
) -> dict[str, Path]:
    """``out/<stem>.csv`` and (with ``plot``) ``out/<stem>.png``, each written whole.

    >>> import tempfile
    >>> from verifier.descent import compare_training
    >>> tc = compare_training((8, 5, 3), batch=6, steps=1, lr=0.5)
    >>> sorted(write_training(tc, tempfile.mkdtemp(), plot=False))
    ['csv']
    """
    folder = Path(out)
    paths = {"csv": folder / f"{stem}.csv"}
    write_atomic(paths["csv"], tc.to_frame().to_csv(index=False))
    if plot:
        paths["plot"] = _write_figure(training_figure(tc), folder / f"{stem}.png")
    return paths
