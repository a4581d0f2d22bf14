"""``verifier sweep EXPR --at X``: error against step size for every finite-difference method.

Prints a compact summary (smallest and reliable error with their steps, observed vs
expected order per method) and writes ``DIR/errors.csv``, ``DIR/summary.md`` and
``DIR/error_vs_h.png`` (plus ``--format html,json,tex``) through the report adapter
(:mod:`verifier.report.sweep`).  At a kink of a one-variable f (``abs(x)`` at 0) it writes
the one-sided estimates instead (``estimates.csv``, ``summary.md``, the figure) and exits 1.  Exit 0 when the sweep's verdict is pass (every curve
converges to the reference; advisory notes such as a breakdown at large h do not fail)
and a ``--claimed`` derivative equals the reference exactly; 1 when something fails or
nothing could be verified; 2 on bad input.

>>> import tempfile
>>> from verifier.cli import main
>>> d = tempfile.mkdtemp()
>>> main(["sweep", "x^2 + 2x + 1", "--at", "15", "--claimed", "2x + 2", "--out", d,
...       "--no-plot", "--quiet"])
0
"""

from __future__ import annotations

import argparse
from typing import Any

from verifier.errors import DomainError
from verifier.files import check_out_dir
from verifier.i18n import N_, _
from verifier.limits import budget, check_seconds
from verifier.numeric.stencils import STENCILS, h_grid, stencils_for
from verifier.report.sweep import FORMATS

METHODS = tuple(STENCILS)
FIRST = stencils_for(1)  # the default methods of --order 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sweep`` verb."""
    parser = subparsers.add_parser(
        "sweep",
        help="error vs step size h for each finite-difference method",
        description=(
            "Estimate the derivative of EXPR with forward, backward, central, five-point and "
            "complex-step differences over a grid of steps h, measure each estimate against the "
            "rule engine's exact derivative (mpmath, 30 digits), fit the observed order and "
            "flag where it disagrees with theory. Several variables: --at x0=1,x1=3."
        ),
    )
    parser.add_argument("expr", metavar="EXPR", help="the function, quoted, e.g. 'exp(sin(x))'")
    parser.add_argument(
        "--at",
        action="append",
        metavar="POINT",
        help="points: 1.3, or 1.3,2 for two points, or x0=1,x1=3 for several variables "
        "(repeatable)",
    )
    parser.add_argument(
        "--var",
        default=None,
        help="differentiate by VAR (comma-separated for several; default: every variable)",
    )
    parser.add_argument(
        "--methods",
        default=None,
        help=f"comma-separated methods (default {','.join(FIRST)}; with --order 2 "
        f"{','.join(stencils_for(2))}; with --order 3 {','.join(stencils_for(3))})",
    )
    parser.add_argument(
        "--order",
        type=int,
        default=1,
        help="sweep the derivative of this order: 2 for f'' (second differences), 3 for f^(3)",
    )
    parser.add_argument("--h-min", type=float, default=1e-15, help="smallest step (1e-15)")
    parser.add_argument("--h-max", type=float, default=1e-1, help="largest step (1e-1)")
    parser.add_argument("--per-decade", type=float, default=2, help="steps per decade (2)")
    parser.add_argument(
        "--out", default="reports/sweep", help="output folder (default reports/sweep)"
    )
    parser.add_argument(
        "--format",
        default="csv,md",
        help="extra outputs, comma-separated from csv,md,html,json,tex (csv and md always)",
    )
    parser.add_argument(
        "--plot",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write DIR/error_vs_h.png (default on)",
    )
    parser.add_argument(
        "--claimed",
        default=None,
        metavar="EXPR",
        help="a claimed derivative, judged exactly against the rule engine's (as `check` does)",
    )
    parser.add_argument(
        "--rtol",
        type=float,
        default=1e-6,
        help="tolerance of the numeric evidence shown beside --claimed (default 1e-6)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing; use the exit code")
    parser.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds allowed (default 60)"
    )
    parser.set_defaults(handler=run)
    return parser


