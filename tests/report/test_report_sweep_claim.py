"""A claimed derivative in the sweep's figure: a wrong claim is drawn at its distance from
the exact derivative, a right one is said to agree; the two figures differ in that."""

from __future__ import annotations

import math

from verifier.report.sweep import sweep_figure, sweep_plot_bytes
from verifier.sweep import sweep


def _artists(ax):
    lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    return lines, texts


def test_wrong_claim_is_a_line_at_its_distance_right_claim_is_not():
    f, at = "exp(sin(x))", 1.3
    right = sweep(f, points=[at], claimed="exp(sin(x))*cos(x)")
    wrong = sweep(f, points=[at], claimed="exp(sin(x))*cos(x) + 0.001")
    (ax_r,) = sweep_figure(right).axes
    (ax_w,) = sweep_figure(wrong).axes
    lines_r, texts_r = _artists(ax_r)
    lines_w, texts_w = _artists(ax_w)
    # the wrong claim: a horizontal line at |claimed - exact|, 1e-3 (the constant added);
    # both values are 30-digit references rounded to float64, so the distance is 1e-3
    # within a few ulps of the values (~1e-16), far inside 1e-9
    claim = lines_w["claim"]
    y = claim.get_ydata()
    assert y[0] == y[1] and math.isclose(y[0], 1e-3, rel_tol=1e-9)
    lo, hi = ax_w.get_ylim()
    assert lo < y[0] < hi  # in view
    assert "MISMATCH" in texts_w["claim_label"] and "0.001" in texts_w["claim_label"]
    assert "claim_agrees" not in texts_w
    # the right claim: no line (distance 0 has no place on a log axis), a sentence instead
    assert "claim" not in lines_r and "claim_label" not in texts_r
    assert "equals the exact derivative" in texts_r["claim_agrees"]
    # the estimates are the same in both: only the claim's artists differ
    same = {g for g in lines_r if g and not g.startswith("claim")}
    assert same == {g for g in lines_w if not g.startswith("claim")}
    assert sweep_plot_bytes(wrong) != sweep_plot_bytes(right)


def test_claim_far_off_extends_the_error_axis():
    t = sweep("x^2", points=[1.0], claimed="2x + 5000", methods=["central"])
    (ax,) = sweep_figure(t).axes
    y = {ln.get_gid(): ln for ln in ax.get_lines()}["claim"].get_ydata()[0]
    assert y == 5000.0  # exact integers: 2 + 5000 - 2
    assert ax.get_ylim()[1] >= 1e5 > y * 10  # two decades of room above the line
