"""A hand-written NumPy MLP the way an engineer writes one: functional, batched, own backward.

``x -> affine -> relu -> rmsnorm (a custom layer with a learnable gain) -> affine -> tanh
-> affine -> softmax cross-entropy``.  :func:`mlp_loss` takes the parameters as an argument
and accepts a leading axis of parameter copies (every tensor ``(K, ...)`` gives ``K``
losses): what :func:`verifier.gradcheck.gradcheck` vectorises.  :func:`mlp_backward` is
the hand-written backward pass; ``bug=`` plants one of :data:`MLP_BUGS` in it.

The custom layer, per sample: ``r = sqrt(mean(a^2) + EPS_NORM)``, ``y = g * a / r``;
its backward ``da = (g dy - n mean(g dy n)) / r`` with ``n = a / r``.

>>> params = init_mlp((6, 5, 4, 3), seed=0)
>>> x, labels = mlp_data(8, 6, 3, seed=0)
>>> loss = float(mlp_loss(params, x, labels))
>>> grads = mlp_backward(params, x, labels)
>>> sorted(grads) == sorted(params), 0.5 < loss < 2.0
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from verifier.errors import VerifierError
from verifier.network.bugs import BackpropBug

__all__ = ["EPS_NORM", "MLP_BUGS", "init_mlp", "mlp_backward", "mlp_data", "mlp_loss"]

#: keeps the custom layer's norm away from zero (an all-zero ReLU row)
EPS_NORM = 1e-3

#: six real backward mistakes in :func:`mlp_backward`, each naming the tensors it corrupts
MLP_BUGS: dict[str, BackpropBug] = {
    bug.name: bug
    for bug in (
        BackpropBug("relu_mask_missing", ("W1", "b1"), "relu backward lets v <= 0 through"),
        BackpropBug(
            "rmsnorm_no_norm_term",
            ("W1", "b1"),
            "the custom layer's backward forgets that r depends on a (da = g dy / r)",
        ),
        BackpropBug(
            "tanh_derivative_wrong", ("W2", "b2"), "tanh backward uses 1 - y instead of 1 - y^2"
        ),
        BackpropBug(
            "gain_grad_first_sample",
            ("g",),
            "the gain's gradient is taken from the first sample instead of summed",
        ),
        BackpropBug(
            "w3_transposed_product",
            ("W3",),
            "dW3 computed as (dz.T @ a2) and reshaped to W3's shape",
        ),
        BackpropBug(
            "w2_entry_off_by_0.1_percent",
            ("W2",),
            "one entry of dW2, at (1, 2), is 0.1% too large",
        ),
    )
}
_NDIM = {"W1": 2, "b1": 1, "g": 1, "W2": 2, "b2": 1, "W3": 2, "b3": 1}
#: where ``w2_entry_off_by_0.1_percent`` plants its error
OFF_ENTRY = (1, 2)


def init_mlp(sizes: Sequence[int] = (16, 24, 12, 5), seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded float64 parameters ``W1 b1 g W2 b2 W3 b3`` for sizes ``(D, H1, H2, C)``.

    >>> {k: v.shape for k, v in init_mlp((4, 3, 2, 2)).items()}["g"]
    (3,)
    """
    if len(sizes) != 4 or any(int(s) != s or s < 1 for s in sizes):
        raise VerifierError(f"sizes must be four positive integers (D, H1, H2, C), got {sizes!r}")
    d, h1, h2, c = (int(s) for s in sizes)
    rng = np.random.default_rng(int(seed))
    return {
        "W1": rng.standard_normal((d, h1)) / np.sqrt(d),
        "b1": 0.1 * rng.standard_normal(h1),
        "g": 1.0 + 0.1 * rng.standard_normal(h1),
        "W2": rng.standard_normal((h1, h2)) / np.sqrt(h1),
        "b2": 0.1 * rng.standard_normal(h2),
        "W3": rng.standard_normal((h2, c)) / np.sqrt(h2),
        "b3": 0.1 * rng.standard_normal(c),
    }


