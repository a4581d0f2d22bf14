"""A kink can be plotted: `verifier sweep "abs(x)" --at 0` draws the one-sided estimates,
labels the kink, and exits 1 (the policy's ``domain`` verdict: nothing verified)."""

from __future__ import annotations

import numpy as np
import pytest

from verifier.cli import main
from verifier.errors import DomainError
from verifier.policy import POLICY
from verifier.report.sweep import kink_figure
from verifier.sweep_kink import kink_sweep


def test_cli_plots_a_kink_and_exits_by_the_verdict(tmp_path, capsys):
    assert POLICY["domain"].fails  # the verdict the exit code follows
    assert main(["sweep", "abs(x)", "--at", "0", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "a kink" in out and "left derivative -1" in out and "right derivative 1" in out
    assert "FAIL" in out and "pass" not in out.lower().split("fail")[0]
    png = (tmp_path / "error_vs_h.png").read_bytes()
    assert png[:4] == b"\x89PNG"
    md = (tmp_path / "summary.md").read_text()
    assert "a kink" in md and "FAIL" in md


def test_kink_figure_draws_one_sided_estimates_and_labels_the_sides():
    k = kink_sweep("abs(x - 1)", points=[1.0])
    (ax,) = kink_figure(k).axes
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    assert lines["left"].get_ydata()[0] == -1.0 and lines["right"].get_ydata()[0] == 1.0
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "left derivative -1" in texts and "right derivative 1" in texts
    assert "a kink" in ax.get_title(loc="left") and "fail" in ax.get_title(loc="left")
    # the forward difference of |x - 1| at 1 is exactly 1 for every representable h, the
    # backward -1 ((0 - h)/h); the central difference is 0 (|h| - |-h| cancels exactly)
    assert np.all(lines["forward"].get_ydata() == 1.0)
    assert np.all(lines["backward"].get_ydata() == -1.0)
    assert np.all(lines["central"].get_ydata() == 0.0)
    lo, hi = ax.get_ylim()
    assert lo < -1.0 and hi > 1.0  # both sides in view, with room for their labels
    assert not k.passed and k.verdict == "fail"


def test_kink_of_a_smooth_point_is_refused_and_the_cli_keeps_its_error(tmp_path, capsys):
    with pytest.raises(DomainError, match="no kink"):
        kink_sweep("abs(x)", points=[1.0])
    # 1/x at 0 is undefined, not a kink: still bad input (exit 2), no figure
    assert main(["sweep", "1/x", "--at", "0", "--out", str(tmp_path)]) == 2
    assert not (tmp_path / "error_vs_h.png").exists()
    # a smooth point of abs still sweeps normally and passes
    assert main(["sweep", "abs(x)", "--at", "1", "--out", str(tmp_path), "--quiet"]) == 0
