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

import math
import signal
import threading
import time
from typing import Any

from verifier.errors import LimitError, VerifierError
from verifier.i18n import N_, _

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

    def __init__(self, seconds: float, what: str = N_("the work")) -> None:
        super().__init__(  # ``what``: marked with N_ where it is written, translated here
            _("over budget: {what} took longer than {seconds} s").format(
                what=_(what), seconds=f"{seconds:g}"
            ),
            limit="time",
            hint=_("simplify it, or allow more time (--time-limit)"),
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
            _("{option} must be a number of seconds > 0 and <= {most}, got {value}").format(
                option=option, most=f"{MAX_SECONDS:g}", value=value
            )
        )
    return v


_local = threading.local()


def _stack() -> list[time_limit]:
    """This thread's open limits, outermost first (each keeps the tighter deadline)."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def deadline() -> float:
    """The current thread's deadline on the ``time.monotonic`` clock (``inf``: none).

    >>> deadline()
    inf
    """
    stack = getattr(_local, "stack", None)
    return stack[-1].deadline if stack else math.inf


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
            any(limit.uses_signal for limit in _stack())  # our own outer limit: nest inside it
            or signal.getitimer(signal.ITIMER_REAL)[0] == 0.0  # nobody else's alarm is running
        )
    )


def signals_usable() -> bool:
    """True where :func:`time_limit` can interrupt a long sympy call (a main thread).

    >>> isinstance(signals_usable(), bool)
    True
    """
    return _signals_usable()


def _on_alarm(signum: int, frame: Any) -> None:
    # One handler for every nested limit.  It judges by the innermost open deadline, not by
    # which limit set the timer: an alarm that lands after its limit has closed (the work
    # finished just as it fired) finds a later deadline, or none, and raises nothing.
    stack = getattr(_local, "stack", None)
    if not stack:
        return
    left = stack[-1].deadline - time.monotonic()
    if left > 0:  # early, or meant for a limit closed since: wait for the rest
        signal.setitimer(signal.ITIMER_REAL, left)
        return
    while frame is not None:
        if frame.f_code in _LIMIT_CODE:
            # a limit is being opened or closed: an exception now would escape before the
            # `with` body is protected, or cut the clean-up short.  Ring again in a moment.
            if any(limit.uses_signal for limit in stack):
                signal.setitimer(signal.ITIMER_REAL, 1e-4)
            return
        frame = frame.f_back
    # A TimeUp raised inside a garbage-collector callback, a __del__ or a weakref callback is
    # printed and dropped by Python: the limit would stay open past its deadline with no alarm
    # left (seen in CI: a hypothesis gc callback).  So it rings again, until a TimeUp lands.
    signal.setitimer(signal.ITIMER_REAL, RING_AGAIN)
    raise TimeUp()


#: seconds after which an alarm rings again when its TimeUp was dropped (see _on_alarm)
RING_AGAIN = 0.05

_UNSET = object()


class time_limit:  # noqa: N801  a context manager, used like a function
    """Bound the work inside: SIGALRM in a main thread (interrupts sympy), deadline checks always.

    ``None`` or a non-positive number means no limit.  Open limits are kept on a per-thread
    stack, and leaving one also closes any limit opened inside it that was never left (an
    interrupt between two context managers' ``__enter__`` and their ``with`` body), so a
    stale deadline can never outlive the work it bounded.

    >>> import time as _t
    >>> try:
    ...     with time_limit(0.05):
    ...         while True:
    ...             _t.sleep(0.01)
    ...             tick()
    ... except TimeUp:
    ...     print("time up")
    time up
    >>> deadline()
    inf
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = (
            None if seconds is None or seconds <= 0 else check_seconds(seconds, "a time limit")
        )
        self.deadline = math.inf
        self.uses_signal = False
        self.old_handler: Any = _UNSET
        self._state = "new"

    def __enter__(self) -> time_limit:
        if self.seconds is None:
            return self
        stack = _stack()
        self.deadline = min(deadline(), time.monotonic() + self.seconds)
        self.uses_signal = _signals_usable()
        owner = self.uses_signal and not any(limit.uses_signal for limit in stack)
        self._state = "open"
        stack.append(self)
        if self.uses_signal:
            if owner:
                self.old_handler = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, max(1e-6, self.deadline - time.monotonic()))
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self.seconds is not None and self._state == "open":
            self._leave()
        return False

    def _leave(self) -> None:
        self._state = "done"
        stack = _stack()
        at = next((i for i, limit in enumerate(stack) if limit is self), None)
        if at is None:  # closed already by an enclosing limit
            return
        removed = stack[at:]  # this limit and any opened inside it that were never left
        del stack[at:]
        if not any(limit.uses_signal for limit in removed):
            return
        if any(limit.uses_signal for limit in stack):
            # the enclosing limit's alarm goes on; if its deadline has passed, it fires at once
            signal.setitimer(signal.ITIMER_REAL, max(1e-6, deadline() - time.monotonic()))
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        handler = next((lim.old_handler for lim in removed if lim.old_handler is not _UNSET), None)
        if handler is not None:
            signal.signal(signal.SIGALRM, handler)


class budget(time_limit):  # noqa: N801  a context manager, used like a function
    """:func:`time_limit`, with the timeout as :class:`OverBudget` (a clear error, no traceback).

    A timeout of an enclosing, tighter limit passes through as :class:`TimeUp` for that limit.
    ``grace`` lets the work run that much longer before it is stopped (a backstop behind the
    unit's own limit) while the error still names ``seconds``.

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

    def __init__(
        self, seconds: float | None, what: str = N_("the work"), grace: float = 0.0
    ) -> None:
        limited = seconds is not None and seconds > 0
        super().__init__(seconds + grace if limited else None)
        self.reported = seconds
        self.what = what
        self.own = math.inf

    def __enter__(self) -> budget:
        self.own = math.inf if self.seconds is None else time.monotonic() + self.seconds
        try:
            super().__enter__()
        except TimeUp:
            self._translate()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            super().__exit__(exc_type, exc, tb)
        except TimeUp:
            exc_type = TimeUp
        if exc_type is not None and issubclass(exc_type, TimeUp):
            self._translate()
        return False

    def _translate(self) -> None:
        if deadline() < self.own:  # an outer, tighter deadline ran out: the outer's to report
            raise TimeUp()
        raise OverBudget(self.reported or 0.0, self.what) from None


# The alarm handler never raises inside these (or anything they call): Python runs signal
# handlers between bytecodes, a function's entry among them, and an exception there would skip
# a clean-up or escape from ``__enter__`` before the ``with`` statement can call ``__exit__``.
_LIMIT_CODE = frozenset(
    f.__code__
    for f in (
        time_limit.__enter__,
        time_limit.__exit__,
        time_limit._leave,
        budget.__enter__,
        budget.__exit__,
        budget._translate,
    )
)
