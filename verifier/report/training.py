"""The training report on the handwritten digits: a figure, the tables and the files.

* :func:`digits_figure`: left, the training loss against step for each learning rate (log
  scale, regime and test accuracy in the legend); right, the loss curves of backprop and
  numeric-gradient training on the small subset (they should lie on top of each other);
* :func:`digits_markdown`: the study's table and the backprop-vs-numeric table;
* :func:`write_digits`: ``digits.csv``, ``digits_numeric.csv``, ``digits.md`` and
  ``digits.png``, each written whole.

>>> from verifier.descent.digits import digits_numeric_check, digits_study
>>> study = digits_study([0.5], steps=3, hidden=4)
>>> tc = digits_numeric_check(samples=10, steps=1, hidden=4)
>>> fig = digits_figure(study, tc)
>>> len(fig.axes), fig.axes[0].get_yscale()
(2, 'log')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from verifier.files import write_atomic
from verifier.report.gradcheck import new_figure
from verifier.report.plots import figure_bytes
from verifier.report.tables import to_csv, to_markdown

__all__ = ["digits_figure", "digits_markdown", "write_digits"]


def digits_figure(study: Any, tc: Any | None = None) -> Any:
    """Loss against step per rate; backprop and numeric-gradient curves (if ``tc``)."""
    fig = new_figure(12 if tc is not None else 6.5, 4.8)
    axes = np.atleast_1d(fig.subplots(1, 2 if tc is not None else 1))
    ax = axes[0]
    for run in study.runs:
        y = np.clip(np.where(np.isfinite(run.losses), run.losses, np.nan), 1e-6, 1e6)
        acc = "n/a" if not np.isfinite(run.test_accuracy) else f"{run.test_accuracy:.1%}"
        ax.semilogy(np.arange(y.size), y, label=f"lr={run.lr:g}: {run.regime}, test {acc}")
    n_train, n_test = study.runs[0].sizes
    ax.set_xlabel("step (full batch)")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title(
        f"digits, TwoLayerNet 64-{study.runs[0].hidden}-10 ({n_train} train, {n_test} test)"
    )
    ax.legend(fontsize=8)
    if tc is not None:
        ax = axes[1]
        steps = np.arange(tc.losses_analytic.size)
        ax.plot(steps, tc.losses_analytic, "o-", label="backprop gradient")
        ax.plot(steps, tc.losses_numeric, "x--", label="numeric gradient (full)")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_title(
            f"backprop vs numeric gradients, {tc.batch} images, lr={tc.lr:g}\n"
            f"max relative gap {tc.max_gap:.1e} (rtol {tc.rtol:g})"
        )
        ax.legend()
    fig.tight_layout()
    return fig


def digits_markdown(study: Any, tc: Any | None = None) -> str:
    """The study's table (one row per rate) and, with ``tc``, the curves side by side.

    >>> from verifier.descent.digits import digits_study
    >>> "test_accuracy" in digits_markdown(digits_study([0.5], steps=2, hidden=4))
    True
    """
    parts = [
        "# Handwritten digits: learning-rate study (backprop)",
        to_markdown(study.to_frame(), floatfmt=".4g"),
    ]
    if tc is not None:
        verdict = "coincide" if tc.coincide else "DIFFER"
        parts += [
            f"## Backprop against numeric gradients ({tc.batch} images): curves {verdict}",
            to_markdown(tc.to_frame(), floatfmt=".6g"),
        ]
    return "\n\n".join(parts) + "\n"


def write_digits(
    study: Any, tc: Any | None, out: str | os.PathLike[str], *, plot: bool = True
) -> dict[str, Path]:
    """``digits.csv``, ``digits.md``, (with ``tc``) ``digits_numeric.csv``, ``digits.png``.

    >>> import tempfile
    >>> from verifier.descent.digits import digits_study
    >>> sorted(write_digits(digits_study([0.5], steps=2, hidden=4), None, tempfile.mkdtemp(),
    ...                     plot=False))
    ['csv', 'markdown']
    """
    folder = Path(out)
    paths = {"csv": folder / "digits.csv", "markdown": folder / "digits.md"}
    write_atomic(paths["csv"], to_csv(study.to_frame()))
    write_atomic(paths["markdown"], digits_markdown(study, tc))
    if tc is not None:
        paths["numeric_csv"] = folder / "digits_numeric.csv"
        write_atomic(paths["numeric_csv"], to_csv(tc.to_frame()))
    if plot:
        paths["plot"] = folder / "digits.png"
        write_atomic(paths["plot"], figure_bytes(digits_figure(study, tc), "png", dpi=110))
    return paths
