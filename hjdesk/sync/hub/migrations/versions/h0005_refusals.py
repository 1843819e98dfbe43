"""hub: ops refused by the hub's rules (architecture.md §5a)

Revision ID: h0005
Revises: h0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from hjdesk.sync.hub.schema import UtcTime

revision = "h0005"
down_revision = "h0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refusals",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("op_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("refused_at", UtcTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("refusals")
