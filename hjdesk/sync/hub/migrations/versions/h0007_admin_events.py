"""hub: a hash-chained log of administrators' commands (`hjdesk hub admin-log`)

Revision ID: h0007
Revises: h0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from hjdesk.sync.hub.schema import UtcTime

revision = "h0007"
down_revision = "h0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_events",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("at", UtcTime(), nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(80)),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("admin_events")
