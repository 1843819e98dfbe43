"""sync state: conflicts to resolve, purges waiting for acknowledgement

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import hjdesk.storage.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=True),
        sa.Column("local_rev", sa.Integer(), nullable=True),
        sa.Column("local_payload", sa.Text(), nullable=True),
        sa.Column("hub_rev", sa.Integer(), nullable=False),
        sa.Column("hub_payload", sa.Text(), nullable=False),
        sa.Column("detected_at", hjdesk.storage.models.base.UtcDateTime(), nullable=False),
        sa.Column("resolved_seq", sa.Integer(), nullable=True),
        sa.Column("resolved_at", hjdesk.storage.models.base.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
        sa.UniqueConstraint("hub_id", name=op.f("uq_sync_conflicts_hub_id")),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflicts_record_id"), ["record_id"])
        batch_op.create_index(batch_op.f("ix_sync_conflicts_patient_id"), ["patient_id"])
    op.create_table(
        "sync_pending_purges",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("requested_at", hjdesk.storage.models.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_sync_pending_purges")),
    )


def downgrade() -> None:
    op.drop_table("sync_pending_purges")
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_patient_id"))
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_record_id"))
    op.drop_table("sync_conflicts")
