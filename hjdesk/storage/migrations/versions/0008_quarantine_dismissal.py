"""sync quarantine: a set-aside record dismissed by a person, with who, when and why

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

A dismissed record stays in `sync_quarantine` (its payload still readable on this laptop); it no
longer counts as waiting. Existing rows: not dismissed.
"""

import sqlalchemy as sa
from alembic import op

import hjdesk.storage.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_quarantine", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dismissed_at", hjdesk.storage.models.base.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("dismissed_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("dismissal_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_quarantine", schema=None) as batch_op:
        batch_op.drop_column("dismissal_reason")
        batch_op.drop_column("dismissed_by")
        batch_op.drop_column("dismissed_at")
