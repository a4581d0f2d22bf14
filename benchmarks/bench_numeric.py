"""Derivative estimates at 10,000 points: verifier vs numdifftools vs scipy.differentiate.

Run:  OPENBLAS_NUM_THREADS=1 /work/venv/bin/python benchmarks/bench_numeric.py

For each of 12 smooth functions, 10,000 seeded random points in an interval where
the function is smooth:

* verifier: the expression is compiled once; the best applicable method
  (complex step where it is safe, five-point otherwise) at its recommended
  default step, all points in one vectorised call;
* numdifftools.Derivative(f)(x) with its defaults (vectorised over x);
* scipy.differentiate.derivative(f, x) with its defaults (vectorised over x).

Times are medians of 5 runs in this process.  Errors are measured with
verifier.compare against mpmath references (the rule engine's derivative at 30
digits) on a seeded sample of 1,000 of the 10,000 points (120,000 mpmath
evaluations would take minutes; the sample is the same for every method).
numdifftools and scipy are benchmark-only: their columns are skipped when absent.

Also reported: per-expression set-up cost (parse + differentiate + compile, caches
cleared) and the time of a full sweep (5 methods x 29 steps) at one point.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

from verifier.compare import compare  # noqa: E402
from verifier.expr import parse  # noqa: E402
from verifier.numeric import evaluate  # noqa: E402
from verifier.numeric.estimate import estimate_derivative  # noqa: E402
from verifier.numeric.evaluate import compile_function  # noqa: E402
from verifier.reference import exact_values  # noqa: E402
from verifier.sweep import sweep  # noqa: E402
from verifier.symbolic import rules  # noqa: E402
from verifier.symbolic.rules import differentiate  # noqa: E402

try:
    import numdifftools as nd
except ImportError:  # benchmark-only dependency
    nd = None
try:
    from scipy.differentiate import derivative as scipy_derivative
except ImportError:
    scipy_derivative = None

N_POINTS = 10_000
N_SAMPLE = 1_000
REPEATS = 5

# (text, interval where f is smooth)
FUNCTIONS = [
    ("x^6 - 3x^2 + 1", (-2.0, 2.0)),
    ("exp(x)", (-3.0, 3.0)),
    ("log(x)", (0.5, 10.0)),
    ("sin(x)", (-3.0, 3.0)),
    ("x cos(x)", (-3.0, 3.0)),
    ("sqrt(x)", (0.5, 10.0)),
    ("x^(1/3)", (0.5, 10.0)),
    ("1/(1 + x^2)", (-3.0, 3.0)),
    ("exp(sin(x))", (-3.0, 3.0)),
    ("tan(x)", (-1.2, 1.2)),
    ("atan(x)", (-3.0, 3.0)),
    ("abs(x) + x^2", (0.5, 3.0)),  # not complex-step safe: five-point is used
]


def timed(fn, repeats: int = REPEATS) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def errors(ref: np.ndarray, est: np.ndarray) -> tuple[float, float]:
    c = compare(ref, est)
    return float(np.median(c.rel_error)), float(np.max(c.rel_error))


def setup_cost(text: str) -> float:
    def once():
        # every cache cleared, so each run pays the full cost of a never-seen expression
        sympy.core.cache.clear_cache()
        evaluate.clear_caches()
        rules.clear_caches()
        expr = parse(text, variables=["x"])
        differentiate(expr, "x")
        return compile_function(expr, ["x"])

    return timed(once)[0]


def main() -> None:
    rng = np.random.default_rng(20240611)
    sample_idx = np.sort(rng.choice(N_POINTS, N_SAMPLE, replace=False))
    rows = []
    for text, (lo, hi) in FUNCTIONS:
        expr = parse(text, variables=["x"])
        cf = compile_function(expr, ["x"])
        method = "complex_step" if cf.complex_safe else "five_point"
        x = rng.uniform(lo, hi, N_POINTS)
        f = cf.real

        t_ours, est = timed(lambda: estimate_derivative(cf, x, method).value[:, 0])  # noqa: B023
        d = differentiate(expr, "x").result
        ref = exact_values(d, x[sample_idx], variables=["x"])
        row = {
            "f": text,
            "method": method,
            "ours_s": t_ours,
            "ours_err": errors(ref, est[sample_idx]),
        }
        if nd is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_nd, est_nd = timed(lambda: nd.Derivative(f)(x), repeats=3)  # noqa: B023
            row.update(nd_s=t_nd, nd_err=errors(ref, np.asarray(est_nd)[sample_idx]))
        if scipy_derivative is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_sp, res = timed(lambda: scipy_derivative(f, x))  # noqa: B023
            row.update(sp_s=t_sp, sp_err=errors(ref, np.asarray(res.df)[sample_idx]))
        row["setup_s"] = setup_cost(text)
        row["sweep_s"] = timed(lambda: sweep(expr, "x", points=[0.5 * (lo + hi) + 0.1]), 3)[0]  # noqa: B023
        rows.append(row)

    print(
        f"{N_POINTS} points per function; errors (median / worst relative) on {N_SAMPLE} sampled points"
    )
    print("vs mpmath references (rule engine derivative, 30 digits); times are medians.\n")
    head = f"{'function':16s} {'ours method':13s} {'ours ms':>8s} {'ours med/worst':>19s}"
    if nd is not None:
        head += f" {'ndt ms':>8s} {'ndt med/worst':>19s} {'ndt/ours':>8s}"
    if scipy_derivative is not None:
        head += f" {'scipy ms':>8s} {'scipy med/worst':>19s} {'scipy/ours':>10s}"
    head += f" {'setup ms':>8s} {'sweep ms':>8s}"
    print(head)
    for r in rows:
        line = (
            f"{r['f']:16s} {r['method']:13s} {r['ours_s'] * 1e3:8.2f} "
            f"{r['ours_err'][0]:9.1e}/{r['ours_err'][1]:9.1e}"
        )
        if nd is not None:
            line += (
                f" {r['nd_s'] * 1e3:8.1f} {r['nd_err'][0]:9.1e}/{r['nd_err'][1]:9.1e}"
                f" {r['nd_s'] / r['ours_s']:7.0f}x"
            )
        if scipy_derivative is not None:
            line += (
                f" {r['sp_s'] * 1e3:8.2f} {r['sp_err'][0]:9.1e}/{r['sp_err'][1]:9.1e}"
                f" {r['sp_s'] / r['ours_s']:9.1f}x"
            )
        line += f" {r['setup_s'] * 1e3:8.1f} {r['sweep_s'] * 1e3:8.1f}"
        print(line)
    ours_total = sum(r["ours_s"] for r in rows)
    print(f"\ntotal ours: {ours_total * 1e3:.1f} ms for {len(rows) * N_POINTS} estimates")
    if nd is not None:
        nd_total = sum(r["nd_s"] for r in rows)
        ratios = [r["nd_s"] / r["ours_s"] for r in rows]
        better = sum(r["ours_err"][1] <= r["nd_err"][1] for r in rows)
        print(
            f"numdifftools: {nd_total * 1e3:.1f} ms total; speed-up {nd_total / ours_total:.0f}x "
            f"(per function: min {min(ratios):.0f}x, median {statistics.median(ratios):.0f}x); "
            f"worst error equal or better on {better}/{len(rows)} functions"
        )
    else:
        print("numdifftools not installed: column skipped (pip install numdifftools)")
    if scipy_derivative is not None:
        sp_total = sum(r["sp_s"] for r in rows)
        better = sum(r["ours_err"][1] <= r["sp_err"][1] for r in rows)
        print(
            f"scipy.differentiate: {sp_total * 1e3:.1f} ms total; speed-up {sp_total / ours_total:.1f}x; "
            f"worst error equal or better on {better}/{len(rows)} functions"
        )
    else:
        print("scipy.differentiate not available: column skipped (scipy >= 1.15)")
    print(
        f"set-up per expression (parse + differentiate + compile): median "
        f"{statistics.median(r['setup_s'] for r in rows) * 1e3:.1f} ms; sweep at one point "
        f"(5 methods x 29 steps + analysis): median {statistics.median(r['sweep_s'] for r in rows) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
