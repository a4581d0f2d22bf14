"""``verifier serve``'s arguments: bad values are errors (exit 2) before anything starts."""

from __future__ import annotations

import pytest

from verifier.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "--port"),
        (["--workers", "0"], "--workers"),
        (["--rate", "-1"], "--rate"),
        (["--time-limit", "nan"], "--time-limit"),
        (["--problems", "no/such/file.toml"], "file not found"),
        (["--database", "::not a url::"], "database URL"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(argv, message, capsys):
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for option in ("--problems", "--host", "--port", "--workers", "--database"):
        assert option in out
