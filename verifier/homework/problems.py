"""Problem files (TOML ``[[problem]]`` tables): read and validated whole before any grading.

Every problem of the file is checked (types, ranges, unknown keys with a ``did you mean``
hint, the function parses) and every problem found is reported at once, each with
``file:line``, the problem id and the key.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
>>> _ = p.write_text('[[problem]]\\nid = "p1"\\nfunction = "x^3"\\npointz = 2\\n')
>>> load_problems(p)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
verifier.errors.CaseError: ...p.toml:4: case 'p1': key 'pointz': unknown key
hint: did you mean points? allowed keys: function, id, order, partial, points, variable, variables
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import CaseError, VerifierError
from verifier.homework.answer import one_line
from verifier.homework.scores import Credit, read_partial
from verifier.i18n import _
from verifier.limits import MAX_ORDER

__all__ = ["MAX_POINTS", "MAX_PROBLEMS", "Problem", "load_problems"]

#: the largest score one problem may be worth, and the most problems in one file
MAX_POINTS = 1e6
MAX_PROBLEMS = 10_000
_ALLOWED = ("function", "id", "order", "partial", "points", "variable", "variables")


@dataclass(frozen=True)
class Problem:
    """One homework problem: differentiate ``function`` with respect to ``variable``.

    >>> Problem("p1", "x^2 y", variable="y", variables=("x", "y"), points=2.0).variables
    ('x', 'y')
    """

    id: str
    function: str
    variable: str = "x"
    variables: tuple[str, ...] | None = None
    points: float = 1.0
    order: int = 1  # 2: the answer is f''
    partial: Credit = ()  # (mistake name, fraction of the points): see homework.scores

    def all_variables(self) -> tuple[str, ...]:
        """The problem's variables (``(variable,)`` when none are listed).

        >>> Problem("p1", "x^2").all_variables()
        ('x',)
        """
        return tuple(self.variables) if self.variables else (self.variable,)


class _Lines:
    """The line of each ``[[problem]]`` header and of each key inside it (1-based)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.heads = [
            i for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*problem\s*\]\]", line)
        ]

    def of(self, index: int, key: str | None = None) -> int | None:
        if index >= len(self.heads):
            return None
        start = self.heads[index]
        end = self.heads[index + 1] if index + 1 < len(self.heads) else len(self.lines)
        if key is not None:
            for i in range(start + 1, end):
                if re.match(rf"\s*{re.escape(key)}\s*=", self.lines[i]):
                    return i + 1
        return start + 1


def _hint(key: str) -> str:
    close = difflib.get_close_matches(key, _ALLOWED, n=2, cutoff=0.6)
    guess = _("did you mean {names}? ").format(names=_(" or ").join(close)) if close else ""
    return guess + _("allowed keys: {keys}").format(keys=", ".join(_ALLOWED))


