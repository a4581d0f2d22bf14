"""Planted backprop bugs as data: each row names the gradient tensors it corrupts.

``TwoLayerNet.gradient(x, t, bug=name)`` applies one (for demonstrations and for
testing the gradient check, which must fail every one of them).

>>> sorted(BACKPROP_BUGS["bias_grad_not_summed"].tensors)
['b0', 'b1']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BACKPROP_BUGS", "BackpropBug"]


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
