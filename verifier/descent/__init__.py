"""Gradient descent with both gradients checked at every step, learning-rate studies, and
the seed's network trained with backprop and with numeric gradients.

* :mod:`verifier.descent.run`: :func:`descend`, :class:`DescentRun`, :func:`classify_run`;
* :mod:`verifier.descent.study`: :func:`learning_rate_study`, :class:`LearningRateStudy`;
* :mod:`verifier.descent.training`: :func:`compare_training`, :class:`TrainingComparison`;
* :mod:`verifier.descent.objective`: f, its gradients and third derivatives.

Jobs return records with ``to_frame()``; the figures and files are drawn and written by
:mod:`verifier.report.descent`.

>>> run = descend("x0^2 + x1^2", [3, 4], lr=0.1, steps=50)
>>> run.regime, run.check_verdict
('converged', 'pass')
"""

from __future__ import annotations

from verifier.descent.run import DescentRun, classify_run, descend
from verifier.descent.study import LearningRateStudy, learning_rate_study
from verifier.descent.training import TrainingComparison, compare_training

__all__ = [
    "DescentRun",
    "LearningRateStudy",
    "TrainingComparison",
    "classify_run",
    "compare_training",
    "descend",
    "learning_rate_study",
]
