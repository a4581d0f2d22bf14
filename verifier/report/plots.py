"""The one error-vs-h figure: a log-log panel per (point, variable), a line per method.

``verifier sweep`` (:func:`verifier.report.sweep.sweep_figure`) and a case's PNG
(:func:`verifier.report.suite.error_plot`) draw with :func:`error_figure`, so the two show
the same picture; the suite's HTML page draws its own SVG (:mod:`verifier.report.svg`).  It
works on plain DataFrames:

* ``frame``: the tidy error table, one row per estimate, with ``h``, ``method``,
  ``abs_error`` and/or ``rel_error``, and optionally ``point``, ``variable``,
  ``function`` and ``exact``;
* ``analysis`` (optional): one row per (point, variable, method) with any of
  ``expected_order``, ``exact``, ``best_h``, ``theoretical_best_h``,
  ``theoretical_best_error``.

What a panel shows: each method's error against h (its own colour, marker and line
style, so central differences and the complex step, which share the truncation error
h^2 f'''/6, stay apart where they coincide); a dashed reference slope h^p in the
method's colour over its truncation side; an ``x`` at the error model's best step and
error; an error of exactly 0 as a hollow marker on the axis floor (a log axis has no 0).

Speed (a report draws about a hundred of these): a bare ``Figure`` on an Agg canvas (no
pyplot state), axes placed at fixed positions (no tight or constrained layout: measuring
every tick label's box cost more than drawing), plain-text decade tick labels (``1e-08``,
no mathtext), no minor ticks, a legend at a fixed place (no ``loc="best"`` search), and
axis limits set once from the data rounded out to whole decades.

This module imports nothing from ``verifier`` but its messages (:mod:`verifier.i18n`) and a
Hangul font for them (:mod:`verifier.report.fonts`): it is a leaf that any layer may use.

>>> import pandas as pd
>>> f = pd.DataFrame({"h": [1e-1, 1e-2, 1e-3], "abs_error": [1e-3, 1e-5, 0.0],
...                   "method": "central", "point": 1.0, "variable": "x"})
>>> a = pd.DataFrame({"point": [1.0], "variable": ["x"], "method": ["central"],
...                   "expected_order": [2.0], "reliable_h": [1e-3]})
>>> fig = error_figure(f, a)
>>> fig.get_size_inches().tolist(), [ln.get_gid() for ln in fig.axes[0].get_lines()]
([5.5, 4.0], ['central', 'reference:central', 'zero:central'])
>>> figure_bytes(fig)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier.i18n import _
from verifier.report.fonts import speaks

__all__ = [
    "METHOD_STYLES",
    "MethodStyle",
    "PANEL_SIZE",
    "PLOT_DPI",
    "decade_ticks",
    "error_figure",
    "figure_bytes",
    "method_style",
    "panel_keys",
    "point_text",
]

#: one panel's size in inches and the default dpi: a one-panel PNG is 550 x 400 pixels
PANEL_SIZE = (5.5, 4.0)
PLOT_DPI = 100
#: panels per row before the figure wraps to a new row
MAX_COLUMNS = 3
# Fixed margins in inches around each panel's axes (left: tick labels and the y label).
_MARGINS = {"left": 0.78, "right": 0.12, "bottom": 0.5, "top": 0.34}
# Errors below this are not drawn as lines: float64 cannot resolve them at any sane scale.
_TINY = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class MethodStyle:
    """How one method's line looks: colour, marker, line style and whether markers are filled."""

    color: str
    marker: str
    linestyle: Any
    filled: bool = True
    zorder: float = 2.0


#: One row per stencil.  The dashed style ``--`` is kept for the reference slopes; every
#: method has its own marker and line style besides its colour.  Two pairs coincide at
#: large h: forward and backward (errors -+h f''/2, equal in size) and central and
#: complex_step (both h^2 f'''/6).  The second of each pair has larger hollow markers and
#: is drawn on top, so the first one's filled markers show through it.
METHOD_STYLES: dict[str, MethodStyle] = {
    "forward": MethodStyle("C0", "o", "-"),
    "backward": MethodStyle("C1", "v", "-.", filled=False, zorder=2.5),
    "central": MethodStyle("C2", "s", (0, (4, 1.2, 1, 1.2, 1, 1.2))),  # dash-dot-dot
    "five_point": MethodStyle("C3", "D", (0, (1, 1))),  # densely dotted
    "complex_step": MethodStyle("C4", "^", ":", filled=False, zorder=2.5),
}
# Methods outside the table (new stencils) cycle through these.
_SPARE_MARKERS = ("P", "X", "*", "h", "<", ">")
_SPARE_LINESTYLES: tuple[Any, ...] = ("-", "-.", ":", (0, (5, 1, 1, 1)))


