"""``verifier diff EXPR``: the derivative by the rule table, optionally with its steps.

>>> from verifier.cli import main
>>> main(["diff", "x^2 + 2x + 1"])
2x + 2
0
>>> main(["diff", "-t^3", "--format", "python"])
-3*t**2
0
"""

from __future__ import annotations

import argparse
import json

from verifier.i18n import N_

FORMATS = ("text", "markdown", "latex", "json", "python")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``diff`` verb."""
    parser = subparsers.add_parser(
        "diff",
        help="differentiate an expression by rules, with steps",
        description=(
            "Differentiate EXPR (homework notation: 'x^2 + 2x + 1', 'sin x cos x', 'e^(2x)') "
            "with respect to --var (default: the expression's one variable). Other letters "
            "are variables held constant (a partial derivative). The result is printed the "
            "way homework is written; --format python prints sympy's form."
        ),
    )
    parser.add_argument("expr", metavar="EXPR", help="the expression, quoted")
    parser.add_argument(
        "--var",
        default=None,
        help="differentiate with respect to VAR (default: the expression's only variable);"
        " x,y is the mixed partial d^2/dy dx",
    )
    parser.add_argument(
        "--order", type=int, default=1, help="the derivative's order: 2 for f'' (default 1)"
    )
    parser.add_argument(
        "--steps", action="store_true", help="show the rules applied, one line per step"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format (default text, homework notation; python: sympy's; json always "
        "includes the steps)",
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
    from verifier.cli.args import infer_variable
    from verifier.expr import parse
    from verifier.limits import budget, check_seconds
    from verifier.symbolic.rules import differentiate
    from verifier.symbolic.steps import derivation_to_dict, latex_expr, render_steps, result_text

    with budget(check_seconds(args.time_limit), N_("the derivative")):
        expr = parse(args.expr, variables=None)
        if args.var is not None and "," in args.var:
            var = [infer_variable(expr, v, args.expr.strip()) for v in args.var.split(",")]
        else:
            var = infer_variable(expr, args.var, args.expr.strip())
        derivation = differentiate(expr, var, order=args.order, fallback=args.fallback)
    if args.format == "json":
        print(json.dumps(derivation_to_dict(derivation), indent=2, ensure_ascii=False))
    elif args.steps and args.format != "python":
        print(render_steps(derivation, args.format))
    elif args.format == "latex":
        print(latex_expr(derivation.result))
    elif args.format == "python":
        print(derivation.result)
    else:
        print(result_text(derivation))
    return 0
