"""``verifier diff``: output, formats, exit codes, errors on stderr without a traceback."""

from __future__ import annotations

import json

import pytest

from verifier.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_seed_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The result in homework notation, as the steps write it; sympy's with --format python."""
    assert _run(capsys, "x^2 + 2x + 1") == (0, "2x + 2\n", "")
    assert _run(capsys, "x^3 e^x") == (0, "3x^2 e^x + x^3 e^x\n", "")
    assert _run(capsys, "x^3 e^x", "--format", "python") == (0, "x**3*exp(x) + 3*x**2*exp(x)\n", "")


def test_leading_minus(capsys: pytest.CaptureFixture[str]) -> None:
    """An expression starting with '-' is an expression, with or without '--'."""
    assert _run(capsys, "--", "-x^2") == (0, "-2x\n", "")
    assert _run(capsys, "-x^2") == (0, "-2x\n", "")
    assert _run(capsys, "-x^2", "--steps")[1].splitlines()[-1] == "result: -2x"
    assert _run(capsys, "-3x", "--var", "x") == (0, "-3\n", "")


def test_var_makes_a_partial_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "x^2 y + y^3", "--var", "y")
    assert code == 0 and out == "3y^2 + x^2\n"  # in the order the steps give it
    code, out, _ = _run(capsys, "x0^2 + x1^2", "--var", "x1")
    assert code == 0 and out == "2x1\n"


def test_variable_is_inferred_or_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    """One variable: that one; several: an error listing them; one that does not occur:
    an error listing those that do (it used to print 0, exit 0)."""
    assert _run(capsys, "t^3 + 2t") == (0, "3t^2 + 2\n", "")
    assert _run(capsys, "7") == (0, "0\n", "")
    code, out, err = _run(capsys, "x0^2+x1^2")
    assert (code, out) == (2, "") and "several variables (x0, x1)" in err and "--var x0" in err
    code, out, err = _run(capsys, "2x", "--var", "z")
    assert (code, out) == (2, "") and "has no z; its variables: x" in err


def test_steps_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "x^3 e^x", "--steps")
    assert code == 0
    lines = out.splitlines()
    assert "product rule: d/dx [x^3 e^x] = 3x^2 e^x + x^3 e^x" in lines[1]
    assert "power rule: d/dx [x^3] = 3x^2" in lines[2]
    assert "exp rule: d/dx [e^x] = e^x" in lines[3]
    assert lines[-1] == "result: 3x^2 e^x + x^3 e^x"


def test_steps_markdown_and_latex(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "sin(x^2)", "--steps", "--format", "markdown")
    assert code == 0 and "- **chain rule**" in out and "**Result:** `2x cos(x^2)`" in out
    code, out, _ = _run(capsys, "sin(x^2)", "--steps", "--format", "latex")
    assert code == 0 and r"\begin{itemize}" in out and r"\item chain rule" in out


def test_latex_result_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "x^3", "--format", "latex")
    assert (code, out) == (0, "3 x^{2}\n")


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "x^3 e^x", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (
        data["result"] == "3x^2 e^x + x^3 e^x"
        and data["result_sympy"] == "x**3*exp(x) + 3*x**2*exp(x)"
    )
    assert data["rules_used"] == ["exp", "power", "product"]


def test_bad_input_caret_on_stderr_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "2x +* 3")
    assert code == 2 and out == ""
    assert err.startswith("verifier diff: error: ")
    assert "  2x +* 3\n" in err and "\n      ^" in err
    assert "Traceback" not in err


def test_hostile_input_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "__import__('os').system('echo hacked')")
    assert code == 2 and out == "" and "hacked" not in out and "Traceback" not in err


def test_fallback_flag_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    # every function name the parser knows has a rule (tests/test_rules.py checks that), so
    # text never needs the fallback; the flag must still be wired through
    code, out, _ = _run(capsys, "sinh(x)", "--fallback", "--steps")
    assert code == 0 and "hyperbolic rule" in out and "fallback" not in out


def test_bad_var(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "x^2", "--var", "2x")
    assert code == 2 and "not a variable name" in err


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["diff", "x", "--format", "html"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
