"""The killable worker pool: units of untrusted work run where they can be stopped.

:class:`WorkerPool` starts worker processes once, feeds them chunks of units and kills and
replaces a worker whose unit runs past its budget; :func:`run_bounded` runs units under SIGALRM
in a main thread and in this process's pool elsewhere (a thread pool, a Dask worker), so the
outcome (a value, an exception, or :class:`~verifier.limits.OverBudget`) is the same whatever
executor called; :func:`local_executor` is ``--jobs N``.

>>> run_bounded(abs, [-3, 4], seconds=5)
[3, 4]
"""

from __future__ import annotations

import collections
import contextlib
import contextvars
import dataclasses
import gc
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from verifier.collector import SETTLE_UNITS, collector_paused, settle_garbage
from verifier.errors import VerifierError
from verifier.i18n import N_, _, language, use_language
from verifier.limits import OverBudget, budget, signals_usable

__all__ = [
    "GRACE",
    "WorkerPool",
    "close_shared_pool",
    "local_executor",
    "run_bounded",
    "shared_pool",
]


#: seconds a worker may run past a unit's budget before it is killed (its own SIGALRM is the
#: first stop; the kill is for a single C call that no signal interrupts)
GRACE = 0.5


#: a worker sends the results it has at most this often (and at the end of a batch): one
#: message per result made a reading thread wait for the interpreter lock for each one
FLUSH_SECONDS = 0.05


def _serve(conn: Any, preload: Sequence[str] = (), clock: Any = None) -> None:  # pragma: no cover
    """A worker's loop: import ``preload``, say ready, then run (setup, fn, items, language)
    messages, sending results in lists (see :data:`FLUSH_SECONDS`); the units speak the
    caller's language.  ``clock`` (shared memory) holds the unit in progress: its start on
    the monotonic clock and its index (-1: the setup), so the parent can judge it."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; it ends us
    warm_ups = []
    for name in preload:
        module_name, _colon, function = name.partition(":")
        with contextlib.suppress(Exception):
            module = importlib.import_module(module_name)
            if function:
                warm_ups.append(getattr(module, function))
    gc.freeze()  # what every unit shares is never walked again by the garbage collector
    conn.send(("ready", None))
    for warm_up in warm_ups:  # while the parent prepares the first batch (reads a class file)
        with contextlib.suppress(Exception):
            warm_up()
    if warm_ups:
        settle_garbage()
    units = 0
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        setup, fn, items, lang = msg
        with use_language(lang):
            if setup is not None:
                clock[0], clock[1] = time.monotonic(), -1
                ok, blob = _outcome(setup[0], *setup[1:])
                conn.send([blob])
                if not ok:  # every item gets the setup's error there
                    clock[0] = 0.0
                    continue
            sent, ready = time.monotonic(), []
            for index, item in enumerate(items):
                clock[0], clock[1] = time.monotonic(), index
                with collector_paused():  # as a unit run in the caller's process (run_bounded)
                    ready.append(_outcome(fn, item)[1])
                if time.monotonic() - sent >= FLUSH_SECONDS or index == len(items) - 1:
                    conn.send(ready)
                    sent, ready = time.monotonic(), []
            clock[0] = 0.0
        units += len(items)
        if units >= SETTLE_UNITS:
            units = 0
            settle_garbage()


def _outcome(fn: Any, *args: Any) -> tuple[bool, bytes]:
    """Whether ``fn(*args)`` returned, and its result or exception pickled once (the parent's
    ``recv`` unpickles)."""
    try:
        value: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as exc:  # noqa: BLE001  a unit's failure is its result
        value = ("error", exc)
    try:
        return value[0] == "ok", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an unpicklable result or exception: say what it was
        return False, pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


#: :class:`_Stopped`'s index when no unit was in progress (between units, or reading a batch)
_NO_UNIT = -2


def _unit_in_progress(w: Any) -> int:
    return int(w.clock[1]) if w.clock[0] else _NO_UNIT


@dataclasses.dataclass
class _Stopped:
    """A worker stopped: ``error`` is the result of the unit at ``index`` (-1: the setup;
    :data:`_NO_UNIT`: none was in progress)."""

    error: BaseException
    index: int


class _Worker:
    def __init__(self, ctx: Any, preload: Sequence[str] = (), *, wait: bool = True) -> None:
        import multiprocessing

        if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")  # one thread: a fork is safe and instant
        self.conn, child = ctx.Pipe()
        self.clock = ctx.RawArray("d", 2)  # the unit in progress: (start, index), see _serve
        self.process = ctx.Process(
            target=_serve, args=(child, tuple(preload), self.clock), daemon=True
        )
        forked = ctx.get_start_method() == "fork"
        thaw = forked and not gc.get_freeze_count()  # what was frozen before stays frozen
        if forked:  # the child's garbage collector never walks what it inherits: no copied pages
            gc.freeze()
        try:
            _start_process(self.process)
        finally:
            if thaw:
                gc.unfreeze()
        child.close()
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait until the worker has imported its modules (before any unit's clock starts)."""
        with contextlib.suppress(EOFError, OSError):
            if self.conn.poll(120):
                self.conn.recv()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(1.0)
        with contextlib.suppress(Exception):
            self.conn.close()


