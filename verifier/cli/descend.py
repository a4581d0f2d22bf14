"""``verifier descend``: gradient descent at several learning rates, both gradients checked.

Writes OUT/descend.csv, OUT/descend.md and OUT/descend.png (paths on a contour
of f, loss against step on a log scale) through :mod:`verifier.report.descent`.
``--network`` instead trains the seed's network twice (backprop and numeric
gradients) and compares the curves; ``--network digits`` trains 64-50-10 on the
handwritten digits at each rate (test accuracy per rate) and compares backprop with
numeric-gradient training on ``--batch`` images (OUT/digits.md, .csv, .png).  ``--gradient-error 1e-3`` plants a 0.1% error
in the analytic gradient, to see the check catch it.  Exit 0 when the gradient
check passed, 1 when it failed or was inconclusive (never a pass), 2 on bad input.

>>> import tempfile
>>> from verifier.cli import main
>>> main(["descend", "x^2", "--from", "1", "--lr", "0.25,1.0", "--steps", "20",
...       "--out", tempfile.mkdtemp(), "--quiet"])
lr=0.25: converged
lr=1: oscillating
0
"""

from __future__ import annotations

import argparse
from pathlib import Path

from verifier.i18n import _

#: the seed's three regimes (too low, right, too high) plus oscillation
DEFAULT_RATES = "0.001,0.1,0.9,1.1"


