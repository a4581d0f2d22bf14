"""What an engineer looks at after a gradient check: reading bands, the worst elements, and
what a lower precision can support.

* :func:`reading_band`: each entry's relative error (with the tensor's scale floor, the one
  the verdict uses) in the policy's ``reading`` bands: ``fine`` below 1e-7, ``look closer``
  from 1e-7 to 1e-4, ``wrong`` above (advisory; the verdict is the ``gradient`` row's);
* :func:`band_counts`: per tensor, how many entries fall in each band;
* :func:`worst_elements`: per tensor, the ``k`` worst entries with their indices;
* :func:`precision_guidance`: for float32 (or float16) parameters, the tolerance that
  precision can support and why (the policy's ``float32`` row).

The histogram itself is drawn by :mod:`verifier.report.gradcheck`.

>>> reading_band(np.array([1e-9, 1e-5, 1e-2])).tolist()
['fine', 'look closer', 'wrong']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verifier.gradcheck.records import GradCheckResult, format_index
from verifier.points import format_number
from verifier.policy import POLICY

__all__ = ["BANDS", "band_counts", "precision_guidance", "reading_band", "worst_elements"]

#: the band names, best first
BANDS = ("fine", "look closer", "wrong")


def reading_band(rel_error: np.ndarray) -> np.ndarray:
    """The band of each relative error (NaN, a vanished step, reads as ``look closer``).

    >>> reading_band(np.array([0.0, np.nan])).tolist()
    ['fine', 'look closer']
    """
    rule = POLICY["reading"]
    err = np.asarray(rel_error, dtype=np.float64)
    out = np.full(err.shape, BANDS[1], dtype="<U11")
    out[err < rule.rtol] = BANDS[0]
    out[err > rule.atol] = BANDS[2]
    return out


def band_counts(result: GradCheckResult) -> Any:
    """One row per tensor: entries ``fine`` / ``look closer`` / ``wrong``, and kinks.

    >>> from verifier.gradcheck import gradcheck
    >>> w = np.array([1.0, 2.0])
    >>> band_counts(gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2}))["fine"].tolist()
    [2]
    """
    import pandas as pd

    rows = []
    for t in result.tensors:
        judged = t.status != "kink"
        bands = reading_band(t.scaled_rel_error[judged])
        row: dict[str, Any] = {"tensor": t.name}
        row.update({b: int(np.count_nonzero(bands == b)) for b in BANDS})
        row["kinks"] = int(np.count_nonzero(~judged))
        rows.append(row)
    return pd.DataFrame(rows)


def worst_elements(result: GradCheckResult, k: int = 5) -> Any:
    """The ``k`` worst judged entries of each tensor (by scaled relative error), with indices.

    >>> from verifier.gradcheck import gradcheck
    >>> w = np.array([1.0, 2.0, 3.0])
    >>> r = gradcheck(lambda: float(np.sum(w**3)), {"w": w}, {"w": 3 * w**2 * [1, 1.001, 1]})
    >>> worst_elements(r, 1)[["tensor", "index", "band", "status"]].values.tolist()
    [['w', '(1)', 'wrong', 'wrong']]
    """
    import pandas as pd

    rows = []
    for t in result.tensors:
        judged = np.flatnonzero(t.status != "kink")
        err = np.nan_to_num(t.scaled_rel_error[judged], nan=np.inf)
        order = judged[np.argsort(-err, kind="stable")[: max(0, int(k))]]
        for i in order:
            index = t.labels[i] if t.labels else format_index(tuple(int(v) for v in t.indices[i]))
            rows.append(
                {
                    "tensor": t.name,
                    "index": index,
                    "numeric": float(t.numeric[i]),
                    "analytic": float(t.analytic[i]),
                    "rel_error": float(t.scaled_rel_error[i]),
                    "band": str(reading_band(t.scaled_rel_error[i : i + 1])[0]),
                    "status": str(t.status[i]),
                }
            )
    columns = ["tensor", "index", "numeric", "analytic", "rel_error", "band", "status"]
    return pd.DataFrame(rows, columns=columns)


def precision_guidance(dtype: Any) -> str | None:
    """What a float type below float64 supports for a central-difference check, and why.

    >>> print(precision_guidance(np.float32))  # doctest: +NORMALIZE_WHITESPACE
    float32 (eps 1.2e-07): the best central difference errs by about eps^(2/3) = 2.4e-05
    relative, at h ~ eps^(1/3) = 0.0049 (round-off eps |L| / h balanced against truncation
    h^2 L''' / 6), and more where |L| is large against the gradient or float32 sums are long;
    so float32 supports rtol ~ 0.001 at best, where a 0.1% bug passes unseen. Check in
    float64: cast the parameters and inputs (the loss then computes in float64).
    >>> precision_guidance(np.float64) is None
    True
    """
    dt = np.dtype(dtype)
    if dt.kind != "f" or dt.itemsize >= 8:
        return None
    eps = float(np.finfo(dt).eps)
    rtol = max(POLICY["float32"].rtol, 10 * eps ** (2 / 3))  # ten times the best error
    return (
        f"{dt.name} (eps {format_number(eps, 2)}): the best central difference errs by about "
        f"eps^(2/3) = {format_number(eps ** (2 / 3), 2)} relative, at h ~ eps^(1/3) = "
        f"{format_number(eps ** (1 / 3), 2)} (round-off eps |L| / h balanced against truncation "
        f"h^2 L''' / 6), and more where |L| is large against the gradient or {dt.name} sums are "
        f"long; so {dt.name} supports rtol ~ {format_number(rtol, 2)} at best, where a 0.1% bug "
        "passes unseen. Check in float64: cast the parameters and inputs (the loss then "
        "computes in float64)."
    )
