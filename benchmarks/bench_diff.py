"""Parse + differentiate per expression on the textbook table, against sympy.

Ours: ``verifier.expr.parse`` (safe tokenizer and parser) + ``verifier.symbolic.rules.differentiate``
(rule table, steps, light simplification).  Baseline: ``sympy.parse_expr`` + ``sympy.diff``
on the same expressions written in sympy syntax.  The sympy-syntax strings are trusted
constants from tests/data/textbook.py; this benchmark is the only place they meet
``parse_expr``.

Two regimes, each the median of RUNS runs per expression:

* cold: sympy's global cache is cleared before every timed call (a fresh expression);
* warm: sympy's cache is kept across runs (a server grading the same problem again);
  our own caches (results, chain outer steps, mistakes) are cleared before every call in
  both regimes, so every call really parses and differentiates.

Run: ``python benchmarks/bench_diff.py [--runs 7]``.  Prints a table and the ratios
(ours / sympy; below 1 means we are faster).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

import sympy
from sympy.core.cache import clear_cache
from sympy.parsing.sympy_parser import parse_expr

from verifier.expr import parse, symbol
from verifier.symbolic.rules import clear_caches, differentiate

ROOT = Path(__file__).resolve().parent.parent


def load_textbook() -> list[tuple[str, str, str, tuple[str, ...]]]:
    spec = importlib.util.spec_from_file_location(
        "_textbook", ROOT / "tests" / "data" / "textbook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TEXTBOOK


LOCALS = {name: symbol(name) for name in ("x", "y", "a", "b", "c")}
X = LOCALS["x"]


def ours(text: str) -> sympy.Expr:
    return differentiate(parse(text, variables=None), "x").result


def theirs(text: str) -> sympy.Expr:
    return sympy.diff(parse_expr(text, local_dict=dict(LOCALS)), X)


def time_call(fn, arg: str, cold: bool) -> float:
    clear_caches()
    if cold:
        clear_cache()
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per expression (median)")
    parser.add_argument("--show", type=int, default=12, help="rows of the per-expression table")
    args = parser.parse_args()
    table = load_textbook()

    # sanity: both sides see the same expression and agree on the derivative
    mismatched = 0
    for text, sympy_text, _, _ in table:
        e_ours = parse(text, variables=None)
        e_theirs = parse_expr(sympy_text, local_dict=dict(LOCALS))
        if sympy.expand(e_ours - e_theirs) != 0:
            mismatched += 1
            print(f"note: {text!r} parses differently from {sympy_text!r}")

    print(f"{len(table)} textbook expressions, median of {args.runs} runs each\n")
    for regime in ("cold", "warm"):
        cold = regime == "cold"
        rows = []
        for text, sympy_text, _, _ in table:
            a = [time_call(ours, text, cold) for _ in range(args.runs)]
            b = [time_call(theirs, sympy_text, cold) for _ in range(args.runs)]
            rows.append((text, statistics.median(a), statistics.median(b)))
        total_a = sum(r[1] for r in rows)
        total_b = sum(r[2] for r in rows)
        ratios = [r[1] / r[2] for r in rows]
        print(f"== {regime} sympy cache")
        print(f"{'expression':<26} {'ours (us)':>10} {'sympy (us)':>11} {'ratio':>7}")
        for text, a, b in sorted(rows, key=lambda r: r[1] / r[2], reverse=True)[: args.show]:
            print(f"{text:<26} {a * 1e6:>10.0f} {b * 1e6:>11.0f} {a / b:>7.2f}")
        print(
            f"{'TOTAL':<26} {total_a * 1e6:>10.0f} {total_b * 1e6:>11.0f} {total_a / total_b:>7.2f}"
        )
        print(
            f"per expression: ours {total_a / len(rows) * 1e6:.0f} us, "
            f"sympy {total_b / len(rows) * 1e6:.0f} us; ratio of totals {total_a / total_b:.2f}, "
            f"median ratio {statistics.median(ratios):.2f}, "
            f"faster on {sum(r < 1 for r in ratios)}/{len(rows)}\n"
        )
    if mismatched:
        print(f"{mismatched} expressions parsed differently (see notes above)")


if __name__ == "__main__":
    main()
