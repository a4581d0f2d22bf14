"""The one error-vs-h figure: sizes, reference slopes, one styled line per method, error 0."""

from __future__ import annotations

import math
import re
import struct

import numpy as np
import pandas as pd
import pytest

from verifier.report.plots import (
    METHOD_STYLES,
    decade_ticks,
    error_figure,
    figure_bytes,
    method_style,
    panel_keys,
)

H = np.logspace(-1, -8, 15)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _frames(points=(1.0,), methods=("forward", "central", "complex_step"), zero_at=None):
    """A synthetic sweep: error = c h^p (+ round-off 1e-16/h), with its analysis rows."""
    order = {"forward": 1, "backward": 1, "central": 2, "five_point": 4, "complex_step": 2}
    rows, ana = [], []
    for pt in points:
        for m in methods:
            p = order.get(m, 2)
            err = 0.1 * H**p + 1e-16 / H
            if zero_at is not None and m == zero_at[0]:
                err = np.where(np.isclose(H, zero_at[1]), 0.0, err)
            rows.append(
                pd.DataFrame(
                    {
                        "function": "f",
                        "variable": "x",
                        "point": pt,
                        "method": m,
                        "h": H,
                        "exact": 2.0,
                        "abs_error": err,
                        "rel_error": err / 2.0,
                    }
                )
            )
            best = float(H[np.argmin(err)])
            ana.append(
                {
                    "point": pt,
                    "variable": "x",
                    "method": m,
                    "expected_order": float(p),
                    "exact": False,
                    "reliable_h": best,
                    "theoretical_best_h": 1e-5,
                    "theoretical_best_error": 3e-9,
                }
            )
    return pd.concat(rows, ignore_index=True), pd.DataFrame(ana)


def _lines(ax, prefix: str) -> dict[str, object]:
    return {
        ln.get_gid().split(":", 1)[-1]: ln
        for ln in ax.get_lines()
        if (ln.get_gid() or "").startswith(prefix)
    }


def test_png_sizes_per_panel_and_dpi():
    frame, ana = _frames()
    assert _png_size(figure_bytes(error_figure(frame, ana))) == (550, 400)
    assert _png_size(figure_bytes(error_figure(frame, ana, dpi=80))) == (440, 320)
    four, ana4 = _frames(points=(0.5, 1.0, 2.0, 3.0))
    fig = error_figure(four, ana4)
    assert _png_size(figure_bytes(fig)) == (1650, 800)  # 3 columns, 2 rows
    assert len(fig.axes) == 4
    svg = figure_bytes(fig, "svg")
    assert b"<svg" in svg[:400]


def test_one_line_per_method_each_with_its_own_marker_and_style():
    methods = ("forward", "backward", "central", "five_point", "complex_step")
    frame, ana = _frames(methods=methods)
    ax = error_figure(frame, ana).axes[0]
    lines = {
        ln.get_gid(): ln
        for ln in ax.get_lines()
        if ln.get_gid() in methods  # method lines are tagged with the bare method name
    }
    assert sorted(lines) == sorted(methods)
    assert [ln.get_label() for ln in ax.get_legend().get_lines()] == list(methods)
    looks = {
        (ln.get_marker(), str(ln.get_linestyle()), str(ln._unscaled_dash_pattern))
        for ln in lines.values()
    }
    assert len({m for m, _, _ in looks}) == len(methods)  # every marker differs
    assert len({d for _, _, d in looks}) == len(methods)  # every line pattern differs
    # central and complex_step share h^2 f'''/6: the one on top is hollow, so both show
    c, cs = lines["central"], lines["complex_step"]
    assert c.get_marker() != cs.get_marker()
    assert c.get_markerfacecolor() != "none" and cs.get_markerfacecolor() == "none"
    assert cs.get_zorder() > c.get_zorder()
    # the reference slopes' dashes belong to no method line
    ref_dash = next(iter(_lines(ax, "reference:").values()))._unscaled_dash_pattern
    assert all(ln._unscaled_dash_pattern != ref_dash for ln in lines.values())


def test_dashed_reference_slope_per_method_has_the_expected_order():
    frame, ana = _frames(methods=("forward", "central"))
    ax = error_figure(frame, ana).axes[0]
    refs = _lines(ax, "reference:")
    assert sorted(refs) == ["central", "forward"]
    for method, p in (("forward", 1), ("central", 2)):
        ln = refs[method]
        assert ln.get_linestyle() == "--"
        assert ln.get_color() == METHOD_STYLES[method].color
        x, y = (np.asarray(v, dtype=float) for v in ln.get_data())
        slope = math.log10(y[1] / y[0]) / math.log10(x[1] / x[0])
        assert slope == pytest.approx(p)
        # it spans the truncation side: from the best h up to the largest step
        best = float(ana.set_index("method").loc[method, "reliable_h"])
        assert x.min() == pytest.approx(best) and x.max() == pytest.approx(H.max())


def test_no_reference_slope_for_an_exact_method_and_model_marker_only_in_range():
    frame, ana = _frames(methods=("forward", "central"))
    ana.loc[ana["method"] == "central", "exact"] = True
    ana.loc[ana["method"] == "forward", "theoretical_best_h"] = 1e3  # outside the h range
    ax = error_figure(frame, ana).axes[0]
    assert sorted(_lines(ax, "reference:")) == ["forward"]
    models = _lines(ax, "model:")
    assert sorted(models) == ["central"]
    x, y = models["central"].get_data()
    assert (float(x[0]), float(y[0])) == (1e-5, 3e-9)
    assert models["central"].get_marker() == "x"


