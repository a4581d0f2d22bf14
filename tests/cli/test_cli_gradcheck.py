"""``verifier gradcheck``: table, verdict, exit codes, CSV."""

from __future__ import annotations

import pandas as pd
import pytest

from verifier.cli import main

SMALL = ["--input", "12", "--hidden", "6", "--output", "4", "--batch", "8"]


def test_passes_prints_table_and_verdict(capsys):
    assert main(["gradcheck", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "tensor" in out and "max_scaled_rel_error" in out
    rows = [line.split() for line in out.splitlines()]
    assert [r[0] for r in rows if r and r[0] in ("W0", "b0", "W1", "b1")] == [
        "W0",
        "b0",
        "W1",
        "b1",
    ]
    assert out.rstrip().splitlines()[-1].startswith("verdict: PASS (106 of 106 parameters checked")


@pytest.mark.parametrize("mode", ["fast", "nditer", "sample=5"])
def test_modes(mode, capsys):
    assert main(["gradcheck", *SMALL, "--mode", mode]) == 0
    assert "verdict: PASS" in capsys.readouterr().out


def test_planted_bug_fails_with_exit_1_naming_tensor_and_index(capsys):
    code = main(["gradcheck", *SMALL, "--bug", "dw0_entry_doubled", "--batch", "20"])
    out = capsys.readouterr().out
    assert code == 1
    assert "verdict: FAIL (W0)" in out
    assert "(6, 3)" in out  # input // 2, hidden // 2


def test_writes_csv_whole(tmp_path, capsys):
    assert main(["gradcheck", *SMALL, "--out", str(tmp_path), "--quiet"]) == 0
    frame = pd.read_csv(tmp_path / "gradcheck.csv")
    assert list(frame["tensor"]) == ["W0", "b0", "W1", "b1"] and frame["passed"].all()
    assert main(["gradcheck", *SMALL, "--out", str(tmp_path), "--elements", "--quiet"]) == 0
    elements = pd.read_csv(tmp_path / "gradcheck.csv")
    assert len(elements) == 106 and set(elements["status"]) <= {"ok", "kink"}
    assert [p.name for p in tmp_path.iterdir()] == ["gradcheck.csv"]  # no temp files left


def test_bad_mode_is_a_usage_error(capsys):
    assert main(["gradcheck", *SMALL, "--mode", "sample=x"]) == 2
    err = capsys.readouterr().err
    assert "verifier gradcheck: error: unknown gradcheck mode" in err and "Traceback" not in err
    assert main(["gradcheck", "--hidden", "0"]) == 2
    assert "hidden_size must be a positive integer" in capsys.readouterr().err


def test_the_issue_commands_never_print_pass_for_a_planted_bug(capsys):
    # issue 9: `--batch 10 --bug dw0_entry_doubled --h 1e-11` passed, and at --h 1e-17 all six
    # bugs passed ("39760 of 39760 parameters checked")
    assert main(["gradcheck", "--batch", "10", "--bug", "dw0_entry_doubled", "--h", "1e-11"]) == 1
    out = capsys.readouterr().out
    assert "verdict: FAIL (W0)" in out and "(392, 25)" in out
    from verifier.network import BACKPROP_BUGS

    for bug in BACKPROP_BUGS:
        code = main(["gradcheck", "--batch", "10", "--bug", bug, "--h", "1e-17", "--quiet"])
        out = capsys.readouterr().out
        assert code == 1 and "verdict: PASS" not in out
        assert out.startswith("verdict: INCONCLUSIVE (W0: ") and "round-off" in out


def test_inconclusive_exits_1_with_the_reason(capsys):
    assert main(["gradcheck", *SMALL, "--h", "1e-13"]) == 1
    out = capsys.readouterr().out
    assert "W0: inconclusive: " in out and "cannot be resolved" in out
    assert out.rstrip().splitlines()[-1].startswith("verdict: INCONCLUSIVE (")
