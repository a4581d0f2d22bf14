"""The runner: verdicts per case and point, expected failures, broken files, executors."""

from __future__ import annotations

import pickle
import re
import shutil
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from verifier.suite import kinds
from verifier.suite.run import RESULT_COLUMNS, run_case, run_suite
from verifier.suite.schema import DerivativeCase

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "suite"


def copy_cases(tmp_path: Path, *names: str) -> Path:
    """Copy test data (``*.toml.in``) or bundled case files into tmp_path/cases as ``*.toml``."""
    folder = tmp_path / "cases"
    folder.mkdir(exist_ok=True)
    for name in names:
        src = (
            DATA / f"{name}.toml.in"
            if (DATA / f"{name}.toml.in").exists()
            else ROOT / "cases" / name
        )
        shutil.copy(src, folder / (name if name.endswith(".toml") else f"{name}.toml"))
    return folder


def test_seed_example_rows(tmp_path):
    r = run_suite([ROOT / "cases" / "00_seed.toml"], select="seed_central")
    (row,) = r.results.to_dict("records")
    assert (row["case"], row["point"], row["verdict"]) == (
        "seed_central_difference",
        "x = 15",
        "pass",
    )
    est = r.errors[r.errors["case"] == "seed_central_difference"].set_index("method")["estimate"]
    assert est["central"] == pytest.approx(32, rel=1e-13)  # exact on a quadratic (up to round-off)
    assert est["forward"] == pytest.approx(32.1, rel=1e-12)
    assert est["backward"] == pytest.approx(31.9, rel=1e-12)
    assert list(r.results.columns) == RESULT_COLUMNS


def test_seed_partials_and_gradient_kind(tmp_path):
    r = run_suite([copy_cases(tmp_path, "gradient")])
    assert r.results["verdict"].tolist() == ["pass"] and r.exit_code == 0
    assert set(r.errors["variable"]) == {"x0", "x1"}
    central = r.errors.set_index("variable")["estimate"]
    assert central["x0"] == pytest.approx(2, rel=1e-9) and central["x1"] == pytest.approx(
        6, rel=1e-9
    )


def test_good_file_passes_and_expected_failure_is_caught(tmp_path):
    r = run_suite([copy_cases(tmp_path, "good")])
    verdicts = r.results.groupby("case")["verdict"].agg(set).to_dict()
    assert verdicts == {
        "square": {"pass"},
        "sine": {"pass"},
        "wrong_claim_caught": {"xfail-caught"},
    }
    assert len(r.results) == 9 and r.exit_code == 0
    assert r.summary()["expected-fail caught"] == 1 and r.summary()["passed"] == 2
    square = next(o for o in r.outcomes if o.case.id == "square")
    assert "power" in square.steps.lower()
    assert {"reliable_h", "min_error", "observed_order", "method"} <= set(square.analysis.columns)
    caught = r.results[r.results["case"] == "wrong_claim_caught"]
    assert caught["reason"].str.startswith("claim 3x: claimed ").all()


def test_every_bundled_expected_failure_is_caught_and_unmarked_they_fail(tmp_path):
    src = ROOT / "cases" / "80_expected_failures.toml"
    r = run_suite([src])
    per_case = {o.case.id: o.verdict for o in r.outcomes}
    assert len(per_case) >= 10
    assert set(per_case.values()) == {"xfail-caught"}, per_case
    assert r.exit_code == 0
    # Remove the expect marks: the same cases must now make the run fail.
    unmarked = tmp_path / "unmarked.toml"
    unmarked.write_text(re.sub(r'(?m)^expect = "fail"\n', "", src.read_text()))
    r2 = run_suite([unmarked])
    assert {o.verdict for o in r2.outcomes} == {"fail"}
    assert r2.exit_code == 1
    kink = r2.results[r2.results["case"] == "kink_claimed_smooth"].iloc[0]
    assert kink["point"] == "x = 0" and kink["reason"]


