"""``verifier run``: the bundled suite, exit codes, broken files, options."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from verifier.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "suite"


def cases_dir(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir(exist_ok=True)
    for name in names:
        if (DATA / f"{name}.toml.in").exists():
            shutil.copy(DATA / f"{name}.toml.in", folder / f"{name}.toml")
        else:
            shutil.copy(ROOT / "cases" / name, folder / name)
    return folder


def test_bundled_suite_from_the_project_root_exits_0_and_writes_the_report(
    tmp_path, monkeypatch, capsys
):
    """The README's Quickstart: `verifier run` with no arguments, in the project folder."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "cases", tmp_path / "cases")
    # two workers, as on CI (2 cores): the same results as --jobs 1 (test_jobs_2_...)
    assert main(["run", "--jobs", "2"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    for word in ("cases", "points", "passed", "failed", "inconclusive", "errors", "caught", "time"):
        assert word in header
    report = tmp_path / "reports" / "latest"
    assert sorted(p.name for p in report.iterdir()) == [
        "errors.csv",
        "index.html",
        "junit.xml",
        "results.csv",
        "summary.md",
    ]
    assert f"report: {Path('reports') / 'latest' / 'index.html'}" in out
    results = pd.read_csv(report / "results.csv")
    assert set(results["verdict"]) <= {"pass", "xfail-caught"}
    n_cases = results.groupby(["file", "case"]).ngroups
    assert n_cases >= 90
    row = re.search(r"^\|\s*(\d+)\s*\|\s*(\d+)\s*\|", out, re.M)
    assert row and int(row.group(1)) == n_cases and int(row.group(2)) == len(results)
    junit = ET.parse(report / "junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures"), junit.get("errors")) == (
        str(n_cases),
        "0",
        "0",
    )
    page = (report / "index.html").read_text()
    assert page.count('<details class="case') + page.count("<tr id=") == n_cases
    assert page.count("data:image/svg+xml;base64,") >= 80


def test_broken_file_exits_2_after_running_the_others(tmp_path, capsys):
    folder = cases_dir(tmp_path, "00_seed.toml", "broken_key", "good")
    out_dir = tmp_path / "out"
    assert main(["run", str(folder), "--out", str(out_dir)]) == 2
    captured = capsys.readouterr()
    assert (
        f"{folder / 'broken_key.toml'}:12: case 'typo': key 'claimd': unknown key" in captured.err
    )
    results = pd.read_csv(out_dir / "results.csv")
    ran = set(results[results["verdict"] != "error"]["case"])
    assert {"seed_central_difference", "square", "sine", "fine"} <= ran
    assert "FAIL" not in captured.out


def test_removing_expect_marks_makes_the_run_fail(tmp_path, capsys):
    src = (ROOT / "cases" / "80_expected_failures.toml").read_text()
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "marked.toml").write_text(src)
    assert main(["run", str(folder), "--format", "none"]) == 0
    (folder / "marked.toml").write_text(re.sub(r'(?m)^expect = "fail"\n', "", src))
    assert main(["run", str(folder), "--format", "none"]) == 1
    out = capsys.readouterr().out
    assert (
        "FAIL marked.toml::wrong_seed_derivative at x = 15: claim 2x + 1: claimed 31 but the" in out
    )


def test_failing_case_exits_1_and_options(tmp_path, capsys):
    folder = cases_dir(tmp_path, "good", "failing")
    out_dir = tmp_path / "out"
    assert (
        main(
            ["run", str(folder), "--out", str(out_dir), "-k", "wrong_claim", "--format", "md,junit"]
        )
        == 1
    )
    assert sorted(p.name for p in out_dir.iterdir()) == ["junit.xml", "summary.md"]
    assert "wrong_claim" in (out_dir / "summary.md").read_text()
    # -k selected only the two wrong_claim cases: one fails, one is an expected failure caught
    out = capsys.readouterr().out
    assert re.search(r"^\|\s*2\s*\|", out, re.M)
    assert main(["run", str(folder), "--quiet", "--format", "none", "-k", "sine"]) == 0
    assert capsys.readouterr().out.count("\n") <= 4  # the table only


