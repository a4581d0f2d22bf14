"""``TwoLayerNet`` (64-50-10) trained on real handwritten digits, and a learning-rate study.

* :func:`train_digits`: full-batch gradient descent with backprop on the training images
  (:func:`verifier.network.digits.digits_split`); the loss at every step, the training
  and test accuracy at the end, and the run's regime (:func:`verifier.descent.classify_run`);
* :func:`digits_study`: one run per learning rate, from one seed;
* :func:`digits_numeric_check`: the same net trained with backprop and with numeric
  gradients on a small subset for a few steps (:func:`verifier.descent.compare_training`):
  the loss curves must coincide.

The figures and tables are drawn by :mod:`verifier.report.training`.

>>> run = train_digits(lr=0.5, steps=5, hidden=8)
>>> run.losses.shape, bool(run.losses[-1] < run.losses[0])
((6,), True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from verifier.descent.run import classify_run
from verifier.descent.training import TrainingComparison, compare_training
from verifier.errors import VerifierError
from verifier.network import TwoLayerNet
from verifier.network.digits import DigitsData, digits_split

__all__ = ["DigitsRun", "DigitsStudy", "digits_numeric_check", "digits_study", "train_digits"]

#: the study's rates: too low, right, too high for full-batch descent on the digits
DIGITS_RATES = (0.02, 0.5, 2.0, 50.0)


@dataclass(frozen=True, eq=False)
class DigitsRun:
    """One training run: the loss per step, accuracies at the end, the regime and why."""

    lr: float
    hidden: int
    seed: int
    losses: np.ndarray
    train_accuracy: float
    test_accuracy: float
    regime: str
    reason: str
    sizes: tuple[int, int]

    def row(self) -> dict[str, object]:
        return {
            "lr": self.lr,
            "regime": self.regime,
            "steps": int(self.losses.size - 1),
            "start_loss": float(self.losses[0]),
            "final_loss": float(self.losses[-1]),
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class DigitsStudy:
    """Runs at several learning rates from one seed, on one split."""

    runs: tuple[DigitsRun, ...]

    @property
    def best(self) -> DigitsRun:
        """The run with the highest test accuracy."""
        return max(self.runs, key=lambda r: r.test_accuracy)

    def to_frame(self):
        """One row per rate."""
        import pandas as pd

        return pd.DataFrame([r.row() for r in self.runs])


def _check(lr: float, steps: int) -> None:
    if not math.isfinite(float(lr)) or lr <= 0:
        raise VerifierError(f"learning rate must be a positive number, got {lr!r}")
    if int(steps) != steps or steps < 1:
        raise VerifierError(f"steps must be a positive integer, got {steps!r}")


def train_digits(
    lr: float = 0.5,
    steps: int = 300,
    hidden: int = 50,
    seed: int = 0,
    data: DigitsData | None = None,
) -> DigitsRun:
    """Full-batch descent ``W <- W - lr * grad`` (backprop) on the training images.

    >>> train_digits(lr=0.5, steps=3, hidden=4).regime in ("slow", "converged", "oscillating")
    True
    """
    _check(lr, steps)
    data = digits_split(seed=seed) if data is None else data
    net = TwoLayerNet(data.x_train.shape[1], int(hidden), 10, seed=seed)
    loss = net.loss_fn(data.x_train, data.y_train)
    losses, path, norms = [], [], []
    with np.errstate(all="ignore"):
        for k in range(int(steps) + 1):
            losses.append(loss())
            path.append(np.concatenate([p.reshape(-1) for p in net.params.values()]))
            if not (np.isfinite(losses[-1]) and np.all(np.isfinite(path[-1]))):
                break
            grads = net.gradient(data.x_train, data.y_train)
            norms.append(math.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
            if k == steps:
                break
            for key, g in grads.items():
                net.params[key] -= lr * g
        finite = all(np.all(np.isfinite(p)) for p in net.params.values())
        train_acc = net.accuracy(data.x_train, data.y_train) if finite else math.nan
        test_acc = net.accuracy(data.x_test, data.y_test) if finite else math.nan
    norms += [math.nan] * (len(losses) - len(norms))
    regime, reason = classify_run(np.array(losses), np.array(path), np.array(norms))
    return DigitsRun(
        lr=float(lr),
        hidden=int(hidden),
        seed=int(seed),
        losses=np.array(losses),
        train_accuracy=float(train_acc),
        test_accuracy=float(test_acc),
        regime=regime,
        reason=reason,
        sizes=data.sizes,
    )


def digits_study(
    rates: Sequence[float] = DIGITS_RATES, steps: int = 300, hidden: int = 50, seed: int = 0
) -> DigitsStudy:
    """:func:`train_digits` at each rate, on one split, from one seed.

    >>> s = digits_study([0.5, 50.0], steps=5, hidden=4)
    >>> s.to_frame()["lr"].tolist()
    [0.5, 50.0]
    """
    if not len(rates):
        raise VerifierError("no learning rates given", hint="e.g. 0.02,0.5,2,50")
    data = digits_split(seed=seed)
    return DigitsStudy(tuple(train_digits(r, steps, hidden, seed, data) for r in rates))


def digits_numeric_check(
    samples: int = 100, steps: int = 5, lr: float = 0.5, hidden: int = 50, seed: int = 0
) -> TrainingComparison:
    """Backprop against numeric-gradient training on the first ``samples`` training images.

    >>> tc = digits_numeric_check(samples=20, steps=2, hidden=4)
    >>> tc.coincide
    True
    """
    _check(lr, steps)
    data = digits_split(seed=seed)
    x, y = data.x_train[: int(samples)], data.y_train[: int(samples)]
    return compare_training(
        (x.shape[1], int(hidden), 10), seed=seed, lr=lr, steps=int(steps), data=(x, y)
    )
