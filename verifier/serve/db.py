"""Where submissions are kept: any SQLAlchemy database, its schema kept by Alembic.

A SQLite file is the embedded default; any SQLAlchemy URL works (PostgreSQL when a class
outgrows one machine, several ``verifier serve`` processes sharing it).  :meth:`Database.migrate`
brings the schema to the newest revision of ``migrations/`` (run on every start: a no-op when
it is current).

>>> db = Database("sqlite://")
>>> db.migrate()
>>> row = db.add(student="kim", problem="p1", answer="2x", lang="en", verdict="correct",
...              mistake=None, reason="equals the derivative", read_as="2x", points=1.0,
...              max_points=1.0)
>>> [(s["student"], s["verdict"]) for s in db.submissions()]
[('kim', 'correct')]
>>> db.close()
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from verifier.errors import VerifierError
from verifier.i18n import _
from verifier.serve.models import Submission

__all__ = ["DEFAULT_URL", "Database"]

#: the embedded default: a SQLite file in the current folder
DEFAULT_URL = "sqlite:///verifier-submissions.sqlite"
_HERE = Path(__file__).resolve().parent
_FIELDS = [c.name for c in Submission.__table__.columns]
#: Alembic keeps its running migration in module globals: one migration per process at a time
#: (between processes, the database's own lock serialises them: see migrations/env.py)
_MIGRATING = threading.Lock()


class Database:
    """The submissions store behind one SQLAlchemy engine (thread-safe sessions)."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:  # noqa: BLE001  sqlalchemy's ArgumentError, ValueError
            raise VerifierError(
                _("cannot read the database URL {url!r}: {why}").format(url=url, why=exc),
                hint=_("write it like sqlite:///submissions.sqlite or postgresql://host/db"),
            ) from None
        options: dict[str, Any] = {"pool_pre_ping": True}
        if parsed.get_backend_name() == "sqlite":
            options = {"connect_args": {"check_same_thread": False}}
            if parsed.database in (None, "", ":memory:"):
                options["poolclass"] = StaticPool  # one in-memory database for every thread
            else:
                Path(parsed.database).expanduser().resolve().parent.mkdir(
                    parents=True, exist_ok=True
                )
        if parsed.drivername in ("postgresql", "postgres"):  # no driver named: the installed one
            parsed = parsed.set(drivername=f"postgresql+{_postgres_driver()}")
        try:
            self.engine = create_engine(parsed, **options)
        except Exception as exc:  # noqa: BLE001  a missing driver, a bad option
            raise VerifierError(
                _("cannot open the database {url}: {why}").format(
                    url=parsed.render_as_string(hide_password=True), why=exc
                ),
                hint=_("install the database's driver (PostgreSQL: pip install psycopg[binary])"),
            ) from None
        self.url = parsed
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (creating it in an empty database)."""
        from alembic import command
        from alembic.config import Config

        config = Config(str(_HERE / "alembic.ini"))
        config.set_main_option("script_location", str(_HERE / "migrations"))
        try:
            with _MIGRATING, self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except Exception as exc:
            if isinstance(exc, VerifierError):
                raise
            raise VerifierError(
                _("cannot prepare the database {url}: {why}").format(
                    url=self.url.render_as_string(hide_password=True), why=exc
                ),
                hint=_("check that the database server runs and the URL is right"),
            ) from None

    def revision(self) -> str | None:
        """The schema's current Alembic revision (None before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def add(self, **fields: Any) -> int:
        """Store one submission (the columns of :class:`Submission`); returns its id."""
        with self._sessions() as session, session.begin():
            row = Submission(**fields)
            session.add(row)
        return int(row.id)

    def submissions(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Every submission (or the newest ``limit``), oldest first, as dicts."""
        query = select(Submission).order_by(Submission.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            rows = list(session.scalars(query))
        return [{f: getattr(r, f) for f in _FIELDS} for r in reversed(rows)]

    def ping(self) -> bool:
        """True when the database answers."""
        from sqlalchemy import text

        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001  any failure means "not reachable"
            return False

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


def _postgres_driver() -> str:
    """psycopg (3) when installed, else psycopg2 (SQLAlchemy's default for ``postgresql://``)."""
    import importlib.util

    return "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"
