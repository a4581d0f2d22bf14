"""Deadlines and budgets for untrusted work (an expression, an answer, a case, a request).

A budget is a wall-clock deadline that holds on any executor:

* in the main thread of a process, ``SIGALRM`` interrupts even a long sympy call;
* everywhere (worker threads, Dask workers, nested limits) a cooperative deadline is kept
  per thread and :func:`tick` raises :class:`TimeUp` once it has passed; code that loops
  over untrusted work calls :func:`tick` before each expensive step.

Nested limits keep the tighter deadline.  :class:`TimeUp` derives from ``BaseException`` so
that sympy's broad ``except Exception`` handlers cannot swallow it.

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

__all__ = ["TimeUp", "deadline", "remaining", "tick", "time_limit"]


class TimeUp(BaseException):  # noqa: N818  BaseException: sympy's broad `except Exception` must not swallow it
    """Raised when the current time budget is exhausted."""


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
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0  # nobody else's alarm is running
    )


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
    previous = deadline()
    _local.deadline = min(previous, time.monotonic() + seconds)
    armed = False
    old_handler: Any = None
    if _signals_usable():

        def _on_alarm(signum: int, frame: Any) -> None:
            raise TimeUp()

        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        armed = True
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        _local.deadline = previous
