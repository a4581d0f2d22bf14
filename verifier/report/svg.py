"""The report's figures as hand-written SVG: exact, fast, crisp and self-contained.

A report holds about a hundred figures; drawing them with matplotlib took more than half of
``verifier run``.  These panels are plain SVG text (a few kilobytes each, about a
millisecond to write): log-log error-vs-h panels, one per method with a line per point and
the method's reference slope labelled, and the function panel (the exact derivative, the
claim where it differs, every point of the case).  ``verifier sweep`` keeps matplotlib for
its PNG/SVG files (:mod:`verifier.report.plots`).

Every figure is ``width >= 800`` pixels (an ``<img>`` of it has ``naturalWidth >= 800``) and
scales down with the page.  Text reaching a figure is escaped.

>>> import pandas as pd
>>> f = pd.DataFrame({"h": [1e-1, 1e-2, 1e-3], "abs_error": [1e-3, 1e-5, 1e-7],
...                   "method": "central", "point": 1.0, "variable": "x"})
>>> a = pd.DataFrame({"point": [1.0], "variable": ["x"], "method": ["central"],
...                   "expected_order": [2.0], "reliable_h": [1e-3]})
>>> svg = error_svg(f, a)
>>> svg.startswith("<svg") and 'width="900"' in svg and "slope 2" in svg
True
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from verifier.points import records
from verifier.report.plots import METHOD_STYLES, decade_ticks, method_style, point_text

__all__ = ["FIGURE_WIDTH", "error_svg", "function_svg", "svg_uri"]

#: every figure's width in pixels (its natural width in the page)
FIGURE_WIDTH = 900
_PANEL_H = 300
_COLUMNS = 2
_M = {"left": 62, "right": 14, "top": 30, "bottom": 40}
#: matplotlib's ten default colours ("C0".."C9"), so a method keeps its colour everywhere
_TAB10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_TINY = float(np.finfo(np.float64).tiny)
_FONT = 'font-family="system-ui,sans-serif"'


def _color(spec: str) -> str:
    return _TAB10[int(spec[1:]) % 10] if spec.startswith("C") and spec[1:].isdigit() else spec


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _marker(kind: str, x: float, y: float, color: str, filled: bool, r: float = 3.6) -> str:
    fill = color if filled else "white"
    style = f'fill="{fill}" stroke="{color}" stroke-width="1.2"'
    if kind == "o":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {style}/>'
    if kind == "s":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" {style}/>'
    shapes = {
        "^": ((0, -1.2), (1.1, 0.8), (-1.1, 0.8)),
        "v": ((0, 1.2), (1.1, -0.8), (-1.1, -0.8)),
        "D": ((0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)),
    }
    pts = shapes.get(kind, ((0, -1.3), (1.2, -0.4), (0.75, 1.1), (-0.75, 1.1), (-1.2, -0.4)))
    coords = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in pts)
    return f'<polygon points="{coords}" {style}/>'


def _dash(linestyle: Any) -> str:
    if linestyle == "-":
        return ""
    if linestyle == "-.":
        return ' stroke-dasharray="7 3 2 3"'
    if linestyle == ":":
        return ' stroke-dasharray="2 3"'
    if isinstance(linestyle, tuple):
        return ' stroke-dasharray="' + " ".join(f"{2.2 * v:g}" for v in linestyle[1]) + '"'
    return ' stroke-dasharray="6 3"'


class _Panel:
    """One axes box: maps data to pixels (log or linear on each axis) and collects SVG."""

    def __init__(self, x0: float, y0: float, w: float, h: float, xlim, ylim, logx, logy):
        self.x0, self.y0 = x0 + _M["left"], y0 + _M["top"]
        self.w, self.h = w - _M["left"] - _M["right"], h - _M["top"] - _M["bottom"]
        self.logx, self.logy = logx, logy
        tx = math.log10 if logx else float
        ty = math.log10 if logy else float
        self.xa, self.xb = tx(xlim[0]), tx(xlim[1])
        self.ya, self.yb = ty(ylim[0]), ty(ylim[1])
        self.xlim, self.ylim = xlim, ylim
        self.parts: list[str] = []

    def px(self, x: float) -> float:
        v = math.log10(x) if self.logx else x
        return self.x0 + (v - self.xa) / (self.xb - self.xa) * self.w

    def py(self, y: float) -> float:
        v = math.log10(y) if self.logy else y
        return self.y0 + self.h - (v - self.ya) / (self.yb - self.ya) * self.h

    def inside(self, x: float, y: float) -> bool:
        return (
            math.isfinite(x)
            and math.isfinite(y)
            and (x > 0 or not self.logx)
            and (y > 0 or not self.logy)
            and self.xlim[0] <= x <= self.xlim[1]
            and self.ylim[0] <= y <= self.ylim[1]
        )

    def frame(self, title: str, xlabel: str, ylabel: str, xticks, yticks, fmt) -> None:
        p = self.parts
        x1, y1 = self.x0 + self.w, self.y0 + self.h
        for t in xticks:
            x = self.px(t)
            p.append(f'<line x1="{x:.1f}" y1="{self.y0}" x2="{x:.1f}" y2="{y1}" class="g"/>')
            p.append(f'<text x="{x:.1f}" y="{y1 + 15}" text-anchor="middle">{fmt(t)}</text>')
        for t in yticks:
            y = self.py(t)
            p.append(f'<line x1="{self.x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" class="g"/>')
            p.append(f'<text x="{self.x0 - 5}" y="{y + 4:.1f}" text-anchor="end">{fmt(t)}</text>')
        p.append(
            f'<rect x="{self.x0}" y="{self.y0}" width="{self.w}" height="{self.h}" class="f"/>'
        )
        p.append(f'<text x="{self.x0}" y="{self.y0 - 9}" class="t">{_esc(title)}</text>')
        p.append(
            f'<text x="{self.x0 + self.w / 2:.1f}" y="{y1 + 32}" text-anchor="middle">'
            f"{_esc(xlabel)}</text>"
        )
        cy = self.y0 + self.h / 2
        p.append(
            f'<text x="{self.x0 - 48}" y="{cy:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 {self.x0 - 48} {cy:.1f})">{_esc(ylabel)}</text>'
        )

    def line(self, xs, ys, color: str, width: float = 1.6, dash: str = "") -> None:
        """A polyline, broken where a value is missing or off the axes."""
        runs: list[list[str]] = [[]]
        for x, y in zip(xs, ys, strict=True):
            if self.inside(float(x), float(y)):
                runs[-1].append(f"{self.px(float(x)):.1f},{self.py(float(y)):.1f}")
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if len(run) > 1:
                self.parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" '
                    f'stroke-width="{width}"{dash}/>'
                )

    def markers(self, xs, ys, kind: str, color: str, filled: bool = True) -> None:
        for x, y in zip(xs, ys, strict=True):
            if self.inside(float(x), float(y)):
                self.parts.append(
                    _marker(kind, self.px(float(x)), self.py(float(y)), color, filled)
                )

    def text(self, x: float, y: float, s: str, color: str = "#222", anchor: str = "start") -> None:
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" fill="{color}" text-anchor="{anchor}">{_esc(s)}</text>'
        )


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    style = (
        "<style>text{font-size:13px;fill:#222}.t{font-size:14px;font-weight:600}"
        ".g{stroke:#e3e3e3;stroke-width:1}.f{fill:none;stroke:#888;stroke-width:1}"
        ".l{font-size:12px}</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {_FONT} role="img" aria-label="{_esc(label)}">'
        f'{style}<rect width="{width}" height="{height}" fill="white"/>' + "".join(body) + "</svg>"
    )


def _decades(values: np.ndarray, fallback: tuple[float, float]) -> tuple[float, float]:
    v = values[np.isfinite(values) & (values > _TINY)]
    if v.size == 0:
        return fallback
    lo = math.floor(math.log10(v.min()) - 0.2)
    hi = math.ceil(math.log10(v.max()) + 0.2)
    return 10.0**lo, 10.0 ** max(hi, lo + 1)


def _decade_label(v: float) -> str:
    return f"1e{round(math.log10(v)):d}"


def _keys(frame: Any) -> list[tuple[Any, Any]]:
    n = len(frame)
    points = frame["point"].tolist() if "point" in frame.columns else [None] * n
    variables = frame["variable"].tolist() if "variable" in frame.columns else [None] * n
    return list(zip(points, variables, strict=True))


def _analysis_rows(analysis: Any) -> dict[tuple[Any, Any, Any], dict[str, Any]]:
    """(method, point, variable) -> the analysis row (and (method, None, None) for any)."""
    out: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    if analysis is None or not len(analysis) or "method" not in analysis.columns:
        return out
    for r in records(analysis):
        out.setdefault((r["method"], r.get("point"), r.get("variable")), r)
        out.setdefault((r["method"], None, None), r)
    return out


def _num(row: Any, col: str) -> float:
    try:
        return float(row[col]) if row is not None and col in row else math.nan
    except (TypeError, ValueError):
        return math.nan


def error_svg(
    frame: Any,
    analysis: Any = None,
    *,
    error: str | None = None,
    title: str = "",
    methods: Sequence[str] | None = None,
) -> str:
    """Log-log error-vs-h panels, one per method, a line per (point, variable), as SVG text.

    Each line has the method's marker at every measured step; an error of exactly 0 is a
    hollow marker on the panel's floor.  Where the analysis gives an expected order p and
    the method is not exact, a dashed reference line of slope p runs over the truncation
    side (steps above the best h), labelled ``slope p``.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"h": [1e-2, 1e-4] * 2, "rel_error": [1e-4, 1e-8, 2e-4, 3e-8],
    ...                   "method": ["forward"] * 2 + ["central"] * 2})
    >>> error_svg(f).count('class="t"')
    2
    """
    if error is None:
        error = "abs_error" if "abs_error" in frame.columns else "rel_error"
    method_of = frame["method"].tolist()
    names = list(methods or dict.fromkeys(method_of))
    keys = _keys(frame)
    series = list(dict.fromkeys(keys))
    h_all = frame["h"].to_numpy(float) if len(frame) else np.array([])
    e_all = frame[error].to_numpy(float) if len(frame) else np.array([])
    groups: dict[tuple[Any, Any], list[int]] = {}
    for i, (m, key) in enumerate(zip(method_of, keys, strict=True)):
        groups.setdefault((m, key), []).append(i)
    rows_of = _analysis_rows(analysis)
    n = max(len(names), 1)
    cols = min(_COLUMNS, n)
    rows = math.ceil(n / cols)
    pw = FIGURE_WIDTH / cols
    head = 26 if len(series) > 1 or title else 0
    height = head + rows * _PANEL_H
    body: list[str] = []
    ylabel = "|estimate - exact|" if error == "abs_error" else error.replace("_", " ")
    xlim = _decades(h_all, (1e-15, 1e-1))
    for k, method in enumerate(names):
        idx = [i for key in series for i in groups.get((method, key), [])]
        ylim = _decades(e_all[idx], (1e-17, 1e-1))
        r, c = divmod(k, cols)
        panel = _Panel(c * pw, head + r * _PANEL_H, pw, _PANEL_H, xlim, ylim, True, True)
        style = method_style(method, k if method not in METHOD_STYLES else 0)
        panel.frame(
            method,
            "step h",
            ylabel,
            decade_ticks(*xlim),
            decade_ticks(*ylim, most=5),
            _decade_label,
        )
        slope_done = False
        for j, (point, variable) in enumerate(series):
            sel = groups.get((method, (point, variable)))
            if not sel:
                continue
            order = np.argsort(-h_all[sel], kind="stable")
            h, e = h_all[sel][order], e_all[sel][order]
            color = _TAB10[j % 10] if len(series) > 1 else _color(style.color)
            shown = np.where(e > _TINY, e, np.nan)
            panel.line(h, shown, color, dash=_dash(style.linestyle))
            panel.markers(h, shown, style.marker, color, style.filled)
            for hz in h[e == 0]:  # an exact estimate: hollow, on the floor
                if xlim[0] <= hz <= xlim[1]:
                    panel.parts.append(
                        _marker(style.marker, panel.px(hz), panel.y0 + panel.h, color, False)
                    )
            ana = rows_of.get((method, point, variable)) or rows_of.get((method, None, None))
            p = _num(ana, "expected_order")
            flag = ana.get("exact") if ana is not None else None
            exact = isinstance(flag, bool | np.bool_) and bool(flag)
            best_h = _num(ana, "reliable_h")
            best_h = best_h if math.isfinite(best_h) else float(h.min())
            side = (e > _TINY) & (h > best_h)
            if slope_done or exact or not math.isfinite(p) or not side.any():
                continue
            hs, es = h[side], e[side]
            m = int(np.argsort(hs)[len(hs) // 2])
            # from the best step (or where the line leaves the panel's floor) to the top
            floor_h = hs[m] * (ylim[0] * 10 / es[m]) ** (1 / p) if p > 0 else best_h
            hh = np.array([max(best_h, floor_h * 1.05, xlim[0]), float(hs.max())])
            ref = es[m] / 10 * (hh / hs[m]) ** p
            panel.line(hh, ref, "#555", width=1.1, dash=' stroke-dasharray="5 4"')
            if panel.inside(float(hh[1]), float(ref[1])):
                panel.text(
                    panel.px(float(hh[1])) - 4,
                    panel.py(float(ref[1])) + 15,
                    f"slope {p:g}",
                    "#333",
                    "end",
                )
            slope_done = True
        if not idx:
            panel.text(
                panel.x0 + panel.w / 2, panel.y0 + panel.h / 2, "no estimates", anchor="middle"
            )
        body += panel.parts
    if head:  # the title, and which colour is which point
        shown = series[:12] if len(series) > 1 else []
        legend = "".join(
            f'<tspan fill="{_TAB10[j % 10]}">{_esc(point_text(p, v) or "?")}   </tspan>'
            for j, (p, v) in enumerate(shown)
        )
        more = f"(+{len(series) - 12} more)" if len(series) > 12 else ""
        lead = _esc(title + ("   " if title and shown else "")) + ("points: " if shown else "")
        body.insert(0, f'<text x="8" y="18" class="t">{lead}{legend}{more}</text>')
    return _svg(FIGURE_WIDTH, height, body, title or "error against step h")


def _robust_range(values: np.ndarray) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return -1.0, 1.0
    lo, hi = np.percentile(v, [3, 97]) if v.size > 20 else (v.min(), v.max())
    lo, hi = float(lo), float(hi)
    if hi - lo < 1e-12 * max(1.0, abs(hi)):
        lo, hi = lo - 1, hi + 1
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


def _nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / most))
    for m in (1, 2, 2.5, 5, 10):
        if span / (m * step) <= most:
            step *= m
            break
    start = math.ceil(lo / step) * step
    count = int(hi / step - start / step) + 1
    return [start + i * step for i in range(count)]


def _tick(v: float) -> str:
    return f"{v:.6g}" if abs(v) > 1e-12 else "0"


def function_svg(
    curve: Any,
    points: Any = None,
    *,
    title: str = "",
    variable: str = "x",
) -> str:
    """The exact derivative (solid) and the claim (dashed red, where it differs) as SVG text.

    ``curve``: a frame with ``x``, ``exact`` and optionally ``claimed`` (NaN where undefined);
    ``points``: a frame with ``x``, ``exact``, ``claimed`` at the case's points (each one
    marked: a filled dot on the exact derivative, a hollow red one at the claim).

    >>> import pandas as pd, numpy as np
    >>> x = np.linspace(0, 2, 5)
    >>> svg = function_svg(pd.DataFrame({"x": x, "exact": 2 * x, "claimed": 3 * x}),
    ...                    pd.DataFrame({"x": [1.0], "exact": [2.0], "claimed": [3.0]}))
    >>> svg.count("<polyline"), svg.count("<circle")
    (2, 2)
    """
    xs = curve["x"].to_numpy(float)
    exact = curve["exact"].to_numpy(float)
    claimed = curve["claimed"].to_numpy(float) if "claimed" in curve.columns else None
    differs = claimed is not None and not np.allclose(
        exact, claimed, rtol=1e-9, atol=1e-12, equal_nan=True
    )
    values = [exact]
    if claimed is not None:
        values.append(claimed)
    if points is not None and len(points):
        values += [points[c].to_numpy(float) for c in ("exact", "claimed") if c in points.columns]
    ylim = _robust_range(np.concatenate(values))
    xlim = (float(np.nanmin(xs)), float(np.nanmax(xs)))
    height = _PANEL_H + 20
    panel = _Panel(0, 0, FIGURE_WIDTH, height, xlim, ylim, False, False)
    panel.frame(
        title or f"d/d{variable}",
        variable,
        f"d/d{variable}",
        _nice_ticks(*xlim, 10),
        _nice_ticks(*ylim),
        _tick,
    )
    panel.line(xs, exact, _TAB10[0], width=2.2)
    if claimed is not None and differs:
        panel.line(xs, claimed, _TAB10[3], width=2, dash=' stroke-dasharray="8 5"')
    if points is not None and len(points):
        px, pe = points["x"].to_numpy(float), points["exact"].to_numpy(float)
        panel.markers(px, pe, "o", _TAB10[0])
        if "claimed" in points.columns and differs:
            panel.markers(px, points["claimed"].to_numpy(float), "o", _TAB10[3], filled=False)
    # the key, top right inside the box
    kx, ky = panel.x0 + panel.w - 250, panel.y0 + 16
    key = [(_TAB10[0], "", "exact derivative (rule engine)")]
    if claimed is not None:
        key.append(
            (_TAB10[3], ' stroke-dasharray="8 5"', "claim" if differs else "claim (= exact)")
        )
    if points is not None and len(points):
        key.append((None, "", "dots: the case's points"))
    for i, (color, dash, label) in enumerate(key):
        y = ky + 17 * i
        if color:
            panel.parts.append(
                f'<line x1="{kx:.0f}" y1="{y - 4}" x2="{kx + 26:.0f}" y2="{y - 4}" '
                f'stroke="{color}" stroke-width="2"{dash}/>'
            )
        panel.parts.append(f'<text x="{kx + 32:.0f}" y="{y}" class="l">{_esc(label)}</text>')
    return _svg(FIGURE_WIDTH, height, panel.parts, title or "derivative and claim")


def svg_uri(svg: str) -> str:
    """A ``data:`` URI of SVG text (base64), for an ``<img src>``.

    >>> svg_uri("<svg/>")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
