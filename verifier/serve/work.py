"""The service's untrusted work: units that run in the killable worker pool, and their cache.

Every expression or answer a client sends is parsed, differentiated and judged in a worker
process of :mod:`verifier.workers` (never in the event loop, never in a thread that cannot be
stopped): :func:`run_unit` hands one unit to :func:`verifier.workers.run_bounded` from a
thread of its own limiter, so a slow answer holds one worker until its budget runs out and
is killed there, while the event loop goes on serving everyone else.

A unit is a plain function of one JSON-able request dict returning a JSON-able dict; it
speaks the request's language (``use_language``, inside the worker) and reuses the library's
own judges (:func:`verifier.homework.judge.check_answer`, the rule engine, the sweep), so the
verdicts are the ones ``verifier check`` gives.  Results are cached by the whole request
(function, answer, variables, order, language): a repeated answer costs a dictionary look-up.

>>> check_unit({"function": "x^2", "answer": "2x", "lang": "en"})["verdict"]
'correct'
>>> read_unit({"answer": "2x +", "lang": "en"})["error"]["position"]
4
>>> read_unit({"answer": "1/2x", "lang": "en"})["text"]
'x/2'
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from verifier.errors import LimitError, VerifierError
from verifier.i18n import _, use_language
from verifier.limits import OverBudget, budget

__all__ = [
    "PRELOAD",
    "ResultCache",
    "WorkFailed",
    "check_unit",
    "diff_unit",
    "error_dict",
    "read_unit",
    "run_unit",
    "sweep_unit",
]

#: modules the worker processes import once, before their first unit
PRELOAD = (
    "verifier.serve.work",
    "verifier.homework.judge",
    "verifier.report.mathml",
    "verifier.symbolic.steps",
    "verifier.sweep",
    "verifier.report.sweep",
    "verifier.report.svg",
)


class WorkFailed(Exception):  # noqa: N818  a unit's outcome, carried to the HTTP layer
    """A unit that did not produce a result: unreadable input (422) or over budget (503)."""

    def __init__(self, status: int, error: dict[str, Any], extra: dict[str, Any] | None = None):
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error
        self.extra = extra or {}


def error_dict(exc: VerifierError) -> dict[str, Any]:
    """An error as the CLI shows it, split into fields: message, position, hint.

    >>> from verifier.errors import ParseError
    >>> error_dict(ParseError("unexpected end", text="2x +", position=4, hint="finish it"))
    {'message': 'unexpected end', 'position': 4, 'hint': 'finish it'}
    """
    return {
        "message": exc.message,
        "position": getattr(exc, "position", None),
        "hint": exc.hint,
    }


def _names(req: dict[str, Any]) -> tuple[str, tuple[str, ...] | None]:
    variables = tuple(req.get("variables") or ()) or None
    variable = req.get("variable") or (variables[0] if variables else "x")
    if variables and variable not in variables:  # as ``verifier check --var --vars``
        raise VerifierError(
            _("the variable {var} is not among the variables {names}").format(
                var=variable, names=", ".join(variables)
            ),
            hint=_("add it to the variables"),
        )
    return variable, variables


def _shown(expr: Any, text: str | None = None) -> dict[str, str]:
    """An expression three ways: homework text (``text`` when already known), LaTeX, MathML."""
    from verifier.report.mathml import to_mathml
    from verifier.symbolic.notation import format_expr
    from verifier.symbolic.steps import latex_expr

    text = format_expr(expr) if text is None else text
    return {"text": text, "latex": latex_expr(expr), "mathml": to_mathml(expr)}


def _read(req: dict[str, Any]) -> dict[str, Any]:
    from verifier.homework.answer import read_answer

    variable, variables = _names(req)
    read = read_answer(req["answer"], variable, variables)
    return {
        **_shown(read.expr, read.read_as),
        "notation": read.notation,
        "warnings": list(read.warnings),
    }


def _budget(req: dict[str, Any], what: str) -> budget:
    """The request's own time budget, kept inside the worker (SIGALRM in its main thread), so
    a unit over it stops with OverBudget before the pool has to kill the process."""
    return budget(req.get("seconds"), what)


def _failure(exc: VerifierError) -> dict[str, Any]:
    """A unit's failure as a result (an exception does not cross the process boundary whole):
    503 over the time budget, 422 for anything else the library refused."""
    over = isinstance(exc, OverBudget) or (isinstance(exc, LimitError) and exc.limit == "time")
    return {"failed": 503 if over else 422, "error": error_dict(exc)}


def _unit(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``fn`` as a unit: its VerifierError (over budget too) becomes a failure result."""

    @functools.wraps(fn)
    def unit(req: dict[str, Any]) -> dict[str, Any]:
        with use_language(req.get("lang")):
            try:
                return fn(req)
            except VerifierError as exc:
                return _failure(exc)
            except RecursionError:
                return _failure(VerifierError(_("the input is nested too deeply")))

    return unit


