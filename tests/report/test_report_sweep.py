"""The sweep's report adapter: files written whole, the figure, every format."""

from __future__ import annotations

import json
import struct

import pytest
import sympy

from verifier.errors import VerifierError
from verifier.expr import symbol
from verifier.report.sweep import (
    FILE_NAMES,
    summary_html,
    summary_latex,
    summary_markdown,
    sweep_dict,
    sweep_figure,
    sweep_json,
    sweep_plot_bytes,
    write_sweep_plot,
    write_sweep_report,
)
from verifier.sweep import FRAME_COLUMNS, sweep

x = symbol("x")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_renders_with_expected_size(tmp_path):
    import matplotlib.image

    t = sweep(sympy.exp(sympy.sin(x)), points=[1.3])
    path = write_sweep_plot(t, tmp_path / "one.png")
    data = path.read_bytes()
    assert _png_size(data) == (550, 400)
    img = matplotlib.image.imread(path)
    assert img.shape[:2] == (400, 550)
    assert img.std() > 0.05  # not a blank image
    two = sweep(sympy.exp(sympy.sin(x)), points=[1.3, 2.0])
    assert _png_size(sweep_plot_bytes(two)) == (1100, 400)
    fig = sweep_figure(two)
    assert len([a for a in fig.axes if a.get_visible()]) == 2
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert {ln.get_label() for ln in ax.get_lines()} >= {"forward", "central", "complex_step"}
    assert any(ln.get_linestyle() == "--" for ln in ax.get_lines())  # reference slopes
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"  # a bare Figure, no pyplot


def test_svg_and_every_text_format(tmp_path):
    t = sweep("x^2 + 2x + 1", points=[15.0], claimed="2x + 2")
    svg = write_sweep_plot(t, tmp_path / "p.svg", format="svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    with pytest.raises(VerifierError):
        write_sweep_plot(t, tmp_path / "p.gif", format="gif")
    assert not (tmp_path / "p.gif").exists()
    data = json.loads(sweep_json(t))
    assert data["passed"] is True and data["claim"]["passed"] is True
    assert len(data["frame"]) == len(t.frame)
    assert data == json.loads(json.dumps(sweep_dict(t)))
    md = summary_markdown(t)
    assert "| method" in md and "exact" in md and "## Claimed derivative" in md
    html = summary_html(t)
    assert "data:image/png;base64," in html and "<table" in html
    assert "<img" not in summary_html(t, plot=False)
    assert "tabular" in summary_latex(t)


def test_write_sweep_report_writes_whole_files(tmp_path):
    t = sweep("x^2 + 2x + 1", points=[15.0], claimed="2x + 2")
    written = write_sweep_report(t, tmp_path / "out", ["html", "json", "tex"])
    names = [p.name for p in written]
    assert names == [FILE_NAMES[k] for k in ("csv", "md", "html", "json", "tex", "png")]
    csv = (tmp_path / "out" / "errors.csv").read_text()
    assert csv.splitlines()[0] == ",".join(FRAME_COLUMNS)
    assert (tmp_path / "out" / "summary.md").read_text() == summary_markdown(t)
    assert list((tmp_path / "out").glob(".*tmp")) == []  # written whole: no temp files left
    with pytest.raises(VerifierError, match="unknown format"):
        write_sweep_report(t, tmp_path / "bad", ["pdf"])
    assert not (tmp_path / "bad").exists()


def test_user_text_is_made_safe_in_every_format(tmp_path):
    # a function whose text starts like a formula and carries markup characters
    t = sweep("-x^2", points=[1.0], methods=["central"], h=[1e-2, 1e-3, 1e-4])
    write_sweep_report(t, tmp_path, ["html", "tex"], plot=False)
    rows = (tmp_path / "errors.csv").read_text().splitlines()[1:]
    assert rows and all(r.startswith("'-x^2,") for r in rows)  # not a spreadsheet formula
    assert "<b>f = -x^2</b>" in (tmp_path / "errors.html").read_text()
