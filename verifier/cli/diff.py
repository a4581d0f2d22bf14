"""``verifier diff EXPR``: the derivative by the rule table, optionally with its steps.

>>> from verifier.cli import main
>>> main(["diff", "x^2 + 2x + 1"])
2*x + 2
0
"""

from __future__ import annotations

import argparse
import json

FORMATS = ("text", "markdown", "latex", "json")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``diff`` verb."""
    parser = subparsers.add_parser(
        "diff",
        help="differentiate an expression by rules, with steps",
        description=(
            "Differentiate EXPR (homework notation: 'x^2 + 2x + 1', 'sin x cos x', 'e^(2x)') "
            "with respect to --var. Other letters are variables held constant (a partial "
            "derivative). An expression starting with '-' goes after '--': "
            "verifier diff -- '-x^2'."
        ),
    )
    parser.add_argument("expr", metavar="EXPR", help="the expression, quoted")
    parser.add_argument("--var", default="x", help="differentiate with respect to VAR (default x)")
    parser.add_argument(
        "--steps", action="store_true", help="show the rules applied, one line per step"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format (default text; json always includes the steps)",
    )
    parser.add_argument(
        "--fallback",
        action="store_true",
        help="let sympy.diff handle a function with no rule (shown as a 'fallback' step)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds allowed (default 60)"
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Print the derivative (and steps); errors propagate to the dispatcher (exit 2)."""
    import sympy

    from verifier.expr import parse
    from verifier.limits import budget, check_seconds
    from verifier.symbolic.rules import differentiate
    from verifier.symbolic.steps import derivation_to_dict, render_steps

    with budget(check_seconds(args.time_limit), "the derivative"):
        expr = parse(args.expr, variables=None)
        derivation = differentiate(expr, args.var, fallback=args.fallback)
    if args.format == "json":
        print(json.dumps(derivation_to_dict(derivation), indent=2, ensure_ascii=False))
    elif args.steps:
        print(render_steps(derivation, args.format))
    elif args.format == "latex":
        print(sympy.latex(derivation.result))
    else:
        print(derivation.result)
    return 0
