"""``verifier sweep``: summary, files, exit codes, several variables, bad input."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pandas as pd
import pytest

from verifier.cli import main
from verifier.cli.sweep import parse_point
from verifier.errors import VerifierError


def test_seed_example_writes_the_three_files(tmp_path, capsys):
    code = main(["sweep", "x^2 + 2x + 1", "--at", "15", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    for word in (
        "forward",
        "backward",
        "central",
        "five_point",
        "complex_step",
        "exact",
        "1.00 / 1",
    ):
        assert word in out
    df = pd.read_csv(tmp_path / "errors.csv")
    assert list(df.columns) == [
        "function",
        "variable",
        "point",
        "method",
        "h",
        "estimate",
        "exact",
        "abs_error",
        "rel_error",
    ]
    at = df[(df["h"] - 0.1).abs() < 1e-9].set_index("method")["estimate"].round(9)
    assert at.to_dict() == {
        "forward": 32.1,
        "backward": 31.9,
        "central": 32.0,
        "five_point": 32.0,
        "complex_step": 32.0,
    }
    assert "| method" in (tmp_path / "summary.md").read_text()
    png = (tmp_path / "error_vs_h.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (550, 400)


def test_wrong_claim_exits_1_right_claim_exits_0(tmp_path, capsys):
    wrong = main(
        [
            "sweep",
            "x^2 + 2x + 1",
            "--at",
            "15",
            "--claimed",
            "2x + 1",
            "--out",
            str(tmp_path),
            "--no-plot",
        ]
    )
    out = capsys.readouterr().out
    assert wrong == 1
    assert "MISMATCH" in out and "claimed 31" in out and "rule engine 32" in out
    right = main(
        [
            "sweep",
            "x^2 + 2x + 1",
            "--at",
            "15",
            "--claimed",
            "2x + 2",
            "--out",
            str(tmp_path),
            "--no-plot",
        ]
    )
    assert right == 0
    assert "agrees" in capsys.readouterr().out
    assert not (tmp_path / "error_vs_h.png").exists()


def test_several_points_and_variables_and_formats(tmp_path, capsys):
    code = main(
        [
            "sweep",
            "x0^2 + x1^2",
            "--at",
            "x0=1,x1=3",
            "--at",
            "x0=-2, x1=0.5",
            "--out",
            str(tmp_path),
            "--format",
            "csv,md,html,json",
            "--methods",
            "central,five-point",
            "--h-min",
            "1e-12",
            "--h-max",
            "1e-2",
            "--per-decade",
            "1",
        ]
    )
    assert code == 0, capsys.readouterr()
    data = json.loads((tmp_path / "errors.json").read_text())
    assert data["variables"] == ["x0", "x1"]
    frame = pd.DataFrame(data["frame"])
    assert set(frame["variable"]) == {"x0", "x1"}
    assert set(frame["method"]) == {"central", "five_point"}
    assert len(set(frame["h"].round(20))) >= 10
    assert "<img" in (tmp_path / "errors.html").read_text()
    png = (tmp_path / "error_vs_h.png").read_bytes()
    assert struct.unpack(">II", png[16:24]) == (1650, 800)  # 4 panels: 3 columns x 2 rows


def test_singular_points_are_diagnosed(tmp_path, capsys):
    # a pole nearby: the order breaks down at large h, an advisory note (f' is right)
    code = main(["sweep", "1/x", "--at", "0.001", "--out", str(tmp_path), "--no-plot"])
    out = capsys.readouterr().out
    assert code == 0 and "breakdown" in out and "singularity" in out and "advisory" in out
    code = main(["sweep", "abs(x)", "--at", "0", "--at", "1", "--out", str(tmp_path), "--no-plot"])
    out = capsys.readouterr().out
    assert code == 1 and "kink" in out and "complex step skipped" in out


@pytest.mark.parametrize(
    ("expr", "at"), [("exp(sin(x))", "0.47"), ("exp(sin(x))", "0.67"), ("exp(sin(x^2))", "2.6")]
)
def test_smooth_functions_of_the_issue_exit_0(tmp_path, capsys, expr, at):
    code = main(["sweep", expr, "--at", at, "--out", str(tmp_path), "--no-plot"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[-2] == "passed"  # the last line says what was written


def test_near_miss_claim_exits_1_like_check(tmp_path, capsys):
    args = ["sweep", "x^2", "--at", "1", "--out", str(tmp_path), "--no-plot"]
    assert main([*args, "--claimed", "2x+1e-9"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "FAILED" in out
    assert main([*args, "--claimed", "2*x"]) == 0


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    assert main(["sweep", "log(x)", "--at", "-1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "x = -1" in err and "not real" in err and "Traceback" not in err
    assert main(["sweep", "x^2", "--out", str(tmp_path)]) == 2
    assert "--at" in capsys.readouterr().err
    assert main(["sweep", "x^2", "--at", "one", "--out", str(tmp_path)]) == 2
    assert main(["sweep", "x^2", "--at", "1", "--methods", "sideways", "--out", str(tmp_path)]) == 2
    assert (
        main(
            ["sweep", "x^2", "--at", "1", "--h-min", "1", "--h-max", "1e-3", "--out", str(tmp_path)]
        )
        == 2
    )
    assert main(["sweep", "x^2 +", "--at", "1", "--out", str(tmp_path)]) == 2


def test_parse_point():
    assert parse_point(" 1.5 ") == 1.5
    assert parse_point("x0=1,x1=3") == {"x0": 1.0, "x1": 3.0}
    for bad in ("x0=1,x0=2", "x0=", "=3", "inf", "x=nan"):
        with pytest.raises(VerifierError):
            parse_point(bad)


def test_module_entry_point_runs(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "verifier.cli",
            "sweep",
            "exp(sin(x))",
            "--at",
            "1.3",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert (tmp_path / "errors.csv").exists() and (tmp_path / "error_vs_h.png").exists()


def test_at_takes_a_list_or_repeats(tmp_path, capsys):
    """`--at 1.3,2` is two points, like `--at 1.3 --at 2`; a bad one says how to write it."""
    frames = []
    for argv in (["--at", "1.3,2"], ["--at", "1.3", "--at", "2"]):
        out = tmp_path / str(len(frames))
        assert main(["sweep", "x^3", *argv, "--out", str(out), "--quiet", "--no-plot"]) == 0
        frames.append(pd.read_csv(out / "errors.csv"))
    assert list(dict.fromkeys(frames[0]["point"])) == [1.3, 2.0]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert main(["sweep", "x^3", "--at", "1.3;2", "--out", str(tmp_path / "x")]) == 2
    assert "repeat --at" in capsys.readouterr().err
