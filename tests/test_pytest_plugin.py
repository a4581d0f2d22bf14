"""The pytest plugin: case files become items named by case id; failures read in words.

The plugin is loaded through its ``pytest11`` entry point, so it is active inside the
``pytester`` runs below too (no ``-p`` needed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

# pytester runs pytest in this process and afterwards drops every module imported during
# the run; numpy's C extension cannot be loaded twice, so everything the cases import is
# imported here first.
import verifier.gradcheck  # noqa: F401
import verifier.homework.judge  # noqa: F401
import verifier.policy  # noqa: F401
import verifier.reference  # noqa: F401
import verifier.suite.run  # noqa: F401
import verifier.sweep  # noqa: F401
import verifier.symbolic.steps  # noqa: F401

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "suite"


def put(pytester, name: str, folder: str = "cases") -> Path:
    target = pytester.path / folder
    target.mkdir(exist_ok=True)
    dest = target / f"{name}.toml"
    shutil.copy(DATA / f"{name}.toml.in", dest)
    return dest


def test_one_item_per_case_named_by_id(pytester):
    put(pytester, "good")
    result = pytester.runpytest("cases", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*cases/good.toml::square PASSED*",
            "*cases/good.toml::sine PASSED*",
            "*cases/good.toml::wrong_claim_caught PASSED*",
        ]
    )


def test_failure_is_reported_in_words_not_a_traceback(pytester):
    put(pytester, "failing")
    result = pytester.runpytest("cases", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*case 'wrong_claim' (*cases/failing.toml:4) failed",
            "  at x = 15: method central, h = *: exact 32, estimate 32*, relative error *",
            "    claim 2x + 1: claimed 31 but the derivative is 32 (relative difference 0.031 > 1e-12)*",
        ]
    )
    text = result.stdout.str()
    assert "Traceback" not in text and "def runtest" not in text and "raise CaseFailed" not in text


def test_inconclusive_case_is_a_failing_item_that_says_so(pytester):
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "tiny.toml").write_text(
        'schema = 1\n[[case]]\nid = "tiny_h"\nfunction = "x^2"\npoints = [1e8]\n'
        'methods = ["central"]\nh = 1e-12\n'
    )
    result = pytester.runpytest("cases", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*case 'tiny_h' (*tiny.toml:3) was inconclusive (not a pass)"])


def test_invalid_case_is_a_failing_item_naming_file_line_case_and_key(pytester):
    put(pytester, "broken_key")
    result = pytester.runpytest("cases", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*invalid case file: *broken_key.toml:12: case 'typo': key 'claimd': unknown key*"]
    )


def test_only_case_files_are_collected(pytester):
    pytester.makefile(".toml", pyproject='[project]\nname = "demo"\n')
    (pytester.path / "elsewhere").mkdir()
    (pytester.path / "elsewhere" / "config.toml").write_text(
        'schema = 2\ntitle = "not a case file"\n'
    )
    put(pytester, "gradient", folder="elsewhere")  # schema = 1 and [[case]]: collected anywhere
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*elsewhere/gradient.toml::seed_partials PASSED*", "*test_plain.py::test_ok PASSED*"]
    )
    assert (
        "pyproject.toml::" not in result.stdout.str() and "config.toml" not in result.stdout.str()
    )


def test_bundled_cases_are_collected_one_item_per_case(pytester):
    from verifier.suite.cases import case_files, read_cases

    shutil.copytree(ROOT / "cases", pytester.path / "cases")
    expected = sum(len(read_cases(p).cases) for p in case_files([ROOT / "cases"]))
    result = pytester.runpytest("cases", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0
    items = [line for line in result.stdout.lines if "::" in line]
    assert len(items) == expected >= 90
    # the seed's file runs and passes, case by case
    result = pytester.runpytest("cases/00_seed.toml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(read_cases(ROOT / "cases" / "00_seed.toml").cases))
