"""Argument helpers shared by the verbs: negative numbers, the variable of an expression.

argparse reads any word that starts with ``-`` as an option, so ``--from -1,1`` and
``diff "-x^2"`` were refused.  :func:`protect_negatives` marks such a word as a value before
argparse sees it (a leading space, which every reader of numbers and expressions ignores)
unless it is one of the verb's own options.

>>> import argparse
>>> p = argparse.ArgumentParser()
>>> _ = p.add_argument("expr"); _ = p.add_argument("--from", dest="start")
>>> _ = p.add_argument("-k")
>>> args = p.parse_args(protect_negatives(p, ["-x^2", "--from", "-1,1", "-k", "a"]))
>>> args.expr.strip(), args.start.strip(), args.k
('-x^2', '-1,1', 'a')
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from verifier.errors import VerifierError
from verifier.i18n import LANGUAGES, _

__all__ = ["add_language_option", "infer_variable", "option_strings", "protect_negatives"]


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """``--lang ko|en`` on ``parser`` (every verb has it; unset, the environment decides).

    >>> p = argparse.ArgumentParser(); add_language_option(p)
    >>> p.parse_args(["--lang", "ko"]).lang, hasattr(p.parse_args([]), "lang")
    ('ko', False)
    """
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=argparse.SUPPRESS,
        help="language of the messages (default: VERIFIER_LANG, then the locale, then en)",
    )


def option_strings(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of ``parser`` (``-k``, ``--from``, ``--help``, ...)."""
    return {s for action in parser._actions for s in action.option_strings}


def _is_option(word: str, options: set[str]) -> bool:
    if word == "--" or word.startswith("--"):
        return True  # long options (and typos of them) stay options: argparse names them
    name = word.split("=", 1)[0]
    if name in options:
        return True
    return len(word) > 2 and word[:2] in options  # -kPATTERN: a short option and its value


def protect_negatives(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``argv`` with each ``-...`` word that is not an option of its verb marked as a value.

    The verb is the first word naming one of the parser's sub-commands (its options are
    the ones that count after it); a word after ``--`` is left alone.
    """
    options = option_strings(parser)
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    out: list[str] = []
    rest = False
    for word in argv:
        if rest or not word.startswith("-") or len(word) < 2:
            if not rest and subparsers and word in subparsers[0].choices:
                options = option_strings(subparsers[0].choices[word]) | {"-h", "--help"}
            rest = rest or word == "--"
            out.append(word)
            continue
        out.append(word if _is_option(word, options) else " " + word)
    return out


def infer_variable(expr: object, asked: str | None, text: str) -> str:
    """The variable to differentiate ``expr`` by: ``asked``, or the one it has.

    An expression with several variables needs ``--var`` (the error lists them); a
    variable asked for that does not occur is an error listing those that do.  A constant
    has no variable: ``x`` (its derivative is 0).

    >>> from verifier.expr import parse
    >>> infer_variable(parse("t^2 + 1", variables=None), None, "t^2 + 1")
    't'
    >>> try:
    ...     infer_variable(parse("x0^2+x1^2", variables=None), None, "x0^2+x1^2")
    ... except VerifierError as exc:
    ...     print(exc)
    x0^2+x1^2 has several variables (x0, x1): which one?
    hint: add --var x0, or --var x1
    """
    names = sorted(str(s) for s in getattr(expr, "free_symbols", ()))
    if asked is not None:
        asked = asked.strip()
        if names and asked.isidentifier() and asked not in names:
            others = ", ".join(names[1:])
            raise VerifierError(
                _("--var {var}: {text} has no {var}; its variables: {names}").format(
                    var=asked, text=text, names=", ".join(names)
                ),
                hint=(
                    _("use --var {var} (or {others})") if others else _("use --var {var}")
                ).format(var=names[0], others=others),
            )
        return asked
    if not names:
        return "x"
    if len(names) > 1:
        raise VerifierError(
            _("{text} has several variables ({names}): which one?").format(
                text=text, names=", ".join(names)
            ),
            hint=_("add --var {first}, or --var {second}").format(first=names[0], second=names[1]),
        )
    return names[0]
