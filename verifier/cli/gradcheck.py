"""``verifier gradcheck``: check TwoLayerNet's backprop against central differences.

Prints one row per tensor and the verdict: PASS only when every tensor passed; FAIL
naming the tensors; INCONCLUSIVE with the reason when the step cannot resolve the
check (``x + h == x``, or the difference's own error bound above ``rtol``: try
``--h 1e-17``).  Exit 0 pass, 1 fail or inconclusive (never a pass), 2 on bad input.

>>> from verifier.cli import main
>>> main(["gradcheck", "--input", "6", "--hidden", "4", "--output", "3", "--batch", "5",
...       "--quiet"])
verdict: PASS (43 parameters: 43 compared, 0 at a kink (excluded), 0 skipped)
0
"""

from __future__ import annotations

import argparse
from pathlib import Path

from verifier.i18n import _

#: elements printed by a bare --elements (the worst first)
WORST_SHOWN = 20


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``gradcheck`` verb."""
    from verifier.network import BACKPROP_BUGS

    parser = subparsers.add_parser(
        "gradcheck",
        help="check a two-layer network's backprop gradient numerically",
        description=(
            "Build the seed's network (input -> affine -> relu -> affine -> softmax -> "
            "cross-entropy) on a seeded random batch, compute its gradient by backprop and "
            "check every parameter (or a sample) against central differences."
        ),
    )
    parser.add_argument("--input", type=int, default=784, help="input size (default 784)")
    parser.add_argument("--hidden", type=int, default=50, help="hidden units (default 50)")
    parser.add_argument("--output", type=int, default=10, help="classes (default 10)")
    parser.add_argument("--batch", type=int, default=100, help="samples N (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and data (default 0)")
    parser.add_argument(
        "--mode",
        default="full",
        help="full (default), fast, nditer (the seed's loop, slow) or sample=K",
    )
    parser.add_argument("--h", type=float, default=1e-4, help="central-difference step (1e-4)")
    parser.add_argument("--rtol", type=float, default=None, help="relative tolerance (1e-5)")
    parser.add_argument(
        "--bug",
        choices=sorted(BACKPROP_BUGS),
        default=None,
        help="plant a backprop bug to see the check catch it",
    )
    parser.add_argument("--out", type=Path, default=None, help="write DIR/gradcheck.csv")
    parser.add_argument(
        "--elements",
        nargs="?",
        const=str(WORST_SHOWN),
        default=None,
        metavar="N|all",
        help=f"print the N worst checked elements (default {WORST_SHOWN}; 'all' for every one) "
        "and write every element to --out DIR/gradcheck.csv",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the verdict line")
    parser.set_defaults(handler=run)
    return parser


def _table(frame) -> str:
    shown = frame.copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda v: f"{v:.3g}")
    return shown.to_string(index=False)


def counts(result) -> str:
    """Parameters compared, at a kink (excluded from the verdict) and skipped (not sampled).

    >>> from types import SimpleNamespace as NS
    >>> counts(NS(n_params=39760, n_checked=39760, n_kinks=1035))
    '39760 parameters: 38725 compared, 1035 at a kink (excluded), 0 skipped'
    """
    compared = result.n_checked - result.n_kinks
    skipped = result.n_params - result.n_checked
    return (
        f"{result.n_params} parameters: {compared} compared, {result.n_kinks} at a kink "
        f"(excluded), {skipped} skipped"
    )


def _worst(frame, how: str) -> str:
    """The element table: every row for ``all``, else the N with the largest errors."""
    from verifier.errors import VerifierError

    if how.strip().lower() == "all":
        return _table(frame)
    try:
        n = int(how)
    except ValueError:
        raise VerifierError(
            _("--elements {how!r}: not a number").format(how=how),
            hint=_("write --elements 20, or --elements all"),
        ) from None
    if n < 0:
        raise VerifierError(_("--elements {how}: must be >= 0").format(how=how))
    worst = frame.sort_values("rel_error", ascending=False, na_position="first").head(n)
    head = f"{len(worst)} worst of {len(frame)} elements (--elements all prints every one):"
    return head + "\n" + _table(worst)


def run(args: argparse.Namespace) -> int:
    """Run the check, print the table and the verdict, write the CSV; 0 pass, 1 fail."""
    from verifier.errors import VerifierError
    from verifier.files import write_atomic
    from verifier.gradcheck import DEFAULT_RTOL, gradcheck_network, parse_mode

    parse_mode(args.mode)  # a bad mode is a usage error before any work
    if args.batch < 1:
        raise VerifierError(_("--batch must be at least 1, got {batch}").format(batch=args.batch))
    result = gradcheck_network(
        (args.input, args.hidden, args.output),
        batch=args.batch,
        seed=args.seed,
        mode=args.mode,
        h=args.h,
        bug=args.bug,
        rtol=DEFAULT_RTOL if args.rtol is None else args.rtol,
        progress=None if not args.quiet else False,
    )
    if not args.quiet:
        print(result.summary().splitlines()[0])
        print(_table(result.to_frame().drop(columns=["reason", "passed"])))
        for t in result.tensors:
            if t.verdict != "pass":
                print(f"{t.name}: {t.verdict}: {t.reason}")
        if args.elements is not None:
            print(_worst(result.to_frame(elements=True), args.elements))
        if result.kink_hint:
            print(_("note: {note}").format(note=result.kink_hint))
        for note in result.notes:
            print(_("note: {note}").format(note=note))
        if result.dtype_warning:
            print(_("warning: {warning}").format(warning=result.dtype_warning))
    if args.out is not None:
        frame = result.to_frame(elements=args.elements is not None)
        write_atomic(Path(args.out) / "gradcheck.csv", frame.to_csv(index=False))
        if not args.quiet:
            print(_("wrote {path}").format(path=Path(args.out) / "gradcheck.csv"))
    print(f"{result.verdict_line()} ({counts(result)})")
    return 0 if result.verdict == "pass" else 1
