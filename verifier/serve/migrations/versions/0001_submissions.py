"""The submissions table.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``submissions`` with its indexes."""
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("student", sa.String(200), nullable=False),
        sa.Column("problem", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("mistake", sa.String(100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("read_as", sa.Text(), nullable=True),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
    )
    op.create_index("ix_submissions_student", "submissions", ["student"])
    op.create_index("ix_submissions_problem", "submissions", ["problem"])


def downgrade() -> None:
    """Drop ``submissions``."""
    op.drop_index("ix_submissions_problem", table_name="submissions")
    op.drop_index("ix_submissions_student", table_name="submissions")
    op.drop_table("submissions")
