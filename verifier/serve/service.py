"""One running service: its settings, problems, database, result cache and worker pool.

:meth:`Service.run` is how every endpoint gets work done: a cached result at once, else the
unit runs in the killable pool (:func:`verifier.serve.work.run_unit`) from a thread of the
service's own limiter, so the event loop never waits for an answer and a slow answer only
holds the worker it runs in, until its budget is spent.  Work on a function the service has
not met yet (preparing it can take a worker most of a second) is let into at most all
workers but one at a time (:attr:`Service.unmet`), so answers to known functions always have
a worker.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread

from verifier.collector import SETTLE_UNITS, settle_garbage
from verifier.homework.problems import Problem, load_problems
from verifier.i18n import N_, _, resolve_language, use_language
from verifier.serve.db import Database
from verifier.serve.settings import Settings
from verifier.serve.work import PRELOAD, ResultCache, WorkFailed, cache_key, check_unit, run_unit

__all__ = ["Service"]

#: the words a budget names, per kind of work
#: functions the service remembers having met (the commonest stay: a class works on a few)
MET_FUNCTIONS = 10_000

_WHAT = {
    "check": N_("checking the answer"),
    "read": N_("reading the answer"),
    "diff": N_("the derivative"),
    "sweep": N_("the sweep"),
}


class Service:
    """What the endpoints share; made by :func:`verifier.serve.app.create_app`, opened on start.

    >>> s = Service(Settings(database="sqlite://"))
    >>> sorted(s.problems)[:2]
    ['chain', 'log']
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.problems: dict[str, Problem] = load_problems(settings.problems)
        self.db = Database(settings.database)
        self.cache = ResultCache(settings.cache_size)
        self.limiter: anyio.CapacityLimiter | None = None
        self.unmet: anyio.CapacityLimiter | None = None  # work on functions not met yet
        self.met: dict[str, None] = {}  # functions prepared (bounded, oldest forgotten)
        self.shown: dict[str, dict[str, str]] = {}
        self._fresh = 0  # results computed (not from the cache), for the garbage collector

    def open(self) -> None:
        """Migrate the database, start the worker processes, show each problem's function."""
        from verifier.expr import parse
        from verifier.report.mathml import to_mathml
        from verifier.symbolic.notation import format_expr
        from verifier.workers import shared_pool

        self.db.migrate()
        for name in PRELOAD:  # a worker forked from here starts with them imported
            importlib.import_module(name)
        shared_pool(PRELOAD, size=self.settings.workers).start()
        self.limiter = anyio.CapacityLimiter(max(4, 8 * self.settings.workers))
        self.unmet = anyio.CapacityLimiter(max(1, self.settings.workers - 1))
        for pid, problem in self.problems.items():
            expr = parse(problem.function, variables=problem.all_variables())
            self.shown[pid] = {"text": format_expr(expr), "mathml": to_mathml(expr)}
            self._meet(problem.function)  # the teacher's functions: never held back
        settle_garbage()  # the modules and problems: never walked by the garbage collector again

    def close(self) -> None:
        """Stop the workers and release the database."""
        from verifier.workers import close_shared_pool

        close_shared_pool()
        self.db.close()

    async def run(
        self, kind: str, unit: Callable[[dict[str, Any]], dict[str, Any]], req: dict[str, Any]
    ) -> dict[str, Any]:
        """``unit(req)``'s result, from the cache or the pool; raises :class:`WorkFailed`."""
        req = {
            **req,
            "lang": resolve_language(req.get("lang")),
            "seconds": self.settings.time_limit,
        }
        key = cache_key(kind, req)
        hit = self.cache.get(key)
        if hit is None:
            self._fresh += 1
            if self._fresh % SETTLE_UNITS == 0:  # the cache's new entries, frozen in passing
                settle_garbage()
            call = functools.partial(self._work, kind, unit, req)
            function = req.get("function")
            new = function is not None and function not in self.met and self.unmet is not None
            try:  # work on a new function leaves a worker free for the functions already met
                async with self.unmet if new else contextlib.nullcontext():
                    hit = ("ok", await anyio.to_thread.run_sync(call, limiter=self.limiter))
                if new:
                    self._meet(function)
            except WorkFailed as exc:
                if exc.status == 503:
                    raise  # over budget: perhaps a busy moment; not remembered
                hit = ("failed", exc)
            self.cache.put(key, hit)
        if hit[0] == "failed":
            raise hit[1]
        return hit[1]

    def _meet(self, function: str) -> None:
        self.met.pop(function, None)  # most recently met last: the oldest is forgotten first
        if len(self.met) >= MET_FUNCTIONS:
            del self.met[next(iter(self.met))]
        self.met[function] = None

    def _work(self, kind: str, unit: Callable[..., Any], req: dict[str, Any]) -> dict[str, Any]:
        with use_language(req["lang"]):
            return run_unit(unit, req, seconds=self.settings.time_limit, what=_(_WHAT[kind]))

    def problem(self, pid: str) -> Problem:
        """The problem ``pid``; :class:`WorkFailed` 404 naming the known ones."""
        problem = self.problems.get(pid)
        if problem is None:
            known = ", ".join(sorted(self.problems)[:10])
            raise WorkFailed(
                404,
                {
                    "message": _("there is no problem {pid!r}").format(pid=pid),
                    "position": None,
                    "hint": _("pick one of: {known}").format(known=known),
                },
            )
        return problem

    def problem_request(self, problem: Problem, answer: str) -> dict[str, Any]:
        """The check request of ``answer`` to ``problem``."""
        return {
            "function": problem.function,
            "answer": answer,
            "variable": problem.variable,
            "variables": list(problem.variables) if problem.variables else None,
            "order": problem.order,
        }

    async def submit(self, student: str, pid: str, answer: str, lang: str | None) -> dict[str, Any]:
        """Judge and record a student's answer to a problem: the grade and the row's id.

        An unreadable answer is not recorded (:class:`WorkFailed` 422, the student retypes it).
        """
        problem = self.problem(pid)
        grade = await self.run(
            "check", check_unit, {**self.problem_request(problem, answer), "lang": lang}
        )
        if grade["verdict"] == "invalid":
            raise WorkFailed(422, grade["error"], grade)
        row = {
            "student": student.strip(),
            "problem": pid,
            "answer": answer,
            "lang": resolve_language(lang),
            "verdict": grade["verdict"],
            "mistake": grade["mistake"],
            "reason": grade["reason"],
            "read_as": (grade["read_as"] or {}).get("text"),
            "points": problem.points if grade["verdict"] == "correct" else 0.0,
            "max_points": problem.points,
        }
        sid = await anyio.to_thread.run_sync(functools.partial(self.db.add, **row))
        return {"id": sid, "points": row["points"], "max_points": problem.points, **grade}