def parse_point(text: str) -> float | dict[str, float]:
    """``"1.3"`` -> 1.3; ``"x0=1,x1=3"`` -> {"x0": 1.0, "x1": 3.0}.

    >>> parse_point("x0=1, x1=3")
    {'x0': 1.0, 'x1': 3.0}
    """
    import math

    from verifier.errors import VerifierError

    def number(s: str, what: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise VerifierError(
                _("--at {text!r}: {what} {strip!r} is not a number").format(
                    text=text, what=what, strip=s.strip()
                ),
                hint=_(
                    "write --at 1.3; several points: --at 1.3,2 or repeat --at; several "
                    "variables: --at x0=1,x1=3"
                ),
            ) from None
        if not math.isfinite(v):
            raise VerifierError(
                _("--at {text!r}: {strip!r} is not finite").format(text=text, strip=s.strip())
            )
        return v

    text = text.strip()
    if "=" not in text:
        return number(text, "value")
    out: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise VerifierError(
                _("--at {text!r}: cannot read {strip!r}").format(text=text, strip=part.strip()),
                hint=_("write --at x0=1,x1=3"),
            )
        if name in out:
            raise VerifierError(_("--at {text!r}: {name} given twice").format(text=text, name=name))
        out[name] = number(value, f"value of {name}")
    return out


def _points(values: list[str] | None) -> list[Any]:
    from verifier.errors import VerifierError

    if not values:
        raise VerifierError(_("no point given"), hint=_("add --at 1.3 (or --at x0=1,x1=3)"))
    # --at 1.3,2 is two points of one variable (as --at 1.3 --at 2); x0=1,x1=3 is one point
    words = [w for v in values for w in (v.split(",") if "=" not in v else [v])]
    points = [parse_point(w) for w in words]
    kinds = {isinstance(p, dict) for p in points}
    if len(kinds) > 1:
        raise VerifierError(
            _("mix of plain numbers and name=value points"), hint=_("use one form for every --at")
        )
    if isinstance(points[0], dict):
        keys = list(points[0])
        for p in points[1:]:
            if set(p) != set(keys):
                raise VerifierError(
                    _("points name different variables: {items} vs {items2}").format(
                        items=", ".join(keys), items2=", ".join(p)
                    )
                )
        points = [{k: p[k] for k in keys} for p in points]
    return points


def _list(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    from verifier.errors import VerifierError

    items = [t.strip().lower().replace("-", "_") for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise VerifierError(
            _("unknown {what}: {value}").format(what=what, value=", ".join(bad) or "(none)"),
            hint=_("choose from {choices}").format(choices=",".join(allowed)),
        )
    return list(dict.fromkeys(items))


def run(args: argparse.Namespace) -> int:
    """Run the sweep, print the summary, write the files; 0 passed, 1 flagged."""
    from verifier.report.sweep import write_sweep_report
    from verifier.sweep import sweep

    points = _points(args.at)
    methods = None if args.methods is None else _list(args.methods, METHODS, "method")
    formats = _list(args.format, FORMATS, "format")
    var = None
    if args.var:
        names = [v.strip() for v in args.var.split(",") if v.strip()]
        var = names[0] if len(names) == 1 else names
    grid = h_grid(args.h_max, args.h_min, args.per_decade)
    check_out_dir(args.out)
    with budget(check_seconds(args.time_limit), N_("the sweep")):
        try:
            table = sweep(
                args.expr, var, points, methods, grid, claimed=args.claimed, rtol=args.rtol,
                order=args.order,
            )  # fmt: skip
        except DomainError:
            kink = _kink(args, var, points, methods, grid)
            if kink is None:
                raise
            return _report_kink(kink, args)
    if not args.quiet:
        print(table.summary())
    written = write_sweep_report(table, args.out, formats, plot=args.plot)
    if not args.quiet:
        print(_("wrote {paths}").format(paths=", ".join(str(p) for p in written)))
    return 0 if table.passed else 1


def _kink(args: argparse.Namespace, var: Any, points: list[Any], methods: Any, grid: Any) -> Any:
    """The one-sided estimates when every point is a kink of a one-variable f (else None)."""
    from verifier.sweep_kink import kink_sweep

    if args.order != 1 or args.claimed is not None or not isinstance(var, str | None):
        return None
    if any(isinstance(p, dict) for p in points):
        return None
    try:
        return kink_sweep(args.expr, var, points, methods, grid)
    except DomainError:  # a point that is not a kink: the sweep's own error says why
        return None


def _report_kink(kink: Any, args: argparse.Namespace) -> int:
    from verifier.report.sweep import write_kink_report

    if not args.quiet:
        print(kink.summary())
    written = write_kink_report(kink, args.out, plot=args.plot)
    if not args.quiet:
        print(_("wrote {paths}").format(paths=", ".join(str(p) for p in written)))
    return 0 if kink.passed else 1
