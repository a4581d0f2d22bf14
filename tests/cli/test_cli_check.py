"""The ``verifier check`` and ``verifier grade`` commands (exit codes, output, files)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from verifier.cli import main

DATA = Path(__file__).parent.parent / "data" / "homework"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_incorrect_product_rule(capsys):
    code, out, _ = run(capsys, "check", "x^3 e^x", "--answer", "3x^2 e^x")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("incorrect:")
    assert "counterexample: at x = 0.5 the derivative is" in out
    assert "mistake: product rule: missing the term x^3 e^x" in out
    assert "read as: 3x^2 e^x" in out
    assert "steps:" in out and "product rule" in out
    assert "correct derivative: " in out


def test_check_correct_exits_0(capsys):
    code, out, _ = run(capsys, "check", "x^3 e^x", "--answer", "x^2 e^x (x + 3)")
    assert code == 0 and out.startswith("correct:")


def test_check_invalid_answer_exits_2(capsys):
    code, out, _ = run(capsys, "check", "x^2", "--answer", "2x +")
    assert code == 2 and out.startswith("invalid:")


def test_check_invalid_function_exits_2(capsys):
    code, out, err = run(capsys, "check", "x^2 +", "--answer", "2x")
    assert code == 2 and out == ""
    assert err.startswith("verifier check: error:")


def test_check_json_and_partials(capsys):
    code, out, _ = run(
        capsys,
        "check",
        "x^2 y + y^3",
        "--answer",
        "2xy",
        "--var",
        "x",
        "--vars",
        "x,y",
        "--format",
        "json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["verdict"] == "correct" and d["variable"] == "x"
    code, out, _ = run(
        capsys, "check", "x^2 y + y^3", "--answer", "2xy", "--vars", "x,y", "--var", "y"
    )
    assert code == 1 and "wrong_variable" in out


def test_check_var_not_in_vars(capsys):
    code, _, err = run(capsys, "check", "x y", "--answer", "y", "--var", "z", "--vars", "x,y")
    assert code == 2 and "--var z" in err


def test_check_equation_answer(capsys):
    code, out, _ = run(capsys, "check", "x^2 + 2x + 1", "--answer", "f'(x) = 2x + 2")
    assert code == 0


def test_grade_writes_reports(capsys, tmp_path):
    out_dir = tmp_path / "out"
    code, out, _ = run(
        capsys,
        "grade",
        str(DATA / "class.csv"),
        "--problems",
        str(DATA / "problems.toml"),
        "--out",
        str(out_dir),
    )
    assert code == 0
    assert out.startswith("graded 24 submissions")
    assert "correct" in out and str(out_dir / "graded.csv") in out
    graded = pd.read_csv(out_dir / "graded.csv", keep_default_na=False)
    assert (graded["verdict"] == graded["expected"]).all()
    assert (out_dir / "summary.md").exists() and (out_dir / "summary.html").exists()


def test_grade_quiet_and_jobs(capsys, tmp_path):
    code, out, err = run(
        capsys,
        "grade",
        str(DATA / "class.csv"),
        "--problems",
        str(DATA / "problems.toml"),
        "--out",
        str(tmp_path),
        "--jobs",
        "2",
        "--quiet",
    )
    # --quiet keeps warnings: the fixture's 3 error rows of 24 are over a tenth of the class
    assert code == 0 and out == ""
    assert err.startswith("verifier grade: warning: 3 of 24 rows (12%)") and err.count("\n") == 1
    assert len(pd.read_csv(tmp_path / "graded.csv")) == 24


def test_grade_column_options(capsys, tmp_path):
    subs = tmp_path / "lms.csv"
    subs.write_text("Name,Q,Resp\nann,p1,2x+2\nbob,p1,x\n")
    code, out, _ = run(
        capsys,
        "grade",
        str(subs),
        "--problems",
        str(DATA / "problems.toml"),
        "--out",
        str(tmp_path / "o"),
        "--student-col",
        "Name",
        "--problem-col",
        "Q",
        "--answer-col",
        "Resp",
    )
    assert code == 0 and "1 correct, 1 incorrect" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope.csv", "--problems", str(DATA / "problems.toml")], "not found"),
        ([str(DATA / "class.csv"), "--problems", "nope.toml"], "not found"),
        (
            [str(DATA / "problems.toml"), "--problems", str(DATA / "problems.toml")],
            "missing column",
        ),
        (
            [str(DATA / "class.csv"), "--problems", str(DATA / "problems.toml"), "--jobs", "0"],
            "--jobs",
        ),
        (
            [
                str(DATA / "class.csv"),
                "--problems",
                str(DATA / "problems.toml"),
                "--time-limit",
                "0",
            ],
            "--time-limit",
        ),
    ],
)
def test_grade_unusable_inputs_exit_2(capsys, tmp_path, argv, message):
    code, out, err = run(capsys, "grade", *argv, "--out", str(tmp_path))
    assert code == 2
    assert message in err and "Traceback" not in err


def test_console_script_no_traceback(tmp_path):
    exe = shutil.which("verifier", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("console script not installed")
    p = subprocess.run(
        [exe, "check", "x^3 e^x", "--answer", "3x^2 e^x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 1 and "product rule: missing the term x^3 e^x" in p.stdout


def test_grade_through_a_dask_scheduler(capsys, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code, out, _ = run(
            capsys,
            "grade",
            str(DATA / "class.csv"),
            "--problems",
            str(DATA / "problems.toml"),
            "--out",
            str(tmp_path),
            "--scheduler",
            cluster.scheduler_address,
        )
    assert code == 0 and out.startswith("graded 24 submissions")
    graded = pd.read_csv(tmp_path / "graded.csv", keep_default_na=False)
    assert (graded["verdict"] == graded["expected"]).all()


def test_grade_unreachable_scheduler_exits_2(capsys, tmp_path):
    pytest.importorskip("distributed")
    code, _, err = run(
        capsys,
        "grade",
        str(DATA / "class.csv"),
        "--problems",
        str(DATA / "problems.toml"),
        "--out",
        str(tmp_path),
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert code == 2 and "cannot reach the Dask scheduler" in err