def _start_process(process: Any) -> None:
    import multiprocessing

    me = multiprocessing.current_process()
    daemonic = me._config.get("daemon")  # a Dask worker is daemonic; its units still need a pool
    try:
        me._config["daemon"] = False
        process.start()
    finally:
        me._config["daemon"] = daemonic


class WorkerPool:
    """Worker processes started once; units run there, each within its budget.

    :meth:`map` sends a chunk of items to one worker and reads their results (in lists, see
    :data:`FLUSH_SECONDS`); a worker whose item runs past ``seconds + GRACE`` (its start is in
    shared memory) is killed and replaced, the item becomes :class:`OverBudget` and the rest of
    the chunk goes on in the new worker.  Safe to call from
    several threads at once (each call takes its own worker).  ``preload``: modules the
    workers import once, before they start (the fork server keeps them); ``module:function``
    also calls ``function()`` in each worker once it is ready, to warm its caches while the
    parent prepares the first units.

    >>> with WorkerPool(1) as pool:
    ...     [type(r).__name__ if isinstance(r, BaseException) else r
    ...      for r in pool.map(abs, [-1, 2, "x"], seconds=5)]
    [1, 2, 'TypeError']
    """

    def __init__(self, size: int, *, preload: Sequence[str] = ()) -> None:
        import multiprocessing

        self.size = max(1, int(size))
        self._ctx = multiprocessing.get_context("forkserver")  # safe beside threads
        if preload:  # modules only: a warm-up function runs in each worker (see _serve)
            self._ctx.set_forkserver_preload([name.partition(":")[0] for name in preload])
        self._idle: list[_Worker] = []
        #: threads waiting for a worker, first come first served (a busy service's p99)
        self._waiting: collections.deque[queue.SimpleQueue[_Worker | None]] = collections.deque()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._preload = tuple(preload)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start every worker now (before threads exist, a fork is instant and safe)."""
        with self._lock:
            started = []
            while len(self._workers) < self.size:  # all start at once: they import in parallel
                w = _Worker(self._ctx, self._preload, wait=False)
                self._workers.add(w)
                started.append(w)
            for w in started:
                w.ready()
        for w in started:
            self._give(w)

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise VerifierError(_("the worker pool is closed"))
            if self._idle:
                return self._idle.pop()
            if len(self._workers) < self.size:
                w = _Worker(self._ctx, self._preload)
                self._workers.add(w)
                return w
            slot: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
            self._waiting.append(slot)
        w = slot.get()
        if w is None:  # the pool closed while this thread waited
            raise VerifierError(_("the worker pool is closed"))
        return w

    def _give(self, w: _Worker) -> None:
        """``w`` to the thread that has waited longest, else to the idle ones."""
        with self._lock:
            if not self._waiting:
                self._idle.append(w)
                return
            slot = self._waiting.popleft()
        slot.put(w)

    def _drop(self, w: _Worker) -> None:
        """Kill ``w`` and put a new worker in its place (a thread may be waiting for one)."""
        w.kill()
        with self._lock:
            self._workers.discard(w)
            if self._closed:
                return
            new = _Worker(self._ctx, self._preload)
            self._workers.add(new)
        self._give(new)

    def map(
        self,
        fn: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        seconds: float,
        what: str = N_("the work"),
        setup: tuple[Any, ...] | None = None,
        setup_seconds: float | None = None,
    ) -> list[Any]:
        """``[fn(item) for item in items]`` in one worker; an exception or OverBudget is a result.

        ``setup`` (``(function, *args)``) runs first in the worker, within ``setup_seconds``;
        when it fails, every item gets its exception.  The units speak the caller's language
        (:func:`verifier.i18n.language`), whichever process runs them.
        """
        lang = language()
        out: list[Any] = [None] * len(items)
        todo = list(range(len(items)))  # indices of the items still to run
        while todo:
            w = self._take()
            healthy = False
            try:
                w.conn.send((setup, fn, [items[i] for i in todo], lang))
                if setup is not None:
                    got = self._receive(w, setup_seconds or seconds, N_("the setup"))
                    stopped = isinstance(got, _Stopped)
                    tag, value = ("error", got.error) if stopped else got[0]
                    if tag != "ok":  # every item gets the setup's error
                        for i in todo:
                            out[i] = value
                        healthy = not stopped
                        return out
                done = 0
                while done < len(todo):
                    got = self._receive(w, seconds, what)
                    if isinstance(got, _Stopped):
                        if got.index == _NO_UNIT and done == 0:
                            for i in todo:  # it died before any unit began: do not retry
                                out[i] = got.error
                            return out
                        stuck = min(max(got.index, done), len(todo) - 1)
                        out[todo[stuck]] = got.error
                        # run on in a new worker: those done but not yet sent, and the rest
                        todo = todo[done:stuck] + todo[stuck + 1 :]
                        break
                    for _tag, value in got:
                        out[todo[done]] = value
                        done += 1
                else:
                    todo, healthy = [], True
            finally:
                if healthy:
                    self._give(w)
                else:
                    self._drop(w)
        return out

    def _receive(self, w: _Worker, seconds: float, what: str) -> list[tuple[str, Any]] | _Stopped:
        """The next list of results, or why the worker stopped: killed when its unit in
        progress ran past ``seconds + GRACE``, or dead."""
        limit = seconds + GRACE
        try:
            while True:
                started = w.clock[0]
                left = started + limit - time.monotonic() if started else limit
                if w.conn.poll(max(0.0, left)):
                    return [pickle.loads(blob) for blob in w.conn.recv()]
                if w.clock[0] == started:  # the same unit past its time (0: none started)
                    return _Stopped(OverBudget(seconds, what), _unit_in_progress(w))
        except (EOFError, OSError):
            w.process.join(1.0)
            code = w.process.exitcode
            error = RuntimeError(_("the worker process died (exit code {code})").format(code=code))
            return _Stopped(error, _unit_in_progress(w))

    def close(self) -> None:
        """End every worker (idle ones politely, busy ones by kill)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, set()
            waiting, self._waiting = list(self._waiting), collections.deque()
        for slot in waiting:
            slot.put(None)
        for w in workers:
            with contextlib.suppress(Exception):
                w.conn.send(None)
        polite = time.monotonic() + 0.2  # 0.2 s for them all, not each (Ctrl-C stops at once)
        for w in workers:
            w.process.join(max(0.0, polite - time.monotonic()))
            w.kill()


