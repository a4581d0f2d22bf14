"""Every LaTeX output compiles with a real TeX engine (pdflatex, Debian's texlive-latex-base).

One document (with amsmath, for sympy's ``\\operatorname``) holds ``verifier diff --format latex`` (result and ``--steps``) for every
function of the bundled cases and ``verifier sweep --format tex`` tables; a second is the
suite report's ``report.tex`` (a whole document itself).  In CI (``CI=true``) a missing
pdflatex fails the test; elsewhere it skips.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from required_tools import require

from verifier.cli import main
from verifier.suite.run import collect

ROOT = Path(__file__).resolve().parents[2]
PDFLATEX = shutil.which("pdflatex")


@pytest.fixture(autouse=True)
def _engine():
    require(PDFLATEX, "pdflatex", "texlive-latex-base")


def compile_tex(path: Path) -> None:
    done = subprocess.run(
        [str(PDFLATEX), "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = path.with_suffix(".log")
    text = log.read_text(errors="replace") if log.exists() else done.stdout
    assert done.returncode == 0, text[-3000:]
    assert path.with_suffix(".pdf").stat().st_size > 1000
    assert "Undefined control sequence" not in text and "Missing $ inserted" not in text


def _printed(capsys, argv: list[str]) -> str:
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_diff_and_sweep_latex_compile(tmp_path, capsys):
    cases, _ = collect([ROOT / "cases"])
    jobs = []
    for case in cases:
        if case.kind == "derivative":
            jobs.append((case.function, case.variable))
        elif case.kind == "gradient":
            pts = case.points or (case.point,)
            jobs += [(case.function, v) for v in (case.variables or pts[0])]
    jobs = list(dict.fromkeys(jobs))
    assert len(jobs) >= 80
    body = []
    for function, var in jobs:
        argv = ["diff", function, "--var", var, "--format", "latex"]
        body.append(_printed(capsys, argv))  # the result alone, math
        body.append(_printed(capsys, [*argv, "--steps"]))
    # the example: ln, ^ and _ in an identity, in math mode and in text
    steps = _printed(capsys, ["diff", "ln(x)/x", "--steps", "--format", "latex"])
    assert "\\ln" in steps and "\\log" not in steps and "log\\_b" in steps
    body.append(steps)
    for expr, at in (("x^2 + 2x + 1", "1.3,2"), ("exp(sin(x))", "0.5")):
        out = tmp_path / f"sweep{len(body)}"
        argv = ["sweep", expr, "--at", at, "--out", str(out), "--format", "tex"]
        _printed(capsys, [*argv, "--no-plot", "--quiet"])
        table = (out / "summary.tex").read_text()
        assert "reliable\\_h" in table  # headers escaped
        body.append(table)
    doc = tmp_path / "outputs.tex"
    doc.write_text(
        "\\documentclass[10pt]{article}\n\\usepackage{amsmath}\n\\setlength{\\textwidth}{17cm}\n"
        "\\setlength{\\oddsidemargin}{-0.5cm}\n\\begin{document}\n"
        + "\n\n\\medskip\n".join(
            f"$${b.strip()}$$" if "\\item" not in b and "tabular" not in b else b for b in body
        )
        + "\n\\end{document}\n"
    )
    compile_tex(doc)


def test_suite_report_latex_compiles(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("80_expected_failures.toml", "90_homework.toml"):
        shutil.copy(ROOT / "cases" / name, cases / name)
    (cases / "99_wrong.toml").write_text(
        'schema = 1\n[[case]]\nid = "wrong_claim_100%_x^2"\nfunction = "x^3"\n'
        'points = [2]\nclaimed = "3x_1 & {x}"\n'
    )
    out = tmp_path / "out"
    main(["run", str(cases), "--out", str(out), "--format", "tex", "--quiet"])
    tex = out / "report.tex"
    assert "Did not hold" in tex.read_text()
    compile_tex(tex)
