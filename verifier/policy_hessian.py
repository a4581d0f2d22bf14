"""The verdict on a numeric Hessian against the exact one (the ``hessian`` row of the policy).

Claimed entries of a Hessian are judged exactly, entry by entry, by
:func:`verifier.policy.judge_derivative`; this module judges the independent numeric
evidence, :func:`verifier.numeric.hessian.numeric_hessian`, under
``POLICY["hessian"]``.

>>> judge_hessian([[2.0, 1.0], [1.0, 6.0]], [[2.0 + 1e-9, 1.0], [1.0, 6.0]]).verdict
'pass'
>>> judge_hessian([[2.0, 1.0], [1.0, 6.0]], [[2.0, 1.1], [1.1, 6.0]]).verdict
'fail'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verifier.compare import compare
from verifier.i18n import _
from verifier.points import format_number
from verifier.policy import POLICY, Verdict

__all__ = ["judge_hessian"]


def judge_hessian(exact: Any, estimate: Any, variables: tuple[str, ...] = ()) -> Verdict:
    """Does the numeric Hessian ``estimate`` agree with the ``exact`` one?

    Every entry within ``rtol`` of the largest exact entry (at least ``atol``): entries near
    zero are judged on the matrix's scale, as a second difference's round-off is.
    """
    rule = POLICY["hessian"]
    ex = np.asarray(exact, dtype=object)
    est = np.asarray(estimate, dtype=np.float64)
    scale = max([abs(float(v)) for v in ex.ravel()] + [1.0])
    cmp = compare(ex, est, rtol=0.0, atol=max(rule.rtol * scale, rule.atol))
    if cmp.ok:
        return Verdict("pass", rule.name, _("the numeric Hessian agrees with the exact one"))
    i, j = np.unravel_index(int(np.nanargmax(cmp.abs_error)), est.shape)
    names = variables or tuple(f"x{k}" for k in range(est.shape[0]))
    return Verdict(
        "fail",
        rule.name,
        _(
            "d^2f/d{names} d{names2}: numeric {number} vs exact {number2} (difference {number3} > {rtol:g} x {number4})"
        ).format(
            names=names[i],
            names2=names[j],
            number=format_number(est[i, j]),
            number2=format_number(float(ex[i, j])),
            number3=format_number(float(cmp.abs_error[i, j]), 2),
            rtol=rule.rtol,
            number4=format_number(scale, 2),
        ),
    )