def test_error_zero_is_a_gap_and_a_hollow_marker_on_the_floor():
    h0 = float(H[7])
    frame, ana = _frames(methods=("forward", "central"), zero_at=("central", h0))
    fig = error_figure(frame, ana)
    ax = fig.axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_gid() == "central")
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    assert np.isnan(y[np.isclose(x, h0)]).all()  # a gap, not a point at log(0)
    assert np.isfinite(y[~np.isclose(x, h0)]).all()
    zero = _lines(ax, "zero:")
    assert sorted(zero) == ["central"]
    zx, zy = zero["central"].get_data()
    assert list(zx) == [h0] and list(zy) == [0.0]
    # y = 0 in axes units: the bottom edge, whatever the limits
    assert zero["central"].get_transform() == ax.get_xaxis_transform()
    assert zero["central"].get_markerfacecolor() == "none"
    assert zero["central"].get_clip_on() is False
    assert ax.get_ylim()[0] > 0
    assert "error exactly 0" in ax.get_legend().get_title().get_text()
    assert _png_size(figure_bytes(fig)) == (550, 400)  # draws without a log(0) warning


def test_all_errors_zero_still_draws():
    frame, ana = _frames(methods=("central",))
    frame["abs_error"] = 0.0
    ax = error_figure(frame, ana).axes[0]
    lo, hi = ax.get_ylim()
    assert 0 < lo < hi
    assert not _lines(ax, "reference:")  # nothing to anchor a slope to
    assert len(_lines(ax, "zero:")["central"].get_data()[0]) == len(H)


def test_panels_per_point_and_variable_with_titles_and_one_legend():
    frame, ana = _frames(points=(0.5, 2.0))
    other = frame.assign(variable="y")
    both = pd.concat([frame, other], ignore_index=True)
    assert panel_keys(both) == [(0.5, "x"), (2.0, "x"), (0.5, "y"), (2.0, "y")]
    fig = error_figure(both, pd.concat([ana, ana.assign(variable="y")]), function="x*y")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0] == "x*y  d/dx at x = 0.5" and titles[3] == "x*y  d/dy at y = 2"
    # same methods everywhere: the key is drawn once
    assert [ax.get_legend() is not None for ax in fig.axes] == [True, False, False, False]
    only = error_figure(both, panels=[(2.0, "y")])
    assert len(only.axes) == 1 and only.axes[0].get_title(loc="left").endswith("at y = 2")


def test_plain_text_decade_ticks_no_mathtext():
    frame, ana = _frames()
    frame.loc[0, "function"] = "cost $a$ and $b$"
    fig = error_figure(frame, ana)
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    assert labels and all(re.fullmatch(r"1e-?\d+", t) for t in labels), labels
    assert ax.xaxis.get_minor_locator().tick_values(1e-8, 1e-1) == []
    assert r"\$a\$" in ax.get_title(loc="left")  # user text never switches mathtext on
    assert decade_ticks(1e-17, 1e3) == [1e-17, 1e-13, 1e-9, 1e-5, 1e-1, 1e3]
    assert decade_ticks(1e-2, 1.0) == [1e-2, 1e-1, 1.0]


def test_relative_error_frame_and_no_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    frame, ana = _frames(methods=("central",))
    fig = error_figure(frame.drop(columns=["abs_error"]), ana)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "rel error"
    # the model's error is absolute: on a relative axis it is divided by |exact|
    x, y = _lines(ax, "model:")["central"].get_data()
    assert float(y[0]) == pytest.approx(3e-9 / 2.0)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
    assert plt.get_fignums() == before


def test_unknown_methods_get_spare_styles_and_empty_frames_a_note():
    assert method_style("new_a", 0) != method_style("new_b", 1)
    assert method_style("new_a", 0).marker not in {s.marker for s in METHOD_STYLES.values()}
    frame, ana = _frames(methods=("mine",))
    ax = error_figure(frame, ana).axes[0]
    assert [ln.get_gid() for ln in ax.get_lines() if ln.get_gid() == "mine"] == ["mine"]
    empty = error_figure(pd.DataFrame({"h": [], "abs_error": [], "method": []}))
    assert [t.get_text() for t in empty.axes[0].texts] == ["no estimates"]


def test_sweep_and_report_draw_the_same_picture():
    """The sweep's figure and the suite report's error_plot are one routine: same pixels."""
    from verifier.report.suite import error_plot
    from verifier.report.sweep import sweep_figure, sweep_plot_bytes
    from verifier.sweep import sweep

    t = sweep("exp(sin(x))", points=[1.3], methods=["forward", "central", "complex_step"])
    caption, png = error_plot(t.frame, analysis=t.analysis, dpi=100)
    assert caption == "error vs h at x = 1.3"
    assert png == sweep_plot_bytes(t)
    ax = sweep_figure(t).axes[0]
    assert sorted(_lines(ax, "reference:")) == ["central", "complex_step", "forward"]
    # the report shows the first point only (errors.csv has every point)
    t2 = sweep("exp(sin(x))", points=[1.3, 2.0], methods=["central"])
    caption, png = error_plot(t2.frame, analysis=t2.analysis)
    assert caption.startswith("error vs h at x = 1.3 (first of 2 points")
    assert _png_size(png) == (440, 320)