def mlp_data(n: int = 32, d: int = 16, c: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded batch: standard normal inputs ``(n, d)`` and integer labels ``(n,)``.

    >>> x, y = mlp_data(3, 2, 2)
    >>> x.shape, y.dtype.kind
    ((3, 2), 'i')
    """
    rng = np.random.default_rng((int(seed), 2))
    return rng.standard_normal((int(n), int(d))), rng.integers(0, int(c), size=int(n))


@dataclass(frozen=True, eq=False)
class _Forward:
    v1: np.ndarray
    a1: np.ndarray
    r: np.ndarray
    n1: np.ndarray
    a2: np.ndarray
    z: np.ndarray
    probs: np.ndarray
    loss: np.ndarray


def _shared(v: np.ndarray, ndim: int) -> np.ndarray:
    """A batch of identical copies (a broadcast view: stride 0) as the one array it is."""
    while v.ndim > ndim and v.strides[0] == 0:
        v = v[0]
    return v


def _affine(a: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ w + b`` over leading axes of copies, one matrix product where ``w`` is shared."""
    w, b = _shared(w, 2), _shared(b, 1)
    if w.ndim == 2:  # one weight matrix: every row of every copy in a single product
        out = (a.reshape(-1, a.shape[-1]) @ w).reshape(*a.shape[:-1], w.shape[-1])
    elif a.ndim == 2:  # one input, copies of the weights: (N, D) x (K, D, H) as one product
        k, d, h = w.shape
        out = (a @ w.transpose(1, 0, 2).reshape(d, k * h)).reshape(-1, k, h).transpose(1, 0, 2)
    else:
        out = a @ w
    return out + b[..., None, :]


def _forward(p: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray) -> _Forward:
    """Every array may carry leading axes of copies (``(..., N, H)`` activations); copies
    that are broadcast views of one array are computed once."""
    v1 = _affine(x, p["W1"], p["b1"])
    a1 = np.maximum(v1, 0.0)
    r = np.sqrt(np.mean(a1 * a1, axis=-1, keepdims=True) + EPS_NORM)
    n1 = a1 / r
    y1 = _shared(p["g"], 1)[..., None, :] * n1
    a2 = np.tanh(_affine(y1, p["W2"], p["b2"]))
    z = _affine(a2, p["W3"], p["b3"])
    m = np.max(z, axis=-1, keepdims=True)
    e = np.exp(z - m)
    s = np.sum(e, axis=-1, keepdims=True)
    picked = np.take_along_axis(z, np.broadcast_to(labels[:, None], (*z.shape[:-1], 1)), -1)
    per_sample = (m + np.log(s) - picked)[..., 0]
    return _Forward(v1, a1, r, n1, a2, z, e / s, np.mean(per_sample, axis=-1))


def mlp_loss(params: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean softmax cross-entropy; a 0-d array, or one loss per copy along leading axes.

    >>> p = init_mlp((4, 3, 2, 2))
    >>> x, y = mlp_data(5, 4, 2)
    >>> batch = {k: np.stack([v, v]) for k, v in p.items()}
    >>> bool(np.all(mlp_loss(batch, x, y) == mlp_loss(p, x, y)))
    True
    """
    loss = _forward(params, x, labels).loss
    copies = np.broadcast_shapes(*(v.shape[: v.ndim - _NDIM[k]] for k, v in params.items()))
    return np.broadcast_to(loss, copies)


def mlp_relu_inputs(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The ReLU pre-activations (their sign changes are the loss's kinks).

    >>> mlp_relu_inputs(init_mlp((4, 3, 2, 2)), np.ones((5, 4))).shape
    (5, 3)
    """
    return x @ params["W1"] + params["b1"][..., None, :]


def mlp_backward(
    params: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray, *, bug: str | None = None
) -> dict[str, np.ndarray]:
    """The hand-written backward pass of :func:`mlp_loss` (one copy), optionally with a bug.

    >>> p = init_mlp((4, 3, 2, 2))
    >>> x, y = mlp_data(5, 4, 2)
    >>> g = mlp_backward(p, x, y)
    >>> bool(abs(g["b3"].sum()) < 1e-15)    # softmax gradients sum to zero
    True
    """
    if bug is not None and bug not in MLP_BUGS:
        raise VerifierError(f"unknown MLP bug {bug!r}", hint="one of: " + ", ".join(MLP_BUGS))
    f = _forward(params, x, labels)
    n = x.shape[0]
    dz = f.probs.copy()
    dz[np.arange(n), labels] -= 1.0
    dz /= n
    dw3 = (dz.T @ f.a2).reshape(params["W3"].shape) if bug == "w3_transposed_product" else None
    if dw3 is None:
        dw3 = f.a2.T @ dz
    db3 = dz.sum(axis=0)
    da2 = dz @ params["W3"].T
    dv2 = da2 * ((1.0 - f.a2) if bug == "tanh_derivative_wrong" else (1.0 - f.a2**2))
    y1 = params["g"] * f.n1
    dw2 = y1.T @ dv2
    if bug == "w2_entry_off_by_0.1_percent":
        dw2[OFF_ENTRY] *= 1.001
    db2 = dv2.sum(axis=0)
    dy1 = dv2 @ params["W2"].T
    dg = (dy1 * f.n1)[0] if bug == "gain_grad_first_sample" else np.sum(dy1 * f.n1, axis=0)
    gdy = params["g"] * dy1
    if bug == "rmsnorm_no_norm_term":
        da1 = gdy / f.r
    else:
        da1 = (gdy - f.n1 * np.mean(gdy * f.n1, axis=-1, keepdims=True)) / f.r
    dv1 = da1 if bug == "relu_mask_missing" else da1 * (f.v1 > 0)
    return {
        "W1": x.T @ dv1,
        "b1": dv1.sum(axis=0),
        "g": dg,
        "W2": dw2,
        "b2": db2,
        "W3": dw3,
        "b3": db3,
    }
