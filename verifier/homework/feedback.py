"""Feedback as records: what each student answered and how it was judged, and the class's mistakes.

The graded frame of :func:`~verifier.homework.classroom.grade_class` becomes one
:class:`StudentFeedback` per student (every problem of the set, each attempt with its verdict,
counterexample, mistake and score) and a table of the commonest mistakes per problem
(:func:`class_mistakes`).  Nothing here writes files or HTML: the pages are made by
:mod:`verifier.report.feedback` and :mod:`verifier.report.classpage`.

>>> import pandas as pd
>>> from verifier.homework.classroom import Problem, grade_class
>>> subs = pd.DataFrame({"student": ["ann", "ann"], "problem": ["p", "q"],
...                      "answer": ["2x", "-cos(x)"]})
>>> graded = grade_class(subs, [Problem("p", "x^2"), Problem("q", "sin(x)", points=2)])
>>> fb = student_feedback(graded)[0]
>>> fb.student, fb.score, fb.max_score, fb.problems[1].attempts[0].mistake
('ann', 1.0, 3.0, 'sin_derivative_sign')
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from verifier.errors import VerifierError
from verifier.homework.classroom import DEFAULT_COLUMNS
from verifier.homework.grade import Counterexample
from verifier.homework.problems import Problem
from verifier.i18n import _
from verifier.symbolic.mistakes import MISTAKES, WHOLE_ANSWER_MISTAKES

__all__ = [
    "Attempt",
    "ProblemFeedback",
    "StudentFeedback",
    "class_mistakes",
    "graded_problems",
    "mistake_words",
    "problem_derivation",
    "student_feedback",
]


def mistake_words(name: str) -> tuple[str, str]:
    """The English description and hint of a mistake name (translate with ``_()`` to show).

    >>> mistake_words("sign_error")[0]
    'the answer is the negative of the derivative'
    >>> mistake_words("no_such_mistake")
    ('', '')
    """
    if name in MISTAKES:
        return MISTAKES[name].description, MISTAKES[name].hint
    if name in WHOLE_ANSWER_MISTAKES:
        return WHOLE_ANSWER_MISTAKES[name][0], WHOLE_ANSWER_MISTAKES[name][1]
    return "", ""


@dataclass(frozen=True)
class Attempt:
    """One submitted answer to one problem, as judged.

    >>> Attempt("p", "2x", "2x", "correct", "", "", None, 1.0).ok
    True
    """

    problem: str
    answer: str  # as typed
    read_as: str  # how it was read, in homework notation ('' when it could not be read)
    verdict: str  # correct | incorrect | invalid | error
    reason: str
    mistake: str  # a mistake name ('' when none was recognised)
    counterexample: Counterexample | None
    score: float
    line: int | None = None  # the line of the class file

    @property
    def ok(self) -> bool:
        """True when the answer is correct."""
        return self.verdict == "correct"

    def expression(self, variables: tuple[str, ...]) -> sympy.Expr | None:
        """The answer as read, as an expression (None when it was not read).

        >>> Attempt("p", "2 x", "2x", "correct", "", "", None, 1.0).expression(("x",))
        2*x
        """
        if not self.read_as:
            return None
        from verifier.expr import parse

        try:
            return parse(self.read_as, variables)
        except (VerifierError, RecursionError, ValueError, TypeError):
            return None


@dataclass(frozen=True)
class ProblemFeedback:
    """A problem of the set and one student's attempts at it (none: not answered)."""

    problem: Problem
    attempts: tuple[Attempt, ...]

    @property
    def score(self) -> float:
        """The best attempt's score (0 when not answered)."""
        return max((a.score for a in self.attempts), default=0.0)


@dataclass(frozen=True)
class StudentFeedback:
    """Everything one student's page shows: each problem, each attempt, the total.

    ``score`` counts the best attempt at each problem; ``max_score`` is every problem's points.
    ``unmatched`` are rows naming no problem of the set (a mistyped problem id): not graded.
    """

    student: str
    problems: tuple[ProblemFeedback, ...]
    unmatched: tuple[Attempt, ...] = ()

    @property
    def score(self) -> float:
        """The student's total."""
        return float(sum(p.score for p in self.problems))

    @property
    def max_score(self) -> float:
        """The points of the whole set."""
        return float(sum(p.problem.points for p in self.problems))

    def to_frame(self):
        """One row per attempt: problem, answer, read_as, verdict, mistake, score."""
        import pandas as pd

        rows = [
            {
                "problem": p.problem.id,
                "answer": a.answer,
                "read_as": a.read_as,
                "verdict": a.verdict,
                "mistake": a.mistake,
                "score": a.score,
            }
            for p in self.problems
            for a in p.attempts
        ]
        return pd.DataFrame(
            rows, columns=["problem", "answer", "read_as", "verdict", "mistake", "score"]
        )


