"""The dispatcher: exit codes and errors without tracebacks, for every verb."""

from __future__ import annotations

import subprocess
import sys

import pytest

from verifier.cli import VERBS, build_parser, main


def test_every_verb_is_registered() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb")
    assert sorted(sub.choices) == sorted(VERBS)


def test_no_verb_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: verifier" in capsys.readouterr().err


def test_library_error_is_a_message_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "2x +* 3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("verifier diff: error: unexpected '*' at position 4")
    assert "Traceback" not in err


def test_closed_pipe_is_not_a_traceback() -> None:
    # The reader goes away before the command writes: like `verifier diff ... | head -0`.
    proc = subprocess.Popen(
        [sys.executable, "-m", "verifier.cli", "diff", "x^3 e^x", "--steps"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert "Traceback" not in err and "BrokenPipeError" not in err
