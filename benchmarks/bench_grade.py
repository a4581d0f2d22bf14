"""Benchmark: grade a generated class of 10,000 submissions over 20 problems.

70% correct answers (in varied notations), 25% typical mistakes, 5% invalid text; seeded.
Grades with jobs=1 (in process, the baseline) and jobs=2 (two threads driving two killable
worker processes started once and fed chunks, what `verifier grade --jobs 2` does).  Each
run is a fresh Python process (cold caches, as a user runs it; the CSV is read inside the
timing, the imports are not), runs alternate jobs=1 / jobs=2, and the script prints the
median wall time, the median CPU time of the run (its process and its workers: on a shared
machine the wall time moves with the other work, the CPU time much less), an idle-machine
estimate from CPU times ("idle": jobs=1 its CPU time; jobs=2 the parent's serial CPU time
plus the workers' on two cores), submissions/s and the speed-up of jobs=2 over jobs=1, plus
p50/p99 time per answer.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_grade.py [--n 10000] [--repeat 5]
        [--baseline REF]

``--baseline REF`` also times the code of git revision REF (``git archive`` into a temporary
folder), runs interleaved with this tree's, and prints both and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]

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


def one_run(subs: Path, problems: Path, jobs: int) -> dict:
    """Grade the class once here (a fresh process): wall and CPU seconds, and the verdicts."""
    import hashlib
    import resource

    from verifier.homework.classroom import grade_class
    from verifier.workers import local_executor

    def cpu() -> float:
        r = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        return sum(u.ru_utime + u.ru_stime for u in r)

    def own() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    c0, t0, o0 = cpu(), time.perf_counter(), own()
    idle = serial = None
    if jobs == 1:
        graded = grade_class(subs, problems)
    else:  # what `verifier grade --jobs N` does: N threads driving N killable worker processes
        with local_executor(jobs, ("verifier.homework.classroom:warm_up",)) as pool:
            probe = _Probe(pool, own)
            graded = grade_class(subs, problems, executor=probe)
            end = own()
            idle = probe.idle_estimate(o0, end)
            serial = (probe.sent - o0) + (end - probe.back)  # the parent's, before and after
    wall, spent = time.perf_counter() - t0, cpu() - c0  # the workers have ended: counted
    per_answer = graded.drop_duplicates(subset=["problem", "answer"])["seconds"]
    verdicts = "".join(v[0] for v in graded["verdict"])
    return {
        "wall": wall,
        "cpu": spent,
        "verdicts": hashlib.sha256(verdicts.encode()).hexdigest()[:16],
        "counts": graded["verdict"].value_counts().to_dict(),
        "unique": int(graded.attrs["unique_answers"]),
        "idle": spent if idle is None else idle,
        "serial": serial,
        "p50": float(per_answer.quantile(0.5)),
        "p99": float(per_answer.quantile(0.99)),
        "max": float(per_answer.max()),
    }


class _Probe:
    """The executor, watched: the parent's CPU seconds when it sent the last batch and when
    the last batch came back, and each worker's CPU seconds, for :meth:`idle_estimate`."""

    def __init__(self, pool, own) -> None:
        self.pool, self.own = pool, own
        self.sent = self.back = 0.0

    def submit(self, fn, /, *args, **kwargs):
        fut = self.pool.submit(fn, *args, **kwargs)
        self.sent = self.own()
        fut.add_done_callback(lambda _: setattr(self, "back", self.own()))
        return fut

    def idle_estimate(self, start: float, end: float) -> float:
        """Seconds the run would take on an idle machine with 2 cores: the parent's work before
        its last batch left and after the last came back, plus the workers' (and the
        parent's work between) on two cores, no shorter than the busiest worker."""
        from verifier.workers import _shared

        ticks = os.sysconf("SC_CLK_TCK")
        workers = []
        for w in _shared[os.getpid()]._workers:
            fields = Path(f"/proc/{w.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            workers.append((int(fields[11]) + int(fields[12])) / ticks)  # utime + stime
        between = max(0.0, self.back - self.sent)
        return (
            (self.sent - start)
            + max(max(workers), (sum(workers) + between) / 2)
            + (end - self.back)
        )


def child(args: argparse.Namespace) -> None:
    import verifier.homework.classroom  # noqa: F401  import cost outside the timings, like a warm CLI

    with tempfile.TemporaryDirectory() as tmp:
        subs, problems = generate(args.n, args.seed, Path(tmp))
        print(json.dumps(one_run(subs, problems, args.jobs)))


def spawn(root: Path, jobs: int, args: argparse.Namespace) -> dict:
    """One run in a fresh process, with ``root``'s ``verifier`` (this script drives it)."""
    env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--jobs", str(jobs)]
    cmd += ["--n", str(args.n), "--seed", str(args.seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run failed ({root}, jobs={jobs}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline", default=None, metavar="REF", help="also time git revision REF")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": ROOT}
        if args.baseline:
            from bench_suite import _checkout  # the same "git archive" of a revision

            trees = {f"baseline {args.baseline}": _checkout(args.baseline, Path(tmp)), **trees}
        runs: dict[str, dict[int, list[dict]]] = {t: {1: [], 2: []} for t in trees}
        for _ in range(args.repeat):  # interleaved: a change of load hits every variant alike
            for label, root in trees.items():
                for jobs in (1, 2):
                    runs[label][jobs].append(spawn(root, jobs, args))
        first = runs["this tree"][1][0]
        print(
            f"class: {args.n} submissions, 20 problems, {first['unique']} distinct (problem, "
            f"answer) pairs (graded once each), seed {args.seed}; verdicts {first['counts']}"
        )
        print(
            f"time per distinct answer (jobs=1, in the worker): p50 {first['p50'] * 1e3:.2f} ms, "
            f"p99 {first['p99'] * 1e3:.2f} ms, max {first['max'] * 1e3:.1f} ms"
        )
        medians = {}
        for label in trees:
            print(f"{label}: median of {args.repeat} fresh processes each")
            print(
                f"  {'jobs':>4} {'wall s':>8} {'CPU s':>8} {'idle s':>8} {'subs/s':>8}   wall runs"
            )
            for jobs in (1, 2):
                rs = runs[label][jobs]
                hashes = {r["verdicts"] for r in rs} | {first["verdicts"]}
                assert len(hashes) == 1, f"verdicts differ between runs: {label}, jobs={jobs}"
                w = statistics.median(r["wall"] for r in rs)
                c = statistics.median(r["cpu"] for r in rs)
                i = statistics.median(r.get("idle", r["cpu"]) for r in rs)
                medians[label, jobs] = (w, c, i)
                walls = ", ".join(f"{r['wall']:.2f}" for r in rs)
                print(f"  {jobs:>4} {w:>8.2f} {c:>8.2f} {i:>8.2f} {args.n / w:>8.0f}   {walls}")
            ratios = [
                a["wall"] / b["wall"] for a, b in zip(runs[label][1], runs[label][2], strict=True)
            ]
            (w1, c1, i1), (w2, _, i2) = medians[label, 1], medians[label, 2]
            print(
                f"  speed-up jobs=2 vs jobs=1: {w1 / w2:.2f}x (wall medians), "
                f"{statistics.median(ratios):.2f}x (median of paired runs), "
                f"{i1 / i2:.2f}x (idle-machine estimate from CPU times)"
            )
            serials = [r["serial"] for r in runs[label][2] if r.get("serial") is not None]
            if serials:  # what 2 processes could give if they cost nothing themselves
                from bench_suite import amdahl_bound

                s = statistics.median(serials)
                print(
                    f"  serial part (the parent's CPU before its last batch left and after the "
                    f"last came back): {s:.2f} s; with it, 2 processes give at most "
                    f"{amdahl_bound(c1, s):.2f}x over jobs=1's {c1:.2f} s CPU"
                )
        if args.baseline:
            base = f"baseline {args.baseline}"
            for jobs in (1, 2):
                (bw, bc, _), (w, c, _) = medians[base, jobs], medians["this tree", jobs]
                print(
                    f"  jobs={jobs}: this tree is {bw / w:.2f}x faster (wall), {bc / c:.2f}x (CPU)"
                )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
