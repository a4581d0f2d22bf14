"""``verifier serve``: the JSON API and the student page, on FastAPI served by uvicorn.

:func:`create_app` builds the ASGI application from :class:`Settings` (problems, database URL,
limits, the teacher's token); ``verifier serve`` runs it with uvicorn.  Submissions live in a
SQLAlchemy database (a SQLite file by default), its schema kept by Alembic.
"""

from __future__ import annotations

from verifier.serve.app import create_app
from verifier.serve.settings import Settings

__all__ = ["Settings", "create_app"]
