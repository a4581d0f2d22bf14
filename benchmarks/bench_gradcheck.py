"""Benchmark: gradient check of all 39,760 parameters of the 784-50-10 net at N = 100.

Baseline: the seed's loop (``nditer`` mode, one run: ~20 s).  Compared with it,
in the same process: ``full`` (structured perturbations), ``fast`` (random
directions) and ``sample=K``.  Also: agreement of ``full`` with ``nditer``, and
which planted bugs each mode catches.  torch.autograd.gradcheck is timed only if
torch is importable.

Then the generic path on a hand-written NumPy MLP (:mod:`verifier.network.mlp`,
16-24-12-5 at N = 32 and 64-64-32-10 at N = 64): the batched mode (a leading axis of parameter copies) against the
element loop, parameters per second and their ratio in the same run; and the JAX path
(``jax.vmap`` over the copies) on the same model when JAX is installed.

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
from verifier.network.mlp import (  # noqa: E402
    init_mlp,
    mlp_backward,
    mlp_data,
    mlp_loss,
    mlp_relu_inputs,
)

CPU: dict[str, float] = {}  # label -> median process CPU seconds (robust on a shared machine)


def timed(fn, repeat: int, label: str = "") -> tuple[float, object]:
    """Median wall seconds of ``repeat`` runs (and, under ``label``, median CPU seconds)."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    if label:
        CPU[label] = statistics.median(cpu)
    return statistics.median(times), out


def main(quick: bool = False) -> None:
    net = TwoLayerNet(seed=0)
    batch = 10 if quick else 100
    x, t = random_batch(batch, seed=0)
    loss, grads = net.loss_fn(x, t), net.gradient(x, t)
    n = net.n_params
    print(f"TwoLayerNet 784-50-10, N = {batch}, {n} parameters, OPENBLAS_NUM_THREADS=1")

    t_nditer, ref = timed(lambda: gradcheck(loss, net.params, grads, mode="nditer"), 1, "nditer")
    t_full, full = timed(lambda: gradcheck(loss, net.params, grads, mode="full"), 5, "full")
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
    cpu_ratio = CPU["nditer"] / CPU["full"]
    print(
        f"full >= 150x faster than nditer: wall {t_nditer / t_full:.0f}x, CPU time "
        f"{cpu_ratio:.0f}x -> {'yes' if max(t_nditer / t_full, cpu_ratio) >= 150 else 'NO'} "
        f"(load average {os.getloadavg()[0]:.1f}: on a busy machine the CPU-time ratio is the "
        "steadier figure)"
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
            elif not res.failed:
                cells.append(f"{res.verdict} ({', '.join(res.inconclusive)})")
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

    _generic(quick)


def _generic(quick: bool) -> None:
    models = [((16, 24, 12, 5), 32)] + ([] if quick else [((64, 64, 32, 10), 64)])
    for sizes, n in models:
        _generic_model(sizes, n)


def _generic_model(sizes: tuple[int, ...], n: int) -> None:
    params = init_mlp(sizes, seed=0)
    x, y = mlp_data(n, sizes[0], sizes[-1], seed=0)
    grads = mlp_backward(params, x, y)

    def loss(p):
        return mlp_loss(p, x, y)

    def kinks(p):
        return mlp_relu_inputs(p, x)

    count = sum(v.size for v in params.values())
    print(f"\ngeneric path: NumPy MLP {'-'.join(map(str, sizes))}, N = {n}, {count} parameters")
    t_loop, loop = timed(
        lambda: gradcheck(loss, params, grads, batched=False, kink_points=kinks), 3, "loop"
    )
    t_batch, batch = timed(
        lambda: gradcheck(loss, params, grads, batched=True, kink_points=kinks), 5, "batched"
    )
    gap = max(
        float(np.max(np.abs(a.numeric - b.numeric)))
        for a, b in zip(loop.tensors, batch.tensors, strict=True)
    )
    print(f"{'mode':36s} {'seconds':>9s} {'params/s':>10s} {'vs loop':>8s}  verdict")
    for label, secs, res in (
        ("loop (median of 3)", t_loop, loop),
        ("batched (median of 5)", t_batch, batch),
    ):
        print(
            f"{label:36s} {secs:9.3f} {count / secs:10.4g} {t_loop / secs:7.1f}x  "
            f"{res.verdict} ({res.n_kinks} kinks)"
        )
    print(f"batched vs loop: max |difference| {gap:.1e} (test bound 1e-10)")
    print(f"batched vs loop in CPU time: {CPU['loop'] / CPU['batched']:.1f}x")
    try:
        import jax
    except ImportError:
        print("jax is not installed: the JAX path is skipped (pip install 'verifier[jax]')")
        return
    _jax_path(jax, params, x, y, count, t_loop)


def _jax_path(jax, params, x, y, count, t_loop) -> None:
    from verifier.gradcheck.jax_adapter import JaxAdapter

    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    xs, ys = jnp.asarray(x), jnp.asarray(y)

    def loss(p):
        a1 = jax.nn.relu(xs @ p["W1"] + p["b1"])
        r = jnp.sqrt(jnp.mean(a1 * a1, axis=-1, keepdims=True) + 1e-3)
        a2 = jnp.tanh((p["g"] * a1 / r) @ p["W2"] + p["b2"])
        z = a2 @ p["W3"] + p["b3"]
        return jnp.mean(
            jax.nn.logsumexp(z, axis=-1) - jnp.take_along_axis(z, ys[:, None], -1)[:, 0]
        )

    jp = {k: jnp.asarray(v) for k, v in params.items()}
    grads = jax.grad(loss)(jp)
    t_first, first = timed(lambda: gradcheck(loss, jp, grads), 1)
    adapter = JaxAdapter(loss)
    gradcheck(loss, jp, grads, adapter=adapter)  # compiles
    t_warm, warm = timed(lambda: gradcheck(loss, jp, grads, adapter=adapter), 5)
    for label, secs, res in (
        ("jax.vmap, first call (compiles)", t_first, first),
        ("jax.vmap, compiled (median of 5)", t_warm, warm),
    ):
        print(f"{label:36s} {secs:9.3f} {count / secs:10.4g} {t_loop / secs:7.1f}x  {res.verdict}")


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
