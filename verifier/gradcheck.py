"""Gradient check for any dict of parameter arrays and their claimed gradients.

``gradcheck(loss, params, grads)`` estimates every (or a sample of) partial
derivative by central differences, the seed's way (perturb an array element in
place by ``+h`` and ``-h``, call the no-argument ``loss``, restore), and
measures the gap to the claimed gradient with the one comparator
(:func:`verifier.compare.compare`), twice: the plain relative error
``|a - b| / max(|a|, |b|)`` and the scale-aware one with a floor
``tau * max|g|`` (so entries that are tiny compared with the rest of the
tensor do not raise false alarms).

Modes:

``nditer``
    :func:`verifier.numeric.nditer_gradient`, the seed's loop: the reference.
``full``
    every element, the same central differences, fast when the loss offers
    ``loss.perturbed(key, h) -> (f_plus, f_minus)`` (``TwoLayerNet.loss_fn`` does);
    a plain callable falls back to the loop.
``fast``
    a few seeded random unit directions per tensor: the directional derivative
    by central differences against ``g . v``, judged by the plain relative error;
    a tensor that fails is rerun in ``full`` to name the wrong entries.  Uses
    ``loss.along(key, directions, h) -> (f_plus, f_minus, kink)`` when offered
    (reusing the unperturbed forward pass; kinked directions are redrawn), else
    moves the array in place.
``sample=K``
    ``K`` seeded random entries per tensor.

Kinks: when the loss offers ``loss.kinks(key, h)`` (a boolean mask), elements
whose ``+-h`` perturbation flips a ReLU are labelled ``kink``, excluded from the
verdict and counted.

Tolerances (the defaults, and why):

* ``rtol = 1e-5``.  Central differences with ``h = 1e-4`` on a smooth float64
  loss are accurate to about ``h**2 |f'''| / 6 ~ 1e-9`` relative plus round-off;
  measured on the 784-50-10 net the worst scale-aware error of correct backprop
  is 2e-6 (N = 100, ``tau = 1e-3``) and about 1e-7 elsewhere, so 1e-5 passes it
  with margin, while a 0.1% error (relative error 1e-3, which torch's
  ``gradcheck`` with ``rtol = 1e-3`` lets through) fails by a factor 100.
* ``tau = 1e-3``: the floor ``1e-3 * max|g|``; entries a thousand times smaller
  than the largest are judged on the largest's scale.
* ``atol = 64 * eps * max(|L|, 1) / h`` (``L`` the loss value): the round-off
  of a central difference is about ``eps |L| / h`` (measured 1.4x that); an
  error below 64x it cannot be told from noise by any finite-difference check.

>>> import numpy as np
>>> w = np.array([1.0, -2.0, 3.0])
>>> res = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2})
>>> res.passed, res["w"].n_checked
(True, 3)
>>> bad = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2 * [1, 1, 1.001]})
>>> bad.passed, bad["w"].worst_index
(False, (2,))
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from verifier.compare import compare
from verifier.errors import VerifierError
from verifier.network import TwoLayerNet, random_batch
from verifier.numeric.estimate import nditer_gradient

__all__ = [
    "DEFAULT_RTOL",
    "DEFAULT_TAU",
    "GradCheckResult",
    "TensorCheck",
    "gradcheck",
    "gradcheck_network",
    "numerical_gradient",
    "parse_mode",
]

DEFAULT_RTOL = 1e-5
DEFAULT_TAU = 1e-3
#: atol = ATOL_ROUNDOFF_FACTOR * eps * max(|L|, 1) / h (see the module docstring)
ATOL_ROUNDOFF_FACTOR = 64.0
DEFAULT_DIRECTIONS = 2
_MAX_DIRECTION_DRAWS = 10


def parse_mode(mode: str) -> tuple[str, int]:
    """``"full" | "fast" | "nditer" | "sample=K"`` -> ``(name, K)`` (K = 0 unless sampling).

    >>> parse_mode("sample=20")
    ('sample', 20)
    >>> parse_mode("full")
    ('full', 0)
    """
    text = str(mode).strip().lower()
    if text in ("full", "fast", "nditer"):
        return text, 0
    if text.startswith("sample="):
        raw = text.split("=", 1)[1]
        if raw.isdigit() and int(raw) > 0:
            return "sample", int(raw)
    raise VerifierError(
        f"unknown gradcheck mode {mode!r}",
        hint="use full, fast, nditer or sample=K with K a positive integer (e.g. sample=20)",
    )


@dataclass(frozen=True, eq=False)
class TensorCheck:
    """The check of one parameter tensor.

    Errors and the worst element are over the checked elements that are not kinks.
    ``indices`` is ``(k, ndim)`` for element checks; for ``fast`` directions it is
    ``(k, 0)`` and ``labels`` names them (``"direction 0"``...).
    """

    name: str
    shape: tuple[int, ...]
    method: str
    n_checked: int
    n_kinks: int
    n_wrong: int
    max_abs_error: float
    max_rel_error: float
    max_scaled_rel_error: float
    worst_index: tuple[int, ...] | None
    worst_numeric: float
    worst_analytic: float
    passed: bool
    floor: float
    indices: np.ndarray = field(repr=False)
    numeric: np.ndarray = field(repr=False)
    analytic: np.ndarray = field(repr=False)
    abs_error: np.ndarray = field(repr=False)
    rel_error: np.ndarray = field(repr=False)
    scaled_rel_error: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)  # "ok" | "wrong" | "kink"
    labels: tuple[str, ...] = field(default=(), repr=False)

    def row(self) -> dict[str, Any]:
        return {
            "tensor": self.name,
            "shape": "x".join(str(s) for s in self.shape) or "scalar",
            "method": self.method,
            "checked": self.n_checked,
            "kinks": self.n_kinks,
            "wrong": self.n_wrong,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "max_scaled_rel_error": self.max_scaled_rel_error,
            "worst_index": _fmt_index(self.worst_index),
            "worst_numeric": self.worst_numeric,
            "worst_analytic": self.worst_analytic,
            "passed": self.passed,
        }


def _fmt_index(index: tuple[int, ...] | None) -> str:
    if index is None:
        return ""
    return "(" + ", ".join(str(i) for i in index) + ")"


@dataclass(frozen=True, eq=False)
class GradCheckResult:
    """Per-tensor records of a gradient check and the overall verdict (``.passed``)."""

    tensors: tuple[TensorCheck, ...]
    mode: str
    h: float
    rtol: float
    atol: float
    tau: float
    seed: int
    loss_value: float
    dtype_warning: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """True when no checked element (kinks excluded) is wrong in any tensor."""
        return all(t.passed for t in self.tensors)

    @property
    def n_params(self) -> int:
        return int(sum(math.prod(t.shape) for t in self.tensors))

    @property
    def n_checked(self) -> int:
        return int(sum(t.n_checked for t in self.tensors))

    @property
    def n_kinks(self) -> int:
        return int(sum(t.n_kinks for t in self.tensors))

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the tensors that failed."""
        return tuple(t.name for t in self.tensors if not t.passed)

    def __getitem__(self, name: str) -> TensorCheck:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def to_frame(self, elements: bool = False):
        """One row per tensor or, with ``elements=True``, one row per checked element.

        Element rows: tensor, index, numeric, analytic, abs_error, rel_error,
        scaled_rel_error, status (``ok``, ``wrong`` or ``kink``).
        """
        import pandas as pd

        if not elements:
            return pd.DataFrame([t.row() for t in self.tensors])
        frames = []
        for t in self.tensors:
            if t.labels:
                index = list(t.labels)
            else:
                index = [_fmt_index(tuple(int(i) for i in row)) for row in t.indices]
            frames.append(
                pd.DataFrame(
                    {
                        "tensor": t.name,
                        "index": index,
                        "numeric": t.numeric,
                        "analytic": t.analytic,
                        "abs_error": t.abs_error,
                        "rel_error": t.rel_error,
                        "scaled_rel_error": t.scaled_rel_error,
                        "status": t.status,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def kink_hint(self) -> str:
        if not self.n_kinks:
            return ""
        return (
            f"{self.n_kinks} element(s) sit at a ReLU kink (a +-h step flips a unit) and were "
            f"excluded; use a smaller h (e.g. --h {self.h / 10:g}) or fewer samples to check them"
        )

    def summary(self) -> str:
        """A few lines: one per tensor, the verdict, kinks and warnings."""
        lines = [
            f"gradcheck ({self.mode}, h={self.h:g}, rtol={self.rtol:g}, atol={self.atol:.2g}, "
            f"tau={self.tau:g}): {self.n_checked} of {self.n_params} parameters checked "
            f"in {self.seconds:.3g} s"
        ]
        for t in self.tensors:
            verdict = "pass" if t.passed else "FAIL"
            where = f" at {_fmt_index(t.worst_index)}" if t.worst_index is not None else ""
            lines.append(
                f"  {t.name}: {verdict} ({t.method}; {t.n_checked} checked, {t.n_kinks} kinks, "
                f"{t.n_wrong} wrong); worst scaled rel error {t.max_scaled_rel_error:.3g}{where} "
                f"(numeric {t.worst_numeric:.10g}, analytic {t.worst_analytic:.10g})"
            )
        if self.kink_hint:
            lines.append("note: " + self.kink_hint)
        if self.dtype_warning:
            lines.append("warning: " + self.dtype_warning)
        lines.append(
            "verdict: PASS" if self.passed else "verdict: FAIL (" + ", ".join(self.failed) + ")"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        head = html.escape(self.summary()).replace("\n", "<br>")
        return f"<p>{head}</p>" + self.to_frame().to_html(index=False)


# --------------------------------------------------------------------------- helpers
def _progress(total: int, desc: str, progress: bool | None):
    """A tqdm bar on a terminal (or when asked), else None."""
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="param", leave=False, file=sys.stderr)


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


def _structured(loss: Any, key: str, p: np.ndarray, name: str) -> Callable | None:
    """``loss.<name>`` when the loss reads this very array (else the generic path)."""
    method = getattr(loss, name, None)
    if method is None:
        return None
    own = getattr(loss, "params", None)
    if isinstance(own, Mapping) and own.get(key) is not p:
        return None  # the loss's own array under this key is not the one being checked
    return method


def _counting(loss: Callable[[], Any], bar) -> Callable[[], Any]:
    if bar is None:
        return loss
    calls = [0]

    def wrapped():
        value = loss()
        calls[0] += 1
        if calls[0] % 2 == 0:  # two loss calls per element
            bar.update(1)
        return value

    return wrapped


def _loop_entries(
    loss: Callable[[], Any], p: np.ndarray, flat: np.ndarray, h: float, bar
) -> np.ndarray:
    """Central differences at the given flat indices, the seed's way (in place, restored)."""
    out = np.empty(flat.shape[0])
    for k, i in enumerate(flat):
        index = np.unravel_index(int(i), p.shape)
        tmp = p[index]
        try:
            p[index] = tmp + h
            fxh2 = loss()
            p[index] = tmp - h
            fxh1 = loss()
        finally:
            p[index] = tmp
        out[k] = (fxh2 - fxh1) / (2 * h)
        if bar is not None:
            bar.update(1)
    return out


def _full_numeric(loss: Any, key: str, p: np.ndarray, h: float, progress: bool | None):
    """Every element's central difference: structured when offered, else the nditer loop."""
    perturbed = _structured(loss, key, p, "perturbed")
    if perturbed is not None:
        fp, fm = perturbed(key, h)
        fp, fm = np.asarray(fp, dtype=np.float64), np.asarray(fm, dtype=np.float64)
        if fp.shape != p.shape or fm.shape != p.shape:
            raise VerifierError(
                f"loss.perturbed({key!r}) returned shapes {fp.shape}, {fm.shape}; expected {p.shape}"
            )
        return (fp - fm) / (2 * h), "full"
    bar = _progress(p.size, key, progress)
    try:
        return nditer_gradient(_counting(loss, bar), p, h), "full (loop)"
    finally:
        if bar is not None:
            bar.close()


def _kink_mask(loss: Any, key: str, p: np.ndarray, h: float) -> np.ndarray:
    kinks = _structured(loss, key, p, "kinks")
    if kinks is None:
        return np.zeros(p.shape, dtype=bool)
    mask = np.asarray(kinks(key, h), dtype=bool)
    if mask.shape != p.shape:
        raise VerifierError(f"loss.kinks({key!r}) returned shape {mask.shape}; expected {p.shape}")
    return mask


def _judge(
    name: str,
    shape: tuple[int, ...],
    method: str,
    indices: np.ndarray,
    numeric: np.ndarray,
    analytic: np.ndarray,
    kink: np.ndarray,
    *,
    rtol: float,
    atol: float,
    tau: float,
    scale_aware: bool = True,
    labels: tuple[str, ...] = (),
) -> TensorCheck:
    """Compare numeric with analytic (the one comparator), kinks excluded from the verdict."""
    include = ~kink
    scale = float(np.max(np.abs(numeric[include]))) if include.any() else 0.0
    floor = tau * scale if scale_aware and math.isfinite(scale) else 0.0
    plain = compare(numeric, analytic, rtol=rtol, atol=atol, floor=0.0)
    scaled = compare(numeric, analytic, rtol=rtol, atol=atol, floor=floor)
    verdict = scaled if scale_aware else plain
    wrong = include & ~verdict.passed
    status = np.where(kink, "kink", np.where(wrong, "wrong", "ok"))
    if include.any():
        key = np.where(include, np.nan_to_num(verdict.rel_error, nan=np.inf), -1.0)
        w = int(np.argmax(key))
        max_abs = float(np.max(plain.abs_error[include]))
        max_rel = float(np.max(plain.rel_error[include]))
        max_scaled = float(np.max(scaled.rel_error[include]))
        worst_num, worst_ana = float(numeric[w]), float(analytic[w])
        worst_index = None if labels else tuple(int(i) for i in indices[w])
    else:
        max_abs = max_rel = max_scaled = 0.0
        worst_num = worst_ana = math.nan
        worst_index = None
    return TensorCheck(
        name=name,
        shape=shape,
        method=method,
        n_checked=int(numeric.size),
        n_kinks=int(np.count_nonzero(kink)),
        n_wrong=int(np.count_nonzero(wrong)),
        max_abs_error=max_abs,
        max_rel_error=max_rel,
        max_scaled_rel_error=max_scaled,
        worst_index=worst_index,
        worst_numeric=worst_num,
        worst_analytic=worst_ana,
        passed=not bool(wrong.any()),
        floor=floor,
        indices=indices,
        numeric=numeric,
        analytic=analytic,
        abs_error=plain.abs_error,
        rel_error=plain.rel_error,
        scaled_rel_error=scaled.rel_error,
        status=status,
        labels=labels,
    )


def _all_indices(shape: tuple[int, ...]) -> np.ndarray:
    if not shape:
        return np.zeros((1, 0), dtype=np.intp)
    return np.stack(np.unravel_index(np.arange(math.prod(shape)), shape), axis=1)


def _check_full(loss, key, p, g, h, progress, **tol) -> TensorCheck:
    numeric, method = _full_numeric(loss, key, p, h, progress)
    kink = _kink_mask(loss, key, p, h)
    return _judge(
        key, p.shape, method, _all_indices(p.shape), numeric.reshape(-1), g.reshape(-1),
        kink.reshape(-1), **tol,
    )  # fmt: skip


def _check_nditer(loss, key, p, g, h, progress, **tol) -> TensorCheck:
    bar = _progress(p.size, key, progress)
    try:
        numeric = nditer_gradient(_counting(loss, bar), p, h)
    finally:
        if bar is not None:
            bar.close()
    kink = _kink_mask(loss, key, p, h)
    return _judge(
        key, p.shape, "nditer", _all_indices(p.shape), numeric.reshape(-1), g.reshape(-1),
        kink.reshape(-1), **tol,
    )  # fmt: skip


def _check_sample(loss, key, p, g, h, progress, rng, k, **tol) -> TensorCheck:
    flat = np.sort(rng.choice(p.size, size=min(k, p.size), replace=False))
    bar = _progress(flat.size, key, progress)
    try:
        numeric = _loop_entries(loss, p, flat, h, bar)
    finally:
        if bar is not None:
            bar.close()
    kink = _kink_mask(loss, key, p, h).reshape(-1)[flat]
    indices = _all_indices(p.shape)[flat]
    return _judge(key, p.shape, f"sample={k}", indices, numeric, g.reshape(-1)[flat], kink, **tol)


def _unit_directions(rng: np.random.Generator, k: int, shape: tuple[int, ...]) -> np.ndarray:
    v = rng.standard_normal((k, *shape))
    norms = np.sqrt(np.sum(v.reshape(k, -1) ** 2, axis=1))
    return v / np.where(norms > 0, norms, 1.0).reshape((k,) + (1,) * len(shape))


def _check_fast(loss, key, p, g, h, progress, rng, directions, **tol) -> TensorCheck:
    along = _structured(loss, key, p, "along")
    labels = [f"direction {k}" for k in range(directions)]
    n_kinks = 0
    if along is not None:
        dirs = _unit_directions(rng, directions, p.shape)
        f_plus, f_minus, kink = (np.asarray(a) for a in along(key, dirs, h))
        for _ in range(_MAX_DIRECTION_DRAWS):
            if not kink.any():
                break
            # a direction that crosses a ReLU kink says nothing: draw another in its place
            n_kinks += int(kink.sum())
            redo = np.flatnonzero(kink)
            dirs[redo] = _unit_directions(rng, redo.size, p.shape)
            fp2, fm2, k2 = along(key, dirs[redo], h)
            f_plus, f_minus = f_plus.copy(), f_minus.copy()
            f_plus[redo], f_minus[redo], kink = fp2, fm2, np.zeros(directions, dtype=bool)
            kink[redo] = k2
        numeric = list((f_plus - f_minus) / (2 * h))
        analytic = [float(np.sum(g * d)) for d in dirs]
    else:
        original = p.copy()
        numeric, analytic = [], []
        for v in _unit_directions(rng, directions, p.shape):
            try:
                np.add(original, h * v, out=p)
                f_plus = loss()
                step_plus = p - original
                np.subtract(original, h * v, out=p)
                f_minus = loss()
                step_minus = p - original
            finally:
                np.copyto(p, original)
            numeric.append((f_plus - f_minus) / (2 * h))
            # g . v along the steps actually taken (rounded), so only the gradient is judged
            analytic.append(float(np.sum(g * (step_plus - step_minus))) / (2 * h))
    numeric_a, analytic_a = np.array(numeric), np.array(analytic)
    check = _judge(
        key, p.shape, f"fast ({directions} dir)", np.zeros((directions, 0), dtype=np.intp),
        numeric_a, analytic_a, np.zeros(directions, dtype=bool), scale_aware=False,
        labels=tuple(labels), **tol,
    )  # fmt: skip
    if check.passed:
        return replace(check, n_kinks=n_kinks)
    # A direction disagrees: name the wrong entries with a full check of this tensor.
    full = _check_full(loss, key, p, g, h, progress, **tol)
    return replace(full, method="fast -> full")


def gradcheck(
    loss: Callable[[], Any],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, Any],
    *,
    h: float = 1e-4,
    mode: str = "full",
    rtol: float = DEFAULT_RTOL,
    atol: float | None = None,
    tau: float = DEFAULT_TAU,
    seed: int = 0,
    directions: int = DEFAULT_DIRECTIONS,
    progress: bool | None = None,
) -> GradCheckResult:
    """Check claimed gradients ``grads`` of ``loss()`` with respect to ``params``.

    ``loss`` takes no arguments and reads the arrays in ``params`` in place; they
    are restored exactly afterwards, also when ``loss`` raises.  ``mode`` is
    ``full``, ``fast``, ``nditer`` or ``sample=K``; ``atol=None`` uses the
    round-off level of a central difference (see the module docstring).
    ``progress=None`` shows a tqdm bar for the loops only on a terminal.

    >>> from verifier.network import TwoLayerNet, random_batch
    >>> net = TwoLayerNet(6, 4, 3, seed=0)
    >>> x, t = random_batch(5, 6, 3, seed=0)
    >>> gradcheck(net.loss_fn(x, t), net.params, net.gradient(x, t)).passed
    True
    >>> bad = gradcheck(net.loss_fn(x, t), net.params, net.gradient(x, t, bug="w1_grad_transposed"))
    >>> bad.failed
    ('W1',)
    """
    name, sample_k = parse_mode(mode)
    if not isinstance(directions, int) or directions < 1:
        raise VerifierError(f"directions must be a positive integer, got {directions!r}")
    for label, value in (("rtol", rtol), ("tau", tau)):
        if not math.isfinite(value) or value < 0:
            raise VerifierError(f"{label} must be a finite number >= 0, got {value!r}")
    if not callable(loss):
        raise VerifierError(
            "loss must be a callable with no arguments", hint="e.g. lambda: net.loss(x, t)"
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
        warnings.warn(dtype_warning, stacklevel=2)
    snapshot = {k: p.copy() for k, p in params.items()}
    started = time.perf_counter()
    rng = np.random.default_rng(int(seed))
    checks: list[TensorCheck] = []
    try:
        loss_value = _loss_value(loss)
        if atol is None:
            atol = ATOL_ROUNDOFF_FACTOR * np.finfo(np.float64).eps * max(abs(loss_value), 1.0) / h
        elif not math.isfinite(atol) or atol < 0:
            raise VerifierError(f"atol must be a finite number >= 0, got {atol!r}")
        tol = {"rtol": float(rtol), "atol": float(atol), "tau": float(tau)}
        for key, p in params.items():
            g = claimed[key]
            if name == "nditer":
                checks.append(_check_nditer(loss, key, p, g, h, progress, **tol))
            elif name == "full":
                checks.append(_check_full(loss, key, p, g, h, progress, **tol))
            elif name == "sample":
                checks.append(_check_sample(loss, key, p, g, h, progress, rng, sample_k, **tol))
            else:
                checks.append(_check_fast(loss, key, p, g, h, progress, rng, directions, **tol))
    finally:
        for key, p in params.items():
            np.copyto(p, snapshot[key])
    return GradCheckResult(
        tensors=tuple(checks),
        mode=str(mode),
        h=h,
        rtol=float(rtol),
        atol=float(atol),
        tau=float(tau),
        seed=int(seed),
        loss_value=loss_value,
        dtype_warning=dtype_warning,
        seconds=time.perf_counter() - started,
    )


def numerical_gradient(
    loss: Callable[[], Any],
    params: Mapping[str, np.ndarray],
    *,
    h: float = 1e-4,
    mode: str = "full",
) -> dict[str, np.ndarray]:
    """Central-difference gradient of ``loss()`` for every array in ``params``.

    ``mode="full"`` uses ``loss.perturbed`` when the loss offers it, else the seed's
    loop; ``mode="nditer"`` always loops.  The arrays are restored exactly.

    >>> w = np.array([1.0, 3.0])
    >>> np.round(numerical_gradient(lambda: float(np.sum(w**2)), {"w": w})["w"], 6).tolist()
    [2.0, 6.0]
    """
    if mode not in ("full", "nditer"):
        raise VerifierError(f"unknown mode {mode!r}", hint="full or nditer")
    _validate(params, {k: np.zeros(p.shape) for k, p in params.items()}, h)
    snapshot = {k: p.copy() for k, p in params.items()}
    try:
        if mode == "nditer":
            return {k: nditer_gradient(loss, p, float(h)) for k, p in params.items()}
        return {k: _full_numeric(loss, k, p, float(h), False)[0] for k, p in params.items()}
    finally:
        for key, p in params.items():
            np.copyto(p, snapshot[key])


def gradcheck_network(
    sizes: tuple[int, int, int] = (784, 50, 10),
    batch: int = 100,
    seed: int = 0,
    mode: str = "full",
    h: float = 1e-4,
    *,
    bug: str | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float | None = None,
    tau: float = DEFAULT_TAU,
    progress: bool | None = None,
) -> GradCheckResult:
    """Check ``TwoLayerNet``'s backprop on a seeded batch (the suite's ``network`` case kind).

    ``bug`` plants one of :data:`verifier.network.BACKPROP_BUGS` in the gradient.

    >>> gradcheck_network((8, 5, 3), batch=4, seed=1).passed
    True
    >>> gradcheck_network((8, 5, 3), batch=4, seed=1, bug="db1_off_by_0.1_percent").failed
    ('b1',)
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
