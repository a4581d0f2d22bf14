"""The network's loss as a callable that knows its own perturbations.

:class:`NetworkLoss` is what :meth:`verifier.network.TwoLayerNet.loss_fn` returns.
Calling it gives the loss; from the structure of the network it also gives, without a
loop over the elements, what a gradient check needs:

* :meth:`NetworkLoss.shifted`: the losses with one element moved by given
  displacements, for every element of a tensor (the ``full`` mode);
* :meth:`NetworkLoss.along`: the losses with a whole tensor moved along given
  directions (the ``fast`` mode), and whether a move flips a ReLU;
* :meth:`NetworkLoss.kinks`: the elements whose step flips a ReLU;
* :meth:`NetworkLoss.third_derivative_bound`: a bound on ``|d^3 L / ds^3|`` along each
  element or direction, for the central difference's truncation bound.

The finite differences themselves are formed by :mod:`verifier.numeric.estimate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from verifier.errors import VerifierError

if TYPE_CHECKING:
    from verifier.network.model import TwoLayerNet

__all__ = ["PARAM_KEYS", "NetworkLoss"]

PARAM_KEYS = ("W0", "b0", "W1", "b1")

# Elements per temporary array in NetworkLoss.perturbed: about 0.5 MB of float64, so the
# (inputs x samples) slabs stay in cache; measured faster than one large slab per unit.
_CHUNK_ELEMENTS = 1 << 16
#: ``max |s| * spread(W1[j])`` up to which the loss change of a sample that stays active is
#: summed as a fourth-order cumulant series (remainder ~ (1e-3)^5 / 120, below round-off)
_SERIES_LIMIT = 1e-3

#: ``max |E (X - E X)^3|`` over distributions on an interval of length 1: 1 / (6 sqrt 3),
#: attained by two points with weights (3 -+ sqrt 3) / 6.  The third derivative of
#: log-sum-exp along a logit direction ``u`` is that moment of ``u`` under softmax, so it is
#: at most ``_C3 * (max u - min u)^3``.
_C3 = 1.0 / (6.0 * math.sqrt(3.0))


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


class NetworkLoss:
    """``NetworkLoss(net, x, t)()`` is ``net.loss(x, t)``; it also knows its perturbations.

    * :meth:`shifted` ``(key, d)``: the loss with one element of ``params[key]`` moved by
      ``d[..., k]``, for every element and every ``k`` (the parameter's shape plus one axis).
    * :meth:`perturbed` ``(key, h)`` -> ``(f_plus, f_minus)``: the same at the steps the
      seed's loop applies, ``(w + h) - w`` and ``(w - h) - w`` after rounding.
    * :meth:`kinks` ``(key, h)`` -> boolean mask of the elements whose ``+-h``
      perturbation flips a ReLU for some sample (``|v| < h |x|``): there the central
      difference straddles a kink and says nothing about the derivative.
    * :meth:`along` ``(key, directions, steps)`` -> for each direction, the losses with the
      whole tensor moved by ``steps * direction`` and whether a move flips a ReLU.
    * :meth:`third_derivative_bound` ``(key, directions=None)``: a bound on the third
      derivative of the loss along each element (or direction), where no ReLU flips.
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

    def _delta(self, key: str):
        return {
            "W0": self._delta_w0,
            "b0": self._delta_b0,
            "W1": self._delta_w1,
            "b1": self._delta_b1,
        }[key]

    def shifted(self, key: str, d: np.ndarray) -> np.ndarray:
        """Losses with one element of ``params[key]`` moved by ``d[..., k]``, every element.

        ``d`` has the parameter's shape plus a last axis (one displacement per stencil
        offset, as :func:`verifier.numeric.estimate.finite_difference` passes them); the
        result has the shape of ``d``.  One forward pass serves every element.

        >>> from verifier.network import TwoLayerNet, random_batch
        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> values = net.loss_fn(x, t).shifted("b1", np.array([[1e-4], [0.0]]))
        >>> net.params["b1"][0] += 1e-4
        >>> values.shape, bool(abs(values[0, 0] - net.loss(x, t)) < 1e-15)
        ((2, 1), True)
        """
        param = self._param(key)
        dd = np.asarray(d, dtype=np.float64)
        if dd.ndim != param.ndim + 1 or dd.shape[:-1] != param.shape:
            raise VerifierError(
                f"displacements for {key!r} have shape {dd.shape}; expected {param.shape} "
                "plus one axis of offsets"
            )
        f = self.net._forward_checked(self.x, self.t)
        delta = self._delta(key)
        out = np.empty(dd.shape)
        for k in range(dd.shape[-1]):
            out[..., k] = f.loss + delta(f, np.ascontiguousarray(dd[..., k]))
        return out

    def perturbed(self, key: str, h: float) -> tuple[np.ndarray, np.ndarray]:
        """Losses at ``+h`` and ``-h`` for every element of ``params[key]``.

        >>> from verifier.network import TwoLayerNet, random_batch
        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> fp, fm = net.loss_fn(x, t).perturbed("b1", 1e-4)
        >>> net.params["b1"][0] += 1e-4
        >>> bool(abs(fp[0] - net.loss(x, t)) < 1e-15)
        True
        """
        param = self._param(key)
        # the exact perturbations the in-place loop applies: (w + h) - w, (w - h) - w
        values = self.shifted(key, np.stack([(param + h) - param, (param - h) - param], -1))
        return values[..., 0], values[..., 1]

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

    def _series_w0(self, f: _Forward, d: np.ndarray, far: np.ndarray, tw: np.ndarray):
        """The loss change from the samples ``far`` from unit j's kink, as a series.

        There ``s = d x`` exactly (the unit stays active), and sample n's change is
        ``tsum log E_p[e^(s w)] - s tw``: the cumulant series ``k1 s + k2 s^2/2 + k3 s^3/6 +
        k4 s^4/24`` of ``w = W1[j]`` under softmax ``p_n``, whose remainder ``O((s
        spread(w))^5)`` is below round-off where :data:`_SERIES_LIMIT` holds.  Summed over the
        samples it is four matrix products.
        """
        w1 = self.params["W1"]
        k1 = f.p @ w1.T  # (N, H)
        dev = w1[None, :, :] - k1[:, :, None]  # (N, H, C)
        pc = f.p[:, None, :]
        m2, m3, m4 = (np.sum(pc * dev**m, axis=2) for m in (2, 3, 4))
        ts = f.tsum[:, None]
        coefs = (ts * k1 - tw, ts * m2 / 2, ts * m3 / 6, ts * (m4 - 3 * m2 * m2) / 24)
        out = np.zeros(d.shape)
        for m in range(4, 0, -1):  # Horner in d: ((c4 d + c3) d + c2) d + c1) d
            out = (out + (f.x**m).T @ np.where(far, coefs[m - 1], 0.0)) * d
        return out / f.x.shape[0]

    def _delta_w0(self, f: _Forward, d: np.ndarray) -> np.ndarray:
        w1 = self.params["W1"]
        x = f.x
        n, n_in = x.shape
        xmax = np.max(np.abs(x), axis=1)  # (N,)
        tw = f.t @ w1.T  # (N, H): t_n . W1[j]
        dmax = np.max(np.abs(d), axis=0)  # (H,)
        # samples active for unit j and beyond the reach of every step: a cumulant series
        series = dmax * float(np.max(xmax)) * np.ptp(w1, axis=1) <= _SERIES_LIMIT
        far = (f.v > xmax[:, None] * dmax[None, :]) & series[None, :]
        out = self._series_w0(f, d, far, tw) if far.any() else np.zeros(d.shape)
        for j in range(d.shape[1]):
            dj = d[:, j]
            # The rest exactly: samples near unit j's kink, that can change the loss (active,
            # or can become active under the largest step); the others contribute zero.
            reach = float(dmax[j]) * xmax
            rows = np.flatnonzero((f.v[:, j] + reach > 0) & ~far[:, j])
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
                out[lo:hi, j] += np.sum(q, axis=1) / n
        return out

    def _unit_shift(self, key: str, dirs: np.ndarray) -> np.ndarray | None:
        """Pre-activation change per unit step along each direction, ``(k, N, H)``."""
        if key == "W0":
            k, (n_in, n_hidden) = dirs.shape[0], dirs.shape[1:]
            # x @ d for all k directions in one product: (N, D) @ (D, k*H)
            prod = self.x @ dirs.transpose(1, 0, 2).reshape(n_in, k * n_hidden)
            return prod.reshape(-1, k, n_hidden).transpose(1, 0, 2)
        if key == "b0":
            return dirs[:, None, :]
        return None

    def _directions(self, key: str, directions: np.ndarray) -> np.ndarray:
        param = self._param(key)
        dirs = np.asarray(directions, dtype=np.float64)
        return dirs if dirs.shape[1:] == param.shape else dirs.reshape((-1, *param.shape))

    def along(
        self, key: str, directions: np.ndarray, steps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Losses with the whole of ``params[key]`` moved by ``steps[i, k] * directions[i]``.

        ``directions`` has shape ``(n, *params[key].shape)``, ``steps`` broadcasts to
        ``(n, m)`` (one row of displacements per direction).  Returns the losses ``(n, m)``;
        per direction, whether one of its moves flips a ReLU for some sample (then a
        difference along it says nothing about the derivative); and per direction
        :meth:`third_derivative_bound`.  Reuses one forward pass and moves all directions
        in one matrix product (the ``fast`` mode).

        >>> from verifier.network import TwoLayerNet, random_batch
        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> d = np.ones((1, 3, 2))
        >>> values, kink, _ = net.loss_fn(x, t).along("W1", d, [[1e-3, -1e-3]])
        >>> net.params["W1"] += 1e-3 * d[0]
        >>> bool(abs(values[0, 0] - net.loss(x, t)) < 1e-15), kink.tolist()
        (True, [False])
        """
        dirs = self._directions(key, directions)
        n = dirs.shape[0]
        s = np.asarray(steps, dtype=np.float64)
        s = np.broadcast_to(s if s.ndim == 2 else s.reshape(1, -1), (n, s.shape[-1]))
        f = self.net._forward_checked(self.x, self.t)
        w1, b1 = self.params["W1"], self.params["b1"]
        shift = self._unit_shift(key, dirs)
        kink = np.zeros(n, dtype=bool)
        if shift is not None:
            reach = np.max(np.abs(s), axis=1)[:, None, None] * np.abs(shift)
            kink = np.any(np.abs(f.v)[None] < reach, axis=(1, 2))
        values = np.empty(s.shape)
        for i in range(n):
            for k in range(s.shape[1]):
                if shift is not None:
                    z = np.maximum(f.v + s[i, k] * shift[i], 0.0) @ w1 + b1
                elif key == "W1":
                    z = f.a @ (w1 + s[i, k] * dirs[i]) + b1
                else:
                    z = f.a @ w1 + (b1 + s[i, k] * dirs[i])
                values[i, k] = _mean_loss(z, f.t, f.tsum)
        return values, kink, self._direction_bound(key, dirs, f, shift)

    def third_derivative_bound(self, key: str, directions: np.ndarray | None = None) -> np.ndarray:
        """A bound on ``|d^3 L / ds^3|`` along each element of ``params[key]`` (or direction).

        Valid on every move that flips no ReLU (kinks are judged apart): moving by ``s``
        changes sample ``n``'s logits by ``s u_n`` (``u_n`` fixed while the active units
        stay active), and the third derivative of ``tsum * logsumexp(z) - t . z`` along
        ``u`` is ``tsum`` times the third central moment of ``u`` under softmax, at most
        ``tsum / (6 sqrt 3) * (max u - min u)^3``.  Averaged over the batch.

        >>> from verifier.network import TwoLayerNet, random_batch
        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> bound = net.loss_fn(x, t).third_derivative_bound("b1")
        >>> bound.shape, bool(np.all(bound <= 0.1))
        ((2,), True)
        """
        param = self._param(key)
        f = self.net._forward_checked(self.x, self.t)
        w1 = self.params["W1"]
        n = self.x.shape[0]
        if directions is not None:
            dirs = self._directions(key, directions)
            return self._direction_bound(key, dirs, f, self._unit_shift(key, dirs))
        if key == "b1":  # u = e_c: spread 1 (0 with one class)
            return np.full(param.shape, _C3 * np.mean(f.tsum) * (param.size > 1))
        if key == "W1":  # u = a[n, j] e_c
            per_unit = _C3 * np.mean(f.tsum[:, None] * f.a**3, axis=0) * (w1.shape[1] > 1)
            return np.broadcast_to(per_unit[:, None], param.shape).copy()
        spread3 = np.ptp(w1, axis=1) ** 3  # u = rate * W1[j]
        active = (f.v > 0) * f.tsum[:, None]  # (N, H)
        if key == "b0":
            return _C3 * spread3 * np.mean(active, axis=0)
        ax = np.abs(self.x)
        return _C3 * spread3 * ((ax * ax * ax).T @ active) / n  # W0: rate x[n, i]

    def _direction_bound(
        self, key: str, dirs: np.ndarray, f: _Forward, shift: np.ndarray | None
    ) -> np.ndarray:
        w1 = self.params["W1"]
        if shift is not None:  # hidden-unit rates of the active units, then logits
            u = (shift * (f.v > 0)[None]) @ w1
        elif key == "W1":
            u = np.matmul(f.a[None], dirs)  # (k, N, C)
        else:
            u = np.broadcast_to(dirs[:, None, :], (dirs.shape[0], f.x.shape[0], dirs.shape[1]))
        spread = np.ptp(u, axis=2) if u.shape[2] else np.zeros(u.shape[:2])
        return _C3 * np.mean(f.tsum * spread**3, axis=1)

    def kinks(self, key: str, h: float) -> np.ndarray:
        """Elements whose ``+-h`` perturbation flips a ReLU for at least one sample.

        >>> from verifier.network import TwoLayerNet, random_batch
        >>> net = TwoLayerNet(4, 3, 2)
        >>> x, t = random_batch(2, 4, 2)
        >>> bool(net.loss_fn(x, t).kinks("W1", 1e-4).any())
        False
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