_shared: dict[int, WorkerPool] = {}


def shared_pool(preload: Sequence[str] = (), size: int | None = None) -> WorkerPool:
    """This process's pool for units that arrive in threads (a thread pool, a Dask worker).

    ``size`` (default: one worker per CPU) counts only when the pool is made.

    >>> shared_pool() is shared_pool()
    True
    """
    import atexit
    import os

    with _shared_lock:
        pool = _shared.get(os.getpid())
        if pool is None:
            n = size or os.cpu_count() or 2
            pool = _shared[os.getpid()] = WorkerPool(n, preload=preload)
            atexit.register(pool.close)
        else:  # new workers import what every caller so far asked for
            pool._preload = tuple(dict.fromkeys((*pool._preload, *preload)))
    return pool


_shared_lock = threading.Lock()


@contextlib.contextmanager
def local_executor(jobs: int, preload: Sequence[str] = ()) -> Iterator[Any]:
    """``jobs`` threads, each driving one process of this process's killable pool (``--jobs``).

    The workers start once and are ended on exit (also on Ctrl-C); tasks submitted here run
    their units through :func:`run_bounded`, so a runaway unit is killed, not waited for.

    >>> with local_executor(1) as ex:
    ...     ex.submit(run_bounded, abs, [-2], seconds=5).result()
    [2]
    """
    shared_pool(preload, size=jobs).start()
    threads = _ContextThreads(max_workers=jobs)
    try:
        yield threads
    finally:
        threads.shutdown(wait=False, cancel_futures=True)
        close_shared_pool()


class _ContextThreads(ThreadPoolExecutor):
    """Threads that run each task in a copy of the submitter's context (its language)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def close_shared_pool() -> None:
    """End the shared pool's workers (an interrupted run, the end of a test).

    >>> close_shared_pool()
    """
    import os

    with _shared_lock:
        pool = _shared.pop(os.getpid(), None)
    if pool is not None:
        pool.close()


def run_bounded(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    seconds: float,
    what: str = N_("the work"),
    setup: tuple[Any, ...] | None = None,
    setup_seconds: float | None = None,
    preload: Sequence[str] = (),
) -> list[Any]:
    """Run units where they can be stopped: here under SIGALRM in a main thread, else in the pool.

    Each result is ``fn(item)``'s value, or the exception it raised (an :class:`OverBudget`
    when it ran past ``seconds``): the same outcome whatever thread or executor called.

    >>> run_bounded(abs, [-3, 4], seconds=5)
    [3, 4]
    """
    if not signals_usable():
        return shared_pool(preload).map(
            fn, items, seconds=seconds, what=what, setup=setup, setup_seconds=setup_seconds
        )
    with collector_paused():
        return _run_here(fn, items, seconds, what, setup, setup_seconds)


def _run_here(fn: Callable[[Any], Any], items: Sequence[Any], seconds: float, what: str,
              setup: tuple[Any, ...] | None, setup_seconds: float | None) -> list[Any]:  # fmt: skip
    if setup is not None:
        try:
            with budget(setup_seconds or seconds, N_("the setup"), grace=GRACE):
                setup[0](*setup[1:])
        except Exception as exc:  # noqa: BLE001  the setup's failure is every item's result
            return [exc] * len(items)
    out: list[Any] = []
    for item in items:
        try:
            # as the pool's kill: the unit's own limit (``seconds``) goes first, this one GRACE later
            with budget(seconds, what, grace=GRACE):
                out.append(fn(item))
        except Exception as exc:  # noqa: BLE001  a unit's failure is its result
            out.append(exc)
    return out
