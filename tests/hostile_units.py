"""Short hostile inputs and one unit of work per verb, for the budget test (tests/test_budget.py).

A module of its own (not a test file) so worker processes import the units by name.  Each unit
is what the verb does with one input, through the library; its result is a short verdict text
(what the user would see first), or the error class and message when it raised.
"""

from __future__ import annotations

import time
from typing import Any

#: the budget of one unit in the test, seconds
BUDGET = 6.0
#: the per-answer / per-case limit inside a unit: above the parser's 0.5 s (so a parse that
#: runs away is always the parser's error, never a race between two equal limits)
ANSWER_LIMIT = 2.0
#: modules a worker imports before its first unit (imports are not the unit's time)
PRELOAD = ("verifier.sweep", "verifier.suite.run", "verifier.homework.classroom")

_TOWER = "^".join(["x"] * 24)
_RADICALS = "|√2+√3+√5+√7+√11-√(28+2√6+2√10+2√14+2√22+2√15+2√21+2√33+2√35+2√55+2√77)|x"

#: (name, text): 50 short hostile inputs, each at most 80 characters
HOSTILE: list[tuple[str, str]] = [
    ("tower of 16 x", "^".join(["x"] * 16)),
    ("tower of 12 x", "^".join(["x"] * 12)),
    ("tower of 24 x", _TOWER),
    ("tower of (x+1)", "^".join(["(x+1)"] * 8)),
    ("tower with sin", "sin(x)^sin(x)^sin(x)^sin(x)^sin(x)^sin(x)"),
    ("tower of 2", "2^2^2^2^2^2"),
    ("tower 9^9^9^9", "9^9^9^9"),
    ("tower 10^10^10", "10^10^10"),
    ("tower e^e^e^e", "e^e^e^e"),
    ("tower pi", "pi^pi^pi^pi"),
    ("5 radicals cancelling", _RADICALS),
    ("4 radicals cancelling", "|√2+√3+√5+√7-√(17+2√6+2√10+2√14+2√15+2√21+2√35)|x"),
    ("radicals in a power", "(√2+√3-√(5+2√6))^x"),
    ("radical product cancelling", "|√2√3-√6|x + |√8-2√2|"),
    ("sign of radicals", "sign(√2+√3-√(5+2√6))x"),
    ("nested radical", "√(2+√(2+√(2+√(2+√(2+√(2+√2))))))x"),
    ("denested radical", "(√(5+2√6)-√2-√3) x^2"),
    ("cube roots cancel", "|∛2+∛3-∛(5+3∛6(∛2+∛3))|x"),
    ("trig identity constant", "|sin(pi/7)^2+cos(pi/7)^2-1| x"),
    ("tiny difference", "|e^pi - pi^e - 0.6815349144|x"),
    ("x to a googol", "x^(10^100)"),
    ("x to 10^10", "x^(10^10)"),
    ("x^150", "x^150"),
    ("(x+1)^1000", "(x+1)^1000"),
    ("(3x)^10000", "(3x)^10000"),
    ("2^(10^9)", "2^(10^9)"),
    ("exp of 10^9 ln 2", "exp(10^9 ln 2)"),
    ("e to 1000", "e^1000 x"),
    ("factorial", "factorial(10^9)"),
    ("1e1000", "1e1000 x"),
    ("1e-99999999", "1e-99999999 + x"),
    ("sinh cubed", "sinh(sinh(sinh(10)))x"),
    ("sine of a huge constant", "|sin(e^(e^8))| x"),
    ("near a pole", "e^(tan(pi/2 - 10^-900))"),
    ("60 parentheses", "(" * 39 + "x" + ")" * 39),
    ("nested sin", "sin(" * 15 + "x" + ")" * 15),
    ("nested exp", "exp(" * 12 + "x" + ")" * 12),
    ("nested log", "ln(" * 12 + "x" + ")" * 12),
    ("nested bars", "|" * 30 + "x" + "|" * 30),
    ("sign chain", "-" * 70 + "x"),
    ("superscripts", "x" + "²" * 60),
    ("product of powers", "x^x^x * sin(x)^cos(x)^tan(x)"),
    ("x^x^x / ln", "x^x^x^x^x/ln(x)^x^x"),
    ("quotient tower", "(x/(x+1))^(x/(x+1))^(x/(x+1))^(x/(x+1))"),
    ("root tower", "√x^√x^√x^√x^√x^√x^√x"),
    ("exp tower", "e^x^e^x^e^x^e^x"),
    ("merged powers", "2^(1000+x)*2^(-x)*2^(1000+x)*2^(-x)"),
    ("zero divided", "x/(√2+√3-√(5+2√6))"),
    ("undefined", "0^0 + x"),
    ("unicode soup", "x\u202e^2\u200b+\x1b[2J1"),
]


def _verdict_of(out: Any) -> str:
    if isinstance(out, BaseException):
        first = str(out).splitlines()[0] if str(out) else ""
        return f"{type(out).__name__}: {first}"
    return str(out)


def diff_unit(text: str) -> str:
    """``verifier diff``: parse and differentiate by the rules."""
    from verifier.expr import parse
    from verifier.symbolic.rules import differentiate

    differentiate(parse(text, ("x",)), "x")
    return "ok"


def sweep_unit(text: str) -> str:
    """``verifier sweep --at 1.3``: the sweep's verdict."""
    from verifier.sweep import sweep

    return sweep(text, "x", [1.3], methods=["central"]).verdict


def check_unit(text: str) -> str:
    """``verifier check x^x --answer TEXT``: the grade."""
    from verifier.homework.judge import check_answer

    g = check_answer("x^x", text, time_limit=ANSWER_LIMIT)
    return f"{g.verdict}: {g.reason[:60]}" if g.verdict == "invalid" else g.verdict


def run_unit(text: str) -> str:
    """``verifier run`` of one derivative case with ``function = TEXT``: its verdict."""
    from verifier.suite.run import run_case_within
    from verifier.suite.schema import DerivativeCase

    case = DerivativeCase(id="hostile", function=text, points=(1.3,), methods=("central",))
    out = run_case_within(case, BUDGET - 1.0)
    return f"{out.verdict}: {out.rows[0]['reason'][:60]}" if out.verdict == "error" else out.verdict


def grade_unit(text: str) -> str:
    """``verifier grade`` of one submission answering TEXT to ``x^x``: verdict and reason."""
    from verifier.homework.classroom import Problem, grade_batch

    r = grade_batch(Problem("p", "x^x"), [text], time_limit=ANSWER_LIMIT)[0]
    shown = r["verdict"] in ("error", "invalid")
    return f"{r['verdict']}: {r['reason'][:60]}" if shown else r["verdict"]


UNITS = {
    "diff": diff_unit,
    "sweep": sweep_unit,
    "check": check_unit,
    "run": run_unit,
    "grade": grade_unit,
}


def timed(verb: str, text: str) -> tuple[str, float]:
    """One unit within BUDGET where it can be stopped; its verdict and wall-clock seconds."""
    from verifier.workers import run_bounded

    start = time.monotonic()
    out = run_bounded(
        UNITS[verb], [text], seconds=BUDGET, what=f"the {verb} unit", preload=PRELOAD
    )[0]
    return _verdict_of(out), time.monotonic() - start
