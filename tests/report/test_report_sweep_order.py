"""The figure of a second-derivative sweep: the best step near eps^(1/4), model and measured."""

from __future__ import annotations

import math

import numpy as np

from verifier.numeric.stencils import EPS
from verifier.report.sweep import sweep_figure, sweep_plot_bytes
from verifier.sweep import sweep


def _lines(ax):
    return {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}


def test_second_difference_figure_shows_the_best_h_near_eps_to_the_quarter():
    t = sweep("exp(sin(x))", points=[0.7], order=2)
    fig = sweep_figure(t)
    (ax,) = fig.axes
    assert "d^2/dx^2" in ax.get_title(loc="left")
    lines = _lines(ax)
    row = t.analysis.set_index("method").loc["second_central"]
    # the measured minimum (a ring) is the analysis' best step and error
    ring = lines["measured_best:second_central"]
    assert ring.get_xdata()[0] == row["min_h"] and ring.get_ydata()[0] == row["min_error"]
    # the model curve C h^2 + A / h^2 has its minimum at the model's h* (on its 10-per-decade
    # grid: within a twentieth of a decade) and its value there is the model's best error
    model = lines["model_curve:second_central"]
    h, e = np.asarray(model.get_xdata()), np.asarray(model.get_ydata())
    k = int(np.argmin(e))
    assert abs(math.log10(h[k] / row["theoretical_best_h"])) <= 0.05
    assert abs(e[k] / row["theoretical_best_error"] - 1) < 0.01
    # and both sit near eps^(1/4) = 1.2e-4, marked by a vertical line (not eps^(1/3) = 6e-6)
    assert lines["eps^(1/4)"].get_xdata()[0] == EPS**0.25
    for best in (row["min_h"], row["theoretical_best_h"]):
        assert abs(math.log10(best / EPS**0.25)) <= 0.5
        assert abs(math.log10(best / EPS ** (1 / 3))) > 0.6
    assert sweep_plot_bytes(t)[:4] == b"\x89PNG"


def test_first_derivative_figure_is_unchanged():
    fig = sweep_figure(sweep("exp(sin(x))", points=[0.7], methods=["central"]))
    (ax,) = fig.axes
    assert "d/dx" in ax.get_title(loc="left") and "model_curve:central" not in _lines(ax)
