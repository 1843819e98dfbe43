"""staff name cards: who another establishment's staff named in an arrival's records are

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

A person who arrives by transfer brings records written, signed and owned by the previous
prison's staff, whose staff rows stay with that prison (hazard H-37). The hub now sends, for each
of them, a name card: staff id, name, role and establishment, nothing more. This table holds them,
read-only (a pull writes it; nothing queues it for the hub). No data changes; downgrade drops it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Frozen here (not imported from the models): a later model change must not alter this step.
    op.create_table(
        "staff_name_cards",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("establishment", sa.String(length=10), nullable=False),
        sa.Column("card_id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_name_cards")),
    )


def downgrade() -> None:
    op.drop_table("staff_name_cards")
