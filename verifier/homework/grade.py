"""What a graded answer is: :class:`Grade` (verdict, reason, counterexample, mistake, steps).

:func:`verifier.homework.judge.check_answer` makes one; :mod:`verifier.homework.classroom`
makes a table of them; reports and notebooks display them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from verifier.i18n import N_, _, language
from verifier.points import format_point

__all__ = ["VERDICTS", "Counterexample", "Grade"]

VERDICTS = (N_("correct"), N_("incorrect"), N_("invalid"))


def _fmt_number(value: float | None, other: float | None = None) -> str:
    """Enough digits to show the value, and to show it differs from ``other``."""
    if value is None:
        return _("undefined")
    text = f"{value:.8g}"
    if other is not None and text == f"{other:.8g}":
        text = repr(float(value))
    return text


@dataclass(frozen=True)
class Counterexample:
    """A point where the answer and the derivative differ (``answer`` None: undefined there).

    >>> print(Counterexample({"x": 1.5}, 3.0, 2.0).describe())
    at x = 1.5 the derivative is 3 but the answer gives 2
    """

    point: Mapping[str, float]
    correct: float
    answer: float | None

    def describe(self) -> str:
        """The counterexample as a sentence."""
        where = format_point(self.point, list(self.point))
        corr = _fmt_number(self.correct, self.answer)
        if self.answer is None:
            return _(
                "at {point} the derivative is {correct} "
                "but the answer is not a finite real number there"
            ).format(point=where, correct=corr)
        answer = _fmt_number(self.answer, self.correct)
        return _("at {point} the derivative is {correct} but the answer gives {answer}").format(
            point=where, correct=corr, answer=answer
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {"point": dict(self.point), "correct": self.correct, "answer": self.answer}

    def to_frame(self):
        """A one-row DataFrame: the point's coordinates, the derivative, the answer."""
        import pandas as pd

        return pd.DataFrame([{**self.point, "correct": self.correct, "answer": self.answer}])


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer, with everything a student needs to act on it.

    >>> from verifier.homework.judge import check_answer
    >>> g = check_answer("x^3 e^x", "3x^2 e^x")
    >>> g.verdict, g.ok, g.mistake
    ('incorrect', False, 'product_as_fprime_g')
    >>> sorted(g.to_dict())[:4]
    ['answer', 'counterexample', 'derivative', 'function']
    """

    verdict: str
    reason: str
    function: str
    answer: str
    variable: str
    read_as: str | None = None
    counterexample: Counterexample | None = None
    mistake: str | None = None
    mistake_hint: str | None = None
    mistake_detail: str | None = None
    warnings: tuple[str, ...] = ()
    steps: str = ""
    derivative: str = ""

    @property
    def ok(self) -> bool:
        """True when the answer is correct."""
        return self.verdict == "correct"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every field."""
        out = dataclasses.asdict(self)
        out["counterexample"] = self.counterexample.to_dict() if self.counterexample else None
        out["warnings"] = list(self.warnings)
        return out

    def to_frame(self):
        """A one-row DataFrame (counterexample flattened to text)."""
        import pandas as pd

        row = self.to_dict()
        row["counterexample"] = self.counterexample.describe() if self.counterexample else None
        row["warnings"] = "; ".join(self.warnings)
        return pd.DataFrame([row])

    def _repr_latex_(self) -> str:
        """Notebooks: the function, the answer and the verdict in math and text.

        >>> from verifier.homework.judge import check_answer
        >>> print(check_answer("x^2", "2x")._repr_latex_())
        $\\frac{d}{dx}\\left(x^{2}\\right) \\overset{?}{=} 2 x$: \\text{correct}
        """
        import sympy

        from verifier.expr import parse
        from verifier.symbolic.steps import latex_expr

        try:
            f = latex_expr(parse(self.function, variables=None))
            a = latex_expr(parse(self.read_as or self.answer, variables=None))
        except Exception:  # a display must not raise: fall back to the typed text
            f = a = None
        v = latex_expr(sympy.Symbol(self.variable))
        if f is None:
            return f"$\\text{{{_(self.verdict)}}}$"
        verdict = _(self.verdict)
        return (
            f"$\\frac{{d}}{{d{v}}}\\left({f}\\right) \\overset{{?}}{{=}} {a}$: \\text{{{verdict}}}"
        )

    def report(self) -> str:
        """The multi-line text the CLI prints (in the current language; the mistake in words).

        >>> from verifier.homework.judge import check_answer
        >>> print(check_answer("x^2", "x^2").report().splitlines()[3])
        mistake: the answer is the original function, not its derivative [original_function]
        """
        lines = [_("{verdict}: {reason}").format(verdict=_(self.verdict), reason=self.reason)]
        if self.read_as is not None:
            lines.append(_("read as: {answer}").format(answer=self.read_as))
        if self.counterexample is not None:
            lines.append(
                _("counterexample: {counterexample}").format(
                    counterexample=self.counterexample.describe()
                )
            )
        if self.mistake:
            shown = self.mistake_detail or _(self.mistake)
            line = _("mistake: {mistake}").format(mistake=shown)
            # English keeps the mistake's name as a tag (scripts grep it); Korean shows words
            lines.append(line + (f" [{self.mistake}]" if language() == "en" else ""))
            if self.mistake_hint:
                lines.append(_("hint: {hint}").format(hint=self.mistake_hint))
        lines.extend(_("warning: {warning}").format(warning=w) for w in self.warnings)
        if self.derivative:
            lines.append(_("correct derivative: {derivative}").format(derivative=self.derivative))
        if self.steps:
            lines.append(_("steps:"))
            lines.extend("  " + s for s in self.steps.splitlines())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.report()) + "</pre>"
