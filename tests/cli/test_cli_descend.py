"""``verifier descend``: the learning-rate study and the network comparison from the CLI."""

from __future__ import annotations

import pandas as pd

from verifier.cli import main


def test_the_issue_command_reproduces_the_regimes(tmp_path, capsys):
    code = main(
        ["descend", "x0^2 + x1^2", "--from", "3,4", "--lr", "0.001,0.1,0.9,1.1", "--steps", "100",
         "--out", str(tmp_path)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    frame = pd.read_csv(tmp_path / "descend.csv")
    assert list(frame["regime"]) == ["slow", "converged", "oscillating", "diverged"]
    assert list(frame["gradient_check"]) == ["pass"] * 4
    assert "| oscillating " in out and "wrote " in out
    assert (tmp_path / "descend.png").read_bytes()[:4] == b"\x89PNG"
    assert "| regime" in (tmp_path / "descend.md").read_text()


def test_numeric_gradient_and_quiet(tmp_path, capsys):
    code = main(
        ["descend", "x^2", "--from", "1", "--lr", "0.25,1.0", "--steps", "20", "--gradient",
         "numeric", "--out", str(tmp_path), "--quiet", "--no-plot"]
    )  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["lr=0.25: converged", "lr=1: oscillating"]
    assert not (tmp_path / "descend.png").exists()


def test_network_training_curves(tmp_path, capsys):
    code = main(
        ["descend", "--network", "--input", "20", "--hidden", "8", "--output", "4", "--batch",
         "10", "--steps", "3", "--out", str(tmp_path)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "loss curves coincide" in out
    frame = pd.read_csv(tmp_path / "network.csv")
    assert len(frame) == 4 and (frame["gradcheck"] == "pass").all()
    assert (tmp_path / "network.png").exists()


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["descend", "x^2", "--out", str(tmp_path)]) == 2
    assert "--from is required" in capsys.readouterr().err
    assert main(["descend", "x^2", "--from", "a", "--out", str(tmp_path)]) == 2
    assert "'a' is not a number" in capsys.readouterr().err
    assert main(["descend", "x0^2 + x1^2", "--from", "1", "--out", str(tmp_path)]) == 2
    assert "start has 1 value" in capsys.readouterr().err
    assert main(["descend", "--from", "1", "--out", str(tmp_path)]) == 2


ROSENBROCK = ["descend", "(1-x)^2 + 100(y-x^2)^2", "--from=-1,1", "--lr", "0.001,0.002",
              "--steps", "2000"]  # fmt: skip


def test_the_issue_command_passes_and_a_planted_error_fails(tmp_path, capsys):
    # issue 9: this said "gradient check FAILED" with both gradients right
    assert main([*ROSENBROCK, "--out", str(tmp_path / "right")]) == 0
    out = capsys.readouterr().out
    assert "gradient check PASSED" in out and "FAILED" not in out
    frame = pd.read_csv(tmp_path / "right" / "descend.csv")
    assert list(frame["gradient_check"]) == ["pass", "pass"]
    assert frame["check_steps"].str.contains("pass").all()
    code = main([*ROSENBROCK, "--gradient-error", "1e-3", "--out", str(tmp_path / "wrong")])
    out = capsys.readouterr().out
    assert code == 1 and "gradient check FAILED (lr=0.001): 2001 fail" in out
    assert list(pd.read_csv(tmp_path / "wrong" / "descend.csv")["gradient_check"]) == ["FAIL"] * 2
