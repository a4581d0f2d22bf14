"""The seed's two-layer network and its backpropagation (sections 8-10 of the lecture).

Steps, in the lecture's order::

    (1) v = x @ W0 + b0        affine   (W0: input x hidden, b0: hidden)
    (2) a = relu(v)
    (3) z = a @ W1 + b1        affine   (W1: hidden x output, b1: output)
    (4) y = softmax(z)
    (5) loss = cross-entropy of y against the labels t, averaged over the batch

The loss is computed as ``logsumexp(z) - t . z`` per sample (the same number as
``-sum t log softmax(z)``, without the book's ``log(y + 1e-7)`` fudge, which
would make the exact gradient differ from ``(y - t) / N`` by about 1e-6 and so
hide real bugs of that size).

:meth:`TwoLayerNet.loss_fn` returns a :class:`NetworkLoss`: calling it gives the
loss (like ``lambda: net.loss(x, t)``), and :meth:`NetworkLoss.perturbed` gives
the losses at ``+h`` and ``-h`` for every element of one parameter tensor at
once, from the structure of the network (perturbing ``W0[i, j]`` changes only
hidden unit ``j``; ``W1[j, c]`` and ``b1[c]`` move one logit column).

Planted backprop bugs, for teaching and for testing the checker, are data in
:data:`BACKPROP_BUGS`; ``net.gradient(x, t, bug=name)`` computes the gradient
with that one mistake.

>>> net = TwoLayerNet(4, 3, 2, seed=0)
>>> x, t = random_batch(5, 4, 2, seed=0)
>>> round(net.loss(x, t), 6)
0.693148
>>> sorted(net.gradient(x, t))
['W0', 'W1', 'b0', 'b1']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verifier.errors import VerifierError

__all__ = [
    "BACKPROP_BUGS",
    "BackpropBug",
    "NetworkLoss",
    "TwoLayerNet",
    "random_batch",
]

PARAM_KEYS = ("W0", "b0", "W1", "b1")

# Elements per temporary array in NetworkLoss.perturbed: about 0.5 MB of float64, so the
# (inputs x samples) slabs stay in cache; measured faster than one large slab per unit.
_CHUNK_ELEMENTS = 1 << 16


@dataclass(frozen=True)
class BackpropBug:
    """A deliberate backpropagation mistake: its name, the tensors it corrupts, what it does."""

    name: str
    tensors: tuple[str, ...]
    description: str


#: Real, plausible backprop mistakes.  Each row names the gradient tensors it corrupts;
#: ``TwoLayerNet.gradient(x, t, bug=name)`` applies it.
BACKPROP_BUGS: dict[str, BackpropBug] = {
    bug.name: bug
    for bug in (
        BackpropBug(
            "missing_relu_mask",
            ("W0", "b0"),
            "the ReLU backward pass lets the gradient through where v <= 0 (no mask)",
        ),
        BackpropBug(
            "softmax_grad_not_divided_by_n",
            ("W0", "b0", "W1", "b1"),
            "softmax-with-loss backward returns y - t instead of (y - t) / N",
        ),
        BackpropBug(
            "bias_grad_not_summed",
            ("b0", "b1"),
            "bias gradients taken from the first sample (dout[0]) instead of summed over the batch",
        ),
        BackpropBug(
            "w1_grad_transposed",
            ("W1",),
            "dW1 computed as dz.T @ a (output x hidden) and reshaped to W1's shape",
        ),
        BackpropBug(
            "dw0_entry_doubled",
            ("W0",),
            "one entry of dW0, at (input // 2, hidden // 2), is accumulated twice",
        ),
        BackpropBug(
            "db1_off_by_0.1_percent",
            ("b1",),
            "db1 is 0.1% too large (torch.autograd.gradcheck's rtol=1e-3 lets this pass)",
        ),
    )
}


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


def _per_sample_loss(
    z: np.ndarray, t: np.ndarray, tsum: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``tsum * logsumexp(z) - t . z`` per row (stable), and ``softmax(z)``."""
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    s = np.sum(e, axis=1, keepdims=True)
    lse = m[:, 0] + np.log(s[:, 0])
    return tsum * lse - np.sum(t * z, axis=1), e / s


def _mean_loss(z: np.ndarray, t: np.ndarray, tsum: np.ndarray) -> float:
    return float(np.mean(_per_sample_loss(z, t, tsum)[0]))


@dataclass(frozen=True, eq=False)
class _Forward:
    """Intermediate values of one forward pass (what backprop and the perturbations need)."""

    x: np.ndarray  # (N, D)
    t: np.ndarray  # (N, C)
    v: np.ndarray  # (N, H) pre-activation
    a: np.ndarray  # (N, H) relu(v)
    z: np.ndarray  # (N, C) logits
    p: np.ndarray  # (N, C) softmax(z)
    tsum: np.ndarray  # (N,) sum of each label row (1 for one-hot)
    per_sample: np.ndarray  # (N,) loss of each sample

    @property
    def loss(self) -> float:
        return float(np.mean(self.per_sample))


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
        >>> net.predict(np.ones(4)).sum().round(12)
        np.float64(1.0)
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