def _problem(t: dict[str, Any], i: int, fail: Any) -> Problem | None:
    """One table as a Problem; each fault goes to ``fail(message, key, hint)`` (None back)."""
    pid = t.get("id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)  # id = 3 and a CSV saying 3 mean the same problem
    if not isinstance(pid, str) or not pid.strip():
        return fail(
            _("problem #{n} has no string 'id'").format(n=i + 1), "id", _('add id = "p1"'), None
        )
    extra = sorted(set(t) - set(_ALLOWED))
    if extra:
        return fail(_("unknown key"), extra[0], _hint(extra[0]), pid)
    fn = t.get("function")
    if not isinstance(fn, str) or not fn.strip():
        return fail(_("missing or empty 'function'"), "function", _('function = "x^2"'), pid)
    variable, variables = t.get("variable"), t.get("variables")
    if variables is not None:
        if not (
            isinstance(variables, list) and variables and all(isinstance(v, str) for v in variables)
        ):
            return fail(_("'variables' must be a list of names"), "variables", None, pid)
        variables = tuple(variables)
        variable = variables[0] if variable is None else variable
    variable = "x" if variable is None else variable
    if not isinstance(variable, str):
        return fail(_("'variable' must be a name"), "variable", _('variable = "x"'), pid)
    if variables is not None and variable not in variables:
        return fail(
            _("variable {variable!r} is not in variables").format(variable=variable),
            "variable",
            None,
            pid,
        )
    pts = t.get("points", 1)
    if (
        isinstance(pts, bool)
        or not isinstance(pts, int | float)
        or not math.isfinite(pts)
        or not 0 <= pts <= MAX_POINTS
    ):
        hint = _("a finite number from 0 to {MAX_POINTS:g}").format(MAX_POINTS=MAX_POINTS)
        return fail(
            _("'points' must be a number >= 0, got {pts!r}").format(pts=pts), "points", hint, pid
        )
    order = t.get("order", 1)
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        hint = _("a whole number from 1 to {MAX_ORDER} (2: the second derivative)").format(
            MAX_ORDER=MAX_ORDER
        )
        return fail(
            _("'order' must be a whole number >= 1, got {order!r}").format(order=order),
            "order",
            hint,
            pid,
        )
    try:
        partial = read_partial(t.get("partial"))
    except VerifierError as exc:
        return fail(exc.message, "partial", exc.hint, pid)
    return Problem(pid, fn, variable, variables, float(pts), order, partial)


def load_problems(path: str | os.PathLike[str]) -> dict[str, Problem]:
    """Read ``[[problem]]`` tables (id, function, variable(s), points, order, partial) from TOML.

    The whole file is validated before any grading: every problem's keys, types and ranges,
    and every function is parsed.  All problems found are raised at once as a CaseError (the
    first names the file, line, problem id and key; the rest follow, one per line).  A UTF-8
    BOM is fine.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
    >>> _ = p.write_text('[[problem]]\\nid = "p1"\\nfunction = "x^3"\\npoints = 2\\n')
    >>> load_problems(p)["p1"].points
    2.0
    """
    from verifier.expr import parse

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise CaseError(
            _("file not found"), path=str(p), hint=_("check the --problems path")
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise CaseError(_("not valid TOML: {exc}").format(exc=exc), path=str(p)) from None
    except RecursionError:
        raise CaseError(_("not valid TOML: nested too deeply"), path=str(p)) from None
    lines = _Lines(text)
    tables = data.get("problem")
    hint = _('write [[problem]] id = "p1" function = "x^2" variable = "x" points = 1')
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise CaseError(_("no [[problem]] tables"), path=str(p), key="problem", hint=hint)
    extra = sorted(set(data) - {"problem"})
    if extra:
        raise CaseError(_("unknown top-level key"), path=str(p), key=extra[0], hint=hint)
    if len(tables) > MAX_PROBLEMS:
        raise CaseError(
            _("more than {MAX_PROBLEMS:,} problems").format(MAX_PROBLEMS=MAX_PROBLEMS),
            path=str(p),
            key="problem",
        )
    problems: dict[str, Problem] = {}
    errors: list[CaseError] = []
    for i, t in enumerate(tables):

        def fail(message: str, key: str, hint: str | None, pid: str | None, i: int = i) -> None:
            line = lines.of(i, key)
            errors.append(
                CaseError(message, path=str(p), case_id=pid, key=key, line=line, hint=hint)
            )

        prob = _problem(t, i, fail)
        if prob is None:
            continue
        if prob.id in problems:
            fail(_("duplicate problem id"), "id", None, prob.id)
            continue
        try:
            parse(prob.function, prob.all_variables())
        except VerifierError as exc:
            fail(
                _("the function does not parse: {one_line}").format(one_line=one_line(exc)),
                "function",
                None,
                prob.id,
            )
            continue
        problems[prob.id] = prob
    if errors:
        first = errors[0]
        if len(errors) > 1:
            first.message += "".join(f"\\n{e}" for e in errors[1:])
        raise first
    return problems
