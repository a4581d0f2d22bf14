"""Benchmark: the bundled suite's wall time with --jobs 1 and --jobs 2, and where the time goes.

Wall times are medians of ``--repeat`` runs of ``verifier run`` with ``--jobs 1``, ``--jobs 2``
and no ``--jobs`` (the command's default: one worker per CPU for a selection this large), each
in a fresh Python process, as a user runs it, so no cache survives between runs.  Each tree is
compiled to bytecode first, as an installed package is (see :func:`compiled`).  The share per
phase comes from one in-process run with each phase's entry point wrapped by a timer
(exclusive time):
parsing (``verifier.expr``), derivation (the rule engine; ``sympy.diff`` as the oracle and
for the error model's higher derivatives), compilation (``sympy.lambdify``), estimates (the
rest of the numeric sweep: stencils, 30-digit references, error analysis), grading and
gradient check, and report writing (plots, HTML, CSV, JUnit).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_suite.py [--repeat 3] [--cases cases]
        [--baseline 8aecf60]

The serial part is measured too: a fresh process doing what ``verifier run`` does before its
first case (``-k`` with a pattern that matches no case id stops it there), plus the report
writing from the breakdown.  It runs once whatever ``--jobs`` is, so it bounds what two
processes can give (Amdahl): the script prints that bound beside the measured speed-up, and an
idle-machine estimate from the CPU times (``--jobs 2``: the serial part, then the rest of its
CPU time on two cores).

``--baseline REF`` also times the code of git revision REF (``git archive`` into a temporary
folder, run with its own ``cases/``), in the same invocation, runs interleaved, and prints
both and the ratio: "before" and "after" on the same machine at the same load.  The CPU
seconds (all processes) are printed beside the wall time: on a shared machine the wall time
moves with the other work, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]

# (module, attribute) -> phase.  Each is wrapped with a timer; time is attributed
# exclusively (a phase running inside another is taken out of the outer one).
PHASES: list[tuple[str, str, str]] = [
    ("verifier.report.suite", "write_suite_report", "report writing (HTML, CSV, JUnit)"),
    ("verifier.report.suite", "case_figures", "report writing: figures (SVG)"),
    ("verifier.homework.judge", "check_answer", "grading (homework cases)"),
    ("verifier.gradcheck", "gradcheck_network", "gradient check (network cases)"),
    ("verifier.sweep", "sweep", "estimates (numeric sweep, references, analysis)"),
    ("sympy", "lambdify", "compilation (lambdify)"),
    ("verifier.symbolic.rules", "_derive", "derivation (rule engine)"),
    ("sympy", "diff", "derivation (sympy.diff: the oracle)"),
    ("verifier.expr", "parse_with_warnings", "parsing"),
]


class Tracker:
    """Exclusive seconds per phase, with a stack so nested phases are not counted twice."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.stack: list[list[float]] = []  # [start, time spent in children]

    def wrap(self, fn, phase: str):
        def timed(*args, **kwargs):
            self.stack.append([time.perf_counter(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                start, children = self.stack.pop()
                spent = time.perf_counter() - start
                self.seconds[phase] = self.seconds.get(phase, 0.0) + spent - children
                if self.stack:
                    self.stack[-1][1] += spent

        return timed


def phase_shares(cases: Path) -> tuple[float, dict[str, float]]:
    """One in-process ``--jobs 1`` run with every phase's entry point wrapped by a timer."""
    import importlib

    tracker = Tracker()
    saved = []
    for module_name, attr, phase in PHASES:
        module = importlib.import_module(module_name)
        saved.append((module, attr, getattr(module, attr)))
        setattr(module, attr, tracker.wrap(getattr(module, attr), phase))
    from verifier.cli import main

    try:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            main(["run", str(cases), "--out", out, "--quiet", "--jobs", "1"])
            total = time.perf_counter() - t0
    finally:
        for module, attr, fn in saved:
            setattr(module, attr, fn)
    shares = dict(tracker.seconds)
    shares["other (loading and checking case files, runner, imports)"] = total - sum(
        shares.values()
    )
    return total, shares


def compiled(root: Path) -> Path:
    """``root``'s ``verifier`` compiled to bytecode, as an installed package is: otherwise,
    under PYTHONDONTWRITEBYTECODE (set on this machine), every fresh process compiles ~27,000
    lines of source (~0.5 s) that a user's second run never does."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "verifier")],
        check=True,
        capture_output=True,
    )
    return root


def _timed(args: list[str], root: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (the process and its workers) of ``python -m verifier.cli ARGS``
    in a fresh process running ``root``'s ``verifier`` (on PYTHONPATH, the working folder)."""
    import resource

    env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "verifier.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
        env=env,
    )
    spent = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return spent, cpu, done


def wall(
    cases: Path, jobs: int | None, repeat: int, root: Path = ROOT
) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (all processes) of ``verifier run --jobs N`` in a fresh process.

    ``root``: the source tree whose ``verifier`` runs (on PYTHONPATH, the working folder).
    ``jobs`` None: no ``--jobs`` (the command's default).
    """
    walls, cpus = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            jobs_args = () if jobs is None else ("--jobs", str(jobs))
            spent, cpu, done = _timed(
                ["run", str(cases), "--out", out, "--quiet", *jobs_args], root
            )
        walls.append(spent)
        cpus.append(cpu)
        if done.returncode != 0:
            raise SystemExit(
                f"verifier run exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
    return walls, cpus


def serial_start(cases: Path, repeat: int, root: Path = ROOT) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of what ``verifier run`` does before its first case, in a fresh
    process: the interpreter, the imports (sympy, numpy, pandas, the runners) and reading every
    case file.  ``-k`` with a pattern no case id matches stops the command right there (exit
    2).  Whatever ``--jobs`` is, this part runs in one process before any worker starts."""
    walls, cpus = [], []
    for _ in range(repeat):
        args = ["run", str(cases), "-k", "no case has this id", "--format", "none", "--quiet"]
        spent, cpu, done = _timed(args, root)
        walls.append(spent)
        cpus.append(cpu)
        if done.returncode != 2 or "no cases matched" not in done.stderr:
            raise SystemExit(f"expected 'no cases matched' (exit 2), got:\n{done.stderr}")
    return walls, cpus


def amdahl_bound(total: float, serial: float) -> float:
    """The most two processes can give over ``total`` seconds of one when ``serial`` of them
    run in one process whatever ``--jobs`` is (Amdahl), the rest costing nothing more.

    >>> round(amdahl_bound(5.0, 1.0), 3)
    1.667
    """
    return total / (serial + (total - serial) / 2)


def _checkout(ref: str, into: Path) -> Path:
    """The tree of git revision ``ref`` of this repository, unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _report(
    label: str, cases: Path, runs: dict[int | None, tuple[list[float], list[float]]]
) -> None:
    print(f"{label} ({cases}): `verifier run`, report included, fresh processes")
    for jobs, (walls, cpus) in runs.items():
        name = "(default)" if jobs is None else f"--jobs {jobs}"
        print(
            f"  {name:9s}: wall {statistics.median(walls):6.2f} s, CPU "
            f"{statistics.median(cpus):6.2f} s   (wall runs: {', '.join(f'{t:.2f}' for t in walls)})"
        )
    m1, m2 = (statistics.median(runs[j][0]) for j in (1, 2))
    # each repeat ran --jobs 1 then --jobs 2 back to back: a load change hits the pair alike
    paired = statistics.median(a / b for a, b in zip(runs[1][0], runs[2][0], strict=True))
    print(
        f"  speed-up --jobs 2 vs --jobs 1 (wall): {m1 / m2:.2f}x (medians), "
        f"{paired:.2f}x (median of paired runs)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", default=str(ROOT / "cases"))
    ap.add_argument("--baseline", default=None, metavar="REF", help="also time git revision REF")
    ap.add_argument("--no-phases", action="store_true", help="skip the in-process breakdown")
    args = ap.parse_args()
    cases = Path(args.cases)

    load = os.getloadavg()[0]
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores (other work slows both)")
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": (compiled(ROOT), cases)}
        if args.baseline:
            base = compiled(_checkout(args.baseline, Path(tmp)))
            trees = {f"baseline {args.baseline}": (base, base / "cases"), **trees}
        runs: dict[str, dict[int | None, tuple[list[float], list[float]]]] = {t: {} for t in trees}
        starts: tuple[list[float], list[float]] = ([], [])  # serial_start's walls, CPUs
        for _ in range(args.repeat):  # interleaved: a load change hits both trees alike
            for label, (root, tree_cases) in trees.items():
                for jobs in (1, 2, None):
                    w, c = wall(tree_cases, jobs, 1, root)
                    old = runs[label].setdefault(jobs, ([], []))
                    old[0].extend(w)
                    old[1].extend(c)
            w, c = serial_start(cases, 1)  # this tree's: the bound is printed for it
            starts[0].extend(w)
            starts[1].extend(c)
        for label, (_, tree_cases) in trees.items():
            _report(label, tree_cases, runs[label])
        if args.baseline:
            (b, a) = (runs[t] for t in trees)
            for jobs in (1, 2, None):
                ratio = statistics.median(b[jobs][0]) / statistics.median(a[jobs][0])
                cpu = statistics.median(b[jobs][1]) / statistics.median(a[jobs][1])
                name = "(default)" if jobs is None else f"--jobs {jobs}"
                print(f"  {name:9s}: this tree is {ratio:.1f}x faster (wall), {cpu:.1f}x (CPU)")
        start, start_cpu = (statistics.median(v) for v in starts)
        one, two = (statistics.median(runs["this tree"][j][0]) for j in (1, 2))
        cpu_one, cpu_two = (statistics.median(runs["this tree"][j][1]) for j in (1, 2))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    writing = 0.0
    if not args.no_phases:
        print()
        total, shares = phase_shares(cases)
        print(f"where the time goes (one in-process --jobs 1 run, {total:.2f} s):")
        for phase, secs in sorted(shares.items(), key=lambda kv: -kv[1]):
            print(f"  {phase:45s} {secs:7.2f} s  {100 * secs / total:5.1f} %")
        writing = shares.get("report writing (HTML, CSV, JUnit)", 0.0)
    serial = start + writing
    best = amdahl_bound(one, serial)
    print()
    print(
        f"serial part (this tree): {start:.2f} s before the first case (interpreter, imports, "
        f"reading the cases: median of {len(starts[0])} fresh processes, runs "
        f"{', '.join(f'{t:.2f}' for t in starts[0])})"
        + (f" + {writing:.2f} s writing the report" if writing else "")
    )
    print(
        f"  with it, 2 processes can give at most {best:.2f}x over --jobs 1 ({one:.2f} s) even "
        f"with no cost of their own: --jobs 2 took {two:.2f} s, at best {one / best:.2f} s"
    )
    # on a shared machine the wall time moves with the other work, the CPU time much less: an
    # idle machine runs --jobs 1 in its CPU time, and --jobs 2 in its serial part's CPU time
    # plus the rest on two cores
    serial_cpu = start_cpu + writing
    idle_two = serial_cpu + (cpu_two - serial_cpu) / 2
    print(
        f"  idle-machine estimate from CPU times: --jobs 1 {cpu_one:.2f} s, --jobs 2 "
        f"{idle_two:.2f} s ({serial_cpu:.2f} s serial + {cpu_two - serial_cpu:.2f} s on two "
        f"cores): {cpu_one / idle_two:.2f}x"
    )


if __name__ == "__main__":
    main()
