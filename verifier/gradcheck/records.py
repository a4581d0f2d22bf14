"""The records of a gradient check: one :class:`TensorCheck` per tensor, one result.

A tensor's verdict is ``pass``, ``fail`` or ``inconclusive`` (see
:mod:`verifier.gradcheck`); the result's verdict is ``fail`` when any tensor
fails, else ``inconclusive`` when any tensor is, else ``pass``: a pass vouches
for every tensor.

>>> parse_mode("sample=20")
('sample', 20)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verifier.errors import VerifierError

__all__ = ["GradCheckResult", "TensorCheck", "format_index", "parse_mode"]

#: element statuses: ``ok``, ``wrong``, ``kink`` (a +-h step flips a ReLU: excluded) and
#: ``inconclusive`` (the step cannot resolve this element: see the tensor's reason)
STATUSES = ("ok", "wrong", "kink", "inconclusive")


def parse_mode(mode: str) -> tuple[str, int]:
    """``"full" | "fast" | "nditer" | "sample=K"`` -> ``(name, K)`` (K = 0 unless sampling).

    >>> parse_mode("sample=20")
    ('sample', 20)
    >>> parse_mode("full")
    ('full', 0)
    """
    text = str(mode).strip().lower()
    if text in ("full", "fast", "nditer"):
        return text, 0
    if text.startswith("sample="):
        raw = text.split("=", 1)[1]
        if raw.isdigit() and int(raw) > 0:
            return "sample", int(raw)
    raise VerifierError(
        f"unknown gradcheck mode {mode!r}",
        hint="use full, fast, nditer or sample=K with K a positive integer (e.g. sample=20)",
    )


def format_index(index: tuple[int, ...] | None) -> str:
    """``(392, 25)``; empty for no index.

    >>> format_index((3, 4)), format_index(None)
    ('(3, 4)', '')
    """
    if index is None:
        return ""
    return "(" + ", ".join(str(i) for i in index) + ")"


@dataclass(frozen=True, eq=False)
class TensorCheck:
    """The check of one parameter tensor.

    Errors and the worst element are over the checked elements that are not kinks.
    ``indices`` is ``(k, ndim)`` for element checks; for ``fast`` directions it is
    ``(k, 0)`` and ``labels`` names them (``"direction 0"``...).  ``atol`` is the
    numeric error bound the elements were judged with (round-off plus the stencil's
    truncation bound at ``h``); ``verdict`` is ``pass``, ``fail`` or ``inconclusive``
    and ``reason`` says why.
    """

    name: str
    shape: tuple[int, ...]
    method: str
    n_checked: int
    n_kinks: int
    n_wrong: int
    max_abs_error: float
    max_rel_error: float
    max_scaled_rel_error: float
    worst_index: tuple[int, ...] | None
    worst_numeric: float
    worst_analytic: float
    verdict: str
    reason: str
    floor: float
    atol: float
    indices: np.ndarray = field(repr=False)
    numeric: np.ndarray = field(repr=False)
    analytic: np.ndarray = field(repr=False)
    abs_error: np.ndarray = field(repr=False)
    rel_error: np.ndarray = field(repr=False)
    scaled_rel_error: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)  # one of STATUSES per element
    labels: tuple[str, ...] = field(default=(), repr=False)
    n_inconclusive: int = 0

    @property
    def passed(self) -> bool:
        """True only for the verdict ``pass``."""
        return self.verdict == "pass"

    def row(self) -> dict[str, Any]:
        return {
            "tensor": self.name,
            "shape": "x".join(str(s) for s in self.shape) or "scalar",
            "method": self.method,
            "checked": self.n_checked,
            "kinks": self.n_kinks,
            "wrong": self.n_wrong,
            "inconclusive": self.n_inconclusive,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "max_scaled_rel_error": self.max_scaled_rel_error,
            "atol": self.atol,
            "worst_index": format_index(self.worst_index),
            "worst_numeric": self.worst_numeric,
            "worst_analytic": self.worst_analytic,
            "verdict": self.verdict,
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class GradCheckResult:
    """Per-tensor records of a gradient check and the overall ``verdict`` with its ``reason``."""

    tensors: tuple[TensorCheck, ...]
    mode: str
    h: float
    rtol: float
    atol: float
    tau: float
    seed: int
    loss_value: float
    stencil: str = "central"
    dtype_warning: str | None = None
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        """``fail`` if a tensor fails, else ``inconclusive`` if one is, else ``pass``."""
        verdicts = {t.verdict for t in self.tensors}
        if "fail" in verdicts:
            return "fail"
        if "inconclusive" in verdicts or not self.tensors:
            return "inconclusive"
        return "pass"

    @property
    def reason(self) -> str:
        """Why the verdict: the failing tensors, or what could not be resolved."""
        verdict = self.verdict
        if verdict == "pass":
            return f"{self.n_checked - self.n_kinks} elements agree within their tolerance"
        named = [t for t in self.tensors if t.verdict == verdict]
        if not named:
            return "nothing was checked"
        also = f" (also {', '.join(t.name for t in named[1:])})" if len(named) > 1 else ""
        return f"{named[0].name}: {named[0].reason}{also}"

    @property
    def passed(self) -> bool:
        """True only when every tensor passed (an inconclusive check is not a pass)."""
        return self.verdict == "pass"

    @property
    def n_params(self) -> int:
        return int(sum(math.prod(t.shape) for t in self.tensors))

    @property
    def n_checked(self) -> int:
        return int(sum(t.n_checked for t in self.tensors))

    @property
    def n_kinks(self) -> int:
        return int(sum(t.n_kinks for t in self.tensors))

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the tensors that failed."""
        return tuple(t.name for t in self.tensors if t.verdict == "fail")

    @property
    def inconclusive(self) -> tuple[str, ...]:
        """Names of the tensors whose check was inconclusive."""
        return tuple(t.name for t in self.tensors if t.verdict == "inconclusive")

    def __getitem__(self, name: str) -> TensorCheck:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)

    def to_frame(self, elements: bool = False):
        """One row per tensor or, with ``elements=True``, one row per checked element.

        Element rows: tensor, index, numeric, analytic, abs_error, rel_error,
        scaled_rel_error, status (``ok``, ``wrong``, ``kink`` or ``inconclusive``).
        """
        import pandas as pd

        if not elements:
            return pd.DataFrame([t.row() for t in self.tensors])
        frames = []
        for t in self.tensors:
            if t.labels:
                index = list(t.labels)
            else:
                index = [format_index(tuple(int(i) for i in row)) for row in t.indices]
            frames.append(
                pd.DataFrame(
                    {
                        "tensor": t.name,
                        "index": index,
                        "numeric": t.numeric,
                        "analytic": t.analytic,
                        "abs_error": t.abs_error,
                        "rel_error": t.rel_error,
                        "scaled_rel_error": t.scaled_rel_error,
                        "status": t.status,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def kink_hint(self) -> str:
        if not self.n_kinks:
            return ""
        return (
            f"{self.n_kinks} element(s) sit at a ReLU kink (a +-h step flips a unit) and were "
            f"excluded; a smaller h (e.g. --h {self.h / 10:g}) or fewer samples reach them (a "
            "smaller h has more round-off: the smallest entries may become inconclusive)"
        )

    def verdict_line(self) -> str:
        """``verdict: PASS``, ``verdict: FAIL (b1)`` or ``verdict: INCONCLUSIVE (reason)``."""
        verdict = self.verdict
        if verdict == "pass":
            return "verdict: PASS"
        if verdict == "fail":
            return "verdict: FAIL (" + ", ".join(self.failed) + ")"
        return f"verdict: INCONCLUSIVE ({self.reason})"

    def summary(self) -> str:
        """A few lines: one per tensor, the verdict, kinks and warnings."""
        lines = [
            f"gradcheck ({self.mode}, {self.stencil}, h={self.h:g}, rtol={self.rtol:g}, "
            f"atol={self.atol:.2g}, tau={self.tau:g}): {self.n_checked} of {self.n_params} "
            f"parameters checked in {self.seconds:.3g} s"
        ]
        for t in self.tensors:
            verdict = {"pass": "pass", "fail": "FAIL"}.get(t.verdict, "INCONCLUSIVE")
            where = f" at {format_index(t.worst_index)}" if t.worst_index is not None else ""
            lines.append(
                f"  {t.name}: {verdict} ({t.method}; {t.n_checked} checked, {t.n_kinks} kinks, "
                f"{t.n_wrong} wrong); worst scaled rel error {t.max_scaled_rel_error:.3g}{where} "
                f"(numeric {t.worst_numeric:.10g}, analytic {t.worst_analytic:.10g})"
            )
        if self.kink_hint:
            lines.append("note: " + self.kink_hint)
        lines.extend("note: " + note for note in self.notes)
        if self.dtype_warning:
            lines.append("warning: " + self.dtype_warning)
        lines.append(self.verdict_line())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        head = html.escape(self.summary()).replace("\n", "<br>")
        return f"<p>{head}</p>" + self.to_frame().to_html(index=False)

    def _repr_latex_(self) -> str:
        """Notebooks: the verdict and the counts as a line of LaTeX text."""
        compared = self.n_checked - self.n_kinks
        return (
            f"$\\text{{{self.verdict}: {self.n_params} parameters, {compared} compared, "
            f"{self.n_kinks} at a kink, {self.n_params - self.n_checked} skipped}}$"
        )
