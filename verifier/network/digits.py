"""Real handwritten digits for the seed's network: scikit-learn's ``load_digits``.

1,797 images of 8x8 pixels (values 0..16), labels 0..9, shipped inside the scikit-learn
wheel (no download at run time).  :func:`digits_split` scales the pixels to [0, 1] and
splits the images into a training and a test set with a seeded permutation.

>>> data = digits_split(seed=0)
>>> data.x_train.shape, data.x_test.shape, float(data.x_train.max())
((1348, 64), (449, 64), 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verifier.errors import VerifierError

__all__ = ["DigitsData", "digits_split"]


@dataclass(frozen=True, eq=False)
class DigitsData:
    """Training and test images (rows of 64 pixels in [0, 1]) and integer labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    seed: int

    @property
    def sizes(self) -> tuple[int, int]:
        """``(training images, test images)``."""
        return int(self.y_train.size), int(self.y_test.size)


def digits_split(test_fraction: float = 0.25, seed: int = 0) -> DigitsData:
    """The digits, pixels scaled to [0, 1], split by a seeded permutation.

    >>> digits_split(0.5, seed=1).sizes
    (899, 898)
    """
    if not 0.0 < float(test_fraction) < 1.0:
        raise VerifierError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = np.asarray(digits.data, dtype=np.float64) / 16.0
    y = np.asarray(digits.target, dtype=np.int64)
    order = np.random.default_rng((int(seed), 3)).permutation(y.size)
    n_test = int(round(float(test_fraction) * y.size))
    test, train = order[:n_test], order[n_test:]
    return DigitsData(x[train], y[train], x[test], y[test], int(seed))
