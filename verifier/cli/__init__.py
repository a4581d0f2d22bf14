"""The ``verifier`` command: a thin layer that parses arguments, calls the library, prints.

Each verb lives in its own module ``verifier/cli/<verb>.py`` with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``.

Exit codes: 0 all held, 1 verified and something failed, 2 usage error or bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from verifier.errors import VerifierError

VERBS = ("diff", "sweep", "check", "grade", "gradcheck", "descend", "run")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verifier",
        description="Check derivatives symbolically and numerically.",
    )
    from verifier import __version__

    parser.add_argument("--version", action="version", version=f"verifier {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in VERBS:
        try:
            module = importlib.import_module(f"verifier.cli.{verb}")
        except ModuleNotFoundError as exc:  # a verb whose module is not installed
            if exc.name != f"verifier.cli.{verb}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from verifier.cli.args import protect_negatives

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # a negative number or an expression starting with "-" is a value, not an option
    args = parser.parse_args(protect_negatives(parser, argv))
    if not getattr(args, "verb", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args))
    except VerifierError as exc:
        print(f"verifier {args.verb}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `verifier ... | head` closed the pipe: no traceback. Point stdout at devnull so
        # the interpreter's final flush does not complain either, and exit like a
        # program stopped by SIGPIPE (128 + 13), as `yes | head` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
