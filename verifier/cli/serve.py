"""``verifier serve``: the JSON API and the student page, served by uvicorn.

Needs the ``serve`` extra (``pip install -e '.[serve]'``).  The teacher's page opens with the
token in ``VERIFIER_TEACHER_TOKEN``.
"""

from __future__ import annotations

import argparse

from verifier.errors import VerifierError
from verifier.i18n import _
from verifier.limits import check_seconds


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``serve`` verb."""
    p = subparsers.add_parser(
        "serve",
        help="serve the JSON API and the student page",
        description=(
            "Serve the JSON API (/api/check, /api/diff, /api/sweep, /api/problems, "
            "/api/submissions, /api/health; described at /docs), the student page (/) and the "
            "teacher's page (/teacher, with the token in VERIFIER_TEACHER_TOKEN). Submissions "
            "are kept in --database (a SQLite file by default; any SQLAlchemy URL)."
        ),
    )
    p.add_argument("--problems", default=None, help="problems TOML (default: a bundled set)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--workers", type=int, default=None,
        help="worker processes that check answers (default: one per CPU)",
    )  # fmt: skip
    p.add_argument(
        "--database", default=None,
        help="SQLAlchemy URL (default sqlite:///verifier-submissions.sqlite)",
    )  # fmt: skip
    p.add_argument(
        "--time-limit", type=float, default=2.0,
        help="seconds one request's work may take (default 2; over it: 503)",
    )  # fmt: skip
    p.add_argument(
        "--rate", type=float, default=20.0,
        help="requests a second per client address (default 20; 0: no limit)",
    )  # fmt: skip
    p.add_argument(
        "--burst", type=int, default=100, help="requests at once per client (default 100)"
    )
    p.add_argument("--max-body", type=int, default=64 * 1024, help="largest request body in bytes")
    p.add_argument(
        "--forwarded-allow-ips", default=None,
        help="proxies whose X-Forwarded-For names the client (behind a load balancer)",
    )  # fmt: skip
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Start the service; returns 0 when it is stopped (Ctrl-C, SIGTERM)."""
    try:
        import uvicorn

        from verifier.serve import Settings, create_app
    except ModuleNotFoundError as exc:
        raise VerifierError(
            _("verifier serve needs {name}, which is not installed").format(name=exc.name),
            hint="pip install -e '.[serve]'",
        ) from None
    if not 0 < args.port < 65536:
        raise VerifierError(
            _("--port must be between 1 and 65535, got {port}").format(port=args.port)
        )
    if args.workers is not None and not 1 <= args.workers <= 256:
        raise VerifierError(
            _("--workers must be between 1 and 256, got {workers}").format(workers=args.workers)
        )
    if args.rate < 0 or args.burst < 1 or args.max_body < 1:
        raise VerifierError(_("--rate must be >= 0, --burst and --max-body >= 1"))
    options: dict = {
        "time_limit": check_seconds(args.time_limit),
        "rate": args.rate,
        "burst": args.burst,
        "max_body": args.max_body,
    }
    if args.problems:
        from pathlib import Path

        options["problems"] = Path(args.problems)
    if args.database:
        options["database"] = args.database
    if args.workers:
        options["workers"] = args.workers
    app = create_app(Settings(**options))
    extra = {}
    if args.forwarded_allow_ips:
        extra = {"proxy_headers": True, "forwarded_allow_ips": args.forwarded_allow_ips}
    url = f"http://{args.host}:{args.port}/"
    print(_("verifier serve: {url} (API described at /docs)").format(url=url), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", **extra)
    return 0
