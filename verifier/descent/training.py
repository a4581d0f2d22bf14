"""``TwoLayerNet`` trained twice from one seed: with backprop and with numeric gradients.

The two loss curves should coincide, and at every step the numeric-trained net's
backprop gradient is checked against its numeric gradient (:func:`verifier.gradcheck.gradcheck`,
``full`` mode, kinks excluded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from verifier.compare import compare
from verifier.errors import VerifierError
from verifier.gradcheck import gradcheck
from verifier.network import TwoLayerNet, random_batch
from verifier.policy import POLICY

__all__ = ["TrainingComparison", "compare_training"]


@dataclass(frozen=True, eq=False)
class TrainingComparison:
    """``TwoLayerNet`` trained twice from one seed: with backprop and with numeric gradients."""

    sizes: tuple[int, int, int]
    batch: int
    seed: int
    lr: float
    losses_analytic: np.ndarray
    losses_numeric: np.ndarray
    gradcheck_verdicts: np.ndarray  # per step: backprop vs numeric on the numeric-trained net
    kinks: np.ndarray  # per step
    # The curves are not identical to round-off: at ReLU kinks the central difference is
    # not the derivative (errors up to ~1e-4 absolute on a few hundred W0 entries), so the
    # numeric-trained net drifts by ~1e-6..1e-5 relative in loss over a few steps at
    # lr = 0.1; 1e-4 allows that and still flags a real disagreement.
    rtol: float = POLICY["training"].rtol

    @property
    def coincide(self) -> bool:
        """The two loss curves agree to ``rtol`` at every step (the one comparator)."""
        return compare(self.losses_numeric, self.losses_analytic, rtol=self.rtol, atol=0.0).ok

    @property
    def max_gap(self) -> float:
        return compare(self.losses_numeric, self.losses_analytic, rtol=self.rtol).max_rel_error

    @property
    def gradcheck_passed(self) -> np.ndarray:
        """Per step: True where the gradient check passed."""
        return self.gradcheck_verdicts == "pass"

    @property
    def passed(self) -> bool:
        """The curves coincide and the gradient check passed at every step."""
        return self.coincide and bool(np.all(self.gradcheck_passed))

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "step": np.arange(self.losses_analytic.size),
                "loss_backprop": self.losses_analytic,
                "loss_numeric": self.losses_numeric,
                "rel_gap": compare(
                    self.losses_numeric, self.losses_analytic, rtol=self.rtol
                ).rel_error,
                "gradcheck": self.gradcheck_verdicts,
                "kinks": self.kinks,
            }
        )


def compare_training(
    sizes: tuple[int, int, int] = (784, 50, 10),
    batch: int = 100,
    seed: int = 0,
    lr: float = 0.1,
    steps: int = 5,
    *,
    h: float = 1e-4,
    data: tuple[np.ndarray, np.ndarray] | None = None,
) -> TrainingComparison:
    """Train two identical nets ``steps`` steps, one with backprop, one with numeric gradients.

    At every step the numeric-trained net's backprop gradient is checked against its
    numeric gradient (:func:`verifier.gradcheck.gradcheck`, ``full`` mode, kinks excluded).
    ``data=(x, t)`` trains on given samples (e.g. digits) instead of a seeded random batch.

    >>> tc = compare_training((8, 5, 3), batch=6, steps=3, lr=0.5)
    >>> tc.coincide, bool(tc.losses_analytic[-1] < tc.losses_analytic[0])
    (True, True)
    """
    if not math.isfinite(float(lr)) or lr <= 0:
        raise VerifierError(f"learning rate must be a positive number, got {lr!r}")
    if int(steps) != steps or steps < 0:
        raise VerifierError(f"steps must be a non-negative integer, got {steps!r}")
    d, hdn, c = (int(s) for s in sizes)
    by_backprop = TwoLayerNet(d, hdn, c, seed=seed)
    by_numeric = TwoLayerNet(d, hdn, c, seed=seed)
    if data is None:
        x, t = random_batch(batch, d, c, seed=seed)
    else:
        given = by_backprop.loss_fn(*data)  # validated: float64 inputs, one-hot labels
        x, t = given.x, given.t
        batch = x.shape[0]
    la, ln, verdicts, kinks = [], [], [], []
    for k in range(int(steps) + 1):
        la.append(by_backprop.loss(x, t))
        loss_n = by_numeric.loss_fn(x, t)
        ln.append(loss_n())
        check = gradcheck(loss_n, by_numeric.params, by_numeric.gradient(x, t), h=h, mode="full")
        verdicts.append(check.verdict)
        kinks.append(check.n_kinks)
        if k == steps:
            break
        grads_a = by_backprop.gradient(x, t)
        numeric = {tc.name: tc.numeric.reshape(tc.shape) for tc in check.tensors}
        for key in by_backprop.params:
            by_backprop.params[key] -= lr * grads_a[key]
            by_numeric.params[key] -= lr * numeric[key]
    return TrainingComparison(
        sizes=(d, hdn, c),
        batch=int(batch),
        seed=int(seed),
        lr=float(lr),
        losses_analytic=np.array(la),
        losses_numeric=np.array(ln),
        gradcheck_verdicts=np.array(verdicts, dtype=str),
        kinks=np.array(kinks, dtype=int),
    )
