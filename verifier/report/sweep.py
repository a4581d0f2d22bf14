"""The sweep's report: an :class:`~verifier.sweep.ErrorTable` as files, pages and its figure.

:func:`verifier.sweep.sweep` measures and returns records; this adapter turns them into
what a person opens: ``errors.csv`` (the tidy table), ``summary.md`` (the per-method
summary, notes and the claim), ``errors.html`` (a self-contained page with the plot),
``errors.json`` (everything), ``summary.tex`` (the summary as a tabular) and
``error_vs_h.png`` (drawn by :func:`verifier.report.plots.error_figure`, the same picture
as the suite's report).  Files are written whole by :func:`verifier.files.write_atomic`.

>>> import tempfile
>>> from verifier.sweep import sweep
>>> t = sweep("x^2", points=[1.0], methods=["central"], h=[1e-1, 1e-2, 1e-3])
>>> [p.name for p in write_sweep_report(t, tempfile.mkdtemp(), plot=False)]
['errors.csv', 'summary.md']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import VerifierError
from verifier.files import write_atomic
from verifier.i18n import _
from verifier.report.fonts import speaks

if TYPE_CHECKING:
    from verifier.sweep import ErrorTable

__all__ = [
    "FORMATS",
    "FILE_NAMES",
    "PLOT_FORMATS",
    "kink_figure",
    "summary_html",
    "summary_latex",
    "summary_markdown",
    "sweep_dict",
    "sweep_figure",
    "sweep_json",
    "sweep_plot_bytes",
    "write_kink_report",
    "write_sweep_plot",
    "write_sweep_report",
]

#: the report formats, in the order they are written; csv and md are always written
FORMATS = ("csv", "md", "html", "json", "tex")
#: the file each format goes to inside the output folder (and the plot's)
FILE_NAMES = {
    "csv": "errors.csv",
    "md": "summary.md",
    "html": "errors.html",
    "json": "errors.json",
    "tex": "summary.tex",
    "png": "error_vs_h.png",
}
PLOT_FORMATS = ("png", "svg")


def _verdict_word(table: ErrorTable) -> str:
    words = {"pass": _("passed"), "fail": _("FAILED")}
    return words.get(table.verdict) or _("inconclusive")


def summary_markdown(table: ErrorTable) -> str:
    """The summary as Markdown: the per-method table, notes and the claim check.

    >>> from verifier.sweep import sweep
    >>> md = summary_markdown(sweep("x^2", points=[1.0], methods=["central"]))
    >>> md.splitlines()[0], "| method" in md
    ('# Error vs h: `x^2`', True)
    """
    from verifier.report.tables import markdown_cell, markdown_code, to_markdown
    from verifier.sweep import COLUMNS_NOTE, operator

    parts = [
        _("# Error vs h: {function}").format(function=markdown_code(table.function)),
        "",
        _(
            "Reference: {derivatives} (rule engine, mpmath 30 digits at the exact float64 point)."
        ).format(
            derivatives=", ".join(
                f"{operator(v, getattr(table, 'order', 1))} = {markdown_code(d)}"
                for v, d in table.derivatives.items()
            )
        ),
        "",
        to_markdown(table.summary_frame()),
        "",
        markdown_cell(_(COLUMNS_NOTE)[0].upper() + _(COLUMNS_NOTE)[1:]) + ".",
        "",
    ]
    parts += [f"- {markdown_cell(d)}" for d in table.diagnoses]
    if table.claim is not None:
        parts += ["", _("## Claimed derivative"), "", to_markdown(table.claim.frame)]
    parts += ["", f"**{_verdict_word(table)}**", ""]
    return "\n".join(parts)


def summary_html(table: ErrorTable, *, plot: bool = True) -> str:
    """A self-contained HTML page: verdict, notes, claim, plot (embedded PNG) and both tables.

    >>> from verifier.sweep import sweep
    >>> page = summary_html(sweep("x^2", points=[1.0], methods=["central"]), plot=False)
    >>> page.startswith("<!doctype html>"), "<table" in page
    (True, True)
    """
    import base64

    from verifier.report.tables import escape_html, to_html

    img = ""
    if plot and len(table.frame):
        data = base64.b64encode(sweep_plot_bytes(table, "png")).decode("ascii")
        alt = escape_html(_("error vs h"))
        img = f'<img alt="{alt}" src="data:image/png;base64,{data}">'
    claim = "" if table.claim is None else to_html(table.claim.frame)
    notes = "".join(f"<li>{escape_html(d)}</li>" for d in table.diagnoses)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        + "<title>"
        + escape_html(_("error vs h: {function}").format(function=table.function))
        + "</title></head><body>"
        + f"<p><b>f = {escape_html(table.function)}</b>: {_verdict_word(table)}</p>"
        + to_html(table.summary_frame())
        + (f"<ul>{notes}</ul>" if notes else "")
        + claim
        + img
        + "<h2>"
        + escape_html(_("Analysis"))
        + "</h2>"
        + to_html(table.analysis)
        + "<h2>"
        + escape_html(_("Estimates"))
        + "</h2>"
        + to_html(table.frame)
        + "</body></html>\n"
    )


def summary_latex(table: ErrorTable) -> str:
    """The per-method summary as a LaTeX tabular.

    >>> from verifier.sweep import sweep
    >>> "tabular" in summary_latex(sweep("x^2", points=[1.0], methods=["central"]))
    True
    """
    from verifier.report.tables import to_latex

    return to_latex(table.summary_frame())


def sweep_dict(table: ErrorTable) -> dict[str, Any]:
    """JSON-able: function, variables, derivatives, verdict, frame and analysis rows, claim.

    >>> from verifier.sweep import sweep
    >>> d = sweep_dict(sweep("x^2", points=[1.0], methods=["central"], h=[1e-3]))
    >>> d["passed"], d["variables"], len(d["frame"])
    (True, ['x'], 1)
    """
    from verifier.report.tables import records

    out: dict[str, Any] = {
        "function": table.function,
        "variables": list(table.variables),
        "derivatives": {v: str(d) for v, d in table.derivatives.items()},
        "passed": table.passed,
        "verdict": table.verdict,
    }
    out["frame"] = records(table.frame)
    out["analysis"] = records(table.analysis)
    out["claim"] = (
        None
        if table.claim is None
        else {
            "passed": table.claim.passed,
            "verdict": table.claim.verdict,
            "rows": records(table.claim.frame),
        }
    )
    return out


def sweep_json(table: ErrorTable) -> str:
    """Everything as strict JSON (non-finite numbers become null)."""
    from verifier.report.tables import to_json

    return to_json(sweep_dict(table), indent=2)


@speaks
def sweep_figure(table: ErrorTable) -> Any:
    """The log-log figure of the sweep (a bare matplotlib ``Figure`` on an Agg canvas).

    One panel per (point, variable); one line per method; dashed reference slopes h^p;
    the model's best h marked with an x (:func:`verifier.report.plots.error_figure`).

    >>> from verifier.sweep import sweep
    >>> sweep_figure(sweep("x^3", points=[1.0], methods=["central"])).get_size_inches().tolist()
    [5.5, 4.0]
    """
    from verifier.report.plots import error_figure

    fig = error_figure(table.frame, table.analysis, error="abs_error", function=table.function)
    if getattr(table, "order", 1) > 1:
        _higher_order_overlay(fig, table)
    if table.claim is not None:
        _claim_overlay(fig, table)
    return fig


def _claim_overlay(fig: Any, table: ErrorTable) -> None:
    """The claim on each panel's error axis: a red line at ``|claimed - exact|``.

    The estimates' error falls towards 0 as they converge to the exact derivative; a
    wrong claim stays at its own distance from it, a horizontal line (gid ``claim``) with
    its value written beside it.  Where a curve dips below the line the estimates tell
    the claim apart from the exact derivative.  A claim equal to the exact derivative has
    distance 0 (no place on a log axis): the panel says so in green (gid ``claim_agrees``).
    """
    import math

    from verifier.points import format_number
    from verifier.report.plots import decade_ticks, panel_keys

    c = table.claim.frame
    keys = panel_keys(table.frame) or [(None, None)]
    for ax, (point, variable) in zip(fig.axes, keys, strict=False):
        rows = c[(c["point"] == point) & (c["variable"] == variable)] if point is not None else c
        for r in rows.itertuples(index=False):
            dist = abs(r.claimed - r.rule_engine)
            what = _("claim {claim}").format(claim=table.claim.claimed[r.variable])
            if r.agrees:
                ax.text(0.98, 0.04, _("{claim}: equals the exact derivative").format(claim=what), color="green",
                        fontsize=8, ha="right", transform=ax.transAxes, gid="claim_agrees")  # fmt: skip
                continue
            if not math.isfinite(dist) or dist <= 0:  # undefined there, or below float64
                note = r.note.split(";")[0] if r.note else r.verdict
                ax.text(0.98, 0.04, f"{what}: {note}", color="red", fontsize=8, ha="right",
                        transform=ax.transAxes, gid="claim_note")  # fmt: skip
                continue
            lo, hi = ax.get_ylim()  # whole decades, with room for the label above the line
            lo = min(lo, 10.0 ** (math.floor(math.log10(dist)) - 1))
            hi = max(hi, 10.0 ** (math.ceil(math.log10(dist)) + 2))
            ax.set_ylim(lo, hi)
            ax.set_yticks(decade_ticks(lo, hi))
            ax.axhline(dist, color="red", lw=1.6, ls="-", zorder=4, gid="claim")
            label = _("{claim}: |claimed - exact| = {distance}, MISMATCH").format(
                claim=what, distance=format_number(dist, 3)
            )
            ax.annotate(label, (0.98, dist), xycoords=("axes fraction", "data"),
                        xytext=(0, 3), textcoords="offset points", ha="right", va="bottom",
                        fontsize=8, color="red", gid="claim_label", zorder=5,
                        bbox={"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1})  # fmt: skip


def _higher_order_overlay(fig: Any, table: ErrorTable) -> None:
    """A higher-derivative sweep's panels: the title names the derivative; each method gets
    its whole error model ``C h^p + A / h^n`` (dotted) and its measured minimum (a ring);
    the central second difference's predicted best step ``eps^(1/4)`` is a vertical line.

    The model curve is fixed by the analysis row's best step ``h*`` and error ``E*``: at the
    minimum ``p C h*^p = n A / h*^n``, so ``C h*^p = E* n / (p + n)`` and
    ``A / h*^n = E* p / (p + n)``.
    """
    import math

    import numpy as np

    from verifier.numeric.stencils import EPS, get_stencil
    from verifier.report.plots import panel_keys

    a = table.analysis
    keys = panel_keys(table.frame) or [(None, None)]
    for ax, (point, variable) in zip(fig.axes, keys, strict=False):
        title = ax.get_title(loc="left")
        op = f"d^{table.order}/d{variable or 'x'}^{table.order}"
        ax.set_title(title.replace(f"d/d{variable or 'x'}", op, 1), fontsize=9, loc="left")
        colors = {ln.get_gid(): ln.get_color() for ln in ax.get_lines() if ln.get_gid()}
        rows = a[a["method"].isin(list(colors))]
        if point is not None and "point" in a.columns:
            rows = rows[
                (rows["point"] == point) & (rows["variable"] == (variable or rows["variable"]))
            ]
        h = np.logspace(-1, -15, 141)
        for r in rows.itertuples(index=False):
            hb, eb = float(r.theoretical_best_h), float(r.theoretical_best_error)
            st = get_stencil(r.method)
            p, n = st.order, st.derivative
            if math.isfinite(hb) and math.isfinite(eb) and 0 < hb < 1 and eb > 0:
                model = eb * (n * (h / hb) ** p + p * (hb / h) ** n) / (p + n)
                ax.plot(
                    h, model, ":", color=colors[r.method], lw=1.0, gid=f"model_curve:{r.method}"
                )
            if math.isfinite(r.min_h) and math.isfinite(r.min_error) and r.min_error > 0:
                ax.plot([r.min_h], [r.min_error], "o", ms=9, mfc="none", mew=1.4,
                        color=colors[r.method], gid=f"measured_best:{r.method}")  # fmt: skip
            if r.method == "second_central":
                ax.axvline(EPS**0.25, color="0.4", lw=0.8, ls="-.", gid="eps^(1/4)")
                ax.annotate("eps^(1/4)", (EPS**0.25, 0.02), xycoords=("data", "axes fraction"),
                            fontsize=7, color="0.3", rotation=90, ha="right")  # fmt: skip
        errs = table.frame["abs_error"].to_numpy(float)
        finite = errs[np.isfinite(errs) & (errs > 0)]
        if finite.size:  # round-off at h -> 0 grows like eps / h^n: keep the minimum in view
            ax.set_ylim(finite.min() / 10, min(ax.get_ylim()[1], finite.min() * 1e14))


@speaks
def kink_figure(kink: Any) -> Any:
    """The figure of a :class:`~verifier.sweep_kink.KinkSweep`: one panel per point, each
    method's estimate against h (log h, linear estimate), the left and right derivatives as
    labelled horizontal lines (gids ``left`` and ``right``), the verdict in the title.

    >>> from verifier.sweep_kink import kink_sweep
    >>> fig = kink_figure(kink_sweep("abs(x)", points=[0.0], methods=["forward", "backward"]))
    >>> sorted(ln.get_gid() for ln in fig.axes[0].get_lines())
    ['backward', 'forward', 'left', 'right']
    """
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from verifier.points import format_number
    from verifier.report.plots import PANEL_SIZE, decade_ticks, method_style

    sides = kink.sides
    n = max(1, len(sides))
    pw, ph = PANEL_SIZE
    fig = Figure(figsize=(pw * n, ph + 0.3))
    FigureCanvasAgg(fig)
    for k, side in enumerate(sides.itertuples(index=False)):
        ax = fig.add_axes(((k * pw + 0.78) / (pw * n), 0.5 / (ph + 0.3), (pw - 0.9) / (pw * n),
                           (ph - 1.1) / (ph + 0.3)))  # fmt: skip
        ax.set_xscale("log")
        data = kink.frame[kink.frame["point"] == side.point]
        for j, (method, grp) in enumerate(data.groupby("method", sort=False)):
            st = method_style(method, j)
            ax.plot(grp["h"], grp["estimate"], color=st.color, marker=st.marker, ms=4,
                    ls=st.linestyle, lw=1.1, label=method, gid=method)  # fmt: skip
        for name, value, va in (("left", side.left, "top"), ("right", side.right, "bottom")):
            if not math.isfinite(value):
                continue
            ax.axhline(value, color="0.25", ls="--", lw=1.0, gid=name, zorder=1)
            words = {"left": _("left derivative {value}"), "right": _("right derivative {value}")}
            ax.annotate(words[name].format(value=format_number(value)), (0.02, value),
                        xycoords=("axes fraction", "data"), va=va, fontsize=8, color="0.2",
                        xytext=(0, 3 if va == "bottom" else -3), textcoords="offset points")  # fmt: skip
        ys = [*data["estimate"].tolist(), side.left, side.right]
        ys = [y for y in ys if math.isfinite(y)]
        if ys:  # a quarter of the range of room either side for the labels
            pad = max(max(ys) - min(ys), 1e-300) / 4
            ax.set_ylim(min(ys) - pad, max(ys) + pad)
        h = data["h"].to_numpy(float)
        if h.size:
            lo, hi = 10.0 ** math.floor(math.log10(h.min())), 10.0 ** math.ceil(math.log10(h.max()))
            ax.set_xlim(lo, hi)
            ax.set_xticks(decade_ticks(lo, hi))
        ax.set_xlabel(_("step h"), fontsize=9)
        ax.set_ylabel(_("estimate of d/d{variable}").format(variable=kink.variable), fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3)
        at = f"{kink.variable} = {format_number(side.point)}"
        title = _(
            "{function} at {at}: {kind}, not differentiable\n"
            "verdict: {verdict} (no derivative to verify); one-sided estimates"
        )
        ax.set_title(title.format(function=kink.function, at=at, kind=side.kind,
                                  verdict=kink.verdict), fontsize=9, loc="left")  # fmt: skip
        ax.legend(fontsize=7, loc="center right", framealpha=0.85)
    return fig


def write_kink_report(kink: Any, out_dir: str | Path, *, plot: bool = True) -> list[Path]:
    """Write a kink's ``estimates.csv``, ``summary.md`` and (``plot``) ``error_vs_h.png``."""
    from verifier.report.plots import figure_bytes
    from verifier.report.tables import markdown_code, to_csv, to_markdown

    out = Path(out_dir)
    md = [_("# One-sided estimates at a kink: {function}").format(function=markdown_code(kink.function)), "",
          to_markdown(kink.sides), "", *(f"- {x}" for x in kink.summary().splitlines()[1:]),
          ""]  # fmt: skip
    written = [out / "estimates.csv", out / FILE_NAMES["md"]]
    write_atomic(written[0], to_csv(kink.frame))
    write_atomic(written[1], "\n".join(md))
    if plot and len(kink.frame):
        written.append(out / FILE_NAMES["png"])
        write_atomic(written[-1], figure_bytes(kink_figure(kink), "png"))
    return written