def _numbers(text: str, what: str) -> list[float]:
    from verifier.errors import VerifierError

    out = []
    for part in text.split(","):
        part = part.strip()
        try:
            out.append(float(part))
        except ValueError:
            raise VerifierError(
                _("{what}: {part!r} is not a number").format(what=what, part=part),
                hint=_("comma-separated numbers, e.g. {what} 3,4").format(what=what),
            ) from None
    return out


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``descend`` verb."""
    parser = subparsers.add_parser(
        "descend",
        help="gradient descent at several learning rates (slow/converged/oscillating/diverged)",
        description=(
            "Run x <- x - lr * grad f(x) from --from at each rate in --lr. At every step the "
            "rule-engine gradient and the central-difference gradient are compared. Each rate "
            "is classified as slow, converged, oscillating or diverged."
        ),
    )
    parser.add_argument("expr", metavar="EXPR", nargs="?", help="f, quoted, e.g. 'x0^2 + x1^2'")
    parser.add_argument("--from", dest="start", default=None, help="start point, e.g. 3,4")
    parser.add_argument(
        "--lr",
        default=None,
        help=f"learning rates, comma-separated (default {DEFAULT_RATES}; --network: 0.1)",
    )
    parser.add_argument("--steps", type=int, default=None, help="steps (100; --network: 5)")
    parser.add_argument(
        "--variables", default=None, help="variable order for --from, e.g. x0,x1 (default: sorted)"
    )
    parser.add_argument(
        "--gradient",
        choices=("analytic", "numeric"),
        default="analytic",
        help="which gradient moves the point (both are computed and compared)",
    )
    parser.add_argument("--h", type=float, default=1e-4, help="central-difference step (1e-4)")
    parser.add_argument(
        "--gradient-error",
        type=float,
        default=0.0,
        help="plant a relative error in the analytic gradient (e.g. 1e-3), to see the check fail",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports/descend"), help="output folder (reports/descend)"
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--network",
        nargs="?",
        const="random",
        choices=("random", "digits"),
        default=None,
        help="train TwoLayerNet with backprop and with numeric gradients; compare the losses "
        "(random: a seeded random batch; digits: the handwritten digits, 64-50-10, with a "
        "learning-rate study and test accuracy)",
    )
    parser.add_argument("--input", type=int, default=784, help="--network: input size")
    parser.add_argument("--hidden", type=int, default=50, help="--network: hidden units")
    parser.add_argument(
        "--numeric-steps",
        type=int,
        default=20,
        help="--network digits: steps of the backprop-vs-numeric comparison (20)",
    )
    parser.add_argument("--output", type=int, default=10, help="--network: classes")
    parser.add_argument("--batch", type=int, default=100, help="--network: samples")
    parser.add_argument("--seed", type=int, default=0, help="--network: seed")
    parser.add_argument("--quiet", action="store_true", help="print one line per rate")
    parser.set_defaults(handler=run)
    return parser


def _run_network(args: argparse.Namespace) -> int:
    from verifier.descent import compare_training
    from verifier.errors import VerifierError
    from verifier.report.descent import write_training

    rates = [0.1] if args.lr is None else _numbers(args.lr, "--lr")
    if len(rates) != 1:
        raise VerifierError(_("--network takes one learning rate"), hint=_("e.g. --lr 0.1"))
    steps = 5 if args.steps is None else args.steps
    tc = compare_training(
        (args.input, args.hidden, args.output),
        batch=args.batch,
        seed=args.seed,
        lr=rates[0],
        steps=steps,
        h=args.h,
    )
    if not args.quiet:
        print(tc.to_frame().to_string(index=False))
    write_training(tc, args.out, plot=not args.no_plot)
    verdicts = set(tc.gradcheck_verdicts.tolist())
    if verdicts == {"pass"}:
        check = "passed at every step"
    else:
        check = "FAILED at some step" if "fail" in verdicts else "INCONCLUSIVE at some step"
    print(
        _(
            "loss curves {value} (max relative gap {max_gap:.2g}, rtol {rtol:g}); backprop check {check}"
        ).format(
            value=_("coincide") if tc.coincide else _("DIFFER"),
            max_gap=tc.max_gap,
            rtol=tc.rtol,
            check=check,
        )
    )
    return 0 if tc.passed else 1


def _run_digits(args: argparse.Namespace) -> int:
    from verifier.descent.digits import DIGITS_RATES, digits_numeric_check, digits_study
    from verifier.report.training import digits_markdown, write_digits

    rates = list(DIGITS_RATES) if args.lr is None else _numbers(args.lr, "--lr")
    study = digits_study(
        rates, steps=300 if args.steps is None else args.steps, hidden=args.hidden, seed=args.seed
    )
    tc = digits_numeric_check(
        samples=args.batch, steps=args.numeric_steps, lr=max(rates, key=lambda r: -abs(r - 0.5)),
        hidden=args.hidden, seed=args.seed,
    )  # fmt: skip
    paths = write_digits(study, tc, args.out, plot=not args.no_plot)
    if args.quiet:
        for run in study.runs:
            print(
                _("lr={lr:g}: {regime}, test accuracy {test_accuracy:.3f}").format(
                    lr=run.lr, regime=run.regime, test_accuracy=run.test_accuracy
                )
            )
    else:
        print(digits_markdown(study, tc))
        print(_("wrote {paths}").format(paths=", ".join(str(p) for p in paths.values())))
    best = study.best
    print(
        _(
            "best test accuracy {test_accuracy:.3f} (lr={lr:g}); backprop and numeric curves {value} (max relative gap {max_gap:.2g}); gradient check {value2}"
        ).format(
            test_accuracy=best.test_accuracy,
            lr=best.lr,
            value=_("coincide") if tc.coincide else _("DIFFER"),
            max_gap=tc.max_gap,
            value2=_("passed at every step") if tc.passed else _("did NOT pass at every step"),
        )
    )
    return 0 if tc.passed else 1


def run(args: argparse.Namespace) -> int:
    """Run the study, print the table, write CSV/Markdown/PNG; 0 when the check passed."""
    from verifier.descent import learning_rate_study
    from verifier.errors import VerifierError
    from verifier.report.descent import study_markdown, write_study

    if args.network == "digits":
        return _run_digits(args)
    if args.network:
        return _run_network(args)
    if not args.expr:
        raise VerifierError(
            _("no expression given"), hint=_("verifier descend 'x0^2 + x1^2' --from 3,4")
        )
    if args.start is None:
        raise VerifierError(
            _("--from is required"), hint=_("one value per variable, e.g. --from 3,4")
        )
    start = _numbers(args.start, "--from")
    rates = _numbers(DEFAULT_RATES if args.lr is None else args.lr, "--lr")
    variables = [v.strip() for v in args.variables.split(",")] if args.variables else None
    study = learning_rate_study(
        args.expr,
        start,
        rates,
        steps=100 if args.steps is None else args.steps,
        variables=variables,
        use=args.gradient,
        h=args.h,
        gradient_error=args.gradient_error,
    )
    paths = write_study(study, args.out, plot=not args.no_plot)
    if args.quiet:
        for row in study.to_frame().itertuples():
            print(f"lr={row.lr:g}: {row.regime}")
    else:
        print(study_markdown(study))
        print(_("wrote {paths}").format(paths=", ".join(str(p) for p in paths.values())))
    verdict = study.verdict
    if verdict == "pass":
        if not args.quiet:
            resolved = sum(int(r.check_passed.sum()) for r in study.runs)
            total = sum(len(r.check_verdicts) for r in study.runs)
            print(
                _(
                    "gradient check PASSED: no step failed; {resolved} of {total} steps resolved to rtol, the rest inconclusive (see check_steps)"
                ).format(resolved=resolved, total=total)
                if resolved < total
                else _("gradient check PASSED: analytic and numeric gradients agree at every step")
            )
        return 0
    bad = next(r for r in study.runs if r.check_verdict == verdict)
    label = "FAILED" if verdict == "fail" else "INCONCLUSIVE"
    print(
        _("gradient check {label} (lr={lr:g}): {check_reason}").format(
            label=label, lr=bad.lr, check_reason=bad.check_reason
        )
    )
    return 1
