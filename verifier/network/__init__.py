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

The modules:

* :mod:`verifier.network.model`: :class:`TwoLayerNet` (forward pass, backprop) and
  :func:`random_batch`;
* :mod:`verifier.network.loss`: :class:`NetworkLoss`, what
  :meth:`TwoLayerNet.loss_fn` returns: calling it gives the loss (like
  ``lambda: net.loss(x, t)``), and it knows its perturbations from the structure of
  the network (perturbing ``W0[i, j]`` changes only hidden unit ``j``; ``W1[j, c]``
  and ``b1[c]`` move one logit column);
* :mod:`verifier.network.bugs`: planted backprop bugs, for teaching and for testing
  the checker, as data (:data:`BACKPROP_BUGS`); ``net.gradient(x, t, bug=name)``
  computes the gradient with that one mistake.

>>> net = TwoLayerNet(4, 3, 2, seed=0)
>>> x, t = random_batch(5, 4, 2, seed=0)
>>> abs(net.loss(x, t) - 0.693148) < 1e-6   # ~ log 2 for near-zero weights
True
>>> sorted(net.gradient(x, t))
['W0', 'W1', 'b0', 'b1']
"""

from __future__ import annotations

from verifier.network.bugs import BACKPROP_BUGS, BackpropBug
from verifier.network.loss import PARAM_KEYS, NetworkLoss
from verifier.network.model import TwoLayerNet, random_batch

__all__ = [
    "BACKPROP_BUGS",
    "PARAM_KEYS",
    "BackpropBug",
    "NetworkLoss",
    "TwoLayerNet",
    "random_batch",
]
