"""Gradient check for any dict of parameter arrays and their claimed gradients.

``gradcheck(loss, params, grads)`` estimates every (or a sample of) partial
derivative by central differences (``STENCILS["central"]`` applied by
:func:`verifier.numeric.estimate.finite_difference`; the seed's in-place loop,
:func:`verifier.numeric.estimate.nditer_gradient`, is the reference) and judges the
gap to the claimed gradient under the policy's ``gradient`` row
(:mod:`verifier.gradcheck.judge`).

Modes (:mod:`verifier.gradcheck.modes`):

``nditer``
    the seed's loop: the reference.
``full``
    every element, fast when the loss offers ``loss.shifted(key, d)``
    (``TwoLayerNet.loss_fn`` does); a plain callable is displaced in place.
``fast``
    a few seeded random unit directions per tensor: the directional derivative
    against ``g . v``, judged by the plain relative error; a tensor that fails is
    rerun in ``full`` to name the wrong entries.  Uses ``loss.along`` when offered
    (kinked directions are redrawn), else moves the array in place.
``sample=K``
    ``K`` seeded random entries per tensor.

Any model (:mod:`verifier.gradcheck.adapters`): a loss that takes its parameters,
``loss(params)``, is checked through an adapter (NumPy dicts; JAX pytrees through
:mod:`verifier.gradcheck.jax_adapter`; any framework that implements
:class:`ModelAdapter`).  When it accepts a leading axis of parameter copies (``batched``,
detected by default) the ``full`` and ``sample`` modes evaluate a tensor's perturbations
a chunk at a time in one call; otherwise the element loop runs with a progress bar.

Kinks: when the loss offers ``loss.kinks(key, h)`` (a boolean mask), elements
whose step flips a ReLU are labelled ``kink``, excluded from the verdict and counted.

The tolerance (why):

* ``rtol = 1e-5`` (the policy's ``gradient`` row).  Measured on the 784-50-10 net the
  worst scale-aware error of correct backprop at ``h = 1e-4`` is 2e-6; a 0.1% error
  (relative error 1e-3, which torch's ``gradcheck`` with ``rtol = 1e-3`` lets through)
  fails by a factor 100.
* ``tau = 1e-3``: the floor ``1e-3 * max|g|``; entries a thousand times smaller
  than the largest are judged on the largest's scale.
* the difference's own error bound at ``h`` (:func:`verifier.policy.gradient_tolerance`):
  round-off ``eps |L| / h`` plus the truncation ``h^2 M3 / 6`` (``M3`` a bound on the
  loss's third derivative: the network supplies one).  An entry within it is not wrong;
  but where the bound exceeds ``rtol`` times the entry's scale the step cannot resolve an
  error of that size, and the entry is *inconclusive* (:func:`verifier.policy.meaningful_step`),
  as is every entry with ``x + h == x``.  The verdict is ``fail`` if any tensor fails, else
  ``inconclusive`` if any is, else ``pass``: at ``h = 1e-17`` nothing passes.

>>> import numpy as np
>>> w = np.array([1.0, -2.0, 3.0])
>>> res = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2})
>>> res.verdict, res["w"].n_checked
('pass', 3)
>>> bad = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2 * [1, 1, 1.001]})
>>> bad.verdict, bad["w"].worst_index
('fail', (2,))
"""

from __future__ import annotations

from verifier.gradcheck.adapters import ModelAdapter, NumpyAdapter
from verifier.gradcheck.check import gradcheck, gradcheck_network, parameter_gradients
from verifier.gradcheck.judge import DEFAULT_RTOL, DEFAULT_TAU, EntryJudgement, judge_entries
from verifier.gradcheck.reading import (
    band_counts,
    precision_guidance,
    reading_band,
    worst_elements,
)
from verifier.gradcheck.records import GradCheckResult, TensorCheck, parse_mode

__all__ = [
    "DEFAULT_RTOL",
    "DEFAULT_TAU",
    "EntryJudgement",
    "GradCheckResult",
    "ModelAdapter",
    "NumpyAdapter",
    "TensorCheck",
    "band_counts",
    "gradcheck",
    "gradcheck_network",
    "judge_entries",
    "parameter_gradients",
    "parse_mode",
    "precision_guidance",
    "reading_band",
    "worst_elements",
]
