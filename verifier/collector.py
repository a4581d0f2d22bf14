"""The garbage collector around units of untrusted work: paused while a unit runs under its
budget, settled (collected, then frozen) between units.

A full collection is one C call that no signal interrupts, and it walks every tracked object:
inside a unit it is time the unit's budget did not plan for.

>>> with collector_paused():
...     settle_garbage()
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["SETTLE_UNITS", "collector_paused", "imports_settled", "settle_garbage"]


#: units a worker runs between two :func:`settle_garbage` calls
SETTLE_UNITS = 100


def settle_garbage() -> None:
    """Collect the garbage made since the last call, then freeze what survived (the caches).

    A full collection walks every tracked object: with a worker's caches grown to ~200,000
    objects it stopped one unit for ~160 ms every few hundred (a service's p99).  Collected
    here, between units, it walks only the objects made since the last freeze (~10 ms a
    hundred homework checks).

    >>> settle_garbage()
    """
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while units run under SIGALRM; what is due runs after them.

    A full collection is one C call that no signal interrupts, and in a process forked from a
    large one (a pytest session, a notebook) it walks every inherited object: inside a unit
    the alarm waits for it.  Between units, it delays nobody's budget.

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def imports_settled() -> Iterator[None]:
    """Import modules with the collector paused, then freeze what they made.

    Importing sympy, pandas and numpy makes about a million long-lived objects and no garbage
    to speak of; as the heap grows the collector walks it all again and again (~0.15 s of a
    command's start).  Frozen afterwards, no later collection walks them (nor one in a worker
    process forked from here).

    >>> with imports_settled():
    ...     import json
    >>> gc.get_freeze_count() > 0
    True
    """
    with collector_paused():
        yield
    gc.freeze()