class NetworkLoss:
    """``NetworkLoss(net, x, t)()`` is ``net.loss(x, t)``; it also knows its perturbations.

    * :meth:`perturbed` ``(key, h)`` -> ``(f_plus, f_minus)``: the loss with one element
      of ``params[key]`` moved by ``+h`` and by ``-h``, for every element, as arrays of
      the parameter's shape.  Each perturbation is the one the seed's loop applies
      (``(w + h) - w`` after rounding), so the central differences agree with it.
    * :meth:`kinks` ``(key, h)`` -> boolean mask of the elements whose ``+-h``
      perturbation flips a ReLU for some sample (``|v| < h |x|``): there the central
      difference straddles a kink and says nothing about the derivative.
    * :meth:`along` ``(key, directions, h)`` -> for each direction, the losses with the
      whole tensor moved by ``+-h * direction`` and whether that move flips a ReLU.
    """

    def __init__(self, net: TwoLayerNet, x: np.ndarray, t: np.ndarray) -> None:
        self.net = net
        self.x = x
        self.t = t
        self.params = net.params

    def __call__(self) -> float:
        return self.net._forward_checked(self.x, self.t).loss

    def __repr__(self) -> str:
        return f"NetworkLoss({self.net!r}, batch={self.x.shape[0]})"

    def _param(self, key: str) -> np.ndarray:
        if key not in PARAM_KEYS:
            raise VerifierError(
                f"unknown parameter {key!r}", hint="TwoLayerNet parameters: W0, b0, W1, b1"
            )
        return self.params[key]

    def perturbed(self, key: str, h: float) -> tuple[np.ndarray, np.ndarray]:
        """Losses at ``+h`` and ``-h`` for every element of ``params[key]``.

        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> fp, fm = net.loss_fn(x, t).perturbed("b1", 1e-4)
        >>> net.params["b1"][0] += 1e-4
        >>> bool(abs(fp[0] - net.loss(x, t)) < 1e-15)
        True
        """
        param = self._param(key)
        f = self.net._forward_checked(self.x, self.t)
        base = f.loss
        # The exact perturbations the in-place loop applies: (w + h) - w, (w - h) - w.
        d_plus = (param + h) - param
        d_minus = (param - h) - param
        delta = {
            "W0": self._delta_w0,
            "b0": self._delta_b0,
            "W1": self._delta_w1,
            "b1": self._delta_b1,
        }[key]
        return base + delta(f, d_plus), base + delta(f, d_minus)

    # Loss change of sample n when its logits move by u:  tsum * log(sum_c p_c e^{u_c}) - t.u
    # (log-sum-exp shifts by exactly that, because softmax sums to one); computed with
    # log1p/expm1 so small changes keep their digits.
    @staticmethod
    def _delta_w1(f: _Forward, d: np.ndarray) -> np.ndarray:
        # W1[j, c] moves logit c of sample n by d[j, c] * a[n, j]
        u = d[:, :, None] * f.a.T[:, None, :]  # (H, C, N)
        pc = f.p.T[None, :, :]  # (1, C, N)
        tc = f.t.T[None, :, :]
        dl = f.tsum * np.log1p(pc * np.expm1(u)) - tc * u
        return np.sum(dl, axis=2) / f.x.shape[0]

    @staticmethod
    def _delta_b1(f: _Forward, d: np.ndarray) -> np.ndarray:
        u = d[:, None]  # (C, 1): b1[c] moves logit c of every sample by d[c]
        dl = f.tsum * np.log1p(f.p.T * np.expm1(u)) - f.t.T * u
        return np.sum(dl, axis=1) / f.x.shape[0]

    def _delta_b0(self, f: _Forward, d: np.ndarray) -> np.ndarray:
        w1 = self.params["W1"]
        s = np.maximum(f.v + d, 0.0) - f.a  # (N, H) change of hidden unit j
        q = np.zeros_like(s)
        for c in range(w1.shape[1]):
            q += f.p[:, c : c + 1] * np.expm1(s * w1[:, c])
        dl = f.tsum[:, None] * np.log1p(q) - s * (f.t @ w1.T)
        return np.sum(dl, axis=0) / f.x.shape[0]

    def _delta_w0(self, f: _Forward, d: np.ndarray) -> np.ndarray:
        w1 = self.params["W1"]
        x = f.x
        n, n_in = x.shape
        out = np.zeros(d.shape)
        xmax = np.max(np.abs(x), axis=1)  # (N,)
        tw = f.t @ w1.T  # (N, H): t_n . W1[j]
        for j in range(d.shape[1]):
            dj = d[:, j]
            # Only samples where unit j is active, or can become active under the largest
            # perturbation, change the loss; the others contribute exactly zero.
            reach = float(np.max(np.abs(dj))) * xmax
            rows = np.flatnonzero(f.v[:, j] + reach > 0)
            if rows.size == 0:
                continue
            xt = x[rows].T  # (D, Ns)
            vj, aj = f.v[rows, j], f.a[rows, j]
            pj, tsj, twj = f.p[rows], f.tsum[rows], tw[rows, j]
            wj = w1[j]
            step = max(1, _CHUNK_ELEMENTS // rows.size)
            for lo in range(0, n_in, step):
                hi = min(n_in, lo + step)
                s = np.maximum(vj + dj[lo:hi, None] * xt[lo:hi], 0.0)
                s -= aj  # (Dc, Ns) change of hidden unit j for each input i and sample
                q = np.zeros_like(s)
                e = np.empty_like(s)
                for c in range(wj.shape[0]):
                    np.multiply(s, wj[c], out=e)
                    np.expm1(e, out=e)
                    e *= pj[:, c]
                    q += e
                np.log1p(q, out=q)
                q *= tsj
                q -= s * twj
                out[lo:hi, j] = np.sum(q, axis=1) / n
        return out

    def along(
        self, key: str, directions: np.ndarray, h: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each direction ``d`` in ``directions`` (shape ``(k, *params[key].shape)``):
        the loss with the whole tensor moved by ``+h d``, by ``-h d``, and whether that
        move flips a ReLU for some sample (then the central difference is meaningless).

        Reuses the unperturbed forward pass, and moves all directions in one matrix
        product (the ``fast`` mode's directional derivatives).

        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> d = np.ones((1, 3, 2))
        >>> fp, fm, kink = net.loss_fn(x, t).along("W1", d, 1e-3)
        >>> net.params["W1"] += 1e-3 * d[0]
        >>> bool(abs(fp[0] - net.loss(x, t)) < 1e-15), kink.tolist()
        (True, [False])
        """
        param = self._param(key)
        dirs = np.asarray(directions, dtype=np.float64)
        if dirs.shape[1:] != param.shape:
            dirs = dirs.reshape((-1, *param.shape))
        k = dirs.shape[0]
        f = self.net._forward_checked(self.x, self.t)
        w1, b1 = self.params["W1"], self.params["b1"]
        kink = np.zeros(k, dtype=bool)
        if key == "W0":
            n_in, n_hidden = param.shape
            # x @ d for all k directions in one product: (N, D) @ (D, k*H)
            shift = (self.x @ dirs.transpose(1, 0, 2).reshape(n_in, k * n_hidden)).reshape(
                -1, k, n_hidden
            )
            shift = h * shift.transpose(1, 0, 2)  # (k, N, H)
        elif key == "b0":
            shift = h * dirs[:, None, :]  # (k, 1, H)
        if key in ("W0", "b0"):
            kink = np.any(np.abs(f.v)[None] < np.abs(shift), axis=(1, 2))
        plus, minus = np.empty(k), np.empty(k)
        for i in range(k):
            for sign, out in ((1.0, plus), (-1.0, minus)):
                if key in ("W0", "b0"):
                    z = np.maximum(f.v + sign * shift[i], 0.0) @ w1 + b1
                elif key == "W1":
                    z = f.a @ (w1 + sign * h * dirs[i]) + b1
                else:
                    z = f.a @ w1 + (b1 + sign * h * dirs[i])
                out[i] = _mean_loss(z, f.t, f.tsum)
        return plus, minus, kink

    def kinks(self, key: str, h: float) -> np.ndarray:
        """Elements whose ``+-h`` perturbation flips a ReLU for at least one sample.

        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> net.loss_fn(x, t).kinks("W1", 1e-4).any()
        np.False_
        """
        param = self._param(key)
        if key in ("W1", "b1"):
            return np.zeros(param.shape, dtype=bool)
        v = self.x @ self.params["W0"] + self.params["b0"]  # (N, H) pre-activations
        hmax = np.maximum(np.abs((param + h) - param), np.abs((param - h) - param))
        absv = np.abs(v)
        if key == "b0":
            return np.any(absv < hmax, axis=0)
        absx = np.abs(self.x)  # (N, D)
        mask = np.zeros(param.shape, dtype=bool)
        for j in range(param.shape[1]):
            # |v[n, j]| < h |x[n, i]| for some n
            mask[:, j] = np.any(absv[:, j] < hmax[:, j, None] * absx.T, axis=1)
        return mask
