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


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from verifier import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"verifier {__version__}\n"


def test_negative_numbers_wherever_a_number_goes(tmp_path, capsys) -> None:
    """argparse used to read '-1,1' and '-x^2' as unknown options (exit 2, no hint)."""
    out = tmp_path / "d"
    argv = ["descend", "x^2+y^2", "--from", "-1,1", "--lr", "0.1", "--steps", "5"]
    assert main([*argv, "--out", str(out), "--quiet", "--no-plot"]) == 0
    assert capsys.readouterr().out.strip() == "lr=0.1: slow"
    assert main(["sweep", "x^2", "--at", "-1.5", "--out", str(tmp_path / "s"), "--quiet"]) == 0
    assert main(["sweep", "x^3", "--at=-2,-1", "--out", str(tmp_path / "t"), "--quiet"]) == 0
    import pandas as pd

    assert sorted(set(pd.read_csv(tmp_path / "t" / "errors.csv")["point"])) == [-2.0, -1.0]
    assert main(["diff", "-x^2", "--var", "x"]) == 0
    assert capsys.readouterr().out == "-2x\n"
    # a real typo of an option is still an option error, not a value
    with pytest.raises(SystemExit):
        main(["diff", "x^2", "--vra", "x"])
    assert "unrecognized arguments: --vra" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code", "stream", "text"),
    [
        (["diff", "x^3 e^x", "--steps"], 0, "stdout", "3x^2 e^x + x^3 e^x"),
        (["check", "x^2", "--answer", "2x + 1"], 1, "stdout", "incorrect"),
        (["diff", "2x +* 3"], 2, "stderr", "verifier diff: error: unexpected '*'"),
    ],
)
def test_the_command_exits_at_once_with_its_code_and_all_its_output(argv, code, stream, text):
    """``python -m verifier`` ends without tearing the interpreter down (see ``console``):
    the exit code is main's and everything printed reaches the pipe first."""
    done = subprocess.run(
        [sys.executable, "-m", "verifier", *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == code, done.stderr
    assert text in getattr(done, stream)
    assert "Traceback" not in done.stderr


def test_under_a_profiler_the_normal_exit_is_kept(tmp_path):
    """``python -m cProfile -m verifier ...`` writes its profile after the command returns."""
    out = tmp_path / "diff.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "verifier", "diff", "x^2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2x" and out.stat().st_size > 0
