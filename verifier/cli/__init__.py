"""The ``verifier`` command: a thin layer that parses arguments, calls the library, prints.

Each verb lives in its own module ``verifier/cli/<verb>.py`` with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``.

Exit codes: 0 all held, 1 verified and something failed, 2 usage error or bad input,
130 Ctrl-C, 143 SIGTERM (workers ended, the previous report kept), 141 a closed pipe.
Everything printed shows control characters visibly (no escape sequence from input reaches
the terminal).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from verifier.errors import VerifierError
from verifier.i18n import _, language, use_language

VERBS = ("diff", "sweep", "check", "grade", "gradcheck", "descend", "run", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verifier",
        description="Check derivatives symbolically and numerically.",
    )
    from verifier import __version__
    from verifier.cli.args import add_language_option

    parser.add_argument("--version", action="version", version=f"verifier {__version__}")
    add_language_option(parser)
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in VERBS:
        try:
            module = importlib.import_module(f"verifier.cli.{verb}")
        except ModuleNotFoundError as exc:  # a verb whose module is not installed
            if exc.name != f"verifier.cli.{verb}":
                raise
            continue
        module.add_parser(sub)
        add_language_option(sub.choices[verb])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from verifier.cli.args import protect_negatives
    from verifier.collector import imports_settled

    with imports_settled():  # every verb's module, and through them sympy and numpy
        parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # a negative number or an expression starting with "-" is a value, not an option
    args = parser.parse_args(protect_negatives(parser, argv))
    if not getattr(args, "verb", None):
        parser.print_help(sys.stderr)
        return 2
    # --lang, else the environment (VERIFIER_LANG, the locale), read once for the whole run
    with use_language(getattr(args, "lang", None) or language()):
        return _run(args)


def console() -> None:
    """The ``verifier`` script (and ``python -m verifier``): :func:`main`, then exit at once.

    An interpreter's normal exit frees every object one by one (sympy's caches, the run's
    tables): ~0.5 s after a ``verifier run`` had printed everything.  Here the exit
    handlers run and the streams are flushed, then the process ends.  The normal exit is
    kept when other threads are alive (nothing of ours leaves one: it joins them) and under
    a profiler or a tracer (``python -m cProfile``, a debugger), which write after us.
    """
    import atexit

    code = main()
    if threading.active_count() > 1 or sys.getprofile() or sys.gettrace():
        raise SystemExit(code)
    atexit._run_exitfuncs()  # what the normal exit runs first (multiprocessing, finalizers)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = _broken_pipe()
    except (OSError, ValueError):  # a stream closed or lost: the normal exit says nothing either
        pass
    os._exit(code)


def _run(args: argparse.Namespace) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Visible(sys.stdout), _Visible(sys.stderr)
    old_term = None
    if threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.handler(args))
    except VerifierError as exc:
        print(
            _("verifier {verb}: error: {message}").format(verb=args.verb, message=exc),
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print(_("terminated") if terminated else _("interrupted"), file=sys.stderr)
        return 143 if terminated else 130
    except OSError as exc:  # a report that cannot be written (a full disk, a vanished folder)
        if isinstance(exc, BrokenPipeError):
            return _broken_pipe()
        where = f": {exc.filename}" if exc.filename else ""
        message = f"{exc.strerror or exc}{where}"
        print(
            _("verifier {verb}: error: {message}").format(verb=args.verb, message=message),
            file=sys.stderr,
        )
        return 2
    finally:
        sys.stdout, sys.stderr = streams
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _broken_pipe() -> int:
    # `verifier ... | head` closed the pipe: no traceback. Point stdout at devnull so
    # the interpreter's final flush does not complain either, and exit like a
    # program stopped by SIGPIPE (128 + 13), as `yes | head` does.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.__stdout__.fileno())
    return 141


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C (so every cleanup runs) but exit 143."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


# control characters a terminal would act on (ESC sequences, backspace, bidi overrides),
# shown as visible escapes; newline, tab and carriage return (progress bars) pass
_INVISIBLE = {
    c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t\r"
}
_INVISIBLE.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def visible(text: str) -> str:
    r"""``text`` safe for a terminal: control characters become visible escapes.

    >>> visible("a\x1b[2Jb")
    'a\\x1b[2Jb'
    """
    return text.translate(_INVISIBLE)


class _Visible:
    """A text stream that shows control characters visibly (see :func:`visible`)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
