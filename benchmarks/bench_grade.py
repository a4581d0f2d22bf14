"""Benchmark: grade a generated class of 10,000 submissions over 20 problems.

70% correct answers (in varied notations), 25% typical mistakes, 5% invalid text; seeded.
Grades with jobs=1 (in process, the baseline) and jobs=2 (two threads driving two killable
worker processes started once and fed chunks, what `verifier grade --jobs 2` does), each from
cold caches (the workers are new each run), and prints submissions/s, the speed-up
over the baseline, and p50/p99 time per answer.  Medians over --repeat runs.

    OPENBLAS_NUM_THREADS=1 /work/venv/bin/python benchmarks/bench_grade.py [--n 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# id, function, correct answers (base notations), typical mistakes
PROBLEMS = [
    ("p01", "x^2 + 2x + 1", ["2x + 2", "2(x+1)", "2*x+2"], ["2x", "x^2 + 2", "2x + 3"]),
    (
        "p02",
        "x^3 e^x",
        ["3x^2 e^x + x^3 e^x", "x^2 e^x (x+3)"],
        ["3x^2 e^x", "x^3 e^x", "3x^2 e^(x)"],
    ),
    (
        "p03",
        "sin(x^2)",
        ["2x cos(x^2)", "cos(x^2)*2x"],
        ["cos(x^2)", "-2x cos(x^2)", "2x sin(x^2)"],
    ),
    ("p04", "ln(x)", ["1/x", "x^(-1)"], ["1/x^2", "ln(x)", "-1/x"]),
    ("p05", "x/(x+1)", ["1/(x+1)^2", "(x+1-x)/(x+1)^2"], ["-1/(x+1)^2", "1/(x+1)", "x/(x+1)^2"]),
    ("p06", "x^5", ["5x^4", "5*x**4"], ["5x^5", "x^4", "4x^5"]),
    ("p07", "e^(3x)", ["3e^(3x)", "3 exp(3x)"], ["e^(3x)", "3x e^(3x-1)", "e^3"]),
    ("p08", "cos(x)", ["-sin(x)", "-sin x"], ["sin(x)", "sin x", "-cos x"]),
    ("p09", "x^2 sin(x)", ["2x sin(x) + x^2 cos(x)"], ["2x sin(x)", "x^2 cos(x)", "2x cos(x)"]),
    (
        "p10",
        "sqrt(x^2 + 1)",
        ["x/sqrt(x^2+1)", "x (x^2+1)^(-1/2)"],
        ["1/(2sqrt(x^2+1))", "2x sqrt(x^2+1)"],
    ),
    ("p11", "2^x", ["2^x ln(2)", "ln(2)*2^x"], ["x*2^(x-1)", "2^x", "2^x/ln(2)"]),
    ("p12", "5x^3 - 2x", ["15x^2 - 2", "15 x^2 - 2"], ["3x^2 - 2", "15x^2", "-15x^2 + 2"]),
    ("p13", "ln(x^2 + 1)", ["2x/(x^2+1)"], ["1/(x^2+1)", "2x ln(x^2+1)", "2/(x^2+1)"]),
    (
        "p14",
        "tan(x)",
        ["sec(x)^2", "1/cos(x)^2", "1 + tan(x)^2"],
        ["-sec(x)^2", "sec(x)", "tan(x)"],
    ),
    ("p15", "x^x", ["x^x (ln(x) + 1)"], ["x*x^(x-1)", "x^x ln(x)", "x^x"]),
    (
        "p16",
        "sin(x) cos(x)",
        ["cos(2x)", "cos(x)^2 - sin(x)^2"],
        ["-sin(x) cos(x)", "cos(x) sin(x)", "1"],
    ),
    ("p17", "(2x + 1)^5", ["10(2x+1)^4"], ["5(2x+1)^4", "10(2x+1)^5", "(2x+1)^4"]),
    (
        "p18",
        "e^x / x",
        ["e^x (x - 1)/x^2", "(x e^x - e^x)/x^2"],
        ["(e^x - x e^x)/x^2", "e^x/x", "e^x"],
    ),
    ("p19", "x^4/4", ["x^3", "x**3"], ["x^4", "x^5/20", "4x^3"]),
    ("p20", "atan(x)", ["1/(1+x^2)", "(x^2+1)^(-1)"], ["1/(1-x^2)", "-1/(1+x^2)", "x/(1+x^2)"]),
]
INVALID = ["2x +", "sinn(x)", "(2x", "2y", "x^^2", "f''(x) = 2", "lambda: x", "2 x ,", "?", "idk"]
PREFIXES = ["", "", "", "", "f'(x) = ", "y' = ", "dy/dx = ", "d/dx = "]


def vary(answer: str, rng: random.Random) -> str:
    """The same answer typed the way different students type it."""
    a = answer
    r = rng.random()
    if r < 0.25:
        a = a.replace(" ", "")
    elif r < 0.4:
        a = a.replace("+", " + ").replace("-", " - ").replace("  ", " ")
    if rng.random() < 0.2:
        a = a.replace("^", "**")
    return rng.choice(PREFIXES) + a


def generate(n: int, seed: int, folder: Path) -> tuple[Path, Path]:
    rng = random.Random(seed)
    problems = folder / "problems.toml"
    problems.write_text(
        "".join(
            f'[[problem]]\nid = "{pid}"\nfunction = "{f}"\npoints = 1\n\n'
            for pid, f, _, _ in PROBLEMS
        )
    )
    subs = folder / "submissions.csv"
    with subs.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "problem", "answer"])
        for i in range(n):
            pid, _, good, bad = PROBLEMS[i % len(PROBLEMS)]
            r = rng.random()
            if r < 0.70:
                answer = vary(rng.choice(good), rng)
            elif r < 0.95:
                answer = vary(rng.choice(bad), rng)
            else:
                answer = rng.choice(INVALID)
            w.writerow([f"s{i // len(PROBLEMS):04d}", pid, answer])
    return subs, problems


def cold_caches() -> None:
    """Forget every cached problem and verdict so each run starts cold (fork copies caches)."""
    import sympy

    from verifier.homework import judge
    from verifier.numeric import evaluate
    from verifier.symbolic import rules

    judge.clear_caches()
    rules.clear_caches()
    evaluate._compiled.cache_clear()
    sympy.core.cache.clear_cache()  # sympy's own: forked workers would inherit it warm


def one_run(subs: Path, problems: Path, jobs: int) -> tuple[float, object]:
    from verifier.homework.classroom import grade_class
    from verifier.workers import local_executor

    cold_caches()
    start = time.perf_counter()
    if jobs == 1:
        graded = grade_class(subs, problems)
    else:  # what `verifier grade --jobs N` does: N threads driving N killable worker processes
        with local_executor(jobs, ("verifier.homework.classroom",)) as pool:
            graded = grade_class(subs, problems, executor=pool)
    return time.perf_counter() - start, graded


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import verifier.homework.classroom  # noqa: F401  import cost outside the timings, like a warm CLI

    with tempfile.TemporaryDirectory() as tmp:
        subs, problems = generate(args.n, args.seed, Path(tmp))
        results = {}
        for jobs in (1, 2):
            times, graded = [], None
            for _ in range(args.repeat):
                t, graded = one_run(subs, problems, jobs)
                times.append(t)
            results[jobs] = (statistics.median(times), graded)
        base_t, graded = results[1]
        counts = graded["verdict"].value_counts().to_dict()
        uniq = graded.attrs["unique_answers"]
        per_answer = graded.drop_duplicates(subset=["problem", "answer"])["seconds"]
        print(
            f"class: {args.n} submissions, 20 problems, {uniq} distinct (problem, answer) pairs "
            f"(graded once each), seed {args.seed}"
        )
        print(f"verdicts: {counts}")
        for label, sec in (("distinct answer", per_answer), ("submission", graded["seconds"])):
            print(
                f"time per {label} (jobs=1, in the worker): p50 {sec.quantile(0.5) * 1e3:.2f} ms, "
                f"p99 {sec.quantile(0.99) * 1e3:.2f} ms, max {sec.max() * 1e3:.1f} ms"
            )
        print(f"{'jobs':>4} {'median s':>9} {'subs/s':>9} {'vs jobs=1':>9}")
        for jobs, (t, g) in results.items():
            assert (g["verdict"].values == graded["verdict"].values).all(), (
                "verdicts differ between runs"
            )
            print(f"{jobs:>4} {t:>9.2f} {args.n / t:>9.0f} {base_t / t:>8.2f}x")
        t2 = results[2][0]
        print(
            f"target >= 500 submissions/s with jobs=2: {'met' if args.n / t2 >= 500 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
