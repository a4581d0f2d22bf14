"""The descent report: figures on a bare Agg Figure, files written whole."""

from __future__ import annotations

import matplotlib

from verifier.descent import compare_training, learning_rate_study
from verifier.report.descent import (
    study_figure,
    study_markdown,
    training_figure,
    write_study,
    write_training,
)


def test_study_writes_table_and_plot(tmp_path):
    study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.001, 0.1, 0.9, 1.1], steps=100)
    paths = write_study(study, tmp_path / "out")
    csv = paths["csv"].read_text().splitlines()
    assert csv[0].startswith("lr,regime,") and len(csv) == 5
    assert "oscillating" in paths["markdown"].read_text()
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "descend.csv",
        "descend.md",
        "descend.png",
    }
    assert write_study(study, tmp_path / "bare", plot=False).keys() == {"csv", "markdown"}


def test_figures_leave_the_backend_and_pyplot_alone():
    backend = matplotlib.get_backend()
    study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.1, 1.1], steps=30)  # 0.1: slow
    fig = study_figure(study)
    assert type(fig).__name__ == "Figure" and fig.canvas.__class__.__name__ == "FigureCanvasAgg"
    contour, losses = fig.axes
    assert losses.get_yscale() == "log" and "contours" in contour.get_title()
    assert [ln.get_label() for ln in losses.get_lines()] == [
        "lr=0.1 (slow)",
        "lr=1.1 (diverged)",
    ]
    one_d = study_figure(learning_rate_study("x^2", [1.0], [0.1], steps=5))
    assert len(one_d.axes) == 1
    assert matplotlib.get_backend() == backend


def test_training_figure_and_files(tmp_path):
    tc = compare_training((8, 5, 3), batch=6, steps=2, lr=0.5)
    assert len(training_figure(tc).axes[0].get_lines()) == 2
    paths = write_training(tc, tmp_path)
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
    assert paths["csv"].read_text().startswith("step,loss_backprop,loss_numeric")
    assert "| regime " in study_markdown(learning_rate_study("x^2", [1.0], [0.25], steps=3))


def test_loss_axis_fits_the_runs_and_paths_are_told_apart():
    """Rosenbrock's fall from 4 to ~0.009 fills the axis (it used to span 1e-23..1e25);
    lr 0.1 and 0.9 on x0^2+x1^2 (identical losses) get different markers and styles; each
    curve is labelled with its rate and regime."""
    import numpy as np

    from verifier.descent import learning_rate_study
    from verifier.report.descent import study_figure

    rosen = learning_rate_study("100(x1 - x0^2)^2 + (1 - x0)^2", [-1, 1], [0.001], steps=300)
    fig = study_figure(rosen)
    lo, hi = fig.axes[-1].get_ylim()
    losses = rosen.runs[0].losses
    assert lo <= losses.min() and hi >= losses.max()
    assert np.log10(hi / lo) <= np.log10(losses.max() / losses.min()) + 3  # within 3 decades

    study = learning_rate_study("x0^2 + x1^2", [3, 4], [0.1, 0.9], steps=50)
    a, b = study.runs
    assert np.allclose(a.losses, b.losses, rtol=1e-9)  # the curves coincide...
    fig = study_figure(study)
    lines = [ln for ln in fig.axes[-1].get_lines() if ln.get_label().startswith("lr=")]
    assert (
        len({(ln.get_marker(), str(ln.get_linestyle())) for ln in lines}) == 2
    )  # ...not the looks
    paths = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("lr=")]
    assert paths[0].get_marker() != paths[1].get_marker()
    texts = [t.get_text() for t in fig.axes[-1].texts]
    assert texts == ["lr=0.1: converged", "lr=0.9: oscillating"]


def test_markdown_table_keeps_its_columns():
    """`|grad|` in a reason used to split descend.md's table."""
    from verifier.descent import learning_rate_study
    from verifier.report.descent import study_markdown

    md = study_markdown(learning_rate_study("x0^2 + x1^2", [3, 4], [0.001, 1.1], steps=20))
    rows = md.splitlines()
    assert "\\|grad\\|" in md

    def cells(row: str) -> int:
        return len(row.replace("\\|", "").split("|"))

    assert len({cells(r) for r in rows}) == 1