def graded_problems(graded: Any) -> dict[str, Problem]:
    """The problems a graded frame was graded against (kept in ``graded.attrs``), in file order.

    >>> import pandas as pd
    >>> from verifier.homework.classroom import grade_class
    >>> g = grade_class(pd.DataFrame({"student": ["a"], "problem": ["p"], "answer": ["1"]}),
    ...                 [Problem("p", "x", partial=(("sign_error", 0.5),))])
    >>> graded_problems(g)["p"].partial
    (('sign_error', 0.5),)
    """
    found = graded.attrs.get("problems")
    if not isinstance(found, Mapping):
        raise VerifierError(
            _("the graded table does not say which problems it was graded against"),
            hint=_("pass the table grade_class returned: it keeps the problems with it"),
        )
    out = {}
    for pid, d in found.items():
        d = dict(d)
        if d.get("variables") is not None:
            d["variables"] = tuple(d["variables"])
        d["partial"] = tuple((str(k), float(v)) for k, v in d.get("partial", ()))
        out[str(pid)] = Problem(**d)
    return out


def _counterexample(text: Any) -> Counterexample | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        d = json.loads(text)
        return Counterexample(dict(d["point"]), float(d["correct"]), d["answer"])
    except (ValueError, KeyError, TypeError):
        return None


def _line(value: Any) -> int | None:
    with contextlib.suppress(TypeError, ValueError):
        return int(value)
    return None


def _attempts(graded: Any) -> list[tuple[str, Attempt]]:
    cols = graded.attrs.get("columns", DEFAULT_COLUMNS)
    out = []
    for row in graded.to_dict(orient="records"):
        pid = str(row.get(cols["problem"], "")).strip()
        attempt = Attempt(
            problem=pid,
            answer=str(row.get(cols["answer"], "")),
            read_as=str(row.get("read_as", "") or ""),
            verdict=str(row.get("verdict", "")),
            reason=str(row.get("reason", "")),
            mistake=str(row.get("mistake", "") or ""),
            counterexample=_counterexample(row.get("counterexample")),
            score=float(row.get("score", 0.0) or 0.0),
            line=_line(row.get("line")),
        )
        out.append((str(row.get(cols["student"], "")), attempt))
    return out


def student_feedback(graded: Any) -> list[StudentFeedback]:
    """One :class:`StudentFeedback` per student of a graded frame, sorted by student.

    Each lists every problem of the set in the problem file's order (a problem the student
    did not answer has no attempts and scores 0), and every attempt in the class file's order.
    """
    problems = graded_problems(graded)
    by_student: dict[str, list[Attempt]] = {}
    for student, attempt in _attempts(graded):
        by_student.setdefault(student, []).append(attempt)
    out = []
    for student in sorted(by_student):
        attempts = by_student[student]
        items = tuple(
            ProblemFeedback(prob, tuple(a for a in attempts if a.problem == pid))
            for pid, prob in problems.items()
        )
        unmatched = tuple(a for a in attempts if a.problem not in problems)
        out.append(StudentFeedback(student, items, unmatched))
    return out


def class_mistakes(graded: Any, examples: int = 3):
    """Per problem, what went wrong and how often: a DataFrame, commonest first.

    Columns: problem, verdict (incorrect or invalid), mistake (a name; '' for an incorrect
    answer with no recognised mistake), count, examples (up to ``examples`` distinct answers as
    typed, commonest first).

    >>> import pandas as pd
    >>> from verifier.homework.classroom import grade_class
    >>> subs = pd.DataFrame({"student": list("abcd"), "problem": ["p"] * 4,
    ...                      "answer": ["-2x", "-2x", "x^2", "2x +"]})
    >>> t = class_mistakes(grade_class(subs, [Problem("p", "x^2")]))
    >>> t[["mistake", "count"]].values.tolist()
    [['sign_error', 2], ['original_function', 1], ['', 1]]
    """
    import pandas as pd

    groups: dict[tuple[str, str, str], Counter[str]] = {}
    for _student, a in _attempts(graded):
        if a.verdict not in ("incorrect", "invalid"):
            continue
        key = (a.problem, a.verdict, a.mistake if a.verdict == "incorrect" else "")
        groups.setdefault(key, Counter())[a.answer] += 1
    order = {pid: i for i, pid in enumerate(graded.attrs.get("problems", {}))}
    rows = [
        {
            "problem": pid,
            "verdict": verdict,
            "mistake": mistake,
            "count": sum(answers.values()),
            "examples": tuple(a for a, _n in answers.most_common(examples)),
        }
        for (pid, verdict, mistake), answers in groups.items()
    ]
    rows.sort(
        key=lambda r: (
            order.get(r["problem"], len(order)),
            r["problem"],
            -r["count"],
            r["verdict"] != "incorrect",
            r["mistake"] == "",
            r["mistake"],
        )
    )
    return pd.DataFrame(rows, columns=["problem", "verdict", "mistake", "count", "examples"])


def problem_derivation(problem: Problem) -> Any:
    """The rule engine's derivation of a problem (the steps a student page shows), or None.

    >>> problem_derivation(Problem("p", "x^3")).result
    3*x**2
    """
    from verifier.homework.prepared import prepare

    try:
        return prepare(
            problem.function, problem.variable, problem.all_variables(), problem.order
        ).derivation
    except (VerifierError, RecursionError):
        return None
