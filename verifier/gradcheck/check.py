"""``gradcheck``: claimed gradients against central differences, judged by the policy.

See :mod:`verifier.gradcheck` for the modes and the tolerance.

>>> import numpy as np
>>> w = np.array([1.0, -2.0, 3.0])
>>> gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2}).verdict
'pass'
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from verifier.errors import VerifierError
from verifier.gradcheck import modes
from verifier.gradcheck.adapters import BatchedLoss, adapted_loss, is_functional
from verifier.gradcheck.jax_adapter import is_jax_tree
from verifier.gradcheck.judge import DEFAULT_RTOL, DEFAULT_TAU, judge_entries
from verifier.gradcheck.reading import precision_guidance
from verifier.gradcheck.records import GradCheckResult, TensorCheck, parse_mode
from verifier.network import TwoLayerNet, random_batch
from verifier.numeric.stencils import Stencil
from verifier.policy import gradient_tolerance

__all__ = ["gradcheck", "gradcheck_network", "parameter_gradients"]

STENCIL: Stencil = modes.CENTRAL
DEFAULT_H = 1e-4
DEFAULT_DIRECTIONS = 2


def _validate(
    params: Mapping[str, np.ndarray], grads: Mapping[str, Any], h: float
) -> dict[str, np.ndarray]:
    if not isinstance(h, int | float | np.floating) or not math.isfinite(h) or h <= 0:
        raise VerifierError(f"h must be a positive finite number, got {h!r}", hint="try h=1e-4")
    if not isinstance(params, Mapping) or not params:
        raise VerifierError(
            "params must be a non-empty dict of numpy arrays",
            hint="e.g. gradcheck(lambda: net.loss(x, t), net.params, net.gradient(x, t))",
        )
    if not isinstance(grads, Mapping):
        raise VerifierError("grads must be a dict with the same keys as params")
    extra = [k for k in grads if k not in params]
    if extra:
        raise VerifierError(
            f"gradient given for unknown parameter(s) {extra}", hint=f"params: {list(params)}"
        )
    out: dict[str, np.ndarray] = {}
    for key, p in params.items():
        if not isinstance(p, np.ndarray):
            raise VerifierError(
                f"parameter {key!r} is a {type(p).__name__}, not a numpy array",
                hint="the loss must read the very arrays that are perturbed in place",
            )
        if not np.issubdtype(p.dtype, np.floating):
            raise VerifierError(
                f"parameter {key!r} has dtype {p.dtype}; a +-h perturbation needs floats",
                hint="use float64 arrays",
            )
        if not p.flags.writeable:
            raise VerifierError(f"parameter {key!r} is read-only; it is perturbed in place")
        if key not in grads:
            raise VerifierError(
                f"no gradient given for parameter {key!r}", hint="grads needs the same keys"
            )
        g = np.asarray(grads[key])
        if g.shape != p.shape:
            raise VerifierError(
                f"gradient {key!r} has shape {g.shape}, parameter {key!r} has shape {p.shape}",
                hint="a gradient has its parameter's shape (a bias gradient is summed over the batch)",
            )
        if not (np.issubdtype(g.dtype, np.floating) or np.issubdtype(g.dtype, np.integer)):
            raise VerifierError(f"gradient {key!r} has non-numeric dtype {g.dtype}")
        out[key] = g.astype(np.float64)
    return out


def _loss_value(loss: Callable[[], Any]) -> float:
    value = loss()
    arr = np.asarray(value)
    if arr.size != 1 or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise VerifierError(
            f"the loss returned {type(value).__name__} of shape {arr.shape}, not a real number",
            hint="loss() must return one scalar",
        )
    out = float(arr.reshape(()))
    if not math.isfinite(out):
        raise VerifierError(
            f"the loss is {out} at the current parameters", hint="check the inputs and parameters"
        )
    return out


def _tensor(
    key: str,
    p: np.ndarray,
    method: str,
    indices: np.ndarray,
    numeric: np.ndarray,
    analytic: np.ndarray,
    kink: np.ndarray,
    tol: dict[str, Any],
    deriv: float | None,
    *,
    scale_aware: bool = True,
    labels: tuple[str, ...] = (),
) -> TensorCheck:
    """Judge one tensor's entries (the policy's bound at h) and build its record."""
    h = tol["h"]
    bound = tol["atol"]
    if bound is None and deriv is None:
        tol["unbounded"].append(key)
    # the truncation part alone (f_abs = 0: no round-off), to say which way h should move
    trunc = gradient_tolerance(STENCIL, h, f_abs=0.0, deriv_abs=deriv) if deriv else 0.0
    if bound is None:
        bound = gradient_tolerance(STENCIL, h, f_abs=abs(tol["loss"]), deriv_abs=deriv or 0.0)
    j = judge_entries(
        numeric, analytic, bound=bound, rtol=tol["rtol"], tau=tol["tau"],
        scale_aware=scale_aware, kink=kink, x=p, h=h, truncation=trunc,
    )  # fmt: skip
    judged = (j.status != "kink") & np.isfinite(numeric)
    if judged.any():
        max_abs = float(np.max(j.abs_error[judged]))
        max_rel = float(np.max(j.rel_error[judged]))
        max_scaled = float(np.max(j.scaled_rel_error[judged]))
    else:
        max_abs = max_rel = max_scaled = 0.0
    w = j.worst
    return TensorCheck(
        name=key,
        shape=tuple(p.shape),
        method=method,
        n_checked=int(numeric.size),
        n_kinks=int(np.count_nonzero(kink)),
        n_wrong=j.n_wrong,
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        max_scaled_rel_error=max_scaled,
        worst_index=None if (w is None or labels) else tuple(int(i) for i in indices[w]),
        worst_numeric=math.nan if w is None else float(numeric[w]),
        worst_analytic=math.nan if w is None else float(analytic[w]),
        verdict=j.verdict,
        reason=j.reason,
        floor=j.floor,
        atol=j.bound,
        indices=indices,
        numeric=numeric,
        analytic=analytic,
        abs_error=j.abs_error,
        rel_error=j.rel_error,
        scaled_rel_error=j.scaled_rel_error,
        status=j.status,
        labels=labels,
        n_inconclusive=j.n_inconclusive,
    )


def _check_tensor(
    loss: Any, key: str, p: np.ndarray, g: np.ndarray, name: str, k: int,
    rng: np.random.Generator, tol: dict[str, Any],
) -> TensorCheck:  # fmt: skip
    """One tensor in one mode."""
    h, progress = tol["h"], tol["progress"]
    if name != "fast":
        kink = modes.kink_mask(loss, key, p, STENCIL, h)
        deriv = modes.third_derivative_bound(loss, key, p, kink, tol["deriv_bound"])
    if name in ("full", "nditer"):
        if name == "full":
            numeric, method = modes.full_numeric(loss, key, p, STENCIL, h, progress)
        else:
            numeric, method = modes.nditer_numeric(loss, key, p, h, progress), "nditer"
        return _tensor(
            key, p, method, modes.all_indices(p.shape), numeric.reshape(-1), g.reshape(-1),
            kink.reshape(-1), tol, deriv,
        )  # fmt: skip
    if name == "sample":
        flat = modes.sample_indices(rng, p.size, k)
        numeric = modes.sampled_numeric(loss, key, p, flat, STENCIL, h, progress)
        return _tensor(
            key, p, f"sample={k}", modes.all_indices(p.shape)[flat], numeric,
            g.reshape(-1)[flat], kink.reshape(-1)[flat], tol, deriv,
        )  # fmt: skip
    numeric, analytic, n_kinks, dderiv = modes.directional(
        loss, key, p, g, STENCIL, h, rng, k, tol["deriv_bound"]
    )
    check = _tensor(
        key, p, f"fast ({k} dir)", np.zeros((k, 0), dtype=np.intp), numeric, analytic,
        np.zeros(k, dtype=bool), tol, dderiv, scale_aware=False,
        labels=tuple(f"direction {i}" for i in range(k)),
    )  # fmt: skip
    if check.verdict != "fail":
        return replace(check, n_kinks=n_kinks) if n_kinks else check
    # A direction disagrees: name the wrong entries with a full check of this tensor.
    full = _check_tensor(loss, key, p, g, "full", 0, rng, tol)
    return replace(full, method="fast -> full")


def gradcheck(
    loss: Callable[[], Any],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, Any],
    *,
    h: float = DEFAULT_H,
    mode: str = "full",
    rtol: float = DEFAULT_RTOL,
    atol: float | None = None,
    tau: float = DEFAULT_TAU,
    seed: int = 0,
    directions: int = DEFAULT_DIRECTIONS,
    deriv_bound: float | None = None,
    progress: bool | None = None,
    batched: bool | None = None,
    adapter: Any = None,
    kink_points: Callable[[Any], Any] | None = None,
) -> GradCheckResult:
    """Check claimed gradients ``grads`` of ``loss()`` with respect to ``params``.

    ``loss`` takes no arguments and reads the arrays in ``params`` in place; they
    are restored exactly afterwards, also when ``loss`` raises.  Or ``loss(params)``
    takes them as its argument (any NumPy model; JAX parameters are recognised; other
    frameworks pass an ``adapter``, see :mod:`verifier.gradcheck.adapters`): then
    ``batched=True`` means the loss accepts a leading axis of parameter copies and every
    tensor's perturbations take a few vectorised calls; ``None`` detects it (a batch of
    two against two single calls); ``False`` loops, with a progress bar.
    ``kink_points(params)`` (optional) returns values whose sign change is a kink (ReLU
    pre-activations): elements whose step crosses one are labelled ``kink``.  ``mode`` is
    ``full``, ``fast``, ``nditer`` or ``sample=K``.  ``atol=None`` takes the central
    difference's error bound at ``h`` from :func:`verifier.policy.gradient_tolerance`
    (round-off ``eps |L| / h`` plus truncation ``h^2 M3 / 6``); ``M3`` bounds
    ``|d^3 L / ds^3|``: ``deriv_bound``, else the loss's own ``third_derivative_bound``
    (the network's), else 0 (truncation unbounded: noted in the result).
    ``progress=None`` shows a tqdm bar for the loops only on a terminal.

    >>> from verifier.network import TwoLayerNet, random_batch
    >>> net = TwoLayerNet(6, 4, 3, seed=0)
    >>> x, t = random_batch(5, 6, 3, seed=0)
    >>> gradcheck(net.loss_fn(x, t), net.params, net.gradient(x, t)).verdict
    'pass'
    >>> bad = gradcheck(net.loss_fn(x, t), net.params, net.gradient(x, t, bug="w1_grad_transposed"))
    >>> bad.verdict, bad.failed
    ('fail', ('W1',))
    """
    name, sample_k = parse_mode(mode)
    if isinstance(directions, bool) or not isinstance(directions, int) or directions < 1:
        raise VerifierError(f"directions must be a positive integer, got {directions!r}")
    for label, value in (("rtol", rtol), ("tau", tau)):
        if not math.isfinite(value) or value < 0:
            raise VerifierError(f"{label} must be a finite number >= 0, got {value!r}")
    if atol is not None and (not math.isfinite(atol) or atol < 0):
        raise VerifierError(f"atol must be a finite number >= 0, got {atol!r}")
    if deriv_bound is not None and (not math.isfinite(deriv_bound) or deriv_bound < 0):
        raise VerifierError(f"deriv_bound must be a finite number >= 0, got {deriv_bound!r}")
    if not callable(loss):
        raise VerifierError(
            "loss must be a callable with no arguments", hint="e.g. lambda: net.loss(x, t)"
        )
    notes: list[str] = []
    if adapter is not None or is_functional(loss) or is_jax_tree(params):
        loss, used = adapted_loss(
            loss, params, adapter=adapter, batched=batched, kink_points=kink_points,
            progress=progress,
        )  # fmt: skip
        params, grads = loss.params, used.flatten(grads)
        if isinstance(loss, BatchedLoss):
            notes.append(f"batched: perturbed copies evaluated together ({type(used).__name__})")
    elif batched:
        raise VerifierError(
            "batched=True needs a loss that takes the parameters, loss(params)",
            hint="a no-argument loss reads its arrays in place, one copy at a time",
        )
    claimed = _validate(params, grads, h)
    h = float(h)
    dtype_warning = None
    odd = sorted({str(p.dtype) for p in params.values() if p.dtype != np.float64})
    if odd:
        dtype_warning = (
            f"parameters are {', '.join(odd)}, not float64: a +-h step is rounded to the "
            f"array's precision, so this check cannot pass at any h; use float64"
        )
        low = min((p.dtype for p in params.values()), key=lambda d: d.itemsize)
        guidance = precision_guidance(low)
        if guidance:
            dtype_warning += ". " + guidance
        warnings.warn(dtype_warning, stacklevel=2)
    snapshot = {k: p.copy() for k, p in params.items()}
    started = time.perf_counter()
    rng = np.random.default_rng(int(seed))
    checks: list[TensorCheck] = []
    try:
        loss_value = _loss_value(loss)
        tol = {
            "h": h, "rtol": float(rtol), "tau": float(tau), "atol": atol, "loss": loss_value,
            "deriv_bound": deriv_bound, "progress": progress, "unbounded": [],
        }  # fmt: skip
        count = directions if name == "fast" else sample_k
        for key, p in params.items():
            checks.append(_check_tensor(loss, key, p, claimed[key], name, count, rng, tol))
    finally:
        for key, p in params.items():
            np.copyto(p, snapshot[key])
    if dtype_warning:  # the step is not the one the arrays were moved by: never a pass
        checks = [
            replace(c, verdict="fail", reason=dtype_warning) if c.verdict == "pass" else c
            for c in checks
        ]
    return GradCheckResult(
        tensors=tuple(checks),
        mode=str(mode),
        h=h,
        rtol=float(rtol),
        atol=max((c.atol for c in checks), default=0.0),
        tau=float(tau),
        seed=int(seed),
        loss_value=loss_value,
        stencil=STENCIL.name,
        dtype_warning=dtype_warning,
        notes=tuple(notes)
        + (
            (_UNBOUNDED.format(", ".join(dict.fromkeys(tol["unbounded"]))),)
            if tol["unbounded"]
            else ()
        ),
        seconds=time.perf_counter() - started,
    )


_UNBOUNDED = (
    "the loss gives no bound on its third derivative ({}), so the tolerance holds the "
    "central difference's round-off but not its truncation h^2 M3 / 6 (M3 = max |d3L/ds3|); "
    "pass deriv_bound=M3 to include it"
)


def parameter_gradients(
    loss: Callable[[], Any],
    params: Mapping[str, np.ndarray],
    *,
    h: float = DEFAULT_H,
    mode: str = "full",
) -> dict[str, np.ndarray]:
    """Central-difference gradient of ``loss()`` for every array in ``params``.

    ``mode="full"`` uses ``loss.shifted`` when the loss offers it, else displaces each
    element in place; ``mode="nditer"`` runs the seed's loop.  The arrays are restored.

    >>> w = np.array([1.0, 3.0])
    >>> np.round(parameter_gradients(lambda: float(np.sum(w**2)), {"w": w})["w"], 6).tolist()
    [2.0, 6.0]
    """
    if mode not in ("full", "nditer"):
        raise VerifierError(f"unknown mode {mode!r}", hint="full or nditer")
    _validate(params, {k: np.zeros(p.shape) for k, p in params.items()}, h)
    snapshot = {k: p.copy() for k, p in params.items()}
    try:
        if mode == "nditer":
            return {k: modes.nditer_numeric(loss, k, p, float(h), False) for k, p in params.items()}
        return {
            k: modes.full_numeric(loss, k, p, STENCIL, float(h), False)[0]
            for k, p in params.items()
        }
    finally:
        for key, p in params.items():
            np.copyto(p, snapshot[key])


def gradcheck_network(
    sizes: tuple[int, int, int] = (784, 50, 10),
    batch: int = 100,
    seed: int = 0,
    mode: str = "full",
    h: float = DEFAULT_H,
    *,
    bug: str | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float | None = None,
    tau: float = DEFAULT_TAU,
    progress: bool | None = None,
) -> GradCheckResult:
    """Check ``TwoLayerNet``'s backprop on a seeded batch (the suite's ``network`` case kind).

    ``bug`` plants one of :data:`verifier.network.BACKPROP_BUGS` in the gradient.

    >>> gradcheck_network((8, 5, 3), batch=4, seed=1).verdict
    'pass'
    >>> gradcheck_network((8, 5, 3), batch=4, seed=1, bug="db1_off_by_0.1_percent").failed
    ('b1',)
    >>> gradcheck_network((8, 5, 3), batch=4, seed=1, h=1e-17).verdict   # x + h == x
    'inconclusive'
    """
    if len(tuple(sizes)) != 3:
        raise VerifierError(
            f"sizes must be (input, hidden, output), got {sizes!r}", hint="e.g. (784, 50, 10)"
        )
    d, hidden, c = (int(s) for s in sizes)
    net = TwoLayerNet(d, hidden, c, seed=seed)
    x, t = random_batch(batch, d, c, seed=seed)
    return gradcheck(
        net.loss_fn(x, t),
        net.params,
        net.gradient(x, t, bug=bug),
        h=h,
        mode=mode,
        rtol=rtol,
        atol=atol,
        tau=tau,
        seed=seed,
        progress=progress,
    )