def test_broken_file_is_reported_and_the_rest_still_runs(tmp_path):
    folder = copy_cases(tmp_path, "good", "broken_key", "invalid_toml")
    r = run_suite([folder])
    assert r.exit_code == 2
    problems = sorted(str(p) for p in r.problems)
    assert any("broken_key.toml:12: case 'typo': key 'claimd'" in p for p in problems), problems
    assert any("invalid_toml.toml:4" in p and "not valid TOML" in p for p in problems), problems
    ran = set(r.results["case"])
    assert {
        "square",
        "sine",
        "wrong_claim_caught",
        "fine",
    } <= ran  # the valid case of the broken file too
    errors = r.results[r.results["verdict"] == "error"]
    assert set(errors["file"]) == {"broken_key.toml", "invalid_toml.toml"}


def test_a_case_that_raises_becomes_an_error_row(tmp_path, monkeypatch):
    real = kinds.KIND_RUNNERS["derivative"]

    def flaky(case, timer):
        if case.id == "sine":
            raise RuntimeError("simulated crash")
        return real(case, timer)

    monkeypatch.setitem(kinds.KIND_RUNNERS, "derivative", flaky)
    r = run_suite([copy_cases(tmp_path, "good")])
    sine = r.results[r.results["case"] == "sine"]
    assert sine["verdict"].tolist() == ["error"]
    assert "RuntimeError: simulated crash" in sine["reason"].item()
    assert (r.results[r.results["case"] == "square"]["verdict"] == "pass").all()
    assert r.exit_code == 1


def test_failing_case_exit_code_and_reason(tmp_path):
    r = run_suite([copy_cases(tmp_path, "failing")])
    (row,) = r.results.to_dict("records")
    assert row["verdict"] == "fail" and r.exit_code == 1
    assert row["reason"].startswith("claim 2x + 1: claimed 31 but the derivative is 32")


