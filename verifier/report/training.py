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
from verifier.i18n import _
from verifier.report.fonts import speaks
from verifier.report.gradcheck import new_figure
from verifier.report.plots import figure_bytes
from verifier.report.tables import to_csv, to_markdown

__all__ = ["digits_figure", "digits_markdown", "write_digits"]


@speaks
def digits_figure(study: Any, tc: Any | None = None) -> Any:
    """Loss against step per rate; backprop and numeric-gradient curves (if ``tc``)."""
    fig = new_figure(12 if tc is not None else 6.5, 4.8)
    axes = np.atleast_1d(fig.subplots(1, 2 if tc is not None else 1))
    ax = axes[0]
    for run in study.runs:
        y = np.clip(np.where(np.isfinite(run.losses), run.losses, np.nan), 1e-6, 1e6)
        acc = _("n/a") if not np.isfinite(run.test_accuracy) else f"{run.test_accuracy:.1%}"
        label = _("lr={lr}: {regime}, test {accuracy}")
        ax.semilogy(
            np.arange(y.size),
            y,
            label=label.format(lr=f"{run.lr:g}", regime=run.regime, accuracy=acc),
        )
    n_train, n_test = study.runs[0].sizes
    ax.set_xlabel(_("step (full batch)"))
    ax.set_ylabel(_("training loss (cross-entropy)"))
    title = _("digits, TwoLayerNet 64-{hidden}-10 ({n_train} train, {n_test} test)")
    ax.set_title(title.format(hidden=study.runs[0].hidden, n_train=n_train, n_test=n_test))
    ax.legend(fontsize=8)
    if tc is not None:
        ax = axes[1]
        steps = np.arange(tc.losses_analytic.size)
        ax.plot(steps, tc.losses_analytic, "o-", label=_("backprop gradient"))
        ax.plot(steps, tc.losses_numeric, "x--", label=_("numeric gradient (full)"))
        ax.set_xlabel(_("step"))
        ax.set_ylabel(_("loss"))
        title = _(
            "backprop vs numeric gradients, {n} images, lr={lr}\n"
            "max relative gap {gap} (rtol {rtol})"
        )
        ax.set_title(
            title.format(n=tc.batch, lr=f"{tc.lr:g}", gap=f"{tc.max_gap:.1e}", rtol=f"{tc.rtol:g}")
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
        _("# Handwritten digits: learning-rate study (backprop)"),
        to_markdown(study.to_frame(), floatfmt=".4g"),
    ]
    if tc is not None:
        heading = (
            _("## Backprop against numeric gradients ({n} images): curves coincide")
            if tc.coincide
            else _("## Backprop against numeric gradients ({n} images): curves DIFFER")
        )
        parts += [
            heading.format(n=tc.batch),
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
