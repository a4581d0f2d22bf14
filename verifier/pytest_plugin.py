"""pytest plugin: ``pytest cases/`` collects every case of ``cases/*.toml`` as a test item.

Modelled on pytest's documented YAML-collector example: a ``pytest_collect_file``
hook returns a File node whose ``collect()`` yields one Item per case, named by
the case id.  A failing case is reported in its own words (case, point, method,
h, exact, estimate, relative error), not with a Python traceback.

The plugin is loaded in every pytest run (``pytest11`` entry point), so it only
touches ``.toml`` files that look like case files (under a folder named ``cases``,
or with ``schema = 1`` and ``[[case]]``) and imports the heavy parts lazily.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect ``*.toml`` case files; leave every other file to pytest."""
    if file_path.suffix != ".toml":
        return None
    try:
        from verifier.suite.cases import looks_like_case_file

        if not looks_like_case_file(file_path):
            return None
    except Exception:  # never break somebody else's test run
        return None
    return CaseFileNode.from_parent(parent, path=file_path)


class CaseFailed(Exception):
    """Raised by a case item that did not hold; carries the suite's outcome."""

    def __init__(self, outcome: Any) -> None:
        super().__init__(outcome.case.id)
        self.outcome = outcome


_NOT_HELD = ("fail", "error", "xfail-missed", "inconclusive")


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def describe_failure(outcome: Any) -> str:
    """The case's failure in words: id, file:line, then per point: method, h, values, reason.

    >>> from types import SimpleNamespace as NS
    >>> case = NS(id="sq", where="cases/a.toml:4", expect="pass", kind="derivative")
    >>> row = dict(point="x = 2", verdict="fail", method="central", h=1e-5, exact=4.0,
    ...            estimate=4.5, rel_error=0.111, reason="claimed 2x+1 gives 5")
    >>> print(describe_failure(NS(case=case, verdict="fail", rows=(row,))))
    case 'sq' (cases/a.toml:4) failed
      at x = 2: method central, h = 1e-05: exact 4, estimate 4.5, relative error 0.111
        claimed 2x+1 gives 5
    """
    from verifier.points import format_number

    case = outcome.case
    head = f"case '{case.id}' ({case.where})"
    head += {
        "xfail-missed": " was expected to fail, but the verifier accepted it",
        "error": " raised an error",
        "inconclusive": " was inconclusive (not a pass)",
    }.get(outcome.verdict, " failed")
    lines = [head]
    for r in outcome.rows:
        if r["verdict"] not in _NOT_HELD:
            continue
        line = f"  at {r['point']}" if r.get("point") else "  in the case"
        figures = [f"method {r['method']}"] if r.get("method") else []
        if _given(r.get("h")):
            figures.append(f"h = {format_number(r['h'])}")
        if figures:
            line += ": " + ", ".join(figures)
        if _given(r.get("exact")):
            line += f": exact {format_number(r['exact'], 17)}"
            estimate = r.get("estimate")
            line += f", estimate {format_number(estimate, 17) if _given(estimate) else 'n/a'}"
            if _given(r.get("rel_error")):
                line += f", relative error {format_number(r['rel_error'], 3)}"
        lines.append(line)
        if r.get("reason"):
            lines.append(f"    {r['reason']}")
    return "\n".join(lines)


class CaseFileNode(pytest.File):
    """A case file: one item per case, and one failing item per invalid case."""

    def collect(self):  # type: ignore[override]
        from verifier.suite.cases import read_cases

        f = read_cases(self.path)
        for case in f.cases:
            yield CaseItem.from_parent(self, name=case.id, case=case)
        for n, problem in enumerate(f.problems):
            name = problem.case_id or f"invalid-{n}"
            if any(c.id == name for c in f.cases):
                name = f"{name}-invalid-{n}"
            yield InvalidCaseItem.from_parent(self, name=name, problem=problem)


class CaseItem(pytest.Item):
    """One case: runs it through the suite's runner."""

    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        if case.expect == "fail":
            self.add_marker(pytest.mark.verifier_expect_fail)

    def runtest(self) -> None:
        from verifier.suite.run import run_case

        outcome = run_case(self.case)
        self.user_properties.append(("verdict", outcome.verdict))
        if not outcome.ok:
            raise CaseFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return describe_failure(excinfo.value.outcome)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max((self.case.line or 1) - 1, 0), f"case: {self.case.id}"


class InvalidCaseItem(pytest.Item):
    """A case the loader rejected: fails with the loader's message (file:line, case, key)."""

    def __init__(self, *, problem: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        raise self.problem

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return f"invalid case file: {excinfo.value}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max((self.problem.line or 1) - 1, 0), f"invalid case: {self.name}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        'verifier_expect_fail: a verifier case with expect = "fail" (the checker must reject it)',
    )