@_unit
def read_unit(req: dict[str, Any]) -> dict[str, Any]:
    """How an answer is read (the live preview): text, LaTeX, MathML and warnings."""
    with _budget(req, _("reading the answer")):
        return _read(req)


@_unit
def check_unit(req: dict[str, Any]) -> dict[str, Any]:
    """Judge one answer with :func:`~verifier.homework.judge.check_answer` (the CLI's judge).

    The grade's fields, plus ``read_as`` as text, LaTeX and MathML and, for an ``invalid``
    answer, the parser's ``error`` (message, position, hint).
    """
    from verifier.homework.judge import check_answer

    variable, variables = _names(req)
    grade = check_answer(
        req["function"],
        req["answer"],
        variable,
        variables=variables,
        time_limit=req.get("seconds", 2.0),
        order=req.get("order", 1),
    )
    out = grade.to_dict()
    out["counterexample_text"] = grade.counterexample.describe() if grade.counterexample else None
    out["error"] = None
    out["read_as"] = None
    try:
        with _budget(req, _("reading the answer")):
            out["read_as"] = _read(req)
    except OverBudget:
        raise
    except VerifierError as exc:
        out["error"] = error_dict(exc)
    if grade.verdict == "invalid" and out["error"] is None:
        out["error"] = {"message": grade.reason, "position": None, "hint": None}
    return out


@_unit
def diff_unit(req: dict[str, Any]) -> dict[str, Any]:
    """The derivative by the rule engine, with its steps (``verifier diff --format json``)."""
    from verifier.expr import parse
    from verifier.symbolic.rules import differentiate
    from verifier.symbolic.steps import derivation_to_dict, render_steps

    with _budget(req, _("the derivative")):
        expr = parse(req["function"], variables=None)
        variable = req.get("variable") or _only_variable(expr)
        derivation = differentiate(expr, variable, order=req.get("order", 1))
        out = derivation_to_dict(derivation)
        out["derivative"] = _shown(derivation.result)
        out["steps_text"] = render_steps(derivation, "text")
        out["variable"] = variable
    return out


def _only_variable(expr: Any) -> str:
    names = sorted(str(s) for s in expr.free_symbols)
    if len(names) > 1:
        raise VerifierError(
            _("the function has several variables ({names}): which one?").format(
                names=", ".join(names)
            ),
            hint=_('add "variable": "{name}" to the request').format(name=names[0]),
        )
    return names[0] if names else "x"


@_unit
def sweep_unit(req: dict[str, Any]) -> dict[str, Any]:
    """The error-vs-h table (as ``verifier sweep --format json``) and its figure as SVG."""
    from verifier.report.svg import error_svg
    from verifier.report.sweep import sweep_json
    from verifier.sweep import sweep

    with _budget(req, _("the sweep")):
        table = sweep(
            req["function"], req.get("variable"), [float(p) for p in req["points"]],
            req.get("methods"), order=req.get("order", 1),
        )  # fmt: skip
        out = json.loads(sweep_json(table))
        out["svg"] = error_svg(table.frame, table.analysis, error="abs_error")
    return out


# ---------------------------------------------------------------------------------------------
# Running units: the pool, the cache
# ---------------------------------------------------------------------------------------------


class ResultCache:
    """A bounded least-recently-used cache of unit results, safe across threads.

    >>> c = ResultCache(2)
    >>> c.put("a", 1); c.put("b", 2); _ = c.get("a"); c.put("c", 3)
    >>> c.get("b") is None, c.get("a"), len(c)
    (True, 1, 2)
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The cached value for ``key`` (None when absent); marks it recently used."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        """Remember ``value`` for ``key``, forgetting the least recently used beyond ``size``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def cache_key(kind: str, req: dict[str, Any]) -> str:
    """The cache key of a request: its kind and every field, in a canonical order.

    >>> cache_key("check", {"b": 1, "a": [2]})
    'check{"a":[2],"b":1}'
    """
    return kind + json.dumps(req, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def run_unit(
    unit: Callable[[dict[str, Any]], dict[str, Any]],
    req: dict[str, Any],
    *,
    seconds: float,
    what: str,
) -> dict[str, Any]:
    """Run ``unit(req)`` where it can be stopped (blocking: call it from a worker thread).

    Raises :class:`WorkFailed`: 503 when the unit ran past ``seconds``, 422 when the input
    cannot be read (a :class:`~verifier.errors.VerifierError` of any other kind).

    >>> run_unit(check_unit, {"function": "x^2", "answer": "2x"}, seconds=5, what="it")["verdict"]
    'correct'
    """
    from verifier.workers import run_bounded

    (out,) = run_bounded(unit, [req], seconds=seconds, what=what, preload=PRELOAD)
    if isinstance(out, VerifierError):  # the pool stopped the unit (killed past its budget)
        out = _failure(out)
    if isinstance(out, BaseException):
        raise out
    if "failed" in out:
        raise WorkFailed(out["failed"], out["error"])
    return out
