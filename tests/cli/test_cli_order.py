"""``--order`` on ``verifier check``, ``verifier diff`` and ``verifier sweep``."""

from __future__ import annotations

import json

from verifier.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_second_derivative_correct(capsys):
    code, out, _ = run(capsys, "check", "x^4", "--answer", "12x^2", "--order", "2")
    assert code == 0
    assert out.splitlines()[0].startswith("correct:")
    assert "pass 2 of 2 (d^2/dx^2):" in out and "d^2/dx^2 [x^4] = 12x^2" in out


def test_check_first_derivative_given_for_second(capsys):
    code, out, _ = run(capsys, "check", "x^4", "--answer", "4x^3", "--order", "2")
    assert code == 1
    assert out.splitlines()[0].startswith("incorrect:")
    assert "[first_derivative_given]" in out and "first derivative given" in out
    assert "hint: Differentiate again" in out
    code, out, _ = run(
        capsys, "check", "x^4", "--answer", "4x^3", "--order", "2", "--format", "json"
    )
    assert code == 1 and json.loads(out)["mistake"] == "first_derivative_given"
    # the same answer to the first-derivative problem is right
    code, out, _ = run(capsys, "check", "x^4", "--answer", "4x^3")
    assert code == 0


def test_check_bad_order_exits_2(capsys):
    code, _, err = run(capsys, "check", "x^4", "--answer", "4x^3", "--order", "0")
    assert code == 2 and "whole number >= 1" in err


def test_diff_order_and_mixed(capsys):
    code, out, _ = run(capsys, "diff", "x^3 sin(x)", "--order", "2")
    assert code == 0 and out.strip() == "-x**3*sin(x) + 6*x**2*cos(x) + 6*x*sin(x)"
    code, out, _ = run(capsys, "diff", "x^2 y^3", "--var", "x,y")
    assert code == 0 and out.strip() == "6*x*y**2"
    code, out, _ = run(capsys, "diff", "x^3", "--order", "3", "--format", "json")
    data = json.loads(out)
    assert data["order"] == 3 and data["result_sympy"] == "6" and len(data["passes"]) == 3


def test_sweep_order_two(capsys, tmp_path):
    args = ["sweep", "exp(sin(x))", "--at", "0.7", "--order", "2", "--out", str(tmp_path)]
    code, out, _ = run(capsys, *args, "--claimed", "e^(sin x) (cos(x)^2 - sin(x))", "--no-plot")
    assert code == 0
    assert "d^2/dx^2 = " in out and "second_central" in out and "second_five_point" in out
    assert "claim d^2/dx^2 = " in out and "agrees" in out
    assert (tmp_path / "errors.csv").exists()
    # a first-derivative claim fails the second-derivative sweep
    code, out, _ = run(capsys, *args, "--claimed", "cos(x) e^(sin x)", "--no-plot", "--quiet")
    assert code == 1


def test_sweep_order_rejects_a_stencil_of_another_order(capsys, tmp_path):
    code, _, err = run(
        capsys, "sweep", "x^3", "--at", "1", "--order", "2", "--methods", "central",
        "--out", str(tmp_path), "--quiet",
    )  # fmt: skip
    assert code == 2 and "does not estimate the derivative of order 2" in err
    code, _, err = run(capsys, "sweep", "x^3", "--at", "1", "--order", "4", "--out", str(tmp_path))
    assert code == 2 and "no stencil estimates the derivative of order 4" in err
