"""Scores: a problem's ``points``, partial credit per named mistake, and a student's total.

A problem may give part of its points for an answer whose mistake the judge names::

    [[problem]]
    id = "p2"
    function = "x^3 e^x"
    points = 2
    [problem.partial]
    product_as_fprime_g = 0.5   # half the points: one term of the product rule is right

Each fraction is from 0 to 1 and each name is a mistake the judge can name
(:data:`KNOWN_MISTAKES`: the faulty rules and the whole-answer mistakes of
:mod:`verifier.symbolic.mistakes`); anything else is refused with the list of known names.
A correct answer earns the points; an incorrect one earns ``points x fraction`` of its
mistake (0 without one); an invalid or error row earns 0.  Several attempts at one problem
count once: the best.

>>> credit = read_partial({"sign_error": 0.5})
>>> score(2.0, "incorrect", "sign_error", credit), score(2.0, "correct", "", credit)
(1.0, 2.0)
>>> score(2.0, "incorrect", "power_not_lowered", credit)
0.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from verifier.errors import VerifierError
from verifier.i18n import _
from verifier.symbolic.mistakes import MISTAKES, WHOLE_ANSWER_MISTAKES

__all__ = ["KNOWN_MISTAKES", "Credit", "best_scores", "read_partial", "score"]

#: every mistake name the judge can give an answer (partial credit may name these only)
KNOWN_MISTAKES: tuple[str, ...] = tuple(sorted({*MISTAKES, *WHOLE_ANSWER_MISTAKES}))

#: partial credit of one problem: (mistake name, fraction of the points), sorted by name
Credit = tuple[tuple[str, float], ...]


def read_partial(value: Any) -> Credit:
    """A problem file's ``partial`` table, validated: names known, fractions from 0 to 1.

    >>> read_partial({"sign_error": 0.5, "original_function": 0})
    (('original_function', 0.0), ('sign_error', 0.5))
    >>> read_partial({"sign_eror": 0.5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verifier.errors.VerifierError: unknown mistake 'sign_eror' in partial
    hint: did you mean sign_error? known mistakes: antiderivative, ...
    """
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise VerifierError(
            _("'partial' must be a table of mistake names and fractions"),
            hint=_("write [problem.partial] then a line like sign_error = 0.5"),
        )
    out = []
    for name, fraction in value.items():
        if name not in KNOWN_MISTAKES:
            import difflib

            close = difflib.get_close_matches(str(name), KNOWN_MISTAKES, n=1, cutoff=0.6)
            guess = _("did you mean {name}? ").format(name=close[0]) if close else ""
            raise VerifierError(
                _("unknown mistake {name!r} in partial").format(name=name),
                hint=guess + _("known mistakes: {names}").format(names=", ".join(KNOWN_MISTAKES)),
            )
        if (
            isinstance(fraction, bool)
            or not isinstance(fraction, int | float)
            or not math.isfinite(fraction)
            or not 0 <= fraction <= 1
        ):
            raise VerifierError(
                _("partial credit for {name} must be a fraction from 0 to 1, got {value!r}").format(
                    name=name, value=fraction
                ),
                hint=_("0.5 gives half the problem's points"),
            )
        out.append((str(name), float(fraction)))
    return tuple(sorted(out))


def score(points: float, verdict: str, mistake: str | None, credit: Credit = ()) -> float:
    """The score of one graded answer worth ``points``.

    >>> score(3.0, "correct", None), score(3.0, "invalid", None), score(3.0, "error", None)
    (3.0, 0.0, 0.0)
    >>> score(4.0, "incorrect", "sign_error", (("sign_error", 0.25),))
    1.0
    """
    if verdict == "correct":
        return float(points)
    if verdict == "incorrect" and mistake:
        return float(points) * dict(credit).get(mistake, 0.0)
    return 0.0


def best_scores(rows: Sequence[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    """student -> problem -> the best score of that student's attempts at that problem.

    ``rows`` are ``(student, problem, score)`` triples in any order.

    >>> best_scores([("ann", "p1", 0.5), ("ann", "p1", 1.0), ("bob", "p1", 0.0)])
    {'ann': {'p1': 1.0}, 'bob': {'p1': 0.0}}
    """
    best: dict[str, dict[str, float]] = {}
    for student, problem, value in rows:
        mine = best.setdefault(student, {})
        mine[problem] = max(mine.get(problem, 0.0), float(value))
    return best
