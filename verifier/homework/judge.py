"""Grade one derivative answer: the verdict, a counterexample, the likely mistake, the steps.

``check_answer(function, answer)`` decides whether ``answer`` is the derivative of ``function`` the way
a careful teacher would (see :func:`check_answer` for the policy), tells the student how the answer was
read, gives a counterexample when it is wrong, names the likely mistake and shows the correct
derivation.  A class is graded by :mod:`verifier.homework.classroom`.

>>> g = check_answer("x^2 + 2x + 1", "2x + 2")
>>> g.verdict, g.ok
('correct', True)
>>> check_answer("sin(x^2)", "cos(x^2)").mistake
'chain_missing_inner'
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from verifier.errors import DomainError, LimitError, VerifierError
from verifier.homework import answer as _answer
from verifier.homework import prepared as _prepared
from verifier.homework.answer import expression_variables, one_line, read_answer, shown_answer
from verifier.homework.grade import VERDICTS, Counterexample, Grade
from verifier.homework.prepared import (
    MIN_POINTS,
    Prepared,
    numeric_derivative,
    precise_value,
    prepare,
    same_values,
    value,
)
from verifier.i18n import N_, _, language
from verifier.limits import OverBudget, TimeUp, budget, tick
from verifier.limits import time_limit as _time_limit
from verifier.numeric.evaluate import mp_compile
from verifier.points import format_point, points_array
from verifier.policy import derivative_comparison, judge_derivative
from verifier.reference import exact_derivative, exact_value
from verifier.symbolic.mistakes import INTEGRATION_CONSTANT

__all__ = ["VERDICTS", "Counterexample", "Grade", "check_answer", "clear_caches"]


# ---------------------------------------------------------------------------------------------
# Judging one parsed answer against a prepared problem (cached by the canonical expression)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judgement:
    verdict: str
    reason: str
    counterexample: Counterexample | None = None
    mistake: str | None = None
    mistake_hint: str | None = None
    mistake_detail: str | None = None


_JUDGEMENTS: dict[tuple[Any, ...], _Judgement] = {}


def clear_caches() -> None:
    """Forget prepared problems, judgements and "read as" texts (benchmarks time cold work).

    >>> clear_caches()
    """
    _JUDGEMENTS.clear()
    _prepared.clear_cache()
    _answer.clear_cache()


def _values_match(ref: Sequence[Any], est: Sequence[Any], scale: float) -> tuple[bool, int]:
    """Compare where both are defined; (all matched, number of points compared)."""
    n = sum(r is not None and e is not None for r, e in zip(ref, est, strict=True))
    return (same_values(ref, est, scale) if n else False), n


def _derivative_matches(p: Prepared, fn: Any) -> tuple[bool, int]:
    """Is d(answer)/dx the function (the answer is an antiderivative)?  As :func:`_values_match`.

    The 40-digit derivative costs two evaluations a point: it is taken at one point first,
    and a mismatch there settles it (a match needs every point)."""
    first = next((i for i, f in enumerate(p.f_values) if f is not None), None)
    if first is not None:
        (d,) = numeric_derivative(fn, [p.envs[first]], p.variable)
        if d is not None and not same_values([p.f_values[first]], [d], p.scale):
            return False, 1  # compared at one point, and it differs
    return _values_match(p.f_values, numeric_derivative(fn, p.envs, p.variable), p.scale)


def _probe_isolated(p: Prepared, fn: Any, point: dict[str, float], d_fn: Any) -> bool:
    """True when the answer is defined at nearby points: an isolated singularity, not a region.

    Whether the answer is right is decided at the other test points, not here."""
    checked = 0
    for rel in (1e-7, -1e-7, 1e-4, -1e-4):
        env = p.env({k: v + rel * max(1.0, abs(v)) for k, v in point.items()})
        if value(d_fn, env) is None:
            continue  # the derivative itself is undefined there: this probe says nothing
        if value(fn, env) is None:
            return False
        checked += 1
    return checked >= 2


def _agrees_with_more_precision(p: Prepared, answer: sympy.Expr, failed: Sequence[int]) -> bool:
    """A mismatch caused by cancellation beyond 40 digits disappears with adaptive precision."""
    for i in failed[:3]:
        tick()
        v = precise_value(answer, p.points[i])
        if v is None or _values_match([p.d_values[i]], [v], p.scale) != (True, 1):
            return False
    return True


def _mistake_detail(p: Prepared, name: str, description: str, answer: sympy.Expr) -> str:
    if name in ("product_as_fprime_g", "product_missing_term"):
        from verifier.symbolic.steps import format_expr

        missing = sympy.expand(p.correct - answer)
        with contextlib.suppress(Exception):
            missing = sympy.factor(missing)
        return _("product rule: missing the term {term}").format(term=format_expr(missing))
    return description


def _diagnose(p: Prepared, answer: sympy.Expr, fn: Any, values: list[Any], ce: Counterexample):
    """The incorrect verdict, with the mistake whose values the answer matches (if any)."""
    for variant in p.variants:
        tick()
        if variant.kind == "derivative":
            matched, n = _derivative_matches(p, fn)
        else:
            matched, n = _values_match(variant.values, values, p.scale)
        if matched and n >= MIN_POINTS:
            detail = _mistake_detail(p, variant.name, variant.description, answer)
            return _Judgement(
                "incorrect",
                _("{counterexample}; likely mistake: {mistake}").format(
                    counterexample=ce.describe(), mistake=detail
                ),
                counterexample=ce,
                mistake=variant.name,
                mistake_hint=variant.hint,
                mistake_detail=detail,
            )
    return _Judgement("incorrect", ce.describe(), counterexample=ce)


def _with_constant(inner: _Judgement, typed: str) -> _Judgement:
    """An answer ending in '+ C' is the mistake ``antiderivative``; the rest is judged too."""
    m = INTEGRATION_CONSTANT
    ce = inner.counterexample
    rest = _("it is the derivative") if inner.verdict == "correct" else inner.reason
    rest = ce.describe() if ce is not None else rest
    description = _(m.description)
    return _Judgement(
        "incorrect",
        _("without the '{typed}', {rest}; likely mistake: {mistake}").format(
            typed=typed, rest=rest, mistake=description
        ),
        inner.counterexample,
        m.name,
        _(m.hint),
        description,
    )


def _judge(p: Prepared, answer: sympy.Expr) -> _Judgement:
    if any(answer == c for c in p.also_correct) or (answer - p.correct) == 0:
        return _Judgement(
            "correct",
            _("the answer is the derivative {derivative}").format(derivative=p.derivative_text),
        )
    fn = mp_compile(answer)
    d_fn = mp_compile(p.correct)
    values: list[Any] = []
    isolated: list[dict[str, float]] = []
    for env, point in zip(p.envs, p.points, strict=True):
        tick()
        v = value(fn, env)
        if v is None:
            if _probe_isolated(p, fn, point, d_fn):
                isolated.append(point)
            else:
                ce = Counterexample(point, float(p.d_values[len(values)]), None)
                return _Judgement(
                    "incorrect",
                    _(
                        "the answer is undefined (or not finite) on a region where the "
                        "derivative is defined: {counterexample}"
                    ).format(counterexample=ce.describe()),
                    counterexample=ce,
                )
        values.append(v)
    compared = [i for i, v in enumerate(values) if v is not None]
    c = derivative_comparison(
        np.array([p.d_values[i] for i in compared], dtype=object),
        [float(values[i]) for i in compared],
        p.scale,
    )
    note = ""
    if isolated:
        where = ", ".join(format_point(q, p.variables) for q in isolated)
        note = _(" (undefined only at the isolated point {point}, which is allowed)").format(
            point=where
        )
    if c.ok and len(compared) >= MIN_POINTS:
        return _Judgement(
            "correct",
            _("equals the derivative {derivative} at {n} test points{note}").format(
                derivative=p.derivative_text, n=len(compared), note=note
            ),
        )
    failed = [compared[j] for j in range(len(compared)) if not c.passed[j]]
    if not failed:  # right wherever defined, but defined at too few test points to judge
        return _Judgement(
            "incorrect",
            _("the answer is undefined at most test points (defined at {n})").format(
                n=len(compared)
            ),
        )
    if _agrees_with_more_precision(p, answer, failed):
        precise = [precise_value(answer, p.points[i]) for i in compared]
        if _values_match([p.d_values[i] for i in compared], precise, p.scale) == (
            True,
            len(compared),
        ):
            return _Judgement(
                "correct",
                _(
                    "equals the derivative {derivative} at {n} test points "
                    "(terms cancel: checked with adaptive precision){note}"
                ).format(derivative=p.derivative_text, n=len(compared), note=note),
            )
    bad = failed[0]  # the first failing point: nice points come first, easy to check by hand
    ce = Counterexample(p.points[bad], float(p.d_values[bad]), float(values[bad]))
    return _diagnose(p, answer, fn, values, ce)


def _given_points(p: Prepared, points: Any) -> tuple[tuple[dict[str, float], Any], ...]:
    """The given points with the exact derivative at each (a DomainError where f' is not)."""
    rows = points_array(points, p.variables)
    out = []
    for row in rows:
        point = dict(zip(p.variables, (float(a) for a in row), strict=True))
        ref = exact_derivative(
            p.expr, p.variable, point, variables=p.variables, derivative=p.correct
        )
        out.append((point, ref))
    return tuple(out)


def _judge_at(p: Prepared, answer: sympy.Expr, given: Sequence[tuple[dict, Any]]) -> _Judgement:
    """The verdict at exactly the given points, by :func:`verifier.policy.judge_derivative` on
    exact values (as the sweep's claim check): correct iff every point passes."""
    for point, ref in given:
        tick()
        try:
            v = exact_value(answer, point, variables=p.variables, what=_("the answer"))
        except DomainError:
            ce = Counterexample(point, float(ref), None)
            return _Judgement("incorrect", ce.describe(), counterexample=ce)
        if judge_derivative(ref, v).verdict != "pass":
            ce = Counterexample(point, float(ref), float(v))
            fn = mp_compile(answer)
            return _diagnose(p, answer, fn, [value(fn, env) for env in p.envs], ce)
    where = "; ".join(format_point(q, p.variables) for q, _ref in given)
    return _Judgement(
        "correct",
        _("equals the derivative {derivative} at {points}").format(
            derivative=p.derivative_text, points=where
        ),
    )


# ---------------------------------------------------------------------------------------------
# check_answer(): one answer
# ---------------------------------------------------------------------------------------------


def _variables(
    function: str | sympy.Expr, variable: str, variables: Sequence[str] | None
) -> tuple[str, ...]:
    if variables:
        return tuple(variables)
    if isinstance(function, sympy.Basic):  # a caller's expression brings its own variables
        return tuple(sorted({*expression_variables(function), variable}))
    return (variable,)


#: what a grade's time budget covers (an answer over budget raises OverBudget with this wording
#: on every executor: here under SIGALRM, or in a worker process killed at its budget)
ANSWER_WORK = N_("checking the answer")


def check_answer(
    function: str | sympy.Expr,
    answer: str | sympy.Expr,
    variable: str = "x",
    *,
    variables: Sequence[str] | None = None,
    points: Any = None,
    time_limit: float | None = 2.0,
    order: int = 1,
) -> Grade:
    """Grade ``answer`` as the derivative of ``function`` with respect to ``variable``
    (``order=n``: as its n-th derivative; an answer that is f' is "first derivative given").

    Policy (a careful teacher's, deterministic):

    * ``function`` and ``answer`` are text or sympy expressions; a sympy expression's symbols
      are matched BY NAME whatever their assumptions, and its free symbols are the variables
      unless ``variables`` names them;
    * text is parsed by :mod:`verifier.expr` (never evaluated as code); an equation is read
      as its right-hand side (``f'(x) = ...``, ``y' = ...``, ``dy/dx = ...``, ``d/dx = ...``);
      unparseable text is ``invalid`` with the parser's message and hint;
    * the answer is compared with the reference derivative (:mod:`verifier.reference`: the rule
      engine, cross-checked with ``sympy.diff``) at seeded test points where f and f' are real
      and finite, both at 40 digits, under the ``derivative`` row of
      :data:`verifier.policy.POLICY` (rtol 1e-12, absolute floor 1e-20 x max |f'|);
    * with ``points`` (numbers, or mappings for several variables) the answer is judged at
      exactly those points instead, by :func:`verifier.policy.judge_derivative` on exact values
      (the rule of the sweep's claim check and the suite): correct iff every point passes; a
      point where f is not differentiable raises :class:`~verifier.errors.DomainError`;
    * where the answer is undefined but f' is defined: an isolated point (the answer is right
      just beside it) is ignored, a region makes the answer incorrect;
    * the fast path is a symbolic zero (the answer and f' are the same sympy expression after
      sympy's automatic simplification); no unbounded ``simplify`` is ever called;
    * where the 40-digit values differ because terms of the answer cancel beyond 40 digits,
      sympy's adaptive-precision ``evalf`` (bounded) re-evaluates the failing points;
    * an incorrect answer that matches a faulty rule variant (verifier.symbolic) or a
      whole-answer mistake (sign error, the function itself, an antiderivative, another
      variable's partial) gets that mistake's name and hint.

    The problem's function is trusted input: if it does not parse, the error is raised.  An
    answer that takes longer than ``time_limit`` raises :class:`~verifier.limits.OverBudget`
    (the grader's limit, not the student's mistake).

    >>> check_answer("x^2 + 2x", "(2x^2 - 2)/(x - 1)").verdict
    'correct'
    >>> check_answer("ln(x)", "1/|x|").verdict
    'correct'
    >>> check_answer("x^2", "3.0001x").verdict
    'incorrect'
    >>> check_answer("x^2 y + y^3", "2xy", variable="x", variables=("x", "y")).verdict
    'correct'
    >>> check_answer(sympy.Symbol("x", positive=True) ** 2, "2x").verdict
    'correct'
    >>> check_answer("x^2", "2x + 1e-9", points=[0.5, 2.0]).verdict
    'incorrect'
    >>> check_answer("x^2 y", "2xy", variables=("x", "y"), points=[{"x": 1, "y": 3}]).reason
    'equals the derivative 2x y at x = 1, y = 3'
    >>> check_answer("x^2", "2x +").verdict
    'invalid'
    >>> check_answer("x^4", "4x^3", order=2).mistake
    'first_derivative_given'
    """
    names = _variables(function, variable, variables)
    setup_limit = max(10.0, 5 * (time_limit or 0))  # the teacher's function gets more room
    try:
        with _time_limit(setup_limit):
            p = prepare(function, variable, names, order)
            given = None if points is None else _given_points(p, points)
    except TimeUp:
        raise LimitError(
            _("preparing the problem {function} took longer than {seconds} s").format(
                function=f"{function!s:.60}", seconds=f"{setup_limit:g}"
            ),
            limit="time",
            hint=_("simplify the problem's function"),
        ) from None
    base = {
        "function": p.function,
        "answer": shown_answer(answer),
        "variable": variable,
        "steps": p.steps_text,
        "derivative": p.derivative_text,
    }
    try:
        with budget(time_limit, ANSWER_WORK):
            read = read_answer(answer, variable, names)
            jkey = (  # the reasons are worded in the current language
                language(),
                p.key,
                read.expr,
                None if given is None else tuple(tuple(q.values()) for q, _ref in given),
            )
            judgement = _JUDGEMENTS.get(jkey)
            if judgement is None:
                judgement = (
                    _judge(p, read.expr) if given is None else _judge_at(p, read.expr, given)
                )
                if len(_JUDGEMENTS) > 20_000:
                    _JUDGEMENTS.clear()
                _JUDGEMENTS[jkey] = judgement
    except OverBudget:
        raise  # not the student's mistake: the caller reports it (an error row, exit 2)
    except VerifierError as exc:
        return Grade("invalid", one_line(exc), **base)
    if read.constant:  # '+ C': integrated, whatever the rest is worth
        judgement = _with_constant(judgement, read.constant)
    reason = judgement.reason
    if read.warnings:
        reason += _("; note: {warnings}").format(warnings="; ".join(read.warnings))
    return Grade(
        judgement.verdict,
        reason,
        read_as=read.read_as,
        counterexample=judgement.counterexample,
        mistake=judgement.mistake,
        mistake_hint=judgement.mistake_hint,
        mistake_detail=judgement.mistake_detail,
        warnings=read.warnings + p.notes,
        **base,
    )
