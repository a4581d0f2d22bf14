"""A derivative or gradient case's points swept at once, then split point by point.

:func:`swept` runs ONE :func:`verifier.sweep.sweep` of every point (f compiled and its tables
built once) and gives each point its own rows (:class:`PointRows`): what a sweep of that
point alone would hold, so each point is judged on its own evidence.

>>> from verifier.expr import parse
>>> options = {"methods": ["central"], "h": [1e-3]}
>>> frame, analysis, shares = swept(parse("x^2"), "x", [1.0, 2.0], options)
>>> [share.verdict for share in shares], sorted(set(frame["point"]))
(['pass', 'pass'], [1.0, 2.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier.errors import DomainError
from verifier.points import records

__all__ = ["PointRows", "point_rows", "swept"]


@dataclass
class PointRows:
    """One point's share of a sweep over every point: its analysis and claim rows (dicts) and
    its estimates (the error table's columns, as arrays)."""

    analysis: list[dict[str, Any]]
    claim: list[dict[str, Any]]
    frame: dict[str, Any]

    @property
    def verdict(self) -> str:
        """The point's own :attr:`ErrorTable.verdict` (its analysis and claim rows)."""
        from verifier.policy import combine_verdicts

        return combine_verdicts([r["verdict"] for r in (*self.analysis, *self.claim)])


#: the error table's columns a point's judgement reads (see :func:`verifier.suite.kinds._figures`)
_POINT_COLUMNS = ("variable", "method", "h", "estimate", "exact", "rel_error")


def point_rows(table: Any, labels: list[Any]) -> tuple[list[PointRows], Any] | None:
    """The sweep of every point split by point (``labels``, as the sweep labels them), with its
    error table ordered point by point (as one sweep per point would concatenate it); None
    when the labels do not tell the points apart (a point given twice)."""
    import numpy as np

    if len(set(labels)) != len(labels):
        return None
    where = {label: k for k, label in enumerate(labels)}
    out = [PointRows([], [], {}) for _ in labels]
    for r in records(table.analysis):
        out[where[r["point"]]].analysis.append(r)
    for r in records(table.claim.frame) if table.claim is not None else ():
        out[where[r["point"]]].claim.append(r)
    of_point = np.array([where[p] for p in table.frame["point"].tolist()], dtype=np.intp)
    order = np.argsort(of_point, kind="stable")
    frame = table.frame.take(order).reset_index(drop=True)
    ends = np.searchsorted(of_point[order], np.arange(len(labels) + 1))
    columns = {c: frame[c].to_numpy() for c in _POINT_COLUMNS}
    for k, rows in enumerate(out):
        rows.frame = {c: v[ends[k] : ends[k + 1]] for c, v in columns.items()}
    return out, frame


def swept(
    expr: Any, var: Any, points: list[Any], options: dict[str, Any]
) -> tuple[Any, Any, list[PointRows | DomainError]]:
    """Every point swept: the error table and the analysis (point by point, in the points'
    order, None when empty), and each point's rows, or the DomainError that says f' does not
    exist there.

    ONE sweep of every point compiles f and builds its tables once (a sweep per point cost
    the bundled suite ~30% more sweep time); a point given twice, or a sweep where no point
    is measurable, is swept point by point instead.
    """
    from verifier.sweep import sweep

    try:
        table = sweep(expr, var, points=points, **options)
    except DomainError:  # no point measurable: each point's own DomainError
        return _swept_one_by_one(expr, var, points, options)
    labels = list(dict.fromkeys(table.analysis["point"].tolist()))
    split = point_rows(table, labels) if len(labels) == len(points) else None
    if split is None:
        return _swept_one_by_one(expr, var, points, options)
    rows, frame = split
    shares: list[PointRows | DomainError] = []
    for at in rows:
        if at.analysis and all(r["flag"] == "domain" for r in at.analysis):
            why = "; ".join(dict.fromkeys(r["diagnosis"] for r in at.analysis))
            shares.append(DomainError(why))  # what a sweep of this point alone raises
        else:
            shares.append(at)
    analysis = table.analysis
    unmeasured = [labels[k] for k, at in enumerate(shares) if isinstance(at, DomainError)]
    if unmeasured:  # as a sweep of that point alone: it raised, and left no rows
        analysis = analysis[~analysis["point"].isin(unmeasured)].reset_index(drop=True)
    return frame, analysis, shares


def _swept_one_by_one(
    expr: Any, var: Any, points: list[Any], options: dict[str, Any]
) -> tuple[Any, Any, list[PointRows | DomainError]]:
    import pandas as pd

    from verifier.sweep import sweep

    frames, analyses, shares = [], [], []
    for point in points:
        try:
            table = sweep(expr, var, points=[point], **options)
        except DomainError as exc:
            shares.append(exc)
            continue
        frames.append(table.frame)
        analyses.append(table.analysis)
        labels = list(dict.fromkeys(table.analysis["point"].tolist()))
        shares.append(point_rows(table, labels)[0][0])
    frame = pd.concat(frames, ignore_index=True) if frames else None
    return frame, pd.concat(analyses, ignore_index=True) if analyses else None, shares
