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
    assert out.rstrip().splitlines()[-1] == (
        "verdict: PASS (106 parameters: 106 compared, 0 at a kink (excluded), 0 skipped)"
    )


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


def test_header_counts_compared_kinks_and_skipped_apart(capsys):
    """The verdict line says how many were compared, excluded at a kink and not sampled."""
    assert main(["gradcheck", *SMALL, "--mode", "sample=20"]) == 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    # sample=20 draws 20 of each tensor (all of the smaller ones): 20 + 6 + 20 + 4 of 106
    assert last == "verdict: PASS (106 parameters: 50 compared, 0 at a kink (excluded), 56 skipped)"
    main(["gradcheck", *SMALL, "--h", "0.3"])  # a large step flips ReLU units: kinks
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    n = [int(w) for w in last.replace("(", " ").split() if w.isdigit()]
    assert n[0] == 106 and n[1] + n[2] == 106 and n[2] > 0 and n[3] == 0, last


def test_elements_are_bounded_unless_all_is_asked(tmp_path, capsys):
    main(["gradcheck", *SMALL, "--elements", "3"])
    out = capsys.readouterr().out
    assert "3 worst of 106 elements" in out
    table = out[out.index("3 worst of") :].splitlines()
    assert [line.split()[-1] for line in table[2:5]] == ["ok", "ok", "ok"]
    assert table[5].startswith("verdict:")  # three rows, then the verdict
    main(["gradcheck", *SMALL, "--elements"])
    assert "20 worst of 106 elements" in capsys.readouterr().out
    main(["gradcheck", *SMALL, "--elements", "all"])
    out = capsys.readouterr().out
    assert sum(1 for line in out.splitlines() if line.rstrip().endswith(" ok")) == 106
    assert main(["gradcheck", *SMALL, "--elements", "many"]) == 2
