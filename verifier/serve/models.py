"""The tables of the service (SQLAlchemy's declarative mapping): one row per submission.

The schema is created and changed only by the Alembic migrations in ``migrations/``
(:func:`verifier.serve.db.Database.migrate`); this module says what a row is.

>>> Submission.__tablename__, sorted(Submission.__table__.columns.keys())[:4]
('submissions', ['answer', 'created_at', 'id', 'lang'])
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "Submission"]


class Base(DeclarativeBase):
    """The declarative base of the service's tables."""


def _now() -> datetime:
    return datetime.now(UTC)


class Submission(Base):
    """A student's answer to a problem, as submitted, with the verdict it got then."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    student: Mapped[str] = mapped_column(String(200), index=True)
    problem: Mapped[str] = mapped_column(String(200), index=True)
    answer: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    verdict: Mapped[str] = mapped_column(String(16))
    mistake: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    read_as: Mapped[str | None] = mapped_column(Text, nullable=True)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