@pytest.mark.parametrize("pool", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_executors_give_the_same_results(tmp_path, pool):
    folder = copy_cases(tmp_path, "good", "gradient")
    serial = run_suite([folder]).results
    with pool(max_workers=2) as ex:
        parallel = run_suite([folder], executor=ex).results
    cols = ["file", "case", "point", "verdict", "rel_error", "estimate"]
    # bit-for-bit on purpose: the same code path on the same input in another thread or
    # process; a difference would mean a case depends on state it should not see
    assert serial[cols].equals(parallel[cols])


def test_select_and_outcomes_pickle(tmp_path):
    folder = copy_cases(tmp_path, "good")
    assert set(run_suite(folder, select="sq*").results["case"]) == {"square"}
    assert set(run_suite(folder, select="WRONG").results["case"]) == {"wrong_claim_caught"}
    r = run_suite([folder], select=lambda c: c.id == "sine")
    clone = pickle.loads(pickle.dumps(r.outcomes[0]))
    assert clone.rows == r.outcomes[0].rows and clone.errors.equals(r.outcomes[0].errors)


def test_run_case_on_a_point_outside_the_domain_fails_with_a_reason():
    c = DerivativeCase(
        id="log_neg", path="x.toml", line=1, function="log(x)", points=(-1.0, 2.0), h_min=1e-12
    )
    out = run_case(c)
    assert [r["verdict"] for r in out.rows] == ["fail", "pass"]
    assert "undefined" in out.rows[0]["reason"] and out.rows[0]["rule"] == "domain"


def test_homework_and_network_kinds(tmp_path):
    r = run_suite([ROOT / "cases" / "90_homework.toml"])
    per_case = {o.case.id: o.verdict for o in r.outcomes}
    assert per_case["homework_wrong_marked_correct"] == "xfail-caught"
    assert set(per_case.values()) <= {"pass", "xfail-caught"}, r.results[["case", "reason"]]
    f = tmp_path / "net.toml"
    f.write_text(
        'schema = 1\n[[case]]\nid = "tiny"\nkind = "network"\nsizes = [6, 4, 3]\nbatch = 5\n'
        '[[case]]\nid = "bug"\nkind = "network"\nsizes = [6, 4, 3]\nbatch = 5\n'
        'bug = "w1_grad_transposed"\n'
    )
    r = run_suite([f])
    assert r.results["verdict"].tolist() == ["pass", "fail"] and r.exit_code == 1
    assert r.results["point"].tolist() == ["6-4-3, N=5"] * 2
    assert r.results["reason"].iloc[1].startswith("W1: ")
    tiny = r.outcomes[0]
    assert set(tiny.errors["tensor"]) == {"W0", "b0", "W1", "b1"} and tiny.errors["passed"].all()


def test_correct_claim_on_a_smooth_function_passes_everywhere():
    """The issue's example: exp(sin(x^2)) with its right derivative at 0.3, 1.1 and 2.6.

    The five-point stencil's order breaks down at the largest steps near 2.6: that is a
    note (advisory), never a failure of a correct derivative.
    """
    case = DerivativeCase(
        id="exp_sin_square",
        path="issue.toml",
        function="exp(sin(x^2))",
        points=(0.3, 1.1, 2.6),
        claimed="2x cos(x^2) exp(sin(x^2))",
    )
    out = run_case(case)
    assert [r["verdict"] for r in out.rows] == ["pass"] * 3, [r["reason"] for r in out.rows]
    assert out.ok and set(out.analysis["verdict"]) <= {"pass", "inconclusive"}
    assert "breakdown" not in {r["rule"] for r in out.rows}


def test_rows_come_from_the_sweep_records_not_from_labels():
    """Each point's row is that point's sweep: its verdict is the sweep's verdict there."""
    from verifier.sweep import sweep

    case = DerivativeCase(
        id="near_miss", path="x.toml", function="x^3", points=(0.5, 2.0), claimed="3.000003 x^2"
    )
    out = run_case(case)
    assert [r["verdict"] for r in out.rows] == ["fail", "fail"]
    assert all(r["rule"].split(",")[0] == "derivative" for r in out.rows)
    for row, x in zip(out.rows, case.points, strict=True):
        t = sweep("x^3", "x", points=[x], methods=list(case.methods), claimed="3.000003 x^2")
        assert row["verdict"] == t.verdict
        assert t.claim.frame["note"].iloc[0] in row["reason"]


def test_inconclusive_is_not_a_pass(tmp_path):
    """A step below the float spacing measures nothing: the case is inconclusive, exit 1.

    Under expect = "fail" an inconclusive case is not caught either.
    """
    f = tmp_path / "c.toml"
    body = 'function = "x^2"\npoints = [1e8]\nmethods = ["central"]\nh = 1e-12\n'
    f.write_text(
        f'schema = 1\n[[case]]\nid = "tiny_h"\n{body}'
        f'[[case]]\nid = "tiny_h_expect_fail"\nexpect = "fail"\n{body}'
    )
    r = run_suite([f])
    assert [o.verdict for o in r.outcomes] == ["inconclusive", "inconclusive"]
    assert r.exit_code == 1 and not any(o.ok for o in r.outcomes)
    assert r.summary()["inconclusive"] == 2 and r.summary()["passed"] == 0
    assert r.results["reason"].str.len().min() > 0


class _FailsLargeTasks(ThreadPoolExecutor):
    """An executor whose tasks of several cases fail whole (a worker lost with its task)."""

    def submit(self, fn, /, *args, **kwargs):
        if isinstance(args[0], list) and len(args[0]) > 1:
            from concurrent.futures import Future

            fut = Future()
            fut.set_exception(RuntimeError("the worker died"))
            return fut
        return super().submit(fn, *args, **kwargs)


def test_a_task_that_fails_whole_is_run_again_case_by_case():
    from verifier.suite.run import _outcomes, chunk_sizes

    cases = [
        DerivativeCase(id=f"p{k}", function=f"x^{k}", points=(1.5,), methods=("central",))
        for k in range(2, 14)
    ]
    assert max(chunk_sizes(len(cases), 2)) > 1  # some tasks hold several cases
    seen = []
    with _FailsLargeTasks(2) as ex:
        done = _outcomes(cases, ex, seen.append, 60.0)
    assert [o.case.id for o in done] == [c.id for c in cases]  # every case, in order
    assert {o.verdict for o in done} == {"pass"} and len(seen) == len(cases)
