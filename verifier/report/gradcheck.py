"""The gradient check's report: per tensor, a histogram of relative errors on a log axis with
the reading bands, the worst elements with their indices, and the files.

* :func:`error_histogram`: one panel per tensor; the entries' relative errors (with the
  tensor's scale floor, as judged) on a log axis, over the policy's ``reading`` bands
  (green: fine below 1e-7; amber: look closer; red: wrong above 1e-4); kinks left out,
  errors of exactly 0 drawn at the axis floor;
* :func:`gradcheck_markdown`: the tensor table, the band counts, the worst elements and
  the notes (float32 guidance among them);
* :func:`write_gradcheck`: CSV, Markdown and PNG, each written whole.

>>> import numpy as np
>>> from verifier.gradcheck import gradcheck
>>> w = np.array([1.0, 2.0, 3.0])
>>> fig = error_histogram(gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2}))
>>> fig.axes[0].get_xscale(), fig.axes[0].get_title()
('log', 'w (3 entries)')
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from verifier.files import write_atomic
from verifier.gradcheck.reading import BANDS, band_counts, worst_elements
from verifier.i18n import _, ngettext
from verifier.policy import POLICY
from verifier.report.fonts import speaks
from verifier.report.plots import figure_bytes
from verifier.report.tables import to_csv, to_markdown

__all__ = ["error_histogram", "gradcheck_markdown", "new_figure", "write_gradcheck"]

#: the axis floor: errors below it (exact agreement included) are drawn here
FLOOR = 1e-17
_BAND_COLORS = ("#2ca02c", "#ffbf00", "#d62728")


def new_figure(width: float, height: float) -> Any:
    """A bare matplotlib Figure on an Agg canvas (no pyplot state).

    >>> new_figure(3, 2).get_size_inches().tolist()
    [3.0, 2.0]
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


@speaks
def error_histogram(result: Any, columns: int = 3) -> Any:
    """One log-axis histogram of relative errors per tensor, over the reading bands."""
    tensors = result.tensors
    n = max(1, len(tensors))
    ncols = min(columns, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure(4.2 * ncols, 3.2 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).reshape(-1)
    rule = POLICY["reading"]
    edges = np.logspace(-17, 1, 37)  # half decades from the floor to 10
    for ax, t in zip(axes, tensors, strict=False):
        err = t.scaled_rel_error[(t.status != "kink") & np.isfinite(t.scaled_rel_error)]
        ax.set_xscale("log")
        for (lo, hi), color, band in zip(
            ((FLOOR / 10, rule.rtol), (rule.rtol, rule.atol), (rule.atol, 100.0)),
            _BAND_COLORS,
            BANDS,
            strict=True,
        ):
            ax.axvspan(lo, hi, color=color, alpha=0.12, lw=0, gid=f"band:{band}")
        bars = ax.hist(np.clip(err, FLOOR, 10.0), bins=edges, color="#1f77b4")[2]
        for bar in bars:
            bar.set_gid(f"hist:{t.name}")
        ax.set_xlim(FLOOR / 10, 100.0)
        ax.set_title(_("{name} ({n} entries)").format(name=t.name, n=t.n_checked))
        ax.set_xlabel(_("relative error |num - ana| / max(|num|, |ana|, floor)"))
        ax.set_ylabel(_("entries"))
        kinks = int(np.count_nonzero(t.status == "kink"))
        left_out = ngettext(", {n} kink left out", ", {n} kinks left out", kinks).format(n=kinks)
        label = f"{t.verdict}" + (left_out if kinks else "")
        ax.text(0.02, 0.95, label, transform=ax.transAxes, va="top", fontsize=8)
    for ax in axes[len(tensors) :]:
        ax.set_visible(False)
    fig.suptitle(
        _(
            "gradient check ({mode}, h={h}): green fine < {rtol}, "
            "amber look closer, red wrong > {atol}"
        ).format(mode=result.mode, h=f"{result.h:g}", rtol=f"{rule.rtol:g}", atol=f"{rule.atol:g}"),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def gradcheck_markdown(result: Any, worst: int = 5) -> str:
    """The report's text: tensors, bands, worst elements and notes, in Markdown.

    >>> import numpy as np
    >>> from verifier.gradcheck import gradcheck
    >>> w = np.array([1.0, 2.0])
    >>> "## Worst elements" in gradcheck_markdown(gradcheck(lambda: float(np.sum(w**3)),
    ...                                                    {"w": w}, {"w": 3 * w**2}))
    True
    """
    parts = [
        _("# Gradient check: {verdict}").format(verdict=result.verdict_line()),
        to_markdown(result.to_frame().drop(columns=["reason", "passed"])),
        _("## Reading bands"),
        to_markdown(band_counts(result)),
        _("## Worst elements (up to {n} per tensor)").format(n=worst),
        to_markdown(worst_elements(result, worst), floatfmt=".10g"),
    ]
    notes = [*result.notes, *([result.dtype_warning] if result.dtype_warning else [])]
    if notes:
        parts += [_("## Notes"), "\n".join(f"- {note}" for note in notes)]
    return "\n\n".join(parts) + "\n"


def write_gradcheck(
    result: Any, out: str | os.PathLike[str], stem: str = "gradcheck", *, plot: bool = True
) -> dict[str, Path]:
    """``out/<stem>.csv`` (one row per element), ``.md`` and (with ``plot``) ``.png``.

    >>> import tempfile, numpy as np
    >>> from verifier.gradcheck import gradcheck
    >>> w = np.array([1.0, 2.0])
    >>> r = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2})
    >>> sorted(write_gradcheck(r, tempfile.mkdtemp(), plot=False))
    ['csv', 'markdown']
    """
    folder = Path(out)
    paths = {"csv": folder / f"{stem}.csv", "markdown": folder / f"{stem}.md"}
    write_atomic(paths["csv"], to_csv(result.to_frame(elements=True)))
    write_atomic(paths["markdown"], gradcheck_markdown(result))
    if plot:
        paths["plot"] = folder / f"{stem}.png"
        write_atomic(paths["plot"], figure_bytes(error_histogram(result), "png", dpi=100))
    return paths
