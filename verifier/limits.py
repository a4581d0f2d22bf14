"""Deadlines and budgets for untrusted work (an expression, an answer, a case, a request).

A budget is a wall-clock deadline that holds on any executor:

* in the main thread of a process, ``SIGALRM`` interrupts even a long sympy call;
* everywhere (worker threads, Dask workers, nested limits) a cooperative deadline is kept
  per thread and :func:`tick` raises :class:`TimeUp` once it has passed; code that loops
  over untrusted work calls :func:`tick` before each expensive step.

Nested limits keep the tighter deadline.  :class:`TimeUp` derives from ``BaseException`` so
that sympy's broad ``except Exception`` handlers cannot swallow it; it never leaves the library:
:func:`budget` turns it into :class:`OverBudget`, a :class:`~verifier.errors.LimitError` with the
same wording on every executor.

Work that may run away inside one C call, or in a thread (where no signal reaches it), runs in a
:class:`verifier.workers.WorkerPool`: worker processes started once, fed chunks of units, and
killed and replaced when a unit runs past its budget.

>>> with time_limit(5.0):
...     remaining() <= 5.0
True
>>> remaining() == float("inf")
True
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

from verifier.errors import LimitError, VerifierError

__all__ = [
    "MAX_ORDER",
    "MAX_SECONDS",
    "OverBudget",
    "TimeUp",
    "budget",
    "check_seconds",
    "deadline",
    "remaining",
    "signals_usable",
    "tick",
    "time_limit",
]

#: the largest budget a user may ask for (one hour per unit)
MAX_SECONDS = 3600.0
#: the highest derivative a case or a problem may ask for: f^(10) of a short expression is
#: already long, and a higher order is a typo
MAX_ORDER = 10


class TimeUp(BaseException):  # noqa: N818  BaseException: sympy's broad `except Exception` must not swallow it
    """Raised when the current time budget is exhausted."""


class OverBudget(LimitError):  # noqa: N818  a result, worded the same on every executor
    """A unit of work (an expression, an answer, a case) ran past its time budget.

    >>> str(OverBudget(2, "the answer"))
    'over budget: the answer took longer than 2 s\\nhint: simplify it, or allow more time (--time-limit)'
    """

    def __init__(self, seconds: float, what: str = "the work") -> None:
        super().__init__(
            f"over budget: {what} took longer than {seconds:g} s",
            limit="time",
            hint="simplify it, or allow more time (--time-limit)",
        )
        self.seconds = seconds


def check_seconds(value: float, option: str = "--time-limit") -> float:
    """A user's budget in seconds: finite, > 0 and at most :data:`MAX_SECONDS`.

    >>> check_seconds(2)
    2.0
    >>> check_seconds(float("nan"))
    Traceback (most recent call last):
    ...
    verifier.errors.VerifierError: --time-limit must be a number of seconds > 0 and <= 3600, got nan
    """
    v = float(value)
    if not (math.isfinite(v) and 0 < v <= MAX_SECONDS):
        raise VerifierError(
            f"{option} must be a number of seconds > 0 and <= {MAX_SECONDS:g}, got {value}"
        )
    return v


_local = threading.local()


def deadline() -> float:
    """The current thread's deadline on the ``time.monotonic`` clock (``inf``: none).

    >>> deadline()
    inf
    """
    return getattr(_local, "deadline", math.inf)


def remaining() -> float:
    """Seconds left before the current deadline (``inf`` when there is none).

    >>> remaining()
    inf
    """
    d = deadline()
    return math.inf if math.isinf(d) else max(0.0, d - time.monotonic())


def tick() -> None:
    """Cooperative check: raise :class:`TimeUp` when the current deadline has passed.

    >>> tick()  # no deadline: nothing happens
    """
    if time.monotonic() > deadline():
        raise TimeUp()


def _signals_usable() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and (
            getattr(_local, "armed", False)  # our own outer limit: nest inside it
            or signal.getitimer(signal.ITIMER_REAL)[0] == 0.0  # nobody else's alarm is running
        )
    )


def signals_usable() -> bool:
    """True where :func:`time_limit` can interrupt a long sympy call (a main thread).

    >>> isinstance(signals_usable(), bool)
    True
    """
    return _signals_usable()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Bound the work inside: SIGALRM in a main thread (interrupts sympy), deadline checks always.

    ``None`` or a non-positive number means no limit.

    >>> import time as _t
    >>> try:
    ...     with time_limit(0.05):
    ...         while True:
    ...             _t.sleep(0.01)
    ...             tick()
    ... except TimeUp:
    ...     print("time up")
    time up
    """
    if seconds is None or seconds <= 0:
        yield
        return
    seconds = check_seconds(seconds, "a time limit")
    previous = deadline()
    _local.deadline = min(previous, time.monotonic() + seconds)
    armed = False
    outer = getattr(_local, "armed", False)
    old_handler: Any = None
    if _signals_usable():

        def _on_alarm(signum: int, frame: Any) -> None:
            raise TimeUp()

        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(1e-6, _local.deadline - time.monotonic()))
        armed = _local.armed = True
    try:
        yield
    finally:
        if armed:
            # an alarm that fires during this clean-up must not leave the timer, the handler
            # or the deadline of this limit behind for the next unit of work: block it, then
            # consume it if it came
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            try:
                _local.deadline = previous
                signal.setitimer(signal.ITIMER_REAL, 0)
                if signal.SIGALRM in signal.sigpending():
                    signal.sigwait({signal.SIGALRM})
                signal.signal(signal.SIGALRM, old_handler)
                _local.armed = outer
                if outer:  # the outer limit's alarm goes on
                    signal.setitimer(signal.ITIMER_REAL, max(1e-6, previous - time.monotonic()))
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
        _local.deadline = previous


@contextlib.contextmanager
def budget(seconds: float | None, what: str = "the work") -> Iterator[None]:
    """:func:`time_limit`, with the timeout as :class:`OverBudget` (a clear error, no traceback).

    A timeout of an enclosing, tighter limit passes through as :class:`TimeUp` for that limit.

    >>> import time as _t
    >>> try:
    ...     with budget(0.05, "the loop"):
    ...         while True:
    ...             _t.sleep(0.01)
    ...             tick()
    ... except OverBudget as exc:
    ...     print(exc.message)
    over budget: the loop took longer than 0.05 s
    """
    if seconds is None or seconds <= 0:
        yield
        return
    own = time.monotonic() + seconds
    try:
        with time_limit(seconds):
            yield
    except TimeUp:
        if deadline() < own:  # an outer, tighter deadline ran out: it is the outer's to report
            raise
        raise OverBudget(seconds, what) from None
