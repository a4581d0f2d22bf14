"""``TwoLayerNet``: ``input -> affine -> relu -> affine -> softmax -> cross-entropy``.

The forward pass and backpropagation of the seed's network (see :mod:`verifier.network`),
and a seeded random batch to run it on.

>>> net = TwoLayerNet(4, 3, 2, seed=0)
>>> net.n_params
23
"""

from __future__ import annotations

import numpy as np

from verifier.errors import VerifierError
from verifier.network.bugs import BACKPROP_BUGS
from verifier.network.loss import NetworkLoss, _Forward, _per_sample_loss

__all__ = ["TwoLayerNet", "random_batch"]


def random_batch(
    batch: int = 100, input_size: int = 784, output_size: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded batch: inputs uniform in [0, 1) and one-hot random labels (no download).

    >>> x, t = random_batch(3, 4, 2, seed=1)
    >>> x.shape, t.shape, t.sum(axis=1).tolist()
    ((3, 4), (3, 2), [1.0, 1.0, 1.0])
    """
    for name, value in (("batch", batch), ("input_size", input_size), ("output_size", output_size)):
        if int(value) != value or value < 1:
            raise VerifierError(f"{name} must be a positive integer, got {value!r}")
    # A stream separate from the network's weights (which use default_rng(seed)).
    rng = np.random.default_rng((int(seed), 1))
    x = rng.random((int(batch), int(input_size)))
    labels = rng.integers(0, int(output_size), size=int(batch))
    t = np.zeros((int(batch), int(output_size)))
    t[np.arange(int(batch)), labels] = 1.0
    return x, t


class TwoLayerNet:
    """``input -> affine -> relu -> affine -> softmax -> cross-entropy``, float64, seeded.

    Weights are ``0.01 * standard normal`` and biases zero (the book's initialisation),
    drawn from ``numpy.random.default_rng(seed)``.  ``params`` holds the live arrays:
    a loss callable that reads them sees in-place perturbations (the seed's convention).

    >>> net = TwoLayerNet(seed=0)
    >>> {k: v.shape for k, v in net.params.items()}
    {'W0': (784, 50), 'b0': (50,), 'W1': (50, 10), 'b1': (10,)}
    >>> net.n_params
    39760
    """

    def __init__(
        self,
        input_size: int = 784,
        hidden_size: int = 50,
        output_size: int = 10,
        seed: int = 0,
        weight_init_std: float = 0.01,
    ) -> None:
        sizes = {"input_size": input_size, "hidden_size": hidden_size, "output_size": output_size}
        for name, value in sizes.items():
            if int(value) != value or value < 1:
                raise VerifierError(
                    f"{name} must be a positive integer, got {value!r}",
                    hint="the seed's network is 784-50-10",
                )
        rng = np.random.default_rng(int(seed))
        d, hdn, c = int(input_size), int(hidden_size), int(output_size)
        self.input_size, self.hidden_size, self.output_size = d, hdn, c
        self.seed = int(seed)
        self.params: dict[str, np.ndarray] = {
            "W0": weight_init_std * rng.standard_normal((d, hdn)),
            "b0": np.zeros(hdn),
            "W1": weight_init_std * rng.standard_normal((hdn, c)),
            "b1": np.zeros(c),
        }

    def __repr__(self) -> str:
        return (
            f"TwoLayerNet({self.input_size}, {self.hidden_size}, {self.output_size}, "
            f"seed={self.seed})"
        )

    @property
    def n_params(self) -> int:
        """Number of variables: ``A*B + B + B*C + C`` (39,760 for 784-50-10)."""
        return int(sum(p.size for p in self.params.values()))

    # ------------------------------------------------------------------ input checks
    def _inputs(self, x: object) -> np.ndarray:
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != self.input_size or arr.shape[0] == 0:
            raise VerifierError(
                f"inputs x have shape {np.shape(x)}, expected (N, {self.input_size})",
                hint="one row per sample, one column per input",
            )
        if not np.all(np.isfinite(arr)):
            raise VerifierError("inputs x contain NaN or infinity")
        return arr

    def _labels(self, t: object, n: int) -> np.ndarray:
        arr = np.asarray(t)
        c = self.output_size
        if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1 and c != 1):
            labels = arr.reshape(-1)
            if labels.shape[0] != n or not np.issubdtype(labels.dtype, np.integer):
                raise VerifierError(
                    f"labels t have shape {arr.shape} and dtype {arr.dtype}, expected "
                    f"{n} integer class labels or an ({n}, {c}) one-hot array"
                )
            if labels.size and (labels.min() < 0 or labels.max() >= c):
                raise VerifierError(
                    f"labels must lie in 0..{c - 1}, got {labels.min()}..{labels.max()}"
                )
            onehot = np.zeros((n, c))
            onehot[np.arange(n), labels] = 1.0
            return onehot
        if arr.shape != (n, c):
            raise VerifierError(
                f"labels t have shape {arr.shape}, expected ({n}, {c}) (one-hot rows)",
                hint="pass integer labels or one one-hot row per sample",
            )
        out = np.asarray(arr, dtype=np.float64)
        if not np.all(np.isfinite(out)):
            raise VerifierError("labels t contain NaN or infinity")
        return out

    # ------------------------------------------------------------------ forward / backward
    def _forward(self, x: object, t: object | None = None) -> _Forward:
        xs = self._inputs(x)
        n = xs.shape[0]
        ts = self._labels(t, n) if t is not None else np.zeros((n, self.output_size))
        return self._forward_checked(xs, ts)

    def _forward_checked(self, xs: np.ndarray, ts: np.ndarray) -> _Forward:
        """The forward pass on inputs and labels already validated (float64, right shapes)."""
        p = self.params
        v = xs @ p["W0"] + p["b0"]  # (1) affine
        a = np.maximum(v, 0.0)  # (2) relu
        z = a @ p["W1"] + p["b1"]  # (3) affine
        tsum = np.sum(ts, axis=1)
        per_sample, probs = _per_sample_loss(z, ts, tsum)  # (4) softmax, (5) cross-entropy
        return _Forward(xs, ts, v, a, z, probs, tsum, per_sample)

    def predict(self, x: object) -> np.ndarray:
        """Class probabilities ``softmax(affine(relu(affine(x))))``, one row per sample.

        >>> net = TwoLayerNet(4, 3, 2)
        >>> float(net.predict(np.ones(4)).sum().round(12))
        1.0
        """
        return self._forward(x).p

    def loss(self, x: object, t: object) -> float:
        """Mean cross-entropy of the predictions against ``t`` (one-hot rows or integer labels).

        >>> net = TwoLayerNet(4, 3, 2)
        >>> round(net.loss(np.ones((1, 4)), [1]), 6)   # ~ log 2 for near-zero weights
        0.693115
        """
        return self._forward(x, t).loss

    def accuracy(self, x: object, t: object) -> float:
        """Fraction of samples whose most probable class is the label.

        >>> net = TwoLayerNet(4, 3, 2)
        >>> 0.0 <= net.accuracy(np.ones((2, 4)), [0, 1]) <= 1.0
        True
        """
        f = self._forward(x, t)
        return float(np.mean(np.argmax(f.p, axis=1) == np.argmax(f.t, axis=1)))

    def gradient(self, x: object, t: object, *, bug: str | None = None) -> dict[str, np.ndarray]:
        """The gradient of :meth:`loss` by backpropagation, keys ``W0, b0, W1, b1``.

        ``bug`` plants one mistake from :data:`BACKPROP_BUGS` (for demonstrations
        and for testing the gradient check).

        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> g = net.gradient(x, t)
        >>> bool(abs(g["b1"].sum()) < 1e-15)   # softmax gradients sum to zero
        True
        """
        if bug is not None and bug not in BACKPROP_BUGS:
            raise VerifierError(
                f"unknown backprop bug {bug!r}", hint="one of: " + ", ".join(BACKPROP_BUGS)
            )
        f = self._forward(x, t)
        n = f.x.shape[0]
        w1 = self.params["W1"]
        # softmax-with-loss backward: d/dz of mean(tsum*lse - t.z) = (p*tsum - t) / N
        dz = f.p * f.tsum[:, None] - f.t
        if bug != "softmax_grad_not_divided_by_n":
            dz = dz / n
        # the transposed product dz.T @ a has shape (C, H); the bug reshapes it to fit W1
        dw1 = (dz.T @ f.a).reshape(w1.shape) if bug == "w1_grad_transposed" else f.a.T @ dz
        db1 = dz[0].copy() if bug == "bias_grad_not_summed" else np.sum(dz, axis=0)
        da = dz @ w1.T
        dv = da if bug == "missing_relu_mask" else da * (f.v > 0)
        dw0 = f.x.T @ dv
        db0 = dv[0].copy() if bug == "bias_grad_not_summed" else np.sum(dv, axis=0)
        if bug == "dw0_entry_doubled":
            dw0[self.input_size // 2, self.hidden_size // 2] *= 2.0
        if bug == "db1_off_by_0.1_percent":
            db1 = db1 * 1.001
        return {"W0": dw0, "b0": db0, "W1": dw1, "b1": db1}

    def loss_fn(self, x: object, t: object) -> NetworkLoss:
        """A no-argument loss callable reading ``params`` in place, with structured perturbations.

        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> f = net.loss_fn(x, t)
        >>> f() == net.loss(x, t)
        True
        """
        xs = self._inputs(x)
        return NetworkLoss(self, xs, self._labels(t, xs.shape[0]))
