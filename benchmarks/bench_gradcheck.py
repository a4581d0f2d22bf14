"""Benchmark: gradient check of all 39,760 parameters of the 784-50-10 net at N = 100.

Baseline: the seed's loop (``nditer`` mode, one run: ~20 s).  Compared with it,
in the same process: ``full`` (structured perturbations), ``fast`` (random
directions) and ``sample=K``.  Also: agreement of ``full`` with ``nditer``, and
which planted bugs each mode catches.  torch.autograd.gradcheck is timed only if
torch is importable.

Run:  /work/venv/bin/python benchmarks/bench_gradcheck.py [--quick]
"""

from __future__ import annotations

import os

# Small matrix products: one BLAS thread (threads only add overhead and noise here).
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from verifier.gradcheck import gradcheck  # noqa: E402
from verifier.network import BACKPROP_BUGS, TwoLayerNet, random_batch  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(quick: bool = False) -> None:
    net = TwoLayerNet(seed=0)
    batch = 10 if quick else 100
    x, t = random_batch(batch, seed=0)
    loss, grads = net.loss_fn(x, t), net.gradient(x, t)
    n = net.n_params
    print(f"TwoLayerNet 784-50-10, N = {batch}, {n} parameters, OPENBLAS_NUM_THREADS=1")

    t_nditer, ref = timed(lambda: gradcheck(loss, net.params, grads, mode="nditer"), 1)
    t_full, full = timed(lambda: gradcheck(loss, net.params, grads, mode="full"), 5)
    t_fast, fast = timed(lambda: gradcheck(loss, net.params, grads, mode="fast"), 21)
    t_sample, sample = timed(lambda: gradcheck(loss, net.params, grads, mode="sample=50"), 5)
    t_loss, _ = timed(loss, 51)

    gap = max(
        float(np.max(np.abs(a.numeric - b.numeric)))
        for a, b in zip(ref.tensors, full.tensors, strict=True)
    )
    rows = [
        ("nditer (seed loop, 1 run)", t_nditer, ref),
        ("full (median of 5)", t_full, full),
        ("sample=50 (median of 5)", t_sample, sample),
        ("fast, 2 dirs (median of 21)", t_fast, fast),
    ]
    print(f"\none loss evaluation: {t_loss * 1e3:.3f} ms (median of 51)")
    print(
        f"{'mode':30s} {'seconds':>10s} {'checked':>8s} {'params/s':>12s} {'vs nditer':>10s}  verdict"
    )
    for label, secs, res in rows:
        print(
            f"{label:30s} {secs:10.4f} {res.n_checked:8d} {res.n_checked / secs:12.3g} "
            f"{t_nditer / secs:9.1f}x  {'PASS' if res.passed else 'FAIL'} ({res.n_kinks} kinks)"
        )
    print(f"\nfull vs nditer: max |difference| over all {n} elements = {gap:.2e} (target <= 1e-10)")
    print(
        f"full >= 30x faster than nditer: {t_nditer / t_full:.0f}x -> {'yes' if t_nditer / t_full >= 30 else 'NO'}"
    )
    print(f"fast under 10 ms: {t_fast * 1e3:.2f} ms -> {'yes' if t_fast < 0.010 else 'NO'}")

    print("\nplanted bugs caught (tensors named; worst index of the first):")
    print(f"{'bug':32s} {'full':>22s} {'fast':>22s} {'sample=20':>22s}")
    for bug in BACKPROP_BUGS:
        bad = net.gradient(x, t, bug=bug)
        cells = []
        for mode in ("full", "fast", "sample=20"):
            res = gradcheck(loss, net.params, bad, mode=mode)
            if res.passed:
                cells.append("missed")
            else:
                first = res[res.failed[0]]
                where = "" if first.worst_index is None else str(first.worst_index)
                cells.append(f"{','.join(res.failed)} {where}".strip())
        print(f"{bug:32s} {cells[0]:>22s} {cells[1]:>22s} {cells[2]:>22s}")

    try:
        import torch  # noqa: F401
    except ImportError:
        print("\ntorch is not installed: torch.autograd.gradcheck comparison skipped")
    else:  # pragma: no cover - optional, benchmark-only
        _torch_compare(net, x, t)


def _torch_compare(net: TwoLayerNet, x: np.ndarray, t: np.ndarray) -> None:
    import torch

    xt, tt = torch.from_numpy(x), torch.from_numpy(t)
    params = [
        torch.from_numpy(net.params[k].copy()).requires_grad_(True)
        for k in ("W0", "b0", "W1", "b1")
    ]

    def f(w0, b0, w1, b1):
        z = torch.relu(xt @ w0 + b0) @ w1 + b1
        return -(tt * torch.log_softmax(z, dim=1)).sum(dim=1).mean()

    t0 = time.perf_counter()
    ok = torch.autograd.gradcheck(f, params, eps=1e-4, atol=1e-5, rtol=1e-3, raise_exception=False)
    print(f"\ntorch.autograd.gradcheck: {time.perf_counter() - t0:.2f} s, passed={ok}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