def method_style(method: str, index: int = 0) -> MethodStyle:
    """The style of ``method`` (a spare colour, marker and line style for unknown names).

    >>> method_style("complex_step").marker, method_style("complex_step").filled
    ('^', False)
    >>> method_style("my_stencil", 1).color
    'C6'
    """
    if method in METHOD_STYLES:
        return METHOD_STYLES[method]
    return MethodStyle(
        f"C{(len(METHOD_STYLES) + index) % 10}",
        _SPARE_MARKERS[index % len(_SPARE_MARKERS)],
        _SPARE_LINESTYLES[index % len(_SPARE_LINESTYLES)],
    )


def panel_keys(frame: Any) -> list[tuple[Any, Any]]:
    """The (point, variable) panels of a tidy error table, in order of first appearance.

    A frame without a ``point`` or ``variable`` column is one point or one variable
    (``None`` in its place).

    >>> import pandas as pd
    >>> panel_keys(pd.DataFrame({"point": [1.0, 1.0, 2.0], "variable": ["x", "x", "x"]}))
    [(1.0, 'x'), (2.0, 'x')]
    """
    n = len(frame)
    points = frame["point"].tolist() if "point" in frame.columns else [None] * n
    variables = frame["variable"].tolist() if "variable" in frame.columns else [None] * n
    return list(dict.fromkeys(zip(points, variables, strict=True)))


def _select(frame: Any, point: Any, variable: Any) -> Any:
    if frame is None or len(frame) == 0:
        return frame
    sel = np.ones(len(frame), dtype=bool)
    if point is not None and "point" in frame.columns:
        sel &= (frame["point"] == point).to_numpy()
    if variable is not None and "variable" in frame.columns:
        sel &= (frame["variable"] == variable).to_numpy()
    return frame[sel]


def _plain(text: Any) -> str:
    # user text reaches titles: a "$" pair would switch mathtext on (slow, and not what was typed)
    return str(text).replace("$", r"\$")


def point_text(point: Any, variable: Any) -> str:
    """A panel's point as text: ``x = 1.3`` for a number, the label itself otherwise.

    >>> point_text(1.3, "x"), point_text("x0=1, x1=3", "x1")
    ('x = 1.3', 'x0=1, x1=3')
    """
    if point is None:
        return ""
    if isinstance(point, float | int | np.floating | np.integer):
        return f"{variable or 'x'} = {float(point):g}"
    return str(point)


def _decade_label(value: float, _pos: Any = None) -> str:
    return f"1e{round(math.log10(value)):d}" if value > 0 else ""


def _decades(values: np.ndarray, fallback: tuple[float, float]) -> tuple[float, float]:
    """Limits covering ``values`` rounded out to whole decades (so decade ticks show).

    A fifth of a decade of room either side first, so no point sits on the frame.
    """
    v = values[np.isfinite(values) & (values > _TINY)]
    if v.size == 0:
        return fallback
    lo = max(math.floor(math.log10(v.min()) - 0.2), -300)  # limits stay finite floats
    hi = min(math.ceil(math.log10(v.max()) + 0.2), 300)
    return 10.0 ** min(lo, hi - 1), 10.0**hi


