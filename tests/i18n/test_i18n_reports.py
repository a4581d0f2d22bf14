"""The report pages in Korean: ``--lang ko`` turns the sweep, gradcheck and descend pages'
headings Korean (gradcheck's page through the library); without it they stay English; figures are Korean only with a Hangul font."""

from __future__ import annotations

import re
import warnings

import pytest

from verifier.cli import main
from verifier.i18n import use_language
from verifier.report import fonts

HANGUL = re.compile("[\uac00-\ud7a3]")


def _headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


@pytest.mark.parametrize("lang", [None, "ko"])
def test_sweep_pages_speak_the_chosen_language(lang, tmp_path, capsys):
    extra = ["--lang", lang] if lang else []
    argv = ["sweep", "exp(sin(x))", "--at", "1.3", "--out", str(tmp_path), "--format", "html"]
    assert main([*argv, "--no-plot", *extra]) == 0
    capsys.readouterr()
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    page = (tmp_path / "errors.html").read_text(encoding="utf-8")
    heads = _headings(md)
    assert heads, md
    if lang == "ko":
        assert all(HANGUL.search(h) for h in heads), heads
        assert "Error vs h" not in md and "Reference:" not in md
        assert "columns: min_error" not in md and "열 설명" in md
        assert "<h2>분석</h2>" in page and "<h2>Analysis</h2>" not in page
    else:
        assert heads[0].startswith("# Error vs h: ")
        assert not HANGUL.search(md) and not HANGUL.search(page)
        assert "<h2>Analysis</h2>" in page
    # the machine-readable files keep their English column names in both languages
    header = (tmp_path / "errors.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "method" in header.split(",") and not HANGUL.search(header)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_gradcheck_page_headings(lang, tmp_path):
    import numpy as np

    from verifier.gradcheck import gradcheck
    from verifier.report.gradcheck import write_gradcheck

    w = np.array([1.0, 2.0, 3.0])
    result = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2})
    with use_language(lang):
        paths = write_gradcheck(result, tmp_path, plot=False)
    heads = _headings(paths["markdown"].read_text(encoding="utf-8"))
    assert len(heads) >= 3
    if lang == "ko":
        assert all(HANGUL.search(h) for h in heads), heads
        assert not any("Reading bands" in h or "Worst elements" in h for h in heads)
    else:
        assert "## Reading bands" in heads and not any(HANGUL.search(h) for h in heads)


def _sweep_titles() -> list[str]:
    from verifier.report.sweep import sweep_figure
    from verifier.sweep import sweep

    table = sweep("x^3", points=[1.0], methods=["central"], h=[1e-2, 1e-3, 1e-4])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a stand-in font lacks the glyphs: boxes are fine here
        fig = sweep_figure(table)
    ax = fig.axes[0]
    return [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]


def test_figures_stay_english_without_a_hangul_font(monkeypatch):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    with use_language("ko"):
        title, xlabel, ylabel = _sweep_titles()
    assert xlabel == "step h" and ylabel == "|estimate - exact|" and " at x = 1" in title


def test_figures_speak_korean_with_a_hangul_font(monkeypatch):
    monkeypatch.setattr(fonts, "hangul_font", lambda: "DejaVu Sans")
    with use_language("ko"):
        title, xlabel, ylabel = _sweep_titles()
    assert xlabel == "간격 h" and ylabel == "|추정값 - 정확값|" and title.startswith("x = 1에서")


def test_policy_sentences_shown_to_people_are_korean():
    from verifier.policy import POLICY
    from verifier.sweep_kink import kink_sweep

    kink = kink_sweep("abs(x)", points=[0.0], methods=["forward", "backward"])
    with use_language("ko"):
        assert HANGUL.search(kink.reason)
    with use_language("en"):
        assert kink.reason == POLICY["domain"].reason  # the table keeps the English msgid


def test_digits_page_heading_is_korean():
    from verifier.descent.digits import digits_study
    from verifier.report.training import digits_markdown

    study = digits_study([0.5], steps=2, hidden=4)
    with use_language("ko"):
        ko = digits_markdown(study)
    with use_language("en"):
        en = digits_markdown(study)
    assert _headings(ko) == ["# 손글씨 숫자: 학습률 비교 (역전파)"]
    assert _headings(en) == ["# Handwritten digits: learning-rate study (backprop)"]
    assert ko.splitlines()[2] == en.splitlines()[2]  # the table's column names stay English