def test_jobs_2_gives_the_same_results(tmp_path):
    folder = cases_dir(tmp_path, "good", "gradient", "00_seed.toml")
    main(["run", str(folder), "--out", str(tmp_path / "one"), "--format", "csv,html"])
    main(
        ["run", str(folder), "--out", str(tmp_path / "two"), "--format", "csv,html", "--jobs", "2"]
    )
    one = pd.read_csv(tmp_path / "one" / "results.csv").drop(columns="duration")
    two = pd.read_csv(tmp_path / "two" / "results.csv").drop(columns="duration")
    # pandas' default float tolerance (rtol 1e-5); the runs are the same code path anyway
    pd.testing.assert_frame_equal(one, two)
    pages = [(tmp_path / d / "index.html").read_text() for d in ("one", "two")]
    figures = [p.count("data:image/svg+xml;base64,") for p in pages]
    assert figures[0] == figures[1] >= one.groupby(["file", "case"]).ngroups


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "no cases/ folder in"),
        (["run", "missing_folder"], "missing_folder: no such file or folder"),
        (["run", "cases", "--format", "pdf"], "--format: unknown format 'pdf'"),
        (["run", "cases", "--jobs", "-1"], "--jobs must be >= 0"),
        (["run", "cases", "-k", "nothing_matches_this"], "no cases matched"),
    ],
)
def test_usage_errors_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    if argv[1:2] == ["cases"]:
        cases_dir(tmp_path, "good")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("verifier run: error: ") and message in err
    assert "Traceback" not in err


def test_k_matches_case_ids_not_file_names(tmp_path, capsys):
    """`-k exp` picks cases whose id has "exp", not every case of 80_expected_failures.toml."""
    from verifier.suite.run import collect

    cases, _ = collect([ROOT / "cases"], "exp")
    everything, _ = collect([ROOT / "cases"])
    assert [c.id for c in cases] == [c.id for c in everything if "exp" in c.id.lower()]
    in_file = [c for c in everything if c.path.endswith("80_expected_failures.toml")]
    assert len([c for c in cases if c in in_file]) < len(in_file)  # not the whole file
    assert main(["run", str(ROOT / "cases"), "-k", "80_expected", "--format", "none"]) == 2
    assert "no cases matched" in capsys.readouterr().err


def test_jobs_default_is_one_worker_per_cpu_and_per_20_cases(monkeypatch):
    from verifier.cli import run as cli_run

    monkeypatch.setattr(cli_run, "cpu_count", lambda: 2)
    assert [cli_run.worker_count(None, n) for n in (0, 5, 39, 40, 112, 10_000)] == [
        1,
        1,
        1,
        2,
        2,
        2,
    ]
    assert (cli_run.worker_count(0, 5), cli_run.worker_count(1, 112)) == (2, 1)
    assert cli_run.worker_count(3, 5) == 3  # asked for: as asked


def test_run_without_jobs_starts_workers_for_a_large_selection_only(tmp_path, monkeypatch):
    """No --jobs: 40 cases get two workers on two CPUs; `-k` on a few runs in this process."""
    from verifier.cli import run as cli_run

    started = []
    real = cli_run.local_executor

    def recording(jobs, *args, **kwargs):
        started.append(jobs)
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(cli_run, "cpu_count", lambda: 2)
    monkeypatch.setattr(cli_run, "local_executor", recording)
    folder = tmp_path / "cases"
    folder.mkdir()
    body = "".join(
        f'[[case]]\nid = "p{k}"\nfunction = "x^{k % 5 + 2}"\npoints = [1.5]\n'
        'methods = ["central"]\nh = [1e-1, 1e-2, 1e-3]\n'
        for k in range(40)
    )
    (folder / "many.toml").write_text("schema = 1\n" + body)
    assert main(["run", str(folder), "--format", "none", "--quiet"]) == 0
    assert started == [2]
    assert main(["run", str(folder), "--format", "none", "--quiet", "-k", "p1"]) == 0
    assert started == [2]  # p1, p10..p19: 11 cases, in this process