def decade_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Decade ticks within [lo, hi], every k-th decade so there are at most ``most``.

    Exactly the ticks shown: a locator that also proposes ticks beyond the limits has
    matplotlib build (and then hide) tick artists, which costs as much as drawing them.

    >>> decade_ticks(1e-15, 1.0)
    [1e-15, 1e-12, 1e-09, 1e-06, 0.001, 1.0]
    """
    a, b = round(math.log10(lo)), round(math.log10(hi))
    step = max(1, math.ceil((b - a) / max(most - 1, 1)))
    return [10.0**e for e in range(b, a - 1, -step)][::-1]


def _row_value(row: Any, column: str) -> float:
    if row is None or column not in row.index:
        return math.nan
    try:
        return float(row[column])
    except (TypeError, ValueError):
        return math.nan


def _draw_panel(
    ax: Any,
    data: Any,
    analysis: Any,
    error: str,
    max_lines: int | None,
) -> tuple[list[Any], list[str]]:
    """Draw one panel's lines; returns (legend handles, legend labels)."""
    methods = list(dict.fromkeys(data["method"].tolist())) if len(data) else []
    if max_lines is not None:
        methods = methods[:max_lines]
    spare = 0
    handles: list[Any] = []
    labels: list[str] = []
    drawn_errors: list[np.ndarray] = []
    h_all = data["h"].to_numpy(float) if len(data) else np.array([])
    zero_marks: list[tuple[str, np.ndarray, MethodStyle]] = []
    for method in methods:
        style = method_style(method, spare)
        if method not in METHOD_STYLES:
            spare += 1
        grp = data[data["method"] == method]
        order = np.argsort(-grp["h"].to_numpy(float), kind="stable")
        h = grp["h"].to_numpy(float)[order]
        raw = grp[error].to_numpy(float)[order]
        # an error of exactly 0 (a lucky or exact estimate) has no place on a log axis:
        # it is a gap in the line and a hollow marker on the axis floor
        shown = np.where(raw > _TINY, raw, np.nan)
        drawn_errors.append(shown)
        (line,) = ax.plot(
            h,
            shown,
            color=style.color,
            marker=style.marker,
            linestyle=style.linestyle,
            ms=4.5 if style.filled else 6,
            mfc=style.color if style.filled else "none",
            mew=1.0,
            lw=1.2,
            label=method,
            gid=method,
            zorder=style.zorder,
        )
        handles.append(line)
        labels.append(method)
        zeros = h[raw == 0]
        if zeros.size:
            zero_marks.append((method, zeros, style))
        r = None
        if analysis is not None and len(analysis) and "method" in analysis.columns:
            rows = analysis[analysis["method"] == method]
            r = rows.iloc[0] if len(rows) else None
        if r is None:
            continue
        p = _row_value(r, "expected_order")
        # only a real True: a missing value (None, NaN) is not "exact"
        exact_method = (
            "exact" in r.index and isinstance(r["exact"], bool | np.bool_) and bool(r["exact"])
        )
        best_h = _row_value(r, "reliable_h")
        best_h = best_h if math.isfinite(best_h) else float(h.min()) if h.size else math.nan
        side = (raw > _TINY) & (h > best_h)
        if not exact_method and math.isfinite(p) and side.any():
            # reference slope h^p over the truncation side, a decade below the data at the
            # middle of that side, so it stays visible beside the line it describes
            hs, es = h[side], raw[side]
            j = int(np.argsort(hs)[len(hs) // 2])
            hh = np.array([best_h, float(hs.max())])
            ax.plot(
                hh,
                es[j] / 10 * (hh / hs[j]) ** p,
                "--",
                color=style.color,
                lw=0.9,
                alpha=0.8,
                label=f"_reference {method}",
                gid=f"reference:{method}",
                zorder=1.5,
            )
        tb, te = _row_value(r, "theoretical_best_h"), _row_value(r, "theoretical_best_error")
        if error != "abs_error" and math.isfinite(te):
            # the model's error is absolute; relative to the exact value on a relative axis
            ex = (
                float(np.abs(grp["exact"].to_numpy(float)).max())
                if "exact" in grp.columns
                else math.nan
            )
            te = te / ex if math.isfinite(ex) and ex > 0 else math.nan
        if (
            math.isfinite(tb)
            and math.isfinite(te)
            and te > _TINY
            and h.size
            and h.min() <= tb <= h.max()
        ):
            ax.plot(
                [tb],
                [te],
                "x",
                ms=9,
                mew=2,
                color=style.color,
                label=f"_model {method}",
                gid=f"model:{method}",
                zorder=3,
            )
            drawn_errors.append(np.array([te]))
    ys = np.concatenate(drawn_errors) if drawn_errors else np.array([])
    ylo, yhi = _decades(ys, (1e-17, 1e-1))
    # headroom above the data for the legend (a fifth of the height, in whole decades)
    span = math.log10(yhi) - math.log10(ylo)
    yhi = min(yhi * 10.0 ** math.ceil(span / 4), 1e308)
    ax.set_ylim(ylo, yhi)
    xlo, xhi = _decades(h_all, (1e-15, 1e-1))
    ax.set_xlim(xlo, xhi)
    ax.set_xticks(decade_ticks(xlo, xhi))
    ax.set_yticks(decade_ticks(ylo, yhi))
    # after the limits: the floor is the axes' bottom edge (x in data, y in axes units)
    for method, zeros, style in zero_marks:
        ax.plot(
            zeros,
            np.zeros_like(zeros),
            linestyle="none",
            marker=style.marker,
            mfc="none",
            ms=6,
            color=style.color,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            label=f"_zero {zeros.size}",
            gid=f"zero:{method}",
            zorder=3,
        )
    return handles, labels


@speaks
def error_figure(
    frame: Any,
    analysis: Any = None,
    *,
    error: str | None = None,
    function: str | None = None,
    dpi: float = PLOT_DPI,
    panel_size: tuple[float, float] = PANEL_SIZE,
    panels: Sequence[tuple[Any, Any]] | None = None,
    max_lines: int | None = None,
) -> Any:
    """The error-vs-h figure of a tidy error table (a matplotlib ``Figure`` on an Agg canvas).

    One panel per (point, variable) (:func:`panel_keys`, or the given ``panels``), at
    most :data:`MAX_COLUMNS` to a row; each panel ``panel_size`` inches.  ``error`` is the
    column drawn (default ``abs_error`` when the frame has it, else ``rel_error``);
    ``function`` heads each panel's title (default: the frame's ``function`` column).
    ``max_lines`` caps the methods per panel.  No pyplot state is touched: the figure is
    garbage once the caller drops it.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"h": [1e-2, 1e-4] * 2, "rel_error": [1e-4, 1e-8] * 2,
    ...                   "method": "central", "point": [1.0, 1.0, 2.0, 2.0]})
    >>> fig = error_figure(f)
    >>> fig.get_size_inches().tolist(), [ax.get_title(loc="left") for ax in fig.axes]
    ([11.0, 4.0], ['error vs h at x = 1', 'error vs h at x = 2'])
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullLocator

    if error is None:
        error = "abs_error" if "abs_error" in frame.columns else "rel_error"
    if function is None and "function" in frame.columns and len(frame):
        function = str(frame["function"].iloc[0])
    keys = list(panels) if panels is not None else panel_keys(frame)
    keys = keys or [(None, None)]
    n = len(keys)
    ncols = min(MAX_COLUMNS, n)
    nrows = math.ceil(n / ncols)
    pw, ph = panel_size
    fig = Figure(figsize=(pw * ncols, ph * nrows), dpi=dpi)
    FigureCanvasAgg(fig)
    W, H = pw * ncols, ph * nrows
    m = _MARGINS
    fmt = FuncFormatter(_decade_label)
    ylabel = _("|estimate - exact|") if error == "abs_error" else error.replace("_", " ")
    legend_title = _("dashed: slope h^p   x: model best h")
    if len(frame) and error in frame.columns and bool((frame[error] == 0).any()):
        legend_title += "\n" + _("hollow on the floor: error exactly 0")
    ax_w, ax_h = pw - m["left"] - m["right"], ph - m["bottom"] - m["top"]
    last_legend: list[str] | None = None
    for k, (point, variable) in enumerate(keys):
        row, col = divmod(k, ncols)
        # fixed axes rectangle in figure fractions: the margins are inches, so text fits
        # at every dpi without measuring it
        rect = (
            (col * pw + m["left"]) / W,
            ((nrows - 1 - row) * ph + m["bottom"]) / H,
            ax_w / W,
            ax_h / H,
        )
        ax = fig.add_axes(rect)
        ax.set_xscale("log")
        ax.set_yscale("log")
        data = _select(frame, point, variable)
        ana = _select(analysis, point, variable) if analysis is not None else None
        handles, labels = _draw_panel(ax, data, ana, error, max_lines)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(fmt)
            axis.set_minor_locator(NullLocator())  # minor ticks cost time and add nothing here
        ax.tick_params(labelsize=8)
        at = point_text(point, variable)
        what = f"{_plain(function)}  d/d{variable or 'x'}" if function else _("error vs h")
        title = _("{what} at {point}").format(what=what, point=_plain(at)) if at else what
        # an explicit y: no search for the title position over the tick labels
        ax.set_title(title, fontsize=9, loc="left", y=1.0, pad=4)
        ax.set_xlabel(_("step h"), fontsize=9)
        ax.set_ylabel(ylabel, fontsize=9)
        # axis labels at fixed distances (inches) from the axes: placing them by the
        # tick labels' boxes means laying out every tick label twice
        ax.xaxis.set_label_coords(0.5, -0.26 / ax_h)
        ax.yaxis.set_label_coords(-0.5 / ax_w, 0.5)
        ax.grid(True, which="major", alpha=0.3)
        if handles and labels != last_legend:
            # a legend where the methods differ from the last one shown (a legend costs
            # as much as the lines); in the middle of the top edge: round-off rises on
            # the left, truncation on the right; a fixed place is also cheap
            last_legend = labels
            ax.legend(
                handles,
                labels,
                loc="upper center",
                ncols=min(3, len(handles)),
                fontsize=7,
                title=legend_title,
                title_fontsize=7,
                handlelength=3.2,
                columnspacing=1.0,
                framealpha=0.85,
            )
        if not len(data):
            ax.text(0.5, 0.5, _("no estimates"), ha="center", va="center", transform=ax.transAxes)
    return fig


def figure_bytes(fig: Any, format: str = "png", *, dpi: float | None = None) -> bytes:
    """The figure as ``png`` / ``svg`` / ``pdf`` bytes (the caller checks the format).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"h": [1e-2, 1e-4], "abs_error": [1e-4, 1e-8], "method": "forward"})
    >>> figure_bytes(error_figure(f), "svg").lstrip()[:5]
    b'<?xml'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format=format, dpi=dpi if dpi is not None else "figure")
    return buf.getvalue()
