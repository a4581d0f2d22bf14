"""The gradient check's report: per-tensor histograms over the reading bands, the worst
elements with their indices, the notes, the files written whole."""

from __future__ import annotations

import numpy as np

from verifier.gradcheck import gradcheck
from verifier.network.mlp import init_mlp, mlp_backward, mlp_data, mlp_loss
from verifier.policy import POLICY
from verifier.report.gradcheck import FLOOR, error_histogram, gradcheck_markdown, write_gradcheck


def _result(bug=None):
    params = init_mlp((6, 5, 4, 3), seed=0)
    x, y = mlp_data(8, 6, 3, seed=0)
    return gradcheck(lambda p: mlp_loss(p, x, y), params, mlp_backward(params, x, y, bug=bug))


def test_one_log_histogram_per_tensor_with_the_bands():
    result = _result("w2_entry_off_by_0.1_percent")
    fig = error_histogram(result)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(" (")[0] for ax in shown] == [t.name for t in result.tensors]
    rule = POLICY["reading"]
    for ax, t in zip(shown, result.tensors, strict=True):
        assert ax.get_xscale() == "log" and ax.get_xlim()[0] < FLOOR
        bars = [p for p in ax.patches if p.get_gid() == f"hist:{t.name}"]
        # every judged entry is counted once (kinks are left out)
        assert sum(p.get_height() for p in bars) == np.count_nonzero(t.status != "kink")
        spans = {
            p.get_gid(): p.get_path().transformed(p.get_patch_transform())
            for p in ax.patches
            if str(p.get_gid()).startswith("band:")
        }
        assert sorted(spans) == ["band:fine", "band:look closer", "band:wrong"]
    # the wrong entry's bar sits right of the "wrong" band's left edge
    w2 = shown[[t.name for t in result.tensors].index("W2")]
    right = [p for p in w2.patches if p.get_gid() == "hist:W2" and p.get_height() > 0][-1]
    assert right.get_x() + right.get_width() > rule.atol


def test_the_markdown_names_the_worst_element_and_its_band():
    text = gradcheck_markdown(_result("w2_entry_off_by_0.1_percent"))
    assert "verdict: FAIL (W2)" in text
    worst_rows = text.split("## Worst elements")[1].splitlines()
    first_w2 = next(row for row in worst_rows if row.startswith("| W2"))
    assert "(1, 2)" in first_w2 and "wrong" in first_w2


def test_the_files_are_written_whole(tmp_path):
    paths = write_gradcheck(_result(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gradcheck.csv",
        "gradcheck.md",
        "gradcheck.png",
    ]
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
    assert paths["csv"].read_text().splitlines()[0].startswith("tensor,index,numeric")
