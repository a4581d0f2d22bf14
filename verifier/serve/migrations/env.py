"""Alembic's environment for the service's schema (run by ``Database.migrate``, or by the
``alembic`` command with ``-c verifier/serve/alembic.ini -x url=...``).

On PostgreSQL the upgrade holds an advisory lock, so several ``verifier serve`` processes
starting at once against one database migrate it once, one after the other.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from verifier.serve.models import Base

_LOCK = 7_243_031  # the advisory lock's key: any constant of this application


def _migrate(connection) -> None:  # noqa: ANN001  a SQLAlchemy Connection
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Upgrade on the connection handed over by the caller, or on the configured URL."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            _migrate(conn)
    finally:
        engine.dispose()


run()