def sweep_plot_bytes(table: ErrorTable, format: str = "png") -> bytes:
    """The figure as ``png`` or ``svg`` bytes.

    >>> from verifier.sweep import sweep
    >>> sweep_plot_bytes(sweep("x^3", points=[1.0], methods=["central"]))[:4]
    b'\\x89PNG'
    """
    from verifier.report.plots import figure_bytes

    fmt = format.lower()
    if fmt not in PLOT_FORMATS:
        raise VerifierError(f"plot format {format!r} is not supported", hint="png or svg")
    return figure_bytes(sweep_figure(table), fmt)


def write_sweep_plot(table: ErrorTable, path: str | Path, format: str = "png") -> Path:
    """Write the figure whole to ``path`` (``png`` or ``svg``); returns the path."""
    write_atomic(path, sweep_plot_bytes(table, format))
    return Path(path)


def write_sweep_report(
    table: ErrorTable,
    out_dir: str | Path,
    formats: Iterable[str] = ("csv", "md"),
    *,
    plot: bool = True,
) -> list[Path]:
    """Write the report files of ``table`` into ``out_dir``; returns the paths written.

    ``csv`` and ``md`` are always written; ``formats`` adds any of ``html``, ``json``,
    ``tex``.  ``plot`` adds ``error_vs_h.png`` (when there is anything to draw) and the
    plot embedded in ``errors.html``.
    """
    wanted = {f.lower() for f in formats}
    bad = sorted(wanted - set(FORMATS))
    if bad:
        raise VerifierError(
            f"unknown format: {', '.join(bad)}", hint="choose from " + ",".join(FORMATS)
        )
    wanted |= {"csv", "md"}
    out = Path(out_dir)

    def text(fmt: str) -> str:
        from verifier.report.tables import to_csv

        if fmt == "csv":
            return to_csv(table.frame)
        if fmt == "md":
            return summary_markdown(table)
        if fmt == "html":
            return summary_html(table, plot=plot)
        if fmt == "json":
            return sweep_json(table) + "\n"
        return summary_latex(table)

    written: list[Path] = []
    for fmt in FORMATS:
        if fmt in wanted:
            path = out / FILE_NAMES[fmt]
            write_atomic(path, text(fmt))
            written.append(path)
    if plot and len(table.frame):
        written.append(write_sweep_plot(table, out / FILE_NAMES["png"], "png"))
    return written
