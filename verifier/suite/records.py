"""What a suite run returns: one :class:`CaseOutcome` per case and the :class:`SuiteResult`.

A case's *rows* are one dict per (case, point) with :data:`RESULT_COLUMNS`; the verdict
words are :data:`VERDICTS`.  ``expect = "fail"`` turns a row's verdict around
(:func:`expect_turned`): a ``fail`` is ``xfail-caught``, a ``pass`` is ``xfail-missed``
(a checker bug), and an ``inconclusive`` stays inconclusive (it is not a pass either way).

>>> from verifier.suite.schema import DerivativeCase
>>> case = DerivativeCase(id="sq", path="a.toml", function="x^2", points=(1.0,), expect="fail")
>>> rows = expect_turned(case, [result_row(case, "x = 1", verdict="fail", reason="claimed 3x")])
>>> outcome = CaseOutcome(case, tuple(rows))
>>> outcome.verdict, outcome.ok
('xfail-caught', True)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from verifier.errors import CaseError
from verifier.suite.schema import Case

__all__ = [
    "RESULT_COLUMNS",
    "VERDICTS",
    "CaseOutcome",
    "SuiteResult",
    "expect_turned",
    "result_row",
]

RESULT_COLUMNS = [
    "file",
    "case",
    "kind",
    "point",
    "methods",
    "verdict",
    "rule",
    "expected",
    "reason",
    "method",
    "rel_error",
    "h",
    "exact",
    "estimate",
    "observed_order",
    "expected_order",
    "error_type",
    "duration",
]
#: a row's or a case's verdict; "inconclusive" is not a pass
VERDICTS = ("pass", "fail", "inconclusive", "error", "xfail-caught", "xfail-missed")
# worst first: a case's verdict is the worst of its rows
_WORST_FIRST = ("error", "xfail-missed", "fail", "inconclusive", "xfail-caught", "pass")


def result_row(case: Case, point: str, **values: Any) -> dict[str, Any]:
    """One results row of ``case`` at ``point`` (a label), every column present.

    >>> from verifier.suite.schema import NetworkCase
    >>> row = result_row(NetworkCase(id="net", path="n.toml"), "784-50-10, N=100", verdict="pass")
    >>> row["file"], row["methods"], row["verdict"], row["h"]
    ('n.toml', 'gradcheck full', 'pass', None)
    """
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    methods = ",".join(getattr(case, "methods", ()) or ())
    if case.kind == "homework":
        methods = "grader"
    elif case.kind == "network":
        methods = f"gradcheck {case.mode}"
    row.update(
        file=os.path.basename(case.path),
        case=case.id,
        kind=case.kind,
        point=point,
        expected=case.expect,
        methods=methods,
        rule="",
        reason="",
        error_type="",
    )
    row.update(values)
    return row


def expect_turned(case: Case, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the verdict the case expects: under ``expect = "fail"`` a fail is caught."""
    if case.expect != "fail":
        return rows
    for r in rows:
        said = f" ({r['reason']})" if r["reason"] else ""
        if r["verdict"] == "fail":
            r["verdict"] = "xfail-caught"
        elif r["verdict"] == "pass":
            r["verdict"] = "xfail-missed"
            r["reason"] = f"expected the verifier to reject this, but every check held{said}"
        elif r["verdict"] == "inconclusive":
            r["reason"] = f"expected the verifier to reject this, but it is inconclusive{said}"
    return rows


@dataclass(frozen=True, eq=False)
class CaseOutcome:
    """Everything one case produced; picklable, so it can come back from a worker process.

    ``rows`` are the results rows (dicts with :data:`RESULT_COLUMNS`); ``errors`` every
    estimate (the sweep's tidy frame, or the gradient check's per-tensor table);
    ``analysis`` the sweep's per (point, variable, method) rows with their verdicts;
    ``steps`` the derivation as text; ``timings`` seconds per phase.
    """

    case: Case
    rows: tuple[dict[str, Any], ...]
    errors: Any = None
    analysis: Any = None
    steps: str = ""
    duration: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The case's verdict: the worst of its rows (error > xfail-missed > fail > ...)."""
        found = {r["verdict"] for r in self.rows}
        return next((v for v in _WORST_FIRST if v in found), "pass")

    @property
    def ok(self) -> bool:
        """True when the case held (passed, or was an expected failure that was caught)."""
        return self.verdict in ("pass", "xfail-caught")

    def to_frame(self) -> Any:
        """The case's results rows as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=RESULT_COLUMNS)


@dataclass(frozen=True, eq=False)
class SuiteResult:
    """A whole run: the results table, every estimate, the per-case outcomes, file problems."""

    results: Any
    errors: Any
    outcomes: tuple[CaseOutcome, ...]
    problems: tuple[CaseError, ...]
    duration: float

    @property
    def cases(self) -> tuple[Case, ...]:
        """The cases that ran, in order."""
        return tuple(o.case for o in self.outcomes)

    def summary(self) -> dict[str, Any]:
        """Counts of cases by outcome (a case counts once, by its worst row) and the time."""
        verdicts = [o.verdict for o in self.outcomes]
        return {
            "cases": len(self.outcomes),
            "points": len(self.results),
            "passed": verdicts.count("pass"),
            "failed": verdicts.count("fail") + verdicts.count("xfail-missed"),
            "inconclusive": verdicts.count("inconclusive"),
            "errors": verdicts.count("error") + len(self.problems),
            "expected-fail caught": verdicts.count("xfail-caught"),
            "expected-fail missed": verdicts.count("xfail-missed"),
            "invalid files": len({p.path for p in self.problems}),
            "time (s)": round(self.duration, 2),
        }

    def to_frame(self) -> Any:
        """The summary as a one-row DataFrame."""
        import pandas as pd

        return pd.DataFrame([self.summary()])

    @property
    def exit_code(self) -> int:
        """0 all held, 1 a case failed, raised or was inconclusive, 2 an invalid case file."""
        if self.problems:
            return 2
        return 0 if all(o.ok for o in self.outcomes) else 1
