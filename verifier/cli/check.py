"""``verifier check FUNCTION --answer ANSWER``: grade one derivative answer.

Exit codes: 0 correct, 1 incorrect, 2 invalid answer (or a function that does not parse).
"""

from __future__ import annotations

import argparse
import json

from verifier.errors import VerifierError
from verifier.i18n import _
from verifier.limits import check_seconds

_EXIT = {"correct": 0, "incorrect": 1, "invalid": 2}


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``check`` verb."""
    p = subparsers.add_parser(
        "check",
        help="check a student's derivative of a function",
        description=(
            "Check ANSWER as the derivative of FUNCTION. Prints the verdict, how the answer was "
            "read, a counterexample and the likely mistake when it is wrong, and the correct steps. "
            "Exit 0 correct, 1 incorrect, 2 invalid input."
        ),
    )
    p.add_argument("function", help='the function, e.g. "x^3 e^x"')
    p.add_argument(
        "--answer", "-a", required=True, help='the answer, e.g. "3x^2 e^x" or "f\'(x) = ..."'
    )
    p.add_argument(
        "--var",
        default=None,
        help="variable to differentiate by (default x, or the first of --vars)",
    )
    p.add_argument(
        "--vars", default=None, help="all variables of the function, comma separated: x,y"
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument(
        "--order", type=int, default=1, help="which derivative the answer is: 2 for f'' (default 1)"
    )
    p.add_argument(
        "--time-limit", type=float, default=2.0, help="seconds allowed for the answer (default 2)"
    )
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Grade one answer and print the result; return the exit code."""
    from verifier.homework.judge import check_answer

    check_seconds(args.time_limit)
    variables = None
    if args.vars:
        variables = tuple(v.strip() for v in args.vars.split(",") if v.strip())
        if not variables:
            raise VerifierError(_("--vars is empty"), hint=_("write --vars x,y"))
    variable = args.var or (variables[0] if variables else "x")
    if variables and variable not in variables:
        raise VerifierError(
            _("--var {variable} is not among --vars {vars}").format(
                variable=variable, vars=args.vars
            ),
            hint=_("add it to --vars"),
        )
    grade = check_answer(
        args.function, args.answer, variable, variables=variables, time_limit=args.time_limit,
        order=args.order,
    )  # fmt: skip
    if args.format == "json":
        print(json.dumps(grade.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(grade.report())
    return _EXIT[grade.verdict]
